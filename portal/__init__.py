"""The Dealer Network Portal: create_app() builds the Flask application."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from portal.blueprints import LazyBuilderRule
from portal.config import load_config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → logging → URL converters → blueprints → errors → CLI."""
    overrides = test_config or {}
    instance_path = overrides.get("INSTANCE_PATH") or os.environ.get("PORTAL_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.url_rule_class = LazyBuilderRule
    load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_extensions(app)
    init_logging(app)
    register_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errors(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_bootstrap import Bootstrap5

    from portal import models  # noqa: F401  (the whole schema, for Alembic)
    from portal.audits.overdue import init_app as init_overdue
    from portal.auth.sessions import load_user_from_session
    from portal.auth.views import unauthorized
    from portal.complaints.escalation import init_app as init_complaint_escalation
    from portal.contracts.reminders import init_app as init_contract_reminders
    from portal.database import configure_engine
    from portal.events import init_events
    from portal.extensions import babel, csrf, db, login_manager, migrate
    from portal.i18n import select_locale
    from portal.jobs import init_app as init_jobs
    from portal.mail.queue import init_app as init_mail
    from portal.receivables.collections import init_app as init_collections
    from portal.storage import init_storage

    db.init_app(app)
    configure_engine(app)
    init_events(app)  # the session's listeners, in the order portal/events.py states
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    Bootstrap5(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are checked against the database
    login_manager.unauthorized_handler(unauthorized)
    login_manager.request_loader(load_user_from_session)
    init_storage(app)
    init_jobs(app)
    init_mail(app)
    init_overdue(app)  # the hourly run that logs corrective actions becoming overdue
    init_complaint_escalation(app)  # complaints' reminders and escalations, every few minutes
    init_collections(app)  # overdue invoices' collection tasks and broken promises, hourly
    init_contract_reminders(app)  # contracts and documents expiring: 90, 30, 7 days, expired


def init_logging(app: Flask) -> None:
    """JSON lines on stderr: one per request, with its id, user, status, time and queries."""
    from portal import logs

    logs.init_logging(app)


def register_converters(app: Flask) -> None:
    """Bound `<int:...>` to the id columns' range; rules pick converters when added."""
    from portal.ids import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    """Each area's one `bp`, in this order (portal/<area>/__init__.py says where its routes live;
    an AreaBlueprint brings the area's other blueprints, under their own names)."""
    from portal import (
        admin,
        api,
        assessments,
        attachments,
        audits,
        auth,
        complaints,
        contracts,
        dashboard,
        dossiers,
        health,
        inbox,
        mail,
        network,
        notices,
        plans,
        prospects,
        receivables,
        reports,
        search,
        standards,
        targets,
    )

    areas = [auth, dashboard, health, inbox, attachments, network, admin, plans, reports]
    areas += [notices, standards, audits, assessments, complaints, receivables, dossiers, search]
    areas += [mail, targets, contracts, prospects]
    for area in areas:
        app.register_blueprint(area.bp)
    api.init_app(app)  # the JSON API (flask-smorest: its OpenAPI document) and the token pages


def register_request_hooks(app: Flask) -> None:
    from portal.access import enforce_access_rules
    from portal.api.auth import authenticate as authenticate_api_request
    from portal.security import register_security
    from portal.static_files import register_static_files
    from portal.templating import register_template_helpers

    register_security(app)
    register_static_files(app)
    app.before_request(authenticate_api_request)  # bearer tokens, before the access rules
    app.before_request(enforce_access_rules)
    register_template_helpers(app)


def register_errors(app: Flask) -> None:
    from portal.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from portal.cli import register_commands

    register_commands(app)
