"""Checklist items in the reader's language, on the audit pages and in the audit PDF."""

import pytest
from flask_babel import force_locale

from portal import pdf
from portal.audits import report, services
from portal.extensions import db
from tests.conftest import client_for
from tests.support.audit_factories import DEFAULT_ITEMS, all_pass, make_audit, make_standard
from tests.support.factories import PASSWORD

QUESTION_ZH = "入口干净明亮"
GUIDANCE_ZH = "从街对面检查"


@pytest.fixture
def audit(world):
    first = {
        **DEFAULT_ITEMS[0],
        "guidance": "Look from across the street",
        "question_zh": QUESTION_ZH,
        "guidance_zh": GUIDANCE_ZH,
    }
    version = make_standard(items=(first, *DEFAULT_ITEMS[1:]), actor=world.admin)
    answers = all_pass(version, **{"A-02": "fail"})
    audit = make_audit(world.store, version.standard, world.supervisor, answers=answers)
    db.session.commit()
    return audit


def _page(app, user, locale, url):
    user.locale = locale
    db.session.commit()
    response = client_for(app, user.email, PASSWORD).get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_chinese_auditor_sees_the_chinese_question_and_guidance(app, world, audit):
    page = _page(app, world.supervisor, "zh_Hans", f"/audits/{audit.id}/conduct")

    assert QUESTION_ZH in page
    assert GUIDANCE_ZH in page
    assert "Entrance clean and lit" not in page
    assert "Fire exits unobstructed" in page  # no Chinese text: the English question


def test_a_chinese_dealer_sees_the_chinese_question_on_the_audit_page(app, world, audit):
    services.complete(audit, summary="", actor=world.supervisor)  # A-02 failed: an action
    db.session.commit()
    page = _page(app, world.dealer_user, "zh_Hans", f"/audits/{audit.id}")

    assert QUESTION_ZH in page
    assert "Fire exits unobstructed" in page


def test_an_english_auditor_sees_the_english_question(app, world, audit):
    page = _page(app, world.supervisor, "en", f"/audits/{audit.id}/conduct")

    assert "Entrance clean and lit" in page
    assert QUESTION_ZH not in page


@pytest.mark.parametrize(("locale", "shown", "hidden"), [
    ("zh_Hans", QUESTION_ZH, "Entrance clean and lit"),
    ("en", "Entrance clean and lit", QUESTION_ZH),
])  # fmt: skip
def test_the_audit_pdf_uses_the_language_it_is_made_in(
    app, world, audit, monkeypatch, locale, shown, hidden
):
    made = []
    monkeypatch.setattr(pdf, "render_html", lambda html, **_: made.append(html) or b"%PDF")
    with app.test_request_context(), force_locale(locale):
        services.load_for_page(audit)
        report.render(audit)

    assert shown in made[0]
    assert hidden not in made[0]
