"""Rich text: Markdown rendered to HTML once, when it is saved, then cleaned with nh3.

Raw HTML in the source is passed through by Markdown and then removed or neutralised by
nh3, so nothing an author types reaches the page as markup we did not allow (check S12):
no scripts, event handlers, styles, images, frames, forms or SVG, and links only to
http(s) and mailto addresses.

Bounded work (check S20): python-markdown takes time that grows with the square of some
inputs (20,000 `[` take minutes). So the web process never runs Markdown itself:

- `check_shape()` refuses, at once and with a message for the author, sources with more
  unclosed or nested `[` than any real text has;
- `render()` runs Markdown in a fresh child interpreter with RLIMIT_CPU and RLIMIT_AS set,
  killed after a wall-clock timeout, and raises RichTextError (a message for the form)
  when it does not finish;
- the cleaned HTML is stored beside the source, and pages show it with `stored()`: a
  page view never renders Markdown.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "u", "del", "s", "sub", "sup", "mark",
        "blockquote", "code", "pre", "kbd",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
        "a", "abbr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with everything inside them, not just unwrapped.
REMOVED_WITH_CONTENT = frozenset({"script", "style", "noscript", "template", "title"})
MAX_SOURCE_LENGTH = 50_000
# Real notices close their brackets and nest them a few deep at most. Many `[` open at once
# is what makes python-markdown's link patterns slow: each is matched by scanning onwards.
MAX_BRACKET_DEPTH = 16
_BLANK_LINE = re.compile(r"\n[ \t]*\n")

_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
_EXTENSION_CONFIG = {"tables": {"use_align_attribute": True}}
# The child: limits first, then Markdown, then the source from stdin. It imports nothing
# of the portal, so it starts in a fraction of a second.
CHILD = """
import json, resource, sys
cpu, memory, options = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
import markdown
source = sys.stdin.buffer.read().decode("utf-8")
html = markdown.markdown(source, output_format="html", **options)
sys.stdout.buffer.write(html.encode("utf-8"))
"""

TOO_MANY_BRACKETS = _l(
    "This text has too many nested or unclosed brackets ([). Close or remove them "
    "(write \\[ for a bracket that should show as it is), then save again."
)
TOO_COMPLEX = _l(
    "This text could not be formatted in time: it is too complex. Simplify it (fewer "
    "unclosed brackets, parentheses or <tags>), then save again."
)


class RichTextError(ValueError):
    """The source was refused or could not be rendered; `message` is for the author."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 5
    cpu_seconds: int = 2
    memory_mb: int = 256

    @classmethod
    def current(cls) -> Limits:
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(
            timeout_seconds=float(config.get("RICHTEXT_TIMEOUT_SECONDS", cls.timeout_seconds)),
            cpu_seconds=int(config.get("RICHTEXT_CPU_SECONDS", cls.cpu_seconds)),
            memory_mb=int(config.get("RICHTEXT_MEMORY_MB", cls.memory_mb)),
        )


def clean_html(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes; links open nothing else."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def check_shape(source: str) -> None:
    """Refuse, in linear time, the bracket shapes that make Markdown slow: more than
    MAX_BRACKET_DEPTH `[` open at once (nested or never closed) within one paragraph."""
    for paragraph in _BLANK_LINE.split(source):
        depth = 0
        escaped = False
        for char in paragraph:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "[":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    raise RichTextError(TOO_MANY_BRACKETS)
            elif char == "]" and depth:
                depth -= 1


def render(source: str | None) -> str:
    """Markdown source to cleaned HTML, in bounded time, for storing beside the source.

    Raises RichTextError when the source is refused or its render does not finish."""
    source = (source or "")[:MAX_SOURCE_LENGTH]
    if not source.strip():
        return ""
    check_shape(source)
    return _render_cached(source, Limits.current())


@lru_cache(maxsize=64)
def _render_cached(source: str, limits: Limits) -> str:
    return clean_html(_run_child(source, limits))


def _run_child(source: str, limits: Limits) -> str:
    options = json.dumps({"extensions": _EXTENSIONS, "extension_configs": _EXTENSION_CONFIG})
    memory = limits.memory_mb * 1024 * 1024
    try:
        completed = subprocess.run(  # noqa: S603  (our own interpreter and fixed code)
            [sys.executable, "-I", "-c", CHILD, str(limits.cpu_seconds), str(memory), options],
            input=source.encode("utf-8", errors="replace"),
            capture_output=True,
            timeout=limits.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RichTextError(TOO_COMPLEX) from None
    if completed.returncode != 0:
        raise RichTextError(TOO_COMPLEX)
    return completed.stdout.decode("utf-8", errors="replace")


def render_markdown(source: str | None) -> Markup:
    """Markdown source to safe HTML, rendered now (bounded): for saving, never for a page."""
    return stored(render(source))


def plain_text_html(source: str | None) -> str:
    """The source shown as plain text, for a stored body whose Markdown cannot be rendered."""
    paragraphs = [p for p in (source or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        f"<p>{Markup('<br>').join(escape(line) for line in p.split(chr(10)))}</p>"
        for p in paragraphs
    )


def render_or_plain(source: str | None) -> str:
    """`render()`, or the plain-text form when the source is refused or too slow
    (for backfilling stored rows, where there is no author to ask)."""
    try:
        return render(source)
    except RichTextError:
        return plain_text_html(source)


def stored(html: str | None) -> Markup:
    """Stored HTML (cleaned by `render()` when it was saved) for a page or PDF."""
    return Markup(html or "")  # noqa: S704  # nosec B704  (cleaned by nh3 before it was stored)
