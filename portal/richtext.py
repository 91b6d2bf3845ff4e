"""Rich text: Markdown rendered to HTML, then cleaned with nh3 against an explicit allowlist.

Raw HTML in the source is passed through by Markdown and then removed or neutralised by
nh3, so nothing an author types reaches the page as markup we did not allow (check S12):
no scripts, event handlers, styles, images, frames, forms or SVG, and links only to
http(s) and mailto addresses.
"""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

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

_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
_EXTENSION_CONFIG = {"tables": {"use_align_attribute": True}}


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


def render_markdown(source: str | None) -> Markup:
    """Markdown source to safe HTML for a page or PDF."""
    if not source:
        return Markup("")
    html = markdown.markdown(
        source[:MAX_SOURCE_LENGTH],
        extensions=_EXTENSIONS,
        extension_configs=_EXTENSION_CONFIG,
        output_format="html",
    )
    return Markup(clean_html(html))  # noqa: S704  # nosec B704  (cleaned by nh3 just above)
