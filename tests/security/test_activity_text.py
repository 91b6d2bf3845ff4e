"""History panels and the activity log read as sentences with labelled, human values."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from portal import activity, activity_text
from portal.extensions import db
from portal.models import ActivityEntry, DealerStatus, Role
from tests.support.factories import make_dealer, make_region, make_user

PORTAL = Path(activity.__file__).parent
RAW = ("None", "['", "{'", "': ", "True", "False", "_id", "audience_kind")


def visible_text(page: str) -> str:
    """What a reader sees: no tags, no attributes, entities decoded, spaces collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _calls_record(node: ast.Call) -> bool:
    func = node.func
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) == "record"


def _literals(node: ast.expr) -> set[str]:
    branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [node]
    return {b.value for b in branches if isinstance(b, ast.Constant) and isinstance(b.value, str)}


def _recorded_codes() -> set[str]:
    """Every action code the portal writes: string literals given to activity.record, plus
    the registry families built with f-strings in portal/network and the lifecycles' steps."""
    codes: set[str] = set()
    for path in PORTAL.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and _calls_record(node):
                codes |= _literals(node.args[0])  # record("x.y", ...)
            elif isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                "action"
            ]:
                codes |= _literals(node.value)  # action = "x.y" if ... else "x.z"
    services = ast.parse((PORTAL / "network" / "services.py").read_text())
    verbs = {"create", "update"}
    for node in ast.walk(services):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_update":
            for arg in node.args[2:]:
                if isinstance(arg, ast.Constant):
                    verbs.add(arg.value)
                elif isinstance(arg, ast.IfExp):
                    verbs |= {arg.body.value, arg.orelse.value}
    registry = {"region", "dealer", "store", "product_line"}
    codes |= {
        f"{kind}.{verb}"
        for kind in registry
        for verb in verbs
        if verb in {"create", "update", "activate", "deactivate"}
    }
    codes |= {"dealer.update_contact", "dealer.move", "dealer.import", "store.import"}
    # Lifecycle steps write `<record type>.<action>` (portal/lifecycle.py, Lifecycle.move).
    for mapper in db.Model.registry.mappers:
        if "transitions" in mapper.relationships:
            log = mapper.relationships["transitions"].mapper.class_
            kind = re.sub(r"(?<!^)(?=[A-Z])", "_", mapper.class_.__name__).lower()
            codes |= {f"{kind}.{action.value}" for action in log.workflow.action}
    return codes


def test_every_action_the_portal_records_has_a_sentence():
    codes = _recorded_codes()
    assert len(codes) > 80  # the scan finds the portal's actions
    assert {"notice.publish", "dealer.move", "standard.retire", "dealer_file.reuse"} <= codes
    missing = sorted(code for code in codes if code not in activity_text.ACTIONS)
    assert missing == []


def test_every_sentence_field_and_type_is_translatable():
    for catalogue in (activity_text.ACTIONS, activity_text.FIELDS, activity_text.OBJECT_TYPES):
        for text in catalogue.values():
            assert type(text).__name__ == "LazyString"


def _entry(action: str, details: dict, object_type: str = "notice", outcome: str = "success"):
    return ActivityEntry(action=action, details=details, object_type=object_type, outcome=outcome)


def test_details_are_labelled_and_human(app):
    entry = _entry(
        "notice.publish",
        {
            "kind": "promotion",
            "version": 1,
            "audience": "dealers",
            "audience_kind": None,
            "regions": [],
            "dealers": ["N01", "N02"],
        },
    )
    with force_locale("en"):
        shown = [(d.label, d.text) for d in activity_text.details(entry)]
        assert activity_text.sentence(entry) == "Published the notice"
    assert shown == [
        ("Type", "Promotion"),
        ("Version", "1"),
        ("Audience", "Chosen dealers"),
        ("Dealers", "N01, N02"),
    ]


def test_changes_nested_values_and_outcomes_read_as_text(app):
    change = _entry(
        "dealer.update",
        {
            "status": ["active", "suspended"],
            "contract_end": [None, "2099-12-31"],
            "active": [True, False],
        },
        object_type="dealer",
    )
    created = _entry(
        "region.create", {"values": {"code": "N", "name": "North", "note": None}}, "region"
    )
    failed = _entry("auth.sign_in", {"email": "x@example.test"}, "user", outcome="failure")
    with force_locale("en"):
        assert [(d.label, d.text) for d in activity_text.details(change)] == [
            ("Status", "Active → Suspended"),
            ("Contract end", "— → 2099-12-31"),
            ("Active", "Yes → No"),
        ]
        assert [(d.label, d.text) for d in activity_text.details(created)] == [
            ("Values", "Code: N; Name: North")
        ]
        assert activity_text.sentence(failed) == "Tried to sign in with a wrong password"
        assert activity_text.sentence(_entry("made.up", {}, "dealer")) == "Other action on Dealer"


def test_the_activity_log_shows_sentences_not_codes(app, client, auth):
    auth.sign_in(make_user(Role.ADMIN))
    activity.record(
        "notice.publish",
        details={
            "kind": "policy",
            "audience": "dealers",
            "audience_kind": None,
            "dealers": ["N01"],
            "stores": [],
        },
        label="Summer terms",
    )
    activity.record("region.create", details={"values": {"code": "ZZ", "name": "Zed"}})
    dealer = make_dealer(code="Q77")
    activity.record("notice.acknowledge", details={"version": 2, "dealer_id": dealer.id})
    db.session.commit()

    page = visible_text(client.get("/admin/activity/").get_data(as_text=True))

    assert "Published the notice" in page
    assert "Audience: Chosen dealers" in page
    assert "Dealers: N01" in page
    assert "Created the region" in page
    assert "Values: Code: ZZ; Name: Zed" in page
    assert "Dealer: Q77" in page  # the dealer's code, not its id
    assert "notice.publish" not in page
    assert "region.create" not in page
    for raw in RAW:
        assert raw not in page


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_history_panel_shows_sentences_not_codes(app, client, auth, locale):
    admin = make_user(Role.ADMIN, locale=locale)
    dealer = make_dealer(code="N01", status=DealerStatus.ACTIVE)
    changed = activity.apply_changes(dealer, {"status": DealerStatus.SUSPENDED, "phone": "555"})
    activity.record("dealer.update", dealer, actor=admin, details=changed)
    activity.record("dealer.deactivate", dealer, actor=admin, details={"active": [True, False]})
    old_region = dealer.region
    changed = activity.apply_changes(dealer, {"region_id": make_region(code="W9").id})
    activity.record("dealer.move", dealer, actor=admin, details=changed)
    auth.sign_in(admin)

    page = visible_text(client.get(f"/dealers/{dealer.id}").get_data(as_text=True))

    with force_locale(locale):
        expected = [
            str(activity_text.ACTIONS["dealer.update"]),
            str(activity_text.ACTIONS["dealer.deactivate"]),
            f"{activity_text.field_label('status')}: "
            f"{DealerStatus.ACTIVE.label} → {DealerStatus.SUSPENDED.label}",
            f"{activity_text.field_label('region_id')}: {old_region.code} → W9",
        ]
    for text in expected:
        assert text in page
    assert "dealer.update" not in page
    assert "dealer.deactivate" not in page
    for raw in RAW:
        assert raw not in page
