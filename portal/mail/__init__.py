"""Mail: reminders before things are late, escalations when they are, events, password mails.

- `kinds` — what may be mailed, the topics users choose for, and the access rules (S23);
- `outbox` — the outgoing-mail table as a pipeline (add, route, bundle, claim, retry);
- `compose` — subject, text and HTML from one template per kind, safe headers;
- `transport` — SMTP (STARTTLS, authentication) or the demo outbox;
- `delivery` — workers send due mail in batches; `queue` wires it to the job queue;
- `events` — in-app notifications that are mailed too; `reminders` — the daily schedule;
- `views` — the admins' outbox and each user's mail choices: the routes, on the area's `bp`
  (blueprint `mail`).
"""

from portal.mail.views import bp

__all__ = ["bp"]
