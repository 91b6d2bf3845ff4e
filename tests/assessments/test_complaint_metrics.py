"""The assessment's complaint metrics: forwarded on time, resolved on time and not repeated,
of the complaints received in the period (the set is tests/support/complaints.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal import clock
from portal.assessments import cycles, services
from portal.metrics import dealers as dealer_metrics
from tests.support import complaints as complaint_set

KEYS = ("complaints_forwarded", "complaints_resolved", "complaints_not_repeated")


def test_the_scorecard_counts_the_complaints_received_in_the_window(world):
    complaint_set.build(world)
    day = clock.today() - timedelta(days=40)  # d, e and f were received that day
    card = dealer_metrics.scorecards([world.dealer_x.id], first=day, last=day)[world.dealer_x.id]
    found = {key: card.components[key] for key in KEYS}
    # Forwarding: d and f on time, e late. Resolution: d on time, f late, e (reopened) past
    # its new deadline. Repeats: e.
    assert found["complaints_forwarded"].value == Decimal("66.7")
    assert found["complaints_forwarded"].facts == {"part": 2, "whole": 3}
    assert found["complaints_resolved"].value == Decimal("33.3")
    assert found["complaints_not_repeated"].value == Decimal("66.7")
    assert found["complaints_not_repeated"].detail == "1 of 3 complaints reopened"
    # A window without complaints has no data for them (they are left out of the score).
    before = day - timedelta(days=1)
    empty = dealer_metrics.scorecards([world.dealer_x.id], first=before, last=before)
    assert all(empty[world.dealer_x.id].components[key].value is None for key in KEYS)


def test_a_new_assessment_carries_the_complaint_metrics_with_their_weights(world):
    complaint_set.build(world)
    today = clock.today()
    config = services.settings()
    cycle = cycles.containing(today - timedelta(days=40), config.months)
    preview = services.preview(world.dealer_x, cycle, config=config, today=today)
    metrics = {metric.key: metric for metric in preview.metrics}
    assert set(KEYS) <= set(metrics)
    assert all(metrics[key].weight == Decimal(5) for key in KEYS)
    assert all(metrics[key].value is not None for key in KEYS)
    assert all(preview.result.share_of("metric", key) > 0 for key in KEYS)
