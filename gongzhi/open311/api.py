"""/api/v1/open311/keys: Open311 keys for community staff (list, issue, one key, revoke)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError

from . import selectors, services
from .models import ApiKey

router = Router(tags=["open311"])
API_PREFIX = "/open311/"


class KeyIn(Schema):
    name: str
    community: int
    partner: int | None = None


class KeyOut(Schema):
    id: int
    name: str
    prefix: str
    community_id: int
    partner_id: int | None
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    is_active: bool

    @staticmethod
    def resolve_community_id(obj):
        return obj["community_id"] if isinstance(obj, dict) else obj.org_unit_id


class KeyCreatedOut(KeyOut):
    key: str


def _check(request) -> None:
    if not request.user.has_perm("open311.manage_keys"):
        raise PermissionDenied


def _get(request, key_id: int) -> ApiKey:
    _check(request)
    try:
        return selectors.key_get(user=request.user, pk=key_id)
    except ApiKey.DoesNotExist as exc:
        raise HttpError(404, _("Not found.")) from exc


@router.get("keys", response=list[KeyOut], summary="The Open311 keys of the communities you manage")
@paginate(PagePagination)
def open311_key_list(request):
    _check(request)
    return selectors.key_list(user=request.user)


@router.post("keys", response={201: KeyCreatedOut}, summary="Issue a key (shown once, in `key`)")
def open311_key_create(request, payload: KeyIn):
    _check(request)
    communities = selectors.managed_communities(user=request.user)
    community = communities.filter(pk=payload.community).first()
    if community is None:
        raise ApplicationError(_("Choose a community you manage."), field="community")
    partner = None
    if payload.partner is not None:
        partner = selectors.partners_of(communities=[community]).filter(pk=payload.partner).first()
        if partner is None:
            raise ApplicationError(_("The partner unit is not in this community."), field="partner")
    key, secret = services.apikey_create(
        actor=request.user, community=community, name=payload.name, partner=partner
    )
    out = KeyOut.from_orm(key).dict()
    out["key"] = secret
    return Status(201, out)


@router.get("keys/{int:key_id}", response=KeyOut, summary="One key")
def open311_key_detail(request, key_id: int):
    return _get(request, key_id)


@router.post("keys/{int:key_id}/revoke", response=KeyOut, summary="Revoke a key (final)")
def open311_key_revoke(request, key_id: int):
    return services.apikey_revoke(actor=request.user, key=_get(request, key_id))
