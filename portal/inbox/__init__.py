"""The in-app inbox of notifications."""
