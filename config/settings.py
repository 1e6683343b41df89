"""Paperfeed settings: one file, every deployment choice read from the environment.

With nothing set but SECRET_KEY (`make run` and the test run make their own),
Paperfeed runs on an SQLite file with tasks executed in-process, so `make run`
and `make test` need no services. Production sets the variables
documented in `.env.example`; `manage.py check --deploy` verifies them.
"""

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.utils.csp import CSP
from kombu import Exchange, Queue

from config.environment import (
    DEVELOPMENT_KEY,
    check_secret_key,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_time,
)

# Generic classes of Django (ModelAdmin[Paper], QuerySet[Paper]) subscriptable
# at run time, as the type checker reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.getenv("SECRET_KEY") or (DEVELOPMENT_KEY if DEBUG else "")
# Keys being retired, comma- or space-separated: what they signed (sessions,
# digest and password-reset links) still verifies while SECRET_KEY takes over.
SECRET_KEY_FALLBACKS = os.getenv("SECRET_KEY_FALLBACKS", "").replace(",", " ").split()
if not DEBUG:
    check_secret_key("SECRET_KEY", SECRET_KEY)
    for _fallback in SECRET_KEY_FALLBACKS:
        check_secret_key("A key in SECRET_KEY_FALLBACKS", _fallback)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    # Serves the API docs page's Swagger UI from our own static files, not a CDN.
    "ninja",
    "accounts",
    "papers",
    "discussion",
    "submissions",
    "recommender",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recommender.context_processors.reader",
                "discussion.context_processors.discussion",
            ],
        },
    },
]

# SQLite unless DATABASE_URL says otherwise (postgres://... uses psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while an import writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The queries of web.prepared (a kept page's version, a refresh's reads of
    # its reader) are prepared on each connection from their fifth run, and
    # the server plans them once. Django turns psycopg's preparing off unless
    # asked; its own queries bind their values on the client and are never
    # prepared, so they are not concerned.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# A new reader picks topics and papers first (skippable).
SIGNUP_REDIRECT_URL = "recommender:onboarding"
# Failed log-ins tolerated per account and per address before a lock-out.
# New readers confirm their e-mail address before they can log in: on for a
# public site, where anyone could sign up with someone else's address.
ACCOUNT_EMAIL_VERIFICATION = env_bool("ACCOUNT_EMAIL_VERIFICATION", False)
ACCOUNT_CONFIRMATION_DAYS = env_int("ACCOUNT_CONFIRMATION_DAYS", 3)
# A link to a new e-mail address works this long (accounts.email_change).
ACCOUNT_EMAIL_CHANGE_HOURS = env_int("ACCOUNT_EMAIL_CHANGE_HOURS", 24)
# Failed log-ins that cost nothing, per account and per address; each further
# one waits LOGIN_DELAY_SECONDS, doubled each time, at most
# LOGIN_LOCKOUT_MINUTES (accounts.throttling).
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 20)
LOGIN_DELAY_SECONDS = env_int("LOGIN_DELAY_SECONDS", 30)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Account mails (sign-up, confirmation, reset, address change) an hour, per
# client address and per recipient.
PAPERFEED_MAILS_PER_IP = env_int("PAPERFEED_MAILS_PER_IP", 20)
PAPERFEED_MAILS_PER_RECIPIENT = env_int("PAPERFEED_MAILS_PER_RECIPIENT", 3)
# How many proxies in front of Paperfeed append to X-Forwarded-For: the
# client's address for the log-in limits is the entry that many from the
# right (accounts.throttling.client_ip). 0: REMOTE_ADDR, X-Forwarded-For unread.
PAPERFEED_TRUSTED_PROXIES = env_int("PAPERFEED_TRUSTED_PROXIES", 0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Until `collectstatic` has run (development, a fresh clone), serve files
# straight from the source folders under their plain names.
COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
STATICFILES_DIRS = [BASE_DIR / "static"]
# Derived files (the collaborative signal): every web and worker machine must
# see the same folder, or STORAGES["default"] must be an object store.
MEDIA_ROOT = os.getenv("PAPERFEED_MEDIA_ROOT", str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if COLLECTED and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not COLLECTED

# Content Security Policy: no inline script or style; htmx's script carries the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# HTTPS hardening: production serves over HTTPS and says so with HTTPS=true.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": os.getenv("EMAIL_HOST_USER", ""),
                "password": os.getenv("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
        if EMAIL_HOST
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
del EMAIL_HOST  # MAILERS replaces the EMAIL_* settings in Django 6.1
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Paperfeed <paperfeed@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# No broker configured -> tasks run inline, so development and tests need no Redis.
CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Three queues, so that a long harvest or a slow mail server never holds up a
# reader's refresh. A worker takes all three unless told which (`-Q training`).
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name)
    for name in ("training", "ingest", "mail")
)
CELERY_TASK_DEFAULT_QUEUE = "training"
CELERY_TASK_ROUTES = {
    "papers.tasks.*": {"queue": "ingest"},
    "recommender.tasks.build_index": {"queue": "ingest"},
    "recommender.tasks.send_digests": {"queue": "mail"},
}
# Celery closes every database connection before and after each task unless
# told how many tasks a connection may serve: each like's refresh then opened
# a connection of its own (3.5 ms) and ran its queries on a new server
# process, 36 ms a task instead of 28 (median of 72). config/celery.py closes
# them as Django does after a request: when older than CONN_MAX_AGE, or broken.
CELERY_DB_REUSE_MAX = 1000
# A task is acknowledged when it is done, so one whose worker dies runs again
# elsewhere; each worker process reserves one task at a time, so a long one
# holds up nothing queued behind it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that runs away is stopped: a refresh takes well under a second, a
# harvest or an index build minutes.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 35 * 60)
# An unacknowledged message of a worker that vanished is delivered again after
# this long; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    # Sending a task tries the broker twice, then gives up: a like must not
    # wait long on a broker that is down (its retraining is caught up later).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    # Sites (or test runs) sharing one Redis keep their queues apart under
    # their own key prefix.
    "global_keyprefix": os.getenv("CELERY_KEY_PREFIX", ""),
}
# `celery -A config beat` runs these; without a broker, cron runs the commands
# (README). arXiv announces new papers at 20:00 US Eastern, Sunday to Thursday.
_ARXIV_AT = env_time("PAPERFEED_ARXIV_FETCH_AT", "02:00")
_HF_AT = env_time("PAPERFEED_HF_FETCH_AT", "23:00")
CELERY_BEAT_SCHEDULE = {
    "fetch-arxiv": {
        "task": "papers.tasks.fetch_arxiv",
        "schedule": crontab(hour=_ARXIV_AT[0], minute=_ARXIV_AT[1]),
    },
    "fetch-hf-daily": {
        "task": "papers.tasks.fetch_hf_daily",
        "schedule": crontab(hour=_HF_AT[0], minute=_HF_AT[1]),
    },
    # Readers whose retraining was not queued (the broker was down) or was
    # lost with a worker; a no-op when every model is up to date.
    "retrain-stale-readers": {
        "task": "recommender.tasks.train_readers",
        "schedule": crontab(minute="*/10"),
    },
    # Each reader's digest is due at an hour of their own time zone.
    "send-digests": {
        "task": "recommender.tasks.send_digests",
        "schedule": crontab(minute=5),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Each process keeps the rendered paper cards it served (papers.cards: each
# card's body, keyed by the paper's version, and each reader's whole card,
# keyed by what it shows them): derived, never shared.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAPERFEED_CARD_CACHE_ENTRIES", 20_000)},
    },
    # Rendered For-you pages (web.pages), each about 160 kB: the default keeps
    # the last readers' pages in about 50 MB a process.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAPERFEED_PAGE_CACHE_ENTRIES", 300)},
    },
}

# Readers' decoded models each process keeps for ranking topic and search
# pages (recommender.training.load_reader_model), about 160 kB each.
PAPERFEED_MODEL_CACHE_ENTRIES = env_int("PAPERFEED_MODEL_CACHE_ENTRIES", 256)
# The feed window's similarities to liked papers each process keeps for its
# refreshes (recommender.picks.Papers.liked_similarity), in MB: a column of
# 4 bytes a window paper per liked paper.
PAPERFEED_SIMILARITY_CACHE_MB = env_int("PAPERFEED_SIMILARITY_CACHE_MB", 32)
# Papers per page on the daily, topic and search pages.
PAPERFEED_PAGE_SIZE = env_int("PAPERFEED_PAGE_SIZE", 30)
# Origins (https://example.org) whose pages may read the public JSON API from a
# browser; none by default, and then the API sends no Access-Control-* headers.
PAPERFEED_API_CORS_ORIGINS = env_list("PAPERFEED_API_CORS_ORIGINS", [])
# Discussions: the longest comment, and how many a reader may post a minute
# and a day.
PAPERFEED_COMMENT_MAX_LENGTH = env_int("PAPERFEED_COMMENT_MAX_LENGTH", 5_000)
PAPERFEED_COMMENTS_PER_MINUTE = env_int("PAPERFEED_COMMENTS_PER_MINUTE", 3)
PAPERFEED_COMMENTS_PER_DAY = env_int("PAPERFEED_COMMENTS_PER_DAY", 50)
# An address written without a scheme in a comment links to https (Django 7's default).
URLIZE_ASSUME_HTTPS = True
# A search shows at most this many best matches (see papers/search.py);
# a topic page ordered for a reader ranks this many of the topic's newest papers.
PAPERFEED_SEARCH_CANDIDATES = env_int("PAPERFEED_SEARCH_CANDIDATES", 500)
# Papers a reader may submit to the day's page in one day (submissions app).
PAPERFEED_SUBMISSIONS_PER_DAY = env_int("PAPERFEED_SUBMISSIONS_PER_DAY", 3)
# /healthz answers from its last look at the database and broker for this long.
PAPERFEED_HEALTH_SECONDS = env_int("PAPERFEED_HEALTH_SECONDS", 5)
# API calls an hour: a personal access token's reads and writes, and the
# calls without a token from one client address (see api/limits.py: each
# server process counts apart unless CACHES is shared).
PAPERFEED_API_READS_PER_HOUR = env_int("PAPERFEED_API_READS_PER_HOUR", 600)
PAPERFEED_API_WRITES_PER_HOUR = env_int("PAPERFEED_API_WRITES_PER_HOUR", 120)
PAPERFEED_API_CALLS_PER_ADDRESS = env_int("PAPERFEED_API_CALLS_PER_ADDRESS", 300)
# The search index (papers.search): a folder per database, on a local disk of
# each machine that serves pages; any machine rebuilds its own from the
# database (`build_search_index`) and keeps it in step by itself.
PAPERFEED_SEARCH_DIR = os.getenv(
    "PAPERFEED_SEARCH_DIR", str(BASE_DIR / "var" / "search")
)
# The text index's vocabulary and LSA are fitted on at most this many papers.
PAPERFEED_INDEX_SAMPLE = env_int("PAPERFEED_INDEX_SAMPLE", 50_000)
# Seconds a retrain waits for more feedback on a real worker. A training that a
# newer change has superseded stops by itself, so bursts already collapse; a
# delay merges more of them but makes the feed refresh that much later.
PAPERFEED_RETRAIN_DELAY = env_int("PAPERFEED_RETRAIN_DELAY", 0)
# Seconds after a refresh before the model's quality is re-estimated on a real
# worker: a reader liking several papers in a row gets one estimate, after the
# last, instead of one queued behind every refresh.
PAPERFEED_QUALITY_DELAY = env_int("PAPERFEED_QUALITY_DELAY", 60)
# A reader's stored feed covers the papers of this many days up to the latest
# listing day, at most PAPERFEED_FEED_SIZE papers a day.
PAPERFEED_FEED_DAYS = env_int("PAPERFEED_FEED_DAYS", 7)
PAPERFEED_FEED_SIZE = env_int("PAPERFEED_FEED_SIZE", 100)
# Age in seconds at which the stored signal of all readers' likes is built
# again (0: at every change of the likes, for tests and tiny sites): one
# worker builds it, every process maps the stored files.
PAPERFEED_COLLABORATIVE_TTL = env_int("PAPERFEED_COLLABORATIVE_TTL", 3600)
# Threads the maths libraries (BLAS, OpenMP) may use in each process.
PAPERFEED_MATH_THREADS = env_int("PAPERFEED_MATH_THREADS", 1)

# --- Paper sources (papers/fetch.py, papers/harvest.py) ---
# Base URLs: a mirror or a local test server can stand in for each.
PAPERFEED_ARXIV_API_URL = os.getenv(
    "PAPERFEED_ARXIV_API_URL", "https://export.arxiv.org/api/query"
)
PAPERFEED_ARXIV_OAI_URL = os.getenv(
    "PAPERFEED_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai"
)
PAPERFEED_HF_API_URL = os.getenv(
    "PAPERFEED_HF_API_URL", "https://huggingface.co/api/daily_papers"
)
# Seconds between requests: arXiv asks for one every three seconds at most.
PAPERFEED_ARXIV_MIN_INTERVAL = env_float("PAPERFEED_ARXIV_MIN_INTERVAL", 3.0)
PAPERFEED_HF_MIN_INTERVAL = env_float("PAPERFEED_HF_MIN_INTERVAL", 1.0)
PAPERFEED_FETCH_CONNECT_TIMEOUT = env_float("PAPERFEED_FETCH_CONNECT_TIMEOUT", 10.0)
PAPERFEED_FETCH_READ_TIMEOUT = env_float("PAPERFEED_FETCH_READ_TIMEOUT", 60.0)
# Retries of one request (timeouts, connection errors, 429, 5xx), the first
# after this many seconds, doubling; then a harvest task tries again after
# PAPERFEED_HARVEST_RETRY_SECONDS (doubling, three times).
PAPERFEED_FETCH_RETRIES = env_int("PAPERFEED_FETCH_RETRIES", 4)
PAPERFEED_FETCH_BACKOFF = env_float("PAPERFEED_FETCH_BACKOFF", 5.0)
PAPERFEED_HARVEST_RETRY_SECONDS = env_int("PAPERFEED_HARVEST_RETRY_SECONDS", 600)
# Whom a source can write to about our requests, sent in the User-Agent.
PAPERFEED_CONTACT_EMAIL = os.getenv("PAPERFEED_CONTACT_EMAIL", "")
# What `fetch_arxiv` harvests by default (comma-separated arXiv categories).
PAPERFEED_ARXIV_CATEGORIES = env_list(
    "PAPERFEED_ARXIV_CATEGORIES", ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML"]
)
# Days the first harvest of an empty history reaches back.
PAPERFEED_ARXIV_FIRST_DAYS = env_int("PAPERFEED_ARXIV_FIRST_DAYS", 3)

# --- Digests and the private feed ---
# The address links in e-mails point to (they leave the site, so they are absolute).
PAPERFEED_SITE_URL = os.getenv("PAPERFEED_SITE_URL", "http://127.0.0.1:8000")
# Days a digest's Like and unsubscribe links keep working.
PAPERFEED_DIGEST_LINK_DAYS = env_int("PAPERFEED_DIGEST_LINK_DAYS", 14)
# Refusals in a row by a reader's address (retried after 1, 4, 16... hours)
# that stop their digests until they save their settings or change address.
PAPERFEED_DIGEST_MAX_FAILURES = env_int("PAPERFEED_DIGEST_MAX_FAILURES", 5)
# Entries in a reader's private Atom feed.
PAPERFEED_ATOM_SIZE = env_int("PAPERFEED_ATOM_SIZE", 50)
