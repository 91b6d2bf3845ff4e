"""Limited child processes: untrusted bytes are decoded, and documents rendered, outside the
web worker (checks S15, S20).

`run(task, header, blobs, limits=...)` runs one task in a fresh process of its own, with
RLIMIT_AS (memory) and RLIMIT_CPU set, killed after a wall-clock timeout, and returns the
task's result (a JSON-able dict) and the bytes it produced. A hostile photo, PDF or
document costs at most those limits and cannot take the worker down with it.

- Tasks run only in the child: `TASKS` names them as "module:function", imported there.
  A task is `function(header: dict, blobs: Iterator[bytes]) -> (dict, list[bytes])`.
- Blobs are sent one after the other; a blob may be a callable, called only when its turn
  comes, so the parent holds one at a time (e.g. 360 photos of an audit read from storage).
- Children are forked by a zygote that imported WeasyPrint, Pillow and pypdf once
  (importing WeasyPrint costs ~1.5 s, forking milliseconds). The zygote is single-threaded
  (forking is safe there) and exits when its parent goes away. Where fork servers do not
  exist (or PORTAL_PDF_NO_ZYGOTE is set) each task starts a fresh interpreter instead.
- Warnings logged in the child (e.g. WeasyPrint's missing glyphs) are passed back and
  logged on the caller's logger.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

ROOT = Path(__file__).resolve().parents[1]
TASKS = {
    "pdf": "portal.pdf:render_task",
    "image": "portal.untrusted:clean_image",
    "pdf_check": "portal.untrusted:check_pdf",
}
CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from portal.sandbox import _child_main; _child_main()"
)
ZYGOTE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from portal.sandbox import _zygote_main; _zygote_main(int(sys.argv[2]))"
)
_LENGTH = struct.Struct("!Q")

Blob = bytes | Callable[[], bytes]
Task = Callable[[dict[str, Any], Iterator[bytes]], tuple[dict[str, Any], list[bytes]]]


class ChildError(RuntimeError):
    """The task failed or its process died (the message is for logs, not for users)."""


class ChildTimeout(ChildError):
    """The task took longer than allowed and its process was killed."""


@dataclass(frozen=True)
class ChildLimits:
    timeout_seconds: float
    cpu_seconds: int
    memory_mb: int


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any]
    blobs: list[bytes]
    peak_kb: int = 0  # the child's peak resident memory
    cpu_seconds: float = 0.0  # CPU time the child used


def run(
    task: str,
    header: Mapping[str, Any],
    blobs: Iterable[Blob] = (),
    *,
    limits: ChildLimits,
    log: logging.Logger | None = None,
) -> Outcome:
    """Run `task` in a limited child process; raise ChildError if it fails or dies."""
    if task not in TASKS:
        raise ValueError(f"unknown sandbox task {task!r}")
    items = list(blobs)
    request = {
        "task": task,
        "header": dict(header),
        "blobs": len(items),
        "cpu_seconds": limits.cpu_seconds,
        "memory_mb": limits.memory_mb,
    }
    if os.environ.get("PORTAL_PDF_NO_ZYGOTE") or not hasattr(socket, "send_fds"):
        reply, produced = _run_subprocess(request, items, limits.timeout_seconds)
    else:
        reply, produced = _run_forked(request, items, limits.timeout_seconds)
    for message in reply.get("warnings", []):
        (log or logging.getLogger(__name__)).warning("%s", message)
    if "error" in reply:
        raise ChildError(reply["error"])
    return Outcome(
        reply.get("result", {}),
        produced,
        int(reply.get("peak_kb", 0)),
        float(reply.get("cpu_seconds", 0.0)),
    )


def _frame(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data


def _bytes_of(blob: Blob) -> bytes:
    return blob() if callable(blob) else blob


class _Zygote:
    """The helper process that forks one child per task (see the module docstring)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None

    def _ensure(self) -> socket.socket:
        alive = self.process is not None and self.process.poll() is None
        if self.control is not None and alive and self.owner == os.getpid():
            return self.control
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and fixed code)
            [sys.executable, "-I", "-c", ZYGOTE, str(ROOT), str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.control, self.owner = ours, os.getpid()
        return ours

    def connect(self) -> socket.socket:
        """A socket to a freshly forked child."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with self.lock:
            control = self._ensure()
            socket.send_fds(control, [b"r"], [theirs.fileno()])
        theirs.close()
        return ours


_ZYGOTE = _Zygote()


def _run_forked(
    request: dict[str, Any], items: list[Blob], timeout: float
) -> tuple[dict[str, Any], list[bytes]]:
    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(deadline - time.monotonic(), 0.001)

    try:
        connection = _ZYGOTE.connect()
    except OSError as error:
        raise ChildError(f"child processes unavailable: {type(error).__name__}") from None
    pid = 0
    try:
        connection.settimeout(left())
        pid = _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))[0]
        connection.sendall(_frame(json.dumps(request).encode()))
        for item in items:
            data = _bytes_of(item)
            connection.settimeout(left())
            connection.sendall(_frame(data))
        connection.settimeout(left())
        reply = json.loads(_read_frame(connection))
        produced = []
        for _index in range(int(reply.get("blobs", 0))):
            connection.settimeout(left())
            produced.append(_read_frame(connection))
    except TimeoutError:
        _kill(pid)
        raise ChildTimeout(f"{request['task']} stopped after {timeout} s") from None
    except (EOFError, OSError, ValueError) as error:
        _kill(pid)
        raise ChildError(f"{request['task']} failed: {type(error).__name__}") from None
    except BaseException:
        _kill(pid)  # e.g. a blob that could not be loaded: the child goes too
        raise
    finally:
        connection.close()
    return reply, produced


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the child closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(connection: socket.socket) -> bytes:
    size = _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))[0]
    return _read_exactly(connection, size)


def _kill(pid: int) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _run_subprocess(
    request: dict[str, Any], items: list[Blob], timeout: float
) -> tuple[dict[str, Any], list[bytes]]:
    """Where fork servers do not exist: a fresh interpreter per task."""
    payload = _frame(json.dumps(request).encode()) + b"".join(
        _frame(_bytes_of(item)) for item in items
    )
    try:
        completed = subprocess.run(  # noqa: S603  (our own interpreter and fixed code)
            [sys.executable, "-I", "-c", CHILD, str(ROOT)],
            input=payload,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChildTimeout(f"{request['task']} stopped after {timeout} s") from None
    try:
        stream = _BufferReader(completed.stdout)
        reply = json.loads(stream.frame())
        return reply, [stream.frame() for _index in range(int(reply.get("blobs", 0)))]
    except (EOFError, ValueError):
        tail = completed.stderr.decode(errors="replace")[-2000:]
        raise ChildError(
            f"{request['task']} failed (exit {completed.returncode}): {tail}"
        ) from None


class _BufferReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def frame(self) -> bytes:
        end = self.position + _LENGTH.size
        if end > len(self.data):
            raise EOFError("truncated reply")
        size = _LENGTH.unpack(self.data[self.position : end])[0]
        if end + size > len(self.data):
            raise EOFError("truncated reply")
        self.position = end + size
        return self.data[end : end + size]


# The child side: everything below runs only in a child process (or the zygote).


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:500])


def _child_main() -> None:
    """A fresh interpreter: one task from stdin, its reply on stdout."""
    source: BinaryIO = sys.stdin.buffer

    def read(size: int) -> bytes:
        data = source.read(size)
        if len(data) != size:
            raise EOFError("truncated request")
        return data

    sys.stdout.buffer.write(_serve(read))
    sys.stdout.flush()


def _zygote_main(control_fd: int) -> None:
    """The zygote's loop: for each socket received, fork a child that runs one task."""
    import pypdf  # noqa: F401  (imported once here, for every child)
    from PIL import Image

    from portal import untrusted  # noqa: F401

    Image.init()
    try:  # uploads are checked even where WeasyPrint cannot load (its tasks then fail)
        import weasyprint

        from portal import pdf

        # Load fonts and Pango once too: a tiny document in the fonts the templates use.
        warm_up = (
            "<p style='font-family: \"WenQuanYi Micro Hei\", sans-serif'>汉字 Abc 123 "
            "<b>汉字 Abc 123</b></p><svg><text>1</text></svg>"
        )
        weasyprint.HTML(string=warm_up, url_fetcher=pdf.make_fetcher({})).write_pdf()
    except Exception:
        logging.getLogger(__name__).exception("WeasyPrint could not be loaded")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            _message, fds, _flags, _address = socket.recv_fds(control, 16, 1)
        except InterruptedError:
            continue
        if not fds:
            break  # the parent went away
        if os.fork() == 0:
            control.close()
            _serve_one(socket.socket(fileno=fds[0]))
        os.close(fds[0])


def _serve_one(connection: socket.socket) -> None:
    """In a forked child: read one task, run it, answer, exit."""
    try:
        connection.sendall(_LENGTH.pack(os.getpid()))
        connection.sendall(_serve(lambda size: _read_exactly(connection, size)))
    finally:
        os._exit(0)


def _address_space() -> int:
    """This process's address space in bytes (what RLIMIT_AS limits), 0 if unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _serve(read: Callable[[int], bytes]) -> bytes:
    """Set this process's limits, run the task, return the framed reply."""
    import resource

    def frame() -> bytes:
        return read(_LENGTH.unpack(read(_LENGTH.size))[0])

    request = json.loads(frame())
    count = int(request["blobs"])
    consumed = 0

    def blobs() -> Iterator[bytes]:
        nonlocal consumed
        while consumed < count:
            consumed += 1
            yield frame()

    memory = int(request["memory_mb"]) * 1024 * 1024
    collector = _Collector()
    logging.getLogger().addHandler(collector)
    produced: list[bytes] = []
    if _address_space() > memory:  # a forked child starts with the zygote's memory
        reply: dict[str, Any] = {"error": "out of memory"}
    else:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(request["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        try:
            module, name = TASKS[request["task"]].split(":")
            task: Task = getattr(importlib.import_module(module), name)
            result, produced = task(request["header"], blobs())
            reply = {"result": result}
        except MemoryError:
            reply = {"error": "out of memory"}
        except Exception as error:  # report any failure to the parent, which raises
            reply = {"error": f"{type(error).__name__}: {error}"[:2000]}
    for _rest in blobs():  # read what the task left, so the parent is never stuck sending
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    reply.update(
        blobs=len(produced),
        warnings=collector.messages,
        peak_kb=usage.ru_maxrss,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )
    if "error" in reply:
        produced = []
        reply["blobs"] = 0
    return _frame(json.dumps(reply).encode()) + b"".join(_frame(blob) for blob in produced)
