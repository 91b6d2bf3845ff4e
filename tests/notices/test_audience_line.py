"""What a notice's page says about its audience, and the inbox's box links (issues 11, 12)."""

from __future__ import annotations

import re

from tests.notices.conftest import make_notice, sign_in

AUDIENCE = re.compile(r'data-testid="audience">(.*?)</span>', re.S)
STORES = re.compile(r'data-testid="audience-stores">(.*?)</span>', re.S)


def _line(client, notice, pattern=AUDIENCE) -> str:
    html = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    return " ".join(pattern.search(html).group(1).split())


def test_a_supervisor_sees_only_the_chosen_dealers_and_stores_of_their_regions(app, world):
    notice = make_notice(
        world.admin,
        kind="promotion",
        audience="dealers",
        dealer_ids=[world.n1.id, world.s1.id],
        store_ids=[world.n1a.id, world.s1a.id],
    )
    north = sign_in(app, world.sup_north)
    assert _line(north, notice) == "Dealers: N1"
    assert _line(north, notice, STORES) == "N1-01"
    south = sign_in(app, world.sup_south)
    assert _line(south, notice) == "Dealers: S1"
    assert _line(south, notice, STORES) == "S1-01"
    admin = sign_in(app, world.admin)
    assert _line(admin, notice) == "Dealers: N1, S1"
    assert _line(admin, notice, STORES) == "N1-01, S1-01"


def test_a_supervisor_sees_only_the_chosen_regions_that_are_theirs(app, world):
    regions = [world.north.id, world.south.id]
    by_region = make_notice(world.admin, audience="regions", region_ids=regions)
    by_kind = make_notice(world.admin, audience="kind", audience_kind="dealer", region_ids=regions)
    north = sign_in(app, world.sup_north)
    assert _line(north, by_region) == "Regions: North"
    assert _line(north, by_kind) == "Dealer in North"
    admin = sign_in(app, world.admin)
    assert _line(admin, by_region) == "Regions: North, South"


def test_the_inbox_boxes_are_a_navigation_of_links_not_a_tablist(app, world):
    make_notice(world.admin)
    html = sign_in(app, world.user_n1).get("/notices/").get_data(as_text=True)
    assert 'role="tablist"' not in html
    nav = re.search(r'<nav aria-label="[^"]+" data-testid="notice-boxes">(.*?)</nav>', html, re.S)
    assert nav is not None
    assert nav.group(1).count('<a class="nav-link') == 4
    assert 'aria-current="page"' in nav.group(1)
