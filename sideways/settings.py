"""Settings for SideWays Tube, read from the environment.

With no environment at all this gives the embedded default: SQLite, media on the local disk under
``SIDEWAYS_DATA_DIR`` and a Celery broker kept in files, so one machine with nothing installed runs
the whole instance. ``DATABASE_URL`` and ``REDIS_URL`` switch to the production services. Every
variable is listed, with its default, in README.md and .env.example.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Public base URL: every absolute URL and ActivityPub id is built from it.
SIDEWAYS_URL = env_str("SIDEWAYS_URL", "http://127.0.0.1:9000").rstrip("/")
_public = urlsplit(SIDEWAYS_URL)
INSTANCE_SCHEME = _public.scheme
# host[:port] as it appears in URLs, handles and ActivityPub ids.
INSTANCE_HOST = _public.netloc
INSTANCE_NAME = env_str("SIDEWAYS_INSTANCE_NAME", "SideWays Tube")

# Where media, originals, the SQLite file, the file broker and the generated secret key live.
DATA_DIR = Path(env_str("SIDEWAYS_DATA_DIR", str(BASE_DIR / "data"))).resolve()
MEDIA_ROOT = DATA_DIR / "media"
ORIGINALS_DIR = DATA_DIR / "originals"
UPLOAD_TMP_DIR = DATA_DIR / "tmp"
for _folder in (DATA_DIR, MEDIA_ROOT, ORIGINALS_DIR, UPLOAD_TMP_DIR):
    _folder.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in the data dir."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [_public.hostname or "localhost", "127.0.0.1", "localhost", "[::1]"] + env_list(
    "SIDEWAYS_ALLOWED_HOSTS", ""
)
CSRF_TRUSTED_ORIGINS = [SIDEWAYS_URL]
# Behind a TLS-terminating proxy (docker-compose, nginx) the scheme comes from this header.
if env_bool("SIDEWAYS_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Behind the nginx of deploy/nginx/: media views check access, then hand the file to nginx (X-Accel-Redirect to
# ACCEL_REDIRECT_PREFIX, an internal location over MEDIA_ROOT) instead of streaming it from Python.
SIDEWAYS_ACCEL_REDIRECT = env_bool("SIDEWAYS_ACCEL_REDIRECT", False)
ACCEL_REDIRECT_PREFIX = "/internal-media/"

# Prometheus' token for GET /metrics (sideways.metrics); administrators may read it without one.
SIDEWAYS_METRICS_TOKEN = env_str("SIDEWAYS_METRICS_TOKEN", "")

# The initial admin; when unset a password is generated and printed once by `migrate`.
SIDEWAYS_ROOT_PASSWORD = os.environ.get("SIDEWAYS_ROOT_PASSWORD", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "videos",
    "transcoding",
    "federation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sideways.privacy.PrivacyMiddleware",  # CSP, Permissions-Policy, no cookies for anonymous viewers
    "sideways.errors.RejectNulMiddleware",  # PostgreSQL text cannot hold NUL: 400 before any query
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "videos.api.cors.ApiCorsMiddleware",  # /api/ open to any origin, like PeerTube (tokens, never cookies)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "federation.endpoints.negotiation.ActivityPubNegotiationMiddleware",  # same URL: HTML for browsers, AP for peers
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sideways.login_limits.LoginRateLimitMiddleware",  # 429 after repeated failed logins (API, web, admin)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sideways.urls"
WSGI_APPLICATION = "sideways.wsgi.application"
AUTH_USER_MODEL = "videos.User"
# Not a rule on passwords: its hook revokes the user's OAuth tokens whenever the password changes.
AUTH_PASSWORD_VALIDATORS = [{"NAME": "videos.services.accounts.RevokeAccessOnPasswordChange"}]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "videos.web.context.site",
            ],
        },
    },
]

# No persistent connections: under ASGI (sideways.asgi_handler) each request runs in a thread of its own,
# which would leave its connection open behind it. The web server (sideways.server sets SIDEWAYS_DB_POOL)
# borrows PostgreSQL connections from a pool per process instead: opening one per request cost more than
# most requests themselves. Other processes (worker, beat, manage.py) connect as usual.
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("SIDEWAYS_DB_POOL", False):
    # As many as the requests one process runs at once (sideways.asgi_handler.MAX_CONCURRENT_REQUESTS).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 16, "timeout": 30}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at the same time: WAL plus an immediate write lock
    # turns "database is locked" errors into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise a broker kept in files under the data dir
# (needs no server, works between the web process and the worker process).
BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Bounded socket waits: a broker that hangs makes queueing fail in seconds (see videos.queueing)
    # rather than hold the request that queues.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600, "socket_timeout": 5, "socket_connect_timeout": 5}
else:
    BROKER_DIR.mkdir(exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every queue a task is routed to. A worker started without -Q consumes all of them, so a plain
# `celery -A sideways worker` also transcodes and federates; -Q still picks a subset for a dedicated worker.
# "storage" moves videos between the local disk and object storage: only workers on the web node's machine
# (which share its SIDEWAYS_DATA_DIR) may take it; a transcoding worker elsewhere runs with -Q transcoding.
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "transcoding", "federation_in", "federation_out", "storage")]
CELERY_TASK_ROUTES = {
    "transcoding.*": {"queue": "transcoding"},
    "videos.move_*": {"queue": "storage"},
    "federation.process_*": {"queue": "federation_in"},
    "federation.queue_*": {"queue": "federation_in"},
    "federation.crawl_*": {"queue": "federation_in"},
    "federation.deliver_*": {"queue": "federation_out"},
    "federation.send_*": {"queue": "federation_out"},
    "federation.retry_*": {"queue": "federation_out"},
    "federation.prune_*": {"queue": "default"},
    "federation.mirror_*": {"queue": "default"},  # copies of followed instances' videos take a while
}
# A message the broker does not take is given up after about a second: the rows it was about stay, and
# the sweeps below queue them again once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# How often we look at our copies of followed instances' videos (seconds; PeerTube's check_interval).
SIDEWAYS_REDUNDANCY_CHECK_INTERVAL = env_int("SIDEWAYS_REDUNDANCY_CHECK_INTERVAL", 3600)
CELERY_BEAT_SCHEDULE: dict = {
    "drop-stale-resumable-uploads": {"task": "videos.drop_stale_uploads", "schedule": 600.0},
    # Forget the peers' mirrors of videos that expired without being renewed (see docs/redundancy.md).
    "purge-expired-mirrors": {"task": "videos.purge_expired_mirrors", "schedule": 60.0},
    # Renew, drop and make our own copies of followed instances' videos (see federation.outbound.mirroring).
    "mirror-videos": {"task": "federation.mirror_videos", "schedule": float(SIDEWAYS_REDUNDANCY_CHECK_INTERVAL)},
    # Queue again the transcodes whose worker died (see transcoding.jobs).
    "reap-stale-transcoding-jobs": {"task": "transcoding.reap_stale_jobs", "schedule": 300.0},
    # Queue the transcodes the broker did not take (it was down at upload; see transcoding.jobs).
    "queue-pending-transcoding-jobs": {"task": "transcoding.queue_pending_jobs", "schedule": 60.0},
    # Send again the federation deliveries whose backoff has elapsed (see federation.outbound.deliveries).
    "retry-due-deliveries": {"task": "federation.retry_due_deliveries", "schedule": 60.0},
    # Handle the received activities the broker did not take (it was down; see federation.inbound.inbox).
    "queue-unprocessed-activities": {"task": "federation.queue_unprocessed_activities", "schedule": 60.0},
    # Forget federation rows nobody needs any more (see federation.tasks.KEEP_FINISHED).
    "prune-finished-federation-rows": {"task": "federation.prune_finished_rows", "schedule": 86400.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language cookie is only set when a viewer clicks FR/EN; then it should outlive the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/assets/"  # PeerTube's /static/ is for media (HLS, web videos); ours are assets.
STATIC_ROOT = DATA_DIR / "staticfiles"  # only filled by an optional `collectstatic`
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads stream to disk in UPLOAD_TMP_DIR; nothing big is ever held in memory.
FILE_UPLOAD_TEMP_DIR = str(UPLOAD_TMP_DIR)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644
# Largest accepted video file (bytes); bigger uploads get HTTP 413. Default 8 GiB.
SIDEWAYS_MAX_UPLOAD_SIZE = env_int("SIDEWAYS_MAX_UPLOAD_SIZE", 8 * 1024**3)
# Default per-user video quota in bytes (-1 = unlimited), as PeerTube's user.video_quota.
SIDEWAYS_DEFAULT_VIDEO_QUOTA = env_int("SIDEWAYS_DEFAULT_VIDEO_QUOTA", -1)

# Rungs of the HLS ladder (the short side, in pixels); never upscaled.
SIDEWAYS_TRANSCODING_RESOLUTIONS = [
    int(r) for r in env_list("SIDEWAYS_TRANSCODING_RESOLUTIONS", "1080,720,480,360,240")
]

# Federation may reach private/loopback addresses only when this is on (tests, docker-compose).
FEDERATION_ALLOW_PRIVATE_ADDRESSES = env_bool("FEDERATION_ALLOW_PRIVATE_ADDRESSES", False)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = INSTANCE_SCHEME == "https"
CSRF_COOKIE_SECURE = INSTANCE_SCHEME == "https"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "videos.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# OAuth2 like PeerTube: one local client, password + refresh grants, 1 day / 2 weeks lifetimes.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("SIDEWAYS_ACCESS_TOKEN_LIFETIME", 24 * 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("SIDEWAYS_REFRESH_TOKEN_LIFETIME", 14 * 24 * 3600),
    "SCOPES": {"all": "Everything the user may do"},
    "DEFAULT_SCOPES": ["all"],
    "PKCE_REQUIRED": False,
}
SPECTACULAR_SETTINGS = {"TITLE": "SideWays Tube API (PeerTube-compatible)", "VERSION": "1.0.0"}
# Resumable upload sessions idle longer than this are dropped with their partial file.
SIDEWAYS_RESUMABLE_UPLOAD_TTL = env_int("SIDEWAYS_RESUMABLE_UPLOAD_TTL", 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SIDEWAYS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Assets are served straight from static/ and the apps' static folders: no collectstatic step.
WHITENOISE_USE_FINDERS = True

# Viewers share a video's segments among themselves (WebRTC, p2p-media-loader), meeting through our own
# tracker at /tracker/socket and our own STUN responder: no third party ever sees a viewer.
SIDEWAYS_P2P_ENABLED = env_bool("SIDEWAYS_P2P_ENABLED", True)
SIDEWAYS_STUN_URLS = env_list("SIDEWAYS_STUN_URLS", f"stun:{_public.hostname}:3478")
# Where the web server's STUN responder listens (UDP host:port); empty: none (use an external one).
SIDEWAYS_STUN_LISTEN = env_str("SIDEWAYS_STUN_LISTEN", "0.0.0.0:3478")

# Instances réplicantes (docs/redundancy.md). Whose mirrors of our videos we accept, as PeerTube's
# remote_redundancy.videos.accept_from: "anybody", "followings" (instances we follow) or "nobody".
SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM = env_str("SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM", "anybody")
if SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM not in ("anybody", "followings", "nobody"):
    raise ImproperlyConfigured("SIDEWAYS_REMOTE_REDUNDANCY_ACCEPT_FROM must be anybody, followings or nobody")
# Whether our viewers' players fetch part of the segments from peers' mirrors of our public videos (which
# then see their addresses); false keeps mirrors for the API's lists (and peers' own viewers) only.
SIDEWAYS_REDUNDANCY_SERVE_VIEWERS = env_bool("SIDEWAYS_REDUNDANCY_SERVE_VIEWERS", True)

# The media proxy's on-disk cache of followed instances' segments (federation.protocol.media_cache): at most this
# many bytes, least recently served dropped first; 0 turns it off.
SIDEWAYS_MEDIA_CACHE_SIZE = env_int("SIDEWAYS_MEDIA_CACHE_SIZE", 1024**3)
SIDEWAYS_MEDIA_CACHE_DIR = DATA_DIR / "media-cache"
# A moved video's old copies are deleted this long after the switch (players that loaded them finish).
SIDEWAYS_STORAGE_MOVE_GRACE = env_int("SIDEWAYS_STORAGE_MOVE_GRACE", 3600)

# S3-compatible object storage (PeerTube's object_storage as the model), off unless an endpoint is set:
# then new videos' originals, HLS files, web videos, images and torrents go to buckets, so workers and web
# nodes on other machines share no disk. Each kind of file has its bucket (default SIDEWAYS_S3_BUCKET), a
# key prefix and an optional public base URL (a CDN in front of the bucket). Public videos' files are
# uploaded with the public ACL and handed to viewers at the bucket's URL; other videos' files (and every
# original) with the private ACL, and reach their viewers only through the web node (videos.web.media).
SIDEWAYS_S3_ENDPOINT = env_str("SIDEWAYS_S3_ENDPOINT", "").rstrip("/")
OBJECT_STORAGE = {
    "endpoint": SIDEWAYS_S3_ENDPOINT,
    "region": os.environ.get("SIDEWAYS_S3_REGION") or "us-east-1",
    "access_key": env_str("SIDEWAYS_S3_ACCESS_KEY", ""),
    "secret_key": env_str("SIDEWAYS_S3_SECRET_KEY", ""),
    # "path" (endpoint/bucket/key: MinIO, Garage, moto) or "virtual" (bucket.endpoint/key: AWS).
    "addressing_style": os.environ.get("SIDEWAYS_S3_ADDRESSING_STYLE") or "path",
    # Empty: no ACL is sent (a bucket whose policy decides, or a provider without ACLs).
    "acl_public": env_str("SIDEWAYS_S3_UPLOAD_ACL_PUBLIC", "public-read"),
    "acl_private": env_str("SIDEWAYS_S3_UPLOAD_ACL_PRIVATE", "private"),
    "buckets": {
        kind: {
            # An empty variable means its default, as if unset (docker-compose passes every one of them).
            "bucket": os.environ.get(f"SIDEWAYS_S3_{kind.upper()}_BUCKET")
            or os.environ.get("SIDEWAYS_S3_BUCKET")
            or "sideways",
            "prefix": os.environ.get(f"SIDEWAYS_S3_{kind.upper()}_PREFIX") or default_prefix,
            "base_url": env_str(f"SIDEWAYS_S3_{kind.upper()}_BASE_URL", "").rstrip("/"),
        }
        for kind, default_prefix in (
            ("streaming_playlists", "streaming-playlists/"),
            ("web_videos", "web-videos/"),
            ("originals", "originals/"),
            ("images", "lazy-static/"),
        )
    },
}
