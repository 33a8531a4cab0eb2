"""Per-caller API rate limit: a fixed one-minute window counted in the cache.

The default cache is per process; a multi-process deployment should point CACHES at a shared
cache (Redis, database) so the limit holds across workers.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ewtp.core.caller import caller_key
from ewtp.core.errors import RateLimited
from ewtp.core.http import error_response


def check_rate_limit(request: HttpRequest) -> None:
    limit = settings.EWTP_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    window = int(time.time() // 60)
    key = f"rl:{caller_key(request)}:{window}"
    if cache.add(key, 1, timeout=70):
        return
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=70)
        return
    if count > limit:
        raise RateLimited(f"rate limit of {limit} requests per minute exceeded; retry in the next minute")


class RateLimitMiddleware:
    """Applies the per-caller limit to every /api/ request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path.startswith("/api/"):
            try:
                check_rate_limit(request)
            except RateLimited as err:
                resp = error_response(err)
                resp["Retry-After"] = str(60 - int(time.time()) % 60)
                return resp
        return self.get_response(request)
