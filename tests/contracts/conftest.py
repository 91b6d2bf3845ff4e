"""Contracts tests: the shared two-region world, document kinds, and helpers that record a
contract and submit a document (with a real PDF through the upload checks)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.contracts import services
from portal.extensions import db
from portal.models import (
    Contract,
    ContractKind,
    Dealer,
    DealerKind,
    DocumentKind,
    DocumentRequirement,
    QualificationDocument,
    User,
)
from tests.support.uploads import pdf
from tests.support.world import World, world  # noqa: F401  (the fixture)

LONG_SESSIONS = {
    "SESSION_IDLE_TIMEOUT": 90 * 24 * 3600,
    "SESSION_ABSOLUTE_TIMEOUT": 90 * 24 * 3600,
}


def pdf_upload(name: str = "licence.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(pdf()), filename=name, content_type="application/pdf")


def make_kind(code: str, *, required_for=(DealerKind.DEALER,), expires: bool = True):
    kind = DocumentKind(
        code=code,
        name=f"{code.title()} licence",
        expires=expires,
        requirements=[DocumentRequirement(dealer_kind=k) for k in required_for],
    )
    db.session.add(kind)
    db.session.flush()
    return kind


@pytest.fixture
def kinds(world: World) -> dict[str, DocumentKind]:  # noqa: F811
    """A business licence required of dealers (the world's two are dealers), and an alcohol
    licence required of nobody."""
    found = {"BIZ": make_kind("BIZ"), "ALC": make_kind("ALC", required_for=())}
    db.session.commit()
    return found


def contract(
    dealer: Dealer, actor: User, *, number: str = "C-1", ends_in: int = 400, years: int = 3
) -> Contract:
    end = clock.today() + timedelta(days=ends_in)
    return services.create_contract(
        dealer,
        number=number,
        kind=ContractKind.DEALERSHIP,
        starts_on=end - timedelta(days=365 * years),
        ends_on=end,
        terms="Five more years on request.",
        actor=actor,
    )


def document(
    dealer: Dealer,
    kind: DocumentKind,
    actor: User,
    *,
    expires_on: date | None = None,
    issued_on: date | None = None,
    number: str = "LIC-1",
) -> QualificationDocument:
    today = clock.today()
    return services.submit_document(
        dealer,
        kind=kind,
        number=number,
        issued_on=issued_on or today - timedelta(days=100),
        expires_on=expires_on if expires_on is not None else today + timedelta(days=700),
        file=pdf_upload(),
        actor=actor,
    )


@pytest.fixture
def signed(app, world: World):  # noqa: F811  (the fixture imported above)
    """`signed("dealer_x")`: a client signed in as one of the world's people (made once)."""
    from tests.support.clients import signed_in_client

    made = {}

    def client(role: str):
        if role not in made:
            made[role] = signed_in_client(app, world.people[role])
        return made[role]

    return client
