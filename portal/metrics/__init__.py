"""Every KPI, computed in SQL: one source for pages, dashboards, assessments and PDFs."""
