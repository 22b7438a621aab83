"""Writes of the Open311 app: API keys per partner, and the requests partner systems post, which
enter cases' own intake (`gongzhi.cases.services.case_create`, channel "open311")."""

import hashlib
import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case
from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit, PartnerUnit

from .models import ApiKey

KEY_PREFIX = "o311_"
# Tags, comments, doctypes and entities: a description is plain text.
HTML_RE = re.compile(r"<\s*[a-zA-Z!/?][^>]*>|&[a-zA-Z]+;|&#\d+;")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def not_found(message) -> ApplicationError:
    return ApplicationError(message, code="not_found", status=404)


def forbidden(message) -> ApplicationError:
    return ApplicationError(message, code="forbidden", status=403)


# --- keys ----------------------------------------------------------------------------------------------


@transaction.atomic
def apikey_create(
    *, actor, community: OrgUnit, name: str, partner: PartnerUnit | None = None
) -> tuple[ApiKey, str]:
    """Issue a key for a partner's system in `community`. Returns the record and the key itself,
    which is shown once and never stored."""
    name = (name or "").strip()
    if community is None or community.kind != OrgUnit.Kind.COMMUNITY:
        raise ApplicationError(_("A key belongs to a community."), field="community")
    if not name:
        raise ApplicationError(_("Give the key a name."), code="required", field="name")
    if len(name) > 100:
        raise ApplicationError(_("The name is too long: at most 100 characters."), field="name")
    if partner is not None and partner.org_unit_id != community.pk:
        raise ApplicationError(_("The partner unit is not in this community."), field="partner")
    if ApiKey.objects.filter(org_unit=community, name=name, revoked_at__isnull=True).exists():
        raise ConflictError(_("An active key with this name exists already."), field="name")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        org_unit=community,
        partner=partner,
        name=name,
        prefix=secret[:10],
        key_hash=_hash(secret),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="open311.key_create",
        obj=key,
        detail={"name": name, "partner": partner.pk if partner else None, "prefix": key.prefix},
    )
    return key, secret


@transaction.atomic
def apikey_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke a key: from now on its requests are refused (403). Revoking is final."""
    now = timezone.now()
    changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    if not changed:
        raise ConflictError(_("This key is revoked already."), code="already_revoked")
    key.refresh_from_db()
    audit.record(actor=actor, action="open311.key_revoke", obj=key, detail={"prefix": key.prefix})
    return key


def apikey_authenticate(secret: str) -> ApiKey | None:
    """The active key for this secret, or None. Notes the time of use at most once a minute."""
    secret = (secret or "").strip()
    if not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return None
    key = (
        ApiKey.objects.select_related("org_unit", "partner")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


# --- requests -----------------------------------------------------------------------------------------


@dataclass
class RequestInput:
    """The fields of `POST requests`, parsed from the form but not yet checked."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    attributes: dict = field(default_factory=dict)
    description: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""


def service_notice(category) -> str:
    """What the reporter can expect: the category's deadlines in working time."""
    return _(
        "We answer within %(response)s %(response_unit)s and aim to resolve it within "
        "%(resolution)s %(resolution_unit)s."
    ) % {
        "response": category.response_amount,
        "response_unit": category.get_response_unit_display(),
        "resolution": category.resolution_amount,
        "resolution_unit": category.get_resolution_unit_display(),
    }


def _check_request(data: RequestInput) -> list[ApplicationError]:
    """The refusals that do not need the database, all of them at once."""
    errors = []
    if not data.service_code.strip():
        errors.append(ApplicationError(_("service_code is required."), code="required", field="service_code"))
    has_point = bool(data.lat.strip() or data.long.strip())
    if has_point and not (data.lat.strip() and data.long.strip()):
        errors.append(ApplicationError(_("Give both lat and long."), field="lat"))
    if not (has_point or data.address_string.strip() or data.address_id.strip()):
        errors.append(
            ApplicationError(
                _("A location is required: lat and long, address_string or address_id."),
                code="required",
                field="lat",
            )
        )
    if HTML_RE.search(data.description or ""):
        errors.append(
            ApplicationError(_("The description must be plain text, without HTML."), field="description")
        )
    if len((data.description or "").strip()) > case_services.DESCRIPTION_MAX:
        errors.append(
            ApplicationError(
                _("The description is too long: at most %(max)s characters, this one has %(n)s.")
                % {"max": case_services.DESCRIPTION_MAX, "n": len(data.description.strip())},
                code="too_long",
                field="description",
            )
        )
    if data.email.strip():
        try:
            validate_email(data.email.strip())
        except ValidationError:
            errors.append(ApplicationError(_("The email address is not valid."), field="email"))
    for name in (
        "address_string",
        "address_id",
        "first_name",
        "last_name",
        "phone",
        "account_id",
        "device_id",
    ):
        if len(getattr(data, name) or "") > 255:
            errors.append(
                ApplicationError(
                    _("%(field)s is too long: at most 255 characters.") % {"field": name}, field=name
                )
            )
    return errors


def request_check(data: RequestInput) -> None:
    """Raise the first refusal of `_check_request` carrying all of them in `extra["all"]`."""
    errors = _check_request(data)
    if errors:
        first = errors[0]
        first.extra = {"all": errors}
        raise first


@transaction.atomic
def request_create(*, key: ApiKey, community: OrgUnit, data: RequestInput) -> Case:
    """A partner's Open311 request becomes a case of `community`, channel "open311", in the same
    workflow as every other intake. Reporter contact data goes only where cases keeps it (name and
    encrypted phone); email, device_id and account_id are checked and not stored."""
    if key.org_unit_id != community.pk:
        raise forbidden(_("This api_key is not valid for this jurisdiction."))
    request_check(data)
    code = data.service_code.strip()
    category = case_selectors.category_for_community(community=community, code=code)
    if category is None:
        raise not_found(_("Unknown service_code %(code)s.") % {"code": code})

    org_unit, address = community, data.address_string.strip()
    if data.address_id.strip():
        located = case_selectors.locate_in_community(community=community, address_id=data.address_id.strip())
        if located is None:
            raise ApplicationError(_("Unknown address_id."), field="address_id")
        org_unit, address = located[0], address or located[1]
    elif address:
        located = case_selectors.locate_in_community(community=community, address=address)
        if located is not None:
            org_unit = located[0]
    has_point = bool(data.lat.strip())
    description = data.description.strip() or category.name
    name = " ".join(part for part in (data.first_name.strip(), data.last_name.strip()) if part)

    case = case_services.case_create(
        actor=None,
        channel=Case.Channel.OPEN311,
        category=category,
        description=description,
        org_unit=org_unit,
        location_kind=Case.LocationKind.POINT if has_point else Case.LocationKind.ADDRESS,
        address=address,
        lat=data.lat.strip() or None,
        long=data.long.strip() or None,
        extra=data.attributes,
        reporter_name=name,
        reporter_phone=data.phone.strip(),
        media_url=data.media_url,
    )
    audit.record(
        actor=None,
        action="open311.request_create",
        obj=case,
        org_unit=case.org_unit,
        detail={
            "key": key.pk,
            "prefix": key.prefix,
            "partner": key.partner_id,
            "service_code": code,
        },
    )
    return case


def request_refused(*, key: ApiKey | None, community: OrgUnit | None, status: int, code: str) -> None:
    """Audit a refused POST: who tried (the key, if any) and why, never what they sent."""
    audit.record(
        actor=None,
        action="open311.request_create",
        org_unit=community,
        outcome="denied" if status == 403 else "failed",
        object_type="open311.request",
        detail={"status": status, "code": code, "key": key.pk if key else None},
    )
