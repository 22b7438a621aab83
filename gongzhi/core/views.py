import csv
import io
import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import WORKER_ROLES, Role
from gongzhi.accounts.scoping import communities_of, visible_units
from gongzhi.accounts.services import user_set_language

from . import geo, selectors, services
from .errors import ApplicationError
from .extension_points import home_panels
from .forms import GridStationForm, OrgUnitForm, PartnerUnitForm, partner_initial, station_initial
from .models import OrgUnit
from .pagination import paginate, querystring_without_page

log = logging.getLogger("gongzhi.core")
MANAGERS = (Role.COMMUNITY_STAFF, Role.SECRETARY)


def form_error(form, exc: ApplicationError):
    """Show a service's refusal on the form, next to the field it names."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        log.exception("healthz: database unreachable")
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


@require_POST
def set_language(request):
    """Switch the interface language (also before sign-in) and remember it: in a cookie, and on
    the account of a signed-in user."""
    from django.conf import settings

    lang = request.POST.get("language", "")
    target = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if lang and check_for_language(lang) and lang in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path="/",
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=lang)
    return response


@login_required
def home(request):
    user = request.user
    panels = []
    for panel in home_panels():
        if user.has_perm(panel.permission):
            html = panel.render(request)
            if html:
                panels.append(html)
    role = user.primary_role
    return render(
        request,
        "core/home.html",
        {
            "role": role,
            "role_label": Role(role).label if role else _("No role yet"),
            "assignments": user.assignments(),
            "panels": panels,
        },
    )


# --- organisation tree ---------------------------------------------------------------------------


@permission_required("core.view_orgunits", raise_exception=True)
def orgunit_list(request):
    kind = request.GET.get("kind") or None
    if kind not in OrgUnit.Kind.values:
        kind = None
    q = request.GET.get("q", "").strip()
    page = paginate(request, selectors.orgunit_list(user=request.user, kind=kind, q=q))
    return render(
        request,
        "core/orgunit_list.html",
        {
            "page": page,
            "kind": kind,
            "q": q,
            "kinds": OrgUnit.Kind.choices,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm("core.manage_orgunits"),
        },
    )


def _get_unit(request, pk):
    try:
        return selectors.orgunit_get(user=request.user, pk=pk)
    except OrgUnit.DoesNotExist as exc:
        raise Http404 from exc


@permission_required("core.view_orgunits", raise_exception=True)
def orgunit_detail(request, pk):
    unit = _get_unit(request, pk)
    return render(
        request,
        "core/orgunit_detail.html",
        {
            "unit": unit,
            "ancestors": selectors.orgunit_ancestors(unit).exclude(pk=unit.pk),
            "children": unit.children.order_by("name"),
            "stations": unit.stations.all() if unit.kind == OrgUnit.Kind.GRID else [],
            "partners": unit.partners.all() if unit.kind == OrgUnit.Kind.COMMUNITY else [],
            "can_manage": request.user.has_perm("core.manage_orgunit", unit),
        },
    )


@permission_required("core.manage_orgunits", raise_exception=True)
def orgunit_create(request):
    parents = visible_units(request.user, {Role.SYSTEM_ADMIN}).exclude(kind=OrgUnit.Kind.GRID)
    form = OrgUnitForm(request.POST or None, parents=parents, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.orgunit_create(actor=request.user, **data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": unit.name})
            return redirect("core:orgunit_detail", pk=unit.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("New org unit"), "back": reverse("core:orgunit_list")},
    )


@permission_required("core.manage_orgunits", raise_exception=True)
def orgunit_edit(request, pk):
    unit = _get_unit(request, pk)
    if not request.user.has_perm("core.manage_orgunit", unit):
        raise Http404
    initial = {f: getattr(unit, f) for f in ("kind", "name", "name_bo", "code", "address", "phone")}
    initial["parent"] = unit.parent_id
    initial["boundary"] = json.dumps(unit.boundary, ensure_ascii=False) if unit.boundary else ""
    form = OrgUnitForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        parents=OrgUnit.objects.filter(pk=unit.parent_id),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("name", "name_bo", "address", "phone")}
        upload = form.cleaned_data.get("boundary_file")
        boundary = upload.read(geo.MAX_TEXT + 1) if upload else form.cleaned_data.get("boundary", "")
        try:
            with transaction.atomic():
                services.orgunit_set_boundary(unit=unit, actor=request.user, boundary=boundary)
                services.orgunit_update(unit=unit, actor=request.user, **data)
        except ApplicationError as exc:
            unit.refresh_from_db()
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("core:orgunit_detail", pk=unit.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": unit.name},
            "back": reverse("core:orgunit_detail", args=[unit.pk]),
        },
    )


# --- grid stations -------------------------------------------------------------------------------


def _manager_grids(user):
    return visible_units(user, MANAGERS).filter(kind=OrgUnit.Kind.GRID)


def _duty_candidates(user):
    units = visible_units(user, MANAGERS)
    return (
        User.objects.filter(
            role_assignments__is_active=True,
            role_assignments__role__in=WORKER_ROLES,
            role_assignments__org_unit__in=units,
        )
        .distinct()
        .order_by("username")
    )


@permission_required("core.view_stations", raise_exception=True)
def station_list(request):
    page = paginate(request, selectors.gridstation_list(user=request.user))
    return render(
        request,
        "core/station_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm("core.manage_stations"),
        },
    )


@permission_required("core.manage_stations", raise_exception=True)
def station_edit(request, pk=None):
    station = None
    if pk is not None:
        station = selectors.gridstation_list(user=request.user).filter(pk=pk).first()
        if station is None or not request.user.has_perm("core.manage_station", station):
            raise Http404
    form = GridStationForm(
        request.POST or None,
        initial=station_initial(station) if station else None,
        grids=_manager_grids(request.user),
        staff=_duty_candidates(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.gridstation_save(actor=request.user, station=station, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("core:station_list")
    title = _("Edit grid station") if station else _("New grid station")
    return render(
        request, "core/form.html", {"form": form, "title": title, "back": reverse("core:station_list")}
    )


# --- partner units -------------------------------------------------------------------------------


@permission_required("core.view_partners", raise_exception=True)
def partner_list(request):
    kind = request.GET.get("kind") or None
    if kind not in dict(selectors.PartnerUnit.Kind.choices):
        kind = None
    q = request.GET.get("q", "").strip()
    page = paginate(request, selectors.partnerunit_list(user=request.user, kind=kind, q=q))
    return render(
        request,
        "core/partner_list.html",
        {
            "page": page,
            "qs": querystring_without_page(request),
            "kind": kind,
            "q": q,
            "kinds": selectors.PartnerUnit.Kind.choices,
            "can_manage": request.user.has_perm("core.manage_partners"),
        },
    )


@permission_required("core.view_partners", raise_exception=True)
def partner_detail(request, pk):
    partner = selectors.partnerunit_list(user=request.user).filter(pk=pk).first()
    if partner is None:
        raise Http404
    return render(
        request,
        "core/partner_detail.html",
        {
            "partner": partner,
            "can_manage": request.user.has_perm("core.manage_partner", partner),
        },
    )


@permission_required("core.manage_partners", raise_exception=True)
def partner_edit(request, pk=None):
    partner = None
    if pk is not None:
        partner = selectors.partnerunit_list(user=request.user).filter(pk=pk).first()
        if partner is None or not request.user.has_perm("core.manage_partner", partner):
            raise Http404
    form = PartnerUnitForm(
        request.POST or None,
        initial=partner_initial(partner) if partner else None,
        communities=communities_of(request.user, MANAGERS),
    )
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partnerunit_save(actor=request.user, partner=partner, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("core:partner_detail", pk=partner.pk)
    title = _("Edit partner unit") if partner else _("New partner unit")
    return render(
        request, "core/form.html", {"form": form, "title": title, "back": reverse("core:partner_list")}
    )


# --- notifications -------------------------------------------------------------------------------


@login_required
def notification_list(request):
    page = paginate(request, selectors.notification_list(user=request.user))
    return render(
        request, "core/notification_list.html", {"page": page, "qs": querystring_without_page(request)}
    )


@login_required
@require_POST
def notification_read(request):
    ids = request.POST.getlist("id")
    services.notification_mark_read(
        user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] if ids else None
    )
    return redirect("core:notification_list")


# --- error pages ---------------------------------------------------------------------------------


def error_403(request, exception=None):
    """A refused page. An anonymous visitor who opens a page is sent to sign in and brought back
    afterwards, whichever app refused it (login_required and the named rules then agree); a signed-in
    user without the permission sees the refusal."""
    user = getattr(request, "user", None)
    if request.method in ("GET", "HEAD") and (user is None or not user.is_authenticated):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors: the database may be the reason we are here.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())


def upload_serve(request, pk):
    """Serve an upload to a user the owning app allows; everyone else gets a 404."""
    from django.http import FileResponse

    from .models import StoredUpload
    from .uploads import can_view, upload_path

    upload = StoredUpload.objects.filter(pk=pk).first()
    if upload is None or not can_view(request.user, upload):
        raise Http404
    path = upload_path(upload)
    if not path.exists():
        raise Http404
    inline = upload.kind == StoredUpload.Kind.IMAGE
    response = FileResponse(
        path.open("rb"),
        content_type=upload.content_type,
        as_attachment=not inline,
        filename=upload.original_name or path.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- privacy notice -------------------------------------------------------------------------------


def privacy(request):
    """What Gongzhi collects about residents, why, on what basis, and their rights (PIPL)."""
    return render(request, "core/privacy.html")


# --- audit log (audit administrator only) ----------------------------------------------------------

AUDIT_EXPORT_MAX_ROWS = 50_000


@permission_required("accounts.view_audit", raise_exception=True)
def audit_list(request):
    from .forms import AuditFilterForm

    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_search(user=request.user, **form.filters())
    page = paginate(request, entries)
    return render(
        request,
        "core/audit_list.html",
        {"form": form, "page": page, "qs": querystring_without_page(request)},
    )


def _audit_rows(entries):
    from django.utils import timezone as tz

    for e in entries.iterator(chunk_size=2000):
        yield [
            e.id,
            tz.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.get_kind_display(),
            e.actor_name,
            e.role,
            e.org_unit.name if e.org_unit_id else "",
            e.action,
            e.object_type,
            e.object_id,
            e.get_outcome_display(),
            e.ip or "",
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
        ]


def _audit_header():
    return [
        _("No."),
        _("Time"),
        _("Kind"),
        _("User"),
        _("Role"),
        _("Org unit"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Outcome"),
        _("IP address"),
        _("Detail"),
    ]


def _safe_cell(value):
    """Spreadsheet formula injection: a cell that starts like a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@permission_required("accounts.view_audit", raise_exception=True)
def audit_export(request, fmt):
    """CSV or xlsx of the filtered audit entries; the export itself is an audit entry."""
    from django.http import HttpResponse
    from django.utils import timezone as tz

    from . import audit
    from .forms import AuditFilterForm
    from .models import AuditEntry

    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    entries = selectors.audit_search(user=request.user, **filters)[:AUDIT_EXPORT_MAX_ROWS]
    audit.record(
        actor=request.user,
        action="audit.export",
        kind=AuditEntry.Kind.EXPORT,
        object_type="core.auditentry",
        detail={"format": fmt, "filters": {k: str(v) for k, v in filters.items() if v}},
    )
    stamp = tz.localtime().strftime("%Y%m%d-%H%M")
    rows = ([_safe_cell(c) for c in row] for row in _audit_rows(entries))
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
        writer = csv.writer(buffer)
        writer.writerow(_audit_header())
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title="audit")
        ws.append([str(h) for h in _audit_header()])
        for row in rows:
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- periodic jobs (system admin) ----------------------------------------------------------------


@permission_required("core.view_jobs", raise_exception=True)
def job_list(request):
    from .models import JobRun
    from .scheduler import periodic_jobs

    keys = {j.key for j in periodic_jobs()}
    job = request.GET.get("job") if request.GET.get("job") in keys else None
    outcome = request.GET.get("outcome") if request.GET.get("outcome") in JobRun.Outcome.values else None
    page = paginate(request, selectors.job_runs(job=job, outcome=outcome))
    return render(
        request,
        "core/job_list.html",
        {
            "status": selectors.job_status(),
            "page": page,
            "qs": querystring_without_page(request),
            "job": job,
            "outcome": outcome,
            "outcomes": JobRun.Outcome.choices,
            "can_run": request.user.has_perm("core.run_jobs"),
        },
    )


@require_POST
@permission_required("core.run_jobs", raise_exception=True)
def job_run(request, key):
    from .models import JobRun
    from .scheduler import get_job, run_now

    job = get_job(key)
    if job is None:
        raise Http404
    try:
        run = run_now(job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('core:job_list')}?job={job.key}")
    if run.outcome == JobRun.Outcome.SUCCEEDED:
        last_line = run.output.splitlines()[-1] if run.output else "—"
        messages.success(request, _("The job ran: %(output)s") % {"output": last_line})
    else:
        messages.error(request, _("The job failed; see its output below."))
    return redirect(f"{reverse('core:job_list')}?job={job.key}")
