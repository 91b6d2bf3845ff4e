"""How guessable a new password is (check S10), with a reason the user can act on.

Three checks, cheapest first: passwords made of the portal's own name or the user's email;
a list of common passwords shipped with the package (common_passwords.txt, also matched
with digits and symbols stripped from both ends, so "Password12" counts as "password"); and
the zxcvbn strength estimator, whose weakest pattern names the reason.

`python -m portal.auth.strength` rewrites common_passwords.txt from the frequency list that
the zxcvbn package bundles (its most used passwords, by rank), so nothing is downloaded.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
COMMON_COUNT = 10_000
ESTIMATED_LENGTH = 72  # zxcvbn's own limit; longer passwords are judged by their start
PORTAL_WORDS = ("portal", "dealer", "network", "demo", "large")

# Passwords of this portal that are public (the demo's, in the README and on the sign-in page).
PORTAL_PASSWORDS = frozenset({"portal-demo", "portal-large", "dealer-portal", "dealernetwork"})

TOO_EASY = _l("This password is too easy to guess.")
TOO_COMMON = _l("This password is too common.")
REASONS = {
    "repeat": _l("Repeated characters or words like “aaa” or “abcabc” are easy to guess."),
    "sequence": _l("Sequences like “abcdef” or “0123456” are easy to guess."),
    "spatial": _l("Rows of keys like “qwerty” or “zxcvbn” are easy to guess."),
    "date": _l("Dates and years are easy to guess."),
    "regex": _l("Years are easy to guess."),
    "dictionary": _l("Common words and names, even with capitals or digits, are easy to guess."),
}
HINT = _l("Add a few uncommon words; a phrase only you would think of is best.")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    common = common_passwords()
    return lowered in common or (len(core) >= 4 and core in common)


def weakness(password: str, *, email: str, minimum_score: int) -> str | None:
    """Why `password` is too easy to guess, or None when it is strong enough."""
    lowered = password.lower()
    local = email.lower().split("@")[0]
    if lowered in PORTAL_PASSWORDS or lowered in (email.lower(), local):
        return str(TOO_EASY)
    if is_common(password):
        return str(TOO_COMMON)
    result = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[email, local, *PORTAL_WORDS])
    if result["score"] >= minimum_score:
        return None
    weakest = max(result["sequence"], key=lambda match: len(match["token"]))
    pattern = weakest["pattern"]
    if pattern == "dictionary" and weakest.get("dictionary_name") == "passwords":
        return str(TOO_COMMON)
    if pattern == "dictionary" and weakest.get("dictionary_name") == "user_inputs":
        return str(TOO_EASY)
    reason = REASONS.get(pattern)
    return f"{reason} {HINT}" if reason else f"{TOO_EASY} {HINT}"


def write_common_list(path: Path = COMMON_FILE, count: int = COMMON_COUNT) -> int:
    """Write the `count` most used passwords of zxcvbn's bundled list, lowercased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranked = list(dict.fromkeys(word.lower() for word in FREQUENCY_LISTS["passwords"]))
    header = (
        f"# The {count} most used passwords by rank, from the frequency list bundled with\n"
        "# the zxcvbn package. Regenerate with: python -m portal.auth.strength\n"
    )
    path.write_text(header + "\n".join(ranked[:count]) + "\n", encoding="utf-8")
    return min(count, len(ranked))


if __name__ == "__main__":
    print(f"{write_common_list()} passwords written to {COMMON_FILE}")
