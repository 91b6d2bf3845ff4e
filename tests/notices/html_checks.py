"""Find live markup in a rendered page: what an XSS payload would need to run."""

from __future__ import annotations

import re
from html.parser import HTMLParser

DANGEROUS_TAGS = {"iframe", "object", "embed", "math", "svg", "base", "style", "frame", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
BAD_SCHEMES = re.compile(r"^(javascript|vbscript|data|livescript):", re.IGNORECASE)
INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class LiveMarkupFinder(HTMLParser):
    """Collects every tag, attribute or URL in a page that could execute script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in DANGEROUS_TAGS and not _is_chart(tag, values):
            self.problems.append(f"<{tag}>")
        if tag == "script" and not values.get("src", "").startswith("/"):
            self.problems.append("inline <script>")
        if tag == "form" and not values.get("action", "/").startswith("/"):
            self.problems.append(f"form posting to {values['action']}")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append("<meta http-equiv>")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES and BAD_SCHEMES.match(INVISIBLE.sub("", value)):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def _is_chart(tag: str, values: dict[str, str]) -> bool:
    """Our own SVG: the charts of portal/charts.py (their text is escaped where built) and
    the icon macro of macros/ui.html (a `<use>` of the app's icon sprite)."""
    if tag != "svg":
        return False
    chart = values.get("class") == "chart" and values.get("role") == "img"
    return chart or values.get("class") == "bi"


def live_markup(html: str) -> list[str]:
    finder = LiveMarkupFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
