"""Head-office administration: users and the activity log."""
