"""Configuration: defaults here, then instance/config.py, then PORTAL_* environment variables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark a string for translation without translating it (pages translate it when shown)."""
    return message


class ConfigError(RuntimeError):
    """Raised when the portal cannot start with the configuration it was given."""


class Defaults:
    """Every setting the portal reads, with the value used when nothing overrides it."""

    # Demo mode: `python app.py` or PORTAL_DEMO=1. Generates a secret key, allows http cookies.
    DEMO = False
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: instance/portal.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # A download's activity entry waits at most this long per try (3 tries) for the write
    # lock; then the file is served and the missing entry logged (portal/downloads.py).
    DOWNLOAD_LOG_BUSY_TIMEOUT_MS = 2000
    # PostgreSQL's JIT compiles queries whose estimated cost is high. The audience joins of
    # notices are estimated far above what they cost (40 ms), and compiling them took 300 ms
    # on every home page; short interactive queries gain nothing from it.
    POSTGRES_JIT = False

    # Requests and uploads (S14)
    MAX_CONTENT_LENGTH = 48 * 1024 * 1024  # a whole request, e.g. a report with photos
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # one file
    UPLOAD_MAX_PIXELS = 40_000_000  # larger images are refused (pixel bombs)
    # Pixels one request may decode across all its files (S20): ten 12-megapixel photos.
    # Decoding costs about 0.05 s of CPU per megapixel, so a request stays well below the
    # web worker's timeout (see PDF_TIMEOUT_SECONDS).
    UPLOAD_MAX_PIXELS_PER_REQUEST = 120_000_000
    # Photos are decoded and PDFs parsed in a child process with these limits, per file;
    # a file whose check fails or runs out of time is refused.
    UPLOAD_CHECK_TIMEOUT_SECONDS = 10  # wall clock, then the child is killed
    UPLOAD_CHECK_CPU_SECONDS = 8  # RLIMIT_CPU of the child
    UPLOAD_CHECK_MEMORY_MB = 1024  # RLIMIT_AS of the child (a 40 MP photo needs ~500 MB)
    UPLOAD_MAX_EDGE = 4096  # longer image edges are scaled down on re-encoding
    UPLOAD_DIR: str | None = None  # None: instance/uploads
    # Where upload bytes live: "local" (UPLOAD_DIR) or "s3" (an S3-compatible bucket; needs
    # `pip install boto3`; credentials from boto3's usual chain, e.g. AWS_ACCESS_KEY_ID)
    STORAGE_BACKEND = "local"
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None  # e.g. https://minio.internal:9000; None: AWS
    S3_REGION: str | None = None
    S3_PREFIX = "uploads"  # key prefix inside the bucket
    TRUSTED_HOSTS: list[str] | None = None
    PROXY_FIX_HOPS = 0  # number of reverse proxies in front, for client addresses
    # Take the request id from the proxy's X-Request-ID header (when it looks like an id).
    # None: only when PROXY_FIX_HOPS says a proxy is in front.
    TRUST_REQUEST_ID: bool | None = None
    LOG_LEVEL = "INFO"  # of the portal's JSON log lines on stderr

    # Sessions (S8)
    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None  # None: True unless demo mode
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    SESSION_TOUCH_INTERVAL = timedelta(seconds=60)

    # Sign-in throttling (S9, S21): failures within the window before an address waits out the
    # window, for one account or for all; past SIGNIN_BACKOFF_AFTER failures an account makes
    # new addresses wait, doubling from the first delay up to the longest (never a lock).
    SIGNIN_WINDOW = timedelta(minutes=15)
    SIGNIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS = 5
    SIGNIN_MAX_FAILURES_PER_ADDRESS = 30
    SIGNIN_BACKOFF_AFTER = 5
    SIGNIN_BACKOFF_FIRST = timedelta(seconds=2)
    SIGNIN_BACKOFF_MAX = timedelta(minutes=5)
    # An address the account signed in from within this long skips the account's backoff.
    SIGNIN_KNOWN_ADDRESS_AGE = timedelta(days=90)

    # Passwords (S10): argon2id, OWASP minimum is m=19 MiB, t=2, p=1
    ARGON2_MEMORY_KIB = 19456
    ARGON2_TIME_COST = 2
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 10
    # zxcvbn score (0-4) a new password needs; 3 is "safely unguessable" for a slow hash
    PASSWORD_MIN_STRENGTH = 3

    # Forms
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Language
    LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Lists
    PAGE_SIZE = 25

    # Sales plans and store reports (periods are months, `YYYY-MM`)
    PERIOD_MONTHS_BACK = 36  # plans and reports may be entered this many months back
    PERIOD_MONTHS_AHEAD = 12  # plans may be drafted this many months ahead (reports: none)
    PLAN_DUE_DAY = 25  # the plan for month M is due on this day of month M-1
    REPORT_DUE_DAYS = 10  # a store report is due this many days after its month ends
    MONEY_MAX = 1_000_000_000  # the largest amount one figure may hold (major units)
    COUNT_MAX = 10_000_000  # the largest count (units, footfall) one figure may hold
    CURRENCY = "CNY"  # shown beside amounts; every amount is in this one currency

    # Bootstrap-Flask serves Bootstrap from the package itself
    BOOTSTRAP_SERVE_LOCAL = True

    # Audits (issue 4). Grade bands: (lowest percentage, grade, counts as passed), best
    # first; the last band should start at 0. A failed critical item fails the audit
    # whatever its percentage: it gets the best band that does not pass.
    AUDIT_GRADE_BANDS = [[90, "A", True], [80, "B", True], [70, "C", True], [0, "D", False]]
    AUDIT_ACTION_DUE_DAYS = 14  # days a dealer has to fix a failed item
    AUDIT_ACTION_DUE_DAYS_CRITICAL = 3  # ... a failed critical item
    AUDIT_DUE_WINDOW_DAYS = 14  # "due" lists show audits scheduled within this many days
    CONTRACT_WARNING_DAYS = 90  # dealer contracts ending within this many days are flagged
    AUDIT_STALE_AFTER_DAYS = 90  # stores without a completed audit for longer are listed
    AUDIT_MAX_PHOTOS_PER_ANSWER = 6  # photos per answer or per corrective-action response
    AUDIT_OFFLINE_DAYS = 14  # "Make available offline" downloads audits due within this many days
    OFFLINE_CHANGE_DAYS = 30  # how long the key of a change sent by the offline queue is kept
    STANDARD_IMPORT_MAX_BYTES = 512 * 1024  # a standard's JSON file

    # Dealer assessments (issue 6). A period is this many months (a divisor of 12: 3 makes
    # quarters, "2026-Q3"). Criteria are rated 1-5 by the supervisor; a rating counts as
    # rating x 20 points. Weights are relative within their group; `metrics_share` is the
    # percentage of the score that comes from the computed metrics, the rest from criteria.
    # Grade bands: (lowest score, grade), best first; the last band should start at 0.
    ASSESSMENT_PERIOD_MONTHS = 3
    ASSESSMENT_PERIODS_BACK = 8  # how many past periods may still be assessed
    ASSESSMENT_CRITERIA = [
        {"key": "market_development", "label": N_("Market development"), "weight": 40},
        {"key": "team_service", "label": N_("Team and service"), "weight": 30},
        {"key": "cooperation", "label": N_("Cooperation"), "weight": 30},
    ]
    ASSESSMENT_WEIGHTS = {
        "metrics_share": 60,
        "metrics": {
            "attainment": 30,
            "timeliness": 15,
            "audit_score": 25,
            "actions_on_time": 10,
            "acknowledgement": 10,
            "execution": 10,
            # Customer complaints received in the period (portal/metrics/complaints.py).
            "complaints_forwarded": 5,
            "complaints_resolved": 5,
            "complaints_not_repeated": 5,
            # Head office's targets and the receivables (portal/metrics/assessments.py).
            "allocation_attainment": 20,
            "receivables_on_time": 5,
            "dso_within_terms": 5,
            "credit_within_limit": 5,
        },
    }
    # Prospects' screening (issue 17): grade bands as for audits; a prospect goes on to the
    # site visit only with a passing grade (and no failed critical criterion).
    SCREENING_GRADE_BANDS = [[80, "A", True], [65, "B", True], [0, "C", False]]
    ASSESSMENT_GRADE_BANDS = [[85, "A"], [70, "B"], [55, "C"], [0, "D"]]
    # Home pages: the dealer health score that ranks "dealers needing a visit". Weights per
    # scorecard component (re-spread over the components a dealer has data for), then
    # penalty points (see portal/metrics/health.py). HEALTH_MONTHS: the scorecard window.
    HEALTH_WEIGHTS = {
        "attainment": 25,
        "timeliness": 15,
        "audit_score": 20,
        "actions_on_time": 10,
        "acknowledgement": 10,
        "execution": 10,
        "complaints": 10,  # complaints forwarded and resolved on time, not repeated (12 months)
    }
    HEALTH_PENALTIES = {
        "overdue_action": 2,
        "overdue_actions_max": 10,
        "stale_audit": 10,
        "stale_after_days": 90,
        "overdue_complaint": 2,  # per complaint late now on either target
        "overdue_complaints_max": 10,
        # Receivables flagged as on the home pages (RECEIVABLES_LATE_SHARE below).
        "over_credit_limit": 10,
        "late_receivables": 10,
        "missing_document": 5,  # per required qualification document not held valid
        "missing_documents_max": 15,
    }
    HEALTH_MONTHS = 3
    HOME_VISIT_LIST_SIZE = 10
    HOME_CONTRACT_ALERTS = 20  # contracts ended or ending soon listed on a staff home
    # Each dealer's figures are kept in `dealer_figures` (portal/metrics/upkeep.py): a
    # transaction touching at most FIGURES_INLINE_DEALERS dealers recomputes their rows
    # before it commits; more (a notice to a region) are left to the queue's refresh task,
    # which also applies time-driven changes every FIGURES_REFRESH_MINUTES, FIGURES_CHUNK
    # dealers per transaction.
    FIGURES_INLINE_DEALERS = 50
    FIGURES_CHUNK = 200
    FIGURES_REFRESH_MINUTES = 1

    # Notice text (S20): Markdown is rendered once when it is saved, in a child process with
    # these limits (portal/richtext.py); pages show the stored HTML.
    RICHTEXT_TIMEOUT_SECONDS = 5  # wall clock, then the child is killed
    RICHTEXT_CPU_SECONDS = 2  # RLIMIT_CPU of the child
    RICHTEXT_MEMORY_MB = 256  # RLIMIT_AS of the child

    # PDF rendering (S15, S20): each render, photo preparation included, runs in a child
    # process with these limits. A render a web request waits on must end before the web
    # worker is killed: PDF_TIMEOUT_SECONDS stays below gunicorn's `--timeout` (30 s unless
    # set; raise both together), with a few seconds left to load the photos and answer.
    # Renders in background jobs use the PDF_BACKGROUND_* limits instead.
    PDF_TIMEOUT_SECONDS = 25  # wall clock, then the child is killed
    PDF_CPU_SECONDS = 20  # RLIMIT_CPU of the child
    PDF_BACKGROUND_TIMEOUT_SECONDS = 90
    PDF_BACKGROUND_CPU_SECONDS = 60

    # The job queue (portal/jobs/). QUEUE_URL None: SQLite in instance/queue.sqlite3, run by
    # `flask --app app worker` or the thread inside `python app.py`; `redis://host:6379/0`:
    # Redis, shared by workers on any number of hosts. QUEUE_IMMEDIATE runs each job when
    # it is enqueued, in the same process (tests).
    QUEUE_URL: str | None = None
    QUEUE_NAME = "portal"
    QUEUE_IMMEDIATE = False
    JOB_RETRIES = 3  # a failing job runs again this many times, after a growing delay
    JOB_RETRY_DELAY_SECONDS = 10  # the first retry's delay; each next one doubles it
    # A running job without a sign of life for this long lost its worker: it is queued
    # again (checked every JOB_SWEEP_MINUTES and when a worker starts). Well above
    # PDF_BACKGROUND_TIMEOUT_SECONDS.
    JOB_STALE_SECONDS = 300
    JOB_SWEEP_MINUTES = 1
    RENDER_SLOTS = 2  # PDF renders at once across every worker on every node
    RENDER_SLOT_WAIT_SECONDS = 5  # then the job goes back to the end of the queue
    # A slot's holder renews it every third of this while it renders; a dead holder's slot
    # is free again this long after its last renewal.
    RENDER_SLOT_LEASE_SECONDS = 30
    DEMO_QUEUE_WORKERS = 2  # consumer threads inside `python app.py`
    EXPORT_POLL_SECONDS = 1  # how often a region export looks at its dealers' renders
    EXPORT_TMP_DIR: str | None = None  # where ZIPs are written before storing; None: $TMPDIR
    PDF_MEMORY_MB = 1536  # RLIMIT_AS of the child (address space, not resident memory)
    # Photos are scaled down to this many pixels before embedding: they are printed at most
    # 60 mm wide (templates/pdf/base.html), so 800 px is ~340 dpi; 1400 cost a quarter more
    # CPU and made the PDF 2.5 times larger.
    PDF_IMAGE_MAX_EDGE = 800

    # Mail (portal/mail/): sent by the queue's workers through SMTP with STARTTLS and
    # authentication. Without MAIL_SERVER, demo mode keeps mail in the outbox admins read
    # (Administration → Outbox); outside demo mode nothing is mailed (no reset links either).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True  # STARTTLS before authenticating (refused if the server lacks it)
    MAIL_CA_FILE: str | None = None  # trust for STARTTLS (a private CA); None: the system's
    MAIL_SENDER = "Dealer Network Portal <portal@localhost>"
    MAIL_TIMEOUT_SECONDS = 30
    # Where links in mail point: the portal's address as users reach it. Required with
    # MAIL_SERVER outside demo mode; the demo uses http://127.0.0.1:$PORT.
    MAIL_BASE_URL: str | None = None
    # A failed delivery is tried again after a delay that doubles from the first up to the
    # longest; after MAIL_MAX_ATTEMPTS tries it fails for good (shown in the outbox). The
    # defaults keep trying for about a day, so an SMTP server down for hours loses nothing.
    MAIL_RETRY_DELAY_SECONDS = 60
    MAIL_RETRY_MAX_DELAY_SECONDS = 1800
    MAIL_MAX_ATTEMPTS = 50
    MAIL_BATCH = 50  # mails one worker claims and sends over one SMTP connection
    MAIL_LEASE_SECONDS = 300  # a claimed mail whose worker died is sent again after this
    # Reminders run every hour from MAIL_REMINDER_HOUR (UTC) to the end of the day (idempotent:
    # each reminder goes once per user, item and day); digests leave at MAIL_DIGEST_HOUR.
    MAIL_REMINDER_HOUR = 6
    MAIL_REMINDER_MINUTE = 5
    MAIL_DIGEST_HOUR = 7
    MAIL_REMINDER_DAYS_BEFORE = 3  # plans, reports, notices: this many days before and on the day
    MAIL_ACTION_DUE_SOON_DAYS = 3  # corrective actions: "due soon" this many days before
    # An item still overdue this many days after its overdue reminder goes to the supervisors
    # of the dealer's region; still overdue MAIL_ESCALATE_ADMIN_DAYS later, to the admins.
    MAIL_ESCALATE_SUPERVISOR_DAYS = 3
    MAIL_ESCALATE_ADMIN_DAYS = 7
    # Customer complaints (portal/complaints): forwarded to after-sales within this many
    # business hours of receipt, a serious one within COMPLAINT_FORWARD_HOURS_SERIOUS clock
    # hours; their escalations are sent by a run every COMPLAINT_ALERT_MINUTES.
    COMPLAINT_FORWARD_HOURS = 2
    COMPLAINT_FORWARD_HOURS_SERIOUS = 2
    COMPLAINT_ALERT_MINUTES = 5
    # Receivables: a dealer is flagged on the home pages when its open invoices pass its credit
    # limit, or when more than this share of what it owes is overdue beyond 60 days.
    RECEIVABLES_LATE_SHARE = 0.2
    HOME_RECEIVABLES_ALERTS = 10  # flagged dealers listed on a staff home
    # Password reset links (S23): single use, bound to the password, expiring.
    PASSWORD_RESET_MINUTES = 30
    PASSWORD_RESET_WINDOW = timedelta(hours=1)
    PASSWORD_RESET_MAX_PER_ACCOUNT = 3  # requests for one address within the window
    PASSWORD_RESET_MAX_PER_ADDRESS = 20  # requests from one client address within the window

    # The JSON API (portal/api/, S22, S24). Requests per token within the window (counted in
    # the database, so every worker and node shares the count); then 429 with Retry-After.
    API_RATE_LIMIT = 600
    API_RATE_WINDOW_SECONDS = 60
    API_TOKEN_DAYS = 90  # a new token's expiry unless its maker chooses another
    API_TOKEN_MAX_DAYS = 366
    API_PAGE_SIZE = 100  # list items per page unless `limit` asks for fewer (or up to the max)
    API_PAGE_SIZE_MAX = 500
    API_ACTUALS_MAX_ROWS = 20000  # rows in one actuals push (as in a CSV import)
    API_IDEMPOTENCY_HOURS = 24  # how long an Idempotency-Key's answer is remembered
    # Swagger UI's files for /api/v1/docs: swagger-ui-dist from npm (package.json, `npm ci`).
    # None: node_modules/swagger-ui-dist beside the portal package.
    API_DOCS_ASSETS: str | None = None
    # Webhooks: deliveries are tried WEBHOOK_ATTEMPTS times, the delay doubling from the first.
    # Only https URLs on public addresses are allowed unless WEBHOOK_ALLOW_PRIVATE (tests, an
    # intranet receiver) or, for http, WEBHOOK_ALLOW_HTTP.
    WEBHOOK_ATTEMPTS = 8
    WEBHOOK_RETRY_DELAY_SECONDS = 30
    WEBHOOK_TIMEOUT_SECONDS = 10
    WEBHOOK_ALLOW_PRIVATE = False
    WEBHOOK_ALLOW_HTTP = False


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, instance/config.py, PORTAL_* env vars, then overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.pop("DATABASE_URL")
    if overrides:
        app.config.update(overrides)
    _normalise(app)


def _normalise(app: Flask) -> None:
    config = app.config
    demo = _as_bool(config["DEMO"])
    config["DEMO"] = demo
    if config.get("SQLALCHEMY_DATABASE_URI") is None:
        database = Path(app.instance_path) / "portal.sqlite3"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = not demo
    config["PROXY_FIX_HOPS"] = int(config["PROXY_FIX_HOPS"])
    if config["TRUST_REQUEST_ID"] is None:
        config["TRUST_REQUEST_ID"] = config["PROXY_FIX_HOPS"] > 0
    config["TRUST_REQUEST_ID"] = _as_bool(config["TRUST_REQUEST_ID"])
    if isinstance(config.get("TRUSTED_HOSTS"), str):
        config["TRUSTED_HOSTS"] = [
            h.strip() for h in config["TRUSTED_HOSTS"].split(",") if h.strip()
        ]
    durations = ("SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT", "SIGNIN_WINDOW")
    durations += ("SIGNIN_BACKOFF_FIRST", "SIGNIN_BACKOFF_MAX", "SIGNIN_KNOWN_ADDRESS_AGE")
    durations += ("PASSWORD_RESET_WINDOW",)
    for key in durations:
        if isinstance(config[key], int | float):
            config[key] = timedelta(seconds=config[key])
    _normalise_mail(app)
    # The signed cookie never outlives the server-side session it points to.
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_ABSOLUTE_TIMEOUT"]
    if not config.get("SECRET_KEY"):
        if not demo:
            raise ConfigError(
                "PORTAL_SECRET_KEY is not set. Set it to a long random value, for example\n"
                "  export PORTAL_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')\n"  # noqa: E501
                "or run the demo with `python app.py` (or PORTAL_DEMO=1)."
            )
        config["SECRET_KEY"] = demo_secret_key(Path(app.instance_path))


def _normalise_mail(app: Flask) -> None:
    config = app.config
    config["MAIL_USE_TLS"] = _as_bool(config["MAIL_USE_TLS"])
    config["MAIL_PORT"] = int(config["MAIL_PORT"])
    if not config.get("MAIL_SERVER"):
        config["MAIL_SERVER"] = None
    base = config.get("MAIL_BASE_URL")
    if not base and config["DEMO"]:
        base = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    if not base and config["MAIL_SERVER"]:
        raise ConfigError(
            "PORTAL_MAIL_SERVER is set but PORTAL_MAIL_BASE_URL is not: set it to the portal's\n"
            "address as users reach it, e.g. https://portal.example.com"
        )
    config["MAIL_BASE_URL"] = (base or "").rstrip("/")


def demo_secret_key(instance: Path) -> str:
    """Return the demo secret key, generating it once into instance/ with mode 0600."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
