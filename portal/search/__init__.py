"""Global search: dealers, stores, plans and audits, within what the user may see."""
