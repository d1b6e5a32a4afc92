"""Tendon's settings: one module, driven by the environment (see README.md for every setting).

Development works with no configuration at all (DEBUG=1: SQLite in var/, the ORM broker, the demo
provider). With DEBUG=0 the portal refuses to start without its secrets.
"""

import base64
import hashlib
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)


def _required_in_production(name: str, development_value):
    """The setting's value from the environment; in production it must be there."""
    if name in env.ENVIRON and env.str(name).strip():
        return env.str(name)
    if DEBUG:
        return development_value() if callable(development_value) else development_value
    raise ImproperlyConfigured(
        f"{name} must be set when DEBUG=0. See README.md, 'Settings', for what it needs."
    )


def _development_secret_key() -> str:
    # A random key per checkout, kept in var/ (ignored by git): never a literal in the repo.
    VAR_DIR.mkdir(exist_ok=True)
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _required_in_production("SECRET_KEY", _development_secret_key)
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    # Django's own bar (check --deploy, security.W009): a guessable key signs sessions.
    raise ImproperlyConfigured(
        "SECRET_KEY is too short or too simple: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
# Old keys that still verify sessions and password-reset links during a SECRET_KEY rotation.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])


def _development_token_key() -> str:
    # DEVELOPMENT ONLY: derived from the per-checkout SECRET_KEY. Production sets its own keys.
    digest = hashlib.sha256(b"tendon-development-token-key:" + SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


TOKEN_ENCRYPTION_KEYS = [
    key.strip()
    for key in _required_in_production("TOKEN_ENCRYPTION_KEYS", _development_token_key).split(",")
    if key.strip()
]


def _check_fernet_keys(keys: list[str]) -> None:
    from cryptography.fernet import Fernet

    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS holds no key.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            # Never echo the value: it is a secret, even when malformed.
            raise ImproperlyConfigured(
                f"TOKEN_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes). Make one with: python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None


_check_fernet_keys(TOKEN_ENCRYPTION_KEYS)

ALLOWED_HOSTS = [
    host.strip()
    for host in _required_in_production(
        "ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver"
    ).split(",")
    if host.strip()
]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS names no host: give at least one host name.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
if SANDBOX_ENABLED and not DEBUG and not env.bool("SANDBOX_ALLOW_IN_PRODUCTION", default=False):
    # The demo provider signs in with Tendon passwords and hands out test data: refuse to start
    # (every process, gunicorn included, not only `manage.py check`).
    raise ImproperlyConfigured(
        "SANDBOX_ENABLED=1 with DEBUG=0 would serve the demo provider in production. Unset "
        "SANDBOX_ENABLED, or set SANDBOX_ALLOW_IN_PRODUCTION=1 too if you really mean it."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "django_q",
    "accounts",
    "connections",
    "records",
    "connections.providers.google_health",
    "connections.providers.withings",
    "connections.providers.oura",
    "connections.providers.whoop",
    "connections.providers.polar",
    "connections.providers.strava",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS += ["oauth2_provider", "sandbox", "connections.providers.demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.BrowserTimeZoneMiddleware",
    "config.security.PrivacyHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.debug.TokenSafeExceptionReporterFilter"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.attention",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tendon.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout: the web process and the worker write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests that run a real worker process share the test database through a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# One backend for the site and the admin: logs in by an e-mail address the account owns.
AUTHENTICATION_BACKENDS = ["accounts.backends.OwnedEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "connect"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Health data: an account is used only once its address is proven (README, "Security").
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
if ACCOUNT_EMAIL_VERIFICATION != "mandatory" and not DEBUG:
    # Unconfirmed, an address could be signed up by someone else and block its owner: the
    # README's "E-mail ownership" promise holds in production without exception.
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION={ACCOUNT_EMAIL_VERIFICATION} with DEBUG=0 would let an "
        "address nobody has confirmed sign in and block its owner's sign-up. Unset it "
        "(mandatory is the default)."
    )
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {
    "login": "accounts.forms.TendonLoginForm",
    "signup": "accounts.forms.TendonSignupForm",
    "add_email": "accounts.forms.TendonAddEmailForm",
    "change_password": "accounts.forms.TendonChangePasswordForm",
    "reset_password": "accounts.forms.TendonResetPasswordForm",
    "reset_password_from_key": "accounts.forms.TendonResetPasswordKeyForm",
    "set_password": "accounts.forms.TendonSetPasswordForm",
}
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tendon] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"

# Social accounts are used only to connect data providers, never to log in.
SOCIALACCOUNT_ADAPTER = "connections.adapters.ConnectAdapter"
SOCIALACCOUNT_STORE_TOKENS = (
    False  # Tendon keeps tokens itself, encrypted (connections.Credential).
)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False


def _provider_endpoints(prefix: str, defaults: dict[str, str]) -> dict[str, str]:
    return {key: env.str(f"{prefix}_{key.upper()}", default=url) for key, url in defaults.items()}


# Every provider endpoint can be pointed elsewhere (a sandbox, a test double) from the environment.
PROVIDER_ENDPOINTS = {
    "google_health": _provider_endpoints(
        "GOOGLE_HEALTH",
        {
            "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
            "token_url": "https://oauth2.googleapis.com/token",
            "revoke_url": "https://oauth2.googleapis.com/revoke",
            "api_url": "https://health.googleapis.com",
        },
    ),
    "withings": _provider_endpoints(
        "WITHINGS",
        {
            "authorize_url": "https://account.withings.com/oauth2_user/authorize2",
            "token_url": "https://wbsapi.withings.net/v2/oauth2",
            "revoke_url": "https://wbsapi.withings.net/v2/oauth2",
            "api_url": "https://wbsapi.withings.net",
        },
    ),
    "oura": _provider_endpoints(
        "OURA",
        {
            "authorize_url": "https://cloud.ouraring.com/oauth/authorize",
            "token_url": "https://api.ouraring.com/oauth/token",
            "revoke_url": "https://api.ouraring.com/oauth/revoke",
            "api_url": "https://api.ouraring.com",
        },
    ),
    "whoop": _provider_endpoints(
        "WHOOP",
        {
            "authorize_url": "https://api.prod.whoop.com/oauth/oauth2/auth",
            "token_url": "https://api.prod.whoop.com/oauth/oauth2/token",
            "api_url": "https://api.prod.whoop.com/developer",
        },
    ),
    # Polar has no revocation endpoint: de-registering the user at the API is its revocation.
    "polar": {
        **_provider_endpoints(
            "POLAR",
            {
                "authorize_url": "https://flow.polar.com/oauth2/authorization",
                "token_url": "https://polarremote.com/v2/oauth2/token",
                "api_url": "https://www.polaraccesslink.com",
            },
        ),
        "revoke_url": "",
    },
    # STRAVA_REVOKE_URL: oauth/deauthorize is retired on 2027-06-01; point it at
    # https://www.strava.com/oauth/revoke then (README, "Strava").
    "strava": _provider_endpoints(
        "STRAVA",
        {
            "authorize_url": "https://www.strava.com/oauth/authorize",
            "token_url": "https://www.strava.com/oauth/token",
            "revoke_url": "https://www.strava.com/oauth/deauthorize",
            "api_url": "https://www.strava.com/api",
        },
    ),
}
# WHOOP revokes through its API (DELETE /v2/user/access), not an OAuth endpoint of its own.
PROVIDER_ENDPOINTS["whoop"]["revoke_url"] = (
    PROVIDER_ENDPOINTS["whoop"]["api_url"] + "/v2/user/access"
)
# The demo provider is served by this very portal (sandbox/); the worker reaches it at this address.
DEMO_BASE_URL = env.str("DEMO_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)  # play a slow provider
PROVIDER_ENDPOINTS["demo"] = {
    "authorize_url": f"{DEMO_BASE_URL}/sandbox/o/authorize/",
    "token_url": f"{DEMO_BASE_URL}/sandbox/o/token/",
    "revoke_url": f"{DEMO_BASE_URL}/sandbox/o/revoke_token/",
    "api_url": f"{DEMO_BASE_URL}/sandbox/api",
}


def _app_from_environment(prefix: str) -> list[dict[str, str]]:
    client_id = env.str(f"{prefix}_CLIENT_ID", default="")
    if not client_id:
        return []  # no client id: the provider is not offered (unless a SocialApp row exists)
    return [{"client_id": client_id, "secret": env.str(f"{prefix}_CLIENT_SECRET", default="")}]


SOCIALACCOUNT_PROVIDERS = {
    "google_health": {"APPS": _app_from_environment("GOOGLE_HEALTH"), "OAUTH_PKCE_ENABLED": True},
    "withings": {"APPS": _app_from_environment("WITHINGS"), "OAUTH_PKCE_ENABLED": True},
    # Neither Oura nor WHOOP documents PKCE: it is sent anyway (harmless where ignored).
    "oura": {"APPS": _app_from_environment("OURA"), "OAUTH_PKCE_ENABLED": True},
    "whoop": {"APPS": _app_from_environment("WHOOP"), "OAUTH_PKCE_ENABLED": True},
    # Neither Polar nor Strava documents PKCE: `state` alone guards their callbacks.
    "polar": {"APPS": _app_from_environment("POLAR"), "OAUTH_PKCE_ENABLED": False},
    "strava": {"APPS": _app_from_environment("STRAVA"), "OAUTH_PKCE_ENABLED": False},
    "demo": {"OAUTH_PKCE_ENABLED": True},
}

# The demo provider (django-oauth-toolkit): PKCE, single-use rotating refresh tokens, revocation.
OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "SCOPES_BACKEND_CLASS": "sandbox.scopes.DemoScopes",
    "REQUEST_APPROVAL_PROMPT": "force",
}

# Absolute address of the portal, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

IMPORT_INTERVAL_MINUTES = env.int("IMPORT_INTERVAL_MINUTES", default=60)
IMPORT_BACKFILL_DAYS = env.int("IMPORT_BACKFILL_DAYS", default=30)
SYNC_COOLDOWN_SECONDS = env.int("SYNC_COOLDOWN_SECONDS", default=60)  # between Sync now clicks
# Imports one worker process runs at once, each on its own thread and database connection, while
# they wait on providers (README, "Worker sizing"). SQLite takes one writer at a time: 1 there.
IMPORT_CONCURRENCY = max(
    1,
    env.int(
        "IMPORT_CONCURRENCY",
        default=1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 8,
    ),
)

# Push (webhooks at /webhooks/<provider>/): a provider's notification makes the connection due
# at once; polling stays as the safety net (README, "Push from Google Health").
# Google Health: the whole Authorization header value the subscriber was created with (unset:
# push from Google is off and its URL answers 404), and where Google publishes its signing keys.
GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = env.str("GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION", default="")
GOOGLE_HEALTH_WEBHOOK_KEYSET_URL = env.str(
    "GOOGLE_HEALTH_WEBHOOK_KEYSET_URL",
    default="https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json",
)
# Withings signs nothing: optionally accept its notifications only from these networks (CIDRs).
WITHINGS_NOTIFY_ALLOWED_NETWORKS = env.list("WITHINGS_NOTIFY_ALLOWED_NETWORKS", default=[])
# Oura: the verification token its webhook subscriptions are created with (unset: push from Oura
# is off and its URL answers 404); `manage.py oura_webhooks` creates and renews them. Events are
# signed with the Oura client secret; WHOOP's with the WHOOP client secret (nothing to set).
OURA_WEBHOOK_VERIFICATION_TOKEN = env.str("OURA_WEBHOOK_VERIFICATION_TOKEN", default="")
# Polar: the signature_secret_key Polar shows once, when `manage.py polar_webhook --create`
# makes the webhook (unset: Polar's data events answer 404; its PING is answered regardless).
POLAR_WEBHOOK_SECRET = env.str("POLAR_WEBHOOK_SECRET", default="")
# Strava: the verify_token the subscription is created with (unset: push from Strava is off),
# and optionally the subscription's id, so events naming another subscription are refused.
STRAVA_WEBHOOK_VERIFY_TOKEN = env.str("STRAVA_WEBHOOK_VERIFY_TOKEN", default="")
STRAVA_WEBHOOK_SUBSCRIPTION_ID = env.str("STRAVA_WEBHOOK_SUBSCRIPTION_ID", default="")
# A connection whose provider pushed a verified hint in the last 24 hours is polled this often.
PUSH_RECONCILE_HOURS = env.int("PUSH_RECONCILE_HOURS", default=6)
# Unsigned push (Strava, Withings) anyone could send: a connection imported less than this many
# seconds ago imports again once they are up, however many come; and unsigned hints start at
# most this many imports of one provider a minute, across every account (and at most a tenth
# of each allowance the provider declares for the whole application).
UNSIGNED_PUSH_GAP_SECONDS = env.int("UNSIGNED_PUSH_GAP_SECONDS", default=300)
UNSIGNED_PUSH_RUNS_PER_MINUTE = env.int("UNSIGNED_PUSH_RUNS_PER_MINUTE", default=10)

# django-q2: the queue is only a trigger; each connection's schedule lives in its own row.
Q_BROKER_URL = env.str("Q_BROKER_URL", default="")
Q_CLUSTER = {
    "name": "tendon",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=300),  # a task running longer is killed ...
    # ... before the broker hands it to another worker (must be larger)
    "retry": env.int("Q_TIMEOUT", default=300) + 60,
    "max_attempts": 3,  # a task that keeps failing is dropped; the row's claim lapses instead
    # -1: successes are not stored. Any positive save_limit makes every task lock the whole
    # success table to prune it. ImportRun rows are Tendon's own history.
    "save_limit": -1,
    "ack_failures": True,
    "catch_up": False,
    "label": "Task queue",
}
if Q_BROKER_URL.startswith(("redis://", "rediss://")):
    Q_CLUSTER["redis"] = Q_BROKER_URL
else:
    Q_CLUSTER["orm"] = "default"

# The cache carries django-q2's worker heartbeats to the health dashboard and allauth's rate
# limits across web processes, so it must be shared between processes: Redis when there is one,
# otherwise files in var/ (shared by every process on this machine).
CACHE_URL = env.str("CACHE_URL", default="") or (
    Q_BROKER_URL
    if Q_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"filecache://{BASE_DIR / 'var' / 'cache'}"
)
CACHES = {"default": env.cache_url_config(CACHE_URL)}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG.get("EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend":
    EMAIL_BACKEND = "config.console.ConsoleEmailBackend"  # framed, so it stands out
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tendon <tendon@localhost>")

LANGUAGE_CODE = "en-gb"
FORMAT_MODULE_PATH = ["config.formats"]  # 24-hour times everywhere, the admin too
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_demo": {"()": "config.console.QuietDemoTraffic"}},
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # runserver's request lines, without the worker's own traffic to the demo provider
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["quiet_demo"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # urllib3 at DEBUG logs request lines; keep it quiet so no URL with a token is printed.
        "urllib3": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        # One line per finished task ("Processed …") would drown everything else.
        "django-q": {"level": env.str("Q_LOG_LEVEL", default="WARNING")},
    },
}
