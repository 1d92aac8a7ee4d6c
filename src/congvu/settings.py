"""Django settings, read from the environment.

Only four variables matter to an operator: DATABASE_URL, CONGVU_SECRET_KEY, CONGVU_DATA_DIR and
CONGVU_TIME_ZONE. Everything else has a production-safe default. A province that outgrows one database server
adds DATABASE_REPLICA_URL (a read replica for dashboards, reports and exports).
"""

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(os.environ.get("CONGVU_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once into the data dir (never in the repo)."""
    key = os.environ.get("CONGVU_SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written whole to a private temporary file, then linked into place, which fails if another process got
        # there first: the web workers and the worker starting together on a new data dir all use one key (each
        # writing its own made their sessions and signed links invalid in the others), a crash never leaves an
        # empty or half key, and the key is never readable by others, not even for a moment.
        fd, tmp = tempfile.mkstemp(dir=DATA_DIR, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50))
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("CONGVU_DEBUG", "").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = [h for h in os.environ.get("CONGVU_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CONGVU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "congvu.core",
    "congvu.workcal",
    "congvu.units",
    "congvu.catalog",
    "congvu.documents",
    "congvu.notify",
    "congvu.dossiers",
    "congvu.portal",
    "congvu.feedback",
    "congvu.queueing",
    "congvu.indices",
    "congvu.reform",
    "congvu.people",
    "congvu.evaluation",
    "congvu.emulation",
    "congvu.sync",
    "congvu.accounts",
    "congvu.privacy",
    "congvu.citizens",
    "congvu.signing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise: static files get the policy too (an uploaded-looking SVG or HTML can run nothing).
    "congvu.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "congvu.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # congvu.accounts: the second factor (django-otp), session limits, and django-axes' lockout page (last).
    "django_otp.middleware.OTPMiddleware",
    "congvu.accounts.middleware.SessionSecurityMiddleware",
    "axes.middleware.AxesMiddleware",
]
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    # Marks the dashboard, report and export requests whose reads may go to the replica (congvu.core.db_router).
    MIDDLEWARE.append("congvu.core.db_router.ReplicaReadsMiddleware")

# Benchmarks mount a bare ceiling view beside the real ones (bench/ceiling_urls.py); nothing else sets this.
ROOT_URLCONF = os.environ.get("CONGVU_ROOT_URLCONF", "congvu.urls")
WSGI_APPLICATION = "congvu.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'congvu.sqlite3'}",
        conn_max_age=int(os.environ.get("CONGVU_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A PostgreSQL streaming replica for dashboards, reports and exports (docs/scaling-replica.md). Unset: one
# database, nothing below is installed. Writes, migrations and all other reads always use "default".
REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
# Reports fall back to the primary while the replica replays more than this many seconds behind, or is down.
REPLICA_MAX_LAG = float(os.environ.get("CONGVU_REPLICA_MAX_LAG", "30"))
REPLICA_CHECK_SECONDS = float(os.environ.get("CONGVU_REPLICA_CHECK_SECONDS", "5"))
if REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_URL,
        conn_max_age=int(os.environ.get("CONGVU_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    # Tests get no second test database: the alias reads the test primary.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["congvu.core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "staff:login"
SESSION_COOKIE_AGE = int(os.environ.get("CONGVU_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
# Staff sign-in (congvu.accounts): a session ends SESSION_COOKIE_AGE after sign-in however busy, and after
# CONGVU_SESSION_IDLE_SECONDS without a request; leaders and administrators confirm sign-in with a TOTP code.
CONGVU_SESSION_IDLE_SECONDS = int(os.environ.get("CONGVU_SESSION_IDLE_SECONDS", str(30 * 60)))
CONGVU_REQUIRE_2FA = os.environ.get("CONGVU_REQUIRE_2FA", "1").lower() not in {"0", "false", "no"}
OTP_TOTP_ISSUER = "congvu"
# The admin never shows an authenticator's secret or QR code: whoever saw it could make that person's codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# django-axes: AxesStandaloneBackend first refuses a locked-out (username, address) before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("CONGVU_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("CONGVU_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "congvu.accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "congvu.accounts.lockout.client_ip"
PASSWORD_RESET_TIMEOUT = 2 * 3600  # a reset link works for two hours
DEFAULT_FROM_EMAIL = os.environ.get("CONGVU_SMTP_FROM", "congvu@localhost")
# Behind TLS in production set CONGVU_SECURE_COOKIES=1; the demo serves plain HTTP on loopback.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("CONGVU_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CONGVU_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request while it is missing
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The province's integration adapter to the national public-service portal (Cổng DVCQG, ../shared/SYNC.md).
# Unset URL = sync not configured: dossier changes stay queued until it is set. Credentials come from the
# environment of the running process only, never from the repository.
PORTAL_ADAPTER = {
    "adapter_url": os.environ.get("CONGVU_PORTAL_ADAPTER_URL", "").strip(),
    "auth_endpoint": os.environ.get("CONGVU_PORTAL_AUTH_ENDPOINT", "/auth").strip(),
    "integration_endpoint": os.environ.get("CONGVU_PORTAL_INTEGRATION_ENDPOINT", "/integration").strip(),
    "username": os.environ.get("CONGVU_PORTAL_USERNAME", "").strip(),
    "password": os.environ.get("CONGVU_PORTAL_PASSWORD", ""),
    "dstcode": os.environ.get("CONGVU_PORTAL_DSTCODE", "").strip(),
    "madonvi": os.environ.get("CONGVU_PORTAL_UNIT_CODE", "").strip(),
}

# Citizen sign-in through an OpenID Connect provider (the national identity service). Unset issuer or client id =
# no sign-in: the portal hides the link. PERSONAL_ID_CLAIM names the claim holding the 12-digit CCCD number.
CITIZEN_OIDC = {
    "issuer": os.environ.get("CONGVU_OIDC_ISSUER", "").strip(),
    "client_id": os.environ.get("CONGVU_OIDC_CLIENT_ID", "").strip(),
    "client_secret": os.environ.get("CONGVU_OIDC_CLIENT_SECRET", ""),
    "personal_id_claim": os.environ.get("CONGVU_OIDC_PERSONAL_ID_CLAIM", "personal_id").strip(),
    "name_claim": os.environ.get("CONGVU_OIDC_NAME_CLAIM", "name").strip(),
    "scopes": os.environ.get("CONGVU_OIDC_SCOPES", "openid profile").strip(),
    # A signed-in citizen sees every dossier of theirs: on a shared computer (the one-stop shop's kiosk) the
    # sign-in must not outlive the visit.
    "session_seconds": int(os.environ.get("CONGVU_OIDC_SESSION_SECONDS", "1800")),
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONGVU_CSP_REPORT_URI = os.environ.get("CONGVU_CSP_REPORT_URI", "").strip()  # congvu.core.csp
# The first handler keeps at most the largest accepted file's size of each upload (congvu.documents.uploads).
FILE_UPLOAD_HANDLERS = [
    "congvu.documents.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONGVU_LOG_LEVEL", "WARNING")},
}
