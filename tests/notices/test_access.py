"""Checks S2, S3, S5, S6 for notices, acknowledgements and executions: the access matrix,
the canary sweep, and mass assignment."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    ExecutionStatus,
    Notice,
    NoticeExecution,
    NoticeKind,
    NoticeReceipt,
    NoticeStatus,
)
from portal.notices import responses, services
from tests.notices.conftest import (
    jpeg_bytes,
    make_notice,
    notice_values,
    pdf_bytes,
    sign_in,
    upload,
)


@dataclass
class Fixtures:
    north: Notice  # promotion to North by the North supervisor, with a PDF and N1's photo
    south: Notice  # promotion to South by the South supervisor, with S1's photo
    network: Notice  # policy to everyone by the admin
    draft: Notice  # North draft by the North supervisor
    north_file: int
    north_photo: int
    south_photo: int


def _promotion(author, region, store, user, file_name):
    notice, _ = services.create_notice(
        notice_values("promotion", audience="regions", region_ids=[region.id]),
        author=author,
        files=[upload(pdf_bytes(), file_name)],
    )
    services.publish(notice, actor=author)
    execution, _ = responses.report_execution(
        notice,
        store,
        user=user,
        version=1,
        status=ExecutionStatus.DONE,
        photo=upload(jpeg_bytes(), "display.jpg"),
    )
    return notice, execution


@pytest.fixture
def fx(world) -> Fixtures:
    north, north_exec = _promotion(
        world.sup_north, world.north, world.n1a, world.user_n1, "north.pdf"
    )
    south, south_exec = _promotion(
        world.sup_south, world.south, world.s1a, world.user_s1, "south.pdf"
    )
    network = make_notice(world.admin, audience="network", title="Network policy")
    draft = make_notice(
        world.sup_north, publish=False, audience="regions", region_ids=[world.north.id]
    )
    db.session.commit()
    return Fixtures(
        north,
        south,
        network,
        draft,
        north.files[0].attachment_id,
        north_exec.photo_id,
        south_exec.photo_id,
    )


# who → {object: expected status for GET /notices/<id>}
VIEW = {
    "admin": {"north": 200, "south": 200, "network": 200, "draft": 200},
    "sup_north": {"north": 200, "south": 404, "network": 200, "draft": 200},
    "sup_south": {"north": 404, "south": 200, "network": 200, "draft": 404},
    "user_n1": {"north": 200, "south": 404, "network": 200, "draft": 404},
    "user_n2": {"north": 200, "south": 404, "network": 200, "draft": 404},
    "user_s1": {"north": 404, "south": 200, "network": 200, "draft": 404},
}


@pytest.mark.parametrize("who", VIEW)
def test_notice_view_matrix(app, world, fx, who):
    client = sign_in(app, getattr(world, who))
    for what, expected in VIEW[who].items():
        notice = getattr(fx, what)
        assert client.get(f"/notices/{notice.id}").status_code == expected, what
        if notice.current_version:
            version = client.get(f"/notices/{notice.id}/versions/1").status_code
            assert version == expected, what


MANAGE = {  # edit page and tracking page
    "admin": {"north": (200, 200), "network": (200, 200), "draft": (200, 200)},
    "sup_north": {"north": (200, 200), "network": (404, 200), "draft": (200, 200)},
    "sup_south": {"north": (404, 404), "network": (404, 200), "draft": (404, 404)},
    "user_n1": {"north": (403, 403), "network": (403, 403), "draft": (403, 403)},
}


@pytest.mark.parametrize("who", MANAGE)
def test_notice_manage_matrix(app, world, fx, who):
    client = sign_in(app, getattr(world, who))
    for what, (edit, tracking) in MANAGE[who].items():
        notice = getattr(fx, what)
        assert client.get(f"/notices/{notice.id}/edit").status_code == edit, what
        assert client.get(f"/notices/{notice.id}/tracking").status_code == tracking, what
        csv = client.get(f"/notices/{notice.id}/acknowledgements.csv")
        assert csv.status_code == tracking, what


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("sup_south", "publish"),
        ("sup_south", "delete"),
        ("user_n1", "publish"),
        ("sup_north_network", "archive"),
        ("user_n1", "archive"),
    ],
)
def test_state_changes_refused_outside_scope(app, world, fx, who, action):
    user = world.sup_north if who == "sup_north_network" else getattr(world, who)
    notice = fx.network if who == "sup_north_network" else fx.draft
    if action == "archive" and who == "user_n1":
        notice = fx.north
    before = (notice.status, notice.version)
    response = sign_in(app, user).post(
        f"/notices/{notice.id}/{action}", data={"version": notice.version}
    )
    assert response.status_code in (403, 404)
    db.session.refresh(notice)
    assert (notice.status, notice.version) == before


def test_dealer_outside_audience_gets_404_for_answers(app, world, fx):
    client = sign_in(app, world.user_s1)
    north = fx.north
    assert client.post(f"/notices/{north.id}/open").status_code == 404
    assert client.post(f"/notices/{north.id}/read").status_code == 404
    assert client.post(f"/notices/{north.id}/acknowledge", data={"version": 1}).status_code == 404
    url = f"/notices/{north.id}/stores/{world.s1a.id}/execution"
    assert client.post(url, data={"version": 1, "status": "done"}).status_code == 404
    assert db.session.scalar(
        select(func.count()).where(NoticeReceipt.dealer_id == world.s1.id)
    ) == 0  # fmt: skip


@pytest.mark.parametrize(
    ("who", "file", "north_photo", "south_photo"),
    [
        ("admin", 200, 200, 200),
        ("sup_north", 200, 200, 404),
        ("sup_south", 404, 404, 200),
        ("user_n1", 200, 200, 404),  # its own photo
        ("user_n2", 200, 404, 404),  # in the audience, but N1's photo is not N2's business
        ("user_s1", 404, 404, 200),  # outside the North audience: nothing of it
    ],
)
def test_attachment_and_photo_matrix(app, world, fx, who, file, north_photo, south_photo):
    client = sign_in(app, getattr(world, who))
    assert client.get(f"/attachments/{fx.north_file}").status_code == file
    assert client.get(f"/attachments/{fx.north_photo}").status_code == north_photo
    assert client.get(f"/attachments/{fx.south_photo}").status_code == south_photo


def test_dealer_moved_out_of_audience_loses_its_files_and_photos(app, world, fx):
    world.n1.region = world.south
    db.session.commit()
    client = sign_in(app, world.user_n1)
    assert client.get(f"/notices/{fx.north.id}").status_code == 404
    assert client.get(f"/attachments/{fx.north_file}").status_code == 404
    assert client.get(f"/attachments/{fx.north_photo}").status_code == 404


def test_dealer_routes_refuse_staff_and_staff_routes_refuse_dealers(app, world, fx):
    staff = sign_in(app, world.admin)
    assert (
        staff.post(f"/notices/{fx.network.id}/acknowledge", data={"version": 1}).status_code == 403
    )
    dealer = sign_in(app, world.user_n1)
    assert dealer.get("/notices/new").status_code == 403
    assert dealer.post("/notices/new", data={"title": "x"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 4


# Canary sweep (S3)


def test_canary_markers_stay_with_their_tenant(app, world, fx):
    """Reasons, photos and dealer-only notices of one tenant never show up in another's pages
    or exports, including network-wide notices both answer."""
    promo = make_notice(world.admin, kind="promotion", audience="network", title="Network promo")
    for user, store, marker in (
        (world.user_n1, world.n1b, "CANARY-N1-REASON"),
        (world.user_s1, world.s1a, "CANARY-S1-REASON"),
    ):
        responses.report_execution(
            promo,
            store,
            user=user,
            version=1,
            status=ExecutionStatus.NOT_POSSIBLE,
            reason=marker,
        )
    make_notice(world.admin, audience="dealers", dealer_ids=[world.s1.id], title="CANARY-S1-ONLY")
    make_notice(world.admin, audience="dealers", dealer_ids=[world.n1.id], title="CANARY-N1-ONLY")
    db.session.commit()
    ids = [fx.north.id, fx.south.id, fx.network.id, promo.id]
    staff_urls = ["/notices/", "/home", "/inbox/"]
    for notice_id in ids:
        staff_urls += [
            f"/notices/{notice_id}",
            f"/notices/{notice_id}/tracking",
            f"/notices/{notice_id}/acknowledgements.csv",
            f"/notices/{notice_id}/executions.csv",
        ]
    dealer_urls = ["/notices/", "/notices/?box=past", "/notices/?box=unread", "/home", "/inbox/"]
    dealer_urls += [f"/notices/{notice_id}" for notice_id in ids]
    sweeps = [
        (world.user_n1, dealer_urls, "CANARY-S1"),
        (world.user_s1, dealer_urls, "CANARY-N1"),
        (world.user_n2, dealer_urls, "CANARY-N1"),
        (world.sup_north, staff_urls, "CANARY-S1"),
        (world.sup_south, staff_urls, "CANARY-N1"),
    ]
    for user, urls, foreign in sweeps:
        client = sign_in(app, user)
        for url in urls:
            body = client.get(url).get_data(as_text=True)
            assert foreign not in body, (user.email, url)
    # and the owners do see their own markers
    own = sign_in(app, world.sup_north).get(f"/notices/{promo.id}/executions.csv")
    assert "CANARY-N1-REASON" in own.get_data(as_text=True)


# Mass assignment (S5)


def test_posting_extra_fields_on_create_changes_nothing_they_name(app, world):
    client = sign_in(app, world.sup_north)
    client.post(
        "/notices/new?kind=policy",
        data={
            "submission_token": "t-extra",
            "title": "Extra fields",
            "body": "Text",
            "effective_from": clock.today().isoformat(),
            "acknowledge_days": 7,
            "audience": "regions",
            "region_ids": [world.north.id],
            "status": "published",
            "current_version": 9,
            "created_by_id": world.admin.id,
            "kind": "promotion",
            "acknowledge_due_on": "2000-01-01",
            "version": 42,
        },
    )
    notice = db.session.scalar(select(Notice).where(Notice.title == "Extra fields"))
    assert notice.status == NoticeStatus.DRAFT
    assert notice.current_version == 0
    assert notice.created_by_id == world.sup_north.id
    assert notice.kind == NoticeKind.POLICY
    assert notice.acknowledge_due_on is None
    assert notice.version == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"audience": "network"},
        {"audience": "regions", "region_ids": "south"},
        {"audience": "dealers", "dealer_ids": "s1"},
        {"audience": "kind", "audience_kind": "dealer"},
    ],
)
def test_supervisor_cannot_post_an_audience_outside_their_regions(app, world, extra):
    ids = {"south": [world.south.id], "s1": [world.s1.id]}
    data = {
        "submission_token": "t-outside",
        "title": "Outside",
        "body": "Text",
        "effective_from": clock.today().isoformat(),
        "acknowledge_days": 7,
    }
    data.update({k: ids.get(v, v) for k, v in extra.items()})
    response = sign_in(app, world.sup_north).post("/notices/new", data=data)
    assert response.status_code == 200  # the form again, with the problem shown
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_acknowledgement_ignores_posted_dealer_and_user(app, world):
    notice = make_notice(world.admin, audience="network")
    sign_in(app, world.user_n1).post(
        f"/notices/{notice.id}/acknowledge",
        data={
            "version": 1,
            "dealer_id": world.s1.id,
            "acknowledged_by_id": world.user_s1.id,
            "notice_id": 999,
        },
    )
    receipts = db.session.scalars(select(NoticeReceipt)).all()
    assert [(r.dealer_id, r.acknowledged_by_id) for r in receipts] == [
        (world.n1.id, world.user_n1.id)
    ]


def test_execution_ignores_posted_dealer_store_and_flags(app, world):
    notice = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id]
    )
    sign_in(app, world.user_n1).post(
        f"/notices/{notice.id}/stores/{world.n1a.id}/execution",
        data={
            "version": 1,
            "status": "done",
            "dealer_id": world.n2.id,
            "store_id": world.n2a.id,
            "late": "1",
            "reported_by_id": world.user_n2.id,
            "version_number": 5,
        },
    )
    execution = db.session.scalar(select(NoticeExecution))
    assert execution.store_id == world.n1a.id
    assert execution.dealer_id == world.n1.id
    assert execution.late is False
    assert execution.reported_by_id == world.user_n1.id
    assert execution.version_number == 1


def test_edit_ignores_posted_kind_status_and_counters(app, world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    client = sign_in(app, world.sup_north)
    client.post(
        f"/notices/{notice.id}/edit",
        data={
            "version": notice.version,
            "change": "typo",
            "title": "Returns policy (fixed)",
            "body": notice.body,
            "effective_from": notice.effective_from.isoformat(),
            "acknowledge_days": notice.acknowledge_days,
            "audience": "regions",
            "region_ids": [world.north.id],
            "kind": "promotion",
            "status": "draft",
            "current_version": 7,
            "created_by_id": world.admin.id,
        },
    )
    db.session.refresh(notice)
    assert notice.title == "Returns policy (fixed)"
    assert notice.kind == NoticeKind.POLICY
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.current_version == 1
    assert notice.created_by_id == world.sup_north.id
