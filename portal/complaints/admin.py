"""The complaint settings admins keep: categories, each region's business calendar (time zone,
opening hours, after-sales contact) and the holidays. Each function checks what forms cannot,
flushes, logs, never commits.

A calendar change applies to the clocks started after it: deadlines already computed stay on
their complaints (`portal.complaints.deadlines`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import selectinload

from portal import activity
from portal.complaints import deadlines
from portal.database import insert_unique
from portal.extensions import db
from portal.models import ComplaintCategory, Holiday, Region, RegionHours, Role, User
from portal.models.base import utcnow

CATEGORY_FIELDS = ("code", "name", "name_zh", "resolve_days", "sort_order", "active")
Hours = dict[int, tuple[time, time]]  # weekday → (opens, closes); a missing day is closed


class SettingsError(ValueError):
    """A change the settings refuse; `field` names the form field to show it on."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


# Categories


def _check_code_free(code: str, current: ComplaintCategory | None) -> None:
    found = db.session.scalar(select(ComplaintCategory).where(ComplaintCategory.code == code))
    if found is not None and found is not current:
        raise SettingsError("code", _l("This code is already used."))


def _pick(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in CATEGORY_FIELDS if name in values}


def create_category(values: Mapping[str, Any]) -> ComplaintCategory:
    values = _pick(values)
    _check_code_free(values["code"], None)
    category = ComplaintCategory(**values)
    insert_unique(category, lambda: _check_code_free(values["code"], None))
    activity.record("complaint_category.create", category, details={"values": values})
    return category


def update_category(category: ComplaintCategory, values: Mapping[str, Any]) -> dict:
    values = _pick(values)
    _check_code_free(values.get("code", category.code), category)
    changed = activity.apply_changes(category, values)
    if changed:
        db.session.flush()
        activity.record("complaint_category.update", category, details=changed)
    return changed


def categories() -> list[ComplaintCategory]:
    return list(
        db.session.scalars(
            select(ComplaintCategory).order_by(ComplaintCategory.sort_order, ComplaintCategory.code)
        )
    )


# Business calendars


@cache
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def _may_handle(user: User, region: Region) -> bool:
    """Admins, and the region's supervisors: those who may open its complaints."""
    if not user.active:
        return False
    return user.is_admin or (user.is_supervisor and region in user.regions)


def contact_choices(region: Region) -> list[User]:
    """Who may be the region's after-sales contact: active admins and the region's active
    supervisors (the current contact too, so that the form can show it)."""
    query = (
        select(User)
        .where(
            or_(
                User.role.in_([Role.SUPERVISOR, Role.ADMIN]),
                User.id == (region.after_sales_user_id or 0),
            )
        )
        .options(selectinload(User.regions))
        .order_by(User.name, User.id)
    )
    return [
        user
        for user in db.session.scalars(query)
        if _may_handle(user, region) or user.id == region.after_sales_user_id
    ]


def hours_of(region: Region) -> Hours:
    """The region's opening hours by weekday (the defaults when it set none)."""
    return {day: intervals[0] for day, intervals in deadlines.weekly_hours(region.id).items()}


def has_own_hours(region: Region) -> bool:
    query = select(RegionHours.weekday).where(RegionHours.region_id == region.id).limit(1)
    return db.session.scalar(query) is not None


def _check_contact(user_id: int | None, region: Region) -> None:
    if not user_id or user_id == region.after_sales_user_id:
        return
    user = db.session.get(User, user_id)
    if user is None or not _may_handle(user, region):
        raise SettingsError(
            "after_sales_user_id",
            _l("Choose an active administrator or a supervisor of this region."),
        )


def _check_hours(hours: Hours) -> None:
    if not hours:
        raise SettingsError("days", _l("Open the region on one day of the week at least."))
    for weekday, (opens, closes) in hours.items():
        if weekday not in range(7):
            raise SettingsError("days", _l("A week has seven days."))
        if not opens < closes:
            raise SettingsError("days", _l("Each day must open before it closes."))


def save_calendar(
    region: Region,
    *,
    timezone: str,
    hours: Hours,
    after_sales_user_id: int | None,
    after_sales_email: str,
) -> dict[str, list[Any]]:
    """Set the region's time zone, its contact and its week (the rows replaced at once).
    Returns {field: [old, new]} for what changed."""
    if timezone not in time_zones():
        raise SettingsError("timezone", _l("Choose a time zone from the list."))
    _check_contact(after_sales_user_id, region)
    _check_hours(hours)
    changed = activity.apply_changes(
        region,
        {
            "timezone": timezone,
            "after_sales_user_id": after_sales_user_id or None,
            "after_sales_email": after_sales_email.strip(),
        },
    )
    old = _stored_hours(region)
    if old != hours:
        db.session.execute(delete(RegionHours).where(RegionHours.region_id == region.id))
        db.session.add_all(
            RegionHours(region_id=region.id, weekday=day, opens=opens, closes=closes)
            for day, (opens, closes) in sorted(hours.items())
        )
        changed["hours"] = [_shown_hours(old), _shown_hours(hours)]
        region.updated_at = utcnow()  # the week lives in another table: bump the version
    if changed:
        db.session.flush()
        activity.record("region.calendar", region, details=changed)
    return changed


def _stored_hours(region: Region) -> Hours | None:
    """The region's own rows (None: it keeps the defaults)."""
    rows = db.session.scalars(select(RegionHours).where(RegionHours.region_id == region.id))
    found = {row.weekday: (row.opens, row.closes) for row in rows}
    return found or None


def _shown_hours(hours: Hours | None) -> str:
    if hours is None:
        return "default"
    return "; ".join(
        f"{day}: {opens:%H:%M}-{closes:%H:%M}" for day, (opens, closes) in sorted(hours.items())
    )


# Holidays


def find_holiday(day: date, region_id: int | None) -> Holiday | None:
    region_match = (
        Holiday.region_id.is_(None) if region_id is None else Holiday.region_id == region_id
    )
    return db.session.scalar(select(Holiday).where(Holiday.day == day, region_match))


def add_holiday(day: date, name: str, region: Region | None) -> Holiday:
    """Close a region (or, without one, the whole network) on `day`."""
    region_id = region.id if region is not None else None

    def check_free() -> None:
        if find_holiday(day, region_id) is not None:
            raise SettingsError("day", _l("This day is already a holiday there."))

    check_free()
    holiday = Holiday(day=day, name=name.strip(), region_id=region_id, region=region)
    insert_unique(holiday, check_free)
    activity.record(
        "holiday.create",
        holiday,
        details={"day": day, "name": holiday.name, "region": region.code if region else ""},
        label=_holiday_label(holiday),
    )
    return holiday


def delete_holiday(holiday: Holiday) -> None:
    activity.record(
        "holiday.delete",
        holiday,
        details={"day": holiday.day, "name": holiday.name},
        label=_holiday_label(holiday),
    )
    db.session.delete(holiday)
    db.session.flush()


def _holiday_label(holiday: Holiday) -> str:
    where = holiday.region.code if holiday.region is not None else "*"
    return f"{holiday.day.isoformat()} {where} {holiday.name}".strip()
