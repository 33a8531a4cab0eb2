"""Configuration and database health checks for `ewtp check` (and /healthz)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.conf import settings
from django.core import checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def run_checks() -> Iterator[tuple[bool, str]]:
    issues = [m for m in checks.run_checks() if m.level >= checks.ERROR]
    yield not issues, f"Django system checks ({len(issues)} error(s))" + "".join(f"\n     {m}" for m in issues)
    yield True, f"database: {connection.vendor} ({settings.DATABASES['default'].get('NAME')})"
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any connection failure is the finding
        yield False, f"database unreachable: {exc}"
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA journal_mode")
            mode = cur.fetchone()[0]
        yield mode == "wal", f"SQLite journal mode: {mode}"
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    yield not pending, f"migrations: {len(pending)} pending" + (" (run `ewtp migrate`)" if pending else "")
    if not pending:
        from ewtp.rules.models import Country, HSCode

        n_c, n_hs = Country.objects.count(), HSCode.objects.count()
        yield n_c > 0 and n_hs > 0, f"reference data: {n_c} countries, {n_hs} HS codes" + (
            "" if n_c and n_hs else " (run `ewtp refdata load`)")
    from ewtp.rules.engine.inputs import REGISTRATIONS

    unknown = [r for r in settings.EWTP_HUB_REGISTRATIONS if r not in REGISTRATIONS]
    yield not unknown, ("hub registrations (tax collected at sale as the marketplace): "
                        + (", ".join(settings.EWTP_HUB_REGISTRATIONS) or "none")
                        + (f" — unknown: {', '.join(unknown)}; one of {', '.join(REGISTRATIONS)}" if unknown else ""))
    yield True, "secret key: " + ("from EWTP_SECRET_KEY" if os.environ.get("EWTP_SECRET_KEY") else "kept in var/secret_key")
    yield True, f"debug: {'ON — do not use in production' if settings.DEBUG else 'off'}"
