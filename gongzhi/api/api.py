import logging
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from gongzhi.accounts.services import token_authenticate
from gongzhi.core.errors import ApplicationError

log = logging.getLogger("gongzhi.api")


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="Gongzhi API",
    version="1",
    description=(
        "Gongzhi (共治) community co-governance platform. Authenticate with the browser session or an "
        "`Authorization: Bearer <token>` header (`python manage.py accounts_token USERNAME`). Lists take "
        '`page` and `page_size` (≤ 100) and answer `{"items": [...], "count": N}`. Errors answer '
        '`{"code": ..., "message": ...}`.'
    ),
    urls_namespace="api",
    auth=[BearerTokenAuth(), BrowserSessionAuth()],
)


def _error(request, status, code, message, **extra):
    return api.create_response(request, {"code": code, "message": str(message), **extra}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
    field = ".".join(loc) or None
    message = _("The value of %(field)s is not valid: %(reason)s") % {
        "field": field or _("the request"),
        "reason": first.get("msg", ""),
    }
    return _error(request, 400, "invalid", message, field=field)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, 401, "unauthorized", _("Sign in or send a valid API token."))


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return _error(request, 403, "forbidden", _("You are not allowed to do this."))


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(ObjectDoesNotExist)
def does_not_exist(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    codes = {
        400: "invalid",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        429: "rate_limited",
    }
    message = exc.message
    if exc.status_code == 400 and str(message).startswith("Cannot parse request body"):
        # django-ninja's own words for a body that is not JSON, in English only.
        message = _("The request body is not valid JSON.")
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), message)


def _mount_app_routers() -> None:
    for app in settings.GONGZHI_APPS:
        module_name = f"gongzhi.{app}.api"
        if find_spec(module_name) is None:
            continue
        module = import_module(module_name)
        api.add_router(getattr(module, "API_PREFIX", f"/{app}/"), module.router)


_mount_app_routers()
