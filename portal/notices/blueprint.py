"""The `notices` blueprint (/notices) and its navigation badge; routes: views.py, editor.py,
tracking.py."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from portal.metrics import notices as notice_metrics

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.app_context_processor
def _to_acknowledge() -> dict[str, object]:
    def notices_to_acknowledge() -> int:
        """The navigation badge for dealer users (0 for everyone else)."""
        if not current_user.is_authenticated or not current_user.is_dealer:
            return 0
        return notice_metrics.to_acknowledge_count(current_user)

    return {"notices_to_acknowledge": notices_to_acknowledge}
