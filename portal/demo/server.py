"""`python app.py`: migrate the embedded database, load the demo when empty, serve."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade

from portal.cli import database_is_empty
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.jobs.queue import start_embedded


def prepare(app: Flask) -> list[tuple[str, str]]:
    """Upgrade the schema; in demo mode, seed an empty database. Returns the demo accounts."""
    with app.app_context():
        upgrade()
        # Outside demo mode, never create accounts with a published password (check S10).
        if not app.config["DEMO"] or not database_is_empty():
            return []
        demo = seed_demo()
        db.session.commit()
        return demo.accounts()


def serve(app: Flask, *, port: int) -> None:
    """Serve the app, with the job queue (SQLite unless configured) run by threads of this
    process, so the demo works alone; production runs `flask --app app worker`."""
    accounts = prepare(app)
    consumer = start_embedded(app, workers=int(app.config["DEMO_QUEUE_WORKERS"]))
    print(f"Dealer Network Portal on http://127.0.0.1:{port}")
    if accounts:
        print(f"Demo accounts (password {DEMO_PASSWORD!r}):")
        for email, description in accounts:
            print(f"  {email:34} {description}")
    elif app.config["DEMO"]:
        print(
            f"Demo accounts: admin@demo.example, north.supervisor@demo.example, "
            f"south.supervisor@demo.example, <dealer code>@demo.example; password {DEMO_PASSWORD!r}"
        )
    try:
        app.run(host="127.0.0.1", port=port, debug=False, threaded=True)
    finally:
        consumer.stop(graceful=False)
