"""`python -m connector.sandbox serve ...`: the same as `leadscore sandbox serve ...`."""

import sys

from connector.cli import main

sys.argv = [sys.argv[0], "sandbox", *sys.argv[1:]]
main()
