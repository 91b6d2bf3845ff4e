"""Audits with their answers and scores, corrective actions, notices (and acknowledging
them), assessments and dealer files (metadata and the archived PDF), over the API. Each is
loaded through the access module: out of scope answers 404 like a missing id."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, json
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import downloads
from portal.access import audits as audit_access
from portal.access import notices as notice_access
from portal.access import roles, signed_in
from portal.access.assessments import get_assessment_or_404, visible_assessments
from portal.access.dossiers import get_dealer_file_or_404
from portal.access.scope import dealer_scope
from portal.api import bp
from portal.api.paging import (
    ListArgs,
    filter_common,
    filter_owned,
    id_field,
    paginate,
    sort_field,
    sorts_for,
    updated_since_field,
)
from portal.api.problems import ApiProblem, field_error
from portal.api.schemas import (
    AcknowledgementSchema,
    ActionPage,
    ActionSchema,
    AnswerSchema,
    AssessmentPage,
    AssessmentSchema,
    AuditPage,
    AuditSchema,
    DealerFilePage,
    DealerFileSchema,
    NoticePage,
    NoticeSchema,
    enum,
)
from portal.api.spec import answers, one, single, statuses
from portal.dossiers import archive
from portal.dossiers.views import download_response
from portal.extensions import db
from portal.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    Audit,
    AuditAnswer,
    AuditStatus,
    CorrectiveAction,
    DealerFile,
    Notice,
    NoticeKind,
    NoticeStatus,
    Role,
)
from portal.notices import responses
from portal.notices.rules import NoticeError

LIST_ERRORS = statuses(400, 422)


# Audits

AUDIT_SORTS = {
    "id": Audit.id,
    "scheduled_for": Audit.scheduled_for,
    "updated_at": Audit.updated_at,
}


class AuditArgs(ListArgs):
    sort = sort_field(sorts_for(AUDIT_SORTS), "id")
    region = id_field()
    dealer = id_field()
    store = id_field()
    status = enum(AuditStatus)
    updated_since = updated_since_field()


class AuditListItem(AuditSchema):
    class Meta:
        exclude = ("answers",)


@bp.route("/audits")
@signed_in
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditPage)
@answers(bp, *LIST_ERRORS)
def audits(args: dict):
    """Audits this token may see (dealers: completed ones, and announced ones before)."""
    query = filter_owned(
        audit_access.visible_audits(current_user),
        args,
        Audit.dealer_id,
        {"store": Audit.store_id, "status": Audit.status, "updated_since": Audit.updated_at},
    )
    page = paginate(query, args, sorts=AUDIT_SORTS, id_column=Audit.id)
    body = {
        "items": [_audit_body(audit, detail=False) for audit in page.items],
        "next_cursor": page.next_cursor,
    }
    return current_app.response_class(json.dumps(body), mimetype="application/json")


def _audit_body(audit: Audit, *, detail: bool) -> dict[str, Any]:
    body = AuditListItem().dump(audit)
    if not audit_access.can_see_answers(current_user, audit):
        body["summary"] = ""
    if detail:
        answers_ = []
        if audit_access.can_see_answers(current_user, audit):
            rows = db.session.scalars(
                select(AuditAnswer)
                .where(AuditAnswer.audit_id == audit.id)
                .options(selectinload(AuditAnswer.item))
                .order_by(AuditAnswer.id)
            )
            answers_ = AnswerSchema(many=True).dump(list(rows))
        body["answers"] = answers_
    return body


@bp.route("/audits/<int:audit_id>")
@signed_in
@single(bp, AuditSchema)
def audit(audit_id: int):
    """One audit with its score and, once the token may see them, its answers."""
    found = audit_access.get_audit_or_404(current_user, audit_id)
    return one(_Prepared, _audit_body(found, detail=True))


class _Prepared(ma.Schema):
    """A body already shaped by its view: passed through as it is."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        return obj


# Corrective actions

ACTION_SORTS = {
    "id": CorrectiveAction.id,
    "due_on": CorrectiveAction.due_on,
    "updated_at": CorrectiveAction.updated_at,
}


class ActionArgs(ListArgs):
    sort = sort_field(sorts_for(ACTION_SORTS), "id")
    region = id_field()
    dealer = id_field()
    store = id_field()
    status = enum(ActionStatus)
    updated_since = updated_since_field()


@bp.route("/corrective-actions")
@signed_in
@bp.arguments(ActionArgs, location="query")
@bp.response(200, ActionPage)
@answers(bp, *LIST_ERRORS)
def corrective_actions(args: dict):
    query = filter_owned(
        audit_access.visible_actions(current_user).options(selectinload(CorrectiveAction.item)),
        args,
        CorrectiveAction.dealer_id,
        {
            "store": CorrectiveAction.store_id,
            "status": CorrectiveAction.status,
            "updated_since": CorrectiveAction.updated_at,
        },
    )
    return paginate(query, args, sorts=ACTION_SORTS, id_column=CorrectiveAction.id)


@bp.route("/corrective-actions/<int:action_id>")
@signed_in
@single(bp, ActionSchema)
def corrective_action(action_id: int):
    return one(ActionSchema, audit_access.get_action_or_404(current_user, action_id))


# Notices

NOTICE_SORTS = {"id": Notice.id, "updated_at": Notice.updated_at}


class NoticeArgs(ListArgs):
    sort = sort_field(sorts_for(NOTICE_SORTS), "id")
    kind = enum(NoticeKind)
    status = enum(NoticeStatus)
    updated_since = updated_since_field()


@bp.route("/notices")
@signed_in
@bp.arguments(NoticeArgs, location="query")
@bp.response(200, NoticePage)
@answers(bp, *LIST_ERRORS)
def notices(args: dict):
    """Notices this token may open (dealers: published ones addressed to their dealer)."""
    query = notice_access.visible_notices(current_user)
    if args.get("kind") is not None:
        query = query.where(Notice.kind == args["kind"])
    query = filter_common(
        query, args, {"status": Notice.status, "updated_since": Notice.updated_at}
    )
    return paginate(query, args, sorts=NOTICE_SORTS, id_column=Notice.id)


@bp.route("/notices/<int:notice_id>")
@signed_in
@single(bp, NoticeSchema)
def notice(notice_id: int):
    return one(NoticeSchema, notice_access.get_notice_or_404(current_user, notice_id))


class AcknowledgeIn(ma.Schema):
    version = fields.Integer(
        required=True, metadata={"description": "The version read (current_version)"}
    )


@bp.route("/notices/<int:notice_id>/acknowledge", methods=["POST"])
@roles(Role.DEALER)
@bp.arguments(AcknowledgeIn)
@bp.response(200, AcknowledgementSchema)
@answers(bp, *statuses(400, 404, 409, 422))
def acknowledge_notice(data: dict, notice_id: int):
    """Acknowledge the version read, for the token's dealer (again: acknowledged false)."""
    found = notice_access.get_notice_or_404(current_user, notice_id, for_update=True)
    if not notice_access.can_respond(current_user, found):
        raise ApiProblem(409, _l("This notice takes no more answers."))
    try:
        recorded = responses.acknowledge(found, user=current_user, version=data["version"])
    except NoticeError as error:
        raise ApiProblem(
            409, error.message, errors=[field_error(error.field, error.message)]
        ) from None
    db.session.commit()
    return {"notice_id": found.id, "version": data["version"], "acknowledged": recorded}


# Assessments

ASSESSMENT_SORTS = {"id": Assessment.id, "updated_at": Assessment.updated_at}


class AssessmentArgs(ListArgs):
    sort = sort_field(sorts_for(ASSESSMENT_SORTS), "id")
    region = id_field()
    dealer = id_field()
    status = enum(AssessmentStatus)
    updated_since = updated_since_field()


@bp.route("/assessments")
@signed_in
@bp.arguments(AssessmentArgs, location="query")
@bp.response(200, AssessmentPage)
@answers(bp, *LIST_ERRORS)
def assessments(args: dict):
    """Dealer assessments (dealers: their own final ones)."""
    query = filter_owned(
        visible_assessments(current_user).options(
            selectinload(Assessment.metrics), selectinload(Assessment.ratings)
        ),
        args,
        Assessment.dealer_id,
        {"status": Assessment.status, "updated_since": Assessment.updated_at},
    )
    return paginate(query, args, sorts=ASSESSMENT_SORTS, id_column=Assessment.id)


@bp.route("/assessments/<int:assessment_id>")
@signed_in
@single(bp, AssessmentSchema)
def assessment(assessment_id: int):
    return one(AssessmentSchema, get_assessment_or_404(current_user, assessment_id))


# Dealer files

FILE_SORTS = {"id": DealerFile.id, "issued_at": DealerFile.issued_at}


class DealerFileArgs(ListArgs):
    sort = sort_field(sorts_for(FILE_SORTS), "id")
    region = id_field()
    dealer = id_field()


@bp.route("/dealer-files")
@signed_in
@bp.arguments(DealerFileArgs, location="query")
@bp.response(200, DealerFilePage)
@answers(bp, *LIST_ERRORS)
def dealer_files(args: dict):
    """Issued dealer files (their metadata) of the dealers this token may see."""
    query = filter_owned(
        select(DealerFile).where(dealer_scope(current_user, DealerFile.dealer_id)),
        args,
        DealerFile.dealer_id,
        {},
    )
    return paginate(query, args, sorts=FILE_SORTS, id_column=DealerFile.id)


@bp.route("/dealer-files/<int:file_id>")
@signed_in
@single(bp, DealerFileSchema)
def dealer_file(file_id: int):
    return one(DealerFileSchema, get_dealer_file_or_404(current_user, file_id))


@bp.route("/dealer-files/<int:file_id>/pdf")
@signed_in
@bp.response(
    200,
    description="The archived PDF, byte for byte as issued",
    content_type="application/pdf",
)
@answers(bp, *statuses(404))
def dealer_file_pdf(file_id: int):
    found = get_dealer_file_or_404(current_user, file_id)
    response = download_response(archive.load(found), found.filename, "application/pdf")
    downloads.log_download("dealer_file.download", found)
    return response
