"""Entry point. `python app.py` runs the embedded demo; `flask --app app` and gunicorn use `app`."""

import gc
import os

from portal import create_app

if __name__ == "__main__":
    os.environ.setdefault("PORTAL_DEMO", "1")

app = create_app()
# The app, its modules and templates live as long as the process: move them out of the
# cyclic collector's sight, so each collection scans only what requests allocate (and
# forked gunicorn workers keep sharing those pages).
gc.freeze()

if __name__ == "__main__":
    from portal.demo.server import serve

    serve(app, port=int(os.environ.get("PORT", "5000")))
