"""Hostile input against the live portal (issue 12): the bracket notice.

    python bench/hostile.py [--requests 30]

Seeds a temporary SQLite database with a region, a dealer, its user and an administrator,
and a published notice whose body is `'[' * 20000`, stored the way migration 0014 stores
such a body found in an existing database (the same bounded renderer refuses it, so it is
kept as plain text). Serves it with gunicorn on 127.0.0.1 and prints, in one run:

- /healthz, the floor of the run;
- the time a dealer waits to open the bracket notice, warm (target: under 100 ms);
- the time the "new notice" form takes to answer when an administrator posts that body
  (refused by its shape) and a body that Markdown formats slowly (`'[a](' * 4000`,
  stopped by the child's limits): both answer with a message on the form.

Prints figures; asserts nothing. Times are taken at the client, on loopback.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import clock, create_app, richtext  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Role  # noqa: E402
from portal.notices import services  # noqa: E402
from tests.support import clock as test_clock  # noqa: E402
from tests.support.databases import test_config  # noqa: E402
from tests.support.factories import (  # noqa: E402
    PASSWORD,
    make_dealer,
    make_region,
    make_user,
)
from tests.support.live import gunicorn  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 60
BRACKETS = "[" * 20000
SLOW = "[a](" * 4000
DEALER = "dealer@hostile.example"
ADMIN = "admin@hostile.example"


def seed(url: str, instance: Path) -> tuple[int, int]:
    """The network, an ordinary notice and the bracket notice; returns their ids."""
    app = create_app(test_config(url, instance))
    with app.app_context():
        upgrade()
        region = make_region(code="N", name="North")
        dealer = make_dealer(region, code="N01", name="North One")
        make_user(dealer=dealer, email=DEALER)
        admin = make_user(Role.ADMIN, email=ADMIN)
        values = {
            "kind": "policy",
            "title": "Returns policy",
            "body": "Placeholder",
            "effective_from": clock.today(),
            "acknowledge_days": 7,
            "audience": "network",
        }
        ordinary, _ = services.create_notice({**values, "title": "Hours"}, author=admin)
        services.publish(ordinary, actor=admin)
        notice, _ = services.create_notice(values, author=admin)
        services.publish(notice, actor=admin)
        # As found in a database from before the fix and backfilled by migration 0014.
        html = richtext.render_or_plain(BRACKETS)
        notice.body, notice.body_html = BRACKETS, html
        notice.versions[-1].body, notice.versions[-1].body_html = BRACKETS, html
        db.session.commit()
        ids = ordinary.id, notice.id
        db.engine.dispose()
    return ids


def sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/sign-in", timeout=TIMEOUT)
    token = TOKEN.search(form.text)
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    response = session.post(f"{base}/sign-in", data=data, timeout=TIMEOUT, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed for {email}: {response.status_code}")
    return session


def timed_gets(session: requests.Session, url: str, count: int) -> list[float]:
    session.get(url, timeout=TIMEOUT).raise_for_status()  # warm
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, timeout=TIMEOUT)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times


def timed_post(session: requests.Session, base: str, body: str) -> tuple[float, int, str]:
    form = session.get(f"{base}/notices/new", timeout=TIMEOUT)
    token = TOKEN.search(form.text)
    data = {
        "csrf_token": token.group(1) if token else "",
        "submission_token": f"bench-{time.perf_counter_ns()}",
        "title": "Hostile",
        "body": body,
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": "7",
        "audience": "network",
    }
    started = time.perf_counter()
    response = session.post(f"{base}/notices/new", data=data, timeout=TIMEOUT)
    elapsed = (time.perf_counter() - started) * 1000
    if "formatted in time" in response.text:
        answer = "refused: too complex (child stopped)"
    elif "nested or unclosed brackets" in response.text:
        answer = "refused: too many brackets (shape)"
    else:
        answer = "saved"
    return elapsed, response.status_code, answer


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed GETs per page")
    args = parser.parse_args()
    test_clock.start()  # the same date as the clocked gunicorn below
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch:
        instance = Path(scratch)
        url = f"sqlite:///{instance / 'hostile.sqlite3'}"
        ordinary_id, notice_id = seed(url, instance)
        with gunicorn(url, instance, workers=2) as base:
            dealer, admin = sign_in(base, DEALER), sign_in(base, ADMIN)
            rows = [
                ("/healthz", timed_gets(requests.Session(), f"{base}/healthz", args.requests)),
                (
                    "dealer opens an ordinary notice",
                    timed_gets(dealer, f"{base}/notices/{ordinary_id}", args.requests),
                ),
                (
                    "dealer opens the bracket notice",
                    timed_gets(dealer, f"{base}/notices/{notice_id}", args.requests),
                ),
            ]
            posts = [
                ("admin posts '[' * 20000", timed_post(admin, base, BRACKETS)),
                ("admin posts '[a](' * 4000", timed_post(admin, base, SLOW)),
            ]
    print(f"{'request':40} {'p50 ms':>8} {'p95 ms':>8}")
    for label, times in rows:
        print(f"{label:40} {statistics.median(times):8.1f} {p95(times):8.1f}")
    print()
    print(f"{'form post':40} {'ms':>8} {'HTTP':>6}  answer")
    for label, (elapsed, status, answer) in posts:
        print(f"{label:40} {elapsed:8.1f} {status:>6}  {answer}")
    print("\ntarget: the dealer opens the bracket notice in under 100 ms")


if __name__ == "__main__":
    main()
