"""Configuration read from the environment, with safe defaults for a developer's machine."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"


def database_url(raw: str | None) -> str:
    """Normalise a DATABASE_URL so that PostgreSQL URLs use the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'yorisoi.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def secret_key(development: bool = True) -> str:
    """The SECRET_KEY from the environment; on a developer's machine, else one generated once and
    kept in instance/. Production gets "" without one and refuses to start (supporters/ops)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if not development:
        return ""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def import_max_bytes() -> int:
    """``IMPORT_MAX_MB`` (default 10) in bytes."""
    return int(float(os.environ.get("IMPORT_MAX_MB", "10")) * 1024 * 1024)


def video_base_url(raw: str) -> str:
    """``VIDEO_BASE_URL`` without a trailing slash; "" (no video-call links) when unset.

    Anything but an https:// address with a host and no query stops the start with a clear
    error: browsers give a call page the camera and microphone only over HTTPS.
    """
    value = (raw or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"VIDEO_BASE_URL={value!r} is not usable: set the https:// address of the video "
            "service (e.g. VIDEO_BASE_URL=https://meet.example.jp), or leave it empty for no "
            "video-call links."
        )
    return value


def two_factor_roles(development: bool) -> tuple[str, ...]:
    """``TWO_FACTOR_REQUIRED_ROLES`` (comma-separated role codes); default admin, coordinator and
    national administrator, none in development so the demo accounts sign in with a password
    alone."""
    raw = os.environ.get("TWO_FACTOR_REQUIRED_ROLES")
    if raw is None:
        raw = "" if development else "admin,coordinator,national_admin"
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def engine_options(url: str, development: bool) -> dict:
    """SQLAlchemy engine options: survive a database restart, keep personal data out of errors.

    ``pool_pre_ping`` tests a pooled connection before lending it, so connections a restarted
    PostgreSQL closed are replaced instead of failing the next request; ``pool_recycle`` retires
    connections a firewall may have silently dropped; ``connect_timeout`` makes a request fail in
    seconds, not minutes, while the server is away. ``hide_parameters`` keeps the values of a
    failed statement (names, e-mails) out of exception messages and so out of the logs.
    """
    options: dict = {"pool_pre_ping": True, "hide_parameters": not development}
    if url.startswith("postgresql"):
        options["pool_recycle"] = int(os.environ.get("DATABASE_POOL_RECYCLE", "1800"))
        options["connect_args"] = {
            "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")),
            "application_name": "yorisoi",
        }
    return options


def from_environment() -> dict:
    """Build the configuration mapping for :func:`supporters.create_app`."""
    development = os.environ.get("YORISOI_ENV", "production") == "development"
    return {
        "SECRET_KEY": secret_key(development),
        # Encrypts secrets kept in the database (two-factor); defaults to a key derived from
        # SECRET_KEY. Changing it makes stored authenticators unreadable (they must be reset).
        "DATA_ENCRYPTION_KEY": os.environ.get("DATA_ENCRYPTION_KEY", ""),
        "YORISOI_ENV": "development" if development else "production",
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            database_url(os.environ.get("DATABASE_URL")), development
        ),
        # Session cookie: never readable by scripts, not sent cross-site, HTTPS-only in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        # Any other cookie (language, Flask-Login's remember-me) follows the same rule; HSTS is
        # sent in production (a year, subdomains included) unless HSTS_MAX_AGE says otherwise.
        "REMEMBER_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "HSTS_MAX_AGE": int(os.environ["HSTS_MAX_AGE"]) if os.environ.get("HSTS_MAX_AGE") else None,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # A sign-in ends this long after it began, however active (server-side, revocable).
        "SESSION_ABSOLUTE_LIFETIME": timedelta(
            hours=float(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
        ),
        "IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30"))),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # argon2id cost (an argon2.Parameters): None is the library's recommended parameters.
        # Never read from the environment; only the test suite sets cheap ones (tests/conftest.py).
        "PASSWORD_HASH_PARAMETERS": None,
        "TRUST_PROXY_HOPS": int(os.environ.get("TRUST_PROXY_HOPS", "0")),
        # Rate-limit counters: "memory://" is per process, so production with several processes
        # needs shared storage, e.g. redis://localhost:6379/1 (gunicorn refuses to start without
        # it, supporters/ops/settings.py). If Redis goes away, limits fall back to per-process.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Logs: one JSON line per request and JSON records (supporters/ops/logs.py) in production
        # (outside tests) or with LOG_FORMAT=json; LOG_FORMAT=text keeps plain lines.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", ""),
        # Sign-in attempts (no targeted lockout, docs/decisions.md): LOGIN_RATE_LIMIT per account
        # *and* source address; LOGIN_SOURCE_RATE_LIMIT per source address, any account (an office
        # behind one NAT shares it). Past LOGIN_ACCOUNT_CEILING failures on one account from all
        # addresses, each address may only try that account at LOGIN_SLOWED_RATE_LIMIT.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        "LOGIN_SOURCE_RATE_LIMIT": os.environ.get(
            "LOGIN_SOURCE_RATE_LIMIT", "20 per minute;100 per hour"
        ),
        "LOGIN_ACCOUNT_CEILING": os.environ.get("LOGIN_ACCOUNT_CEILING", "100 per hour"),
        "LOGIN_SLOWED_RATE_LIMIT": os.environ.get("LOGIN_SLOWED_RATE_LIMIT", "1 per 20 seconds"),
        # Two-factor sign-in (TOTP): required for these roles (comma-separated; development lets
        # the demo accounts skip it), the name shown in authenticator apps, how long the step
        # between password and code stays open, and the code attempts allowed per account.
        "TWO_FACTOR_REQUIRED_ROLES": two_factor_roles(development),
        "TWO_FACTOR_ISSUER": os.environ.get("TWO_FACTOR_ISSUER", "Yorisoi"),
        "TWO_FACTOR_PENDING_SECONDS": int(os.environ.get("TWO_FACTOR_PENDING_SECONDS", "300")),
        "TWO_FACTOR_RATE_LIMIT": os.environ.get(
            "TWO_FACTOR_RATE_LIMIT", "5 per minute;20 per hour"
        ),
        # JSON API calls per token (or per address without one).
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        # A new API token stops working this many days after it was made (owner or admin may
        # revoke it sooner; `flask users token --days` chooses another lifetime).
        "API_TOKEN_DAYS": int(os.environ.get("API_TOKEN_DAYS", "90")),
        # "Forgot password" requests, per e-mail asked for and per client address.
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get(
            "PASSWORD_RESET_RATE_LIMIT", "5 per hour;20 per day"
        ),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "SUPPORTED_LOCALES": ["ja", "en"],
        # The programme's names, prefecture, certificate, targets, stipend defaults, payer bank,
        # residents' contact, referral service, travel radius and offer answer time live in the
        # database (supporters/programme/: `flask programme init`, the settings page).
        # Lapse list: certified supporters without a "continue" answer and without any activity
        # or assignment for this many months are proposed for retirement.
        "CONTINUATION_LAPSE_MONTHS": int(os.environ.get("CONTINUATION_LAPSE_MONTHS", "12")),
        "PAGE_SIZE": 25,
        # Imports: the largest file accepted (``flask import`` checks it before reading). A
        # request may be larger by the base64 of that file (the preview sends it back in a hidden
        # field) plus a margin; anything bigger is refused with 413 before it is read.
        "IMPORT_MAX_BYTES": import_max_bytes(),
        "MAX_CONTENT_LENGTH": import_max_bytes() * 4 // 3 + 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": import_max_bytes() * 4 // 3 + 64 * 1024,
        # Officials and municipal officers never read a count of cases, requests or people from
        # 1 to this minus one: it and any count that would give it away read "X"
        # (supporters/reports/disclosure.py, docs/decisions.md).
        "REPORT_SUPPRESS_BELOW": int(os.environ.get("REPORT_SUPPRESS_BELOW", "3")),
        # Where links in e-mails and .ics files point (no trailing slash), never the Host header.
        # A production app refuses to start without a real https:// address (supporters/links.py).
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # The installation's self-hosted video service (e.g. Jitsi Meet at https://meet.example.jp):
        # an assigned video request gets a random room under it, shown only to its supporter and
        # resident (supporters/help_requests/video_rooms.py). Unset: no video-call links.
        "VIDEO_BASE_URL": video_base_url(os.environ.get("VIDEO_BASE_URL", "")),
        # Background work (supporters/jobs): the queue's backend — "sqlite" (embedded, a file in
        # instance/), "redis" (several machines; JOBS_URL=redis://…) or "memory" (tests) — and
        # the worker's threads. SCHEDULE_<JOB>="weekly mon 08:00" moves a scheduled job (JST).
        "JOBS_BACKEND": os.environ.get("JOBS_BACKEND", "sqlite"),
        "JOBS_URL": os.environ.get("JOBS_URL", ""),
        "JOBS_WORKERS": int(os.environ.get("JOBS_WORKERS", "2")),
        "SCHEDULE": {
            name[len("SCHEDULE_") :].lower(): value
            for name, value in os.environ.items()
            if name.startswith("SCHEDULE_") and value
        },
        # SMS through an HTTP gateway (supporters/notify/sms.py); off while the URL is empty.
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
        "SMS_SENDER": os.environ.get("SMS_SENDER", "Yorisoi"),
        # LINE Messaging API (supporters/notify/line.py); off while the token is empty.
        "LINE_CHANNEL_ACCESS_TOKEN": os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        "LINE_CHANNEL_SECRET": os.environ.get("LINE_CHANNEL_SECRET", ""),
        "LINE_API_BASE": os.environ.get("LINE_API_BASE", "https://api.line.me"),
        "LINE_FRIEND_URL": os.environ.get("LINE_FRIEND_URL", ""),
        "LINE_MONTHLY_QUOTA": int(os.environ.get("LINE_MONTHLY_QUOTA", "0")),
        # Web Push (supporters/notify/webpush.py): VAPID key pair (`flask webpush keys`).
        "VAPID_PRIVATE_KEY": os.environ.get("VAPID_PRIVATE_KEY", ""),
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", ""),
        # The channels a message tries, in order, for people who have not chosen their own.
        "CHANNEL_ORDER": os.environ.get("CHANNEL_ORDER", "line,webpush,email,sms"),
        # Outgoing mail (SMTP). The worker sends each message as soon as it is committed.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Yorisoi <no-reply@yorisoi.example.jp>"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
        # A worker holds a message this long while sending; a killed worker's hold runs out.
        "OUTBOX_LEASE_SECONDS": int(os.environ.get("OUTBOX_LEASE_SECONDS", "120")),
        # Escalation (supporters/help_requests/escalation.py): after this many hours without an
        # acceptance, offer to the next ESCALATION_BATCH candidates, up to ESCALATION_ROUNDS
        # times; then the request becomes unfilled and the coordinators are alerted.
        "ESCALATE_AFTER_HOURS": float(os.environ.get("ESCALATE_AFTER_HOURS", "4")),
        "ESCALATION_ROUNDS": int(os.environ.get("ESCALATION_ROUNDS", "2")),
        "ESCALATION_BATCH": int(os.environ.get("ESCALATION_BATCH", "3")),
        # Confirm-or-release (supporters/help_requests/reminders.py): the assigned supporter is
        # asked to confirm 72 and 24 hours before; unconfirmed this many hours before, the
        # coordinators are alerted.
        "CONFIRM_REMINDER_HOURS": os.environ.get("CONFIRM_REMINDER_HOURS", "72,24"),
        "UNCONFIRMED_ALERT_HOURS": float(os.environ.get("UNCONFIRMED_ALERT_HOURS", "12")),
        # Residents who ticked "remind me" are reminded the day before (JST) from this hour until
        # 21:00, by e-mail, or by SMS to a mobile number when SMS is configured.
        "RESIDENT_REMINDER_HOUR": int(os.environ.get("RESIDENT_REMINDER_HOUR", "10")),
        # The weekly digest (supporters/digest.py) counts certified supporters without a case
        # for this many days as idle.
        "IDLE_AFTER_DAYS": int(os.environ.get("IDLE_AFTER_DAYS", "90")),
        "PUBLIC_REQUEST_RATE_LIMIT": os.environ.get(
            "PUBLIC_REQUEST_RATE_LIMIT", "5 per hour;20 per day"
        ),
        # The residents' form (docs/decisions.md): the same kind of limit per network (/24 IPv4,
        # /64 IPv6: one household, office or mobile operator's block), a minimum time between
        # loading and sending the form (faster is a bot: 0 turns the check off), and a ceiling of
        # requests stored per Japan-time day, beyond which residents are asked to phone and the
        # coordinators are alerted once (0 = no ceiling).
        "PUBLIC_NETWORK_RATE_LIMIT": os.environ.get(
            "PUBLIC_NETWORK_RATE_LIMIT", "10 per hour;40 per day"
        ),
        "PUBLIC_NETWORK_PREFIX_V4": int(os.environ.get("PUBLIC_NETWORK_PREFIX_V4", "24")),
        "PUBLIC_NETWORK_PREFIX_V6": int(os.environ.get("PUBLIC_NETWORK_PREFIX_V6", "64")),
        "PUBLIC_MIN_FILL_SECONDS": float(os.environ.get("PUBLIC_MIN_FILL_SECONDS", "3")),
        "PUBLIC_DAILY_CEILING": int(os.environ.get("PUBLIC_DAILY_CEILING", "50")),
        # Shown to residents after they send the public form (the phone and e-mail are the
        # programme's settings).
        "PUBLIC_REPLY_WORKING_DAYS": int(os.environ.get("PUBLIC_REPLY_WORKING_DAYS", "2")),
        "PRIVACY_NOTICE_VERSION": os.environ.get("PRIVACY_NOTICE_VERSION", "2026-04"),
        # Personal fields of finished requests are anonymised this many whole fiscal years after
        # the fiscal year they finished in (`flask privacy purge`, docs/decisions.md).
        "RETENTION_YEARS": int(os.environ.get("RETENTION_YEARS", "3")),
    }
