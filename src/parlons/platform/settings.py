"""Django settings, read from the environment: one base for every environment.

Environment variables (all optional for a local demo):
  DATABASE_URL       default sqlite:///var/parlons.sqlite3 (PostgreSQL in production)
  REDIS_URL          cache, rate limits, sessions and the Celery queue; without it: local memory
                     cache and tasks run in-process
  SECRET_KEY         required with several app servers; else a random key kept in var/secret_key
  ALLOWED_HOSTS      comma-separated, default "127.0.0.1,localhost,testserver"
  CSRF_TRUSTED_ORIGINS comma-separated origins (https://participer.ville.fr)
  PARLONS_DEBUG      "1" for development
  PARLONS_HTTPS      "1" when served over HTTPS (secure cookies, HSTS, redirect)
  PARLONS_TRUSTED_PROXY "1" behind a reverse proxy that sets X-Forwarded-Proto / -Host
  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL:
                     SMTP; without EMAIL_HOST e-mails are printed on the console
  PARLONS_MEDIA_ROOT uploaded files (default var/media), PARLONS_VAR_DIR (default ./var)
  DATABASE_CONN_MAX_AGE seconds a database connection is kept (default 60)
  DATABASE_CONN_HEALTH_CHECKS "0" to skip the SELECT 1 per request on a kept connection
  PARLONS_LOCAL_CACHE_SECONDS lifetime of the per-process copies of organisations and spaces
                     (default 30; saves invalidate them at once on every server, see
                     common/localcache.py; only QuerySet.update() waits for the lifetime)
  PARLONS_SMS_BACKEND off (default; console with PARLONS_DEBUG) or http: voting codes by SMS;
                     PARLONS_SMS_URL, _TOKEN, _SENDER, _TIMEOUT for http (docs/budgets.md)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parents[2]
VAR_DIR = Path(os.environ.get("PARLONS_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on")."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in var/secret_key (one machine).

    Several application servers must share one key: set SECRET_KEY in production."""
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("PARLONS_DEBUG")
HTTPS = env_bool("PARLONS_HTTPS")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,.testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "parlons.platform.common",
    "parlons.platform.organisations",
    "parlons.platform.accounts",
    "parlons.platform.spaces",
    "parlons.platform.pages",
    "parlons.platform.budgets",
    "parlons.platform.opinions",
    "parlons.platform.research",
    "parlons.platform.proposals",
    "parlons.platform.assemblies",
    "parlons.platform.backoffice",
    "parlons.platform.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parlons.platform.organisations.middleware.CurrentOrganisationMiddleware",
    "parlons.platform.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "parlons.platform.common.middleware.FriendlyErrorsMiddleware",
]

ROOT_URLCONF = "parlons.platform.urls"
WSGI_APPLICATION = "parlons.platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "parlons.platform.organisations.context_processors.organisation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'parlons.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A "SELECT 1" before the first query of each request that reuses a connection: one
        # round trip (~0.1 ms), so that a connection the database dropped is replaced instead
        # of failing the request. DATABASE_CONN_HEALTH_CHECKS=0 saves it.
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["parlons.platform.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Cache, sessions, rate limits and queue: Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis backend, building one client per process instead of one per call.
    CACHES = {"default": {"BACKEND": "parlons.platform.common.cache.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "parlons"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "LOCATION": "parlons"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "parlons.platform.common.views.rate_limited"
# Local-memory cache counts per process: fine for one process (demo, tests); production uses Redis.
# W001 ("not officially supported") is silenced: our Redis backend subclasses Django's.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL
                                                      else ["django_ratelimit.E003"])

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "parlons_language"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/htmx", PROJECT_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", PROJECT_DIR / "node_modules" / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("PARLONS_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: SMTP when EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL",
                                    "Parlons <ne-pas-repondre@parlons.localhost>")

# Security: same settings everywhere; the HTTPS ones switch on with PARLONS_HTTPS.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("PARLONS_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PARLONS_TRUSTED_PROXY = env_bool("PARLONS_TRUSTED_PROXY")
RATELIMIT_IP_META_KEY = "parlons.platform.common.network.client_ip"
if PARLONS_TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Maps of proposals: an XYZ tile URL template (empty: no map, only the list of places) and
# its attribution. The tiles' origin is added to img-src below.
PARLONS_MAP_TILES_URL = os.environ.get("PARLONS_MAP_TILES_URL",
                                       "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
PARLONS_MAP_ATTRIBUTION = os.environ.get("PARLONS_MAP_ATTRIBUTION",
                                         "© OpenStreetMap contributors")
_tiles = urlsplit(PARLONS_MAP_TILES_URL)
_TILE_ORIGINS = ([f"{_tiles.scheme}://{re.sub(r'{[a-z]}', '*', _tiles.netloc)}"]
                 if _tiles.scheme in ("http", "https") and _tiles.netloc else [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_TILE_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARLONS_LOG_LEVEL", "WARNING")},
}

# Parlons' own settings
PARLONS_SIGNUP_MIN_SECONDS = float(os.environ.get("PARLONS_SIGNUP_MIN_SECONDS", "2"))
PARLONS_RATE_LIMITS = {
    "signup": os.environ.get("PARLONS_RATE_SIGNUP", "5/h"),
    "login": os.environ.get("PARLONS_RATE_LOGIN", "10/m"),
    "password_reset": os.environ.get("PARLONS_RATE_PASSWORD_RESET", "5/h"),
}
PARLONS_DEFAULT_ORGANISATION_SLUG = os.environ.get("PARLONS_DEFAULT_ORGANISATION", "")
PARLONS_LOCAL_CACHE_SECONDS = float(os.environ.get("PARLONS_LOCAL_CACHE_SECONDS", "30"))
PARLONS_EMAIL_CONFIRMATION_MAX_AGE = int(os.environ.get("PARLONS_EMAIL_CONFIRMATION_MAX_AGE",
                                                        str(3 * 24 * 3600)))
