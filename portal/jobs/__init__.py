"""Background jobs on a Huey queue: SQLite embedded (the demo), Redis in production.

A view creates a `Job` row (portal/models/jobs.py), commits, then `enqueue()`s its id; a
consumer — `flask --app app worker` on any host, or the thread inside `python app.py` —
runs the job in an app context of its own and records state, progress and errors on the
row, which the page that started it polls. Jobs are idempotent: a worker claims a row
atomically, so a job queued twice runs once, and a job whose worker died is claimed again
after JOB_STALE_SECONDS (portal/jobs/sweep.py). Job definitions: portal/jobs/tasks.py.
"""

from portal.jobs.queue import (
    TASKS,
    Retry,
    StepBack,
    drain,
    embedded_consumer,
    enqueue,
    init_app,
    queue_of,
    task,
)
from portal.jobs.records import claim, create, fail, finish, heartbeat

__all__ = [
    "TASKS",
    "Retry",
    "StepBack",
    "claim",
    "create",
    "drain",
    "embedded_consumer",
    "enqueue",
    "fail",
    "finish",
    "heartbeat",
    "init_app",
    "queue_of",
    "task",
]
