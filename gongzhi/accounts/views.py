import base64

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from rules.contrib.views import permission_required

from gongzhi.core import ratelimit
from gongzhi.core.errors import ApplicationError
from gongzhi.core.middleware import client_ip
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.views import form_error

from . import security, selectors, services
from .forms import (
    LoginForm,
    OtpTokenForm,
    PasswordResetForm,
    RoleAssignForm,
    StaffPasswordChangeForm,
    TokenForm,
    UserCreateForm,
)
from .models import RoleAssignment, User
from .roles import Role
from .scoping import visible_units


class LoginView(auth_views.LoginView):
    """Sign-in. django-axes locks an account and a client IP after AXES_FAILURE_LIMIT failures;
    before that, a cache rate limit slows guessing per IP and per account name."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        from django.conf import settings

        per_ip, per_account, window = settings.GONGZHI_LOGIN_RATE
        checks = [
            ("login:ip", client_ip(request) or "unknown", per_ip),
            ("login:account", security.account_label(request.POST.get("username", "")), per_account),
        ]
        for scope, key, allowed in checks:
            wait = ratelimit.hit(scope, key, limit=allowed, window=window)
            if wait:
                return ratelimit.too_many(request, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        weak = security.is_staff_account(user) and security.fails_staff_policy(
            form.cleaned_data.get("password", ""), user
        )
        response = super().form_valid(form)
        if weak:
            # The middleware sends them to the password page before anything else.
            self.request.session[security.WEAK_PASSWORD] = True
        return response


class LogoutView(auth_views.LogoutView):
    """Signing out ends every session of the account, on every device."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.sessions_end_all(actor=request.user, user=request.user, reason="logout")
        return super().post(request, *args, **kwargs)


def _safe_next(request, default="core:home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@login_required
def password_change(request):
    form = StaffPasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user, user=request.user, new_password=form.cleaned_data["new_password1"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            # Every other session has ended; this one stays signed in.
            update_session_auth_hash(request, request.user)
            request.session.pop(security.WEAK_PASSWORD, None)
            messages.success(request, _("Your password was changed. Other devices were signed out."))
            return redirect(_safe_next(request))
    expired = (
        security.password_expired(request.user)
        or request.user.must_change_password
        or bool(request.session.get(security.WEAK_PASSWORD))
    )
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "expired": expired, "next": request.GET.get("next", "")},
    )


@login_required
@ratelimit.limit("otp", per_ip=30, per_user=10, window=300)
def otp_setup(request):
    """Enrol an authenticator app: a QR code (SVG, drawn on the server) and the key as text."""
    from gongzhi.accounts.models import TOTPDevice

    # Replacing an enrolled authenticator needs the current one: a stolen password alone must not
    # be enough to enrol the thief's phone.
    if services.otp_enrolled(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('accounts:otp_verify')}?next={reverse('accounts:otp_setup')}")
    device = None
    device_id = request.session.get("otp_setup_device")
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()
    if device is None:
        device = services.otp_enrol_start(user=request.user)
        request.session["otp_setup_device"] = device.pk
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.otp_enrol_confirm(
                user=request.user, device=device, token=form.cleaned_data["token"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            request.session.pop("otp_setup_device", None)
            otp_login(request, device)
            return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _safe_next(request)})
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4)),  # noqa: S308  # SVG markup generated by segno from our own otpauth URL  # nosec B308 B703
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": request.GET.get("next", ""),
            "required": security.needs_second_factor(request.user),
        },
    )


@login_required
@ratelimit.limit("otp", per_ip=30, per_user=10, window=300)
def otp_verify(request):
    if not services.otp_enrolled(request.user):
        return redirect("accounts:otp_setup")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.otp_check(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is not right, or was already used."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@permission_required("accounts.manage_roles", raise_exception=True)
@require_POST
def otp_reset(request, pk):
    try:
        subject = selectors.user_get(actor=request.user, pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.otp_reset(actor=request.user, user=subject)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The second factor was reset. The user enrols again at the next sign-in.")
        )
    return redirect("accounts:user_detail", pk=subject.pk)


@permission_required("accounts.manage_users", raise_exception=True)
def password_reset(request, pk):
    try:
        subject = selectors.user_get(actor=request.user, pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset(
                actor=request.user, user=subject, temporary_password=form.cleaned_data["temporary_password"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("The temporary password was set. It must be changed at the next sign-in.")
            )
            return redirect("accounts:user_detail", pk=subject.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("Temporary password for %(name)s") % {"name": subject.username},
            "back": reverse("accounts:user_detail", args=[subject.pk]),
        },
    )


@permission_required("accounts.manage_users", raise_exception=True)
@require_POST
def user_deactivate(request, pk):
    try:
        subject = selectors.user_get(actor=request.user, pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.user_deactivate(actor=request.user, user=subject)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The account was deactivated and signed out everywhere."))
    return redirect("accounts:user_detail", pk=subject.pk)


@login_required
def profile(request):
    new_token = request.session.pop("new_api_token", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.token_list(user=request.user),
            "token_form": TokenForm(),
            "new_token": new_token,
            "assignments": request.user.assignments(),
            "otp_enrolled": services.otp_enrolled(request.user),
        },
    )


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, secret = services.token_create(
            actor=request.user, user=request.user, name=form.cleaned_data["name"]
        )
        # Shown once on the next page, then gone: only its hash is kept.
        request.session["new_api_token"] = secret
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(selectors.token_list(user=request.user), pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@permission_required("accounts.view_users", raise_exception=True)
def user_list(request):
    q = request.GET.get("q", "").strip()
    page = paginate(request, selectors.user_list(actor=request.user, q=q))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "q": q,
            "qs": querystring_without_page(request),
            "can_create": request.user.has_perm("accounts.manage_users"),
        },
    )


@permission_required("accounts.manage_users", raise_exception=True)
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Accounts made here are staff accounts: the staff password policy applies.
            user = services.user_create(actor=request.user, staff=True, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The account %(name)s was created.") % {"name": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "core/form.html", {"form": form, "title": _("New account")})


def _assign_units(actor):
    return visible_units(actor, {Role.SECURITY_ADMIN}).order_by("path")


@permission_required("accounts.view_users", raise_exception=True)
def user_detail(request, pk):
    try:
        subject = selectors.user_get(actor=request.user, pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    can_assign = request.user.has_perm("accounts.manage_roles")
    form = RoleAssignForm(request.POST or None, units=_assign_units(request.user)) if can_assign else None
    if request.method == "POST" and can_assign and form.is_valid():
        try:
            services.role_assign(actor=request.user, user=subject, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The role was granted."))
            return redirect("accounts:user_detail", pk=subject.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "form": form,
            "can_assign": can_assign,
            "can_manage": request.user.has_perm("accounts.manage_users"),
            "otp_enrolled": services.otp_enrolled(subject),
        },
    )


@permission_required("accounts.manage_roles", raise_exception=True)
@require_POST
def role_revoke(request, pk):
    assignment = (
        RoleAssignment.objects.filter(pk=pk, org_unit__in=_assign_units(request.user), is_active=True)
        .select_related("user", "org_unit")
        .first()
    )
    if assignment is None:
        raise Http404
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, _("The role was withdrawn."))
    return redirect("accounts:user_detail", pk=assignment.user_id)
