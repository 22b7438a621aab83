"""Rate limits kept in the cache (Redis in production, so a limit holds across server processes).

A fixed window per (scope, key): `hit` counts one request and says how long to wait when the limit
is passed. Views use the `limit` decorator; the API uses `hit` directly."""

import functools
import time

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .middleware import client_ip


def hit(scope: str, key: str, *, limit: int, window: int) -> int | None:
    """Count a request; return None when allowed, else the seconds until the window resets."""
    now = int(time.time())
    window_start = now - now % window
    cache_key = f"rl:{scope}:{key}:{window_start}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return max(1, window_start + window - now)
    return None


def too_many(request, retry_after: int):
    message = _("Too many requests. Please wait %(seconds)s seconds and try again.") % {
        "seconds": retry_after
    }
    if request.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
        response = JsonResponse({"code": "rate_limited", "message": message}, status=429)
    else:
        html = render_to_string("429.html", {"message": message, "retry_after": retry_after}, request=request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def limit(
    scope: str,
    *,
    per_ip: int | None = None,
    per_user: int | None = None,
    window: int = 60,
    methods: tuple[str, ...] = ("POST",),
):
    """Limit a view per client IP and/or per signed-in user, for the given methods."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                checks = []
                if per_ip:
                    checks.append(("ip", client_ip(request) or "unknown", per_ip))
                if per_user and request.user.is_authenticated:
                    checks.append(("user", str(request.user.pk), per_user))
                for kind, key, allowed in checks:
                    wait = hit(f"{scope}:{kind}", key, limit=allowed, window=window)
                    if wait:
                        return too_many(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
