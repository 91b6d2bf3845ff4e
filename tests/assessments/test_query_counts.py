"""List pages run a fixed number of queries however many assessments there are."""

from datetime import timedelta

from portal.assessments import services
from portal.extensions import db
from tests.assessments.conftest import last_quarter
from tests.support.factories import make_dealer
from tests.support.queries import counting


def assess(world, dealers, periods: int) -> None:
    config = services.settings()
    cycle = last_quarter()
    supervisor = world.people["supervisor_a"]
    for dealer in dealers:
        for back in range(periods):
            services.start_assessment(
                dealer=dealer,
                cycle=cycle.shift(-back),
                ratings={c.key: services.RatingInput(3) for c in config.criteria},
                comment="",
                actor=supervisor,
                config=config,
                today=cycle.last_day + timedelta(days=20),
            )
    db.session.commit()


def queries(client, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_assessment_list_and_history_queries_stay_flat(clients, world):
    client = clients("supervisor_a")
    assess(world, [world.dealer_x], 1)
    small_list = queries(client, "/assessments/")
    small_history = queries(client, f"/assessments/dealers/{world.dealer_x.id}")
    assess(world, [make_dealer(world.region_a) for _ in range(4)], 3)
    more = [make_dealer(world.region_a)]
    assess(world, more, 4)
    assert queries(client, "/assessments/") == small_list
    assert queries(client, f"/assessments/dealers/{more[0].id}") == small_history
