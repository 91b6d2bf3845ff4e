"""Audit standards: admins build versioned templates of sections and weighted items."""
