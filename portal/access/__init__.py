"""The one place for access rules.

Every view declares a rule with one of the decorators below; a before-request hook
enforces it and refuses any endpoint that declares none (deny by default, check S1).
Object-level scope lives beside it: predicates (`can_view_dealer`) next to the scoped
queries (`visible_dealers`) and loaders that answer 404 for anything out of scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.access.plans import (
    can_create_plan,
    can_create_report,
    can_edit_plan,
    can_edit_report,
    can_reopen_plan,
    can_review_plan,
    can_review_report,
    can_submit_plan,
    can_upload_actuals,
    can_view_plan,
    can_view_report,
    get_plan_or_404,
    get_report_or_404,
    uploadable_stores,
    visible_plans,
    visible_reports,
)
from portal.access.scope import (
    can_edit_dealer_contact,
    can_edit_store,
    can_manage_registry,
    can_view_dealer,
    can_view_store,
    dealer_scope,
    get_dealer_or_404,
    get_store_or_404,
    region_ids_of,
    visible_dealers,
    visible_regions,
    visible_stores,
)
from portal.access.standing import is_read_only, may_sign_in
from portal.database import SAFE_METHODS
from portal.errors import render_error
from portal.models import Role

__all__ = [
    "AccessRule",
    "admin_only",
    "can_create_plan",
    "can_create_report",
    "can_edit_dealer_contact",
    "can_edit_plan",
    "can_edit_report",
    "can_edit_store",
    "can_manage_registry",
    "can_reopen_plan",
    "can_review_plan",
    "can_review_report",
    "can_submit_plan",
    "can_upload_actuals",
    "can_view_dealer",
    "can_view_plan",
    "can_view_report",
    "can_view_store",
    "dealer_scope",
    "enforce_access_rules",
    "get_dealer_or_404",
    "get_plan_or_404",
    "get_report_or_404",
    "get_store_or_404",
    "is_read_only",
    "may_sign_in",
    "public",
    "region_ids_of",
    "roles",
    "signed_in",
    "staff_only",
    "uploadable_stores",
    "visible_dealers",
    "visible_plans",
    "visible_regions",
    "visible_reports",
    "visible_stores",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class AccessRule:
    """Who may reach an endpoint before any object-level check."""

    name: str
    public: bool = False
    roles: frozenset[Role] | None = None  # None: any signed-in user
    during_password_change: bool = False  # reachable while a new password is required

    def allows(self, role: Role) -> bool:
        return self.roles is None or role in self.roles


def _declare(rule: AccessRule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: F) -> F:
    """Anyone, signed in or not (sign-in page, health checks)."""
    return _declare(AccessRule("public", public=True, during_password_change=True))(view)


def signed_in(view: F | None = None, *, during_password_change: bool = False) -> Any:
    """Any active signed-in user; object checks happen in the view."""
    rule = AccessRule("signed_in", during_password_change=during_password_change)
    if view is None:
        return _declare(rule)
    return _declare(rule)(view)


def roles(*allowed: Role) -> Callable[[F], F]:
    """Signed-in users holding one of these roles."""
    name = "roles:" + ",".join(sorted(role.value for role in allowed))
    return _declare(AccessRule(name, roles=frozenset(allowed)))


admin_only = roles(Role.ADMIN)
staff_only = roles(Role.ADMIN, Role.SUPERVISOR)


def rule_for(endpoint: str) -> AccessRule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def is_static_endpoint(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def enforce_access_rules() -> Any:
    """Before each request: apply the endpoint's declared rule; refuse undeclared ones."""
    endpoint = request.endpoint
    if endpoint is None or is_static_endpoint(endpoint):
        return None  # unknown URLs fall through to 404; static files are public
    rule = rule_for(endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule", endpoint)
        abort(403)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.must_change_password and not rule.during_password_change:
        return redirect(url_for("auth.change_password"))
    if not rule.allows(current_user.role):
        abort(403)
    if _changes_more_than_own_account(rule) and is_read_only(current_user):
        return render_error(403, message=SUSPENDED_MESSAGE)
    return None


SUSPENDED_MESSAGE = _l("Your dealer is suspended: you can view the portal but not change anything.")


def _changes_more_than_own_account(rule: AccessRule) -> bool:
    """Any write but signing out and the user's own password, sessions and language."""
    return (
        request.method not in SAFE_METHODS
        and not rule.during_password_change
        and request.blueprint != "auth"
    )
