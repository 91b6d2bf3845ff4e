"""What people type: FTS5 and LIKE syntax found literally, Chinese names of two characters
and more, and the scope kept whichever way the index is read (3+ characters or fewer)."""

import pytest

from portal.extensions import db
from portal.models import PlanStatus
from tests.search.test_search import group, search
from tests.support import plans as plan_support
from tests.support.audit_factories import make_audit, make_standard
from tests.support.factories import make_dealer, make_store
from tests.support.pages import without_tokens
from tests.support.plans import make_plan, this_month

ODD_NAME = 'Odd "Quote" * (Paren) NEAR(x, y) 50%_off back\\slash {code}: AND-OR ^caret'


@pytest.fixture
def world(app):
    return plan_support.make_world()


# Table-driven: one network serves every text (each search is a read; a new database per
# text cost a second each), and a failure names its text.
SYNTAX = ['"', '""', "*", "**", "%", "%%%", "_", "\\", "'", "NEAR(", "NEAR(a b)", "a OR b", "x AND",
          "NOT x", "{code}:", "code:x", "^x", "-x", "(", ")", "+", "a*", '"a" OR "b"', "\x00x",
          "; DROP TABLE dealers; --"]  # fmt: skip
LITERAL = ['"Quote"', "* (Paren)", "NEAR(x, y)", "50%_off", "back\\slash", "{code}:", "AND-OR",
           "^caret"]  # fmt: skip


def test_query_syntax_in_the_text_answers_the_page_and_finds_nothing_else(app, world):
    make_dealer(world.region_a, name=ODD_NAME)
    db.session.commit()

    for text in SYNTAX:
        page = search(app, world.admin, text)

        # Every dealer is named "Dealer N": none contains any of these texts, whatever an
        # FTS5 or LIKE parser would make of them. Only the odd dealer may contain them.
        found = group(page, "dealers")
        assert world.dealer_x.name not in found, text
        assert world.dealer_y.name not in found, text


def test_query_syntax_is_found_literally(app, world):
    odd = make_dealer(world.region_a, name=ODD_NAME)
    db.session.commit()

    for text in LITERAL:
        page = search(app, world.admin, text)

        assert f"/dealers/{odd.id}" in group(page, "dealers"), text
        assert f"/dealers/{world.dealer_x.id}" not in page, text


def test_a_wildcard_between_letters_is_not_a_wildcard(app, world):
    make_dealer(world.region_a, name="50 percent off")
    db.session.commit()

    assert 'data-testid="result"' not in search(app, world.admin, "50%off")
    assert 'data-testid="result"' not in search(app, world.admin, "5_ percent")


@pytest.fixture
def chinese(app, world):
    short = make_dealer(world.region_a, name="华联", city="天津")
    long = make_dealer(world.region_a, name="北京华联商厦", city="北京", city_alias="Beijing")
    store = make_store(long, name="朝阳华联店", city="北京")
    db.session.commit()
    return short, long, store


def test_a_two_character_chinese_name_is_found(app, world, chinese):
    short, long, _store = chinese

    dealers = group(search(app, world.admin, "华联"), "dealers")

    # Two characters hold no trigram: matched without the index, inside longer names too.
    assert f"/dealers/{short.id}" in dealers
    assert f"/dealers/{long.id}" in dealers


def test_chinese_of_three_characters_and_more_is_found_through_the_index(app, world, chinese):
    short, long, store = chinese

    page = search(app, world.admin, "华联商厦")

    assert f"/dealers/{long.id}" in group(page, "dealers")
    assert f"/dealers/{short.id}" not in page
    assert f"/stores/{store.id}" in group(search(app, world.admin, "朝阳华"), "stores")


def test_a_two_character_city_finds_dealers_and_stores(app, world, chinese):
    _short, long, store = chinese

    page = search(app, world.admin, "北京")

    assert f"/dealers/{long.id}" in group(page, "dealers")
    assert f"/stores/{store.id}" in group(page, "stores")


@pytest.fixture
def twins(app, world):
    """The same words in both regions: in names, cities and aliases, and on plans and audits."""
    for dealer, stores in ((world.dealer_x, world.stores_x), (world.dealer_y, world.stores_y)):
        dealer.name, dealer.city, dealer.city_alias = f"Twin Peaks {dealer.code}", "天津", "Xy"
        stores[0].name, stores[0].city, stores[0].city_alias = "Twin Store", "Qy", "北京"
        make_plan(dealer, this_month(), status=PlanStatus.SUBMITTED)
    version = make_standard(actor=world.admin)
    make_audit(world.stores_x[0], version.standard, world.supervisor_a)
    make_audit(world.stores_y[0], version.standard, world.supervisor_b)
    db.session.commit()
    return world


def test_a_supervisor_never_finds_another_regions_records_through_the_index(app, twins):
    for text in ("Twin", "Twin Peaks", "Tw", "天津", "北京", "Xy", "Qy"):
        page = without_tokens(search(app, twins.supervisor_a, text))

        assert f"/dealers/{twins.dealer_y.id}" not in page, text
        for store in twins.stores_y:
            assert f"/stores/{store.id}" not in page, text
            assert store.code not in page, text
        assert twins.dealer_y.code not in page, text
        # ...while the same text finds the supervisor's own records.
        own = (f"/dealers/{twins.dealer_x.id}", f"/stores/{twins.stores_x[0].id}")
        assert any(link in page for link in own), text


def test_plans_and_audits_found_by_dealer_stay_in_scope(app, twins):
    for text in ("Twin Peaks", "Tw"):
        page = without_tokens(search(app, twins.supervisor_a, text))

        assert twins.dealer_x.code in group(page, "plans"), text
        assert twins.stores_x[0].code in group(page, "audits"), text
        assert twins.dealer_y.code not in page, text
        assert twins.stores_y[0].code not in page, text


def test_a_dealer_user_finds_only_their_own_twin(app, twins):
    page = without_tokens(search(app, twins.user_y, "Twin"))

    assert f"/dealers/{twins.dealer_y.id}" in group(page, "dealers")
    assert f"/dealers/{twins.dealer_x.id}" not in page
    assert twins.stores_x[0].code not in page
