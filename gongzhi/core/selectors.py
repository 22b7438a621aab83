from django.db import connection
from django.db.models import Count, Q, QuerySet

from gongzhi.accounts.roles import READER_ROLES, Role
from gongzhi.accounts.scoping import scope_q, visible_units

from .models import GridStation, Notification, OrgUnit, PartnerUnit

TREE_ROLES = READER_ROLES | {Role.SYSTEM_ADMIN}


def orgunit_list(*, user, kind: str | None = None, q: str = "") -> QuerySet:
    qs = visible_units(user, TREE_ROLES).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(name_bo__icontains=q))
    return qs.annotate(child_count=Count("children")).order_by("path")


def orgunit_get(*, user, pk: int) -> OrgUnit:
    return visible_units(user, TREE_ROLES).select_related("parent").get(pk=pk)


def orgunit_subtree(unit: OrgUnit, *, kind: str | None = None) -> QuerySet:
    qs = OrgUnit.objects.filter(path__startswith=unit.path)
    return qs.filter(kind=kind) if kind else qs


def orgunit_ancestors(unit: OrgUnit) -> QuerySet:
    return OrgUnit.objects.filter(pk__in=unit.ancestor_ids).order_by("depth")


def gridstation_list(*, user) -> QuerySet:
    return (
        GridStation.objects.filter(scope_q(user, READER_ROLES))
        .select_related("org_unit", "org_unit__parent")
        .prefetch_related("duty_staff")
    )


def partnerunit_list(*, user, kind: str | None = None, q: str = "") -> QuerySet:
    qs = PartnerUnit.objects.filter(scope_q(user, READER_ROLES)).select_related("org_unit")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(contact_name__icontains=q))
    return qs


def notification_list(*, user) -> QuerySet:
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    # On every page (the bell): SQL written once, not an ORM query compiled per request.
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user.pk])
        return cursor.fetchone()[0]


_UNREAD_SQL = "SELECT COUNT(*) FROM core_notification WHERE user_id = %s AND read_at IS NULL"


def processing_basis_for(obj, *, active_only: bool = True) -> QuerySet:
    """The legal bases recorded for `obj` (newest first)."""
    from .models import DataProcessingBasis

    qs = DataProcessingBasis.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("recorded_by")
    if active_only:
        qs = qs.filter(withdrawn_at__isnull=True)
    return qs.order_by("-recorded_at")


def audit_search(
    *,
    user,
    since=None,
    until=None,
    actor: str = "",
    action: str = "",
    obj: str = "",
    outcome: str = "",
    kind: str = "",
) -> QuerySet:
    """Audit entries the audit admin may read: those of the units their role covers, and the
    entries tied to no unit (sign-in events, system changes). Filters: time range, actor (user
    name), action (prefix), object ("type" or "type:id"), outcome, kind."""
    from .models import AuditEntry

    if not user.has_role(Role.AUDIT_ADMIN):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.filter(
        scope_q(user, {Role.AUDIT_ADMIN}, field="org_unit") | Q(org_unit__isnull=True)
    )
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    if actor:
        qs = qs.filter(actor_name__iexact=actor.strip())
    if action:
        qs = qs.filter(action__startswith=action.strip())
    if obj:
        otype, _sep, oid = obj.strip().partition(":")
        qs = qs.filter(object_type=otype.lower())
        if oid:
            qs = qs.filter(object_id=oid)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("org_unit").order_by("-id")


def job_status(*, now=None) -> list[dict]:
    """Each registered periodic job with its schedule, its next slot, its last run and last success
    (three queries whatever the number of jobs and runs)."""
    from django.db.models import Max
    from django.utils import timezone

    from .extension_points import periodic_jobs
    from .models import JobRun
    from .scheduler import describe, next_due

    now = now or timezone.now()
    jobs = periodic_jobs()
    keys = [j.key for j in jobs]

    def latest_ids(qs):
        return set(
            qs.filter(job__in=keys).values("job").annotate(last=Max("id")).values_list("last", flat=True)
        )

    last_ids = latest_ids(JobRun.objects.all())
    ok_ids = latest_ids(JobRun.objects.filter(outcome=JobRun.Outcome.SUCCEEDED))
    runs = list(JobRun.objects.filter(id__in=last_ids | ok_ids)) if last_ids else []
    last = {r.job: r for r in runs if r.id in last_ids}
    ok = {r.job: r for r in runs if r.id in ok_ids}
    return [
        {
            "job": j,
            "schedule": describe(j),
            "last": last.get(j.key),
            "last_success": ok.get(j.key),
            "next_due": next_due(j, now),
        }
        for j in jobs
    ]


def job_runs(*, job: str | None = None, outcome: str | None = None) -> QuerySet:
    from .models import JobRun

    qs = JobRun.objects.all()
    if job:
        qs = qs.filter(job=job)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("-started_at", "-id")
