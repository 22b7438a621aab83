import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from gongzhi.core import crypto, rawsql
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import OrgUnit, PartnerUnit

from .roles import Role


class User(AbstractUser):
    """Staff sign in with a username; residents with their mobile number (kept encrypted, found
    through its blind index)."""

    display_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = EncryptedTextField(_("mobile number"), blank=True, default="")
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    partner_unit = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # Part of the session hash: raising it ends every session of the user at once (logout,
    # password change, deactivation, second-factor reset).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Set when an administrator gives a temporary password: changed at the next sign-in.
    must_change_password = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret=None):
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "gongzhi.accounts.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def set_phone(self, phone: str) -> None:
        phone = crypto.normalize_phone(phone or "")
        self.phone = phone
        self.phone_index = crypto.blind_index(phone, purpose="user-phone") if phone else None
        self.phone_last4 = phone[-4:]

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone)

    # Role assignments are read once per request and cached on the instance.
    def assignments(self) -> list["RoleAssignment"]:
        cached = getattr(self, "_gz_assignments", None)
        if cached is None:
            active = self.is_authenticated and self.is_active
            cached = _active_assignments(self) if active else []
            self._gz_assignments = cached
        return cached

    def forget_assignments(self) -> None:
        self.__dict__.pop("_gz_assignments", None)

    def role_names(self) -> set[str]:
        return {a.role for a in self.assignments()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names() & set(roles))

    def units_for(self, roles) -> list[OrgUnit]:
        return [a.org_unit for a in self.assignments() if a.role in roles]

    def covers(self, org_unit: OrgUnit | None, roles) -> bool:
        """True when one of `roles` is assigned at `org_unit` or one of its ancestors."""
        if org_unit is None:
            return False
        return any(a.role in roles and org_unit.path.startswith(a.org_unit.path) for a in self.assignments())

    @property
    def primary_role(self) -> str | None:
        order = [r.value for r in Role]
        names = self.role_names()
        for role in order[::-1]:
            if role in names and role != Role.RESIDENT:
                return role
        return Role.RESIDENT if Role.RESIDENT in names else None


class RoleAssignment(models.Model):
    """(user, role, org unit): the role covers the unit and its whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"],
                condition=Q(is_active=True),
                name="roleassignment_unique_active",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"


class ApiToken(models.Model):
    """A per-user bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- second factor: secrets encrypted or hashed at rest ---------------------------------------------
#
# django-otp's own plugins keep the TOTP key and the recovery codes in plain text. These devices
# take their place: the TOTP key lives in an EncryptedTextField (AES-GCM under GONGZHI_DATA_KEY,
# re-encrypted by core_rotate_key) and the recovery codes are kept only as a keyed HMAC (the blind
# index key), so a copy of the database neither yields a second factor nor lets one be guessed
# offline. The TOTP arithmetic is django-otp's (django_otp.oath.TOTP); its plain-text plugins are
# not installed (their models cannot even be imported), so the few methods are written out here.


def _default_totp_key() -> str:
    from django_otp.util import random_hex

    return random_hex(20)


def _totp_key_validator(value):
    from django_otp.util import hex_validator

    return hex_validator()(value)


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (RFC 6238) whose hex key is stored encrypted."""

    key = EncryptedTextField(default=_default_totp_key, validators=[_totp_key_validator])
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("TOTP device")
        verbose_name_plural = _("TOTP devices")

    def __str__(self):
        return self.name

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            # A code is accepted once: only time steps after the last verified one count.
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app reads from the enrolment QR code."""
        label = str(self.user.get_username())
        params = {
            "secret": b32encode(self.bin_key),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        query = urlencode(params)
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "")
        if callable(issuer):
            issuer = issuer(self)
        if issuer:
            issuer = issuer.replace(":", "")
            label = f"{issuer}:{label}"
            query += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{query}"


def recovery_code_hash(code: str) -> str:
    return crypto.blind_index("".join(code.split()).lower(), purpose="otp-recovery")


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """Ten single-use recovery codes, stored as keyed hashes; a used code is deleted."""

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self):
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token):
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        match = self.codes.filter(code_hash=recovery_code_hash(str(token))).first()
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        return f"{self.device_id}: {self.code_hash[:8]}…"

    @staticmethod
    def random_code() -> str:
        """Eight base32 characters (40 random bits), as django-otp's static tokens."""
        return b32encode(secrets.token_bytes(5)).decode().lower()


# Every signed-in request reads its user's roles: one SQL text instead of an ORM query compiled each
# time (docs/performance.md). The org units come whole (their values converted per backend); the
# assignment carries its id, user, role and unit, its other fields load if ever read.
_ASSIGNMENTS_SQL = (
    "SELECT u.*, ra.id AS assignment_id, ra.role AS assignment_role"
    " FROM accounts_roleassignment ra JOIN core_orgunit u ON u.id = ra.org_unit_id"
    " WHERE ra.user_id = %s AND ra.is_active ORDER BY ra.id"
)


def _active_assignments(user) -> list["RoleAssignment"]:
    out = []
    for unit in rawsql.fetch(OrgUnit, _ASSIGNMENTS_SQL, [user.pk]):
        assignment = RoleAssignment.from_db(
            unit._state.db,
            ["id", "user_id", "role", "org_unit_id", "is_active"],
            [unit.assignment_id, user.pk, unit.assignment_role, unit.pk, True],
        )
        assignment.org_unit = unit
        assignment.user = user
        out.append(assignment)
    return out
