"""Canary markers for audits in progress: each dealer's marker in the notes of its open audits'
answers, which the offline bundle and the conduct page's offline copy carry (S3: the sweep must
never show them outside the dealer's scope)."""

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Audit, AuditAnswer, AuditStatus, Dealer
from tests.security.canary import marker_seeder


@marker_seeder("open_audit_answers")
def _open_answer_notes(dealer: Dealer, marker: str) -> None:
    # Completed audits' answers are frozen; the open ones are what a phone downloads.
    open_audits = select(Audit.id).where(
        Audit.dealer_id == dealer.id, Audit.status == AuditStatus.IN_PROGRESS
    )
    db.session.execute(
        update(AuditAnswer)
        .where(AuditAnswer.audit_id.in_(open_audits.scalar_subquery()))
        .values(note=AuditAnswer.note + f" {marker}")
        .execution_options(synchronize_session=False)
    )
