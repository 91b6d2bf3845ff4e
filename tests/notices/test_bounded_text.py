"""Check S20 for notice text: Markdown is rendered once, when a notice is saved, in bounded
time (refused shapes, a limited child process), and pages only read the stored HTML."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, update

from portal import clock, richtext
from portal.extensions import db
from portal.models import Notice, NoticeVersion, Role
from portal.notices import services
from tests.notices.conftest import make_notice, notice_values, sign_in
from tests.notices.test_versioning import edit_form
from tests.support import databases
from tests.support.factories import make_user

BRACKETS = "[" * 20000  # quadratic in python-markdown: minutes of CPU per render
SLOW = "[a](" * 4000  # closed brackets, open parentheses: seconds of CPU per render
REFUSED = "too many nested or unclosed brackets"
TOO_COMPLEX = "could not be formatted in time"


def _fail(*_args, **_kwargs):
    raise AssertionError("Markdown rendered")


def _forbid_rendering(monkeypatch) -> None:
    """From now on, any Markdown rendering, in this process or in a child, fails."""
    monkeypatch.setattr(markdown, "markdown", _fail)
    monkeypatch.setattr(markdown.Markdown, "convert", _fail)
    monkeypatch.setattr(richtext, "render", _fail)
    monkeypatch.setattr(richtext, "_run_child", _fail)


@pytest.fixture
def short_limits(app):
    app.config.update(RICHTEXT_CPU_SECONDS=1, RICHTEXT_TIMEOUT_SECONDS=2)


def _new_form(body: str) -> dict:
    return {
        "submission_token": "tok-brackets",
        "title": "Brackets",
        "body": body,
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": 7,
        "audience": "network",
    }


def _notices() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def test_the_bracket_body_is_refused_on_the_form_without_rendering(app, world, monkeypatch):
    monkeypatch.setattr(richtext, "_run_child", _fail)  # refused by its shape alone
    client = sign_in(app, world.admin)
    response = client.post("/notices/new", data=_new_form(BRACKETS))
    assert response.status_code == 200
    assert REFUSED in response.get_data(as_text=True)
    assert _notices() == 0


def test_the_service_refuses_the_bracket_body_too(app, world, monkeypatch):
    monkeypatch.setattr(richtext, "_run_child", _fail)
    with pytest.raises(services.NoticeError) as raised:
        services.create_notice(notice_values(body=BRACKETS), author=world.admin)
    assert raised.value.field == "body"
    assert REFUSED in str(raised.value.message)


def test_a_render_that_runs_out_of_time_is_a_form_error(app, world, short_limits):
    client = sign_in(app, world.admin)
    response = client.post("/notices/new", data=_new_form(SLOW))
    assert response.status_code == 200
    assert TOO_COMPLEX in response.get_data(as_text=True)
    assert _notices() == 0


def test_a_typo_fix_that_cannot_be_rendered_changes_nothing(app, world, short_limits):
    notice = make_notice(world.admin)
    before = (notice.body, notice.body_html, notice.versions[-1].body_html)
    client = sign_in(app, world.admin)
    response = client.post(
        f"/notices/{notice.id}/edit", data=edit_form(notice, change="typo", body=SLOW)
    )
    assert response.status_code == 200
    assert TOO_COMPLEX in response.get_data(as_text=True)
    db.session.refresh(notice)
    assert (notice.body, notice.body_html, notice.versions[-1].body_html) == before
    assert notice.versions[-1].corrections == 0


def test_saving_stores_the_cleaned_html_of_each_version(app, world):
    notice = make_notice(world.admin, body="**One** <script>alert(1)</script>")
    services.make_material_change(
        notice, notice_values(body="*Two*"), actor=world.admin, change_note="Reworded"
    )
    db.session.commit()
    assert notice.body_html == "<p><em>Two</em></p>"
    assert [v.body_html for v in notice.versions] == [
        "<p><strong>One</strong> </p>",
        "<p><em>Two</em></p>",
    ]


def test_pages_show_the_stored_html_and_never_render_markdown(app, world, monkeypatch):
    policy = make_notice(world.admin)
    promotion = make_notice(world.admin, kind="promotion", body="Put up the **posters**.")
    services.make_material_change(
        promotion,
        notice_values("promotion", body="Put up the *new* posters."),
        actor=world.admin,
        change_note="New posters",
    )
    db.session.commit()
    _forbid_rendering(monkeypatch)
    staff = sign_in(app, world.admin)
    dealer = sign_in(app, world.user_n1)
    pages = {
        staff: [
            "/notices/",
            f"/notices/{policy.id}",
            f"/notices/{promotion.id}",
            f"/notices/{promotion.id}/versions/1",
            f"/notices/{promotion.id}/tracking",
            "/home",
        ],
        dealer: [
            "/notices/",
            f"/notices/{policy.id}",
            f"/notices/{promotion.id}",
            f"/notices/{promotion.id}/versions/1",
            "/home",
        ],
    }
    for client, paths in pages.items():
        for path in paths:
            assert client.get(path).status_code == 200, path
    html = dealer.get(f"/notices/{policy.id}").get_data(as_text=True)
    assert "<strong>unworn</strong>" in html
    html = dealer.get(f"/notices/{promotion.id}/versions/1").get_data(as_text=True)
    assert "<strong>posters</strong>" in html
    html = staff.get(f"/notices/{promotion.id}").get_data(as_text=True)
    assert "<em>new</em>" in html


def test_the_backfill_renders_stored_bodies_with_the_bounded_renderer(tmp_path: Path):
    with databases.empty_app("notice_html", tmp_path):
        upgrade()
        admin = make_user(Role.ADMIN, email="admin@example.test")
        plain, hostile = make_notice(admin).id, make_notice(admin, title="Brackets").id
        for model, key in ((Notice, Notice.id), (NoticeVersion, NoticeVersion.notice_id)):
            db.session.execute(update(model).where(key == hostile).values(body=BRACKETS))
        db.session.commit()
        db.session.remove()

        downgrade(revision="0013-1")
        upgrade()

        def stored(model, key):
            return dict(db.session.execute(select(key, model.body_html)).all())

        for model, key in ((Notice, Notice.id), (NoticeVersion, NoticeVersion.notice_id)):
            html = stored(model, key)
            assert html[plain] == (
                "<p>Customers may return <strong>unworn</strong> shoes within 30 days.</p>"
            )
            assert html[hostile] == f"<p>{BRACKETS}</p>"  # refused: kept as plain text


@pytest.mark.parametrize(
    "source",
    [
        "[link](https://ok.example) and [another](mailto:a@ok.example) " * 300,
        "\\[" * 5000,  # escaped: shown as brackets, never matched
        "[open\n\n" * 500,  # one unclosed bracket per paragraph
        "[" * richtext.MAX_BRACKET_DEPTH + "]" * richtext.MAX_BRACKET_DEPTH,
    ],
)
def test_ordinary_shapes_pass_the_bracket_check(source):
    richtext.check_shape(source)


@pytest.mark.parametrize(
    "source",
    [
        BRACKETS,
        "[" * (richtext.MAX_BRACKET_DEPTH + 1),
        "[x][" * 4000,
        "text [open\n" * 100,  # lines, not paragraphs: still one run of text
    ],
)
def test_blowup_shapes_fail_the_bracket_check(source):
    with pytest.raises(richtext.RichTextError):
        richtext.check_shape(source)
