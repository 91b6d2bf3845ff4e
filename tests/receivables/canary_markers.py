"""Canary markers for receivables: each dealer's marker in its invoice numbers, its credit
hold's reason and its collection contacts' notes (S3: the sweep must never show them outside
the dealer's scope: statements, aging, collections, home pages)."""

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import CollectionContact, CollectionTask, Dealer, DealerCredit, Invoice
from tests.security.canary import marker_seeder


@marker_seeder("receivables")
def _receivable_fields(dealer: Dealer, marker: str) -> None:
    db.session.execute(
        update(Invoice)
        .where(Invoice.dealer_id == dealer.id)
        .values(number=marker + "-" + db.cast(Invoice.id, db.String))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(DealerCredit)
        .where(DealerCredit.dealer_id == dealer.id)
        .values(hold_reason=marker)
        .execution_options(synchronize_session=False)
    )
    tasks = select(CollectionTask.id).where(CollectionTask.dealer_id == dealer.id)
    db.session.execute(
        update(CollectionContact)
        .where(CollectionContact.task_id.in_(tasks.scalar_subquery()))
        .values(note=CollectionContact.note + f" {marker}")
        .execution_options(synchronize_session=False)
    )
