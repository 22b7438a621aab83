from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.core.errors import ApplicationError
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.views import form_error

from . import selectors, services
from .forms import LoginForm, RoleAssignForm, TokenForm, UserCreateForm
from .models import RoleAssignment, User
from .roles import Role
from .scoping import visible_units


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
            user = services.user_create(actor=request.user, **form.cleaned_data)
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
        request, "accounts/user_detail.html", {"subject": subject, "form": form, "can_assign": can_assign}
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
