import logging
import time

from . import audit

request_log = logging.getLogger("gongzhi.request")


def client_ip(request) -> str | None:
    # REMOTE_ADDR is set by the WSGI server; behind a proxy, the proxy must overwrite it
    # (X-Forwarded-For from the client is not trusted).
    return request.META.get("REMOTE_ADDR") or None


class RequestLogMiddleware:
    """One line per request: user, method, path (never the query string, which may carry personal
    data), status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_request_context(audit.RequestContext(ip=client_ip(request), path=request.path))
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                self._record_denied(request)
            return response
        finally:
            audit.reset_request_context(token)

    @staticmethod
    def _record_denied(request):
        """A refused page or API call is an access-control event: keep it in the audit log."""
        from .models import AuditEntry

        user = getattr(request, "user", None)
        try:
            audit.record(
                actor=user if user is not None and user.is_authenticated else None,
                action="access.denied",
                kind=AuditEntry.Kind.ACCESS,
                outcome=AuditEntry.Outcome.DENIED,
                detail={"method": request.method, "path": request.path[:200]},
            )
        except Exception:  # noqa: BLE001 - never turn a refusal into a 500
            request_log.exception("audit of a denied request failed")


class SecurityHeadersMiddleware:
    """Content-Security-Policy (no inline script or style: htmx is configured for it in base.html)
    and a Permissions-Policy. HSTS, nosniff, Referrer-Policy and COOP come from Django's
    SecurityMiddleware (settings.SECURE_*)."""

    PERMISSIONS = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.csp = settings.GONGZHI_CSP

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages of a signed-in user may hold personal data: no shared or back-button cache.
            response.headers.setdefault("Cache-Control", "no-store, private")
        return response


class ApiRateLimitMiddleware:
    """Rate limit on /api/: per client IP, and per user (the browser session's user, or the bearer
    token, identified by a hash of it). Answers 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            import hashlib

            from django.conf import settings

            from . import ratelimit

            per_ip, per_user, window = settings.GONGZHI_API_RATE
            checks = [("api:ip", client_ip(request) or "unknown", per_ip)]
            user = getattr(request, "user", None)
            auth = request.headers.get("authorization", "")
            if user is not None and user.is_authenticated:
                checks.append(("api:user", f"u{user.pk}", per_user))
            elif auth:
                checks.append(("api:user", "t" + hashlib.sha256(auth.encode()).hexdigest()[:24], per_user))
            for scope, key, allowed in checks:
                wait = ratelimit.hit(scope, key, limit=allowed, window=window)
                if wait:
                    return ratelimit.too_many(request, wait)
        return self.get_response(request)
