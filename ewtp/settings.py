"""One settings module, configured by the environment (see README "Configuration")."""

from __future__ import annotations

import hashlib
import os

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ewtp.config import VAR_DIR, database_url, env_bool, secret_key

SECRET_KEY = secret_key()
DEBUG = env_bool("EWTP_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("EWTP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("EWTP_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "ewtp.core",
    "ewtp.accounts",
    "ewtp.rules",
    "ewtp.payments",
    "ewtp.market",
    "ewtp.customs",
    "ewtp.logistics",
    "ewtp.dashboard",
    "ewtp.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ewtp.accounts.middleware.AuthenticationMiddleware",  # Django's, the user read by a compiled query
    "ewtp.accounts.middleware.TokenMiddleware",  # a bearer token resolved once, before idempotency
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ewtp.core.ratelimit.RateLimitMiddleware",
    "ewtp.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "ewtp.urls"
WSGI_APPLICATION = "ewtp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ewtp.web.context.navigation",
            ],
        },
    },
]

# SQLite: WAL for concurrent readers, IMMEDIATE transactions so writers queue instead of
# failing with "database is locked" half-way through a transaction.
DATABASES = {"default": dj_database_url.parse(database_url(), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "ewtp.core.sqlite"  # Django's, with two hot-path savings
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("EWTP_TEST_DATABASE_NAME")} if os.environ.get(
    "EWTP_TEST_DATABASE_NAME"
) else {"NAME": ":memory:"} if DATABASES["default"]["ENGINE"] == "ewtp.core.sqlite" else {}
# (":memory:" said outright: pytest-django recognises Django's own SQLite ENGINE name only)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("ms", "Bahasa Melayu")]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("EWTP_STATIC_ROOT") or None  # only for collectstatic behind another web server
WHITENOISE_USE_FINDERS = True  # serve straight from the apps' static folders; no collectstatic step
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# database sessions, read with one plain statement (ewtp/accounts/sessions.py)
SESSION_ENGINE = "ewtp.accounts.sessions"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ewtp"}}

# API rate limit per caller (token or user), requests per minute.
EWTP_RATE_LIMIT_PER_MINUTE = int(os.environ.get("EWTP_RATE_LIMIT_PER_MINUTE", "600"))
# The schemes under which the hub itself, as the marketplace (deemed supplier), collects tax at sale:
# EU IOSS, UK VAT, AU/NZ GST, SG OVR, MY LVG, NO VOEC, CH VAT. Empty: only the sellers' own count.
EWTP_HUB_REGISTRATIONS = [r.strip() for r in os.environ.get(
    "EWTP_HUB_REGISTRATIONS", "EU-IOSS,GB-VAT,AU-GST,NZ-GST,SG-OVR,MY-LVG,NO-VOEC,CH-VAT").split(",") if r.strip()]

# Payments (ewtp/payments): the hub's transaction fee (percentage of the goods and shipping,
# plus a fixed amount per currency, in major units; "default" for the others), days after delivery
# before escrow is released automatically, the FX margin over the reference rate (a fraction), and
# the SANDBOX provider's signing secret and seed (deterministic delays and repeats for tests).
EWTP_PAYMENTS_FEE_PERCENT = os.environ.get("EWTP_PAYMENTS_FEE_PERCENT", "2.0")
EWTP_PAYMENTS_FEE_FIXED = {"default": "0.30", "JPY": "40", "KRW": "400", "IDR": "5000", "VND": "7500"}
EWTP_PAYMENTS_ESCROW_HOLD_DAYS = int(os.environ.get("EWTP_PAYMENTS_ESCROW_HOLD_DAYS", "10"))
EWTP_PAYMENTS_FX_MARGIN = os.environ.get("EWTP_PAYMENTS_FX_MARGIN", "0.005")
# The sandbox provider's webhook signing secret: from the environment, else derived from the
# hub's own secret key (itself generated into var/), so no secret lives in the repo.
EWTP_PAYMENTS_SANDBOX_SECRET = os.environ.get("EWTP_PAYMENTS_SANDBOX_SECRET") or "whsec_" + hashlib.sha256(
    f"sandbox-webhooks:{SECRET_KEY}".encode()).hexdigest()
EWTP_PAYMENTS_SANDBOX_SEED = int(os.environ.get("EWTP_PAYMENTS_SANDBOX_SEED", "7"))
EWTP_PAYMENTS_WEBHOOK_TOLERANCE_S = 300
# Rows per hot ledger account (hub fees, clearing, FX, tax and duty payable): on PostgreSQL
# concurrent writers then rarely wait on the same row lock; SQLite has one writer at a time, so
# one row is best there (ewtp/payments/shards.py). Applies to accounts opened from then on.
EWTP_LEDGER_SHARDS = int(os.environ.get(
    "EWTP_LEDGER_SHARDS", "8" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "1"))
# signed provider webhooks carry their own replay protection instead of an Idempotency-Key
EWTP_IDEMPOTENCY_EXEMPT_PREFIXES = ("/api/v1/payments/webhooks/",)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

LANGUAGE_NAMES = {"en": _("English"), "zh-hans": "简体中文", "ms": "Bahasa Melayu"}

# Logistics returns: days the seller has to decide a return request before the hub operator may decide it
EWTP_LOGISTICS_RETURN_SELLER_DAYS = int(os.environ.get("EWTP_LOGISTICS_RETURN_SELLER_DAYS", "3"))
