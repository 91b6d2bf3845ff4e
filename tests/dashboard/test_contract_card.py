"""The staff home lists the first contracts that ended or end soon, and says how many more."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import Role
from tests.dashboard.test_home_pages import page_of, section
from tests.support.factories import make_dealer, make_region, make_user


@pytest.fixture
def app_config() -> dict:
    return {"HOME_CONTRACT_ALERTS": 2}


def test_a_long_list_of_contracts_is_cut_short_with_a_count(app):
    region = make_region()
    admin = make_user(Role.ADMIN)
    for days in (-3, 5, 10, 20):
        make_dealer(region, contract_end=clock.today() + timedelta(days=days))
    db.session.commit()

    alerts = section(page_of(app, admin), "contract-alerts")

    assert alerts.count("<li data-dealer=") == 2
    assert "Expired" in alerts  # those that ended come first
    assert "2 more dealers' contracts ended or end soon." in alerts
