"""`python -m tests.support.clocked_worker ARGS`: `flask --app app worker ARGS` on the test
clock (tests/support/clock.py), like tests.support.clocked_gunicorn for the web server."""

import sys

from flask.cli import main

from tests.support import clock

if __name__ == "__main__":
    clock.start()
    sys.argv = ["flask", "--app", "app", "worker", *sys.argv[1:]]
    sys.exit(main())
