"""`python -m tests.support.clocked_flask ARGS`: the `flask` command on the test clock.

Live tests run `flask --app app worker` through this, so the queue's worker reads the
same date as the clocked gunicorn it works for (tests/support/clocked_gunicorn.py).
"""

import sys

from flask.cli import main

from tests.support import clock

if __name__ == "__main__":
    clock.start()
    sys.argv[0] = "flask"
    sys.exit(main())
