"""Contracts and documents services: a recorded contract is copied onto its dealer, a renewal
goes proposed → approved → signed and keeps the old contract in the history, a rejected
document needs a reason, a stale review is refused, and a required document missing or
expired marks the dealer's health down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.contracts import services
from portal.extensions import db
from portal.metrics import contracts as metrics
from portal.metrics import health as health_metrics
from portal.metrics import home_rows, upkeep
from portal.models import (
    ContractAction,
    ContractKind,
    ContractStatus,
    DealerFigures,
    DealerKind,
    DocumentStatus,
    Notification,
)
from tests.contracts.conftest import contract, document, pdf_upload


def test_a_recorded_contract_is_copied_onto_its_dealer(world):
    admin = world.people["admin"]
    recorded = contract(world.dealer_x, admin, ends_in=45)
    db.session.commit()
    assert recorded.status == ContractStatus.ACTIVE
    assert (world.dealer_x.contract_start, world.dealer_x.contract_end) == (
        recorded.starts_on,
        recorded.ends_on,
    )
    assert [t.action for t in recorded.transitions] == [ContractAction.CREATE]


def test_a_second_contract_in_force_is_refused(world):
    admin = world.people["admin"]
    contract(world.dealer_x, admin)
    with pytest.raises(services.ContractError):
        contract(world.dealer_x, admin, number="C-2")


def test_a_contract_ending_before_it_starts_is_refused_on_its_field(world):
    today = clock.today()
    with pytest.raises(services.ContractError) as refused:
        services.create_contract(
            world.dealer_x,
            number="C-9",
            kind=ContractKind.DEALERSHIP,
            starts_on=today,
            ends_on=today - timedelta(days=1),
            actor=world.people["admin"],
        )
    assert refused.value.field == "ends_on"


def _renew(world, old, number="C-2"):
    return services.propose_renewal(
        old,
        number=number,
        starts_on=old.ends_on + timedelta(days=1),
        ends_on=old.ends_on + timedelta(days=3 * 365),
        terms="Three more years, targets up 8 % a year.",
        actor=world.people["supervisor_a"],
    )


def test_the_renewal_workflow_keeps_the_old_contract_in_the_history(world):
    admin, supervisor = world.people["admin"], world.people["supervisor_a"]
    old = contract(world.dealer_x, admin, ends_in=20)
    renewal = _renew(world, old)
    db.session.commit()
    assert renewal.status == ContractStatus.PROPOSED
    assert world.dealer_x.contract_end == old.ends_on  # nothing changes before signing
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "contract.proposed")
    )
    assert list(told) == [admin.id]

    services.decide_renewal(renewal, approve=True, comment="", version=renewal.version, actor=admin)
    db.session.commit()
    assert renewal.status == ContractStatus.APPROVED
    services.sign_renewal(
        renewal, document=pdf_upload("signed.pdf"), version=renewal.version, actor=supervisor
    )
    db.session.commit()

    assert renewal.status == ContractStatus.ACTIVE
    assert renewal.document is not None
    assert renewal.document.filename == "signed.pdf"
    assert old.status == ContractStatus.SUPERSEDED  # kept, not replaced
    assert services.history(renewal) == [renewal, old]
    assert world.dealer_x.contract_end == renewal.ends_on
    assert [t.action for t in renewal.transitions] == [
        ContractAction.PROPOSE,
        ContractAction.APPROVE,
        ContractAction.SIGN,
    ]
    assert [t.action for t in old.transitions][-1] == ContractAction.SUPERSEDE


def test_a_declined_renewal_needs_a_reason_and_changes_nothing(world):
    admin = world.people["admin"]
    old = contract(world.dealer_x, admin)
    renewal = _renew(world, old)
    with pytest.raises(services.ContractError) as refused:
        services.decide_renewal(
            renewal, approve=False, comment="  ", version=renewal.version, actor=admin
        )
    assert refused.value.field == "comment"
    services.decide_renewal(
        renewal, approve=False, comment="Targets too low.", version=renewal.version, actor=admin
    )
    assert renewal.status == ContractStatus.DECLINED
    assert renewal.transitions[-1].comment == "Targets too low."
    assert old.status == ContractStatus.ACTIVE


def test_one_renewal_at_a_time(world):
    old = contract(world.dealer_x, world.people["admin"])
    first = _renew(world, old)
    with pytest.raises(services.ContractExists) as exists:
        _renew(world, old, number="C-3")
    assert exists.value.record is first


def test_a_renewal_cannot_be_signed_before_approval(world):
    old = contract(world.dealer_x, world.people["admin"])
    renewal = _renew(world, old)
    with pytest.raises(services.ContractError):
        services.sign_renewal(
            renewal,
            document=pdf_upload(),
            version=renewal.version,
            actor=world.people["supervisor_a"],
        )
    assert old.status == ContractStatus.ACTIVE


def test_a_rejected_document_needs_a_reason(world, kinds):
    submitted = document(world.dealer_x, kinds["BIZ"], world.people["dealer_x"])
    reviewer = world.people["supervisor_a"]
    with pytest.raises(services.ContractError) as refused:
        services.review_document(
            submitted, accept=False, reason=" ", version=submitted.version, actor=reviewer
        )
    assert refused.value.field == "reason"
    assert submitted.status == DocumentStatus.SUBMITTED
    services.review_document(
        submitted, accept=False, reason="Blurred scan", version=submitted.version, actor=reviewer
    )
    assert (submitted.status, submitted.reason) == (DocumentStatus.REJECTED, "Blurred scan")
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "document.rejected")
    ).all()
    assert [n.user_id for n in told] == [world.people["dealer_x"].id]
    assert told[0].params["reason"] == "Blurred scan"


def test_a_stale_review_is_refused(world, kinds):
    submitted = document(world.dealer_x, kinds["BIZ"], world.people["dealer_x"])
    db.session.commit()
    seen = submitted.version
    services.review_document(
        submitted, accept=True, reason="", version=seen, actor=world.people["admin"]
    )
    db.session.commit()
    with pytest.raises(services.ContractError) as refused:
        services.review_document(
            submitted, accept=False, reason="No", version=seen, actor=world.people["supervisor_a"]
        )
    assert refused.value.field == "version"
    assert submitted.status == DocumentStatus.ACCEPTED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issued_in": 1}, "issued_on"),  # issued in the future
        ({"expires_in": -200}, "expires_on"),  # expires before it was issued
        ({"no_expiry": True}, "expires_on"),  # its kind has an expiry date
    ],
)
def test_a_document_with_wrong_dates_is_refused_on_its_field(world, kinds, change, field):
    today = clock.today()
    with pytest.raises(services.ContractError) as refused:
        services.submit_document(
            world.dealer_x,
            kind=kinds["BIZ"],
            number="X",
            issued_on=today + timedelta(days=change.get("issued_in", -100)),
            expires_on=None
            if change.get("no_expiry")
            else today + timedelta(days=change.get("expires_in", 300)),
            file=pdf_upload(),
            actor=world.people["dealer_x"],
        )
    assert refused.value.field == field


def test_a_file_that_is_no_pdf_or_image_is_refused(world, kinds):
    import io

    from werkzeug.datastructures import FileStorage

    fake = FileStorage(io.BytesIO(b"MZ not a pdf"), filename="licence.pdf")
    with pytest.raises(services.ContractError) as refused:
        services.submit_document(
            world.dealer_x,
            kind=kinds["BIZ"],
            number="X",
            issued_on=clock.today(),
            expires_on=clock.today() + timedelta(days=30),
            file=fake,
            actor=world.people["dealer_x"],
        )
    assert refused.value.field == "file"


def _missing(dealer) -> list[int]:
    ids = select(type(dealer).id).where(type(dealer).id == dealer.id)
    return metrics.missing_documents(ids, clock.today()).get(dealer.id, [])


def test_a_required_document_counts_once_accepted_and_until_it_expires(world, kinds):
    biz = kinds["BIZ"]
    assert _missing(world.dealer_x) == [biz.id]
    submitted = document(
        world.dealer_x,
        biz,
        world.people["dealer_x"],
        expires_on=clock.today() + timedelta(days=10),
    )
    assert _missing(world.dealer_x) == [biz.id]  # not reviewed yet
    services.review_document(
        submitted, accept=True, reason="", version=submitted.version, actor=world.people["admin"]
    )
    assert _missing(world.dealer_x) == []
    later = clock.today() + timedelta(days=11)
    ids = select(type(world.dealer_x).id).where(type(world.dealer_x).id == world.dealer_x.id)
    assert metrics.missing_documents(ids, later) == {world.dealer_x.id: [biz.id]}


def test_the_health_score_flags_a_missing_required_document(world):
    db.session.commit()
    row = db.session.get(DealerFigures, world.dealer_x.id)
    assert row.facts["documents"] == {"missing": 0}  # nothing is required yet
    kind = services.save_document_kind(
        None,
        code="biz",
        name="Business licence",
        name_zh="",
        expires=True,
        active=True,
        required_for=[DealerKind.DEALER],
        version=None,
        actor=world.people["admin"],
    )
    db.session.commit()
    upkeep.refresh_stale(clock.today())  # the queue's refresh: the requirement changed
    db.session.refresh(row)
    assert row.facts["documents"] == {"missing": 1}
    assert any(
        p.key == "missing_documents" for p in home_rows.health_of(row, clock.today()).penalties
    )
    submitted = document(world.dealer_x, kind, world.people["dealer_x"])
    services.review_document(
        submitted, accept=True, reason="", version=submitted.version, actor=world.people["admin"]
    )
    db.session.commit()  # the touched dealer's figures are recomputed before the commit
    db.session.refresh(row)
    assert row.facts["documents"] == {"missing": 0}


def test_the_document_penalty_is_its_own_part_of_the_health_score():
    taken = health_metrics._document_penalty(health_metrics.DEFAULT_PENALTIES, 2)
    assert [(p.key, p.points) for p in taken] == [("missing_documents", 10)]
    capped = health_metrics._document_penalty(health_metrics.DEFAULT_PENALTIES, 9)
    assert capped[0].points == health_metrics.DEFAULT_PENALTIES["missing_documents_max"]
    assert health_metrics._document_penalty(health_metrics.DEFAULT_PENALTIES, 0) == ()


def test_stages_of_an_end_date():
    today = clock.today()
    stage = lambda days: metrics.stage(today + timedelta(days=days), today=today)  # noqa: E731
    assert [stage(d) for d in (-1, 0, 7, 8, 30, 31, 90, 91)] == [
        metrics.EXPIRED,
        metrics.D7,
        metrics.D7,
        metrics.D30,
        metrics.D30,
        metrics.D90,
        metrics.D90,
        None,
    ]


def _first_check_misses(monkeypatch, module, name, missed):
    """The pre-check answers `missed` once, as when another request takes the key between a
    request's check and its INSERT (R3); every later check reads the database."""
    real, calls = getattr(module, name), []

    def racing(*args):
        calls.append(args)
        return missed if len(calls) == 1 else real(*args)

    monkeypatch.setattr(module, name, racing)
    return calls


def test_a_contract_number_taken_meanwhile_is_a_form_error(world, monkeypatch):
    contract(world.dealer_y, world.people["admin"], number="C-9")
    db.session.commit()
    calls = _first_check_misses(monkeypatch, services, "_number_taken", False)

    with pytest.raises(services.ContractError, match="Another contract") as refused:
        contract(world.dealer_x, world.people["admin"], number="C-9")

    assert refused.value.field == "number"
    assert len(calls) == 2
    db.session.rollback()
    old = contract(world.dealer_x, world.people["admin"], number="C-1")
    db.session.commit()
    calls.clear()  # the renewal's pre-check misses too
    with pytest.raises(services.ContractError, match="Another contract"):
        _renew(world, old, number="C-9")
    assert len(calls) == 2


def test_a_document_kind_code_taken_meanwhile_is_a_form_error(world, kinds, monkeypatch):
    _first_check_misses(monkeypatch, services, "_kind_with_code", None)

    with pytest.raises(services.ContractError, match="Another kind") as refused:
        services.save_document_kind(
            None,
            code="biz",
            name="Another business licence",
            name_zh="",
            expires=True,
            active=True,
            required_for=[],
            version=None,
            actor=world.people["admin"],
        )

    assert refused.value.field == "code"
