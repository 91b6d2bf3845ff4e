"""What the lifecycles say (`portal.lifecycle`, `portal.decisions`), per workflow and step.

Keyed like the activity log's codes, by the workflow's name and the step's action
(`plan.approve`): the refusal when a step is asked of a record in another status, the
prompt when its reason is left empty, the message after a reviewer's decision; in-app
notices by their kind. Every step of every workflow has its words here
(tests/plans/test_lifecycle.py checks).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

REFUSED: dict[str, Any] = {
    "plan.submit": _l("Only a draft or returned plan can be submitted."),
    "plan.approve": _l("Only a submitted plan can be approved."),
    "plan.return": _l("Only a submitted plan can be returned."),
    "plan.reopen": _l("Only an approved plan can be reopened."),
    "report.submit": _l("Only a draft or returned report can be submitted."),
    "report.review": _l("Only a submitted report can be reviewed."),
    "report.return": _l("Only a submitted report can be returned."),
    "complaint.receive": _l("This complaint is already recorded."),
    "complaint.forward": _l("Only a complaint just received can be forwarded to after-sales."),
    "complaint.start": _l("Only a forwarded or reopened complaint can be taken in hand."),
    "complaint.resolve": _l("Only a complaint in progress can be resolved."),
    "complaint.close": _l("Only a resolved complaint can be closed."),
    "complaint.reopen": _l("Only a resolved or closed complaint can be reopened."),
    "allocation.submit": _l("Only a draft or returned allocation can be submitted."),
    "allocation.approve": _l("Only a submitted allocation can be approved."),
    "allocation.return": _l("Only a submitted allocation can be returned."),
    "allocation.reopen": _l("Only an approved allocation can be reopened."),
    "forecast.submit": _l("This forecast is already submitted."),
    "forecast.request_revision": _l("Only a submitted forecast can be sent back for revision."),
    "prospect.contact": _l("Only a new lead can be marked as contacted."),
    "prospect.screen": _l("Only a contacted prospect can start its screening."),
    "prospect.visit": _l("Only a prospect in screening can have its site visit recorded."),
    "prospect.propose": _l("Only a prospect whose site was visited can have its proposal sent."),
    "prospect.approve": _l("Only a proposal waiting for approval can be approved."),
    "prospect.return": _l("Only a proposal waiting for approval can be returned."),
    "prospect.sign": _l("Only an approved prospect can be signed."),
    "prospect.lose": _l("Only an open prospect can be lost."),
    "contract.create": _l("This contract is already recorded."),
    "contract.propose": _l("This renewal is already proposed."),
    "contract.approve": _l("Only a proposed renewal can be approved."),
    "contract.decline": _l("Only a proposed renewal can be declined."),
    "contract.sign": _l("Only an approved renewal can be signed."),
    "contract.supersede": _l("Only a contract in force can be superseded."),
}

# Steps whose comment is required: what to say when it is left empty.
WHY: dict[str, Any] = {
    "plan.return": _l("Say what the dealer should change."),
    "plan.reopen": _l("Give a reason for reopening the plan."),
    "report.return": _l("Say what the store should change."),
    "complaint.resolve": _l("Say how the complaint was resolved."),
    "complaint.reopen": _l("Say why the customer came back."),
    "allocation.return": _l("Say what the supervisor should change."),
    "allocation.reopen": _l("Give a reason for reopening the allocation."),
    "forecast.request_revision": _l("Say what the supervisor should revise."),
    "prospect.visit": _l("Say what the site visit found."),
    "prospect.return": _l("Say what the proposal should change."),
    "prospect.lose": _l("Say why the prospect is lost."),
    "contract.decline": _l("Say why the renewal is declined."),
}

# The in-app notices of the steps, by kind (registered with portal.notifications).
NOTICES: dict[str, Any] = {
    "plan.submitted": _l("%(dealer)s submitted the sales plan for %(period)s."),
    "plan.approved": _l("Your sales plan for %(period)s was approved."),
    "plan.returned": _l("Your sales plan for %(period)s was returned: %(comment)s"),
    "plan.reopened": _l("Your approved sales plan for %(period)s was reopened: %(comment)s"),
    "report.submitted": _l("%(dealer)s submitted the report of %(store)s for %(period)s."),
    "report.reviewed": _l("The report of %(store)s for %(period)s was reviewed."),
    "report.returned": _l("The report of %(store)s for %(period)s was returned: %(comment)s"),
    "complaint.received": _l("%(dealer)s recorded complaint %(reference)s at %(store)s."),
    "complaint.resolved": _l("%(dealer)s resolved complaint %(reference)s at %(store)s."),
    "complaint.closed": _l("Complaint %(reference)s at %(store)s was closed."),
    "complaint.reopened": _l(
        "Complaint %(reference)s at %(store)s was reopened by %(dealer)s: %(comment)s"
    ),
    "contract.signed": _l("Your renewed contract %(number)s is signed and in force."),
}

# A reviewer's decisions: the message once made, then the ones when none can be made.
DECIDED: dict[str, Any] = {
    "plan.approve": _l("Plan of %(dealer)s for %(period)s approved."),
    "plan.return": _l("Plan of %(dealer)s for %(period)s returned to the dealer."),
    "report.review": _l("Report of %(store)s for %(period)s marked as reviewed."),
    "report.return": _l("Report of %(store)s for %(period)s returned to the dealer."),
    "allocation.approve": _l("Allocation of %(region)s for %(year)s approved."),
    "allocation.return": _l("Allocation of %(region)s for %(year)s returned to the supervisor."),
    "prospect.approve": _l("Proposal for %(prospect)s (%(region)s) approved."),
    "prospect.return": _l("Proposal for %(prospect)s (%(region)s) returned to the supervisor."),
}
NOT_WAITING: dict[str, Any] = {
    "plan": _l("This plan is %(status)s: there is nothing to review."),
    "report": _l("This report is %(status)s: there is nothing to review."),
    "allocation": _l("This allocation is %(status)s: there is nothing to review."),
    "forecast": _l("This forecast is %(status)s: there is nothing to review."),
    "prospect": _l("This prospect is at the stage “%(status)s”: there is no proposal to review."),
}
CHANGED: dict[str, Any] = {
    "plan": _l("This plan changed since you opened it. Check it and decide again."),
    "report": _l("This report changed since you opened it. Check it and decide again."),
    "allocation": _l("This allocation changed since you opened it. Check it and decide again."),
    "forecast": _l("This forecast changed since you opened it. Check it and decide again."),
    "prospect": _l("This prospect changed since you opened it. Check it and decide again."),
}
