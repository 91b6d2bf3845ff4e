"""Sign-in, sessions and the signed-in user's own account.

Routes: views.py, on the area's `bp` (blueprint `auth`): sign in and out, passwords and
their reset, sessions, the language.
"""

from portal.auth.views import bp

__all__ = ["bp"]
