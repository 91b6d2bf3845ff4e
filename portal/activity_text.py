"""Activity entries as people read them: a sentence per action and labelled, human values.

Every action code written with `activity.record` has a sentence here
(tests/security/test_activity_text.py checks the code for new ones). Details become
(label, text) pairs: None and empty values are left out, lists joined, changes shown as
"old → new", nested values as "Label: value", enum values by their labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import money, number
from portal.models import (
    ActivityEntry,
    AnswerResult,
    AssessmentStatus,
    Audience,
    Dealer,
    DealerKind,
    DealerStatus,
    ExecutionStatus,
    NoticeKind,
    Region,
    Role,
    StandardPurpose,
    Store,
    StoreFormat,
    StoreStatus,
)
from portal.models.base import LabelledEnum

_REGISTRY_ACTIONS = {
    "create": {
        "region": _l("Created the region"),
        "dealer": _l("Created the dealer"),
        "store": _l("Created the store"),
        "product_line": _l("Created the product line"),
    },
    "update": {
        "region": _l("Changed the region"),
        "dealer": _l("Changed the dealer"),
        "store": _l("Changed the store"),
        "product_line": _l("Changed the product line"),
    },
    "activate": {
        "region": _l("Reactivated the region"),
        "dealer": _l("Reactivated the dealer"),
        "store": _l("Reactivated the store"),
        "product_line": _l("Reactivated the product line"),
    },
    "deactivate": {
        "region": _l("Deactivated the region"),
        "dealer": _l("Deactivated the dealer"),
        "store": _l("Deactivated the store"),
        "product_line": _l("Deactivated the product line"),
    },
}

ACTIONS: dict[str, Any] = {
    f"{kind}.{verb}": text
    for verb, kinds in _REGISTRY_ACTIONS.items()
    for kind, text in kinds.items()
} | {
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in:failure": _l("Tried to sign in with a wrong password"),
    "auth.sign_in:throttled": _l("Sign-in refused after too many attempts"),
    "auth.sign_out": _l("Signed out"),
    "auth.change_password": _l("Changed their password"),
    "auth.change_password:failure": _l("Gave a wrong current password when changing the password"),
    "auth.end_session": _l("Ended signed-in sessions"),
    "auth.request_password_reset": _l("Asked for a link to choose a new password"),
    "auth.request_password_reset:failure": _l(
        "Asked for a new-password link for an address without an active account"
    ),
    "auth.request_password_reset:throttled": _l(
        "A new-password link was refused after too many requests"
    ),
    "auth.reset_password": _l("Chose a new password through a mailed link"),
    "auth.reset_password:failure": _l("Opened a new-password link that no longer works"),
    "user.create": _l("Created the user account"),
    "user.update": _l("Changed the user account"),
    "user.activate": _l("Reactivated the user account"),
    "user.deactivate": _l("Deactivated the user account"),
    "user.reset_password": _l("Set a temporary password"),
    "mail.retry": _l("Sent a failed mail again"),
    "mail.preferences": _l("Changed their mail choices"),
    "api_token.create_personal": _l("Created a personal API token"),
    "api_token.create_service": _l("Created a service API token"),
    "api_token.revoke": _l("Revoked an API token"),
    "webhook.create": _l("Registered a webhook"),
    "webhook.update": _l("Changed a webhook"),
    "webhook.delete": _l("Removed a webhook"),
    "dealer.update_contact": _l("Changed the dealer's contact details"),
    "dealer.move": _l("Moved the dealer to another region"),
    "dealer.import": _l("Imported dealers from a CSV file"),
    "dealer.export": _l("Exported the dealer list"),
    "store.import": _l("Imported stores from a CSV file"),
    "store.export": _l("Exported the store list"),
    "home.export": _l("Exported figures from the home page"),
    "sales_plan.create": _l("Started the sales plan"),
    "sales_plan.update": _l("Saved the sales plan"),
    "sales_plan.submit": _l("Submitted the sales plan for approval"),
    "sales_plan.approve": _l("Approved the sales plan"),
    "sales_plan.return": _l("Returned the sales plan for changes"),
    "sales_plan.reopen": _l("Reopened the approved sales plan"),
    "plan_performance.export": _l("Exported plan against actual figures"),
    "store_report.create": _l("Started the store report"),
    "store_report.update": _l("Saved the store report"),
    "store_report.submit": _l("Submitted the store report"),
    "store_report.review": _l("Reviewed the store report"),
    "store_report.return": _l("Returned the store report for changes"),
    "store_report.attach": _l("Attached files to the store report"),
    "store_report.detach": _l("Removed a file from the store report"),
    "store_report.import": _l("Imported store reports from a CSV file"),
    "notice.create": _l("Created the notice as a draft"),
    "notice.update": _l("Changed the draft notice"),
    "notice.delete": _l("Deleted the draft notice"),
    "notice.publish": _l("Published the notice"),
    "notice.correct": _l("Corrected the wording of the notice"),
    "notice.revise": _l("Published a new version of the notice"),
    "notice.archive": _l("Archived the notice"),
    "notice.read": _l("Read the notice"),
    "notice.acknowledge": _l("Acknowledged the notice"),
    "notice.execution": _l("Reported how the promotion was carried out in a store"),
    "notice.export": _l("Exported the notice's responses"),
    "complaint.receive": _l("Recorded the customer complaint"),
    "complaint.forward": _l("Forwarded the complaint to after-sales"),
    "complaint.start": _l("Started handling the complaint"),
    "complaint.resolve": _l("Resolved the complaint"),
    "complaint.close": _l("Closed the complaint"),
    "complaint.reopen": _l("Reopened the complaint"),
    "complaint.export": _l("Exported the complaint list"),
    "standard.create": _l("Created the audit standard"),
    "standard.update": _l("Renamed the audit standard"),
    "standard.activate": _l("Brought the audit standard back into use"),
    "standard.retire": _l("Retired the audit standard"),
    "standard.draft": _l("Started a draft of a new version"),
    "standard.discard_draft": _l("Discarded the draft version"),
    "standard.delete": _l("Deleted the audit standard"),
    "standard.publish": _l("Published the version"),
    "standard.import": _l("Imported the version from a file"),
    "standard.add_section": _l("Added a section"),
    "standard.edit_section": _l("Renamed a section"),
    "standard.delete_section": _l("Deleted a section"),
    "standard.move_section": _l("Moved a section"),
    "standard.add_item": _l("Added an item"),
    "standard.edit_item": _l("Changed an item"),
    "standard.delete_item": _l("Deleted an item"),
    "standard.move_item": _l("Moved an item"),
    "audit.schedule": _l("Scheduled the audit"),
    "audit.schedule_follow_up": _l("Scheduled a follow-up audit"),
    "audit.reschedule": _l("Rescheduled the audit"),
    "audit.cancel": _l("Cancelled the audit"),
    "audit.start": _l("Started the audit"),
    "audit.answer": _l("Answered an item"),
    "audit.add_photo": _l("Added a photo"),
    "audit.remove_photo": _l("Removed a photo"),
    "audit.complete": _l("Completed the audit"),
    "audit.acknowledge": _l("Acknowledged the audit result"),
    "audit.report_pdf": _l("Downloaded the audit report"),
    "action.respond": _l("Responded to the corrective action"),
    "action.verify": _l("Verified the corrective action"),
    "action.reopen": _l("Reopened the corrective action"),
    "action.overdue": _l("The corrective action became overdue"),
    "assessment.create": _l("Started the assessment"),
    "assessment.update": _l("Saved the assessment"),
    "assessment.finalise": _l("Finalised the assessment"),
    "dealer_file.issue": _l("Issued the dealer file"),
    "dealer_file.reuse": _l("Handed out the unchanged dealer file again"),
    "dealer_file.download": _l("Downloaded the dealer file"),
    "dossier_export.start": _l("Started the region export"),
    "dossier_export.finish": _l("Finished the region export"),
    "dossier_export.finish:failure": _l("The region export failed"),
    "dossier_export.download": _l("Downloaded the region export"),
    # Complaints' settings (portal/complaints/admin.py) and import (csv_import.py)
    "complaint_category.create": _l("Created the complaint category"),
    "complaint_category.update": _l("Changed the complaint category"),
    "complaint_category.defaults": _l("Added the usual complaint categories"),
    "region.calendar": _l("Changed the region's business calendar"),
    "holiday.create": _l("Added a holiday"),
    "holiday.delete": _l("Removed a holiday"),
    "holiday.import": _l("Imported holidays from a CSV file"),
    "complaint.import": _l("Imported complaints from a CSV file"),
    # Head office's targets, their allocation and the regions' forecasts (portal/targets)
    "region_target.set": _l("Set the region's annual target"),
    "seasonality_profile.set": _l("Changed the seasonality profile"),
    "target_allocation.create": _l("Started the target allocation"),
    "target_allocation.update": _l("Saved the target allocation"),
    "target_allocation.submit": _l("Submitted the target allocation for approval"),
    "target_allocation.approve": _l("Approved the target allocation"),
    "target_allocation.return": _l("Returned the target allocation for changes"),
    "target_allocation.reopen": _l("Reopened the approved target allocation"),
    "target_allocation.move": _l("Moved target between dealers"),
    "forecast.create": _l("Started the region's forecast"),
    "forecast.update": _l("Saved the region's forecast"),
    "forecast.submit": _l("Submitted the region's forecast"),
    "forecast.request_revision": _l("Asked for a revision of the region's forecast"),
    "targets.export": _l("Exported target, plan, forecast and actual figures"),
    # Receivables and credit (portal/receivables)
    "credit.terms": _l("Changed the dealer's credit limit and payment terms"),
    "credit.hold": _l("Placed the dealer's credit on hold"),
    "credit.release": _l("Lifted the dealer's credit hold"),
    "invoice.import": _l("Imported invoices from a CSV file"),
    "collection.contact": _l("Logged a collection contact"),
    "collection.escalate": _l("Escalated a broken promise to pay"),
    # Prospects (portal/prospects)
    "prospect.create": _l("Recorded the prospect as a lead"),
    "prospect.update": _l("Changed the prospect's details"),
    "prospect.contact": _l("Marked the prospect as contacted"),
    "prospect.screen": _l("Started the prospect's screening"),
    "prospect.screening": _l("Answered the prospect's screening"),
    "prospect.document": _l("Added documents to the prospect's screening"),
    "prospect.visit": _l("Recorded the site visit"),
    "prospect.proposal": _l("Saved the prospect's proposal"),
    "prospect.propose": _l("Sent the prospect's proposal for approval"),
    "prospect.approve": _l("Approved the prospect's proposal"),
    "prospect.return": _l("Returned the prospect's proposal"),
    "prospect.sign": _l("Signed the prospect as a dealer"),
    "prospect.lose": _l("Marked the prospect as lost"),
    # Contracts and qualifications (portal/contracts)
    "contract.create": _l("Recorded a signed contract"),
    "contract.propose": _l("Proposed the renewal of a contract"),
    "contract.approve": _l("Approved the renewal of a contract"),
    "contract.decline": _l("Declined the renewal of a contract"),
    "contract.sign": _l("Put a signed renewal in force"),
    "contract.supersede": _l("Kept the renewed contract in the history"),
    "qualification_document.submit": _l("Submitted a qualification document for review"),
    "qualification_document.accept": _l("Accepted a qualification document"),
    "qualification_document.reject": _l("Rejected a qualification document"),
    "document_kind.save": _l("Saved a kind of qualification document"),
}

# Actions whose details are {field: [old, new]} (from activity.apply_changes), besides
# the context keys named in CONTEXT_KEYS.
CHANGE_ACTIONS = frozenset(
    {
        f"{kind}.{verb}"
        for verb in ("update", "activate", "deactivate")
        for kind in _REGISTRY_ACTIONS["update"]
    }
    | {
        "dealer.update_contact",
        "dealer.move",
        "user.update",
        "notice.update",
        "notice.correct",
        "notice.revise",
        "standard.update",
        "standard.edit_section",
        "standard.edit_item",
        "audit.answer",
        "audit.reschedule",
        "complaint_category.update",
        "region.calendar",
    }
)
CONTEXT_KEYS = frozenset({"item", "code", "version", "note", "files"})

FIELDS: dict[str, Any] = {
    "limit_minor": _l("Credit limit (minor units)"),
    "answers": _l("Answers changed"),
    "purpose": _l("Used for"),
    "source": _l("Lead source"),
    "notes": _l("Notes"),
    "terms_days": _l("Payment terms (days)"),
    "promise_on": _l("Promised to pay by"),
    "number": _l("Number"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "expires_on": _l("Expires on"),
    "required_for": _l("Required of"),
    "invoice": _l("Invoice"),
    "paid": _l("Payments recorded"),
    "contact": _l("Contact"),
    "acknowledge_days": _l("Days to acknowledge"),
    "after_sales_email": _l("After-sales mailbox"),
    "after_sales_user_id": _l("After-sales contact"),
    "day": _l("Date"),
    "hours": _l("Opening hours"),
    "name_zh": _l("Chinese name"),
    "resolve_days": _l("Resolution target (business days)"),
    "timezone": _l("Time zone"),
    "days": _l("Days valid"),
    "events": _l("Events"),
    "read_only": _l("Read-only"),
    "token_id": _l("Token"),
    "url": _l("Address"),
    "actions": _l("Corrective actions"),
    "active": lazy_pgettext("activity field: the record is in use", "Active"),
    "added": _l("Added"),
    "address": _l("Address"),
    "announced": _l("Announced"),
    "audience": _l("Audience"),
    "audience_kind": _l("Dealer type in the audience"),
    "body": _l("Text"),
    "cells_changed": _l("Cells changed"),
    "city": _l("City"),
    "code": _l("Code"),
    "comment": _l("Comment"),
    "contact_person": _l("Contact person"),
    "contract_end": _l("Contract end"),
    "contract_start": _l("Contract start"),
    "created": _l("Created"),
    "critical": _l("Critical"),
    "date": _l("Date"),
    "dealer": _l("Dealer"),
    "dealer_id": _l("Dealer"),
    "dealers": _l("Dealers"),
    "due_on": _l("Due on"),
    "effective_from": _l("Effective from"),
    "effective_to": _l("Effective to"),
    "email": _l("Email"),
    "execution_deadline": _l("Execution deadline"),
    "export": _l("Export"),
    "file": _l("File"),
    "files": _l("Files"),
    "follow_up_of": _l("Follow-up of audit"),
    "format": _l("Format"),
    "from": _l("Copied from version"),
    "grade": _l("Grade"),
    "guidance": _l("Guidance"),
    "inactive": _l("Including inactive"),
    "item": _l("Item"),
    "items": _l("Items"),
    "kind": _l("Type"),
    "late": _l("Late"),
    "lines": _l("Lines"),
    "lines_changed": _l("Lines changed"),
    "lines_unchanged": _l("Lines unchanged"),
    "locale": _l("Language"),
    "mail": _l("Mail"),
    "na_allowed": _l("Not applicable allowed"),
    "name": _l("Name"),
    "note": _l("Note"),
    "note_changed": _l("Note changed"),
    "opened_on": _l("Opened on"),
    "period": _l("Period"),
    "phone": _l("Phone"),
    "photo_required": _l("Photo required"),
    "photos": _l("Photos"),
    "promotion_end": _l("Promotion end"),
    "promotion_start": _l("Promotion start"),
    "q": _l("Search"),
    "question": _l("Question"),
    "reason": _l("Reason"),
    "region": _l("Region"),
    "region_id": _l("Region"),
    "regions": _l("Regions"),
    "removed": _l("Removed"),
    "reports_created": _l("Reports created"),
    "result": _l("Result"),
    "revenue_minor": _l("Revenue"),
    "role": _l("Role"),
    "rows": _l("Rows"),
    "scheduled_for": _l("Scheduled for"),
    "score": _l("Score"),
    "session": _l("Session"),
    "sessions_ended": _l("Sessions ended"),
    "sha256": _l("SHA-256 checksum"),
    "sort_order": _l("Sort order"),
    "status": _l("Status"),
    "store": _l("Store"),
    "store_id": _l("Store"),
    "stores": _l("Stores"),
    "title": _l("Title"),
    "topics": _l("Mail topics"),
    "units": _l("Units"),
    "unchanged": _l("Unchanged"),
    "updated": _l("Updated"),
    "values": _l("Values"),
    "via": _l("Through"),
    "weight": _l("Weight"),
}

OBJECT_TYPES: dict[str, Any] = {
    "user": _l("User"),
    "region": _l("Region"),
    "dealer": _l("Dealer"),
    "store": _l("Store"),
    "product_line": _l("Product line"),
    "sales_plan": _l("Sales plan"),
    "store_report": _l("Store report"),
    "notice": _l("Notice"),
    "standard": _l("Audit standard"),
    "standard_version": _l("Audit standard version"),
    "audit": _l("Audit"),
    "corrective_action": _l("Corrective action"),
    "assessment": _l("Assessment"),
    "dealer_file": _l("Dealer file"),
    "export_job": _l("Region export"),
    "complaint": _l("Complaint"),
    "complaint_category": _l("Complaint category"),
    "holiday": _l("Holiday"),
    "prospect": _l("Prospect"),
    "contract": _l("Contract"),
    "qualification_document": _l("Qualification document"),
    "document_kind": _l("Kind of qualification document"),
}

# Values that are an enum's stored value, by field (and by object type where it differs).
_ENUMS: dict[str, type[LabelledEnum]] = {
    "role": Role,
    "audience": Audience,
    "audience_kind": DealerKind,
    "format": StoreFormat,
    "result": AnswerResult,
}
_ENUMS_BY_OBJECT: dict[tuple[str, str], type[LabelledEnum]] = {
    ("notice", "kind"): NoticeKind,
    ("notice", "status"): ExecutionStatus,
    ("dealer", "kind"): DealerKind,
    ("prospect", "kind"): DealerKind,
    ("standard", "purpose"): StandardPurpose,
    ("dealer", "status"): DealerStatus,
    ("store", "status"): StoreStatus,
    ("assessment", "status"): AssessmentStatus,
}
_ID_FIELDS = frozenset({"follow_up_of", "file", "session", "mail"})
# Ids shown by the record's code ("N01"), looked up once per page by `prefetch`.
_REFERENCES: dict[str, type[Any]] = {"dealer_id": Dealer, "store_id": Store, "region_id": Region}
# Long texts: a change says that they changed, not both versions.
_LONG_TEXT = frozenset({"body", "guidance"})
MAX_TEXT = 200


@dataclass(frozen=True)
class Detail:
    label: str
    text: str


def prefetch(entries: list[ActivityEntry]) -> None:
    """Load the codes of the dealers, stores and regions the entries name (a query per kind)."""
    wanted: dict[str, set[int]] = {name: set() for name in _REFERENCES}
    for entry in entries:
        for name, value in (entry.details or {}).items():
            if name in _REFERENCES:
                values = value if isinstance(value, list) else [value]
                wanted[name] |= {
                    v for v in values if isinstance(v, int) and not isinstance(v, bool)
                }
    codes = g.setdefault("activity_codes", {})
    for name, ids in wanted.items():
        missing = ids - set(codes.get(name, {}))
        if missing:
            model = _REFERENCES[name]
            rows = db.session.execute(select(model.id, model.code).where(model.id.in_(missing)))
            codes.setdefault(name, {}).update(dict(rows.all()))


def sentence(entry: ActivityEntry) -> str:
    """What happened, in the reader's language."""
    found = ACTIONS.get(f"{entry.action}:{entry.outcome}") or ACTIONS.get(entry.action)
    if found is not None:
        return str(found)
    return _("Other action on %(object)s", object=object_type_label(entry.object_type) or "—")


def object_type_label(object_type: str) -> str:
    found = OBJECT_TYPES.get(object_type)
    return str(found) if found is not None else object_type.replace("_", " ")


def field_label(name: str) -> str:
    found = FIELDS.get(name)
    return str(found) if found is not None else name.replace("_", " ").capitalize()


def details(entry: ActivityEntry) -> list[Detail]:
    """The entry's details as labelled, readable values; empty values are left out."""
    changes = entry.action in CHANGE_ACTIONS
    shown: list[Detail] = []
    for name, value in (entry.details or {}).items():
        if changes and name in _LONG_TEXT and _is_pair(value):
            text = pgettext("activity: a long text was edited", "changed")
        elif changes and name not in CONTEXT_KEYS and _is_pair(value):
            text = _(
                "%(old)s → %(new)s",
                old=_value(name, value[0], entry) or "—",
                new=_value(name, value[1], entry) or "—",
            )
        else:
            text = _value(name, value, entry)
        if text:
            shown.append(Detail(field_label(name), text))
    return shown


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def _value(name: str, value: Any, entry: ActivityEntry) -> str:
    """One value as text; "" for nothing (None, empty strings and lists)."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Mapping):
        parts = [(field_label(str(k)), _value(str(k), v, entry)) for k, v in value.items()]
        return "; ".join(f"{label}: {text}" for label, text in parts if text)
    if isinstance(value, list | tuple):
        return ", ".join(text for text in (_value(name, v, entry) for v in value) if text)
    if name in _REFERENCES and isinstance(value, int):
        return g.get("activity_codes", {}).get(name, {}).get(value) or f"#{value}"
    if name in _ID_FIELDS and isinstance(value, int):
        return f"#{value}"
    if name.endswith("_minor") and isinstance(value, int):
        return money(value)
    if name == "locale":
        return str(current_app.config["LANGUAGES"].get(str(value), value))
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return number(value, 0 if value.is_integer() else 1)
    enum_class = _ENUMS_BY_OBJECT.get((entry.object_type, name)) or _ENUMS.get(name)
    if enum_class is not None:
        try:
            return enum_class(value).label
        except ValueError:
            pass
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
