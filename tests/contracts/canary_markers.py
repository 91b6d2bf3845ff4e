"""Canary markers for contracts and qualifications: each dealer's marker in its contracts'
numbers and terms and its documents' numbers and rejection reasons (S3: the sweep must never
show them outside the dealer's scope: contracts pages, documents, home pages, the overview,
the dealer file)."""

from sqlalchemy import update

from portal.extensions import db
from portal.models import Contract, Dealer, QualificationDocument
from tests.security.canary import marker_seeder


@marker_seeder("contracts")
def _contract_fields(dealer: Dealer, marker: str) -> None:
    db.session.execute(
        update(Contract)
        .where(Contract.dealer_id == dealer.id)
        .values(number=marker + "-" + db.cast(Contract.id, db.String), terms=f"Terms {marker}")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(QualificationDocument)
        .where(QualificationDocument.dealer_id == dealer.id)
        .values(
            number=marker + "-" + db.cast(QualificationDocument.id, db.String),
            reason=QualificationDocument.reason + f" {marker}",
        )
        .execution_options(synchronize_session=False)
    )
