"""`python -m tests.support.clocked_gunicorn ARGS`: gunicorn on the test clock.

Live servers run in a child process, so they move its clock the same way the suite
moves its own (tests/support/clock.py); forked workers inherit it.
"""

import sys

from gunicorn.app.wsgiapp import run

from tests.support import clock

if __name__ == "__main__":
    clock.start()
    sys.argv[0] = "gunicorn"
    sys.exit(run())
