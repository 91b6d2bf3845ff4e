"""What may be mailed: kinds (one template each), the topics users choose for, and whether a
recipient may still see what a mail is about (the same rules as the pages, S23)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from portal import access
from portal.access import audits as audit_access
from portal.access import complaints as complaint_access
from portal.access import notices as notice_access
from portal.access import receivables as receivables_access
from portal.extensions import db
from portal.models import (
    Audit,
    CollectionTask,
    Complaint,
    CorrectiveAction,
    Dealer,
    DealerFile,
    Notice,
    SalesPlan,
    StoreReport,
    User,
)

# Topics: what a user chooses "right away / daily digest / off" for.
ACCOUNT = "account"  # password mails: always right away, never bundled, never off
PLANS = "plans"
ACTIONS = "actions"
AUDITS = "audits"
NOTICES = "notices"
DEALER_FILES = "dealer_files"
CONTRACTS = "contracts"
COMPLAINTS = "complaints"
ESCALATIONS = "escalations"  # staff may choose a digest, never off
DIGEST = "digest"  # a bundle of other mails

TOPIC_LABELS: dict[str, Any] = {
    PLANS: _l("Sales plans and store reports"),
    ACTIONS: _l("Corrective actions"),
    AUDITS: _l("Audit results"),
    NOTICES: _l("Policies and promotions"),
    DEALER_FILES: _l("Dealer files"),
    CONTRACTS: _l("Contracts and documents expiring"),
    COMPLAINTS: _l("Customer complaints"),
    ESCALATIONS: _l("Overdue items escalated to you"),
}
DEALER_TOPICS = (PLANS, ACTIONS, AUDITS, NOTICES, DEALER_FILES, COMPLAINTS, CONTRACTS)
STAFF_TOPICS = (CONTRACTS, COMPLAINTS, ESCALATIONS)
NEVER_OFF = frozenset({ACCOUNT, ESCALATIONS})


def topics_for(user: User) -> tuple[str, ...]:
    return DEALER_TOPICS if user.is_dealer else STAFF_TOPICS


@dataclass(frozen=True)
class Kind:
    name: str  # the template: mail/<name>.html
    topic: str
    redact_in_outbox: bool = False  # the demo outbox keeps a copy without its link
    to_mailboxes: bool = False  # may also go to an address that is no user's (outbox.add_to)


KINDS: dict[str, Kind] = {}


def register(name: str, topic: str, **options: Any) -> Kind:
    kind = Kind(name, topic, **options)
    KINDS[name] = kind
    return kind


def kind_of(name: str) -> Kind:
    return KINDS[name]


register("password_reset", ACCOUNT, redact_in_outbox=True)
register("password_reset_by_admin", ACCOUNT)
register("digest", DIGEST)
# Events (portal/mail/events.py)
for _name in ("plan_returned", "plan_approved", "plan_reopened", "report_returned"):
    register(_name, PLANS)
register("report_reviewed", PLANS)
register("audit_completed", AUDITS)
register("action_reopened", ACTIONS)
register("notice_published", NOTICES)
register("notice_changed", NOTICES)
register("dealer_file_issued", DEALER_FILES)
# Reminders and escalations (portal/mail/reminders.py)
register("plan_due", PLANS)
register("report_due", PLANS)
register("action_due", ACTIONS)
register("notice_due", NOTICES)
register("execution_due", NOTICES)
register("contract_ending", CONTRACTS)  # told by portal/contracts/reminders.py
register("escalation", ESCALATIONS)
# Complaints (portal/complaints): a reminder or an escalation of a target, and a complaint
# forwarded to its region's after-sales contact.
register("complaint_alert", COMPLAINTS)
register("complaint_escalation", ESCALATIONS)
register("complaint_forwarded", COMPLAINTS, to_mailboxes=True)
# Receivables (portal/receivables/collections.py): a dealer's broken promise to pay.
register("collection_escalation", ESCALATIONS)
# Contracts and documents (portal/contracts/reminders.py): 90, 30, 7 days ahead, expired.
register("document_expiring", CONTRACTS)


# May the recipient see the page a mail links to? One check per page endpoint, each the
# page's own loader rule.
Check = Callable[..., bool]


def _get(model: Any, ident: Any) -> Any:
    return db.session.get(model, ident) if isinstance(ident, int) else None


def _plan(user: User, plan_id: int) -> bool:
    plan = _get(SalesPlan, plan_id)
    return plan is not None and access.can_view_plan(user, plan)


def _report(user: User, report_id: int) -> bool:
    report = _get(StoreReport, report_id)
    return report is not None and access.can_view_report(user, report)


def _audit(user: User, audit_id: int) -> bool:
    audit = _get(Audit, audit_id)
    return audit is not None and audit_access.can_view_audit(user, audit)


def _audit_answers(user: User, audit_id: int) -> bool:
    audit = _get(Audit, audit_id)
    return audit is not None and audit_access.can_see_answers(user, audit)


def _action(user: User, action_id: int) -> bool:
    action = _get(CorrectiveAction, action_id)
    return action is not None and audit_access.can_view_action(user, action)


def _notice(user: User, notice_id: int) -> bool:
    notice = _get(Notice, notice_id)
    return notice is not None and notice_access.can_view_notice(user, notice)


def _dealer(user: User, dealer_id: int) -> bool:
    dealer = _get(Dealer, dealer_id)
    return dealer is not None and access.can_view_dealer(user, dealer)


def _dealer_file(user: User, file_id: int) -> bool:
    dealer_file = _get(DealerFile, file_id)
    return dealer_file is not None and access.can_view_dealer(user, dealer_file.dealer)


def _complaint(user: User, complaint_id: int) -> bool:
    complaint = _get(Complaint, complaint_id)
    return complaint is not None and complaint_access.can_view_complaint(user, complaint)


def _collection(user: User, task_id: int) -> bool:
    task = _get(CollectionTask, task_id)
    return task is not None and receivables_access.can_view_collection(user, task)


def _signed_in(user: User, **_values: Any) -> bool:
    return True


def _staff(user: User, **_values: Any) -> bool:
    return user.is_admin or user.is_supervisor


PAGE_CHECKS: dict[str, Check] = {
    "plans.detail": lambda user, plan_id: _plan(user, plan_id),
    "reports.detail": lambda user, report_id: _report(user, report_id),
    "audits.detail": lambda user, audit_id: _audit(user, audit_id),
    "audits.report_progress": lambda user, audit_id: _audit_answers(user, audit_id),
    "actions.detail": lambda user, action_id: _action(user, action_id),
    "notices.detail": lambda user, notice_id: _notice(user, notice_id),
    "dealers.detail": lambda user, dealer_id: _dealer(user, dealer_id),
    "dossiers.download": lambda user, file_id: _dealer_file(user, file_id),
    "complaints.detail": lambda user, complaint_id: _complaint(user, complaint_id),
    "receivables.collection": lambda user, task_id: _collection(user, task_id),
    "contracts.dealer": lambda user, dealer_id: _dealer(user, dealer_id),
    "dashboard.home": _signed_in,
    "plans.index": _signed_in,
    "reports.index": _signed_in,
    "actions.index": _signed_in,
    "notices.index": _signed_in,
    "complaints.index": _signed_in,
    "auth.sign_in": _signed_in,
    "auth.account": _signed_in,
    "dealers.index": _staff,
}


def page_of(path: str) -> tuple[str, dict[str, Any]] | None:
    """The endpoint and arguments of a portal path, or None."""
    adapter = current_app.url_map.bind("localhost")
    try:
        return adapter.match(path.split("?", 1)[0], method="GET")
    except HTTPException:
        return None


def page_allowed(user: User, path: str) -> bool:
    """Whether `user` may open the portal page at `path` (a path with no query)."""
    if not path:
        return True
    page = page_of(path)
    if page is None:
        return False
    endpoint, values = page
    check = PAGE_CHECKS.get(endpoint)
    return check is not None and bool(check(user, **values))


def has_mailbox(address: str) -> bool:
    """Addresses under the reserved `.invalid` domain (RFC 2606), like the API's service
    accounts, have no mailbox: their mail is cancelled, never offered to the server."""
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    return bool(domain) and domain != "invalid" and not domain.endswith(".invalid")


def may_receive(user: User, mail_link: str, params: dict[str, Any]) -> bool:
    """The recipient is active, may sign in, has a mailbox, and may see the page and dealer
    a mail is about."""
    if not user.active or not access.may_sign_in(user) or not has_mailbox(user.email):
        return False
    dealer_id = params.get("dealer_id")
    if dealer_id is not None and not _dealer(user, dealer_id):
        return False
    return page_allowed(user, mail_link)
