"""The forwarding target is set per severity: business hours for normal complaints, clock
hours for serious ones (COMPLAINT_FORWARD_HOURS, COMPLAINT_FORWARD_HOURS_SERIOUS)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.models import SeriousKind, Severity
from tests.complaints.conftest import record

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_1730 = datetime(2099, 11, 13, 17, 30, tzinfo=SHANGHAI)  # a Friday


@pytest.fixture
def app_config() -> dict:
    return {"COMPLAINT_FORWARD_HOURS_SERIOUS": 1, "COMPLAINT_FORWARD_HOURS": 3}


def test_forwarding_targets_are_set_per_severity(world, categories):
    dealer = world.people["dealer_x"]
    with time_machine.travel(FRIDAY_1730, tick=False):
        serious = record(
            world.store_x,
            dealer,
            categories["QUALITY"],
            severity=Severity.SERIOUS,
            serious_kind=SeriousKind.MEDIA,
        )
        normal = record(world.store_x, dealer, categories["QUALITY"])
    assert serious.forward_due_at == FRIDAY_1730 + timedelta(hours=1)
    # Three business hours: half an hour on Friday, two and a half on Monday.
    assert normal.forward_due_at.astimezone(SHANGHAI) == datetime(
        2099, 11, 16, 11, 30, tzinfo=SHANGHAI
    )
