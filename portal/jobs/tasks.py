"""Every job kind, imported by `init_app` so each app's queue knows them all.

A kind is a function decorated with `@jobs.task(kind)` next to the service it runs:
- `dealer_file` — one dealer's file rendered and archived (portal/dossiers/renders.py);
- `dossier_export` (planning), `dossier_export.assemble` (the regular look),
  `dossier_export.nudge` (a render of it ended), `dossier_export.zip` (one per export) — a
  region's files as one ZIP (portal/dossiers/export.py);
- `audit_pdf` — an audit's PDF report (portal/audits/pdf_jobs.py);
- `webhook.deliver` — one webhook delivery, tried again by a new job after a failure
  (portal/api/webhooks.py).
Mail keeps its own records (the outgoing-mail rows): its tasks — delivery, the minute tick,
the hourly reminder run — are registered by portal/mail/queue.py. Later kinds (image
re-encoding) are added here the same way.
"""

from portal.api import webhooks  # noqa: F401  (registers its job kind)
from portal.audits import pdf_jobs  # noqa: F401  (registers its job kind)
from portal.dossiers import export, renders  # noqa: F401  (registers their job kinds)
