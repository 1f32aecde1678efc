import logging

import pytest


@pytest.fixture(autouse=True)
def _logging_as_found():
    """A CLI invocation sets up the process's logging (cli's root callback): undo it after each
    test, so one test's handler and levels never reach the next."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)
