import hashlib
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, crypto
from gongzhi.core.errors import ApplicationError

from .models import ApiToken, RoleAssignment, User
from .roles import ADMIN_ROLES, Role

TOKEN_PREFIX = "gz_"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    language: str = "",
    partner_unit=None,
    validate_password: bool = True,
) -> User:
    username = username.strip()
    if not username:
        raise ApplicationError(_("A username is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            _("The username %(name)s is taken.") % {"name": username}, code="duplicate", field="username"
        )
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        language=language,
        partner_unit=partner_unit,
    )
    if phone:
        normalized = crypto.normalize_phone(phone)
        if len(normalized) != 11 or not normalized.startswith("1"):
            raise ApplicationError(_("A mobile number has 11 digits and starts with 1."), field="phone")
        user.set_phone(normalized)
        if User.objects.filter(phone_index=user.phone_index).exists():
            raise ApplicationError(
                _("This mobile number already has an account."), code="duplicate", field="phone"
            )
    if password:
        if validate_password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise ApplicationError(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    try:
        user.save()
    except IntegrityError as exc:
        raise ApplicationError(_("This account already exists."), code="duplicate") from exc
    audit.record(actor=actor, action="user.create", obj=user, detail={"username": username})
    return user


@transaction.atomic
def role_assign(*, actor, user: User, role: str, org_unit) -> RoleAssignment:
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."), field="role")
    if role == Role.GRID_WORKER and org_unit.kind != "grid":
        raise ApplicationError(_("A grid worker is assigned to a grid."), field="org_unit")
    if role in (Role.RESIDENT, Role.PARTNER_STAFF) and org_unit.kind not in ("community", "grid"):
        raise ApplicationError(_("This role is assigned within a community."), field="org_unit")
    # Three-admin separation (三权分立): lock the user's assignments, then refuse a second admin
    # role, or an admin role beside a business role.
    held = set(
        RoleAssignment.objects.select_for_update()
        .filter(user=user, is_active=True)
        .values_list("role", flat=True)
    )
    if role in ADMIN_ROLES and (held & ADMIN_ROLES) - {role}:
        raise ApplicationError(
            _("The system, security and audit administrator roles must be held by different people."),
            code="separation_of_duties",
            field="role",
            status=409,
        )
    if (role in ADMIN_ROLES and held - ADMIN_ROLES) or (role not in ADMIN_ROLES and held & ADMIN_ROLES):
        raise ApplicationError(
            _("An administrator account cannot also hold a business role."),
            code="separation_of_duties",
            field="role",
            status=409,
        )
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, org_unit=org_unit, is_active=True, defaults={"granted_by": actor}
    )
    if created:
        audit.record(
            actor=actor,
            action="role.assign",
            obj=assignment,
            org_unit=org_unit,
            detail={"user": user.pk, "role": role},
        )
    user.forget_assignments()
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    if not assignment.is_active:
        return
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        org_unit=assignment.org_unit,
        detail={"user": assignment.user_id, "role": assignment.role},
    )
    assignment.user.forget_assignments()


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


@transaction.atomic
def token_create(*, actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token record and the token itself, which is shown once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name or "api", prefix=secret[:10], key_hash=_hash_token(secret)
    )
    audit.record(
        actor=actor, action="apitoken.create", obj=token, detail={"user": user.pk, "name": token.name}
    )
    return token, secret


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="apitoken.revoke", obj=token, detail={"user": token.user_id})


def token_authenticate(secret: str) -> User | None:
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write the last-use time at most once a minute per token, not on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
