"""Registry changes. Each function validates what forms cannot, flushes, logs, never commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import activity
from portal.database import insert_unique
from portal.extensions import db
from portal.models import Contract, ContractStatus, Dealer, ProductLine, Region, Store

T = TypeVar("T", Region, Dealer, Store, ProductLine)

DEALER_FIELDS = (
    "code",
    "name",
    "kind",
    "status",
    "region_id",
    "contact_person",
    "phone",
    "email",
    "address",
    "city",
    "city_alias",
    "contract_start",
    "contract_end",
)
DEALER_CONTACT_FIELDS = ("contact_person", "phone", "email", "address", "city", "city_alias")
STORE_FIELDS = (
    "code",
    "name",
    "dealer_id",
    "address",
    "city",
    "city_alias",
    "format",
    "opened_on",
    "status",
)
REGION_FIELDS = ("code", "name")
PRODUCT_LINE_FIELDS = ("code", "name", "name_zh", "sort_order")


class RegistryError(ValueError):
    """A change the registry refuses; `field` names the form field to show it on."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def _pick(values: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Only the named fields: anything else a client posts is ignored (check S5)."""
    return {name: values[name] for name in allowed if name in values}


def _check_code_free(model: type[T], code: str, current: T | None) -> None:
    existing = db.session.scalar(select(model).where(model.code == code))
    if existing is not None and existing is not current:
        raise RegistryError("code", _l("This code is already used."))


def _check_region(region_id: int) -> Region:
    region = db.session.get(Region, region_id)
    if region is None:
        raise RegistryError("region_id", _l("Choose a region."))
    if not region.active:
        raise RegistryError("region_id", _l("This region is deactivated."))
    return region


def _check_dealer(dealer_id: int) -> Dealer:
    dealer = db.session.get(Dealer, dealer_id)
    if dealer is None:
        raise RegistryError("dealer_id", _l("Choose a dealer."))
    return dealer


def _create(model: type[T], values: dict[str, Any]) -> T:
    record = model(**values)
    insert_unique(record, lambda: _check_code_free(model, values["code"], None))
    activity.record(f"{activity.object_type_of(record)}.create", record, details={"values": values})
    return record


def _update(record: T, values: dict[str, Any], action: str = "update") -> dict[str, list[Any]]:
    changed = activity.apply_changes(record, values)
    if changed:
        db.session.flush()
        activity.record(f"{activity.object_type_of(record)}.{action}", record, details=changed)
    return changed


def set_active(record: T, active: bool) -> None:
    """Deactivate (hide from choices, keep history) or reactivate a registry record."""
    _update(record, {"active": active}, "activate" if active else "deactivate")


# Regions


def create_region(values: Mapping[str, Any]) -> Region:
    values = _pick(values, REGION_FIELDS)
    _check_code_free(Region, values["code"], None)
    return _create(Region, values)


def update_region(region: Region, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    values = _pick(values, REGION_FIELDS)
    _check_code_free(Region, values["code"], region)
    return _update(region, values)


# Dealers


def create_dealer(values: Mapping[str, Any]) -> Dealer:
    values = _pick(values, DEALER_FIELDS)
    _check_code_free(Dealer, values["code"], None)
    _check_region(values["region_id"])
    return _create(Dealer, values)


def update_dealer(dealer: Dealer, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """An admin's edit of the whole profile (a region change is a move, logged as such)."""
    values = _pick(values, DEALER_FIELDS)
    _check_code_free(Dealer, values["code"], dealer)
    _check_contract_dates(dealer, values)
    region_id = values.pop("region_id", dealer.region_id)
    changed = move_dealer(dealer, region_id) if region_id != dealer.region_id else {}
    return {**changed, **_update(dealer, values)}


def _check_contract_dates(dealer: Dealer, values: Mapping[str, Any]) -> None:
    """A dealer with a contract in force takes its contract dates from it (kept by
    portal.contracts): an edit may post them unchanged, never change them."""
    in_force = db.session.execute(
        select(Contract.starts_on, Contract.ends_on).where(
            Contract.dealer_id == dealer.id, Contract.status == ContractStatus.ACTIVE
        )
    ).first()
    if in_force is None:
        return  # recorded before contracts were: the dates are the registry's own
    for name, kept in zip(("contract_start", "contract_end"), in_force, strict=True):
        changed = name in values and values[name] != getattr(dealer, name)
        if changed and values[name] != kept:
            raise RegistryError(
                name,
                _l(
                    "The contract in force sets this date. To change it, renew the contract "
                    "on the dealer's contracts page."
                ),
            )


def update_dealer_contact(dealer: Dealer, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A supervisor's edit: contact details only, whatever else was posted."""
    return _update(dealer, _pick(values, DEALER_CONTACT_FIELDS), "update_contact")


def move_dealer(dealer: Dealer, region_id: int) -> dict[str, list[Any]]:
    _check_region(region_id)
    return _update(dealer, {"region_id": region_id}, "move")


# Stores


def create_store(values: Mapping[str, Any]) -> Store:
    values = _pick(values, STORE_FIELDS)
    _check_code_free(Store, values["code"], None)
    _check_dealer(values["dealer_id"])
    return _create(Store, values)


def update_store(store: Store, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    values = _pick(values, STORE_FIELDS)
    _check_code_free(Store, values["code"], store)
    if values.get("dealer_id", store.dealer_id) != store.dealer_id:
        _check_dealer(values["dealer_id"])
    return _update(store, values)


# Product lines


def create_product_line(values: Mapping[str, Any]) -> ProductLine:
    values = _pick(values, PRODUCT_LINE_FIELDS)
    values["sort_order"] = values.get("sort_order") or 0
    _check_code_free(ProductLine, values["code"], None)
    return _create(ProductLine, values)


def update_product_line(line: ProductLine, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    values = _pick(values, PRODUCT_LINE_FIELDS)
    values["sort_order"] = values.get("sort_order") or 0
    _check_code_free(ProductLine, values["code"], line)
    return _update(line, values)


def region_choices(*, include: int | None = None) -> list[tuple[int, str]]:
    """Active regions for a select (plus the current one, even if deactivated)."""
    regions = db.session.scalars(select(Region).order_by(Region.name))
    return [(r.id, r.name) for r in regions if r.active or r.id == include]


def dealer_choices(*, include: int | None = None) -> list[tuple[int, str]]:
    dealers = db.session.execute(
        select(Dealer.id, Dealer.code, Dealer.name, Dealer.active).order_by(Dealer.code)
    )
    return [(d.id, f"{d.code} {d.name}") for d in dealers if d.active or d.id == include]
