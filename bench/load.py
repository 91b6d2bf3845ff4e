"""Month-end load (issue 13): home pages and /healthz while dealers save store reports.

    python bench/load.py                             # PostgreSQL, 2,000 dealers (seed-large)
    python bench/load.py --database sqlite           # a SQLite file (and its SQLite queue)
    python bench/load.py --url sqlite:////tmp/big.sqlite3    # an already seeded database
    python bench/load.py --dealers 200 --seconds 5 --phase-seconds 5 --wrk-seconds 5

One deployment as production runs it: gunicorn with 2 sync workers (the README's command,
with 2 workers; `--threads N` makes them gthread workers of N threads) and one queue
worker (`flask --app app worker`), on a scratch database seeded with `flask seed-large`
(`bench_load`, dropped at the end) or on `--url`, used as it is (the saves below write
draft reports into it). Then, one after another (`--parts` picks some):

1. mix: for --seconds (45), 10 dealers each save a store report of this month as fast as
   they can (open the edit form, post new figures: "report form" and "report save"),
   10 other dealers open their home page, 2 admins and 1 supervisor theirs, each again as
   soon as the last answer came, and /healthz is asked twice a second. Prints requests
   per second, p50 and p95 per kind of request, and the errors (any other answer).
2. admin: 2 admins open their home page for --phase-seconds (15) while nothing is written,
   then as long again while one dealer saves a report once a second; prints the admin
   home's throughput in both side by side, and the ratio.
3. wrk: for --wrk-seconds (20) with 8 connections, the dealer home page (signed in), then
   /healthz, then a hello-world Flask app (bench/hello.py) on the same gunicorn settings.
   Uses `wrk` when installed (`apt-get install wrk`), else 8 Python threads.

Targets (issue 13): 0 errors; report save p95 under 300 ms on PostgreSQL under the mix;
admin home throughput with one write a second at least 70 % of its throughput without;
dealer home at least 150 requests/s under wrk. Times are taken at the client, on loopback,
and the clients share the machine's cores with the servers: the CPU each side used is
printed under the mix, and the machine's load at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import machine, stack  # noqa: E402
from bench.traffic import (  # noqa: E402
    TIMEOUT,
    TOKEN,
    Crowd,
    Visit,
    median,
    percentile,
    sign_in,
    table,
)
from portal import clock, periods  # noqa: E402
from tests.support.live import free_port  # noqa: E402

VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
LINE = re.compile(r'name="revenue_(\d+)"')
REPORT = re.compile(r"/reports/(\d+)$")
TARGET_WRITE_P95 = 300
TARGET_RATIO = 0.70
TARGET_DEALER_HOME = 150
WRK_CONNECTIONS = 8


@dataclass
class People:
    """Accounts of the large network: one admin (signed in twice), a supervisor, and dealer
    users of active dealers with a store that reports: writers first, then readers."""

    admin: str
    supervisor: str
    writers: list[tuple[str, int]]  # (email, store id)
    readers: list[str]


def people(portal: stack.Portal, writers: int, readers: int) -> People:
    first = "SELECT email FROM users WHERE role = :role AND active ORDER BY id LIMIT 1"
    admin, supervisor = (portal.sql(first, role=role)[0][0] for role in ("admin", "supervisor"))
    dealers = portal.sql(
        "SELECT u.email, MIN(s.id) FROM users u JOIN dealers d ON d.id = u.dealer_id"
        " JOIN stores s ON s.dealer_id = d.id AND s.active AND s.status <> 'closed'"
        " WHERE u.role = 'dealer' AND u.active AND d.status = 'active' AND d.active"
        " GROUP BY u.email, d.id ORDER BY d.id LIMIT :n",
        n=writers + readers,
    )
    if len(dealers) < writers + readers:
        raise SystemExit(f"only {len(dealers)} active dealers with a reporting store")
    return People(
        admin=admin,
        supervisor=supervisor,
        writers=[(email, store) for email, store in dealers[:writers]],
        readers=[email for email, _store in dealers[writers:]],
    )


# Saving a store report: open its edit form, post new figures.


@dataclass(frozen=True)
class Writer:
    session: requests.Session
    report: str  # the report's URL


def open_report(base: str, email: str, store: int) -> Writer:
    """A signed-in dealer and their store's report of this month (created as a draft)."""
    session = sign_in(base, email)
    period = periods.of(clock.today())
    found = session.get(
        f"{base}/reports/new",
        params={"store": store, "period": period},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    location = found.headers.get("Location", "")
    if found.status_code != 302:  # no report yet: write one
        token, lines = TOKEN.search(found.text), LINE.findall(found.text)
        data = {"csrf_token": token.group(1) if token else "", "store_id": store}
        data.update({"period": period, f"revenue_{lines[0]}": "1000", f"units_{lines[0]}": "1"})
        created = session.post(
            f"{base}/reports/new", data=data, timeout=TIMEOUT, allow_redirects=False
        )
        location = created.headers.get("Location", "")
    matched = REPORT.search(location)
    if not matched:
        raise SystemExit(f"{email}: no report of store {store} for {period} ({location!r})")
    return Writer(session, f"{base}/reports/{matched.group(1)}")


def save_report(writer: Writer, times: dict, errors: dict) -> None:
    """One save, as a dealer makes it: the form, then the post (its redirect not followed)."""
    started = time.perf_counter()
    form = writer.session.get(f"{writer.report}/edit", timeout=TIMEOUT, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    token, version = TOKEN.search(form.text), VERSION.search(form.text)
    if form.status_code != 200 or not token or not version:
        errors["report form"][f"HTTP {form.status_code}"] += 1
        return
    times["report form"].append(elapsed)
    data = {"csrf_token": token.group(1), "version": version.group(1)}
    for line in set(LINE.findall(form.text)):
        data[f"revenue_{line}"] = str(random.randint(1_000, 99_999))
        data[f"units_{line}"] = str(random.randint(1, 500))
    started = time.perf_counter()
    saved = writer.session.post(
        f"{writer.report}/edit", data=data, timeout=TIMEOUT, allow_redirects=False
    )
    if saved.status_code == 302:
        times["report save"].append((time.perf_counter() - started) * 1000)
    else:
        errors["report save"][f"HTTP {saved.status_code}"] += 1


class Writers:
    """Dealers who each save their report again and again in a thread of their own, a save
    every `interval` seconds (0: the next as soon as the last is answered), while the
    `with` block lasts."""

    def __init__(self, writers: Sequence[Writer], *, interval: float = 0.0) -> None:
        self.writers, self.interval = list(writers), interval
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, Counter] = defaultdict(Counter)
        self.first_error: dict[str, str] = {}  # each kind of failure's first message
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Writers:
        for writer in self.writers:
            thread = threading.Thread(target=self._write, args=(writer,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT)

    def _write(self, writer: Writer) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                save_report(writer, self.times, self.errors)
            except requests.RequestException as error:
                self.errors["report save"][type(error).__name__] += 1
                self.first_error.setdefault(type(error).__name__, str(error))
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


# Part 1: the month-end mix.


def signed_in_visits(base: str, label: str, emails: Sequence[str], path: str) -> list[Visit]:
    return [Visit(label, sign_in(base, email), f"{base}{path}") for email in emails]


def warm(visits: Sequence[Visit], times: int = 3) -> None:
    """A few requests per visitor first: each worker's first request pays for its start."""
    for visit in visits:
        for _ in range(times):
            visit.session.get(visit.url, timeout=TIMEOUT)


@contextmanager
def cpu_used(pids: dict[str, list[int]]) -> Iterator[dict[str, float]]:
    """CPU seconds each group of processes used inside the block (filled in at its end)."""
    before = {name: machine.cpu_by_process(group) for name, group in pids.items()}
    used: dict[str, float] = {}
    yield used
    for name, group in pids.items():
        used[name] = machine.cpu_since(before[name], group)


def mix(
    base: str,
    who: People,
    args: argparse.Namespace,
    pids: dict[str, list[int]],
    gunicorn: stack.Process,
) -> None:
    readers = signed_in_visits(base, "dealer home", who.readers, "/home")
    staff = signed_in_visits(base, "admin home", [who.admin, who.admin], "/home")
    staff += signed_in_visits(base, "supervisor home", [who.supervisor], "/home")
    probe = [Visit("/healthz", requests.Session(), f"{base}/healthz")]
    writers = [open_report(base, email, store) for email, store in who.writers]
    warm(readers + staff + probe)
    print(f"\n== 1. month-end mix, {args.seconds:.0f} s", flush=True)
    with (
        cpu_used(pids) as cpu,
        Writers(writers) as writing,
        Crowd(readers + staff) as reading,
        Crowd(probe, pause=0.5) as probing,
    ):
        time.sleep(args.seconds)
    seconds = reading.seconds
    rows = []
    for label in ("report save", "report form"):
        errors = sum(writing.errors[label].values())
        rows.append([label, *_figures(writing.times[label], seconds), errors])
    for crowd in (reading, probing):
        for label in sorted(set(crowd.times) | set(crowd.errors)):
            errors = crowd.errors.get(label, 0)
            rows.append([label, *_figures(crowd.times[label], seconds), errors])
    table(["request", "n", "req/s", "p50 ms", "p95 ms", "errors"], rows)
    for label, counts in writing.errors.items():
        if counts:
            print(f"  {label} errors: {dict(counts)}")
    for kind, message in writing.first_error.items():
        print(f"  the first {kind}: {message}")
    if writing.first_error:  # a worker that died or was restarted says so in the server's log
        for line in gunicorn.output().splitlines():
            if any(word in line for word in ("WORKER", "Booting worker", "exiting", "Traceback")):
                print(f"  gunicorn: {line[:200]}")
    write_p95 = percentile(writing.times["report save"], 0.95)
    print(f"report save p95 {write_p95:.0f} ms (target on PostgreSQL: < {TARGET_WRITE_P95} ms)")
    spent = ", ".join(f"{name} {value:.1f}" for name, value in cpu.items())
    print(f"CPU seconds used in {seconds:.0f} s: {spent}")


def _figures(times: list[float], seconds: float) -> list:
    """n, requests per second, p50 and p95 (ms) of the answers timed over `seconds`."""
    return [len(times), len(times) / seconds, median(times), percentile(times, 0.95)]


# Part 2: admin home throughput without and with one write a second.


def admin_phases(base: str, who: People, args: argparse.Namespace) -> None:
    admins = signed_in_visits(base, "admin home", [who.admin, who.admin], "/home")
    writer = open_report(base, who.writers[0][0], who.writers[0][1])
    warm(admins)
    print(f"\n== 2. admin home, {args.phase_seconds:.0f} s without and with writes", flush=True)
    with Crowd(admins) as quiet:
        time.sleep(args.phase_seconds)
    with Writers([writer], interval=1.0) as writing, Crowd(admins) as busy:
        time.sleep(args.phase_seconds)
    rows = []
    for label, crowd in (("admin home, no writes", quiet), ("admin home, a save a second", busy)):
        errors = crowd.errors.get("admin home", 0)
        rows.append([label, *_figures(crowd.times["admin home"], crowd.seconds), errors])
    errors = sum(sum(counts.values()) for counts in writing.errors.values())
    rows.append(["(the saves)", *_figures(writing.times["report save"], busy.seconds), errors])
    table(["", "n", "req/s", "p50 ms", "p95 ms", "errors"], rows)
    ratio = (rows[1][2] / rows[0][2]) if rows[0][2] else float("nan")
    verdict = "ok" if ratio >= TARGET_RATIO else "MISSED"
    print(f"with writes / without: {ratio:.0%} (target >= {TARGET_RATIO:.0%}) {verdict}")


# Part 3: wrk.

# wrk's own summary has no p95: its `done` hook prints what is needed on one line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LOAD %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.connect + e.read + e.write + e.timeout,
    e.status))
end
"""


def wrk(url: str, seconds: float, cookie: str, folder: Path) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p95 ms, errors) of `url` under wrk or, without it, 8 threads."""
    if shutil.which("wrk") is None:
        visits = [Visit("url", requests.Session(), url) for _ in range(WRK_CONNECTIONS)]
        for visit in visits:
            if cookie:
                visit.session.headers["Cookie"] = cookie
        with Crowd(visits) as crowd:
            time.sleep(seconds)
        rate, p50, p95 = _figures(crowd.times["url"], crowd.seconds)[1:]
        return rate, p50, p95, crowd.errors.get("url", 0)
    script = folder / "load.lua"
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t", "2", "-c", str(WRK_CONNECTIONS), "-d", f"{seconds:.0f}s"]
    command += ["-s", str(script), "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    found = re.search(r"^LOAD (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", done.stdout, re.MULTILINE)
    if not found:
        raise SystemExit(f"wrk said:\n{done.stdout}\n{done.stderr}")
    count, micros, p50, p95, broken, status = (int(value) for value in found.groups())
    return count / (micros / 1e6), p50 / 1000, p95 / 1000, broken + status


@contextmanager
def hello_world(portal: stack.Portal) -> Iterator[str]:
    """bench/hello.py on gunicorn with the portal's worker settings; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "bench.hello:app"]
    process = stack.Process("hello", command, portal.env(), portal.instance / "hello.log")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process)
        yield base
    finally:
        process.stop()


def _wait_for(base: str, process: stack.Process) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not process.alive():
            raise SystemExit(f"hello-world app exited:\n{process.output()[-2000:]}")
        try:
            requests.get(base, timeout=2).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("hello-world app did not start within 30 s")


def wrk_part(
    base: str,
    who: People,
    args: argparse.Namespace,
    portal: stack.Portal,
    gunicorn: stack.Process,
) -> None:
    tool = "wrk" if shutil.which("wrk") else "8 Python threads (no wrk installed)"
    print(f"\n== 3. {tool}, {args.wrk_seconds:.0f} s each, {WRK_CONNECTIONS} connections")
    dealer = sign_in(base, who.readers[0])
    home = dealer.get(f"{base}/home", timeout=TIMEOUT, allow_redirects=False)
    if home.status_code != 200:
        raise SystemExit(f"the dealer's home answered HTTP {home.status_code}")
    cookie = "; ".join(f"{name}={value}" for name, value in dealer.cookies.items())
    # A short run first: every worker thread then holds its database connection, whose
    # server process the CPU count below includes.
    wrk(f"{base}/home", min(2.0, args.wrk_seconds), cookie, portal.instance)
    with cpu_used(server_pids(portal, gunicorn)) as cpu:
        home = wrk(f"{base}/home", args.wrk_seconds, cookie, portal.instance)
    rows = [["dealer home (signed in)", *home]]
    rows.append(["/healthz", *wrk(f"{base}/healthz", args.wrk_seconds, "", portal.instance)])
    with hello_world(portal) as hello:
        figures = wrk(f"{hello}/", args.wrk_seconds, "", portal.instance)
        rows.append(["hello-world Flask app", *figures])
    table(["page", "req/s", "p50 ms", "p95 ms", "errors"], rows)
    answered = home[0] * args.wrk_seconds
    if answered:
        spent = ", ".join(
            f"{name} {seconds * 1000 / answered:.1f}"
            for name, seconds in cpu.items()
            if name != "clients (this)"
        )
        print(f"CPU ms per dealer home answered: {spent}")
    verdict = "ok" if rows[0][1] >= TARGET_DEALER_HOME else "MISSED"
    print(f"dealer home: {rows[0][1]:.0f} requests/s (target >= {TARGET_DEALER_HOME}) {verdict}")


# The deployment.


@contextmanager
def deployment(args: argparse.Namespace) -> Iterator[stack.Portal]:
    """A scratch deployment seeded with seed-large, or one on the database of --url."""
    if not args.url:
        with stack.scratch("load", database=args.database) as portal:
            portal.migrate()
            seconds = portal.seed_large(args.dealers)
            print(f"seed-large --dealers {args.dealers} in {seconds:.0f} s", flush=True)
            yield portal
        return
    instance = Path(tempfile.mkdtemp(prefix="bench-load-"))
    postgres = make_url(args.url).get_backend_name() == "postgresql"
    queue = f"bench-load-{os.getpid()}"
    portal = stack.Portal(args.url, instance, stack.REDIS if postgres else None, queue)
    try:
        yield portal
    finally:
        portal.stop_all()
        shutil.rmtree(instance, ignore_errors=True)


def server_pids(portal: stack.Portal, gunicorn: stack.Process) -> dict[str, list[int]]:
    pids = {"gunicorn": machine.process_tree(gunicorn.pid), "clients (this)": [os.getpid()]}
    worker = [p for p in portal.processes if p.label == "worker"]
    if worker:
        pids["queue worker"] = machine.process_tree(worker[0].pid)
    if make_url(portal.database_url).get_backend_name() == "postgresql":
        pids["PostgreSQL"] = machine.postgres_backends(make_url(portal.database_url).database)
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--url", help="an already seeded database at head, used as it is")
    parser.add_argument("--dealers", type=int, default=2000, help="seed-large network size")
    parser.add_argument("--seconds", type=float, default=45, help="the mix (part 1)")
    parser.add_argument("--phase-seconds", type=float, default=15, help="each half of part 2")
    parser.add_argument("--wrk-seconds", type=float, default=20, help="each page of part 3")
    parser.add_argument("--writers", type=int, default=10, help="dealers saving reports")
    parser.add_argument("--readers", type=int, default=10, help="dealers on their home")
    parser.add_argument("--parts", default="mix,admin,wrk", help="which parts, in order")
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (1: sync workers)"
    )
    args = parser.parse_args()
    parts = {part.strip() for part in args.parts.split(",")}
    print(f"at the start: {machine.describe()}", flush=True)
    with deployment(args) as portal:
        who = people(portal, args.writers, args.readers)
        gunicorn, base = portal.start_node(workers=2, threads=args.threads)
        portal.start_worker(threads=2)
        name = make_url(portal.database_url).get_backend_name()
        kind = "sync" if args.threads == 1 else f"gthread, {args.threads} threads each"
        print(f"gunicorn 2 workers ({kind}) and one queue worker on {name}")
        if "mix" in parts:
            mix(base, who, args, server_pids(portal, gunicorn), gunicorn)
        if "admin" in parts:
            admin_phases(base, who, args)
        if "wrk" in parts:
            wrk_part(base, who, args, portal, gunicorn)
    print(f"\nat the end: {machine.describe()}")


if __name__ == "__main__":
    main()
