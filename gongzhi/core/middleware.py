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
            return self.get_response(request)
        finally:
            audit.reset_request_context(token)
