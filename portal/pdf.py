"""PDF documents: the only way into WeasyPrint, deny-by-default (check S15).

`render_pdf("pdf/x.html", context, attachments={id: (content_type, bytes)})` renders a
trusted Jinja template from templates/pdf/ (user text autoescaped) and turns it into a
PDF in a child process:

- The URL fetcher serves only `attachment:<id>` URLs from the given dict: photos the
  caller already authorised for this document. `file:`, `http(s):`, `data:` and anything
  else are refused, whatever the HTML asks for (`<img>`, `<link>`, `@import`,
  `<a rel=attachment>`, SVG `<image>`, `@font-face`).
- Photos are decoded and re-encoded by Pillow (scaled down) before they reach WeasyPrint,
  so only plain raster pixels are embedded.
- Each render runs in a fresh Python process with RLIMIT_AS (memory) and RLIMIT_CPU set,
  and is killed after a wall-clock timeout: a hostile or huge document cannot take the
  worker down with it. WeasyPrint's warnings (e.g. a missing glyph) are passed back and
  logged on the "weasyprint" logger in the calling process.
"""

from __future__ import annotations

import base64
import contextlib
import io
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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from PIL import Image, ImageOps

ATTACHMENT_SCHEME = "attachment:"
RASTER_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
ROOT = Path(__file__).resolve().parents[1]
CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); from portal.pdf import _child_main; _child_main()"
)
logger = logging.getLogger("weasyprint")


class PdfError(RuntimeError):
    """The document could not be rendered (the message is for logs, not for users)."""


class PdfTimeout(PdfError):
    """The render took longer than allowed and was stopped."""


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 90
    cpu_seconds: int = 60
    memory_mb: int = 1536
    image_max_edge: int = 1400

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            timeout_seconds=float(config["PDF_TIMEOUT_SECONDS"]),
            cpu_seconds=int(config["PDF_CPU_SECONDS"]),
            memory_mb=int(config["PDF_MEMORY_MB"]),
            image_max_edge=int(config["PDF_IMAGE_MAX_EDGE"]),
        )


def attachment_url(attachment_id: int | str) -> str:
    """The URL a PDF template uses for an authorised attachment's image."""
    return f"{ATTACHMENT_SCHEME}{attachment_id}"


def render_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    attachments: Mapping[int, tuple[str, bytes]] | None = None,
    limits: Limits | None = None,
) -> bytes:
    """Render templates/pdf/<name> with `context`; images only from `attachments`."""
    html = prepare_html(template_name, context)
    return render_html(html, attachments=attachments or {}, limits=limits or Limits.from_config())


def prepare_html(template_name: str, context: Mapping[str, Any]) -> str:
    """The HTML of a trusted template in templates/pdf/ (user text autoescaped).

    Split from `render_pdf` so a caller can build documents in the request's thread and
    render them elsewhere (e.g. several at once), still through `render_html` below.
    """
    if not template_name.startswith("pdf/") or ".." in template_name:
        raise ValueError("PDF templates live in templates/pdf/")
    return render_template(template_name, attachment_url=attachment_url, **context)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int
    peak_kb: int = 0  # the rendering process's peak resident memory
    cpu_seconds: float = 0.0  # CPU time the rendering process used


def render_html(
    html: str,
    *,
    attachments: Mapping[int | str, tuple[str, bytes]],
    limits: Limits | None = None,
) -> bytes:
    """Turn HTML into a PDF in a limited child process (see the module docstring)."""
    return render_document(html, attachments=attachments, limits=limits).data


def render_document(
    html: str,
    *,
    attachments: Mapping[int | str, tuple[str, bytes]],
    limits: Limits | None = None,
) -> Rendered:
    """Like `render_html`, also telling how many pages the document has."""
    limits = limits or Limits()
    resources = {
        attachment_url(key): _image_resource(content_type, data, limits.image_max_edge)
        for key, (content_type, data) in attachments.items()
    }
    payload = json.dumps(
        {
            "html": html,
            "resources": resources,
            "cpu_seconds": limits.cpu_seconds,
            "memory_mb": limits.memory_mb,
        }
    ).encode()
    result = _run_child(payload, limits.timeout_seconds)
    for message in result.get("warnings", []):
        logger.warning("%s", message)
    if "error" in result:
        raise PdfError(result["error"])
    return Rendered(
        base64.b64decode(result["pdf"]),
        int(result.get("pages", 0)),
        int(result.get("peak_kb", 0)),
        float(result.get("cpu_seconds", 0.0)),
    )


class _Zygote:
    """A helper process that has imported WeasyPrint once and forks one child per render.

    Importing WeasyPrint costs ~1.5 s, more than rendering a short document; forking a
    process that already did it costs milliseconds. Each render still runs in a fresh
    process of its own with its own limits, killed on timeout. The zygote is
    single-threaded (forking is safe there) and exits when its parent goes away.
    """

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
ZYGOTE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from portal.pdf import _zygote_main; _zygote_main(int(sys.argv[2]))"
)
_LENGTH = struct.Struct("!Q")


def _run_child(payload: bytes, timeout: float) -> dict[str, Any]:
    if os.environ.get("PORTAL_PDF_NO_ZYGOTE") or not hasattr(socket, "send_fds"):
        return _run_subprocess(payload, timeout)
    deadline = time.monotonic() + timeout
    try:
        connection = _ZYGOTE.connect()
    except OSError as error:
        raise PdfError(f"PDF renderer unavailable: {type(error).__name__}") from None
    pid = 0
    try:
        connection.settimeout(timeout)
        connection.sendall(_LENGTH.pack(len(payload)) + payload)
        pid = _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))[0]
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        size = _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))[0]
        data = _read_exactly(connection, size)
    except TimeoutError:
        _kill(pid)
        raise PdfTimeout(f"PDF render stopped after {timeout} s") from None
    except (EOFError, OSError) as error:
        _kill(pid)
        raise PdfError(f"PDF renderer failed: {type(error).__name__}") from None
    finally:
        connection.close()
    return json.loads(data)


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the renderer closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _kill(pid: int) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _run_subprocess(payload: bytes, timeout: float) -> dict[str, Any]:
    """Where fork servers do not exist: a fresh interpreter per render."""
    try:
        completed = subprocess.run(  # noqa: S603  (our own interpreter and fixed code)
            [sys.executable, "-I", "-c", CHILD, str(ROOT)],
            input=payload,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfTimeout(f"PDF render stopped after {timeout} s") from None
    try:
        return json.loads(completed.stdout)
    except ValueError:
        tail = completed.stderr.decode(errors="replace")[-2000:]
        raise PdfError(f"PDF renderer failed (exit {completed.returncode}): {tail}") from None


def _image_resource(content_type: str, data: bytes, max_edge: int) -> dict[str, str]:
    """Decode and re-encode a photo (scaled down): only raster pixels reach WeasyPrint."""
    if content_type not in RASTER_TYPES:
        raise ValueError(f"only raster photos can go into a PDF, not {content_type}")
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((max_edge, max_edge))
        output = io.BytesIO()
        if image.mode in ("RGBA", "LA", "P"):
            image.save(output, "PNG", optimize=True)
            kind = "image/png"
        else:
            image.convert("RGB").save(output, "JPEG", quality=80, optimize=True)
            kind = "image/jpeg"
    return {"type": kind, "data": base64.b64encode(output.getvalue()).decode()}


# The child process (runs `_child_main` with limits already in place).


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:500])


def _make_fetcher(resources: dict[str, dict[str, str]]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DenyByDefaultFetcher(URLFetcher):
        """Serves the document's own attachments; refuses every other URL."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            resource = resources.get(url)
            if resource is None:
                raise ValueError(f"URL refused by the PDF renderer: {url[:100]}")
            return URLFetcherResponse(
                url, base64.b64decode(resource["data"]), {"Content-Type": resource["type"]}
            )

    return DenyByDefaultFetcher(timeout=1, allowed_protocols=(), allow_redirects=False)


def _child_main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(_render_request(request)))
    sys.stdout.flush()


def _zygote_main(control_fd: int) -> None:
    """The zygote's loop: for each socket received, fork a child that renders once."""
    import weasyprint

    # Load fonts and Pango once too: a tiny document in the fonts the templates use.
    warm_up = (
        "<p style='font-family: \"WenQuanYi Micro Hei\", sans-serif'>汉字 Abc 123 "
        "<b>汉字 Abc 123</b></p><svg><text>1</text></svg>"
    )
    weasyprint.HTML(string=warm_up, url_fetcher=_make_fetcher({})).write_pdf()
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
    """In a forked child: read one request, render it, answer, exit."""
    try:
        connection.sendall(_LENGTH.pack(os.getpid()))
        size = _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))[0]
        output = _render_request(json.loads(_read_exactly(connection, size)))
        data = json.dumps(output).encode()
        connection.sendall(_LENGTH.pack(len(data)) + data)
    finally:
        os._exit(0)


def _address_space() -> int:
    """This process's address space in bytes (what RLIMIT_AS limits), 0 if unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _render_request(request: dict[str, Any]) -> dict[str, Any]:
    """Set this process's limits, then render (runs only in a child process)."""
    import resource

    memory = int(request["memory_mb"]) * 1024 * 1024
    if _address_space() > memory:  # a forked child starts with the zygote's memory
        return {"error": "out of memory", "warnings": []}
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(request["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    collector = _Collector()
    logging.getLogger("weasyprint").addHandler(collector)
    try:
        import weasyprint

        document = weasyprint.HTML(
            string=request["html"], base_url=None, url_fetcher=_make_fetcher(request["resources"])
        )
        rendered = document.render()
        pdf = rendered.write_pdf()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "pdf": base64.b64encode(pdf).decode(),
            "pages": len(rendered.pages),
            "peak_kb": usage.ru_maxrss,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "warnings": collector.messages,
        }
    except MemoryError:
        return {"error": "out of memory", "warnings": collector.messages}
    except Exception as error:  # report any failure to the parent, which raises PdfError
        return {"error": f"{type(error).__name__}: {error}", "warnings": collector.messages}
