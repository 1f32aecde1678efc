import logging

import pytest


@pytest.fixture(autouse=True)
def _logging_as_found():
    """A CLI invocation sets up the process's logging (cli's root callback): undo it after each
    test, so one test's handler and levels never reach the next."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if getattr(h, "_leadscore", False)]:
        root.removeHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)
