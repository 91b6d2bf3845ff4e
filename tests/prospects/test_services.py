"""The prospect pipeline's rules: every step logged, none skipped, lost with a reason, the
screening scored by the audits' rule, the proposal checked, signing all or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audits import scoring
from portal.audits.scheduling import schedule_audit
from portal.audits.services import AuditError
from portal.contracts import services as contracts
from portal.demo.prospects import FAILING, PASSING, answer_all
from portal.extensions import db
from portal.models import (
    ActivityEntry,
    ContractKind,
    Dealer,
    DealerKind,
    DealerStatus,
    Notification,
    ProspectAction,
    ProspectStatus,
    Store,
    StoreFormat,
    StoreStatus,
)
from portal.prospects import screening, services, signing
from portal.standards import services as standards
from tests.prospects.conftest import DEALER_CODE, advance, new_prospect
from tests.support.factories import make_dealer


def test_a_prospect_goes_from_lead_to_signed_dealer_with_every_step_logged(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.APPROVED)
    supervisor = world.people["supervisor_a"]

    dealer = signing.sign(prospect, actor=supervisor, comment="Contract signed.")
    db.session.commit()

    assert prospect.status == ProspectStatus.SIGNED
    assert prospect.dealer_id == dealer.id
    assert (dealer.code, dealer.name, dealer.status, dealer.kind) == (
        DEALER_CODE,
        "Prospect Papa",
        DealerStatus.ACTIVE,
        DealerKind.FRANCHISEE,
    )
    assert (dealer.region_id, dealer.contact_person, dealer.city) == (
        world.region_a.id,
        "Pia Papa",
        "Dalian",
    )
    assert (dealer.contract_start, dealer.contract_end) == (date(2101, 1, 1), date(2106, 1, 1))
    contract = contracts.active_contract(dealer)
    assert (contract.number, contract.kind, contract.starts_on, contract.ends_on) == (
        f"{DEALER_CODE}-2101",
        ContractKind.FRANCHISE,
        date(2101, 1, 1),
        date(2106, 1, 1),
    )
    assert contract.terms == "Five years; entry fee waived; renewal by mutual agreement."
    stores = db.session.scalars(
        select(Store).where(Store.dealer_id == dealer.id).order_by(Store.code)
    )
    assert [(s.code, s.status) for s in stores] == [
        (f"{DEALER_CODE}-01", StoreStatus.OPEN),
        (f"{DEALER_CODE}-02", StoreStatus.PLANNED),
    ]
    steps = [(t.action, t.from_status, t.to_status) for t in prospect.transitions]
    assert [action for action, _, _ in steps] == [
        ProspectAction.CREATE,
        ProspectAction.CONTACT,
        ProspectAction.SCREEN,
        ProspectAction.VISIT,
        ProspectAction.PROPOSE,
        ProspectAction.APPROVE,
        ProspectAction.SIGN,
    ]
    assert all(t.at is not None and t.actor_id is not None for t in prospect.transitions)
    assert prospect.transitions[-1].comment == "Contract signed."
    logged = set(
        db.session.scalars(
            select(ActivityEntry.action).where(
                ActivityEntry.object_type == "prospect", ActivityEntry.object_id == prospect.id
            )
        )
    )
    assert {"prospect.create", "prospect.sign", "prospect.approve"} <= logged


@pytest.mark.parametrize(
    ("stage", "refused"),
    [
        (ProspectStatus.LEAD, ProspectAction.SCREEN),
        (ProspectStatus.LEAD, ProspectAction.PROPOSE),
        (ProspectStatus.CONTACTED, ProspectAction.VISIT),
        (ProspectStatus.SCREENING, ProspectAction.PROPOSE),
        (ProspectStatus.SITE_VISIT, ProspectAction.SIGN),
        (ProspectStatus.PROPOSAL, ProspectAction.SIGN),
    ],
)
def test_no_stage_can_be_skipped(world, checklist, stage, refused):
    prospect = advance(world, new_prospect(world), stage)
    supervisor = world.people["supervisor_a"]
    steps = {
        ProspectAction.SCREEN: lambda: screening.start(prospect, actor=supervisor),
        ProspectAction.VISIT: lambda: screening.finish_visit(
            prospect, actor=supervisor, comment="x"
        ),
        ProspectAction.PROPOSE: lambda: services.propose(prospect, actor=supervisor),
        ProspectAction.SIGN: lambda: signing.sign(prospect, actor=supervisor),
    }

    with pytest.raises(services.ProspectError):
        steps[refused]()

    db.session.rollback()
    assert prospect.status == stage
    assert db.session.scalar(select(func.count()).select_from(Dealer)) == 2  # X and Y only


def test_a_lost_prospect_needs_a_reason_and_stays_lost(world, checklist):
    prospect = new_prospect(world)
    supervisor = world.people["supervisor_a"]

    with pytest.raises(services.ProspectError, match="why"):
        services.lose(prospect, actor=supervisor, reason="   ")
    services.lose(prospect, actor=supervisor, reason="Chose a competitor's brand.")
    db.session.commit()

    assert prospect.status == ProspectStatus.LOST
    assert prospect.lost_reason == "Chose a competitor's brand."
    assert prospect.lost_at is not None
    with pytest.raises(services.ProspectError):
        services.contact(prospect, actor=supervisor)
    with pytest.raises(services.ProspectError):
        services.update_prospect(prospect, {"name": "Back again"}, actor=supervisor)


def test_screening_is_scored_by_the_audits_rule(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SCREENING)
    supervisor = world.people["supervisor_a"]
    assert screening.score_of(prospect) is None
    assert screening.screening_problems(prospect)

    answer_all(prospect, PASSING, supervisor)
    db.session.commit()

    items = [
        scoring.ScoredItem(a.item.code, a.item.weight, a.item.critical) for a in prospect.answers
    ]
    expected = scoring.score(PASSING, items, screening.grade_bands())
    assert prospect.screening_score == expected.percentage == Decimal("100.0")
    assert prospect.screening_passed is True
    assert screening.screening_problems(prospect) == []


def test_a_failed_critical_criterion_keeps_the_prospect_from_the_site_visit(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SCREENING)
    supervisor = world.people["supervisor_a"]

    answer_all(prospect, FAILING, supervisor)
    db.session.commit()

    assert prospect.screening_passed is False
    with pytest.raises(services.ProspectError, match="did not pass"):
        screening.finish_visit(prospect, actor=supervisor, comment="Visited anyway.")
    assert prospect.status == ProspectStatus.SCREENING


def test_a_critical_criterion_cannot_be_marked_not_applicable(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SCREENING)
    capital = next(a for a in prospect.answers if a.item.code == "CAP")

    with pytest.raises(services.ProspectError):
        screening.save_answers(
            prospect, {capital.item_id: ("na", "")}, actor=world.people["supervisor_a"]
        )


def test_the_screening_keeps_the_version_it_started_with(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SCREENING)
    admin = world.people["admin"]
    draft = standards.start_draft(checklist.standard, actor=admin)
    standards.publish(draft, notes="Second edition.", actor=admin)
    db.session.commit()

    assert screening.current_screening_version().id == draft.id
    assert prospect.standard_version_id == checklist.id
    assert {a.item.version_id for a in prospect.answers} == {checklist.id}


def test_a_screening_standard_cannot_be_used_for_an_audit(world, checklist):
    with pytest.raises(AuditError):
        schedule_audit(
            store=world.store_x,
            standard=checklist.standard,
            scheduled_for=date(2100, 1, 1),
            announced=True,
            actor=world.people["supervisor_a"],
            on=date(2099, 12, 1),
        )


def test_the_proposal_refuses_a_taken_code_and_a_contract_ending_before_it_starts(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SITE_VISIT)
    supervisor = world.people["supervisor_a"]
    proposal = services.Proposal(
        dealer_code="DX",  # dealer X's
        contract_start=None,
        contract_end=None,
        contract_terms="",
        note="",
        stores=[],
        targets={},
    )
    with pytest.raises(services.ProspectError, match="already used") as taken:
        services.save_proposal(prospect, proposal, actor=supervisor)
    assert taken.value.field == "dealer_code"

    backwards = services.Proposal("NEWE", date(2101, 1, 1), date(2100, 1, 1), "", "", [], {})
    with pytest.raises(services.ProspectError, match="end after"):
        services.save_proposal(prospect, backwards, actor=supervisor)


def test_a_proposal_sent_for_approval_tells_head_office(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.PROPOSAL)

    notices = db.session.scalars(
        select(Notification).where(Notification.kind == "prospect.proposed")
    ).all()

    assert [n.user_id for n in notices] == [world.people["admin"].id]
    assert notices[0].link == f"/prospects/{prospect.id}"


def test_an_incomplete_proposal_is_not_sent_for_approval(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SITE_VISIT)
    supervisor = world.people["supervisor_a"]
    services.save_proposal(
        prospect,
        services.Proposal(DEALER_CODE, date(2101, 1, 1), date(2106, 1, 1), "", "", [], {}),
        actor=supervisor,
    )

    with pytest.raises(services.ProspectError, match="store"):
        services.propose(prospect, actor=supervisor)
    assert prospect.status == ProspectStatus.SITE_VISIT


def test_signing_saves_nothing_when_the_dealer_cannot_be_created(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.APPROVED)
    # Since the approval, someone registered a dealer under the proposed code.
    make_dealer(world.region_b, code=DEALER_CODE, name="Early Bird")
    db.session.commit()
    stores_before = db.session.scalar(select(func.count()).select_from(Store))

    with pytest.raises(services.ProspectError):
        signing.sign(prospect, actor=world.people["supervisor_a"])
    db.session.rollback()

    assert prospect.status == ProspectStatus.APPROVED
    assert prospect.dealer_id is None
    assert db.session.scalar(select(func.count()).select_from(Store)) == stores_before


def test_the_details_head_office_decides_on_cannot_be_changed(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.APPROVED)

    with pytest.raises(services.ProspectError, match="head office"):
        services.update_prospect(
            prospect, {"name": "Someone Else", "kind": "dealer"}, actor=world.people["admin"]
        )
    db.session.rollback()
    db.session.refresh(prospect)
    assert (prospect.name, prospect.kind.value) == ("Prospect Papa", "franchisee")


def test_a_proposal_with_too_many_stores_or_lines_is_refused_and_nothing_saved(world, checklist):
    prospect = advance(world, new_prospect(world), ProspectStatus.SITE_VISIT)
    supervisor = world.people["supervisor_a"]
    before = (prospect.dealer_code, [store.name for store in prospect.stores])
    stores = [
        services.PlannedStore(name=f"Store {n}", format=StoreFormat.COUNTER) for n in range(7)
    ]
    crowded = services.Proposal("NEWC", None, None, "", "", stores, {})
    with pytest.raises(services.ProspectError, match="at most 6 stores") as refused:
        services.save_proposal(prospect, crowded, actor=supervisor)
    assert refused.value.field == "stores"

    lines = dict.fromkeys(range(1, 200), (0, 0))
    endless = services.Proposal("NEWC", None, None, "", "", stores[:1], lines)
    with pytest.raises(services.ProspectError, match="product lines"):
        services.save_proposal(prospect, endless, actor=supervisor)
    db.session.rollback()
    db.session.refresh(prospect)
    assert (prospect.dealer_code, [store.name for store in prospect.stores]) == before


def test_a_dealer_code_another_proposal_took_meanwhile_is_a_form_error(
    world, checklist, monkeypatch
):
    advance(world, new_prospect(world), ProspectStatus.SITE_VISIT, code="RACE")
    prospect = advance(world, new_prospect(world, name="Quinn"), ProspectStatus.SITE_VISIT)
    real, calls = services._dealer_code_problem, []

    def racing(*args):  # the other proposal took the code after this request's check (R3)
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(services, "_dealer_code_problem", racing)
    proposal = services.Proposal("RACE", None, None, "", "", [], {})

    with pytest.raises(services.ProspectError, match="Another prospect") as refused:
        services.save_proposal(prospect, proposal, actor=world.people["supervisor_a"])

    assert refused.value.field == "dealer_code"
    db.session.rollback()
    db.session.refresh(prospect)
    assert prospect.dealer_code == DEALER_CODE
