"""Drafts, publication, typo fixes and material changes: who must acknowledge what."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import ActivityEntry, Attachment, NoticeReceipt, NoticeStatus, Notification
from portal.notices import responses, services
from portal.notices.services import NoticeError
from tests.notices.conftest import (
    make_notice,
    notice_values,
    pdf_bytes,
    sign_in,
    upload,
)


def edit_form(notice, **overrides) -> dict:
    """What the edit page posts back for a published notice, changed by `overrides`."""
    data = {
        "version": notice.version,
        "title": notice.title,
        "body": notice.body,
        "effective_from": notice.effective_from.isoformat(),
        "effective_to": notice.effective_to.isoformat() if notice.effective_to else "",
        "acknowledge_days": notice.acknowledge_days,
        "audience": notice.audience.value,
        "region_ids": [r.id for r in notice.regions],
        "dealer_ids": [d.id for d in notice.dealers],
        "audience_kind": notice.audience_kind.value if notice.audience_kind else "",
        "store_ids": [s.id for s in notice.stores],
    }
    if notice.is_promotion:
        data.update(
            promotion_start=notice.promotion_start.isoformat(),
            promotion_end=notice.promotion_end.isoformat(),
            execution_deadline=notice.execution_deadline.isoformat(),
        )
    data.update(overrides)
    return data


def test_supervisor_creates_draft_then_publishes_through_pages(app, world):
    client = sign_in(app, world.sup_north)
    page = client.get("/notices/new?kind=policy")
    assert page.status_code == 200
    response = client.post(
        "/notices/new?kind=policy",
        data={
            "submission_token": "tok-1",
            "title": "Opening hours",
            "body": "Open **10:00 to 22:00**.",
            "effective_from": clock.today().isoformat(),
            "acknowledge_days": 5,
            "audience": "regions",
            "region_ids": [world.north.id],
        },
    )
    assert response.status_code == 302
    notice = db.session.scalar(select(services.Notice))
    assert notice.status == NoticeStatus.DRAFT
    assert notice.current_version == 0
    response = client.post(f"/notices/{notice.id}/publish", data={"version": notice.version})
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.current_version == 1
    assert notice.acknowledge_due_on == clock.today() + timedelta(days=5)
    notified = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(notified) == sorted([world.user_n1.id, world.user_n2.id])


def test_double_submitted_new_notice_form_makes_one_notice(app, world):
    client = sign_in(app, world.admin)
    data = {
        "submission_token": "same-token",
        "title": "Once",
        "body": "Only once.",
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": 7,
        "audience": "network",
    }
    assert client.post("/notices/new", data=data).status_code == 302
    assert client.post("/notices/new", data=data).status_code == 302
    assert len(db.session.scalars(select(services.Notice)).all()) == 1


def test_concurrent_double_submit_of_new_notice_makes_one_notice(app, world):
    data = {
        "submission_token": "raced-token",
        "title": "Raced",
        "body": "Only once.",
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": 7,
        "audience": "network",
    }
    clients = [sign_in(app, world.admin) for _ in range(4)]
    db.session.commit()  # release the test's own transaction before the requests race

    def post(client):
        with app.app_context():
            return client.post("/notices/new", data=data).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(post, clients))
    assert codes == [302] * 4
    assert len(db.session.scalars(select(services.Notice)).all()) == 1


def test_typo_fix_keeps_version_and_acknowledgements_and_is_logged(app, world):
    notice = make_notice(world.admin, audience="network")
    responses.acknowledge(notice, user=world.user_n1, version=1)
    db.session.commit()
    client = sign_in(app, world.admin)
    response = client.post(
        f"/notices/{notice.id}/edit",
        data=edit_form(notice, change="typo", body=notice.body.replace("unworn", "unused")),
    )
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.current_version == 1
    assert "unused" in notice.body
    assert notice.versions[0].body == notice.body
    assert notice.versions[0].corrections == 1
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "notice.correct"))
    assert entry is not None
    assert "unworn" in entry.details["body"][0]
    assert "unused" in entry.details["body"][1]
    # N1's acknowledgement still stands; nobody is told to acknowledge again
    assert "Acknowledged" in sign_in(app, world.user_n1).get(f"/notices/{notice.id}").get_data(
        as_text=True
    )
    assert (
        db.session.scalar(select(Notification).where(Notification.kind == "notice.changed")) is None
    )


def test_typo_fix_refuses_other_changes(world):
    notice = make_notice(world.admin, audience="network")
    values = notice_values(effective_from=clock.today() + timedelta(days=3))
    with pytest.raises(NoticeError) as refused:
        services.correct_typo(notice, values, actor=world.admin)
    assert refused.value.field == "change"
    assert str(refused.value).startswith("A typo fix may only")  # readable outside a request


def test_material_change_makes_new_version_everyone_acknowledges_again(app, world):
    notice = make_notice(world.admin, audience="network")
    responses.acknowledge(notice, user=world.user_n1, version=1)
    db.session.commit()
    client = sign_in(app, world.admin)
    response = client.post(
        f"/notices/{notice.id}/edit",
        data=edit_form(
            notice,
            change="material",
            change_note="Returns now within 14 days",
            body="Customers may return unworn shoes within **14** days.",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.current_version == 2
    assert [v.number for v in notice.versions] == [1, 2]
    assert "30 days" in notice.versions[0].body  # the previous version is kept
    dealer = sign_in(app, world.user_n1)
    page = dealer.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert 'data-testid="acknowledge"' in page
    assert "Returns now within 14 days" in page
    old = dealer.get(f"/notices/{notice.id}/versions/1")
    assert old.status_code == 200
    assert "30 days" in old.get_data(as_text=True)
    assert "acknowledged this version" in old.get_data(as_text=True)
    changed = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "notice.changed")
    ).all()
    assert sorted(changed) == sorted([world.user_n1.id, world.user_n2.id, world.user_s1.id])
    assert dealer.post(f"/notices/{notice.id}/acknowledge", data={"version": 2}).status_code == 302
    receipts = db.session.scalars(
        select(NoticeReceipt.version_number).where(NoticeReceipt.dealer_id == world.n1.id)
    ).all()
    assert sorted(receipts) == [1, 2]


def test_material_change_needs_a_note(world):
    notice = make_notice(world.admin, audience="network")
    with pytest.raises(NoticeError) as refused:
        services.make_material_change(
            notice, notice_values(body="Different"), actor=world.admin, change_note=" "
        )
    assert refused.value.field == "change_note"


def test_material_change_without_changes_is_refused(world):
    notice = make_notice(world.admin, audience="network")
    with pytest.raises(NoticeError):
        services.make_material_change(
            notice, notice_values(), actor=world.admin, change_note="nothing"
        )


def test_stale_edit_shows_conflict_and_saves_nothing(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.admin)
    stale = edit_form(notice, change="typo", title="Mine", version=notice.version - 1 or 99)
    response = client.post(f"/notices/{notice.id}/edit", data=stale)
    assert response.status_code == 409
    db.session.refresh(notice)
    assert notice.title == "Returns policy"


def test_archived_notice_takes_no_acknowledgement(app, world):
    notice = make_notice(world.admin, audience="network")
    services.archive(notice, actor=world.admin)
    db.session.commit()
    client = sign_in(app, world.user_n1)
    client.post(f"/notices/{notice.id}/acknowledge", data={"version": 1})
    assert db.session.scalar(select(NoticeReceipt.acknowledged_at)) is None
    assert client.get(f"/notices/{notice.id}").status_code == 200  # still readable
    assert "Returns policy" in client.get("/notices/?box=past").get_data(as_text=True)


def test_publishing_an_expired_notice_is_refused(world):
    notice = make_notice(
        world.admin,
        publish=False,
        effective_from=clock.today() - timedelta(days=30),
        effective_to=clock.today() - timedelta(days=1),
    )
    with pytest.raises(NoticeError):
        services.publish(notice, actor=world.admin)


def test_draft_can_be_deleted_but_published_cannot(app, world):
    draft = make_notice(world.admin, publish=False)
    published = make_notice(world.admin)
    client = sign_in(app, world.admin)
    client.post(f"/notices/{draft.id}/delete", data={"version": draft.version})
    client.post(f"/notices/{published.id}/delete", data={"version": published.version})
    remaining = db.session.scalars(select(services.Notice.id)).all()
    assert remaining == [published.id]


def test_files_follow_their_versions(app, world):
    notice, _ = services.create_notice(
        notice_values(audience="network"),
        author=world.admin,
        files=[upload(pdf_bytes(), "rules-v1.pdf")],
    )
    services.publish(notice, actor=world.admin)
    db.session.commit()
    first = notice.files[0]
    services.make_material_change(
        notice,
        notice_values(audience="network"),
        actor=world.admin,
        change_note="New rules sheet",
        files=[upload(pdf_bytes(), "rules-v2.pdf")],
        remove_file_ids=[first.id],
    )
    db.session.commit()
    assert [f.attachment.filename for f in notice.files_of_version(1)] == ["rules-v1.pdf"]
    assert [f.attachment.filename for f in notice.current_files()] == ["rules-v2.pdf"]
    client = sign_in(app, world.user_n1)
    assert "rules-v1.pdf" not in client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "rules-v1.pdf" in client.get(f"/notices/{notice.id}/versions/1").get_data(as_text=True)
    assert client.get(f"/attachments/{first.attachment_id}").status_code == 200


def test_files_removed_from_a_draft_are_deleted(app, world):
    notice, _ = services.create_notice(
        notice_values(audience="network"),
        author=world.admin,
        files=[upload(pdf_bytes(), "draft.pdf")],
    )
    db.session.commit()
    attachment_id = notice.files[0].attachment_id
    services.update_draft(
        notice, notice_values(audience="network"), actor=world.admin,
        remove_file_ids=[notice.files[0].id],
    )  # fmt: skip
    db.session.commit()
    assert notice.files == []
    assert db.session.get(Attachment, attachment_id) is None


@pytest.mark.parametrize("change", ["typo", "material"])
def test_a_notice_with_files_can_be_edited_without_new_uploads(app, world, change):
    """The edit form is built from the notice, whose stored files must not pass for
    uploads (they did: every edit of a notice with an attachment answered 500)."""
    notice, _created = services.create_notice(
        notice_values(), author=world.admin, files=[upload(pdf_bytes(), "rules.pdf")]
    )
    services.publish(notice, actor=world.admin)
    db.session.commit()
    client = sign_in(app, world.admin)
    form = edit_form(notice, change=change, title="Returns policy, revised")
    if change == "material":
        form["change_note"] = "New title"
    response = client.post(f"/notices/{notice.id}/edit", data=form)
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.title == "Returns policy, revised"
    assert [f.attachment.filename for f in notice.current_files()] == ["rules.pdf"]


def test_a_draft_with_files_can_be_edited_without_new_uploads(app, world):
    notice, _created = services.create_notice(
        notice_values(), author=world.admin, files=[upload(pdf_bytes(), "draft.pdf")]
    )
    db.session.commit()
    client = sign_in(app, world.admin)
    form = edit_form(notice, title="Draft, revised")
    response = client.post(f"/notices/{notice.id}/edit", data=form)
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.title == "Draft, revised"
    assert len(notice.files) == 1
