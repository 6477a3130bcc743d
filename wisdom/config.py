"""Configuration: defaults, then instance/config.py, then WISDOM_* environment, then test config."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENV_PREFIX = "WISDOM_"

# Environment variables read at start-up, with what they set (the README's configuration table).
ENVIRONMENT = {
    "WISDOM_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "WISDOM_SECRET_KEY": "SECRET_KEY",
    "WISDOM_PLUGINS": "WISDOM_PLUGINS",
    "WISDOM_RATELIMIT_STORAGE_URL": "RATELIMIT_STORAGE_URI",
    "WISDOM_SECURE_COOKIES": "SESSION_COOKIE_SECURE",
    "WISDOM_INDEX_DIR": "WISDOM_INDEX_DIR",
    "WISDOM_SEARCH_BACKEND": "WISDOM_SEARCH_BACKEND",
    "WISDOM_LOG_LEVEL": "WISDOM_LOG_LEVEL",
    "WISDOM_BASE_URL": "WISDOM_BASE_URL",
    "WISDOM_SMTP_HOST": "WISDOM_SMTP_HOST",
    "WISDOM_SMTP_PORT": "WISDOM_SMTP_PORT",
    "WISDOM_SMTP_FROM": "WISDOM_SMTP_FROM",
    "WISDOM_PANEL_CHAIR": "WISDOM_PANEL_CHAIR",
    "WISDOM_PANEL_QUORUM": "WISDOM_PANEL_QUORUM",
    "WISDOM_PANEL_MAJORITY": "WISDOM_PANEL_MAJORITY",
    "WISDOM_TARGET_WORKING_DAYS": "WISDOM_TARGET_WORKING_DAYS",
}


def defaults(instance_path: str) -> dict:
    """The settings WISDOM runs with when nothing else is configured."""
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'wisdom.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WISDOM_INDEX_DIR": str(instance / "index"),
        "WISDOM_PLUGINS": None,  # None: every installed plugin
        "WISDOM_EXTRA_PLUGINS": [],  # Plugin objects given directly (tests, embedding)
        "WISDOM_LOG_LEVEL": "INFO",
        "WISDOM_SQLITE_BUSY_TIMEOUT_MS": 15000,
        # Sessions: idle and absolute timeouts; cleared roles get the shorter idle timeout.
        "WISDOM_IDLE_TIMEOUT": timedelta(minutes=30),
        "WISDOM_CLEARED_IDLE_TIMEOUT": timedelta(minutes=15),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_COOKIE_NAME": "wisdom_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": None,  # None: Secure unless debugging
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Login throttling: Flask-Limiter per account and per address, plus a stored counter.
        "WISDOM_LOGIN_MAX_FAILURES": 10,
        "WISDOM_LOGIN_WINDOW": timedelta(minutes=5),
        "WISDOM_LOCKOUT": timedelta(minutes=15),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        # Email for notifications: off unless a host is set; emails carry only a link.
        "WISDOM_SMTP_HOST": "",
        "WISDOM_SMTP_PORT": 25,
        "WISDOM_SMTP_FROM": "wisdom@localhost",
        "WISDOM_BASE_URL": "http://127.0.0.1:5000",  # links in emails sent outside a request
        # The Service Development Panel: who chairs it (an email; unset: any member may record
        # the decision), how many votes make a quorum, and the share of votes that is a majority.
        "WISDOM_PANEL_CHAIR": "",
        "WISDOM_PANEL_QUORUM": 3,
        "WISDOM_PANEL_MAJORITY": 0.5,
        # Proposals waiting longer than this many working days are marked overdue.
        "WISDOM_TARGET_WORKING_DAYS": 20,
    }


def from_environment(environ=os.environ) -> dict:
    """Settings given as WISDOM_* environment variables."""
    found = {}
    for name, key in ENVIRONMENT.items():
        if name in environ:
            found[key] = environ[name]
    if "SESSION_COOKIE_SECURE" in found:
        found["SESSION_COOKIE_SECURE"] = found["SESSION_COOKIE_SECURE"].lower() in ("1", "true")
    return found


def secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating one on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
