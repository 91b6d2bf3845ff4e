"""Every KPI, computed once here so the same figure appears on every page, dashboard and PDF."""
