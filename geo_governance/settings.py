"""Django settings for geo-governance. Every tunable comes from geo_governance.config."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from geo_governance import config

CONFIG = config.load()
BASE_DIR = config.BASE_DIR

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "geo_governance",
    "layers",
    "gridmap",
    "tiles",
    "live",
    "search",
    "basemap",
    "bench",
    "importers",
    "incidents",
    "casefigures",
    "iot",
    "sweeps",
    "planning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "geo_governance.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "geo_governance.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "geo_governance.wsgi.application"
ASGI_APPLICATION = "geo_governance.asgi.application"

DATABASES = {"default": config.database_from_url(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/map/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = CONFIG.language
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 500,
    "EXCEPTION_HANDLER": "geo_governance.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "geo-governance API",
    "DESCRIPTION": "Grid-based community governance: divisions, grids, buildings, households, residents.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and Redoc served from our own static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # two choice sets share the field name "status": name each enum after its model
    "ENUM_NAME_OVERRIDES": {"IncidentStatusEnum": "layers.models.incidents.IncidentStatus",
                            "DuplicateStatusEnum": "incidents.models.DuplicateStatus"},
}

# Background imagery of the map (basemap app): none, a local MBTiles file or an intranet XYZ URL.
BASEMAP = CONFIG.basemap
LIVE_KEEPALIVE_SECONDS = CONFIG.live_keepalive_seconds
LIVE_STREAM_SECONDS = CONFIG.live_stream_seconds

# Imports (importers app): where uploads are kept and files unpacked, and the limits on hostile input.
GEOGOV_IMPORT_TMP = CONFIG.import_tmp
Path(GEOGOV_IMPORT_TMP).mkdir(parents=True, exist_ok=True)
GEOGOV_IMPORT_MAX_UPLOAD_BYTES = CONFIG.import_max_upload_bytes
GEOGOV_IMPORT_MAX_UNPACKED_BYTES = CONFIG.import_max_unpacked_bytes
GEOGOV_IMPORT_MAX_VERTICES = CONFIG.import_max_vertices
GEOGOV_DUPLICATE_METRES = CONFIG.duplicate_metres
GEOGOV_DUPLICATE_HOURS = CONFIG.duplicate_hours
GEOGOV_OPEN311_JURISDICTION = CONFIG.open311_jurisdiction
GEOGOV_INTAKE_MEDIA = CONFIG.intake_media
GEOGOV_INTAKE_MAX_PHOTO_BYTES = CONFIG.intake_max_photo_bytes
GEOGOV_IOT_OFFLINE_MINUTES = CONFIG.iot_offline_minutes
GEOGOV_IOT_LOW_BATTERY = CONFIG.iot_low_battery
# the key device secrets are derived from (iot/keys.py); unset: derived from SECRET_KEY
GEOGOV_IOT_MASTER_KEY = CONFIG.iot_master_key or CONFIG.secret_key
# Grid planning (planning app): default size bounds (low, high) where no SizeRule applies, and tolerances.
GEOGOV_PLANNING_HOUSEHOLDS = CONFIG.planning_households
GEOGOV_PLANNING_RESIDENTS = CONFIG.planning_residents
GEOGOV_PLANNING_MIN_AREA_M2 = CONFIG.planning_min_area_m2
GEOGOV_PLANNING_MAX_VERTICES = CONFIG.planning_max_vertices
GEOGOV_PLANNING_SNAP_M = CONFIG.planning_snap_m
GEOGOV_PLANNING_GAP_M2 = CONFIG.planning_gap_m2
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 << 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 << 20  # larger uploads stream to a temporary file

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
}
