"""Notices: policies and promotions pushed to dealers, acknowledged per version, with
execution proof per store for promotions."""
