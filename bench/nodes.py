"""A two-node drill (issue 12, Operations): two gunicorn nodes and two queue workers, each
node on one core, sharing one PostgreSQL, one Redis queue and one instance folder.

    python bench/nodes.py [--dealers 200] [--clients 8] [--seconds 15] [--rounds 2]
                          [--stale-seconds 15] [--steps 1234]

Seeds a scratch PostgreSQL database with `flask seed-large --dealers N`, then starts node A
(gunicorn, 2 sync workers) and worker A (`flask --app app worker`, 2 threads) pinned
to core 0 with `taskset -c 0`, node B and worker B pinned to core 1. Then, printing a
PASS/FAIL line and figures for each step:

1. session: a dealer signs in on A and continues on B; signs out on B, after which the
   cookie copied before signing out no longer opens a page on A;
2. export: a supervisor starts a region export on A; the workers render it; B shows it
   done and serves the ZIP, which holds one file per dealer;
3. kill -9: an export of another region starts on A; while its renders run, worker A is
   killed with `kill -9`. Its claimed jobs stay "running" and silent until worker B's
   sweep (every minute, for jobs silent longer than JOB_STALE_SECONDS, set here to
   `--stale-seconds` instead of 300 so the drill fits in two minutes) queues them again,
   and its render slots stay taken until their lease lapses (RENDER_SLOT_LEASE_SECONDS).
   Prints the job states at the kill and as they change, the time to the finished export,
   and whether every dealer got exactly one file;
4. read throughput: `--clients` clients open the same mix of pages again and again for
   `--seconds`, against node A alone, node B alone, then A and B in turn (`--rounds`
   times, interleaved); requests per second, how many cores the nodes kept busy, the CPU
   a request cost the nodes, PostgreSQL and the clients, and the ratio of two nodes to one
   (target: at least 1.6x). PostgreSQL and the clients share the two cores with the nodes
   here, so their share of a request's CPU bounds the ratio; that bound is printed too.

Asserts nothing. Two nodes can only serve more than one when two cores are free: the
machine's load, and how much two CPU-bound processes gain together, are printed beside.
"""

from __future__ import annotations

import argparse
import io
import itertools
import re
import statistics
import sys
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import machine, stack  # noqa: E402
from bench.traffic import (  # noqa: E402
    TIMEOUT,
    csrf_token,
    poll_status,
    sign_in,
    table,
    wait_until,
)

TARGET_THROUGHPUT = 1.6
# (role, page) the throughput clients open in turn; {dealer} is the dealer user's dealer.
MIX = [
    ("supervisor", "/home"),
    ("dealer", "/home"),
    ("supervisor", "/dealers/"),
    ("dealer", "/dealers/{dealer}"),
    ("supervisor", "/plans/review"),
    ("dealer", "/notices/"),
]


@dataclass
class People:
    supervisor: str
    dealer: str
    dealer_id: int
    exporters: list[tuple[str, int]]  # (supervisor, region id) for two regions


def people(portal: stack.Portal) -> People:
    regions = portal.sql(
        "SELECT r.region_id, min(u.email) FROM supervisor_regions r "
        "JOIN users u ON u.id = r.user_id GROUP BY r.region_id ORDER BY r.region_id LIMIT 3"
    )
    (dealer,) = portal.sql(
        "SELECT u.email, d.id FROM users u JOIN dealers d ON d.id = u.dealer_id "
        "WHERE d.status = 'active' AND d.active ORDER BY d.id LIMIT 1"
    )
    return People(
        supervisor=regions[0][1],
        dealer=dealer[0],
        dealer_id=dealer[1],
        exporters=[(email, region) for region, email in regions[1:]],
    )


def outcome(passed: bool, text: str) -> bool:
    print(f"{'PASS' if passed else 'FAIL'}  {text}", flush=True)
    return passed


def session_across_nodes(a: str, b: str, who: People) -> None:
    print("\n1. A session across nodes")
    session = sign_in(a, who.dealer)
    on_b = session.get(f"{b}/home", timeout=TIMEOUT)
    outcome(
        on_b.status_code == 200 and on_b.url.endswith("/home"),
        f"signed in on A, /home on B: HTTP {on_b.status_code} at {on_b.url.replace(b, 'B')}",
    )
    copied = session.cookies.copy()
    token = csrf_token(session, f"{b}/home")
    out = session.post(f"{b}/sign-out", data={"csrf_token": token}, timeout=TIMEOUT)
    replay = requests.Session()
    replay.cookies = copied
    on_a = replay.get(f"{a}/home", timeout=TIMEOUT, allow_redirects=False)
    refused = on_a.status_code == 302 and "/sign-in" in on_a.headers.get("Location", "")
    outcome(
        refused,
        f"signed out on B (HTTP {out.status_code}); the copied cookie on A: HTTP"
        f" {on_a.status_code} to {on_a.headers.get('Location', '-')}",
    )


def start_export(base: str, session: requests.Session, region: int) -> str:
    """Start a region export as the exports page does; the path of its progress page."""
    token = csrf_token(session, f"{base}/dealer-files/exports")
    response = session.post(
        f"{base}/dealer-files/exports",
        data={"region": str(region), "csrf_token": token},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"starting the export failed: HTTP {response.status_code}")
    return response.headers["Location"]


def export_across_nodes(a: str, b: str, who: People, portal: stack.Portal) -> None:
    print("\n2. An export started on A, run by the workers, downloaded from B")
    email, region = who.exporters[0]
    session = sign_in(a, email)
    started = time.perf_counter()
    page = start_export(a, session, region)
    status = poll_status(session, f"{b}{page}/status.json", timeout=1800)
    ready = time.perf_counter() - started
    download = session.get(f"{b}{status['download']}", timeout=TIMEOUT)
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist() if download.ok else []
    outcome(
        status["status"] == "done" and len(names) == status["total"],
        f"export of {status['total']} dealers {status['status']} after {ready:.1f} s (polled"
        f" on B); ZIP from B: HTTP {download.status_code}, {len(download.content) // 1024} KiB,"
        f" {len(names)} files",
    )
    runs = {process.label: renders_run(process) for process in portal.processes}
    print("renders run per worker: " + ", ".join(f"{k} {v}" for k, v in runs.items() if v))


def renders_run(process: stack.Process) -> int:
    return len(re.findall(r"\.dealer_file: [^\n]* executed in", process.output()))


def export_states(portal: stack.Portal, export_page: str) -> Counter:
    """How many of the export's render jobs are in each state (the jobs made since it began:
    nothing else runs meanwhile)."""
    rows = portal.sql(
        "SELECT state, count(*) FROM jobs WHERE kind = 'dealer_file' AND created_at >= ("
        " SELECT x.created_at FROM dossier_exports e JOIN jobs x ON x.id = e.job_id"
        " WHERE e.id = :export) GROUP BY state",
        export=int(export_page.rstrip("/").rsplit("/", 1)[1]),
    )
    return Counter(dict(rows))


def swept(process: stack.Process) -> set[int]:
    """Ids of the render jobs the worker's sweep found silent and queued again."""
    return {int(n) for n in re.findall(r"job (\d+) \(dealer_file\) was stale", process.output())}


def kill_drill(a: str, who: People, portal: stack.Portal, killed: stack.Process) -> None:
    print("\n3. A worker killed with kill -9 in the middle of an export")
    survivor = next(p for p in portal.processes if p.label.startswith("worker") and p is not killed)
    email, region = who.exporters[1]
    session = sign_in(a, email)
    page = start_export(a, session, region)
    started = time.perf_counter()
    # Each worker claims at most two jobs (its threads): three running means both have some.
    wait_until(lambda: export_states(portal, page)["running"] >= 3, timeout=300, interval=0.1)
    killed.kill()
    at_kill = time.perf_counter() - started
    last = export_states(portal, page)
    print(f"t={at_kill:5.1f} s  kill -9 {killed.label} (pid {killed.pid}); jobs: {dict(last)}")
    requeued: set[int] = set()
    status: dict = {}
    while not status.get("finished"):
        time.sleep(1)
        states, now = export_states(portal, page), time.perf_counter() - started
        if swept(survivor) != requeued:
            requeued = swept(survivor)
            print(f"t={now:5.1f} s  {survivor.label}'s sweep queued again: {sorted(requeued)}")
        if states != last:
            print(f"t={now:5.1f} s  jobs: {dict(states)}", flush=True)
            last = states
        status = session.get(f"{a}{page}/status.json", timeout=TIMEOUT).json()
    done = time.perf_counter() - started
    files = portal.sql(
        "SELECT d.id, count(f.id) FROM dealers d LEFT JOIN dealer_files f ON f.dealer_id = d.id"
        " WHERE d.region_id = :region AND d.active AND d.status IN ('active', 'suspended')"
        " GROUP BY d.id",
        region=region,
    )
    once = all(count == 1 for _dealer, count in files)
    finished = portal.sql(
        "SELECT count(*) FROM jobs WHERE state = 'done' AND id = ANY(:ids)", ids=list(requeued)
    )[0][0]
    outcome(
        status["status"] == "done" and once and requeued and finished == len(requeued),
        f"export {status['status']} {done:.1f} s after it started ({done - at_kill:.1f} s after"
        f" the kill); {finished} of {len(requeued)} jobs left by the killed worker finished by"
        f" {survivor.label}; each of {len(files)} dealers has exactly one file: {once}",
    )


def throughput(
    bases: list[str], sessions: list[dict[str, requests.Session]], dealer_id: int, seconds: float
) -> int:
    """How many 200 answers the clients get in `seconds` from `bases` (taken in turn)."""
    stop = threading.Event()
    counts = [0] * len(sessions)
    errors = [0] * len(sessions)

    def client(index: int) -> None:
        turns = itertools.cycle(MIX)
        nodes = itertools.cycle(bases[index % len(bases) :] + bases[: index % len(bases)])
        while not stop.is_set():
            role, path = next(turns)
            url = next(nodes) + path.format(dealer=dealer_id)
            response = sessions[index][role].get(url, timeout=TIMEOUT)
            if response.status_code == 200:
                counts[index] += 1
            else:
                errors[index] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(sessions))]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if sum(errors):
        print(f"   ({sum(errors)} answers other than 200)")
    return sum(counts)


@dataclass
class Cost:
    """CPU seconds used by the nodes, PostgreSQL's backends and the clients."""

    nodes: float = 0.0
    database: float = 0.0
    clients: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.nodes + other.nodes, self.database + other.database, self.clients + other.clients
        )

    def per_request(self, count: int) -> list[float]:
        return [1000 * part / max(count, 1) for part in (self.nodes, self.database, self.clients)]


def measured(run, nodes: list[stack.Process], database: str) -> tuple[int, Cost]:
    """Run `run()` (which returns a count) and the CPU each side spent meanwhile."""

    def node_pids() -> list[int]:
        return [pid for node in nodes for pid in machine.process_tree(node.pid)]

    before_nodes = machine.cpu_by_process(node_pids())
    before_db = machine.cpu_by_process(machine.postgres_backends(database))
    before_clients = time.process_time()
    count = run()
    return count, Cost(
        machine.cpu_since(before_nodes, node_pids()),
        machine.cpu_since(before_db, machine.postgres_backends(database)),
        time.process_time() - before_clients,
    )


def read_throughput(
    a: str,
    b: str,
    who: People,
    args: argparse.Namespace,
    portal: stack.Portal,
    nodes: list[stack.Process],
) -> None:
    print(f"\n4. Read throughput, {args.clients} clients, {len(MIX)} pages in turn")
    people_of = {"supervisor": who.supervisor, "dealer": who.dealer}
    sessions = [
        {role: sign_in(a, email) for role, email in people_of.items()} for _ in range(args.clients)
    ]
    for base in (a, b):  # warm every worker's caches
        throughput([base], sessions, who.dealer_id, 3)
    database = make_url(portal.database_url).database
    rows, one, two = [], [], []
    singles: list[tuple[int, Cost]] = []  # the runs on one node: requests and CPU
    for round_ in range(1, args.rounds + 1):
        setups = (("node A", [a], one), ("node B", [b], one), ("nodes A + B", [a, b], two))
        for label, bases, figures in setups:
            run = partial(throughput, bases, sessions, who.dealer_id, args.seconds)
            count, cost = measured(run, nodes, database)
            figures.append(count / args.seconds)
            if len(bases) == 1:
                singles.append((count, cost))
            busy = f"{cost.nodes / args.seconds:.2f}"
            rows.append(
                [f"round {round_}: {label}", count / args.seconds, busy, *cost.per_request(count)]
            )
    header = ["nodes", "requests/s", "cores busy", "CPU ms: nodes", "PostgreSQL", "clients"]
    table(header, rows)
    ratio = statistics.mean(two) / statistics.mean(one)
    total = sum((cost for _count, cost in singles), Cost())
    node_ms, database_ms, client_ms = total.per_request(sum(count for count, _ in singles))
    # One node can use one core at most; two nodes share the two cores with PostgreSQL and
    # the clients, which took the other core's spare time when one node ran.
    bound = min(2.0, 2 * node_ms / (node_ms + database_ms + client_ms))
    print(
        f"with PostgreSQL and the clients on the same two cores, two nodes serve at most"
        f" {bound:.2f}x one whose core is busy all the time (2 x the nodes' share of a"
        f" request's CPU: {node_ms:.1f} of {node_ms + database_ms + client_ms:.1f} ms)"
    )
    outcome(
        ratio >= TARGET_THROUGHPUT,
        f"two nodes serve {ratio:.2f}x the reads of one (target >= {TARGET_THROUGHPUT}x);"
        f" {machine.describe()}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dealers", type=int, default=200, help="seed-large network size")
    parser.add_argument("--clients", type=int, default=8, help="throughput clients")
    parser.add_argument("--seconds", type=float, default=15, help="per throughput run")
    parser.add_argument("--rounds", type=int, default=2, help="throughput runs per setup")
    parser.add_argument("--stale-seconds", type=int, default=15, help="JOB_STALE_SECONDS")
    parser.add_argument("--steps", default="1234", help="which steps to run")
    args = parser.parse_args()
    settings = {"PORTAL_JOB_STALE_SECONDS": str(args.stale_seconds)}
    with stack.scratch("nodes", settings=settings) as portal:
        portal.migrate()
        seeded = portal.seed_large(args.dealers)
        who = people(portal)
        node_a, a = portal.start_node(cpu=0, label="node-a")
        node_b, b = portal.start_node(cpu=1, label="node-b")
        worker_a = portal.start_worker(cpu=0, label="worker-a")
        portal.start_worker(cpu=1, label="worker-b")
        print(
            f"seed-large --dealers {args.dealers} in {seeded:.0f} s; node A and worker A on"
            f" core 0, node B and worker B on core 1; one PostgreSQL, one Redis queue"
            f" ({portal.queue_name}), one instance folder; {machine.describe()}"
        )
        if "1" in args.steps:
            session_across_nodes(a, b, who)
        if "2" in args.steps:
            export_across_nodes(a, b, who, portal)
        if "3" in args.steps:
            kill_drill(a, who, portal, worker_a)
        if "4" in args.steps:
            read_throughput(a, b, who, args, portal, [node_a, node_b])


if __name__ == "__main__":
    main()
