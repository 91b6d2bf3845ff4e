"""The prospect lifecycle has its words (refusals, prompts, decisions) like every workflow,
and an admin makes a screening standard on the Standards pages."""

from __future__ import annotations

from sqlalchemy import select

from portal import lifecycle_text
from portal.extensions import db
from portal.models import PROSPECT_LIFECYCLE, Standard, StandardPurpose
from tests.support.clients import signed_in_client


def test_every_prospect_step_has_its_words():
    workflow = PROSPECT_LIFECYCLE
    steps = workflow.steps.values()
    refusals = {workflow.key(step.action) for step in steps if step.sources}
    prompts = {workflow.key(s.action) for s in steps if s.comment and s.comment.required}
    decided = {workflow.key(action) for action in workflow.decisions}

    assert refusals <= set(lifecycle_text.REFUSED)
    assert prompts <= set(lifecycle_text.WHY)
    assert decided <= set(lifecycle_text.DECIDED)
    assert workflow.name in lifecycle_text.NOT_WAITING
    assert workflow.name in lifecycle_text.CHANGED


def test_an_admin_creates_a_standard_for_screening_prospects(app, world):
    admin = signed_in_client(app, world.people["admin"])

    created = admin.post(
        "/standards/new", data={"code": "SCR", "name": "Screening", "purpose": "screening"}
    )

    assert created.status_code == 302
    standard = db.session.scalar(select(Standard).where(Standard.code == "SCR"))
    assert standard.purpose == StandardPurpose.SCREENING
    assert b"Prospect screening" in admin.get("/standards/").data
