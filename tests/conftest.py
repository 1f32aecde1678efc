import logging
import os

import pytest

# The commands' module-level rich consoles fix their width from COLUMNS when they are made (at
# import), and the tests that widen the output set COLUMNS for one invocation: with COLUMNS in the
# environment at import (pytest-xdist's workers have COLUMNS=80; a shell may export it), those
# consoles would stay at that width. Without it they read COLUMNS each time they print.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


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
