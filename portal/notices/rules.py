"""What a notice may contain and whom it may address: values cleaned the way they will be
stored, or refused with a NoticeError naming the form field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.access import notices as notice_access
from portal.extensions import db
from portal.models import Audience, Dealer, DealerKind, Notice, NoticeKind, Region, Store, User

CONTENT_FIELDS = (
    "title",
    "body",
    "effective_from",
    "effective_to",
    "acknowledge_days",
    "promotion_start",
    "promotion_end",
    "execution_deadline",
)
PROMOTION_FIELDS = ("promotion_start", "promotion_end", "execution_deadline")
TYPO_FIELDS = ("title", "body")
DEFAULT_ACKNOWLEDGE_DAYS = 7


class NoticeError(ValueError):
    """A change refused; `field` names the form field to show the message on."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(message)  # kept lazy: translated when shown, in the reader's language
        self.field = field
        self.message = message


def content_values(notice: Notice) -> dict[str, Any]:
    return {name: getattr(notice, name) for name in CONTENT_FIELDS}


def audience_values(notice: Notice) -> dict[str, Any]:
    return {
        "audience": notice.audience,
        "audience_kind": notice.audience_kind,
        "region_ids": sorted(r.id for r in notice.regions),
        "dealer_ids": sorted(d.id for d in notice.dealers),
        "store_ids": sorted(s.id for s in notice.stores),
    }


def clean_content(kind: NoticeKind, values: Mapping[str, Any]) -> dict[str, Any]:
    """The content fields as they would be stored (promotion dates only for promotions)."""
    content = {name: values.get(name) for name in CONTENT_FIELDS}
    content["title"] = (content["title"] or "").strip()
    content["body"] = (content["body"] or "").strip()
    if not content["title"]:
        raise NoticeError("title", _l("Give the notice a title."))
    if not content["body"]:
        raise NoticeError("body", _l("Write the text of the notice."))
    days = int(content["acknowledge_days"] or DEFAULT_ACKNOWLEDGE_DAYS)
    if not 1 <= days <= 90:
        raise NoticeError("acknowledge_days", _l("Between 1 and 90 days."))
    content["acknowledge_days"] = days
    if kind != NoticeKind.PROMOTION:
        for name in PROMOTION_FIELDS:
            content[name] = None
    check_dates(kind, content)
    return content


def check_dates(kind: NoticeKind, values: Mapping[str, Any]) -> None:
    start, end = values.get("effective_from"), values.get("effective_to")
    if start is None:
        raise NoticeError("effective_from", _l("Say from when the notice applies."))
    if end is not None and end < start:
        raise NoticeError("effective_to", _l("The notice cannot end before it starts."))
    if kind != NoticeKind.PROMOTION:
        return
    p_start, p_end = values.get("promotion_start"), values.get("promotion_end")
    deadline = values.get("execution_deadline")
    if p_start is None:
        raise NoticeError("promotion_start", _l("Say when the promotion starts."))
    if p_end is None:
        raise NoticeError("promotion_end", _l("Say when the promotion ends."))
    if p_end < p_start:
        raise NoticeError("promotion_end", _l("The promotion cannot end before it starts."))
    if deadline is None:
        raise NoticeError("execution_deadline", _l("Set a deadline for stores to confirm."))
    if deadline > p_end:
        raise NoticeError(
            "execution_deadline", _l("The deadline must fall before the promotion ends.")
        )


def check_publishable(notice: Notice, today: date) -> None:
    """A version goes out only while it can still be read and carried out."""
    if notice.effective_to is not None and notice.effective_to < today:
        raise NoticeError("effective_to", _l("This notice would already have expired."))
    if not notice.is_promotion:
        return
    if notice.promotion_end is not None and notice.promotion_end < today:
        raise NoticeError("promotion_end", _l("This promotion would already be over."))
    if notice.execution_deadline is not None and notice.execution_deadline < today:
        raise NoticeError(
            "execution_deadline", _l("The execution deadline has passed; choose a later one.")
        )


def clean_audience(values: Mapping[str, Any], notice: Notice) -> dict[str, Any]:
    """The audience as it would be stored: only the choices that matter for its type."""
    audience = Audience(values.get("audience") or Audience.NETWORK)
    region_ids = sorted({int(i) for i in values.get("region_ids") or []})
    dealer_ids = sorted({int(i) for i in values.get("dealer_ids") or []})
    kind = values.get("audience_kind") or None
    if audience == Audience.REGIONS and not region_ids:
        raise NoticeError("region_ids", _l("Choose at least one region."))
    if audience == Audience.DEALERS and not dealer_ids:
        raise NoticeError("dealer_ids", _l("Choose at least one dealer."))
    if audience == Audience.KIND and not kind:
        raise NoticeError("audience_kind", _l("Choose a kind of dealer."))
    store_ids = sorted({int(i) for i in values.get("store_ids") or []})
    return {
        "audience": audience,
        "audience_kind": DealerKind(kind) if audience == Audience.KIND else None,
        "region_ids": region_ids if audience in (Audience.REGIONS, Audience.KIND) else [],
        "dealer_ids": dealer_ids if audience == Audience.DEALERS else [],
        "store_ids": store_ids if notice.is_promotion else [],
    }


def apply_audience(notice: Notice, values: Mapping[str, Any], actor: User) -> dict[str, Any]:
    """Set who the notice is for, refusing what `actor` may not target (check S5).
    Returns {field: [old, new]} for what changed."""
    before = audience_values(notice) if notice.id else {}
    wanted = clean_audience(values, notice)
    problem = notice_access.targeting_problem(
        actor, wanted["audience"], wanted["region_ids"], wanted["dealer_ids"]
    )
    if problem is not None:
        field = problem if problem in ("region_ids", "dealer_ids") else "audience"
        raise NoticeError(field, _l("You can address only your own regions and their dealers."))
    notice.audience = wanted["audience"]
    notice.audience_kind = wanted["audience_kind"]
    notice.regions = _load(Region, wanted["region_ids"], "region_ids")
    notice.dealers = _load(Dealer, wanted["dealer_ids"], "dealer_ids")
    notice.stores = _load(Store, wanted["store_ids"], "store_ids")
    return {k: [before.get(k), v] for k, v in wanted.items() if before.get(k) != v}


def _load(model: type, ids: list[int], field: str) -> list:
    if not ids:
        return []
    rows = db.session.scalars(select(model).where(model.id.in_(ids))).all()
    if len(rows) != len(ids):
        raise NoticeError(field, _l("Choose from the list."))
    return list(rows)


def check_stores_in_audience(notice: Notice) -> None:
    """Chosen stores must belong to dealers in the audience (run after a flush)."""
    if not notice.stores:
        return
    ids = {s.id for s in notice.stores}
    inside = set(
        db.session.scalars(
            select(Store.id)
            .join(Dealer, Store.dealer_id == Dealer.id)
            .join(Notice, notice_access.reaches())
            .where(Notice.id == notice.id, Store.id.in_(ids))
        )
    )
    if inside != ids:
        raise NoticeError("store_ids", _l("Choose only stores of dealers in the audience."))
