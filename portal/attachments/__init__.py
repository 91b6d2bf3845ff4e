"""Downloading attachments through an access-checked view."""
