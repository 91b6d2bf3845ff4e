"""Prospect tests: the shared two-region world, the published screening standard, and helpers
that take a prospect of region A through the pipeline with the services."""

from __future__ import annotations

from typing import Any

import pytest

from portal.demo.prospects import screening_standard, take_to
from portal.extensions import db
from portal.models import Prospect, ProspectStatus, StandardVersion
from portal.prospects import services
from tests.support.world import World, world  # noqa: F401  (the fixture)

DEALER_CODE = "NEWD"
CONTRACT_YEAR = 2101


@pytest.fixture
def checklist(world: World) -> StandardVersion:  # noqa: F811  (the fixture it uses)
    version = screening_standard(world.people["admin"])
    db.session.commit()
    return version


def new_prospect(w: World, **values: Any) -> Prospect:
    fields = {
        "name": "Prospect Papa",
        "kind": "franchisee",
        "contact_person": "Pia Papa",
        "phone": "+86 411 1234",
        "email": "papa@prospects.example.test",
        "city": "Dalian",
        "address": "1 Harbour Road",
    }
    fields.update(values)
    prospect = services.create_prospect(
        region=w.region_a, values=fields, actor=w.people["supervisor_a"]
    )
    db.session.commit()
    return prospect


def advance(
    w: World, prospect: Prospect, stage: ProspectStatus, *, code: str = DEALER_CODE
) -> Prospect:
    """Take a new lead to `stage` (LOST: it fails its screening and is lost)."""
    take_to(
        prospect,
        stage,
        supervisor=w.people["supervisor_a"],
        admin=w.people["admin"],
        lines=[w.line.id],
        code=code,
        year=CONTRACT_YEAR,
    )
    db.session.commit()
    return prospect
