"""Contracts that ended or end within 90 days are flagged on the dealer page and the staff
homes, within each reader's scope."""

from datetime import timedelta

from portal import clock
from portal.extensions import db
from portal.metrics.contracts import EXPIRED, EXPIRING, contract_state
from tests.support.clients import signed_in_client


def _contracts(world, *, x_days: int, y_days: int) -> None:
    today = clock.today()
    world.dealer_x.contract_end = today + timedelta(days=x_days)
    world.dealer_y.contract_end = today + timedelta(days=y_days)
    db.session.commit()


def _page(app, user, url: str) -> str:
    response = signed_in_client(app, user).get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_contract_state_boundaries():
    today = clock.today()
    state = lambda days: contract_state(today + timedelta(days=days), today=today, within_days=90)  # noqa: E731
    assert (state(-1), state(0), state(90), state(91)) == (EXPIRED, EXPIRING, EXPIRING, None)
    assert contract_state(None, today=today, within_days=90) is None


def test_the_dealer_page_warns_of_an_ended_contract(app, world):
    _contracts(world, x_days=-30, y_days=400)
    ended = (clock.today() - timedelta(days=30)).isoformat()

    page = _page(app, world.people["supervisor_a"], f"/dealers/{world.dealer_x.id}")
    assert f"The contract ended on {ended}." in page
    own = _page(app, world.people["dealer_x"], f"/dealers/{world.dealer_x.id}")
    assert 'data-testid="contract-warning"' in own
    later = _page(app, world.people["supervisor_b"], f"/dealers/{world.dealer_y.id}")
    assert 'data-testid="contract-warning"' not in later


def test_the_dealer_page_warns_of_a_contract_ending_soon(app, world):
    _contracts(world, x_days=45, y_days=1)
    page = _page(app, world.people["admin"], f"/dealers/{world.dealer_x.id}")
    assert "in 45 days." in page
    assert "in 1 day." in _page(app, world.people["admin"], f"/dealers/{world.dealer_y.id}")


def test_staff_homes_list_contract_alerts_in_their_scope(app, world):
    _contracts(world, x_days=-5, y_days=60)

    supervisor = _page(app, world.people["supervisor_a"], "/home")
    start = supervisor.index('data-testid="contract-alerts"')
    alerts = supervisor[start : supervisor.index("</section>", start)]
    assert 'data-dealer="DX"' in alerts
    assert "Expired" in alerts
    assert 'data-dealer="DY"' not in alerts  # another region's dealer

    admin = _page(app, world.people["admin"], "/home")
    start = admin.index('data-testid="contract-alerts"')
    alerts = admin[start : admin.index("</section>", start)]
    assert 'data-dealer="DX"' in alerts
    assert 'data-dealer="DY"' in alerts
    assert "in 60 days" in alerts


def test_no_alert_without_a_contract_ending_soon(app, world):
    _contracts(world, x_days=200, y_days=365)
    assert 'data-testid="contract-alerts"' not in _page(app, world.people["admin"], "/home")
