"""Product line names in the reader's language: the Chinese name if there is one, else English."""

import pytest

from portal.extensions import db
from portal.i18n import localized
from portal.models import PlanStatus
from tests.support.plans import make_plan, this_month


@pytest.fixture
def plan(world):
    world.lines[0].name = "Footwear"
    world.lines[0].name_zh = "鞋类"
    world.lines[1].name = "Apparel"  # no Chinese name: Chinese readers see this one
    plan = make_plan(
        world.dealer_x,
        this_month(),
        {(world.stores_x[0], world.lines[0]): (100_00, 1)},
        status=PlanStatus.APPROVED,
    )
    db.session.commit()
    return plan


def _page(client, auth, user, locale, url):
    user.locale = locale
    db.session.commit()
    auth.sign_in(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_chinese_reader_sees_the_chinese_name_on_the_plan_page(client, auth, world, plan):
    page = _page(client, auth, world.user_x, "zh_Hans", f"/plans/{plan.id}")

    assert "鞋类" in page
    assert ">Footwear<" not in page
    assert "Apparel" in page  # empty Chinese name: the English one


def test_an_english_reader_sees_the_english_name(client, auth, world, plan):
    page = _page(client, auth, world.user_x, "en", f"/plans/{plan.id}")

    assert "Footwear" in page
    assert "鞋类" not in page


def test_a_chinese_reader_sees_chinese_names_on_the_dealer_performance_page(
    client, auth, world, plan
):
    url = f"/plans/performance/dealers/{world.dealer_x.id}?period={plan.period}"
    page = _page(client, auth, world.supervisor_a, "zh_Hans", url)

    assert "鞋类" in page
    assert ">Footwear<" not in page


@pytest.mark.parametrize(
    ("locale", "chinese", "expected"),
    [
        ("zh_Hans", "鞋类", "鞋类"),
        ("zh_Hans", "", "Footwear"),
        ("zh_Hans", "  ", "Footwear"),
        ("zh_Hans", None, "Footwear"),
        ("en", "鞋类", "Footwear"),
    ],
)
def test_localized_falls_back_to_english(app, locale, chinese, expected):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        assert localized("Footwear", chinese) == expected


def test_outside_a_request_the_english_name(app):
    assert localized("Footwear", "鞋类") == "Footwear"
