"""Sign-in security: the staff password policy, lockout (django-axes) glue, session lifetimes,
two-factor requirements and the audit of sign-in events.

Who counts as staff: anyone holding a role in `STAFF_ROLES` (every staff role sees personal data
or is one of the three administrators), plus a bootstrap superuser. Residents are not held to
the staff rules; they may still enrol a second factor."""

import datetime
import re
import time

from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongzhi.core import audit, crypto
from gongzhi.core.models import AuditEntry

from .roles import STAFF_ROLES

AUTH_AT = "gz_auth_at"
WEAK_PASSWORD = "gz_weak_password"  # a session key name, not a password  # nosec B105
SEEN_AT = "gz_seen_at"
_PHONE_LIKE = re.compile(r"^[\d\s+()-]{7,}$")


def is_staff_account(user) -> bool:
    if user is None:
        return False
    if getattr(user, "_gz_staff_policy", False) or getattr(user, "is_superuser", False):
        return True
    if not getattr(user, "pk", None) or not hasattr(user, "has_role"):
        return False
    return user.has_role(*STAFF_ROLES)


def needs_second_factor(user) -> bool:
    """Every staff role sees personal data or administers the system: all need a second factor."""
    return is_staff_account(user)


def password_expired(user) -> bool:
    if not is_staff_account(user) or not user.has_usable_password():
        return False
    changed = user.password_changed_at
    if changed is None:
        return True
    return timezone.now() - changed > datetime.timedelta(days=settings.GONGZHI_PASSWORD_MAX_AGE_DAYS)


class StaffPasswordValidator:
    """Staff passwords: at least `min_length` characters from at least `min_classes` of the four
    classes (lower case, upper case, digits, other). Residents' passwords are not affected."""

    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password, user=None):
        if user is None or not is_staff_account(user):
            return
        if len(password) < self.min_length or self.classes(password) < self.min_classes:
            raise ValidationError(self._text(), code="staff_password_weak")

    def _text(self):
        return _(
            "A staff password has at least %(length)d characters and uses at least %(classes)d of: "
            "lower-case letters, upper-case letters, digits, other characters."
        ) % {"length": self.min_length, "classes": self.min_classes}

    def get_help_text(self):
        return self._text()


def fails_staff_policy(password: str, user) -> bool:
    """For a staff member signing in: does the password they typed miss the staff policy (set
    before the policy, or before the account became staff)? Then it must be changed now."""
    from django.contrib.auth.password_validation import get_default_password_validators

    for validator in get_default_password_validators():
        if isinstance(validator, StaffPasswordValidator):
            try:
                validator.validate(password, user)
            except ValidationError:
                return True
    return False


# --- django-axes ------------------------------------------------------------------------------


def account_label(entered: str) -> str:
    """What the lockout table and the audit log keep of the name typed at sign-in: a username
    as typed, but never a mobile number (a keyed hash of it instead)."""
    entered = (entered or "").strip()
    if _PHONE_LIKE.match(entered):
        phone = crypto.normalize_phone(entered)
        return "phone:" + crypto.blind_index(phone, purpose="login-phone")[:16]
    return entered[:150]


def account_display(entered: str) -> str:
    entered = (entered or "").strip()
    if _PHONE_LIKE.match(entered):
        return crypto.mask_phone(crypto.normalize_phone(entered))
    return entered[:150]


def axes_username(request, credentials=None) -> str:
    entered = ""
    if credentials:
        entered = credentials.get("username", "")
    elif request is not None and hasattr(request, "POST"):
        entered = request.POST.get("username", "")
    return account_label(entered)


def lockout_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out visitor sees: why, and when to try again (also as Retry-After)."""
    seconds = lockout_seconds()
    until = timezone.localtime(timezone.now() + datetime.timedelta(seconds=seconds))
    minutes = max(1, seconds // 60)
    message = ngettext(
        "Too many failed sign-in attempts. This account and this device are locked for %(n)d minute.",
        "Too many failed sign-in attempts. This account and this device are locked for %(n)d minutes.",
        minutes,
    ) % {"n": minutes}
    retry = _("You can try again after %(time)s.") % {"time": until.strftime("%H:%M")}
    response = render(
        request, "accounts/locked.html", {"message": message, "retry": retry, "until": until}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


# --- audit of sign-in events ----------------------------------------------------------------------


@receiver(auth_signals.user_logged_in, dispatch_uid="gz_login_audit")
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[AUTH_AT] = now
        request.session[SEEN_AT] = now
    audit.record(actor=user, action="auth.login", obj=user, kind=AuditEntry.Kind.AUTH)


@receiver(auth_signals.user_logged_out, dispatch_uid="gz_logout_audit")
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="auth.logout", obj=user, kind=AuditEntry.Kind.AUTH)


@receiver(auth_signals.user_login_failed, dispatch_uid="gz_login_failed_audit")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        actor=None,
        action="auth.login",
        kind=AuditEntry.Kind.AUTH,
        outcome=AuditEntry.Outcome.FAILED,
        object_type="accounts.user",
        detail={"account": account_display(credentials.get("username", ""))},
    )


def _on_locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(
        actor=None,
        action="auth.lockout",
        kind=AuditEntry.Kind.AUTH,
        outcome=AuditEntry.Outcome.DENIED,
        object_type="accounts.user",
        detail={"account": username if str(username).startswith("phone:") else account_display(username)},
    )


def connect_axes_signals() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="gz_lockout_audit")
