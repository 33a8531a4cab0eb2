"""A throwaway database for benchmarks: never the developer's var/ewtp.sqlite3."""

from __future__ import annotations

import os
import tempfile
from functools import cache


@cache
def setup_django() -> str:
    """Point Django at EWTP_BENCH_DATABASE_URL or a fresh temporary SQLite file, migrate, and
    return the URL. Must run before anything imports the ORM models."""
    url = os.environ.get("EWTP_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='ewtp-bench-')}/bench.sqlite3"
    os.environ["EWTP_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings")
    os.environ.setdefault("EWTP_RATE_LIMIT_PER_MINUTE", "0")
    os.environ.setdefault("EWTP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    # Benchmarks create many users: a fast hasher keeps set-up out of the measured figures' way.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", interactive=False, verbosity=0)
    return url
