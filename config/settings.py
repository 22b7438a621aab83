"""Gongzhi settings: one module, everything read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.conf.locale import LANG_INFO

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# development | test | production. Production refuses unsafe defaults (see gongzhi.core.checks).
GONGZHI_ENV = env.str("GONGZHI_ENV", default="development")
IS_PRODUCTION = GONGZHI_ENV == "production"

DEBUG = env.bool("DEBUG", default=GONGZHI_ENV == "development")
SECRET_KEY = env.str(
    "SECRET_KEY", default="" if IS_PRODUCTION else "dev-insecure-gongzhi-secret-key-change-me"
)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The domain apps, bottom of the architecture first (shared/ARCHITECTURE.md). An app listed here
# may have urls.py (mounted at /<app>/), api.py (a `router` mounted under /api/v1/) and extensions.py
# (navigation entries, home panels and demo builders, imported when the app is ready).
GONGZHI_APPS = [
    "core",
    "accounts",
    "registry",
    "points",
    "venues",
    "activities",
    "deliberation",
    "cases",
    "open311",
    "care",
    "assistance",
    "economy",
    "servicedesk",
    "dashboard",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # django-otp's core only: its otp_totp / otp_static plugins store the TOTP key and the recovery
    # codes in plain text; gongzhi.accounts has its own devices (key encrypted, codes hashed).
    "django_otp",
    *[f"gongzhi.{app}" for app in GONGZHI_APPS],
    "gongzhi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gongzhi.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gongzhi.core.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gongzhi.accounts.middleware.OTPMiddleware",
    "gongzhi.accounts.middleware.UserLanguageMiddleware",
    "gongzhi.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongzhi.accounts.middleware.StaffSecurityMiddleware",
    "gongzhi.core.middleware.ApiRateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the lockout raised by the authentication backend.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "gongzhi.core.context_processors.shell",
            ],
        },
    }
]
FORM_RENDERER = "gongzhi.core.forms_renderer.FormRenderer"

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default: WAL so readers never block the writer, IMMEDIATE transactions
# and a busy timeout so that concurrent writers queue instead of failing with "database is locked".
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file, not memory, so that tests with concurrent threads see one database with real locking.
    _db["TEST"] = {"NAME": str(VAR_DIR / env.str("SQLITE_TEST_NAME", default="test.sqlite3"))}
else:
    _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    _db["CONN_HEALTH_CHECKS"] = True
    # The dashboards group a scope's rows several ways in one query (GROUPING SETS). With
    # PostgreSQL's default 4 MB the planner sorts some of the sets where it could hash them all:
    # the case metrics of a community at district scale took 38 ms, 31 with 16 MB. Behind a
    # connection pooler that refuses startup options, set DATABASE_WORK_MEM= (empty) and tune the
    # server instead.
    DATABASE_WORK_MEM = env.str("DATABASE_WORK_MEM", default="16MB")
    if DATABASE_WORK_MEM:
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c work_mem={DATABASE_WORK_MEM}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when REDIS_URL is set, so limits hold across processes) ----------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Dashboards (participation statistics, case metrics) serve figures computed at most this many
# seconds ago for the same question (gongzhi/core/figures.py); 0 computes them on every view.
GONGZHI_FIGURES_CACHE_SECONDS = env.int("GONGZHI_FIGURES_CACHE_SECONDS", default=300)

# --- Background work ----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt while the account or the client IP is locked out.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "gongzhi.accounts.backends.UsernameOrPhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Staff accounts: at least 10 characters from 3 of the 4 character classes.
    {
        "NAME": "gongzhi.accounts.security.StaffPasswordValidator",
        "OPTIONS": {"min_length": 10, "min_classes": 3},
    },
]
# Staff: a password older than this must be changed at the next request; sessions end after
# 30 minutes idle and 12 hours in all (gongzhi.accounts.middleware.StaffSecurityMiddleware).
# Resident imports larger than this run in the background worker (django-tasks), with a progress bar.
GONGZHI_IMPORT_BACKGROUND_BYTES = env.int("GONGZHI_IMPORT_BACKGROUND_BYTES", default=256 * 1024)
GONGZHI_PASSWORD_MAX_AGE_DAYS = env.int("GONGZHI_PASSWORD_MAX_AGE_DAYS", default=90)
GONGZHI_STAFF_IDLE_SECONDS = env.int("GONGZHI_STAFF_IDLE_SECONDS", default=30 * 60)
GONGZHI_STAFF_SESSION_SECONDS = env.int("GONGZHI_STAFF_SESSION_SECONDS", default=12 * 3600)
# Residents stay signed in for two weeks on their own phone.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

# Lockout (django-axes): 5 failures lock the account name and, separately, the client IP for 30
# minutes. The name kept is never a mobile number (gongzhi.accounts.security.axes_username).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "gongzhi.accounts.security.axes_username"
AXES_LOCKOUT_CALLABLE = "gongzhi.accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "gongzhi.core.middleware.client_ip"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]
# Rate limits before the lockout: sign-in POSTs per client IP and per account name per window.
GONGZHI_LOGIN_RATE = (
    env.int("GONGZHI_LOGIN_RATE_IP", default=30),
    env.int("GONGZHI_LOGIN_RATE_ACCOUNT", default=10),
    60,
)
# API: requests per client IP and per user (session or token) per minute.
GONGZHI_API_RATE = (
    env.int("GONGZHI_API_RATE_IP", default=600),
    env.int("GONGZHI_API_RATE_USER", default=300),
    60,
)

# Open311 GeoReport v2 (gongzhi.open311): the default jurisdiction is the community with this org-unit
# code (empty: the first community created); requests posted per key and listed per client IP, per window.
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="")
OPEN311_ENDPOINT_TYPE = env.str("OPEN311_ENDPOINT_TYPE", default="test" if DEBUG else "production")
OPEN311_CONTACT = env.str("OPEN311_CONTACT", default="")
OPEN311_RATE = (
    env.int("OPEN311_RATE_POST_PER_KEY", default=60),
    env.int("OPEN311_RATE_GET_PER_IP", default=300),
    env.int("OPEN311_RATE_WINDOW", default=600),
)

# Two-factor (django-otp): the issuer shown in authenticator apps. In development only, the demo
# gives every staff account a TOTP device with this known key (see accounts_logins / accounts_otp);
# production refuses to start when it is set (gongzhi.core.checks).
OTP_TOTP_ISSUER = "Gongzhi"
GONGZHI_DEMO_TOTP_KEY = env.str(
    "GONGZHI_DEMO_TOTP_KEY", default="" if IS_PRODUCTION else "3132333435363738393031323334353637383930"
)
SESSION_ENGINE = "gongzhi.accounts.sessions"  # the database store; reads by SQL written once
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Pages pass the CSRF token to htmx from the template (base.html); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Languages and time -------------------------------------------------------------------------
LANG_INFO.setdefault("bo", {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་ཡིག"})
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("bo", "བོད་ཡིག"), ("en", "English")]

LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
FORMAT_MODULE_PATH = ["gongzhi.core.formats"]

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "uploads"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security headers ----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# gongzhi.core.middleware.SecurityHeadersMiddleware: no inline script or style anywhere.
GONGZHI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_HSTS_PRELOAD = IS_PRODUCTION
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)

# --- Gongzhi ------------------------------------------------------------------------------------
# Key for personal data at rest (AES-GCM) and its blind index; in development generated into var/.
GONGZHI_DATA_KEY = env.str("GONGZHI_DATA_KEY", default="")
GONGZHI_AUDIT_KEY = env.str("GONGZHI_AUDIT_KEY", default="")
GONGZHI_INDEX_KEY = env.str("GONGZHI_INDEX_KEY", default="")
# Seals core_backup files (AES-GCM); keep it apart from the backups. In development: var/backup.key.
GONGZHI_BACKUP_KEY = env.str("GONGZHI_BACKUP_KEY", default="")
GONGZHI_SMS_BACKEND = env.str("GONGZHI_SMS_BACKEND", default="gongzhi.core.sms.LoggingSmsBackend")
GONGZHI_DEMO_PASSWORD = env.str("GONGZHI_DEMO_PASSWORD", default="Gongzhi@2026")
API_PAGE_SIZE_DEFAULT = 20
# Benchmark runs only (`make bench`): mounts the ceiling views at /bench/ (gongzhi.benchsupport).
# The production checks refuse it.
GONGZHI_BENCH = env.bool("GONGZHI_BENCH", default=False)
API_PAGE_SIZE_MAX = 100

# --- Logging: one JSON line per request; personal data never reaches the log --------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "gongzhi.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "gongzhi": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The request line comes from gongzhi.request; runserver's own access log would repeat it.
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
    },
}
