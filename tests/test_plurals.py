"""Counted phrases agree with their count ("1 result", "2 results"), never "item(s)", and a
sentence never ends in "..".

The English plural forms come from ngettext; the Chinese catalog gets them through the
extraction keywords tested in tests/test_translations.py."""

from __future__ import annotations

import io
import re
from pathlib import Path

from portal import notifications
from portal.models import Notification, Role
from tests.support.clients import signed_in_client
from tests.support.factories import make_dealer, make_region, make_user

ROOT = Path(__file__).resolve().parents[1] / "portal"


def _render(app, kind: str, **params) -> str:
    with app.test_request_context():
        return notifications.render(Notification(kind=kind, params=params))


def test_no_source_string_hedges_its_plural_with_parentheses():
    hedge = r"[a-z]\((?:s|es)\)"  # "item(s)"
    in_text = re.compile(hedge + r"(?=[\s.!?])")  # templates: anywhere in the text
    in_string = re.compile(r"[\"'][^\"'\n]*" + hedge + r"[^\"'\n]*[\"']")  # Python: literals
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*ROOT.rglob("*.py"), *ROOT.rglob("*.html")]
        if "translations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if (in_string if path.suffix == ".py" else in_text).search(line.replace("http(s)", ""))
    ]
    assert found == []


def test_a_list_of_one_says_one_result(app):
    region = make_region()
    make_dealer(region, code="ONLY1", name="Only dealer")
    client = signed_in_client(app, make_user(Role.ADMIN))
    page = client.get("/dealers/").get_data(as_text=True)
    assert "1 result<" in page
    assert "1 results" not in page
    make_dealer(region, code="TWO2")
    assert "2 results" in client.get("/dealers/").get_data(as_text=True)


def test_an_import_with_one_problem_says_one_problem(app):
    make_region(code="NORTH", name="North")
    client = signed_in_client(app, make_user(Role.ADMIN))
    header = "code,name,kind,status,region_code,city,contract_start,contract_end"
    text = f"{header}\nN01,One,dealer,nonsense,NORTH,,,\n"
    response = client.post(
        "/dealers/import", data={"file": (io.BytesIO(text.encode()), "upload.csv")}
    )
    page = response.get_data(as_text=True)
    assert "the file has 1 problem." in page
    assert "problem(s)" not in page


def test_the_audit_notification_counts_items_to_fix(app):
    params = {"store": "S1 Store", "score": "95.0", "grade": "A"}
    one = _render(app, "audit.completed", actions=1, **params)
    assert one.endswith("95.0% (A), 1 item to fix.")
    assert _render(app, "audit.completed", actions=3, **params).endswith("3 items to fix.")


def test_a_change_note_ending_in_a_full_stop_gives_no_double_stop(app):
    text = _render(
        app,
        "notice.changed",
        title="Returns policy",
        version=2,
        note="The return window is now 14 days (30 days for loyalty members).",
    )
    assert ".." not in text
    assert "(30 days for loyalty members)." in text
