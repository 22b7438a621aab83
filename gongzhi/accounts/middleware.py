import time
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp import middleware as otp_middleware

from gongzhi.core import rawsql


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django_otp's middleware, loading this project's devices by SQL written once: every signed-in
    staff page reads the session's device, and django_otp builds an ORM query for it on each
    request (docs/performance.md). Other device types go through django_otp unchanged."""

    def _device_from_persistent_id(self, persistent_id: str):
        from .models import RecoveryCodeDevice, TOTPDevice

        label, _sep, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        model = {"accounts.totpdevice": TOTPDevice, "accounts.recoverycodedevice": RecoveryCodeDevice}.get(
            label
        )
        if model is None or not device_id.isdigit():
            return super()._device_from_persistent_id(persistent_id)
        sql = f"SELECT * FROM {model._meta.db_table} WHERE id = %s"  # noqa: S608 - a model's own table name
        return rawsql.fetch_first(model, sql, [int(device_id)])


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's, on every device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def _go(request, url):
    """A redirect; for an htmx request, a full-page redirect instead of a swapped fragment."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class StaffSecurityMiddleware:
    """For staff accounts (see accounts.security.is_staff_account):

    - a session ends after GONGZHI_STAFF_IDLE_SECONDS without a request, and
      GONGZHI_STAFF_SESSION_SECONDS after sign-in whatever happens;
    - a password older than GONGZHI_PASSWORD_MAX_AGE_DAYS must be changed before anything else;
    - no page (and no API call made with the browser session) is served until a second factor has
      been verified in this session: the user is sent to enrolment or to verification.

    Runs after django_otp's OTPMiddleware. API calls with a bearer token are not gated here: a
    token can only be created from a verified session."""

    OPEN_URL_NAMES = frozenset(
        {
            "accounts:login",
            "accounts:logout",
            "accounts:password_change",
            "accounts:otp_setup",
            "accounts:otp_verify",
            "core:set_language",
            "core:healthz",
            "core:privacy",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from . import security

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and security.is_staff_account(user):
            now = time.time()
            session = request.session
            auth_at = session.get(security.AUTH_AT) or now
            seen_at = session.get(security.SEEN_AT) or now
            idle = now - seen_at > settings.GONGZHI_STAFF_IDLE_SECONDS
            too_long = now - auth_at > settings.GONGZHI_STAFF_SESSION_SECONDS
            if idle or too_long:
                return self._expire(request, user, "idle" if idle else "absolute")
            if security.AUTH_AT not in session:
                session[security.AUTH_AT] = auth_at
            # Write the last-seen time at most once a minute, not on every request.
            if security.SEEN_AT not in session or now - seen_at > 60:
                session[security.SEEN_AT] = now
        return self.get_response(request)

    def _expire(self, request, user, why):
        from django.contrib import messages
        from django.contrib.auth import logout

        from gongzhi.core import audit

        audit.record(actor=user, action="auth.timeout", obj=user, kind="auth", detail={"reason": why})
        logout(request)
        messages.info(request, _("Your session ended after a period of inactivity. Please sign in again."))
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "session_expired", "message": _("Your session has ended. Sign in again.")},
                status=401,
            )
        return _go(request, redirect_to_login(request.get_full_path(), reverse("accounts:login"))["Location"])

    def process_view(self, request, view_func, view_args, view_kwargs):
        from . import security

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        staff = security.is_staff_account(user)
        if not staff and not user.must_change_password:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in self.OPEN_URL_NAMES:
            return None
        is_api = request.path.startswith("/api/")
        if (
            user.must_change_password
            or (staff and security.password_expired(user))
            or request.session.get(security.WEAK_PASSWORD)
        ):
            if is_api:
                return JsonResponse(
                    {"code": "password_expired", "message": _("Your password has expired. Change it first.")},
                    status=403,
                )
            return _go(
                request, f"{reverse('accounts:password_change')}?next={quote(request.get_full_path())}"
            )
        if staff and security.needs_second_factor(user) and not user.is_verified():
            if is_api:
                return JsonResponse(
                    {
                        "code": "second_factor_required",
                        "message": _("Verify your second factor in the browser first."),
                    },
                    status=403,
                )
            from .services import otp_enrolled

            target = "accounts:otp_verify" if otp_enrolled(user) else "accounts:otp_setup"
            return _go(request, f"{reverse(target)}?next={quote(request.get_full_path())}")
        return None
