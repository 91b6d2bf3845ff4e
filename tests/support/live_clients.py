"""Clients of a live server (tests/support/live.py): signed-in sessions, other users'
background traffic, polling, and what gunicorn's own log says about its workers."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import requests

from tests.support.factories import PASSWORD

TIMEOUT = 60  # seconds per request: a loaded two-core machine is slow, never a timing check
PATIENCE_SECONDS = 180  # for work done in the background (renders, exports)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(session: requests.Session, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    page = session.get(url, timeout=TIMEOUT)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_in(base: str, email: str, password: str = PASSWORD) -> requests.Session:
    """A new session signed in as `email` (a connection per request, as browsers spread
    over gunicorn's workers)."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    data = {
        "email": email,
        "password": password,
        "csrf_token": csrf_token(session, f"{base}/sign-in"),
        "next": "",
    }
    response = session.post(f"{base}/sign-in", data=data, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code}"
    return session


class Traffic:
    """Other users' requests, each in a thread of its own, repeated until the block ends.

    `requests` maps a label to (signed-in session, callable taking the session and
    returning a response); `answers[label]` counts the status codes each got (or
    "network_error"). Used as a context manager around the hostile work.
    """

    PAUSE_SECONDS = 0.05

    def __init__(
        self, requests_: dict[str, tuple[requests.Session, Callable[..., requests.Response]]]
    ) -> None:
        self.requests = requests_
        self.answers: dict[str, Counter] = {label: Counter() for label in requests_}
        self.slowest: dict[str, float] = dict.fromkeys(requests_, 0.0)  # printed, not judged
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._loop, args=(label,), daemon=True) for label in requests_
        ]

    def _loop(self, label: str) -> None:
        session, call = self.requests[label]
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.answers[label][call(session).status_code] += 1
            except requests.RequestException:
                self.answers[label]["network_error"] += 1
            self.slowest[label] = max(self.slowest[label], time.monotonic() - started)
            self.stopping.wait(self.PAUSE_SECONDS)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=TIMEOUT + 5)

    def summary(self) -> str:
        """The answers each user got and their slowest wait (for the test's output)."""
        return "; ".join(
            f"{label}: {dict(self.answers[label])}, slowest {self.slowest[label]:.1f} s"
            for label in self.requests
        )

    def assert_all_ok(self, status: int = 200) -> None:
        """Every answer was `status`, and every user got at least one meanwhile."""
        for label, counts in self.answers.items():
            assert set(counts) == {status}, f"{label}: {dict(counts)}"


def viewing(url: str) -> Callable[[requests.Session], requests.Response]:
    """A page view to repeat."""
    return lambda session: session.get(url, timeout=TIMEOUT)


def switching_language(base: str) -> Callable[[requests.Session], requests.Response]:
    """A write any signed-in user can repeat: the language switched back and forth (a POST,
    so it takes the write lock; it answers with the home page)."""
    languages = itertools.cycle(["zh_Hans", "en"])
    tokens: dict[int, str] = {}

    def switch(session: requests.Session) -> requests.Response:
        if id(session) not in tokens:
            tokens[id(session)] = csrf_token(session, f"{base}/home")
        data = {"csrf_token": tokens[id(session)], "locale": next(languages), "next": "/home"}
        return session.post(f"{base}/locale", data=data, timeout=TIMEOUT)

    return switch


def poll_until(
    condition: Callable[[], bool], what: str, *, details: Callable[[], str] = str
) -> None:
    """Poll `condition()` until it holds (at most PATIENCE_SECONDS; not a timing check).
    Giving up, the error says `what` was awaited, and `details()` (e.g. a worker's log)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"gave up waiting for {what}\n{details()}")


def gunicorn_log(instance: Path) -> str:
    """What gunicorn wrote so far (tests/support/live.py keeps it in the instance folder)."""
    return (instance / "gunicorn.log").read_bytes().decode(errors="replace")


def worker_troubles(instance: Path, workers: int) -> list[str]:
    """gunicorn's own reports of a worker that timed out, was killed or exited with an
    error, and more boots than `workers` (a replaced worker). Empty when the workers that
    started are the ones that served throughout."""
    log = gunicorn_log(instance)
    troubles = [
        line
        for line in log.splitlines()
        if re.search(r"WORKER TIMEOUT|was sent|exited with code", line)
    ]
    boots = len(re.findall(r"Booting worker with pid", log))
    if boots != workers:
        troubles.append(f"{boots} worker boots for {workers} workers")
    return troubles
