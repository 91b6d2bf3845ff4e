"""Registry writes over the API: create and change regions, dealers, stores, product lines.

Who may do what is the registry pages' rule: admins create and change everything; a
supervisor may change the contact details of a dealer in their regions and nothing else;
anything out of scope answers 404. The body is checked by the pages' own forms
(`portal.network.forms`, fed the JSON instead of a POST) and saved by the pages' services,
so codes, lengths, choices and the region and dealer checks are the pages' to the letter.

Updates are PATCH: fields left out keep their values. They need If-Match with the ETag
last read (428 without it, 412 when stale); the row is locked while it is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from typing import Any

import marshmallow as ma
from flask import abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from portal import access
from portal.access import admin_only, staff_only
from portal.api import bp
from portal.api.paging import etag_of, id_field, require_match
from portal.api.problems import ApiProblem, field_error
from portal.api.schemas import DealerSchema, ProductLineSchema, RegionSchema, StoreSchema, enum
from portal.api.spec import answers, one, statuses
from portal.extensions import db
from portal.models import (
    DealerKind,
    DealerStatus,
    ProductLine,
    Region,
    StoreFormat,
    StoreStatus,
)
from portal.network import forms, services

CREATE_ERRORS = statuses(400, 422)
UPDATE_ERRORS = statuses(400, 404, 412, 422, 428)
CONTACT_ONLY = _l("Supervisors may change a dealer's contact details only.")


def _printable(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_l("Remove the NUL character."))


def text(maximum: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(max=maximum), _printable], **kwargs)


def _schemas(name: str, attrs: Mapping[str, Callable[[], fields.Field]], required: set[str]):
    """(create schema, patch schema): the same fields, some required only on create."""
    create = {key: make(required=key in required) for key, make in attrs.items()}
    patch = {key: make() for key, make in attrs.items()}
    patch["active"] = fields.Boolean(metadata={"description": "false deactivates it"})
    return (
        type(f"{name}In", (ma.Schema,), create),
        type(f"{name}Patch", (ma.Schema,), patch),
    )


CONTACT = {
    "contact_person": lambda **kw: text(120, **kw),
    "phone": lambda **kw: text(40, **kw),
    "email": lambda **kw: text(254, **kw),
    "address": lambda **kw: text(300, **kw),
    "city": lambda **kw: text(120, **kw),
    "city_alias": lambda **kw: text(120, **kw),
}
RegionIn, RegionPatch = _schemas(
    "Region",
    {"code": lambda **kw: text(20, **kw), "name": lambda **kw: text(120, **kw)},
    {"code", "name"},
)
DealerIn, DealerPatch = _schemas(
    "Dealer",
    {
        "code": lambda **kw: text(20, **kw),
        "name": lambda **kw: text(200, **kw),
        "kind": lambda **kw: enum(DealerKind, **kw),
        "status": lambda **kw: enum(DealerStatus, **kw),
        "region_id": lambda **kw: id_field(**kw),
        **CONTACT,
        "contract_start": lambda **kw: fields.Date(allow_none=True, **kw),
        "contract_end": lambda **kw: fields.Date(allow_none=True, **kw),
    },
    {"code", "name", "kind", "status", "region_id"},
)
StoreIn, StorePatch = _schemas(
    "Store",
    {
        "code": lambda **kw: text(20, **kw),
        "name": lambda **kw: text(200, **kw),
        "dealer_id": lambda **kw: id_field(**kw),
        "address": lambda **kw: text(300, **kw),
        "city": lambda **kw: text(120, **kw),
        "city_alias": lambda **kw: text(120, **kw),
        "format": lambda **kw: enum(StoreFormat, **kw),
        "opened_on": lambda **kw: fields.Date(allow_none=True, **kw),
        "status": lambda **kw: enum(StoreStatus, **kw),
    },
    {"code", "name", "dealer_id", "format", "status"},
)
ProductLineIn, ProductLinePatch = _schemas(
    "ProductLine",
    {
        "code": lambda **kw: text(20, **kw),
        "name": lambda **kw: text(120, **kw),
        "name_zh": lambda **kw: text(120, **kw),
        "sort_order": lambda **kw: fields.Integer(
            validate=validate.Range(min=0, max=9999), allow_none=True, **kw
        ),
    },
    {"code", "name"},
)


# The pages' forms, fed JSON


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _checked(
    form_class: type[FlaskForm],
    data: Mapping[str, Any],
    record: Any = None,
    *,
    choices: Mapping[str, list[tuple[int, str]]] | None = None,
) -> dict[str, Any]:
    """Validate `data` (over the record's current values) with a page's form; its values."""
    posted = MultiDict()
    probe = form_class(formdata=None, meta={"csrf": False})
    for field in probe:
        if field.name == "version":
            continue
        if field.name in data:
            posted[field.name] = _as_text(data[field.name])
        elif record is not None:
            posted[field.name] = _as_text(getattr(record, field.name, None))
    form = form_class(formdata=posted, meta={"csrf": False})
    for name, options in (choices or {}).items():
        getattr(form, name).choices = options
    if not form.validate():
        errors = [
            field_error(name, message)
            for name, messages in form.errors.items()
            for message in messages
        ]
        raise ApiProblem(422, _l("Fix the fields named in errors."), errors=errors)
    return {name: value for name, value in form.data.items() if name != "version"}


def _save(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except services.RegistryError as error:
        db.session.rollback()
        errors = [field_error(error.field, error.message)]
        raise ApiProblem(422, error.message, errors=errors) from None


def _finish(schema: type, record: Any, data: Mapping[str, Any], *, endpoint: str = ""):
    """Set `active` if asked, commit, answer with the record (201 with Location if created)."""
    if "active" in data:
        services.set_active(record, data["active"])
    db.session.commit()
    if not endpoint:
        return one(schema, record)
    response = one(schema, record, status=201)
    response.headers["Location"] = url_for(endpoint, **{_id_name(endpoint): record.id})
    return response


def _id_name(endpoint: str) -> str:
    return {"api.region": "region_id", "api.dealer": "dealer_id", "api.store": "store_id"}.get(
        endpoint, "line_id"
    )


def _match(schema: type, record: Any) -> None:
    require_match(etag_of(schema().dump(record)))


def _locked(model: type, record_id: int) -> Any:
    found = db.session.scalar(
        db.select(model)
        .where(model.id == record_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )
    if found is None:
        abort(404)
    return found


# Regions


@bp.route("/regions", methods=["POST"])
@admin_only
@bp.arguments(RegionIn)
@bp.response(201, RegionSchema)
@answers(bp, *CREATE_ERRORS)
def create_region(data: dict):
    """Create a region (admins)."""
    values = _checked(forms.RegionForm, data)
    region = _save(lambda: services.create_region(values))
    return _finish(RegionSchema, region, {}, endpoint="api.region")


@bp.route("/regions/<int:region_id>", methods=["PATCH"])
@admin_only
@bp.arguments(RegionPatch)
@bp.response(200, RegionSchema)
@answers(bp, *UPDATE_ERRORS)
def update_region(data: dict, region_id: int):
    """Change a region (admins; If-Match required)."""
    region = _locked(Region, region_id)
    _match(RegionSchema, region)
    values = _checked(forms.RegionForm, data, region)
    _save(lambda: services.update_region(region, values))
    return _finish(RegionSchema, region, data)


# Dealers


@bp.route("/dealers", methods=["POST"])
@admin_only
@bp.arguments(DealerIn)
@bp.response(201, DealerSchema)
@answers(bp, *CREATE_ERRORS)
def create_dealer(data: dict):
    """Create a dealer in an active region (admins)."""
    values = _checked(forms.DealerForm, data, choices={"region_id": services.region_choices()})
    dealer = _save(lambda: services.create_dealer(values))
    return _finish(DealerSchema, dealer, {}, endpoint="api.dealer")


@bp.route("/dealers/<int:dealer_id>", methods=["PATCH"])
@staff_only
@bp.arguments(DealerPatch)
@bp.response(200, DealerSchema)
@answers(bp, *UPDATE_ERRORS)
def update_dealer(data: dict, dealer_id: int):
    """Change a dealer: admins all of it (a new region_id moves it), supervisors of its
    region the contact details only (If-Match required)."""
    dealer = access.get_dealer_or_404(current_user, dealer_id, for_update=True)
    if not access.can_edit_dealer_contact(current_user, dealer):
        abort(404)
    _match(DealerSchema, dealer)
    if not access.can_manage_registry(current_user):
        if set(data) - set(services.DEALER_CONTACT_FIELDS):
            raise ApiProblem(403, CONTACT_ONLY)
        values = _checked(forms.DealerContactForm, data, dealer)
        _save(lambda: services.update_dealer_contact(dealer, values))
        return _finish(DealerSchema, dealer, {})
    values = _checked(forms.DealerEditForm, data, dealer)
    if "region_id" in data:
        choices = {"region_id": services.region_choices(include=dealer.region_id)}
        values |= _checked(forms.MoveDealerForm, data, dealer, choices=choices)
    _save(lambda: services.update_dealer(dealer, values))
    return _finish(DealerSchema, dealer, data)


# Stores


@bp.route("/stores", methods=["POST"])
@admin_only
@bp.arguments(StoreIn)
@bp.response(201, StoreSchema)
@answers(bp, *CREATE_ERRORS)
def create_store(data: dict):
    """Create a store of an active dealer (admins)."""
    values = _checked(forms.StoreForm, data, choices={"dealer_id": services.dealer_choices()})
    store = _save(lambda: services.create_store(values))
    return _finish(StoreSchema, store, {}, endpoint="api.store")


@bp.route("/stores/<int:store_id>", methods=["PATCH"])
@admin_only
@bp.arguments(StorePatch)
@bp.response(200, StoreSchema)
@answers(bp, *UPDATE_ERRORS)
def update_store(data: dict, store_id: int):
    """Change a store (admins; If-Match required)."""
    store = access.get_store_or_404(current_user, store_id, for_update=True)
    _match(StoreSchema, store)
    choices = {"dealer_id": services.dealer_choices(include=store.dealer_id)}
    values = _checked(forms.StoreForm, data, store, choices=choices)
    _save(lambda: services.update_store(store, values))
    return _finish(StoreSchema, store, data)


# Product lines


@bp.route("/product-lines", methods=["POST"])
@admin_only
@bp.arguments(ProductLineIn)
@bp.response(201, ProductLineSchema)
@answers(bp, *CREATE_ERRORS)
def create_product_line(data: dict):
    """Create a product line (admins)."""
    values = _checked(forms.ProductLineForm, data)
    line = _save(lambda: services.create_product_line(values))
    return _finish(ProductLineSchema, line, {}, endpoint="api.product_line")


@bp.route("/product-lines/<int:line_id>", methods=["PATCH"])
@admin_only
@bp.arguments(ProductLinePatch)
@bp.response(200, ProductLineSchema)
@answers(bp, *UPDATE_ERRORS)
def update_product_line(data: dict, line_id: int):
    """Change a product line (admins; If-Match required)."""
    line = _locked(ProductLine, line_id)
    _match(ProductLineSchema, line)
    values = _checked(forms.ProductLineForm, data, line)
    _save(lambda: services.update_product_line(line, values))
    return _finish(ProductLineSchema, line, data)
