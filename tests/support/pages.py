"""Reading rendered pages in tests."""

from __future__ import annotations

import re

# Hidden form fields, and the copy the session keep-alive script reads (base.html).
CSRF_VALUE = re.compile(r'((?:name="csrf_token"[^>]*value=|data-csrf=)")[^"]*(")')


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens' values: random text in which a short code such as
    "DX" turns up now and then, failing a check that a code is *not* on the page."""
    return CSRF_VALUE.sub(r"\1\2", page)
