"""Key figures computed in SQL, one source for every page, export, dashboard and PDF."""
