"""Issuing dealer files: fingerprint, render once, archive with SHA-256, reuse when unchanged.

A file is issued in three steps so a region export can render several at once:
`prepare()` (database and HTML, in a thread with an app context), `render()` (WeasyPrint in
a limited child process through portal/pdf.py, no database) and `store()` (bytes to storage,
one DealerFile row). `issue()` runs the three in a row for one dealer.

The fingerprint hashes, for every table the file shows, how many of the dealer's rows there
are and when the newest changed, plus the date, language and layout. When it matches an
earlier issue, that archived file is handed out again instead of rendering a new one. To
show a new table in the file, add a `Source` to `SOURCES` (e.g. assessments).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select

from portal import clock, notifications, pdf, storage
from portal.access.notices import reaches
from portal.dossiers import services
from portal.extensions import db
from portal.models import (
    AllocationLine,
    Assessment,
    Audit,
    Complaint,
    Contract,
    CorrectiveAction,
    Dealer,
    DealerCredit,
    DealerFile,
    Invoice,
    Notice,
    NoticeExecution,
    NoticeReceipt,
    Payment,
    QualificationDocument,
    Region,
    SalesPlan,
    Store,
    StoreReport,
    TargetAllocation,
    User,
)
from portal.models.base import utcnow

LAYOUT = "dossier-6"  # bump when the template changes what a file shows
TEMPLATE = "pdf/dealer_file.html"

notifications.register_kind(
    "dealer_file.issued", _l("A new dealer file of %(dealer)s was issued: %(document)s.")
)


@dataclass(frozen=True)
class Source:
    """One table the file shows: a query of (row count, newest change) for a dealer."""

    name: str
    query: Callable[[int], Select[Any]]


def by_dealer(model: Any, dealer_column: Any, stamp: Any) -> Callable[[int], Select[Any]]:
    """The usual source: rows with `dealer_column == dealer id`, newest `stamp`."""
    return lambda dealer_id: (
        select(func.count(), func.max(stamp)).select_from(model).where(dealer_column == dealer_id)
    )


def _region(dealer_id: int) -> Select[Any]:
    return (
        select(func.count(), func.max(Region.updated_at))
        .select_from(Region)
        .join(Dealer, Dealer.region_id == Region.id)
        .where(Dealer.id == dealer_id)
    )


def _allocations(dealer_id: int) -> Select[Any]:
    """The dealer's allocation lines, and when an allocation holding them last changed (a
    save, a move or a decision stamps the allocation)."""
    return (
        select(func.count(), func.max(TargetAllocation.updated_at))
        .select_from(AllocationLine)
        .join(TargetAllocation, TargetAllocation.id == AllocationLine.allocation_id)
        .where(AllocationLine.dealer_id == dealer_id)
    )


def _notices(dealer_id: int) -> Select[Any]:
    return (
        select(func.count(), func.max(Notice.updated_at))
        .select_from(Notice)
        .join(Dealer, reaches())
        .where(Dealer.id == dealer_id)
    )


SOURCES: list[Source] = [
    Source("dealer", by_dealer(Dealer, Dealer.id, Dealer.updated_at)),
    Source("region", _region),
    Source("stores", by_dealer(Store, Store.dealer_id, Store.updated_at)),
    Source("plans", by_dealer(SalesPlan, SalesPlan.dealer_id, SalesPlan.updated_at)),
    Source("reports", by_dealer(StoreReport, StoreReport.dealer_id, StoreReport.updated_at)),
    Source("audits", by_dealer(Audit, Audit.dealer_id, Audit.updated_at)),
    Source("assessments", by_dealer(Assessment, Assessment.dealer_id, Assessment.updated_at)),
    Source(
        "actions",
        by_dealer(CorrectiveAction, CorrectiveAction.dealer_id, CorrectiveAction.updated_at),
    ),
    Source("complaints", by_dealer(Complaint, Complaint.dealer_id, Complaint.updated_at)),
    Source("allocations", _allocations),
    Source("invoices", by_dealer(Invoice, Invoice.dealer_id, Invoice.updated_at)),
    Source("payments", by_dealer(Payment, Payment.dealer_id, Payment.created_at)),
    Source("credit", by_dealer(DealerCredit, DealerCredit.dealer_id, DealerCredit.updated_at)),
    Source("contracts", by_dealer(Contract, Contract.dealer_id, Contract.updated_at)),
    Source(
        "documents",
        by_dealer(
            QualificationDocument, QualificationDocument.dealer_id, QualificationDocument.updated_at
        ),
    ),
    Source("notices", _notices),
    Source(
        "receipts",
        by_dealer(NoticeReceipt, NoticeReceipt.dealer_id, NoticeReceipt.acknowledged_at),
    ),
    Source(
        "executions",
        by_dealer(NoticeExecution, NoticeExecution.dealer_id, NoticeExecution.reported_at),
    ),
]


def register_source(source: Source) -> None:
    """Make the fingerprint (hence reuse) notice changes in one more table."""
    if all(existing.name != source.name for existing in SOURCES):
        SOURCES.append(source)


def fingerprint(dealer_id: int, *, on: date, locale: str) -> str:
    """A hash that changes whenever anything the dealer's file shows changes (one query)."""
    columns: list[ColumnElement[Any]] = []
    for source in SOURCES:
        query = source.query(dealer_id).subquery()
        first, second = list(query.c)
        columns += [select(first).scalar_subquery(), select(second).scalar_subquery()]
    row = db.session.execute(select(*columns)).one()
    stamps = {
        source.name: [row[2 * index], _text(row[2 * index + 1])]
        for index, source in enumerate(SOURCES)
    }
    payload = {"layout": LAYOUT, "on": on.isoformat(), "locale": locale, "data": stamps}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    return str(value)


def current_locale() -> str:
    return str(get_locale() or "en")


def reusable(dealer_id: int, fingerprint_: str) -> DealerFile | None:
    return db.session.scalar(
        select(DealerFile)
        .where(DealerFile.dealer_id == dealer_id, DealerFile.fingerprint == fingerprint_)
        .order_by(DealerFile.issued_at.desc(), DealerFile.id.desc())
        .limit(1)
    )


@dataclass
class Pending:
    """A dealer file ready to render (or an earlier identical one to hand out again)."""

    dealer_id: int
    fingerprint: str
    locale: str
    document_id: str = ""
    issued_at: datetime | None = None
    html: str = ""
    reused: DealerFile | None = None


def document_id_for(dealer: Dealer, when: datetime) -> str:
    return f"DF-{dealer.code}-{when:%Y%m%d}-{secrets.token_hex(3).upper()}"


def prepare(dealer: Dealer, *, issuer: User | None, on: date | None = None) -> Pending:
    """Fingerprint the dealer's data; build the HTML unless an identical file exists."""
    on = on or clock.today()
    locale = current_locale()
    print_ = fingerprint(dealer.id, on=on, locale=locale)
    earlier = reusable(dealer.id, print_)
    if earlier is not None:
        return Pending(dealer.id, print_, locale, reused=earlier)
    issued_at = utcnow()
    document_id = document_id_for(dealer, issued_at)
    context = services.dossier(dealer, on=on).as_context()
    context["issue"] = {
        "document_id": document_id,
        "issued_at": issued_at,
        "issuer": issuer.name if issuer is not None else _("the command line"),
    }
    context["page_label"] = services.page_label_css()
    html = pdf.prepare_html(TEMPLATE, context)
    return Pending(dealer.id, print_, locale, document_id, issued_at, html)


def render(pending: Pending, limits: pdf.Limits) -> pdf.Rendered:
    """The PDF of a prepared file (no database: safe to run in another thread)."""
    return pdf.render_document(pending.html, attachments={}, limits=limits)


def store(pending: Pending, rendered: pdf.Rendered, *, issuer: User | None) -> DealerFile:
    """Keep the issued bytes and their hash; add the DealerFile row (flushed)."""
    if pending.issued_at is None:
        raise ValueError("a reused file is not stored again")
    key = f"{pending.issued_at:%Y/%m}/{secrets.token_hex(16)}.pdf"
    storage.backend().save(key, rendered.data)
    dealer_file = DealerFile(
        document_id=pending.document_id,
        dealer_id=pending.dealer_id,
        issued_by_id=issuer.id if issuer is not None else None,
        issued_at=pending.issued_at,
        fingerprint=pending.fingerprint,
        sha256=hashlib.sha256(rendered.data).hexdigest(),
        storage_key=key,
        size=len(rendered.data),
        pages=rendered.pages,
        locale=pending.locale,
    )
    db.session.add(dealer_file)
    db.session.flush()
    dealer = db.session.get(Dealer, pending.dealer_id)
    notifications.notify_dealer(
        pending.dealer_id,
        "dealer_file.issued",
        link=f"/dealer-files/{dealer_file.id}/download",
        dealer=str(dealer),
        document=dealer_file.document_id,
    )
    return dealer_file


def issue(
    dealer: Dealer, *, issuer: User | None, on: date | None = None
) -> tuple[DealerFile, bool]:
    """Issue the dealer's file (or reuse an identical one): (file, reused). Flushes."""
    pending = prepare(dealer, issuer=issuer, on=on)
    if pending.reused is not None:
        return pending.reused, True
    # Issued by a job or the CLI, never while a web request waits: the background limits.
    rendered = render(pending, pdf.Limits.from_config(background=True))
    return store(pending, rendered, issuer=issuer), False


def load(dealer_file: DealerFile) -> bytes:
    """The archived bytes, exactly as issued (checked against the recorded hash)."""
    data = storage.backend().load(storage.checked_key(dealer_file.storage_key))
    if hashlib.sha256(data).hexdigest() != dealer_file.sha256:
        raise RuntimeError(f"archived dealer file {dealer_file.id} does not match its hash")
    return data
