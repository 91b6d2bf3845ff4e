"""Sign-in, sessions and the signed-in user's own account."""
