"""Who a notice is for, who may see and manage it, and its files.

The audience is a SQL condition between a notice and a dealer (`reaches`), evaluated against
current data on every request: whole network, chosen regions, chosen dealers, or dealers of a
kind (optionally within chosen regions). The same condition lists a dealer's notices and a
notice's dealers, so inboxes, tracking pages, exports and attachments all agree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, exists, false, not_, or_, select, true
from sqlalchemy.orm import aliased

from portal.access.attachments import attachment_rule
from portal.access.scope import dealer_scope, region_ids_of, visible_regions
from portal.extensions import db
from portal.models import (
    Attachment,
    Audience,
    Dealer,
    Notice,
    NoticeExecution,
    NoticeStatus,
    Region,
    Store,
    StoreStatus,
    User,
    notice_dealers,
    notice_regions,
    notice_stores,
)

NOTICE_FILE = "notice"
EXECUTION_PHOTO = "notice_execution"
READABLE = (NoticeStatus.PUBLISHED, NoticeStatus.ARCHIVED)


def reaches(notice: Any = Notice, dealer: Any = Dealer) -> ColumnElement[bool]:
    """True for each (notice, dealer) pair where the dealer is in the notice's audience.

    Pass aliases when the query already holds the plain entities for another purpose.
    """
    # Explicit correlation: these subqueries sit two levels deep in some queries (a dealer
    # EXISTS inside a notice query), where automatic correlation stops at the nearest level.
    in_chosen_region = (
        exists()
        .where(
            notice_regions.c.notice_id == notice.id,
            notice_regions.c.region_id == dealer.region_id,
        )
        .correlate_except(notice_regions)
    )
    any_region_chosen = (
        exists().where(notice_regions.c.notice_id == notice.id).correlate_except(notice_regions)
    )
    chosen_dealer = (
        exists()
        .where(notice_dealers.c.notice_id == notice.id, notice_dealers.c.dealer_id == dealer.id)
        .correlate_except(notice_dealers)
    )
    return and_(
        dealer.active.is_(True),
        or_(
            notice.audience == Audience.NETWORK,
            and_(notice.audience == Audience.REGIONS, in_chosen_region),
            and_(notice.audience == Audience.DEALERS, chosen_dealer),
            and_(
                notice.audience == Audience.KIND,
                notice.audience_kind == dealer.kind,
                or_(not_(any_region_chosen), in_chosen_region),
            ),
        ),
    )


def is_targeted_store() -> ColumnElement[bool]:
    """True for each (Notice, Store) pair where the store must carry out the promotion
    (its dealer must also be reached: combine with `reaches()` on Store.dealer_id)."""
    chosen = (
        exists()
        .where(notice_stores.c.notice_id == Notice.id, notice_stores.c.store_id == Store.id)
        .correlate_except(notice_stores)
    )
    any_chosen = (
        exists().where(notice_stores.c.notice_id == Notice.id).correlate_except(notice_stores)
    )
    return and_(
        Store.active.is_(True),
        Store.status == StoreStatus.OPEN,
        or_(not_(any_chosen), chosen),
    )


def _manageable_by_supervisor(region_ids: Collection[int]) -> ColumnElement[bool]:
    """A supervisor manages a notice addressed only to their regions or their dealers."""
    if not region_ids:
        return false()
    regions_chosen = exists().where(notice_regions.c.notice_id == Notice.id)
    foreign_region = exists().where(
        notice_regions.c.notice_id == Notice.id, notice_regions.c.region_id.not_in(region_ids)
    )
    dealers_chosen = exists().where(notice_dealers.c.notice_id == Notice.id)
    chosen = aliased(Dealer)
    foreign_dealer = exists().where(
        notice_dealers.c.notice_id == Notice.id,
        notice_dealers.c.dealer_id == chosen.id,
        chosen.region_id.not_in(region_ids),
    )
    return or_(
        and_(
            Notice.audience.in_([Audience.REGIONS, Audience.KIND]),
            regions_chosen,
            not_(foreign_region),
        ),
        and_(Notice.audience == Audience.DEALERS, dealers_chosen, not_(foreign_dealer)),
    )


def manageable_condition(user: User) -> ColumnElement[bool]:
    if user.is_admin:
        return true()
    if user.is_supervisor:
        return _manageable_by_supervisor(region_ids_of(user))
    return false()


def visibility_condition(user: User) -> ColumnElement[bool]:
    """Which notices `user` may open at all."""
    if user.is_admin:
        return true()
    if user.is_supervisor:
        mine = aliased(Dealer)
        reaches_my_dealers = (
            select(mine.id)
            .where(reaches(dealer=mine), mine.region_id.in_(region_ids_of(user)))
            .exists()
        )
        return or_(
            manageable_condition(user),
            and_(Notice.status.in_(READABLE), reaches_my_dealers),
        )
    if user.is_dealer and user.dealer_id is not None:
        own = aliased(Dealer)
        reaches_me = select(own.id).where(own.id == user.dealer_id, reaches(dealer=own)).exists()
        return and_(Notice.status.in_(READABLE), reaches_me)
    return false()


def visible_notices(user: User) -> Select[tuple[Notice]]:
    return select(Notice).where(visibility_condition(user))


def can_view_notice(user: User, notice: Notice) -> bool:
    query = select(Notice.id).where(Notice.id == notice.id, visibility_condition(user))
    return db.session.scalar(query) is not None


def can_manage_notice(user: User, notice: Notice) -> bool:
    """Edit, publish, archive: admins always; supervisors for notices of their regions."""
    if user.is_admin:
        return True
    if not user.is_supervisor:
        return False
    query = select(Notice.id).where(Notice.id == notice.id, manageable_condition(user))
    return db.session.scalar(query) is not None


def can_author_notices(user: User) -> bool:
    return user.is_admin or (user.is_supervisor and bool(region_ids_of(user)))


def can_respond(user: User, notice: Notice) -> bool:
    """Dealer users answer published notices addressed to their dealer."""
    return user.is_dealer and notice.is_published and can_view_notice(user, notice)


@dataclass(frozen=True)
class ChosenInScope:
    """The regions, dealers and stores a notice names, limited to those `user` may see."""

    regions: list[Region]
    dealers: list[Dealer]
    stores: list[Store]


def chosen_in_scope(user: User, notice: Notice) -> ChosenInScope:
    """What a notice's audience line may name for `user`: an admin's notice read by a
    supervisor names only the supervisor's regions, their dealers and their stores."""
    regions, dealers, stores = list(notice.regions), list(notice.dealers), list(notice.stores)
    if user.is_admin:
        return ChosenInScope(regions, dealers, stores)
    if regions:
        mine = visible_regions(user).with_only_columns(Region.id).order_by(None)
        region_ids = _ids(mine.where(Region.id.in_([r.id for r in regions])))
        regions = [r for r in regions if r.id in region_ids]
    if dealers:
        chosen = [d.id for d in dealers]
        dealer_ids = _ids(
            select(Dealer.id).where(Dealer.id.in_(chosen), dealer_scope(user, Dealer.id))
        )
        dealers = [d for d in dealers if d.id in dealer_ids]
    if stores:
        chosen = [s.id for s in stores]
        store_ids = _ids(
            select(Store.id).where(Store.id.in_(chosen), dealer_scope(user, Store.dealer_id))
        )
        stores = [s for s in stores if s.id in store_ids]
    return ChosenInScope(regions, dealers, stores)


def _ids(query: Select[Any]) -> set[int]:
    return set(db.session.scalars(query))


def audience_dealers(notice: Notice, user: User | None = None) -> Select[tuple[Dealer]]:
    """The dealers a notice is for now (within what `user` may see, if given)."""
    query = select(Dealer).join(Notice, reaches()).where(Notice.id == notice.id)
    if user is not None:
        query = query.where(dealer_scope(user, Dealer.id))
    return query


def targeted_stores(notice: Notice, user: User | None = None) -> Select[tuple[Store]]:
    """The stores that must carry out a promotion now (within what `user` may see)."""
    query = (
        select(Store)
        .join(Dealer, Store.dealer_id == Dealer.id)
        .join(Notice, and_(reaches(), is_targeted_store()))
        .where(Notice.id == notice.id)
    )
    if user is not None:
        query = query.where(dealer_scope(user, Store.dealer_id))
    return query


def targeting_problem(
    user: User,
    audience: Audience,
    region_ids: Collection[int],
    dealer_ids: Collection[int],
) -> str | None:
    """Why `user` may not address this audience (None when they may): supervisors address
    only their own regions, or dealers in them; admins anything."""
    if user.is_admin:
        return None
    if not user.is_supervisor:
        return "role"
    mine = region_ids_of(user)
    if audience == Audience.NETWORK:
        return "network"
    if audience in (Audience.REGIONS, Audience.KIND):
        return "region_ids" if not region_ids or not set(region_ids) <= mine else None
    if audience == Audience.DEALERS:
        if not dealer_ids:
            return "dealer_ids"
        outside = db.session.scalar(
            select(Dealer.id).where(Dealer.id.in_(dealer_ids), Dealer.region_id.not_in(mine))
        )
        return "dealer_ids" if outside is not None else None
    return "audience"


def get_notice_or_404(user: User, notice_id: int, *, for_update: bool = False) -> Notice:
    """A notice `user` may see; with `for_update`, its row is locked for this transaction."""
    notice = db.session.get(
        Notice, notice_id, with_for_update=for_update or None, populate_existing=for_update
    )
    if notice is None or not can_view_notice(user, notice):
        abort(404)
    return notice


def get_manageable_notice_or_404(user: User, notice_id: int, *, for_update: bool = False):
    """A notice `user` may edit; others they may see answer 404 too (nothing to find here)."""
    notice = get_notice_or_404(user, notice_id, for_update=for_update)
    if not can_manage_notice(user, notice):
        abort(404)
    return notice


def get_target_store_or_404(user: User, notice: Notice, store_id: int) -> Store:
    """One of the dealer user's own stores that must carry out this promotion."""
    store = db.session.scalar(
        targeted_stores(notice, user).where(Store.id == store_id, Store.dealer_id == user.dealer_id)
    )
    if store is None:
        abort(404)
    return store


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and today > due


@attachment_rule(NOTICE_FILE)
def _may_download_notice_file(user: User, attachment: Attachment) -> bool:
    notice = db.session.get(Notice, attachment.owner_id) if attachment.owner_id else None
    return notice is not None and can_view_notice(user, notice)


@attachment_rule(EXECUTION_PHOTO)
def _may_download_execution_photo(user: User, attachment: Attachment) -> bool:
    execution = db.session.get(NoticeExecution, attachment.owner_id or 0)
    if execution is None or execution.photo_id != attachment.id:
        return False
    notice = db.session.get(Notice, execution.notice_id)
    if notice is None or not can_view_notice(user, notice):
        return False
    in_scope = select(Dealer.id).where(
        Dealer.id == execution.dealer_id, dealer_scope(user, Dealer.id)
    )
    return db.session.scalar(in_scope) is not None
