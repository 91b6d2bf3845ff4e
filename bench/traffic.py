"""The client side of the benchmarks: signed-in sessions, people who open pages again and
again in threads of their own (their response times kept), polling a job until it is done,
and the tables the scripts print.

Times are taken at the client, on loopback, in milliseconds unless a name says otherwise.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from bench.stack import LARGE_PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 120


def csrf_token(session: requests.Session, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    found = TOKEN.search(session.get(url, timeout=TIMEOUT).text)
    return found.group(1) if found else ""


def sign_in(base: str, email: str, password: str = LARGE_PASSWORD) -> requests.Session:
    """A session signed in through the real form (CSRF token and all)."""
    session = requests.Session()
    data = {
        "email": email,
        "password": password,
        "csrf_token": csrf_token(session, f"{base}/sign-in"),
    }
    response = session.post(f"{base}/sign-in", data=data, timeout=TIMEOUT, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed for {email}: HTTP {response.status_code}")
    return session


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.95 for p95); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def timed_get(session: requests.Session, url: str) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, timeout=TIMEOUT)
    return (time.perf_counter() - started) * 1000, response


def timed_gets(session: requests.Session, url: str, count: int) -> list[float]:
    """`count` GETs one after another, after one to warm the page up."""
    session.get(url, timeout=TIMEOUT).raise_for_status()
    times = []
    for _ in range(count):
        elapsed, response = timed_get(session, url)
        response.raise_for_status()
        times.append(elapsed)
    return times


@dataclass(frozen=True)
class Visit:
    """Someone who opens one page: a label for the figures, a session and a URL."""

    label: str
    session: requests.Session
    url: str


class Crowd:
    """People who each open their page again and again, each in a thread of their own, with
    `pause` seconds between visits, for as long as the `with` block lasts. Response times of
    200 answers are kept per label; anything else counts as an error of that label."""

    def __init__(self, visits: Sequence[Visit], *, pause: float = 0.0) -> None:
        self.visits, self.pause = list(visits), pause
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.seconds = 0.0

    def __enter__(self) -> Crowd:
        self._started = time.perf_counter()
        for visit in self.visits:
            thread = threading.Thread(target=self._visit, args=(visit,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT)
        self.seconds = time.perf_counter() - self._started

    def _visit(self, visit: Visit) -> None:
        while not self._stop.is_set():
            try:
                elapsed, response = timed_get(visit.session, visit.url)
                if response.status_code == 200:
                    self.times[visit.label].append(elapsed)
                else:
                    self.errors[visit.label] += 1
            except requests.RequestException:
                self.errors[visit.label] += 1
            self._stop.wait(self.pause)

    def count(self) -> int:
        return sum(len(times) for times in self.times.values())


def wait_until(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.5, what: str = "it"
) -> float:
    """Seconds until `predicate()` is true; SystemExit after `timeout` seconds."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(interval)
    return time.perf_counter() - started


def poll_status(
    session: requests.Session, url: str, *, timeout: float, interval: float = 0.5
) -> dict[str, Any]:
    """Poll a job's status.json (as its page does) until it says finished; its last answer."""
    answer: dict[str, Any] = {}

    def finished() -> bool:
        nonlocal answer
        answer = session.get(url, timeout=TIMEOUT).json()
        return bool(answer.get("finished"))

    wait_until(finished, timeout=timeout, interval=interval, what=url)
    return answer


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, first: int = 0) -> None:
    """Print rows under a header: the first column left-aligned, the others right-aligned."""
    cells = [[_cell(value) for value in row] for row in [header, *rows]]
    widths = [max(len(row[index]) for row in cells) for index in range(len(header))]
    widths[0] = max(widths[0], first)
    for row in cells:
        line = [row[0].ljust(widths[0])]
        line += [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(line).rstrip())


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.1f}"  # NaN: no figure
    return str(value)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
