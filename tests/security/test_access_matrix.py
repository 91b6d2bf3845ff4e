"""S2: the access matrix over the registry, role by object by action, as DESIGN.md states it.

Each cell performs the action on an object of region A (dealer X, its store, region A, a
product line, a user) as one of five people and checks the outcome:

- ALLOWED: the request succeeds and has its effect;
- FORBIDDEN: 403 (the role may never do this), no effect;
- HIDDEN: 404 (the object is outside the person's scope, like a missing id), no effect;
- FILTERED: a list or export answers 200 without the object;
- REFUSED: the form refuses the object as a choice (422), no effect.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import clock, periods, storage
from portal.access.complaints import COMPLAINT_PHOTO
from portal.complaints import services
from portal.contracts import services as contracts
from portal.demo import prospects as demo_prospects
from portal.extensions import db
from portal.models import (
    AllocationStatus,
    Attachment,
    Channel,
    CollectionTask,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Contract,
    ContractKind,
    ContractStatus,
    DealerCredit,
    DealerKind,
    DocumentKind,
    DocumentRequirement,
    DocumentStatus,
    ForecastStatus,
    Invoice,
    Prospect,
    ProspectStatus,
    QualificationDocument,
    RegionTarget,
    Remedy,
    supervisor_regions,
)
from portal.prospects import services as prospect_services
from portal.receivables import collections
from portal.receivables import services as receivables
from tests.conftest import client_for
from tests.support.audit_factories import make_audit, make_standard
from tests.support.clients import signed_in_client
from tests.support.factories import PASSWORD
from tests.support.pages import without_tokens
from tests.support.uploads import jpeg, pdf
from tests.support.world import (
    ROLES,
    World,
    build_world,
    csv_upload,
    dealer_form,
    store_form,
    user_form,
)

ALLOWED, FORBIDDEN, HIDDEN, FILTERED = "allowed", "forbidden", "hidden", "filtered"
REFUSED = "refused"
A, F, H, L, R = ALLOWED, FORBIDDEN, HIDDEN, FILTERED, REFUSED

# fmt: off
MATRIX: dict[tuple[str, str], tuple[str, str, str, str, str]] = {
    #                            admin supervisor_a supervisor_b dealer_x dealer_y
    ("dealer", "list"):          (A,    A,           L,           A,       L),
    ("dealer", "view"):          (A,    A,           H,           A,       H),
    ("dealer", "edit"):          (A,    A,           H,           F,       F),
    ("dealer", "move"):          (A,    F,           F,           F,       F),
    ("dealer", "deactivate"):    (A,    F,           F,           F,       F),
    ("dealer", "export"):        (A,    A,           L,           F,       F),
    ("dealer", "import"):        (A,    F,           F,           F,       F),
    ("store", "list"):           (A,    A,           L,           A,       L),
    ("store", "view"):           (A,    A,           H,           A,       H),
    ("store", "edit"):           (A,    F,           F,           F,       F),
    ("store", "move"):           (A,    F,           F,           F,       F),
    ("store", "deactivate"):     (A,    F,           F,           F,       F),
    ("store", "export"):         (A,    A,           L,           A,       L),
    ("store", "import"):         (A,    F,           F,           F,       F),
    ("region", "view"):          (A,    A,           L,           F,       F),
    ("region", "edit"):          (A,    F,           F,           F,       F),
    ("region", "deactivate"):    (A,    F,           F,           F,       F),
    ("product_line", "view"):    (A,    F,           F,           F,       F),
    ("product_line", "edit"):    (A,    F,           F,           F,       F),
    ("product_line", "deactivate"): (A, F,           F,           F,       F),
    ("user", "view"):            (A,    F,           F,           F,       F),
    ("user", "edit"):            (A,    F,           F,           F,       F),
    ("user", "deactivate"):      (A,    F,           F,           F,       F),
    # Customer complaints of store SX-01, their photos and the CSV.
    ("complaint", "list"):       (A,    A,           L,           A,       L),
    ("complaint", "view"):       (A,    A,           H,           A,       H),
    ("complaint", "photo"):      (A,    A,           H,           A,       H),
    ("complaint", "export"):     (A,    A,           L,           A,       L),
    ("complaint", "record"):     (A,    A,           R,           A,       R),
    ("complaint", "forward"):    (A,    A,           H,           A,       H),
    ("complaint", "close"):      (A,    A,           H,           F,       H),
    ("complaint", "import"):     (A,    F,           F,           F,       F),
    ("complaint_category", "edit"): (A, F,           F,           F,       F),
    # Head office's targets for region A, their allocation to its dealers and its forecast.
    ("target", "set"):           (A,    F,           F,           F,       F),
    ("target", "overview"):      (A,    A,           L,           F,       F),
    ("target", "export"):        (A,    A,           L,           F,       F),
    ("allocation", "view"):      (A,    A,           H,           F,       F),
    ("allocation", "edit"):      (F,    A,           H,           F,       F),
    ("allocation", "approve"):   (A,    F,           F,           F,       F),
    ("forecast", "view"):        (A,    A,           H,           F,       F),
    ("forecast", "submit"):      (F,    A,           H,           F,       F),
    # Dealer X's invoices: its statement, the aging list, the CSV, credit and collections.
    ("statement", "view"):       (A,    A,           H,           A,       H),
    ("receivables", "list"):     (A,    A,           L,           A,       L),
    ("invoice", "import"):       (A,    A,           R,           F,       F),
    ("credit", "terms"):         (A,    F,           F,           F,       F),
    ("credit", "hold"):          (A,    A,           H,           F,       F),
    ("collection", "view"):      (A,    A,           H,           F,       F),
    ("collection", "contact"):   (A,    A,           H,           F,       F),
    # Prospects of region A: the pipeline, a prospect's page and steps, head office's approval,
    # signing, the blank markets and a screening document.
    ("prospect", "list"):        (A,    A,           L,           F,       F),
    ("prospect", "view"):        (A,    A,           H,           F,       F),
    ("prospect", "create"):      (A,    A,           R,           F,       F),
    ("prospect", "edit"):        (A,    A,           H,           F,       F),
    ("prospect", "step"):        (A,    A,           H,           F,       F),
    ("prospect", "lose"):        (A,    A,           H,           F,       F),
    ("prospect", "approve"):     (A,    F,           F,           F,       F),
    ("prospect", "sign"):        (A,    A,           H,           F,       F),
    ("prospect", "markets"):     (A,    A,           L,           F,       F),
    ("prospect", "document"):    (A,    A,           H,           H,       H),
    # Dealer X's contracts and qualification documents, their files and the document kinds.
    ("contracts", "dealer"):     (A,    A,           H,           A,       H),
    ("contracts", "overview"):   (A,    A,           L,           A,       L),
    ("contract", "view"):        (A,    A,           H,           A,       H),
    ("contract", "record"):      (A,    F,           F,           F,       F),
    ("contract", "renew"):       (A,    A,           H,           F,       F),
    ("contract", "approve"):     (A,    F,           F,           F,       F),
    ("document", "view"):        (A,    A,           H,           A,       H),
    ("document", "file"):        (A,    A,           H,           A,       H),
    ("document", "upload"):      (A,    A,           H,           A,       H),
    ("document", "review"):      (A,    A,           H,           F,       F),
    ("document_kind", "edit"):   (A,    F,           F,           F,       F),
    # An audit of store SX-01 (supervisor A's) made available offline, and a queued answer to it.
    ("offline_audit", "list"):   (L,    A,           L,           F,       F),
    ("offline_audit", "bundle"): (A,    A,           H,           F,       F),
    ("offline_audit", "queued_answer"): (A, A,        H,           F,       F),
}
# fmt: on

# Each action returns (response, effect): effect is True when the object was shown or changed.
Action = Callable[[Any, World], tuple[Any, bool]]
ACTIONS: dict[tuple[str, str], Action] = {}


def action(obj: str, verb: str) -> Callable[[Action], Action]:
    def register(function: Action) -> Action:
        ACTIONS[(obj, verb)] = function
        return function

    return register


def _shows(response, text: str) -> bool:
    return response.status_code == 200 and text.encode() in response.data


def _listed(response, pattern: str) -> bool:
    return response.status_code == 200 and re.search(pattern.encode(), response.data) is not None


# Dealers


@action("dealer", "list")
def _dealer_list(client, w):
    response = client.get("/dealers/", follow_redirects=True)
    return response, _shows(response, "Dealer Xray")


@action("dealer", "view")
def _dealer_view(client, w):
    response = client.get(f"/dealers/{w.dealer_x.id}")
    return response, _shows(response, "Dealer Xray")


@action("dealer", "edit")
def _dealer_edit(client, w):
    form = dealer_form(w.dealer_x, contact_person="Changed Contact")
    response = client.post(f"/dealers/{w.dealer_x.id}/edit", data=form)
    return response, w.dealer_x.contact_person == "Changed Contact"


@action("dealer", "move")
def _dealer_move(client, w):
    form = {"region_id": w.region_b.id, "version": w.dealer_x.version}
    response = client.post(f"/dealers/{w.dealer_x.id}/move", data=form)
    return response, w.dealer_x.region_id == w.region_b.id


@action("dealer", "deactivate")
def _dealer_deactivate(client, w):
    response = client.post(f"/dealers/{w.dealer_x.id}/active", data={"active": "0"})
    return response, not w.dealer_x.active


@action("dealer", "export")
def _dealer_export(client, w):
    response = client.get("/dealers/export.csv")
    return response, _listed(response, r"\nDX,")


@action("dealer", "import")
def _dealer_import(client, w):
    text = "code,name,kind,status,region_code\nDX,Imported Name,dealer,active,RA\n"
    response = client.post("/dealers/import", data=csv_upload(text))
    return response, w.dealer_x.name == "Imported Name"


# Stores


@action("store", "list")
def _store_list(client, w):
    response = client.get("/stores/")
    return response, _shows(response, "Store Xray")


@action("store", "view")
def _store_view(client, w):
    response = client.get(f"/stores/{w.store_x.id}")
    return response, _shows(response, "Store Xray")


@action("store", "edit")
def _store_edit(client, w):
    response = client.post(
        f"/stores/{w.store_x.id}/edit", data=store_form(w.store_x, name="Renamed Store")
    )
    return response, w.store_x.name == "Renamed Store"


@action("store", "move")
def _store_move(client, w):
    form = store_form(w.store_x, dealer_id=w.dealer_y.id)
    response = client.post(f"/stores/{w.store_x.id}/edit", data=form)
    return response, w.store_x.dealer_id == w.dealer_y.id


@action("store", "deactivate")
def _store_deactivate(client, w):
    response = client.post(f"/stores/{w.store_x.id}/active", data={"active": "0"})
    return response, not w.store_x.active


@action("store", "export")
def _store_export(client, w):
    response = client.get("/stores/export.csv")
    return response, _listed(response, r"\nSX-01,")


@action("store", "import")
def _store_import(client, w):
    text = "code,name,dealer_code,format,status\nSX-01,Imported Store,DX,standard,open\n"
    response = client.post("/stores/import", data=csv_upload(text))
    return response, w.store_x.name == "Imported Store"


# Regions


@action("region", "view")
def _region_view(client, w):
    response = client.get("/regions/")
    return response, _shows(response, "Region Alpha")


@action("region", "edit")
def _region_edit(client, w):
    form = {"code": "RA", "name": "Renamed Region", "version": w.region_a.version}
    response = client.post(f"/regions/{w.region_a.id}/edit", data=form)
    return response, w.region_a.name == "Renamed Region"


@action("region", "deactivate")
def _region_deactivate(client, w):
    response = client.post(f"/regions/{w.region_a.id}/active", data={"active": "0"})
    return response, not w.region_a.active


# Product lines


@action("product_line", "view")
def _line_view(client, w):
    response = client.get("/product-lines/")
    return response, _shows(response, "Line One")


@action("product_line", "edit")
def _line_edit(client, w):
    form = {"code": "PL1", "name": "Renamed Line", "sort_order": 3, "version": w.line.version}
    response = client.post(f"/product-lines/{w.line.id}/edit", data=form)
    return response, w.line.name == "Renamed Line"


@action("product_line", "deactivate")
def _line_deactivate(client, w):
    response = client.post(f"/product-lines/{w.line.id}/active", data={"active": "0"})
    return response, not w.line.active


# Users


@action("user", "view")
def _user_view(client, w):
    response = client.get(f"/admin/users/{w.target.id}")
    return response, _shows(response, "Target User")


@action("user", "edit")
def _user_edit(client, w):
    response = client.post(
        f"/admin/users/{w.target.id}/edit", data=user_form(w.target, name="Renamed User")
    )
    return response, w.target.name == "Renamed User"


@action("user", "deactivate")
def _user_deactivate(client, w):
    response = client.post(f"/admin/users/{w.target.id}/active", data={"active": "0"})
    return response, not w.target.active


# Complaints


def _complaint(w: World, *, resolved: bool = False) -> Complaint:
    """A complaint at store SX-01 with one photo (resolved, for closing), committed."""
    services.ensure_default_categories()
    actor = w.people["dealer_x"]
    category = db.session.scalar(select(ComplaintCategory).order_by(ComplaintCategory.id))
    new = services.NewComplaint(
        store=w.store_x, category=category, channel=Channel.PHONE, description="Kettle Xray leaks"
    )
    complaint = services.record(new, actor=actor)
    upload = FileStorage(io.BytesIO(jpeg()), filename="leak.jpg", content_type="image/jpeg")
    storage.save_upload(
        upload,
        owner_type=COMPLAINT_PHOTO,
        owner_id=complaint.id,
        dealer_id=complaint.dealer_id,
        uploaded_by=actor,
        allowed=storage.IMAGES,
    )
    if resolved:
        services.forward(complaint, actor=actor)
        services.start(complaint, actor=actor)
        services.resolve(complaint, actor=actor, remedy=Remedy.REPAIR, comment="Fixed")
    db.session.commit()
    return complaint


# Targets, allocations and forecasts (portal/targets)


def _region_target(w: World) -> None:
    from portal.targets import services as targets

    targets.set_target(
        region=w.region_a,
        year=clock.today().year,
        product_line=w.line,
        revenue_minor=1_200_000,
        units=120,
        months=None,
        reason="Matrix",
        actor=w.people["admin"],
        today=clock.today(),
    )


def _allocation(w: World, *, submitted: bool = False):
    from portal.targets import services as targets

    _region_target(w)
    allocation = targets.start_allocation(
        region=w.region_a, year=clock.today().year, actor=w.people["supervisor_a"]
    )
    if submitted:
        targets.submit_allocation(allocation, actor=w.people["supervisor_a"])
    db.session.commit()
    return allocation


def _forecast(w: World):
    from portal.targets import services as targets

    _allocation(w)
    forecast = targets.start_forecast(
        region=w.region_a, period=periods.of(clock.today()), actor=w.people["supervisor_a"]
    )
    db.session.commit()
    return forecast


@action("target", "set")
def _target_set(client, w):
    form = {"year": clock.today().year, "product_line_id": w.line.id, "revenue": "5000",
            "units": "50", "reason": "Matrix"}  # fmt: skip
    response = client.post(f"/targets/regions/{w.region_a.id}/target", data=form)
    return response, db.session.scalar(select(RegionTarget.id)) is not None


@action("target", "overview")
def _target_overview(client, w):
    response = client.get("/targets/")
    return response, _shows(response, "Region Alpha")


@action("target", "export")
def _target_export(client, w):
    response = client.get("/targets/export.csv")
    return response, _listed(response, r"\nRA,")


@action("allocation", "view")
def _allocation_view(client, w):
    allocation = _allocation(w)
    response = client.get(f"/targets/allocations/{allocation.id}")
    return response, _shows(response, "Dealer Xray")


@action("allocation", "edit")
def _allocation_edit(client, w):
    allocation = _allocation(w)
    form = {"version": allocation.version, "explanation": "Matrix explanation"}
    response = client.post(f"/targets/allocations/{allocation.id}/save", data=form)
    db.session.refresh(allocation)
    return response, allocation.explanation == "Matrix explanation"


@action("allocation", "approve")
def _allocation_approve(client, w):
    allocation = _allocation(w, submitted=True)
    form = {"version": allocation.version, "decision": "approve"}
    response = client.post(f"/targets/allocations/{allocation.id}/review", data=form)
    db.session.refresh(allocation)
    return response, allocation.status == AllocationStatus.APPROVED


@action("forecast", "view")
def _forecast_view(client, w):
    forecast = _forecast(w)
    response = client.get(f"/targets/forecasts/{forecast.id}")
    return response, _shows(response, "Region Alpha")


@action("forecast", "submit")
def _forecast_submit(client, w):
    forecast = _forecast(w)
    form = {"version": forecast.version, "submit": "1"}
    response = client.post(f"/targets/forecasts/{forecast.id}/save", data=form)
    db.session.refresh(forecast)
    return response, forecast.status == ForecastStatus.SUBMITTED


@action("complaint", "list")
def _complaint_list(client, w):
    complaint = _complaint(w)
    response = client.get("/complaints/")
    return response, _shows(response, complaint.reference)


@action("complaint", "view")
def _complaint_view(client, w):
    complaint = _complaint(w)
    response = client.get(f"/complaints/{complaint.id}")
    return response, _shows(response, "Kettle Xray leaks")


@action("complaint", "photo")
def _complaint_photo(client, w):
    complaint = _complaint(w)
    photo = db.session.scalar(
        select(Attachment.id).where(
            Attachment.owner_type == COMPLAINT_PHOTO, Attachment.owner_id == complaint.id
        )
    )
    response = client.get(f"/attachments/{photo}")
    return response, response.status_code == 200 and response.data[:2] == b"\xff\xd8"


@action("complaint", "export")
def _complaint_export(client, w):
    complaint = _complaint(w)
    response = client.get("/complaints/export.csv")
    return response, _listed(response, complaint.reference)


@action("complaint", "record")
def _complaint_record(client, w):
    services.ensure_default_categories()
    category = db.session.scalar(select(ComplaintCategory).order_by(ComplaintCategory.id))
    db.session.commit()
    form = {
        "store_id": w.store_x.id,
        "category_id": category.id,
        "channel": "phone",
        "severity": "normal",
        "description": "Recorded by the matrix",
        "client_key": uuid.uuid4().hex,
    }
    response = client.post("/complaints/new", data=form)
    recorded = db.session.scalar(
        select(Complaint.id).where(Complaint.description == "Recorded by the matrix")
    )
    return response, recorded is not None


@action("complaint", "forward")
def _complaint_forward(client, w):
    complaint = _complaint(w)
    form = {"version": complaint.version, "comment": "To after-sales"}
    response = client.post(f"/complaints/{complaint.id}/forward", data=form)
    db.session.refresh(complaint)
    return response, complaint.status == ComplaintStatus.FORWARDED


@action("complaint", "close")
def _complaint_close(client, w):
    complaint = _complaint(w, resolved=True)
    response = client.post(f"/complaints/{complaint.id}/close", data={"version": complaint.version})
    db.session.refresh(complaint)
    return response, complaint.status == ComplaintStatus.CLOSED


@action("complaint", "import")
def _complaint_import(client, w):
    services.ensure_default_categories()
    db.session.commit()
    text = (
        "store_code,category_code,channel,severity,received_at,description\n"
        f"SX-01,QUALITY,phone,normal,{clock.now().isoformat()},Imported by the matrix\n"
    )
    response = client.post("/complaints/settings/import", data=csv_upload(text))
    imported = db.session.scalar(
        select(Complaint.id).where(Complaint.description == "Imported by the matrix")
    )
    return response, imported is not None


@action("complaint_category", "edit")
def _complaint_category_edit(client, w):
    services.ensure_default_categories()
    category = db.session.scalar(select(ComplaintCategory).order_by(ComplaintCategory.id))
    db.session.commit()
    form = {
        "code": category.code,
        "name": "Renamed Category",
        "resolve_days": 5,
        "sort_order": 1,
        "active": "y",
        "version": category.version,
    }
    response = client.post(f"/complaints/settings/categories/{category.id}/edit", data=form)
    db.session.refresh(category)
    return response, category.name == "Renamed Category"


# Receivables


def _invoice(w: World) -> Invoice:
    """An invoice of dealer X ten days overdue, with its collection task, committed."""
    today = clock.today()
    line = receivables.InvoiceLine(
        dealer=w.dealer_x,
        number="INV-MATRIX",
        issued_on=today - timedelta(days=40),
        due_on=today - timedelta(days=10),
        amount_minor=123_400,
    )
    receivables.save_invoice(line)
    collections.open_tasks(notify=False)
    db.session.commit()
    return receivables.find_invoice(w.dealer_x.id, "INV-MATRIX")


def _task(w: World) -> CollectionTask:
    invoice = _invoice(w)
    return db.session.scalar(select(CollectionTask).where(CollectionTask.invoice_id == invoice.id))


@action("statement", "view")
def _statement_view(client, w):
    _invoice(w)
    response = client.get(f"/receivables/dealers/{w.dealer_x.id}")
    return response, _shows(response, "INV-MATRIX")


@action("receivables", "list")
def _receivables_list(client, w):
    _invoice(w)
    response = client.get("/receivables/", follow_redirects=True)
    return response, _shows(response, "Dealer Xray")


@action("invoice", "import")
def _invoice_import(client, w):
    text = "dealer_code,number,issued_on,amount\nDX,INV-IMPORTED,2099-10-01,100\n"
    response = client.post("/receivables/import", data=csv_upload(text))
    return response, receivables.find_invoice(w.dealer_x.id, "INV-IMPORTED") is not None


@action("credit", "terms")
def _credit_terms(client, w):
    form = {"limit_minor": "5000", "terms_days": "45"}
    response = client.post(f"/receivables/dealers/{w.dealer_x.id}/terms", data=form)
    credit = db.session.get(DealerCredit, w.dealer_x.id)
    return response, credit is not None and credit.terms_days == 45


@action("credit", "hold")
def _credit_hold(client, w):
    form = {"on_hold": "y", "reason": "Matrix hold"}
    response = client.post(f"/receivables/dealers/{w.dealer_x.id}/hold", data=form)
    credit = db.session.get(DealerCredit, w.dealer_x.id)
    return response, credit is not None and credit.on_hold


@action("collection", "view")
def _collection_view(client, w):
    task = _task(w)
    response = client.get(f"/receivables/collections/{task.id}")
    return response, _shows(response, "INV-MATRIX")


@action("collection", "contact")
def _collection_contact(client, w):
    task = _task(w)
    form = {"kind": "call", "contacted_on": clock.today().isoformat(), "note": "Matrix call"}
    response = client.post(f"/receivables/collections/{task.id}/contact", data=form)
    db.session.refresh(task)
    return response, len(task.contacts) == 1


# Prospects (portal/prospects)


def _prospect(w: World, stage: ProspectStatus = ProspectStatus.LEAD):
    admin, supervisor = w.people["admin"], w.people["supervisor_a"]
    if stage not in (ProspectStatus.LEAD, ProspectStatus.CONTACTED):
        demo_prospects.screening_standard(admin)
    prospect = prospect_services.create_prospect(
        region=w.region_a,
        values={"name": "Prospect Quebec", "kind": "dealer", "city": "Quebec City"},
        actor=supervisor,
    )
    demo_prospects.take_to(
        prospect, stage, supervisor=supervisor, admin=admin, lines=[w.line.id], code="PQ", year=2101
    )
    db.session.commit()
    return prospect


@action("prospect", "list")
def _prospect_list(client, w):
    _prospect(w)
    response = client.get("/prospects/")
    return response, _shows(response, "Prospect Quebec")


@action("prospect", "view")
def _prospect_view(client, w):
    prospect = _prospect(w)
    response = client.get(f"/prospects/{prospect.id}")
    return response, _shows(response, "Prospect Quebec")


@action("prospect", "create")
def _prospect_create(client, w):
    form = {"region_id": w.region_a.id, "name": "Matrix Lead", "kind": "dealer", "city": "Alpha"}
    response = client.post("/prospects/new", data=form)
    found = db.session.scalar(select(Prospect).where(Prospect.name == "Matrix Lead"))
    return response, found is not None


@action("prospect", "edit")
def _prospect_edit(client, w):
    prospect = _prospect(w)
    form = {"name": "Renamed Quebec", "kind": "dealer", "city": "Quebec City"}
    response = client.post(
        f"/prospects/{prospect.id}/edit", data={**form, "version": prospect.version}
    )
    db.session.refresh(prospect)
    return response, prospect.name == "Renamed Quebec"


@action("prospect", "step")
def _prospect_step(client, w):
    prospect = _prospect(w)
    form = {"action": "contact", "version": prospect.version}
    response = client.post(f"/prospects/{prospect.id}/step", data=form)
    db.session.refresh(prospect)
    return response, prospect.status == ProspectStatus.CONTACTED


@action("prospect", "lose")
def _prospect_lose(client, w):
    prospect = _prospect(w)
    form = {"reason": "Matrix: not interested", "version": prospect.version}
    response = client.post(f"/prospects/{prospect.id}/lose", data=form)
    db.session.refresh(prospect)
    return response, prospect.status == ProspectStatus.LOST


@action("prospect", "approve")
def _prospect_approve(client, w):
    prospect = _prospect(w, ProspectStatus.PROPOSAL)
    form = {"decision": "approve", "version": prospect.version}
    response = client.post(f"/prospects/{prospect.id}/review", data=form)
    db.session.refresh(prospect)
    return response, prospect.status == ProspectStatus.APPROVED


@action("prospect", "sign")
def _prospect_sign(client, w):
    prospect = _prospect(w, ProspectStatus.APPROVED)
    form = {"action": "sign", "version": prospect.version}
    response = client.post(f"/prospects/{prospect.id}/step", data=form)
    db.session.refresh(prospect)
    return response, prospect.dealer_id is not None


@action("prospect", "markets")
def _prospect_markets(client, w):
    _prospect(w)
    response = client.get("/prospects/markets")
    return response, _shows(response, "Prospect Quebec")


@action("prospect", "document")
def _prospect_document(client, w):
    prospect = _prospect(w, ProspectStatus.SCREENING)
    answer = prospect.answers[0]
    upload = FileStorage(io.BytesIO(pdf()), filename="matrix.pdf")
    attachment = storage.save_upload(
        upload, owner_type="prospect_answer", owner_id=answer.id, dealer_id=None, uploaded_by=None
    )
    db.session.commit()
    response = client.get(f"/attachments/{attachment.id}")
    return response, response.status_code == 200


# Contracts and qualifications


def _contract(w: World) -> Contract:
    """Dealer X's contract in force, ending in 30 days, committed."""
    today = clock.today()
    found = contracts.create_contract(
        w.dealer_x,
        number="C-MATRIX",
        kind=ContractKind.DEALERSHIP,
        starts_on=today - timedelta(days=1000),
        ends_on=today + timedelta(days=30),
        terms="Matrix terms",
        actor=w.people["admin"],
    )
    db.session.commit()
    return found


def _document_kind() -> DocumentKind:
    kind = DocumentKind(
        code="BIZ",
        name="Business licence",
        requirements=[DocumentRequirement(dealer_kind=DealerKind.DEALER)],
    )
    db.session.add(kind)
    db.session.commit()
    return kind


def _pdf(name: str = "matrix.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(pdf()), filename=name, content_type="application/pdf")


def _document(w: World) -> QualificationDocument:
    """A business licence of dealer X waiting for review, with its scan, committed."""
    today = clock.today()
    found = contracts.submit_document(
        w.dealer_x,
        kind=_document_kind(),
        number="DOC-MATRIX",
        issued_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=300),
        file=_pdf(),
        actor=w.people["dealer_x"],
    )
    db.session.commit()
    return found


@action("contracts", "dealer")
def _contracts_dealer(client, w):
    _contract(w)
    response = client.get(f"/contracts/dealers/{w.dealer_x.id}")
    return response, _shows(response, "C-MATRIX")


@action("contracts", "overview")
def _contracts_overview(client, w):
    _document(w)
    response = client.get("/contracts/", follow_redirects=True)
    return response, _shows(response, "Dealer Xray")


@action("contract", "view")
def _contract_view(client, w):
    found = _contract(w)
    response = client.get(f"/contracts/{found.id}")
    return response, _shows(response, "Matrix terms")


@action("contract", "record")
def _contract_record(client, w):
    today = clock.today()
    form = {
        "number": "C-NEW",
        "kind": "dealership",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=900)).isoformat(),
    }
    response = client.post(f"/contracts/dealers/{w.dealer_x.id}/new", data=form)
    made = db.session.scalar(select(Contract).where(Contract.number == "C-NEW"))
    return response, made is not None


@action("contract", "renew")
def _contract_renew(client, w):
    found = _contract(w)
    start = found.ends_on + timedelta(days=1)
    form = {
        "number": "C-RENEWED",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=900)).isoformat(),
        "terms": "Matrix renewal",
    }
    response = client.post(f"/contracts/{found.id}/renew", data=form)
    made = db.session.scalar(select(Contract).where(Contract.number == "C-RENEWED"))
    return response, made is not None


@action("contract", "approve")
def _contract_approve(client, w):
    found = _contract(w)
    renewal = contracts.propose_renewal(
        found,
        number="C-RENEWED",
        starts_on=found.ends_on + timedelta(days=1),
        ends_on=found.ends_on + timedelta(days=900),
        terms="Matrix renewal",
        actor=w.people["supervisor_a"],
    )
    db.session.commit()
    form = {"decision": "approve", "version": renewal.version}
    response = client.post(f"/contracts/{renewal.id}/decide", data=form)
    db.session.refresh(renewal)
    return response, renewal.status == ContractStatus.APPROVED


@action("document", "view")
def _document_view(client, w):
    found = _document(w)
    response = client.get(f"/contracts/documents/{found.id}")
    return response, _shows(response, "DOC-MATRIX")


@action("document", "file")
def _document_file(client, w):
    found = _document(w)
    response = client.get(f"/attachments/{found.file_id}")
    return response, response.status_code == 200 and response.data.startswith(b"%PDF")


@action("document", "upload")
def _document_upload(client, w):
    kind = _document_kind()
    today = clock.today()
    form = {
        "kind_id": str(kind.id),
        "number": "DOC-UPLOADED",
        "issued_on": today.isoformat(),
        "expires_on": (today + timedelta(days=300)).isoformat(),
        "file": (io.BytesIO(pdf()), "licence.pdf"),
    }
    response = client.post(
        f"/contracts/dealers/{w.dealer_x.id}/documents/new",
        data=form,
        content_type="multipart/form-data",
    )
    made = db.session.scalar(
        select(QualificationDocument).where(QualificationDocument.number == "DOC-UPLOADED")
    )
    return response, made is not None


@action("document", "review")
def _document_review(client, w):
    found = _document(w)
    form = {"decision": "accept", "version": found.version}
    response = client.post(f"/contracts/documents/{found.id}/review", data=form)
    db.session.refresh(found)
    return response, found.status == DocumentStatus.ACCEPTED


@action("document_kind", "edit")
def _document_kind_edit(client, w):
    form = {"code": "NEWKIND", "name": "New kind", "expires": "y", "active": "y"}
    response = client.post("/contracts/kinds/new", data=form)
    made = db.session.scalar(select(DocumentKind).where(DocumentKind.code == "NEWKIND"))
    return response, made is not None
# Offline audits


def _offline_audit(w: World, *, started: bool = False):
    version = make_standard()
    audit = make_audit(
        w.store_x, version.standard, w.people["supervisor_a"], answers={} if started else None
    )
    db.session.commit()
    return audit


@action("offline_audit", "list")
def _offline_list(client, w):
    audit = _offline_audit(w)
    response = client.get("/audits/offline/")
    return response, _listed(response, rf'"id": ?{audit.id}\b')


@action("offline_audit", "bundle")
def _offline_bundle(client, w):
    audit = _offline_audit(w)
    response = client.get(f"/audits/{audit.id}/offline.json")
    return response, response.status_code == 200 and bool(response.get_json()["items"])


@action("offline_audit", "queued_answer")
def _offline_answer(client, w):
    audit = _offline_audit(w, started=True)
    answer = audit.answers[0]
    response = client.post(
        f"/audits/{audit.id}/items/{answer.item_id}",
        data={"result": "pass", "version": "1"},
        headers={"Accept": "application/json", "Idempotency-Key": f"matrix-{uuid.uuid4().hex}"},
    )
    db.session.refresh(answer)
    return response, answer.result is not None


@pytest.fixture
def world(app) -> World:
    return build_world()


def _cells():
    for (obj, verb), outcomes in MATRIX.items():
        for role, outcome in zip(ROLES, outcomes, strict=True):
            yield pytest.param(obj, verb, role, outcome, id=f"{obj}-{verb}-{role}")


def test_every_action_of_the_matrix_is_implemented():
    assert set(ACTIONS) == set(MATRIX)


@pytest.mark.parametrize(("obj", "verb", "role", "expected"), list(_cells()))
def test_access_matrix(app, world, obj, verb, role, expected):
    client = signed_in_client(app, world.people[role])

    response, effect = ACTIONS[(obj, verb)](client, world)

    status = response.status_code
    if expected == ALLOWED:
        assert status in (200, 302), f"answered {status}"
        assert effect, "the action had no effect"
    elif expected == FORBIDDEN:
        assert (status, effect) == (403, False)
    elif expected == HIDDEN:
        assert (status, effect) == (404, False)
    elif expected == REFUSED:
        assert (status, effect) == (422, False)
    else:
        assert (status, effect) == (200, False)


# Cross-tenant ids answer exactly like missing ones.

MISSING_ID = 987654


def _normalised(response, *paths: str) -> tuple[int, str]:
    """The answer with its request id, path, CSRF tokens (signed with a timestamp that
    moves on the second) and the session's seconds left (ditto) blanked."""
    body = without_tokens(response.get_data(as_text=True))
    body = re.sub(r'data-session-left="[0-9]+"', 'data-session-left="<seconds>"', body)
    body = body.replace(response.headers.get("X-Request-ID", "-"), "<request-id>")
    for path in paths:
        body = body.replace(path, "<path>")
    return response.status_code, body


@pytest.mark.parametrize(
    ("role", "template"),
    [
        ("supervisor_b", "/dealers/{dealer}"),
        ("supervisor_b", "/dealers/{dealer}/edit"),
        ("supervisor_b", "/stores/{store}"),
        ("dealer_y", "/dealers/{dealer}"),
        ("dealer_y", "/stores/{store}"),
    ],
)
def test_out_of_scope_ids_answer_exactly_like_missing_ones(app, world, role, template):
    client = signed_in_client(app, world.people[role])
    other = template.format(dealer=world.dealer_x.id, store=world.store_x.id)
    missing = template.format(dealer=MISSING_ID, store=MISSING_ID)

    out_of_scope = client.get(other)
    absent = client.get(missing)

    assert out_of_scope.status_code == 404
    assert _normalised(out_of_scope, other) == _normalised(absent, missing)
    assert _stable_headers(out_of_scope) == _stable_headers(absent)


def _stable_headers(response) -> dict[str, str]:
    """Headers but the request id, the length (the URL is in the page) and what of the
    session cookie moves with the clock between two requests: its expiry, and the
    timestamp and signature after its payload (the payload itself must be the same)."""
    volatile = {"X-Request-ID", "Content-Length"}
    return {
        name: _stable_cookie(value) if name == "Set-Cookie" else value
        for name, value in response.headers
        if name not in volatile
    }


def _stable_cookie(value: str) -> str:
    value = re.sub(r"Expires=[^;]*", "Expires=…", value)
    # name=payload.timestamp.signature (a leading "." marks a compressed payload)
    return re.sub(r"^([^=]+=\.?[^.;]*)\.[^;]*", r"\1.…", value)


def test_supervisor_edit_touches_only_contact_details(app, world):
    client = signed_in_client(app, world.people["supervisor_a"])
    form = dealer_form(
        world.dealer_x,
        code="HIJACK",
        name="Hijacked",
        kind="distributor",
        status="terminated",
        contract_start="2001-01-01",
        contact_person="New Contact",
        phone="+86 10 1234",
    )

    response = client.post(f"/dealers/{world.dealer_x.id}/edit", data=form)

    assert response.status_code == 302
    dealer = world.dealer_x
    assert (dealer.contact_person, dealer.phone) == ("New Contact", "+86 10 1234")
    assert (dealer.code, dealer.name, dealer.kind.value, dealer.status.value) == (
        "DX",
        "Dealer Xray",
        "dealer",
        "active",
    )
    assert dealer.contract_start is None


def test_supervisor_edit_form_offers_only_contact_fields(app, world):
    client = signed_in_client(app, world.people["supervisor_a"])

    page = client.get(f"/dealers/{world.dealer_x.id}/edit").get_data(as_text=True)

    assert 'name="contact_person"' in page
    for field in ("code", "name", "kind", "status", "region_id", "contract_start"):
        assert f'name="{field}"' not in page


def test_region_reassignment_takes_effect_on_the_next_request(app, world):
    supervisor = world.people["supervisor_b"]
    client = client_for(app, supervisor.email, PASSWORD)
    dealer_page = f"/dealers/{world.dealer_x.id}"
    assert client.get(dealer_page).status_code == 404

    admin = signed_in_client(app, world.people["admin"])
    form = user_form(supervisor, region_ids=[world.region_a.id, world.region_b.id])
    assert admin.post(f"/admin/users/{supervisor.id}/edit", data=form).status_code == 302

    assert client.get(dealer_page).status_code == 200
    assert b"Dealer Xray" in client.get("/dealers/").data

    db.session.execute(
        supervisor_regions.delete().where(
            supervisor_regions.c.user_id == supervisor.id,
            supervisor_regions.c.region_id == world.region_a.id,
        )
    )
    db.session.commit()

    assert client.get(dealer_page).status_code == 404
    assert b"Dealer Xray" not in client.get("/dealers/").data
