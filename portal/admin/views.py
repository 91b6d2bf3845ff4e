"""The admin area's blueprints, registered together by create_app()."""

from portal.admin.activity_log import bp as activity_bp
from portal.admin.users import bp as users_bp

blueprints = (users_bp, activity_bp)
