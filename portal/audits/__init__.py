"""Store audits against standards, and the corrective actions that close each finding."""
