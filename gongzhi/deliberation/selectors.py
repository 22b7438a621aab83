from django.db.models import QuerySet

from gongzhi.accounts.roles import READER_ROLES, Role
from gongzhi.accounts.scoping import communities_of

from .models import Topic

# Residents see their own community's agenda; staff see the communities they work in or oversee.
VIEWER_ROLES = READER_ROLES | {Role.RESIDENT, Role.PARTNER_STAFF}


def topic_list(*, user, status: str | None = None) -> QuerySet:
    qs = Topic.objects.filter(org_unit__in=communities_of(user, VIEWER_ROLES)).select_related("org_unit")
    if status:
        qs = qs.filter(status=status)
    return qs


def topic_get(*, user, pk: int) -> Topic:
    return topic_list(user=user).get(pk=pk)
