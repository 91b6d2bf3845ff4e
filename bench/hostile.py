"""Hostile input against a live portal (issue 12, S20): what other users wait meanwhile.

    python bench/hostile.py [--dealers 200] [--pngs 20] [--edge 6300] [--photos 180]
                            [--exports 8] [--seconds 20] [--cases abcd]

Seeds a scratch PostgreSQL database (`--database sqlite` for a SQLite file) with
`flask seed-large --dealers N` (20 regions), then adds a published notice whose body is
`'[' * 20000` (stored as migration 0014 stores such a body: refused by the bounded
renderer, kept as plain text), a new store for the dealer who uploads, and an audit with
`--photos` answer photos and as many evidence photos. Serves it with gunicorn (2 workers x
2 threads; `--web-workers 4 --threads 1` is the README's deployment) and one
`flask --app app worker` (2 threads, at its default `--nice`; `--worker-nice 0` runs it at
full priority) on a Redis queue.

Other users — a supervisor on their home page, a dealer on theirs, and /healthz — each
open their page again and again (`--pause` seconds apart), first while nothing else
happens (idle), then while each hostile input is processed, then idle again:

  a. four dealers open the bracket notice, each every `--reader-pause` seconds, for
     `--seconds`; beside it (a0) the same four open an ordinary notice: the same traffic
     without the hostile body, so the difference is what the body costs;
  b. a dealer posts a report with `--pngs` PNGs of ~130 KB that decode to edge x edge
     pixels (refused by the request's pixel budget), again and again, for `--seconds`;
  c. an administrator asks for the PDF of the audit with 2 x `--photos` photos: the job is
     queued, its status polled until the PDF is ready, then it is downloaded;
  d. `--exports` supervisors of as many regions start their region's export at once; each
     status is polled until all ZIPs are ready.

Prints p50/p95 of each page per case beside idle (target: p95 within 2x of the idle rows
together), the time a dealer waits to open the bracket notice (target: under 100 ms), what
each hostile input got, and the time the "new notice" form takes to refuse hostile bodies.
Asserts nothing; on a shared machine read the rows beside the idle rows and the machine's
load printed at the start and the end.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench import images, machine, stack  # noqa: E402
from bench.traffic import (  # noqa: E402
    TIMEOUT,
    Crowd,
    Visit,
    csrf_token,
    median,
    percentile,
    poll_status,
    sign_in,
    table,
    timed_gets,
)
from portal import clock, periods, richtext  # noqa: E402
from portal.audits import corrective  # noqa: E402
from portal.audits import services as audits  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Dealer, User  # noqa: E402
from portal.notices import services as notices  # noqa: E402
from portal.reports import services as reports  # noqa: E402
from tests.support.audit_factories import all_pass, make_audit, make_standard  # noqa: E402
from tests.support.factories import make_store  # noqa: E402

BRACKETS = "[" * 20000
SLOW = "[a](" * 4000
TARGET_RATIO = 2.0
TARGET_NOTICE_MS = 100


@dataclass
class World:
    """Who does what, and the ids they need (seed-large's accounts plus our additions)."""

    admin: str
    supervisor: str  # a supervisor on their home page (region 1)
    dealer: str  # a dealer on their home page
    readers: list[str]  # the four dealers who open the bracket notice
    uploader: str
    exporters: list[tuple[str, int]]  # (supervisor, region id), one per region
    ordinary_notice: int = 0
    bracket_notice: int = 0
    store: int = 0  # the uploader's new store: no report yet, so the post decodes its files
    lines: tuple[int, ...] = ()
    audit: int = 0


def accounts(portal: stack.Portal, exports: int) -> World:
    """Accounts from the large network: a sample of each role, in different regions."""
    (admin,) = portal.sql("SELECT email FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
    supervisors: dict[int, str] = {}  # each region's first supervisor
    for email, region in portal.sql(
        "SELECT u.email, r.region_id FROM users u "
        "JOIN supervisor_regions r ON r.user_id = u.id ORDER BY r.region_id, u.id"
    ):
        supervisors.setdefault(region, email)
    exporters = [(email, region) for region, email in sorted(supervisors.items())]
    dealers = [
        email
        for (email,) in portal.sql(
            "SELECT u.email FROM users u JOIN dealers d ON d.id = u.dealer_id "
            "WHERE d.status = 'active' AND d.active ORDER BY d.id LIMIT 7"
        )
    ]
    return World(
        admin=admin[0],
        supervisor=exporters[0][0],
        dealer=dealers[0],
        readers=dealers[1:5],
        uploader=dealers[5],
        exporters=exporters[:exports],
    )


def add_hostile_data(portal: stack.Portal, world: World, photos: int) -> None:
    """The bracket notice, the uploader's new store and the audit with its photos."""
    # Seeded in one go: more photos per item and per request than the forms take at a time.
    app = portal.app(AUDIT_MAX_PHOTOS_PER_ANSWER=photos + 1, UPLOAD_MAX_PIXELS_PER_REQUEST=10**12)
    with app.test_request_context():
        admin = _user(world.admin)
        values = {
            "kind": "policy",
            "title": "Returns policy",
            "body": "Placeholder",
            "effective_from": clock.today(),
            "acknowledge_days": 7,
            "audience": "network",
        }
        ordinary, _ = notices.create_notice({**values, "title": "Hours"}, author=admin)
        notices.publish(ordinary, actor=admin)
        notice, _ = notices.create_notice(values, author=admin)
        notices.publish(notice, actor=admin)
        # As found in a database from before the fix and backfilled by migration 0014.
        html = richtext.render_or_plain(BRACKETS)
        notice.body, notice.body_html = BRACKETS, html
        notice.versions[-1].body, notice.versions[-1].body_html = BRACKETS, html
        world.ordinary_notice, world.bracket_notice = ordinary.id, notice.id

        uploader = _user(world.uploader)
        world.store = make_store(db.session.get(Dealer, uploader.dealer_id)).id
        world.lines = tuple(line.id for line in reports.report_lines())

        owner = _user(world.dealer)  # the audited store is the home-page dealer's
        dealer = db.session.get(Dealer, owner.dealer_id)
        auditor = next(u for u in dealer.region.supervisors if u.active)
        version = make_standard(actor=admin)
        audit = make_audit(
            make_store(dealer),
            version.standard,
            auditor,
            answers=all_pass(version, **{sorted(all_pass(version))[0]: "fail"}),
        )
        answers = list(audit.answers)
        for index in range(photos):
            photo = images.photo_upload(index)
            audits.add_photo(audit, answers[index % len(answers)], photo, actor=auditor)
        audits.complete(audit, summary="bench", actor=auditor)
        evidence = [images.photo_upload(photos + n) for n in range(photos)]
        corrective.respond(audit.actions[0], comment="fixed", photos=evidence, actor=owner)
        world.audit = audit.id
        db.session.commit()
        db.engine.dispose()


def _user(email: str) -> User:
    return db.session.scalars(db.select(User).where(User.email == email)).one()


# The hostile inputs. Each runs until it is done and returns what it got, as a short text.


def idle(seconds: float) -> str:
    time.sleep(seconds)
    return "nothing else runs"


def notice_readers(
    base: str, world: World, notice: int, label: str, args: argparse.Namespace, times: dict
) -> str:
    """(a) Four dealers open a notice again and again, `--reader-pause` seconds apart: the
    bracket notice, and an ordinary one beside it (the control: the same traffic)."""
    url = f"{base}/notices/{notice}"
    visits = [Visit(label, sign_in(base, email), url) for email in world.readers]
    with Crowd(visits, pause=args.reader_pause) as readers:
        time.sleep(args.seconds)
    times.update(readers.times)
    waited = readers.times[label]
    return (
        f"{len(waited)} opened, {sum(readers.errors.values())} errors; each waited"
        f" p50 {median(waited):.0f} ms, p95 {percentile(waited, 0.95):.0f} ms"
    )


def png_reports(base: str, world: World, seconds: float, png: bytes, count: int) -> str:
    """(b) A dealer posts a report with `count` large PNGs, again and again."""
    session = sign_in(base, world.uploader)
    period = periods.shift(periods.of(clock.today()), -1)
    answers: list[str] = []
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or not answers:
        data = {
            "csrf_token": csrf_token(session, f"{base}/reports/new"),
            "store_id": str(world.store),
            "period": period,
            f"revenue_{world.lines[0]}": "100",
            f"units_{world.lines[0]}": "1",
        }
        files = [("files", (f"p{n}.png", png, "image/png")) for n in range(count)]
        started = time.perf_counter()
        response = session.post(
            f"{base}/reports/new", data=data, files=files, timeout=TIMEOUT, allow_redirects=False
        )
        times.append(time.perf_counter() - started)
        answers.append(_report_answer(response))
    kinds = sorted(set(answers))
    return (
        f"{len(answers)} posts of {count} x {len(png) // 1024} KB, each answered in"
        f" {median(times):.1f} s (median): {', '.join(kinds)}"
    )


def _report_answer(response: requests.Response) -> str:
    if "too many pixels in total" in response.text:
        return f"HTTP {response.status_code} refused by the pixel budget"
    if response.status_code == 302:
        return "HTTP 302 saved"
    return f"HTTP {response.status_code}"


def audit_pdf(base: str, world: World, photos: int) -> str:
    """(c) The audit's PDF is asked for, its job polled until ready, then downloaded."""
    session = sign_in(base, world.admin)
    started = time.perf_counter()
    first = session.get(
        f"{base}/audits/{world.audit}/report.pdf", timeout=TIMEOUT, allow_redirects=False
    )
    if first.status_code != 302:
        return f"asked for the PDF: HTTP {first.status_code} (expected a redirect to progress)"
    status = poll_status(session, f"{base}/audits/{world.audit}/report/status.json", timeout=600)
    ready = time.perf_counter() - started
    pdf = session.get(f"{base}/audits/{world.audit}/report.pdf", timeout=TIMEOUT)
    return (
        f"{2 * photos} photos: job {status['status']} after {ready:.1f} s; download HTTP"
        f" {pdf.status_code}, {pdf.headers.get('Content-Type')}, {len(pdf.content) // 1024} KiB"
    )


def region_exports(base: str, world: World) -> str:
    """(d) Supervisors of several regions start their region's export at the same moment."""
    sessions = [(sign_in(base, email), region) for email, region in world.exporters]
    tokens = [csrf_token(session, f"{base}/dealer-files/exports") for session, _ in sessions]
    ready = threading.Barrier(len(sessions))
    started = time.perf_counter()
    pages: list[str] = [""] * len(sessions)

    def start(index: int) -> None:
        session, region = sessions[index]
        ready.wait()
        response = session.post(
            f"{base}/dealer-files/exports",
            data={"region": str(region), "csrf_token": tokens[index]},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        pages[index] = response.headers.get("Location", "")

    _in_threads(start, len(sessions))
    outcomes = [
        poll_status(session, f"{base}{page}/status.json", timeout=1800)
        for (session, _), page in zip(sessions, pages, strict=True)
    ]
    wall = time.perf_counter() - started
    files = sum(outcome["total"] for outcome in outcomes)
    states = sorted({outcome["status"] for outcome in outcomes})
    return f"{len(outcomes)} exports of {files} dealer files in all: {states} after {wall:.1f} s"


def _in_threads(function: Callable[[int], None], count: int) -> None:
    threads = [threading.Thread(target=function, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def notice_form_posts(base: str, world: World) -> list[tuple[str, float, int, str]]:
    """The time the "new notice" form takes to answer an administrator's hostile bodies."""
    session = sign_in(base, world.admin)
    rows = []
    for label, body in (("'[' * 20000", BRACKETS), ("'[a](' * 4000", SLOW)):
        data = {
            "csrf_token": csrf_token(session, f"{base}/notices/new"),
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
        rows.append((f"admin posts {label}", elapsed, response.status_code, answer))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dealers", type=int, default=200, help="seed-large network size")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pngs", type=int, default=20)
    parser.add_argument("--edge", type=int, default=6300, help="PNG width and height")
    parser.add_argument("--photos", type=int, default=180, help="answer photos (and evidence)")
    parser.add_argument("--exports", type=int, default=8, help="regions exported at once")
    parser.add_argument("--seconds", type=float, default=20, help="duration of cases a and b")
    parser.add_argument("--idle-seconds", type=float, default=15)
    parser.add_argument("--pause", type=float, default=0.05, help="between a user's visits")
    parser.add_argument("--reader-pause", type=float, default=0.5, help="between a reader's")
    parser.add_argument("--requests", type=int, default=30, help="warm bracket notice GETs")
    parser.add_argument("--cases", default="abcd", help="which hostile inputs to run")
    parser.add_argument("--worker-nice", type=int, help="the worker's --nice (default: its own)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=2, help="gunicorn threads per worker (1: sync workers)"
    )
    args = parser.parse_args()

    with stack.scratch("hostile", database=args.database) as portal:
        portal.migrate()
        seeded = portal.seed_large(args.dealers)
        world = accounts(portal, args.exports)
        started = time.perf_counter()
        add_hostile_data(portal, world, args.photos)
        print(
            f"seed-large --dealers {args.dealers} in {seeded:.0f} s; notices, store and audit"
            f" with {2 * args.photos} photos in {time.perf_counter() - started:.0f} s;"
            f" {machine.describe()}"
        )
        png = images.flat_png(args.edge)
        print(f"gunicorn: {args.web_workers} workers x {args.threads} threads")
        with (
            portal.node(workers=args.web_workers, threads=args.threads) as base,
            portal.worker(threads=2, nice=args.worker_nice),
        ):
            run(args, base, world, png)


Case = tuple[str, Callable[[], str]]  # a label, and the work that returns what it got


def hostile_cases(
    args: argparse.Namespace, base: str, world: World, png: bytes, reader_times: dict
) -> list[Case]:
    """The hostile inputs that `--cases` names, in order."""
    cases: list[Case] = []
    if "a" in args.cases:
        for label, notice, page in (
            ("a0. 4 dealers open an ordinary notice", world.ordinary_notice, "ordinary notice"),
            ("a. 4 dealers open the bracket notice", world.bracket_notice, "bracket notice"),
        ):
            work = partial(notice_readers, base, world, notice, page, args, reader_times)
            cases.append((label, work))
    if "b" in args.cases:
        label = f"b. report with {args.pngs} PNGs {args.edge}x{args.edge}"
        cases.append((label, partial(png_reports, base, world, args.seconds, png, args.pngs)))
    if "c" in args.cases:
        label = f"c. audit PDF with {2 * args.photos} photos"
        cases.append((label, partial(audit_pdf, base, world, args.photos)))
    if "d" in args.cases:
        label = f"d. {len(world.exporters)} region exports at once"
        cases.append((label, partial(region_exports, base, world)))
    return cases


def run(args: argparse.Namespace, base: str, world: World, png: bytes) -> None:
    users = [
        Visit("/healthz", requests.Session(), f"{base}/healthz"),
        Visit("supervisor home", sign_in(base, world.supervisor), f"{base}/home"),
        Visit("dealer home", sign_in(base, world.dealer), f"{base}/home"),
    ]
    for visit in users:  # warm the caches of each gunicorn worker (likely)
        for _ in range(10):
            visit.session.get(visit.url, timeout=TIMEOUT).raise_for_status()
    reader = sign_in(base, world.readers[0])
    notice_rows = [
        (label, timed_gets(reader, f"{base}/notices/{notice}", args.requests))
        for label, notice in (
            ("dealer opens an ordinary notice", world.ordinary_notice),
            ("dealer opens the bracket notice", world.bracket_notice),
        )
    ]
    reader_times: dict[str, list[float]] = {}
    resting = ("idle", partial(idle, args.idle_seconds))
    cases = [resting, *hostile_cases(args, base, world, png, reader_times)]
    cases.append(("idle again", resting[1]))

    results = []
    for label, work in cases:
        with Crowd(users, pause=args.pause) as crowd:
            outcome = work()
        results.append((label, crowd, outcome))
        print(f"{label}: {outcome} ({crowd.seconds:.0f} s)", flush=True)
    report(results, notice_rows, reader_times, notice_form_posts(base, world))


def report(
    results: list[tuple[str, Crowd, str]],
    notice_rows: list[tuple[str, list[float]]],
    reader_times: dict[str, list[float]],
    form_rows: list[tuple[str, float, int, str]],
) -> None:
    # Idle is measured first and last: on a shared machine both together are the baseline.
    idle = {
        page: results[0][1].times[page] + results[-1][1].times[page] for page in results[0][1].times
    }
    print("\nOther users while each hostile input is processed (ms, at the client);")
    print("p95/idle compares with the p95 of both idle rows together")
    rows = []
    for label, crowd, _outcome in results:
        for page, times in sorted(crowd.times.items()):
            ratio = percentile(times, 0.95) / percentile(idle[page], 0.95)
            baseline = label.startswith("idle")
            verdict = "" if baseline else ("ok" if ratio <= TARGET_RATIO else "MISSED")
            rows.append(
                [label, page, len(times), crowd.errors.get(page, 0), median(times),
                 percentile(times, 0.95), f"{ratio:.2f}x", verdict]
            )  # fmt: skip
    table(["case", "page", "n", "errors", "p50", "p95", "p95/idle", "target <= 2x"], rows)

    print("\nThe bracket notice ('[' * 20000), warm (ms)")
    rows = [[label, len(t), median(t), percentile(t, 0.95)] for label, t in notice_rows]
    for label, times in reader_times.items():
        rows.append([f"4 dealers at once: {label}", len(times), median(times),
                     percentile(times, 0.95)])  # fmt: skip
    table(["request", "n", "p50", "p95"], rows)
    print(f"target: a dealer opens the bracket notice in under {TARGET_NOTICE_MS} ms")

    print("\nThe new notice form, answering hostile bodies")
    table(["form post", "ms", "HTTP", "answer"], form_rows)
    print(f"\nat the end: {machine.describe()}")


if __name__ == "__main__":
    main()
