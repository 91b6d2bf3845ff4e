"""What the API's resources look like: marshmallow schemas that shape answers and, through
apispec, the OpenAPI document. Amounts are decimal strings in major units ("12500.50"),
as in the CSV files; counts are integers; dates ISO 8601; enums their codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields

from portal import money
from portal.models import (
    ActionStatus,
    AnswerResult,
    AssessmentStatus,
    AuditKind,
    AuditStatus,
    Channel,
    CompetitorActivityKind,
    ComplaintStatus,
    DealerKind,
    DealerStatus,
    NoticeKind,
    NoticeStatus,
    PlanStatus,
    Remedy,
    ReportStatus,
    Role,
    SeriousKind,
    Severity,
    StoreFormat,
    StoreStatus,
)


class MoneyField(fields.Field):
    """Minor units (int) out as a decimal string of major units; documented as a string."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return str(money.to_decimal(int(value)))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return value if isinstance(value, str) else str(Decimal(value))


class Code(fields.String):
    """An enum member as its code (for schemas shared by several enums)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return getattr(value, "value", value)


def enum(cls: Any, **kwargs: Any) -> fields.Enum:
    return fields.Enum(cls, by_value=True, **kwargs)


# Errors


class FieldErrorSchema(ma.Schema):
    location = fields.String(metadata={"description": "json, query or header"})
    field = fields.String(metadata={"description": "Dotted path of the field (rows.3.revenue)"})
    pointer = fields.String(metadata={"description": "JSON pointer to the field (/rows/3/revenue)"})
    message = fields.String()
    row = fields.Integer(metadata={"description": "Index of the row in a bulk request"})


class ProblemSchema(ma.Schema):
    """An error (RFC 9457)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    request_id = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
    current_etag = fields.String(metadata={"description": "The resource's ETag now (412, 409)"})


# Network registry


class RegionSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class DealerSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = enum(DealerKind)
    status = enum(DealerStatus)
    region_id = fields.Integer()
    contact_person = fields.String()
    phone = fields.String()
    email = fields.String()
    address = fields.String()
    city = fields.String()
    city_alias = fields.String()
    contract_start = fields.Date(allow_none=True)
    contract_end = fields.Date(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class StoreSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    dealer_id = fields.Integer()
    address = fields.String()
    city = fields.String()
    city_alias = fields.String()
    format = enum(StoreFormat)
    opened_on = fields.Date(allow_none=True)
    status = enum(StoreStatus)
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class ProductLineSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    sort_order = fields.Integer()
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class TokenInfoSchema(ma.Schema):
    """Who the token acts as."""

    token_name = fields.String()
    read_only = fields.Boolean()
    expires_at = fields.DateTime()
    user_id = fields.Integer()
    role = enum(Role)
    dealer_id = fields.Integer(allow_none=True)
    region_ids = fields.List(fields.Integer())


# Plans and reports


class PlanLineSchema(ma.Schema):
    store_id = fields.Integer()
    product_line_id = fields.Integer()
    revenue = MoneyField(attribute="revenue_minor")
    units = fields.Integer()


class TransitionSchema(ma.Schema):
    action = Code()
    from_status = Code(allow_none=True)
    to_status = Code()
    actor_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    comment = fields.String()


class PlanSchema(ma.Schema):
    id = fields.Integer()
    dealer_id = fields.Integer()
    period = fields.String()
    status = enum(PlanStatus)
    note = fields.String()
    below_target_reason = fields.String()
    first_submitted_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    lines = fields.List(fields.Nested(PlanLineSchema))
    transitions = fields.List(fields.Nested(TransitionSchema))


class ReportLineSchema(ma.Schema):
    product_line_id = fields.Integer()
    revenue = MoneyField(attribute="revenue_minor")
    units = fields.Integer()


class CompetitorSchema(ma.Schema):
    competitor = fields.String()
    kind = enum(CompetitorActivityKind)
    observation = fields.String()


class ReportSchema(ma.Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    dealer_id = fields.Integer()
    period = fields.String()
    status = enum(ReportStatus)
    footfall = fields.Integer(allow_none=True)
    closing_stock = MoneyField(attribute="closing_stock_minor", allow_none=True)
    staff_count = fields.Integer(allow_none=True)
    issues = fields.String()
    customer_feedback = fields.String()
    competitors = fields.List(fields.Nested(CompetitorSchema), attribute="competitor_activities")
    first_submitted_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    lines = fields.List(fields.Nested(ReportLineSchema))
    transitions = fields.List(fields.Nested(TransitionSchema))


class FiguresSchema(ma.Schema):
    """Plan against actual for one dealer and month (and store or product line if asked)."""

    dealer_id = fields.Integer()
    period = fields.String()
    store_id = fields.Integer(allow_none=True)
    product_line_id = fields.Integer(allow_none=True)
    target_revenue = MoneyField()
    actual_revenue = MoneyField()
    variance_revenue = MoneyField(metadata={"description": "Negative when short of target"})
    target_units = fields.Integer()
    actual_units = fields.Integer()
    variance_units = fields.Integer()
    attainment_bp = fields.Integer(
        allow_none=True, metadata={"description": "Actual / target revenue, in 1/100 %"}
    )
    unmatched_revenue = MoneyField(metadata={"description": "Actuals without a target"})
    unmatched_units = fields.Integer()


# Audits, actions, notices, assessments, dealer files


class AnswerSchema(ma.Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    item_code = fields.String(attribute="item.code")
    question = fields.String(attribute="item.question")
    weight = fields.Integer(attribute="item.weight")
    critical = fields.Boolean(attribute="item.critical")
    result = enum(AnswerResult, allow_none=True)
    note = fields.String()
    answered_at = fields.DateTime(allow_none=True)


class AuditSchema(ma.Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    dealer_id = fields.Integer()
    standard_id = fields.Integer()
    standard_version_id = fields.Integer(allow_none=True)
    kind = enum(AuditKind)
    follow_up_of_id = fields.Integer(allow_none=True)
    scheduled_for = fields.Date()
    announced = fields.Boolean()
    status = enum(AuditStatus)
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    score = fields.Decimal(as_string=True, allow_none=True)
    grade = fields.String(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    critical_failed = fields.Boolean(allow_none=True)
    summary = fields.String(metadata={"description": "Empty until the answers may be seen"})
    acknowledged_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    answers = fields.List(
        fields.Nested(AnswerSchema),
        metadata={"description": "Only on single audits, once the token may see answers"},
    )


class ActionSchema(ma.Schema):
    id = fields.Integer()
    audit_id = fields.Integer()
    item_id = fields.Integer()
    item_code = fields.String(attribute="item.code")
    store_id = fields.Integer()
    dealer_id = fields.Integer()
    critical = fields.Boolean()
    repeat = fields.Boolean()
    due_on = fields.Date()
    original_due_on = fields.Date()
    status = enum(ActionStatus)
    responded_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class NoticeSchema(ma.Schema):
    id = fields.Integer()
    kind = enum(NoticeKind)
    status = enum(NoticeStatus)
    title = fields.String()
    body = fields.String(metadata={"description": "Markdown"})
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    current_version = fields.Integer()
    acknowledge_due_on = fields.Date(allow_none=True)
    promotion_start = fields.Date(allow_none=True)
    promotion_end = fields.Date(allow_none=True)
    execution_deadline = fields.Date(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class AcknowledgementSchema(ma.Schema):
    notice_id = fields.Integer()
    version = fields.Integer()
    acknowledged = fields.Boolean(metadata={"description": "False when it already had been"})


class AssessmentMetricSchema(ma.Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Decimal(as_string=True, allow_none=True)
    weight = fields.Decimal(as_string=True)


class AssessmentRatingSchema(ma.Schema):
    key = fields.String()
    label = fields.String()
    rating = fields.Integer(allow_none=True)
    weight = fields.Decimal(as_string=True)
    comment = fields.String()


class AssessmentSchema(ma.Schema):
    id = fields.Integer()
    dealer_id = fields.Integer()
    period = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    status = enum(AssessmentStatus)
    score = fields.Decimal(as_string=True, allow_none=True)
    grade = fields.String(allow_none=True)
    metric_score = fields.Decimal(as_string=True, allow_none=True)
    criteria_score = fields.Decimal(as_string=True, allow_none=True)
    finalised_at = fields.DateTime(allow_none=True)
    comment = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    metrics = fields.List(fields.Nested(AssessmentMetricSchema))
    ratings = fields.List(fields.Nested(AssessmentRatingSchema))


class DealerFileSchema(ma.Schema):
    id = fields.Integer()
    document_id = fields.String()
    dealer_id = fields.Integer()
    issued_at = fields.DateTime()
    sha256 = fields.String()
    size = fields.Integer()
    pages = fields.Integer()
    locale = fields.String()


# Complaints


class ComplaintSchema(ma.Schema):
    id = fields.Integer()
    reference = fields.String(metadata={"description": "C000123"})
    store_id = fields.Integer()
    dealer_id = fields.Integer()
    region_id = fields.Integer()
    category = fields.String(attribute="category.code", metadata={"description": "Code"})
    product_line_id = fields.Integer(allow_none=True)
    channel = enum(Channel)
    severity = enum(Severity)
    serious_kind = enum(SeriousKind, allow_none=True)
    customer_name = fields.String()
    customer_phone = fields.String()
    customer_email = fields.String()
    description = fields.String()
    status = enum(ComplaintStatus)
    received_at = fields.DateTime()
    forwarded_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    reopened_at = fields.DateTime(allow_none=True)
    cycle = fields.Integer(metadata={"description": "Times reopened (a repeat when above 0)"})
    forward_due_at = fields.DateTime(metadata={"description": "In business hours"})
    resolve_due_at = fields.DateTime(metadata={"description": "Of the current cycle"})
    forwarded_on_time = fields.Boolean(allow_none=True)
    resolved_on_time = fields.Boolean(allow_none=True)
    remedy = enum(Remedy, allow_none=True)
    cost = MoneyField(attribute="cost_minor", allow_none=True)
    satisfaction = fields.Integer(allow_none=True, metadata={"description": "1 to 5"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    transitions = fields.List(fields.Nested(TransitionSchema))


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A list answer: the items and the cursor of the next page (null on the last)."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item)),
            "next_cursor": fields.String(
                allow_none=True, metadata={"description": "Pass as `cursor` for the next page"}
            ),
        },
    )


RegionPage = page_of(RegionSchema, "RegionPage")
DealerPage = page_of(DealerSchema, "DealerPage")
StorePage = page_of(StoreSchema, "StorePage")
ProductLinePage = page_of(ProductLineSchema, "ProductLinePage")
PlanPage = page_of(PlanSchema, "PlanPage")
ReportPage = page_of(ReportSchema, "ReportPage")
AuditPage = page_of(AuditSchema, "AuditPage")
ActionPage = page_of(ActionSchema, "ActionPage")
NoticePage = page_of(NoticeSchema, "NoticePage")
AssessmentPage = page_of(AssessmentSchema, "AssessmentPage")
DealerFilePage = page_of(DealerFileSchema, "DealerFilePage")
ComplaintPage = page_of(ComplaintSchema, "ComplaintPage")
