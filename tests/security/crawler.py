"""A bounded breadth-first crawl of the portal as one signed-in client (GET only).

It follows same-site links (`href`, `src`) from the start pages and redirects, then visits any
extra URLs given (for example every GET rule with its ids enumerated). Response bodies are
kept as text; binary types are turned into text by a registered reader (PDF text, for
example), so sweeps can search every page, export and document alike.
"""

from __future__ import annotations

import io
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from flask.testing import FlaskClient

BodyReader = Callable[[bytes], str]
BODY_READERS: dict[str, BodyReader] = {}
SKIPPED_PREFIXES = ("/static/", "/bootstrap/static/")


def body_reader(content_type: str) -> Callable[[BodyReader], BodyReader]:
    """Register how to read a binary content type as text (e.g. `application/pdf`)."""

    def register(reader: BodyReader) -> BodyReader:
        BODY_READERS[content_type] = reader
        return reader

    return register


@body_reader("application/pdf")
def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    content_type: str
    text: str
    headers: dict[str, str]

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _same_site(base: str, link: str) -> str | None:
    url, _fragment = urldefrag(urljoin(base, link))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read(client: FlaskClient, url: str) -> Page:
    response = client.get(url)
    content_type = response.headers.get("Content-Type", "")
    reader = BODY_READERS.get(content_type.split(";")[0].strip())
    if reader is not None and response.status_code == 200:
        text = reader(response.get_data())
    else:
        text = response.get_data().decode("utf-8", errors="replace")
    return Page(url, response.status_code, content_type, text, dict(response.headers))


def crawl(
    client: FlaskClient,
    start: Iterable[str] = ("/home",),
    extra: Iterable[str] = (),
    *,
    max_pages: int = 600,
    per_path: int = 6,
) -> list[Page]:
    """Visit start pages and `extra`, following links breadth-first; each URL once.

    Bounded: at most `max_pages` in all and `per_path` query-string variants of one path
    (sort and page links multiply quickly).
    """
    queue: deque[str] = deque(start)
    queue.extend(extra)
    seen: set[str] = set(queue)
    variants: Counter[str] = Counter()
    pages: list[Page] = []
    while queue and len(pages) < max_pages:
        url = queue.popleft()
        page = read(client, url)
        pages.append(page)
        found = links_in(page.text) if page.is_html else []
        if 300 <= page.status < 400 and page.headers.get("Location"):
            found.append(page.headers["Location"])
        for link in found:
            target = _same_site(url, link)
            if target is None or target in seen:
                continue
            path = target.split("?")[0]
            if "?" in target and variants[path] >= per_path:
                continue
            variants[path] += "?" in target
            seen.add(target)
            queue.append(target)
    return pages
