"""Who sees and handles receivables.

- Statements (open invoices, aging, payments, credit and any hold): staff of the dealer's
  scope (admins all, supervisors their regions) and the dealer's own users. Anything else
  answers 404.
- Aging pages per dealer and region, and collection tasks: staff, each within their scope.
- The invoices CSV: admins and supervisors; a supervisor's file may only name dealers of
  their regions (a row naming another dealer is refused as unknown).
- Credit limit and payment terms: admins. A credit hold: staff in scope.
- Nothing is changed by a user whose dealer is suspended (read-only), like everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import abort
from sqlalchemy import ColumnElement, Select, select

from portal.access.scope import can_view_dealer, dealer_scope, fetch, get_dealer_or_404
from portal.access.standing import is_read_only
from portal.models import CollectionTask, Dealer, User


def receivables_scope(user: User) -> Callable[[ColumnElement[int]], ColumnElement[bool]]:
    """The dealer-id clause maker for `user`, as the metrics take it."""
    return partial(dealer_scope, user)


def can_view_statement(user: User, dealer: Dealer) -> bool:
    return can_view_dealer(user, dealer)


def get_statement_dealer_or_404(user: User, dealer_id: int) -> Dealer:
    return get_dealer_or_404(user, dealer_id)


def can_view_aging(user: User) -> bool:
    return user.is_admin or user.is_supervisor


def can_import_invoices(user: User) -> bool:
    return (user.is_admin or user.is_supervisor) and not is_read_only(user)


def importable_dealers(user: User) -> Select[tuple[Dealer]]:
    """The dealers whose invoices `user` may import."""
    return select(Dealer).where(dealer_scope(user, Dealer.id))


def can_set_credit_terms(user: User) -> bool:
    return user.is_admin


def can_hold_credit(user: User, dealer: Dealer) -> bool:
    return (user.is_admin or user.is_supervisor) and can_view_dealer(user, dealer)


def visible_collection_tasks(user: User) -> Select[tuple[CollectionTask]]:
    if not (user.is_admin or user.is_supervisor):
        return select(CollectionTask).where(CollectionTask.id.is_(None))
    return select(CollectionTask).where(dealer_scope(user, CollectionTask.dealer_id))


def can_view_collection(user: User, task: CollectionTask) -> bool:
    return (user.is_admin or user.is_supervisor) and can_view_dealer(user, task.dealer)


def can_log_contact(user: User, task: CollectionTask) -> bool:
    return can_view_collection(user, task) and not is_read_only(user)


def get_task_or_404(user: User, task_id: int, *, for_update: bool = False) -> CollectionTask:
    task = fetch(CollectionTask, task_id, for_update)
    if task is None or not can_view_collection(user, task):
        abort(404)
    return task
