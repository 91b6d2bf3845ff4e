"""Reading registry list pages: which records a page shows, in which order."""

from __future__ import annotations

import re


def codes_on(response, kind: str) -> list[str]:
    """The codes in a dealer or store list's table body, top to bottom."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(rf'href="/{kind}/\d+">([^<]+)</a>', body)


def total_on(response) -> int:
    match = re.search(r"([\d,]+) results?", response.get_data(as_text=True))
    assert match, "no result count on the page"
    return int(match.group(1).replace(",", ""))
