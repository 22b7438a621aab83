import datetime
import hashlib
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, crypto, rawsql
from gongzhi.core.errors import ApplicationError

from .models import ApiToken, RoleAssignment, User
from .roles import ADMIN_ROLES, Role

TOKEN_PREFIX = "gz_"  # a public prefix that marks Gongzhi tokens, not a secret  # nosec B105


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
    staff: bool = False,
) -> User:
    """`staff=True` holds the password to the staff policy (accounts.security.StaffPasswordValidator)
    before any role is granted."""
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
    user._gz_staff_policy = staff
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
    if role == Role.DISPLAY and org_unit.kind == "grid":
        raise ApplicationError(
            _("A display screen shows a community, a street or a county, not a grid."), field="org_unit"
        )
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


# Every API request runs this: written once rather than compiled by the ORM each time (the award's
# CPU profile, docs/performance.md). `token_stale`: the last use is older than a minute.
_TOKEN_USER_SQL = (
    "SELECT u.*, t.id AS token_id, (t.last_used_at IS NULL OR t.last_used_at < %s) AS token_stale"
    " FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id"
    " WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active"
)


def token_authenticate(secret: str) -> User | None:
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    minute_ago = connection.ops.adapt_datetimefield_value(now - datetime.timedelta(seconds=60))
    params = [minute_ago, _hash_token(secret)]
    user = rawsql.fetch_first(User, _TOKEN_USER_SQL, params)  # key_hash is unique
    if user is None:
        return None
    # Write the last-use time at most once a minute per token, not on every request.
    if user.token_stale:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
    return user


# --- sessions, passwords, deactivation ---------------------------------------------------------


@transaction.atomic
def sessions_end_all(*, actor, user: User, reason: str) -> None:
    """End every session of `user` on every device: the session hash includes `session_epoch`."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    audit.record(actor=actor, action="user.sessions_end", obj=user, kind="auth", detail={"reason": reason})


@transaction.atomic
def password_change(*, actor, user: User, new_password: str) -> None:
    """Validate (the staff policy applies to staff), store, and end every other session."""
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="new_password1") from exc
    if user.check_password(new_password):
        raise ApplicationError(_("Choose a password different from the current one."), field="new_password1")
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.session_epoch += 1
    user.save(update_fields=["password", "password_changed_at", "must_change_password", "session_epoch"])
    audit.record(actor=actor, action="user.password_change", obj=user)


@transaction.atomic
def password_reset(*, actor, user: User, temporary_password: str) -> None:
    """The system administrator gives a temporary password (a forgotten password): it must be
    changed at the next sign-in; every session ends and a sign-in lockout of the account is lifted."""
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError(_("Change your own password on your account page."), code="self", status=409)
    try:
        password_validation.validate_password(temporary_password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="temporary_password") from exc
    user.set_password(temporary_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = True
    user.session_epoch += 1
    user.save(update_fields=["password", "password_changed_at", "must_change_password", "session_epoch"])
    from axes.utils import reset as axes_reset

    from .security import account_label

    axes_reset(username=account_label(user.username))
    if user.phone:
        axes_reset(username=account_label(user.phone))
    audit.record(actor=actor, action="user.password_reset", obj=user)


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError(_("You cannot deactivate your own account."), code="self", status=409)
    if not user.is_active:
        return user
    user.is_active = False
    user.session_epoch += 1
    user.save(update_fields=["is_active", "session_epoch"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor=actor, action="user.deactivate", obj=user)
    user.forget_assignments()
    return user


@transaction.atomic
def user_reactivate(*, actor, user: User) -> User:
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="user.reactivate", obj=user)
    return user


# --- two-factor authentication (TOTP + recovery codes) ------------------------------------------

RECOVERY_CODE_COUNT = 10


@transaction.atomic
def otp_enrol_start(*, user: User, key: str | None = None):
    """An unconfirmed TOTP device for the enrolment page; confirmed once the user types a code."""
    from .models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    kwargs = {"key": key} if key else {}
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False, **kwargs)


@transaction.atomic
def otp_enrol_confirm(*, user: User, device, token: str) -> list[str]:
    """Check the first code, confirm the device, and return 10 fresh single-use recovery codes
    (shown once). Any earlier device of the user is replaced."""
    from .models import RecoveryCode, RecoveryCodeDevice, TOTPDevice, recovery_code_hash

    if device.user_id != user.pk or device.confirmed:
        raise ApplicationError(_("Start the enrolment again."), code="invalid")
    if not device.verify_token((token or "").strip().replace(" ", "")):
        audit.record(actor=user, action="otp.enrol", obj=user, kind="auth", outcome="failed")
        raise ApplicationError(_("The code is not right. Check the time on your phone."), field="token")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    RecoveryCodeDevice.objects.filter(user=user).delete()
    recovery = RecoveryCodeDevice.objects.create(user=user, name="recovery", confirmed=True)
    # Shown once; only their keyed hashes are stored.
    codes = [RecoveryCode.random_code() for _i in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=recovery, code_hash=recovery_code_hash(c)) for c in codes]
    )
    audit.record(actor=user, action="otp.enrol", obj=user, kind="auth")
    return codes


def otp_check(*, user: User, token: str):
    """Return the device that accepts `token` (a TOTP code or a recovery code, which is then used
    up), or None. Failures are audited; django-otp throttles repeated failures per device."""
    from django_otp import match_token

    device = match_token(user, (token or "").strip().replace(" ", ""))
    audit.record(
        actor=user,
        action="otp.verify",
        obj=user,
        kind="auth",
        outcome="success" if device is not None else "failed",
        detail={"recovery_code": device is not None and device.__class__.__name__ == "RecoveryCodeDevice"},
    )
    return device


@transaction.atomic
def otp_reset(*, actor, user: User) -> None:
    """The security admin removes a user's second factor (lost phone): the user enrols again at
    the next sign-in. Every session of the user ends."""
    from .models import RecoveryCodeDevice, TOTPDevice

    if actor is not None and actor.pk == user.pk:
        raise ApplicationError(
            _("Another security administrator must reset your own second factor."), code="self", status=409
        )
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    audit.record(actor=actor, action="otp.reset", obj=user)


def otp_enrolled(user: User) -> bool:
    from .models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def otp_device_install(*, actor, user: User, key_hex: str, name: str = "demo"):
    """Give `user` a confirmed TOTP device with a known key. Only for the development demo (the
    key is public); production refuses a GONGZHI_DEMO_TOTP_KEY (gongzhi.core.checks)."""
    from django.conf import settings

    from .models import TOTPDevice

    if settings.IS_PRODUCTION:
        raise ApplicationError(_("Known two-factor keys are for the demo only."), code="production")
    device = TOTPDevice.objects.create(user=user, name=name, key=key_hex, confirmed=True)
    audit.record(actor=actor, action="otp.demo_install", obj=user, kind="auth")
    return device
