"""Mail benchmark: the daily reminder run over a large network, and how many mails per second
one worker sends for a digest run, to a real SMTP server on 127.0.0.1 (aiosmtpd).

    python bench/mail.py [--dealers 2000] [--sqlite-file PATH | --postgres-url URL]

Seeds a temporary SQLite database with `flask seed-large --dealers N` (timed) unless given
one, then on the day before next month's plans are due:
1. times the reminder run (`reminders.run`: every source, keys, one bulk insert) and routes
   what it made by every user's choices, with every dealer user choosing the daily digest;
2. at the digest hour, folds the held reminders into one digest per user and times one
   worker (this process, one thread, batches over one SMTP connection) sending them all.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from portal import clock, create_app, periods  # noqa: E402
from portal.demo.large import is_empty, seed_large  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.mail import choices, delivery, outbox, reminders  # noqa: E402
from portal.mail.kinds import DEALER_TOPICS  # noqa: E402
from portal.models import MailPreference, MailState, OutgoingMail, Role, User  # noqa: E402
from tests.mail.smtp import SmtpServer  # noqa: E402
from tests.support.clock import at  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dealers", type=int, default=2000)
    parser.add_argument("--sqlite-file", help="reuse a database seeded by seed-large")
    parser.add_argument("--postgres-url", help="postgresql+psycopg://… seeded or empty")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    database = Path(args.sqlite_file).resolve() if args.sqlite_file else folder / "portal.sqlite3"
    url = args.postgres_url or f"sqlite:///{database}"
    smtp = SmtpServer()
    smtp.start()
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "MAIL_USE_TLS": False,
            "MAIL_BASE_URL": "https://portal.example.test",
            "QUEUE_URL": "memory://",
        }
    )
    try:
        with app.app_context():
            run(app, args.dealers, smtp)
    finally:
        smtp.stop()


def run(app, dealers: int, smtp: SmtpServer) -> None:
    upgrade()
    if is_empty():
        started = time.perf_counter()
        seed_large(dealers)
        db.session.commit()
        print(f"seed-large --dealers {dealers}: {time.perf_counter() - started:.1f} s")
    dealer_users = db.session.scalars(select(User.id).where(User.role == Role.DEALER)).all()
    db.session.execute(
        MailPreference.__table__.insert(),
        [{"user_id": u, "topic": t, "mode": "digest"} for u in dealer_users for t in DEALER_TOPICS],
    )
    db.session.commit()
    period = periods.shift(periods.of(clock.today()), 1)
    day = periods.plan_due_date(period, app.config["PLAN_DUE_DAY"]) - timedelta(days=1)
    print(f"network: {dealers:,} dealers, {len(dealer_users):,} dealer users; run on {day}")

    with time_machine.travel(at(day, 6), tick=True):
        started = time.perf_counter()
        result = reminders.run(day)
        db.session.commit()
        seconds = time.perf_counter() - started
        routed = outbox.route()
        while routed:
            db.session.commit()
            routed = outbox.route()
        db.session.commit()
        route_seconds = time.perf_counter() - started - seconds
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(result.by_kind.items()))
    print(
        f"reminder run: {seconds:.2f} s for {result.items:,} open items → "
        f"{result.reminders:,} reminders ({kinds}), {result.escalations:,} escalations; "
        f"routing by choices {route_seconds:.2f} s"
    )

    release = choices.next_digest_time(at(day, 6)) + timedelta(minutes=1)
    with time_machine.travel(release, tick=True):
        started = time.perf_counter()
        outbox.fold()
        db.session.commit()
        fold_seconds = time.perf_counter() - started
        pending = db.session.scalar(
            select(func.count(OutgoingMail.id)).where(OutgoingMail.state == MailState.PENDING)
        )
        bundled = db.session.scalar(
            select(func.count(OutgoingMail.id)).where(OutgoingMail.state == MailState.BUNDLED)
        )
        started = time.perf_counter()
        tally = delivery.deliver_due()
        send_seconds = time.perf_counter() - started
    received = smtp.wait_for(tally.sent, seconds=60)
    print(
        f"digest run: fold {fold_seconds:.2f} s ({bundled:,} items into {pending:,} mails); "
        f"one worker sent {tally.sent:,} mails in {send_seconds:.1f} s = "
        f"{tally.sent / send_seconds:.0f} mails/s (failed {tally.failed}, not for the "
        f"recipient {tally.cancelled}); the SMTP server received {len(received):,}"
    )


if __name__ == "__main__":
    main()
