from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination

from . import selectors, services

router = Router(tags=["core"])
API_PREFIX = "/core/"


class OrgUnitOut(Schema):
    id: int
    kind: str
    name: str
    name_bo: str
    code: str
    parent_id: int | None
    depth: int
    address: str
    phone: str
    is_active: bool


class GridStationOut(Schema):
    id: int
    org_unit_id: int
    name: str
    address: str
    phone: str
    is_active: bool


class PartnerUnitOut(Schema):
    id: int
    org_unit_id: int
    kind: str
    name: str
    address: str
    description: str
    contact_name: str
    contact_phone: str
    is_active: bool


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class MarkReadIn(Schema):
    ids: list[int] | None = None


class CountOut(Schema):
    count: int


@router.get("/org-units", response=list[OrgUnitOut], summary="Org units the user's roles cover")
@paginate(PagePagination)
def list_org_units(request, kind: str | None = None, q: str = ""):
    return selectors.orgunit_list(user=request.user, kind=kind, q=q)


@router.get("/org-units/{unit_id}", response=OrgUnitOut)
def get_org_unit(request, unit_id: int):
    return selectors.orgunit_get(user=request.user, pk=unit_id)


@router.get("/grid-stations", response=list[GridStationOut])
@paginate(PagePagination)
def list_grid_stations(request):
    return selectors.gridstation_list(user=request.user)


@router.get("/grid-stations/{station_id}", response=GridStationOut)
def get_grid_station(request, station_id: int):
    return get_object_or_404(selectors.gridstation_list(user=request.user), pk=station_id)


@router.get("/partner-units", response=list[PartnerUnitOut])
@paginate(PagePagination)
def list_partner_units(request, kind: str | None = None, q: str = ""):
    return selectors.partnerunit_list(user=request.user, kind=kind, q=q)


@router.get("/partner-units/{partner_id}", response=PartnerUnitOut)
def get_partner_unit(request, partner_id: int):
    return get_object_or_404(selectors.partnerunit_list(user=request.user), pk=partner_id)


@router.get("/notifications", response=list[NotificationOut])
@paginate(PagePagination)
def list_notifications(request):
    return selectors.notification_list(user=request.user)


@router.post(
    "/notifications/read", response=CountOut, summary="Mark notifications read (all when ids is absent)"
)
def mark_notifications_read(request, payload: MarkReadIn):
    return {"count": services.notification_mark_read(user=request.user, notification_ids=payload.ids)}


class JobRunOut(Schema):
    id: int
    job: str
    run_key: str
    manual: bool
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    output: str


class JobStatusOut(Schema):
    key: str
    label: str
    command: str
    schedule: str
    next_due: datetime
    last_run: JobRunOut | None
    last_success: JobRunOut | None


def _require(request, perm):
    from django.core.exceptions import PermissionDenied

    if not request.user.has_perm(perm):
        raise PermissionDenied


@router.get("/jobs", response=list[JobStatusOut], summary="Periodic jobs with their schedule and last runs")
def list_jobs(request):
    _require(request, "core.view_jobs")
    return [
        {
            "key": s["job"].key,
            "label": str(s["job"].label),
            "command": s["job"].command,
            "schedule": s["schedule"],
            "next_due": s["next_due"],
            "last_run": s["last"],
            "last_success": s["last_success"],
        }
        for s in selectors.job_status()
    ]


@router.get("/job-runs", response=list[JobRunOut], summary="Runs of the periodic jobs, newest first")
@paginate(PagePagination)
def list_job_runs(request, job: str | None = None, outcome: str | None = None):
    _require(request, "core.view_jobs")
    return selectors.job_runs(job=job, outcome=outcome)


@router.post(
    "/jobs/{key}/run",
    response={201: JobRunOut},
    summary='Run a periodic job now; 409 {"code": "job_running"}',
)
def run_job(request, key: str):
    from django.http import Http404

    from . import scheduler

    _require(request, "core.run_jobs")
    job = scheduler.get_job(key)
    if job is None:
        raise Http404
    return Status(201, scheduler.run_now(job))
