"""Configuration read from the environment, one place, so settings and the CLI agree."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EWTP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url() -> str:
    return os.environ.get("EWTP_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ewtp.sqlite3'}"


def secret_key() -> str:
    """EWTP_SECRET_KEY, else a key generated once and kept in var/ (never in the repo)."""
    key = os.environ.get("EWTP_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def setup_django() -> None:
    """Ready Django for a command-line entry point (settings module, app registry)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")
    import django

    django.setup()
