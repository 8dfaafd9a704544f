"""Settings for the mail platform.

Every knob is read from the environment or an optional `.env` file at the project root;
`.env.example` lists each one with its default. The defaults are embedded and need no server:
SQLite and message blobs under `var/`, and a Celery broker on the filesystem.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from mailplatform.config import (
    env_bool,
    env_cache,
    env_choice,
    env_db,
    env_duration,
    env_int,
    env_list,
    env_path,
    env_port,
    env_str,
    env_url,
    read_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
read_env_file(BASE_DIR / ".env")

DATA_DIR = env_path("DATA_DIR", Path("var"), BASE_DIR)
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured SECRET_KEY, or one generated once and kept (mode 0600) under DATA_DIR."""
    configured = env_str("SECRET_KEY", "")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("Invalid setting SECRET_KEY: use at least 32 characters")
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass  # another process created it first; read theirs
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where the platform is reached from outside; used in links, QR codes and autoconfig.
PUBLIC_URL = env_str("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
MAIL_HOSTNAME = env_str("MAIL_HOSTNAME", "localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mailplatform",
    "accounts",
    "imapd",
    "provisioning",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mailplatform.urls"
WSGI_APPLICATION = "mailplatform.wsgi.application"
ASGI_APPLICATION = "mailplatform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mailplatform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": env_db("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the daemon, the web server and the workers read while one of them writes;
    # IMMEDIATE transactions take the write lock up front instead of failing on upgrade.
    # synchronous=FULL flushes the WAL at every commit: with NORMAL a power loss could take
    # back a committed delivery that was already acknowledged (the daemon's group commit
    # shares that flush between concurrent deliveries).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's queries bind values in the client and are never prepared; this only lets the
    # delivery path's own statements (`mailplatform.sql.hot_cursor`) be prepared once per
    # connection instead of planned at every message.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
# Reusing connections matters for SQLite too: the mail daemon's ORM threads would otherwise
# reopen the file (and rerun the PRAGMAs) for every command, about 1 ms each.
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 60, minimum=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process of the platform (login throttling, rate limits): the default file cache
# works across the processes of one machine; use redis:// when scaled out.
CACHES = {"default": env_cache("CACHE_URL", f"filecache://{DATA_DIR / 'cache'}")}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The self-service pages (moderation app) are where web users log in.
LOGIN_URL = "/account/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", DATA_DIR / "static", BASE_DIR)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# E-mail sent by the platform itself (confirmations, notices).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"postmaster@{MAIL_HOSTNAME}")

# --- accounts -----------------------------------------------------------------------------
PASSWORD_SCHEMES = (
    "ARGON2ID",
    "ARGON2I",
    "BLF-CRYPT",
    "SHA512-CRYPT",
    "SHA256-CRYPT",
    "PBKDF2",
)
PASSWORD_SCHEME = env_choice("PASSWORD_SCHEME", "ARGON2ID", PASSWORD_SCHEMES)
# Quota given to a new account when neither the request nor its domain names one; 0 = none.
DEFAULT_QUOTA_BYTES = env_int("DEFAULT_QUOTA_BYTES", 1024**3, minimum=0)
ADMIN_TOKEN_FILE = env_path("ADMIN_TOKEN_FILE", DATA_DIR / "admin-token", BASE_DIR)
API_TOKEN_DEFAULT_TTL = env_duration("API_TOKEN_DEFAULT_TTL", 0)  # 0 = tokens do not expire

# Failed logins (IMAP, SMTP, API, web): slow down, then lock out, per account and per IP.
LOGIN_FAILURE_WINDOW = env_duration("LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_SLOWDOWN_AFTER = env_int("LOGIN_SLOWDOWN_AFTER", 3, minimum=1)
LOGIN_MAX_DELAY = env_int("LOGIN_MAX_DELAY", 8, minimum=0)
LOGIN_LOCKOUT_ACCOUNT_AFTER = env_int("LOGIN_LOCKOUT_ACCOUNT_AFTER", 10, minimum=1)
LOGIN_LOCKOUT_IP_AFTER = env_int("LOGIN_LOCKOUT_IP_AFTER", 30, minimum=1)
LOGIN_LOCKOUT_DURATION = env_duration("LOGIN_LOCKOUT_DURATION", 15 * 60)
LOGIN_THROTTLE_EXEMPT_IPS = env_list("LOGIN_THROTTLE_EXEMPT_IPS", [])

# --- provisioning (mailadm's job: temporary accounts from tokens) --------------------------
# The URL Delta Chat POSTs to (shown in QR codes); its path is what the platform routes.
PROVISIONING_WEB_ENDPOINT = env_str("PROVISIONING_WEB_ENDPOINT", f"{PUBLIC_URL}/new_email")
# Random characters after a token's prefix in each new local part.
PROVISIONING_LOCALPART_LENGTH = env_int("PROVISIONING_LOCALPART_LENGTH", 8, minimum=4, maximum=32)
# Attempts on the account-creation endpoint per client IP and window; 0 = no limit.
PROVISIONING_RATE_LIMIT = env_int("PROVISIONING_RATE_LIMIT", 20, minimum=0)
PROVISIONING_RATE_LIMIT_WINDOW = env_duration("PROVISIONING_RATE_LIMIT_WINDOW", 3600)
# Behind a reverse proxy: the header naming the client, e.g. X-Forwarded-For; empty: the peer.
PROVISIONING_CLIENT_IP_HEADER = env_str("PROVISIONING_CLIENT_IP_HEADER", "")
# How long before expiry a warning is put into the account's INBOX; 0 = no warning.
PROVISIONING_WARN_BEFORE = env_duration("PROVISIONING_WARN_BEFORE", 3 * 86400)
# Expired accounts whose owner logged in within this time are kept until it passes; 0 = off.
PROVISIONING_PRUNE_LOGIN_GRACE = env_duration("PROVISIONING_PRUNE_LOGIN_GRACE", 0)

# --- moderation (pymailadmin's job: registration, self-service pages, pending actions) -----
# Mailboxes a web user may own, and aliases per mailbox, unless raised per user in the admin.
MAX_MAILBOXES_PER_USER = env_int("MAX_MAILBOXES_PER_USER", 3, minimum=0)
MAX_ALIASES_PER_MAILBOX = env_int("MAX_ALIASES_PER_MAILBOX", 100, minimum=0)
# How long a requested mailbox deletion can be cancelled before the mailbox and its mail go.
DELETION_GRACE = env_duration("DELETION_GRACE", 48 * 3600)
# Unconfirmed registrations are purged after this.
REGISTRATION_CONFIRM_TTL = env_duration("REGISTRATION_CONFIRM_TTL", 48 * 3600)
# Registration attempts per client IP and window; 0 = no limit.
REGISTRATION_RATE_LIMIT = env_int("REGISTRATION_RATE_LIMIT", 5, minimum=0)
REGISTRATION_RATE_LIMIT_WINDOW = env_duration("REGISTRATION_RATE_LIMIT_WINDOW", 3600)
# A pending action that fails is retried after PENDING_ACTION_RETRY_DELAY (doubling) until it
# has been tried PENDING_ACTION_MAX_ATTEMPTS times; then it stays failed for an admin to see.
PENDING_ACTION_MAX_ATTEMPTS = env_int("PENDING_ACTION_MAX_ATTEMPTS", 5, minimum=1)
PENDING_ACTION_RETRY_DELAY = env_duration("PENDING_ACTION_RETRY_DELAY", 10 * 60)
# A running action whose worker vanished (killed mid-run) is taken up again after this.
PENDING_ACTION_STALE_AFTER = env_duration("PENDING_ACTION_STALE_AFTER", 3600)

# --- mail store and daemon ------------------------------------------------------------------
BLOB_DIR = env_path("BLOB_DIR", DATA_DIR / "blobs", BASE_DIR)
IMAP_HOST = env_str("IMAP_HOST", "127.0.0.1")
IMAP_PORT = env_port("IMAP_PORT", 1143)
IMAPS_PORT = env_port("IMAPS_PORT", 1993)
IMAP_UNIX_SOCKET = env_str("IMAP_UNIX_SOCKET", "")
LMTP_PORT = env_port("LMTP_PORT", 2424)
LMTP_UNIX_SOCKET = env_str("LMTP_UNIX_SOCKET", "")
SUBMISSION_PORT = env_port("SUBMISSION_PORT", 1587)
SUBMISSIONS_PORT = env_port("SUBMISSIONS_PORT", 1465)
SMTP_PORT = env_port("SMTP_PORT", 0)
TLS_CERT_FILE = env_str("TLS_CERT_FILE", "")
TLS_KEY_FILE = env_str("TLS_KEY_FILE", "")
if bool(TLS_CERT_FILE) != bool(TLS_KEY_FILE):
    raise ImproperlyConfigured("Invalid setting TLS_CERT_FILE/TLS_KEY_FILE: set both or neither")
MAX_MESSAGE_SIZE = env_int("MAX_MESSAGE_SIZE", 50 * 1024 * 1024, minimum=1024)
# Threads the mail daemon uses for database work (the event loop never calls the ORM itself).
DAEMON_DB_THREADS = env_int("DAEMON_DB_THREADS", 8, minimum=1, maximum=256)
# Threads that flush new message blobs to disk while the delivery goes on (imapd.store.blobs).
BLOB_SYNC_THREADS = env_int("BLOB_SYNC_THREADS", 8, minimum=1, maximum=256)
# Microseconds one thread of the mail daemon may hold the GIL while others wait
# (sys.setswitchinterval; Python's default is 5000).
DAEMON_SWITCH_INTERVAL_US = env_int("DAEMON_SWITCH_INTERVAL_US", 500, minimum=50, maximum=100_000)
# Worker processes of the mail daemon sharing its listeners (imapd.prefork); more than one
# needs NOTIFY_URL, so that IDLE sessions see deliveries made in the other processes.
DAEMON_PROCESSES = env_int("DAEMON_PROCESSES", 1, minimum=1, maximum=64)
# Seconds the mail daemon remembers an accepted recipient (imapd.smtp.recipient_cache); changes
# to domains, accounts and aliases empty it at once (in other processes through NOTIFY_URL).
# 0 looks every recipient up.
RECIPIENT_CACHE_SECONDS = env_int("RECIPIENT_CACHE_SECONDS", 10, minimum=0, maximum=3600)
# Cross-process change notification for IDLE: empty (in-process only) or redis://...
NOTIFY_URL = env_url("NOTIFY_URL", "", ("redis", "rediss", "unix"))

# --- encryption at rest (imapd.crypto) -------------------------------------------------------
# off: no account gets keys (encrypted ones stay readable); new: new accounts are encrypted;
# required: every account is, from its next login at the latest (old mail then in the background).
MAIL_ENCRYPTION = env_choice("MAIL_ENCRYPTION", "off", ("off", "new", "required"))
# PEM file of the operator's X25519 recovery public key (its private key stays offline); empty:
# no recovery, and a password reset without the old password makes the old mail unreadable.
RECOVERY_PUBLIC_KEY_FILE = env_str("RECOVERY_PUBLIC_KEY_FILE", "")
# How the key that wraps an account's private key is derived from its password; the choice and
# parameters are stored with each wrapped key, so changing them affects new wraps only.
MAIL_KEY_KDF = env_choice("MAIL_KEY_KDF", "argon2id", ("argon2id", "scrypt"))
MAIL_KEY_KDF_MEMORY_KIB = env_int("MAIL_KEY_KDF_MEMORY_KIB", 19456, minimum=64, maximum=4194304)
MAIL_KEY_KDF_ITERATIONS = env_int("MAIL_KEY_KDF_ITERATIONS", 2, minimum=1, maximum=100)
MAIL_KEY_KDF_LANES = env_int("MAIL_KEY_KDF_LANES", 1, minimum=1, maximum=64)

# --- IMAP server limits (see imapd/imap/config.py) ------------------------------------------
IMAP_MAX_LINE_LENGTH = env_int("IMAP_MAX_LINE_LENGTH", 65536, minimum=8192)
# All literals of one command together (MULTIAPPEND); at least MAX_MESSAGE_SIZE + 64 KiB.
IMAP_MAX_COMMAND_SIZE = env_int("IMAP_MAX_COMMAND_SIZE", 2 * MAX_MESSAGE_SIZE, minimum=0)
IMAP_TIMEOUT_AUTHENTICATED = env_duration("IMAP_TIMEOUT_AUTHENTICATED", 30 * 60)
IMAP_TIMEOUT_NOT_AUTHENTICATED = env_duration("IMAP_TIMEOUT_NOT_AUTHENTICATED", 60)
IMAP_IDLE_KEEPALIVE = env_duration("IMAP_IDLE_KEEPALIVE", 2 * 60)
IMAP_MAX_BAD_COMMANDS = env_int("IMAP_MAX_BAD_COMMANDS", 20, minimum=1)
IMAP_MAX_CONNECTIONS_PER_ACCOUNT = env_int("IMAP_MAX_CONNECTIONS_PER_ACCOUNT", 50, minimum=0)
IMAP_ALLOW_PLAINTEXT_AUTH = env_bool("IMAP_ALLOW_PLAINTEXT_AUTH", False)

# --- mail delivery (LMTP, submission, inbound SMTP, `manage.py deliver`) ---------------------
# Over quota is a permanent refusal (552 5.2.2) unless this makes it temporary (452 4.2.2).
OVERQUOTA_TEMPFAIL = env_bool("OVERQUOTA_TEMPFAIL", False)
# Recipients accepted per message (RFC 5321 4.5.3.1.8 asks for at least 100).
SMTP_MAX_RECIPIENTS = env_int("SMTP_MAX_RECIPIENTS", 100, minimum=1)
# Messages an account may submit per minute; 0 = no limit.
SUBMISSION_RATE_LIMIT = env_int("SUBMISSION_RATE_LIMIT", 30, minimum=0)
# AUTH without TLS is refused except from loopback clients; true allows it from anywhere.
SMTP_AUTH_ALLOW_PLAINTEXT = env_bool("SMTP_AUTH_ALLOW_PLAINTEXT", False)
# The smarthost for mail to other domains: smtp://user:pass@host:587 (STARTTLS when offered)
# or smtps://user:pass@host:465; empty: remote recipients are refused.
SMTP_RELAY_URL = env_str("SMTP_RELAY_URL", "")
if SMTP_RELAY_URL:
    _relay = urlsplit(SMTP_RELAY_URL)
    if _relay.scheme not in ("smtp", "smtps") or not _relay.hostname:
        raise ImproperlyConfigured(
            "Invalid setting SMTP_RELAY_URL: expected smtp://[user:pass@]host[:port] or smtps://..."
        )
# Retries of a message the smarthost refused temporarily: the first after RELAY_RETRY_DELAY,
# doubling up to RELAY_RETRY_MAX_DELAY; after RELAY_RETRY_WINDOW the sender gets a bounce.
RELAY_RETRY_DELAY = env_duration("RELAY_RETRY_DELAY", 5 * 60)
RELAY_RETRY_MAX_DELAY = env_duration("RELAY_RETRY_MAX_DELAY", 4 * 3600)
RELAY_RETRY_WINDOW = env_duration("RELAY_RETRY_WINDOW", 5 * 86400)
RELAY_TIMEOUT = env_duration("RELAY_TIMEOUT", 60)

# --- the run command (manage.py runplatform) ------------------------------------------------
WEB_BIND = env_str("WEB_BIND", "127.0.0.1:8000")
WEB_WORKERS = env_int("WEB_WORKERS", 2, minimum=1)
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 2, minimum=1)

# --- Celery ---------------------------------------------------------------------------------
# The embedded default broker is kombu's filesystem transport: it needs no server and no extra
# package, and works across the processes of one machine. Set CELERY_BROKER_URL to redis://
# or amqp:// to scale out.
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    "filesystem://",
    ("filesystem", "redis", "rediss", "amqp", "amqps", "pyamqp"),
)
_celery_dir = DATA_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed"):
        (_celery_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", f"file://{_celery_dir / 'results'}")
if CELERY_RESULT_BACKEND.startswith("file://"):
    Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "beat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Later features add prune, deletion and rekey jobs here.
    "heartbeat": {"task": "mailplatform.tasks.heartbeat", "schedule": 300.0},
    "provisioning-prune": {"task": "provisioning.tasks.prune", "schedule": 3600.0},
    # Wakes relay attempts whose Celery task was lost (the queue's rows are the truth).
    "relay-queue-sweep": {"task": "imapd.tasks.relay_sweep", "schedule": 60.0},
    "provisioning-expiry-warnings": {
        "task": "provisioning.tasks.send_expiry_warnings",
        "schedule": 3600.0,
    },
    # Deletions past their grace period, rekeys; each action is claimed atomically.
    "moderation-run-pending-actions": {
        "task": "moderation.tasks.run_pending_actions",
        "schedule": 60.0,
    },
    "moderation-purge-registrations": {
        "task": "moderation.tasks.purge_registrations",
        "schedule": 900.0,
    },
    # Encryption at rest: accounts whose mail stored in clear waits for its job (imapd.crypto).
    "crypto-encryption-sweep": {"task": "imapd.crypto.tasks.encryption_sweep", "schedule": 600.0},
    # Message files a crash left without a row (imapd.store.services.orphan_blobs_delete).
    "store-orphan-blobs-sweep": {"task": "imapd.tasks.orphan_blobs_sweep", "schedule": 6 * 3600.0},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mailplatform.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mail platform API",
    "DESCRIPTION": "Domains, accounts, aliases and the rest of a small mail provider.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags and operation ids start after this: "accounts_list", not "v1_accounts_list".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Serve Swagger UI from our own static files: the docs page must not depend on a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # aiosmtpd logs every SMTP command at INFO (addresses included): too much for a mail host.
        "mail.log": {"level": "WARNING"},
    },
}
