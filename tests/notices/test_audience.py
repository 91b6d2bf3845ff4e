"""Who a notice is for: network, regions, dealers, kind — always against current data."""

from __future__ import annotations

import pytest

from portal.access import notices as notice_access
from portal.extensions import db
from portal.models import DealerKind, Role
from portal.notices import services
from portal.notices.services import NoticeError
from tests.notices.conftest import make_notice, notice_values, sign_in
from tests.support.factories import make_dealer, make_store, make_user


def audience_codes(notice) -> list[str]:
    return sorted(d.code for d in db.session.scalars(notice_access.audience_dealers(notice)))


def test_network_notice_reaches_every_active_dealer(world):
    notice = make_notice(world.admin, audience="network")
    assert audience_codes(notice) == ["N1", "N2", "S1"]


def test_region_notice_reaches_only_that_regions_dealers(world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    assert audience_codes(notice) == ["N1", "N2"]


def test_dealer_notice_reaches_only_chosen_dealers(world):
    notice = make_notice(world.admin, audience="dealers", dealer_ids=[world.n2.id, world.s1.id])
    assert audience_codes(notice) == ["N2", "S1"]


def test_kind_notice_reaches_dealers_of_that_kind_network_wide(world):
    notice = make_notice(world.admin, audience="kind", audience_kind="dealer")
    assert audience_codes(notice) == ["N2", "S1"]


def test_kind_notice_within_regions_reaches_that_kind_there_only(world):
    notice = make_notice(
        world.sup_north, audience="kind", audience_kind="dealer", region_ids=[world.north.id]
    )
    assert audience_codes(notice) == ["N2"]


def test_dealer_added_later_to_targeted_region_sees_notice(app, world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    late = make_dealer(world.north, code="N9")
    late_user = make_user(dealer=late)
    db.session.commit()
    client = sign_in(app, late_user)
    page = client.get(f"/notices/{notice.id}")
    assert page.status_code == 200
    assert "Returns policy" in page.get_data(as_text=True)
    assert "Returns policy" in client.get("/notices/").get_data(as_text=True)


def test_dealer_of_targeted_kind_added_later_sees_notice(app, world):
    notice = make_notice(world.admin, audience="kind", audience_kind="franchisee")
    late = make_dealer(world.south, code="S9", kind=DealerKind.FRANCHISEE)
    late_user = make_user(dealer=late)
    db.session.commit()
    assert sign_in(app, late_user).get(f"/notices/{notice.id}").status_code == 200


def test_dealer_whose_kind_changes_leaves_kind_audience(app, world):
    notice = make_notice(world.admin, audience="kind", audience_kind="franchisee")
    client = sign_in(app, world.user_n1)
    assert client.get(f"/notices/{notice.id}").status_code == 200
    world.n1.kind = DealerKind.DEALER
    db.session.commit()
    assert client.get(f"/notices/{notice.id}").status_code == 404


def test_dealer_moved_out_of_region_no_longer_sees_notice(app, world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    client = sign_in(app, world.user_n2)
    assert client.get(f"/notices/{notice.id}").status_code == 200
    world.n2.region = world.south
    db.session.commit()
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert "Returns policy" not in client.get("/notices/").get_data(as_text=True)


def test_deactivated_dealer_is_not_in_audience(world):
    world.n2.active = False
    notice = make_notice(world.admin, audience="network")
    assert audience_codes(notice) == ["N1", "S1"]


def test_drafts_are_invisible_to_dealers(app, world):
    notice = make_notice(world.admin, publish=False, audience="network")
    assert sign_in(app, world.user_n1).get(f"/notices/{notice.id}").status_code == 404


def test_promotion_targets_open_stores_of_audience_by_default(world):
    notice = make_notice(
        world.sup_north, kind="promotion", audience="regions", region_ids=[world.north.id]
    )
    stores = db.session.scalars(notice_access.targeted_stores(notice)).all()
    assert sorted(s.code for s in stores) == ["N1-01", "N1-02", "N2-01"]
    opened_later = make_store(world.n2, code="N2-02")
    db.session.commit()
    stores = db.session.scalars(notice_access.targeted_stores(notice)).all()
    assert opened_later in stores


def test_promotion_targets_only_chosen_stores(world):
    notice = make_notice(
        world.sup_north,
        kind="promotion",
        audience="regions",
        region_ids=[world.north.id],
        store_ids=[world.n1b.id],
    )
    assert db.session.scalars(notice_access.targeted_stores(notice)).all() == [world.n1b]


def test_chosen_stores_must_belong_to_audience(world):
    values = notice_values(
        "promotion", audience="regions", region_ids=[world.north.id], store_ids=[world.s1a.id]
    )
    with pytest.raises(NoticeError) as refused:
        services.create_notice(values, author=world.admin)
    assert refused.value.field == "store_ids"


@pytest.mark.parametrize(
    ("audience", "extra"),
    [
        ("network", {}),
        ("regions", {"region_ids": "south"}),
        ("regions", {"region_ids": "both"}),
        ("dealers", {"dealer_ids": "s1"}),
        ("kind", {"audience_kind": "dealer"}),  # a whole-network kind
        ("kind", {"audience_kind": "dealer", "region_ids": "south"}),
    ],
)
def test_supervisor_may_target_only_own_regions(world, audience, extra):
    ids = {
        "south": [world.south.id],
        "both": [world.north.id, world.south.id],
        "s1": [world.s1.id],
    }
    values = notice_values(audience=audience)
    for key, value in extra.items():
        values[key] = ids.get(value, value)
    with pytest.raises(NoticeError):
        services.create_notice(values, author=world.sup_north)


def test_supervisor_may_target_own_dealers(world):
    notice = make_notice(world.sup_north, audience="dealers", dealer_ids=[world.n1.id])
    assert audience_codes(notice) == ["N1"]


def test_supervisor_sees_network_notice_but_cannot_manage_it(app, world):
    notice = make_notice(world.admin, audience="network")
    client = sign_in(app, world.sup_north)
    assert client.get(f"/notices/{notice.id}").status_code == 200
    assert client.get(f"/notices/{notice.id}/edit").status_code == 404
    assert notice_access.can_manage_notice(world.sup_north, notice) is False


def test_supervisor_of_other_region_gets_404_for_regional_notice(app, world):
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])
    client = sign_in(app, world.sup_south)
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert client.get(f"/notices/{notice.id}/tracking").status_code == 404


def test_supervisor_without_regions_cannot_author(app, world):
    lonely = make_user(Role.SUPERVISOR, regions=[])
    lonely.regions = []
    db.session.commit()
    assert sign_in(app, lonely).get("/notices/new").status_code == 403
