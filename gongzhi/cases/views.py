"""Pages of the cases app: thin — parse, check permission, call a service or selector, render."""

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES, Role
from gongzhi.accounts.scoping import communities_of, visible_units
from gongzhi.core import audit, crypto
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.core.pagination import paginate, paginate_keys_first, querystring_without_page
from gongzhi.core.ratelimit import limit
from gongzhi.core.views import form_error

from . import selectors, services
from .forms import (
    CallForm,
    CategoryForm,
    EntryForm,
    OutcomeForm,
    RateForm,
    ReportForm,
    SessionForm,
    TrackForm,
)
from .models import Case, Category, Mediation, Tier

# --- resident intake -------------------------------------------------------------------------------


def _home_of(user):
    from gongzhi.registry.selectors import resident_of_user

    return resident_of_user(user) if user.is_authenticated else None


@limit("cases.report", per_ip=10, per_user=10, window=600)
def report(request, channel=Case.Channel.RESIDENT_FORM):
    user = request.user
    resident = _home_of(user)
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        signed_in=user.is_authenticated,
        has_home=resident is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = data.get("community")
        try:
            case = services.case_create(
                actor=user,
                channel=channel,
                category=data["category"],
                description=data["description"],
                org_unit=community,
                reporter=user if user.is_authenticated else None,
                anonymous=data["anonymous"],
                location_kind=data["location_kind"],
                address=data["address"],
                lat=data["lat"],
                long=data["long"],
                photos=data["photos"],
                reporter_name=data.get("name", ""),
                reporter_phone=data.get("phone", ""),
                extra=_extra_from_post(request.POST, data["category"]),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            request.session["cases_last_code"] = case.tracking_code
            return redirect("cases:submitted")
    title = _("Red mailbox") if channel == Case.Channel.RED_MAILBOX else _("Report a need or a problem")
    return render(request, "cases/report.html", {"form": form, "title": title, "channel": channel})


def _extra_from_post(post, category) -> dict:
    """The answers to the category's extra questions, posted as extra_<code> fields."""
    answers = {}
    for spec in (category.extra_fields if category else None) or []:
        key = f"extra_{spec.get('code')}"
        if spec.get("datatype") == "multivaluelist":
            answers[spec["code"]] = post.getlist(key)
        else:
            answers[spec["code"]] = post.get(key, "").strip()
    return answers


@require_GET
def extra_fields(request):
    """htmx: the extra questions of the chosen category."""
    category = Category.objects.filter(pk=_int(request.GET.get("category")), is_active=True).first()
    return render(
        request, "cases/partials/extra_fields.html", {"specs": category.extra_fields if category else []}
    )


def mailbox(request):
    return report(request, channel=Case.Channel.RED_MAILBOX)


def submitted(request):
    code = request.session.get("cases_last_code")
    if not code:
        return redirect("cases:track")
    return render(request, "cases/submitted.html", {"code": code})


@require_GET
def duplicates(request):
    """htmx: open cases of the same category near the point or at the address being typed."""
    try:
        category = Category.objects.get(pk=int(request.GET.get("category") or 0))
    except (Category.DoesNotExist, ValueError):
        return HttpResponse("")
    resident = _home_of(request.user)
    community = _community_from(request, "org_unit" if "org_unit" in request.GET else "community")
    lat, long = request.GET.get("lat") or None, request.GET.get("long") or None
    try:
        lat, long = (float(lat), float(long)) if lat and long else (None, None)
    except ValueError:
        lat = long = None
    address = request.GET.get("address", "")
    if request.GET.get("location_kind") == Case.LocationKind.REGISTERED and resident is not None:
        address = resident.household.address
    found = selectors.duplicates_near(
        community=community, category=category, lat=lat, long=long, address=address
    )
    return render(request, "cases/partials/duplicates.html", {"found": found})


def _community_from(request, param: str = "community"):
    """The community named by a grid or community id in the query, else the user's home community."""
    value = request.GET.get(param, "")
    if value.isdigit():
        unit = OrgUnit.objects.filter(
            pk=int(value), kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY], is_active=True
        ).first()
        if unit is not None:
            return unit.parent if unit.kind == OrgUnit.Kind.GRID else unit
        return None
    resident = _home_of(request.user)
    return resident.household.org_unit.parent if resident is not None else None


@require_GET
def map_points(request):
    """JSON for the location picker: where to open and the open cases already marked nearby."""
    data = selectors.map_points(community=_community_from(request))
    bo = (translation.get_language() or "").startswith("bo")
    for point in data["points"]:
        name_bo = point.pop("name_bo")
        if bo and name_bo:
            point["name"] = name_bo
    return JsonResponse(data)


@limit("cases.track", per_ip=30, window=60, methods=("GET", "POST"))
def track(request):
    code = (request.POST.get("code") or request.GET.get("code") or "").strip().upper()
    case = selectors.case_by_tracking_code(code) if code else None
    rate_form = RateForm(request.POST or None, prefix="rate")
    if request.method == "POST" and case is not None:
        try:
            if request.POST.get("do") == "rate" and rate_form.is_valid():
                services.case_rate(
                    actor=request.user,
                    case=case,
                    stars=rate_form.cleaned_data["stars"],
                    comment=rate_form.cleaned_data["comment"],
                    tracking_code=code,
                )
                messages.success(request, _("Thank you for your rating."))
            elif request.POST.get("do") == "dispute":
                services.case_transition(
                    actor=request.user,
                    case=case,
                    action="dispute",
                    note=request.POST.get("note", ""),
                    tracking_code=code,
                )
                messages.success(request, _("The case has been reopened."))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        case = selectors.case_by_tracking_code(code)
    status = 404 if code and case is None else 200
    return render(
        request,
        "cases/track.html",
        {
            "form": TrackForm(initial={"code": code}),
            "code": code,
            "case": case,
            "not_found": code and case is None,
            "rate_form": RateForm(prefix="rate"),
            "labels": services.ACTION_LABELS,
        },
        status=status,
    )


@login_required
def my_cases(request):
    page = paginate(request, selectors.my_cases(user=request.user))
    return render(request, "cases/my_cases.html", {"page": page, "qs": querystring_without_page(request)})


# --- staff queues ----------------------------------------------------------------------------------


def _queue_filters(request):
    g = request.GET
    return {
        "status": g.get("status") if g.get("status") in Case.Status.values else None,
        "tier": g.get("tier") if g.get("tier") in Tier.values else None,
        "channel": g.get("channel") if g.get("channel") in Case.Channel.values else None,
        "category": g.get("category") or None,
        "open_only": g.get("open") == "1",
        "overdue": g.get("overdue") == "1",
        "q": g.get("q", "").strip()[:50],
    }


@permission_required("cases.view_queue", raise_exception=True)
def queue(request):
    filters = _queue_filters(request)
    page = paginate_keys_first(
        request, selectors.queue_rows(selectors.case_queue(user=request.user, **filters))
    )
    context = {
        "page": page,
        "f": filters,
        "qs": querystring_without_page(request),
        "statuses": Case.Status.choices,
        "tiers": Tier.choices,
        "channels": Case.Channel.choices,
        "counts": selectors.queue_counts(user=request.user),
        "now": timezone.now(),
        "can_enter": request.user.has_perm("cases.enter_case"),
        "can_categories": request.user.has_perm("cases.manage_categories"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "cases/partials/queue_rows.html", context)
    return render(request, "cases/queue.html", context)


def _entry_channels(user):
    channels = []
    if user.has_role(Role.GRID_WORKER):
        channels.append((Case.Channel.PATROL, Case.Channel.PATROL.label))
    channels.append((Case.Channel.STAFF_ENTRY, Case.Channel.STAFF_ENTRY.label))
    return channels


@permission_required("cases.enter_case", raise_exception=True)
def enter(request):
    units = visible_units(request.user, WORKER_ROLES).filter(
        kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY]
    )
    ancestor_ids = {i for unit in units for i in unit.ancestor_ids}
    categories = Category.objects.filter(is_active=True, org_unit_id__in=ancestor_ids)
    form = EntryForm(
        request.POST or None,
        request.FILES or None,
        units=units,
        categories=categories,
        channels=_entry_channels(request.user),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        has_point = d["lat"] is not None and d["long"] is not None
        try:
            case = services.case_create(
                actor=request.user,
                channel=d["channel"],
                category=d["category"],
                description=d["description"],
                org_unit=d["org_unit"],
                address=d["address"],
                lat=d["lat"],
                long=d["long"],
                location_kind=Case.LocationKind.POINT
                if has_point
                else (Case.LocationKind.ADDRESS if d["address"] else Case.LocationKind.NONE),
                reporter_name=d["name"],
                reporter_phone=d["phone"],
                photos=d["photos"],
                extra=_extra_from_post(request.POST, d["category"]),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Case #%(n)s has been recorded.") % {"n": case.pk})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/enter.html", {"form": form, "title": _("Record a case")})


def _station(request, pk):
    try:
        station = selectors.station_for(user=request.user, pk=pk)
    except Exception as exc:  # noqa: BLE001 - DoesNotExist or MultipleObjectsReturned both mean "not yours"
        raise Http404 from exc
    if not request.user.has_perm("cases.log_call", station):
        raise Http404
    return station


@login_required
def station(request, pk):
    """The duty person's page at a grid station: log a one-click call in three fields, and watch the
    grid's open cases refresh every few seconds."""
    station = _station(request, pk)
    form = CallForm(request.POST or None, categories=selectors.categories_for(station.org_unit))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_create(
                actor=request.user,
                channel=Case.Channel.STATION_CALL,
                category=d["category"],
                description=d["note"],
                station=station,
                reporter_phone=d["phone"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Call logged as case #%(n)s.") % {"n": case.pk})
            return redirect("cases:station", pk=station.pk)
    return render(
        request, "cases/station.html", {"station": station, "form": form, **_station_cases(request, station)}
    )


def _station_cases(request, station):
    cases = list(
        selectors._list_related(
            Case.objects.filter(org_unit=station.org_unit, status__in=Case.OPEN_STATES)
        ).order_by("-created_at", "-id")[:30]
    )
    return {"cases": cases, "now": timezone.now()}


@login_required
def station_open(request, pk):
    station = _station(request, pk)
    return render(
        request, "cases/partials/open_cases.html", {"station": station, **_station_cases(request, station)}
    )


@permission_required("cases.view_queue", raise_exception=True)
def grid_open(request):
    """htmx: the open cases of the grids the user covers (the grid worker's live list)."""
    return render(
        request,
        "cases/partials/open_cases.html",
        {"cases": selectors.grid_open_cases(user=request.user, limit=30), "now": timezone.now()},
    )


# --- one case ---------------------------------------------------------------------------------------


def _get(request, pk) -> Case:
    try:
        return selectors.case_get(user=request.user, pk=pk)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def detail(request, pk):
    case = _get(request, pk)
    user = request.user
    can_handle = user.has_perm("cases.handle_case", case)
    is_staff_view = user.has_perm("cases.view_queue")
    allowed = services.allowed_actions(case)
    context = {
        "case": case,
        "labels": services.ACTION_LABELS,
        "allowed": allowed,
        "can_handle": can_handle,
        "can_manage": user.has_perm("cases.manage_case", case),
        "can_report_part": "report_part" in allowed and user.has_perm("cases.report_part", case),
        "is_reporter": case.reporter_id == user.pk,
        "is_staff_view": is_staff_view,
        "rate_form": RateForm(),
        "tiers": Tier.choices,
        "reject_reasons": Case.RejectReason.choices,
        "now": timezone.now(),
    }
    if can_handle:
        context["grids"] = OrgUnit.objects.filter(parent=case.community, kind=OrgUnit.Kind.GRID).order_by(
            "name"
        )
        context["assignees"] = (
            User.objects.filter(
                Q(role_assignments__org_unit=case.org_unit) | Q(role_assignments__org_unit=case.community),
                role_assignments__role__in=list(WORKER_ROLES),
                role_assignments__is_active=True,
            )
            .distinct()
            .order_by("display_name")
        )
        context["partners"] = PartnerUnit.objects.filter(org_unit=case.community, is_active=True).order_by(
            "name"
        )
        context["default_partner_ids"] = (
            {p.pk for p in services.default_partners(case)}
            if case.tier == Tier.JOINT and not case.participants.all()
            else set()
        )
        context["duplicates"] = (
            selectors.duplicates_near(
                community=case.community,
                category=case.category,
                lat=case.lat,
                long=case.long,
                address=case.address,
                exclude_pk=case.pk,
            )
            if case.is_open
            else []
        )
        if case.kind == Case.Kind.MEDIATION:
            context["session_form"] = SessionForm()
            context["outcome_form"] = OutcomeForm()
            context["dispute_types"] = Mediation.DisputeType.choices
    if is_staff_view and case.reporter_phone and not case.anonymous:
        audit.record_access(actor=user, obj=case, what="case.reporter", org_unit=case.org_unit)
        context["reporter_phone"] = crypto.mask_phone(case.reporter_phone)
    return render(request, "cases/detail.html", context)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@login_required
def act(request, pk):
    case = _get(request, pk)
    user, post = request.user, request.POST
    action = post.get("action", "")
    params = {}
    if action == "dispute":
        if case.reporter_id != user.pk:
            raise PermissionDenied
    elif action == "report_part":
        if not user.has_perm("cases.report_part", case):
            raise PermissionDenied
        if user.has_perm("cases.manage_case", case) and post.get("partner"):
            params["partner"] = case.participants.filter(partner_id=_int(post.get("partner"))).first()
            params["partner"] = params["partner"].partner if params["partner"] else None
    else:
        if not user.has_perm("cases.handle_case", case):
            raise PermissionDenied
        if action == "accept" and post.get("grid"):
            params["grid"] = OrgUnit.objects.filter(pk=_int(post.get("grid")), parent=case.community).first()
        if action == "reject":
            params["reason"] = post.get("reason", "")
            master_id = _int(post.get("duplicate_of"))
            if master_id:
                params["duplicate_of"] = Case.objects.filter(pk=master_id, community=case.community).first()
        if action == "assign":
            if post.get("assignee"):
                params["assignee"] = User.objects.filter(pk=_int(post.get("assignee"))).first()
            ids = [i for i in (_int(v) for v in post.getlist("partners")) if i]
            params["partners"] = list(PartnerUnit.objects.filter(pk__in=ids, org_unit=case.community))
        if action in ("escalate", "deescalate"):
            params["tier"] = post.get("tier")
        if action == "resolve":
            params["photos"] = request.FILES.getlist("photos")[:3]
    try:
        services.case_transition(actor=user, case=case, action=action, note=post.get("note", ""), **params)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("cases:detail", pk=case.pk)


@require_POST
@login_required
def rate(request, pk):
    case = _get(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose between 1 and 5 stars."))
    else:
        try:
            services.case_rate(
                actor=request.user,
                case=case,
                stars=form.cleaned_data["stars"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect("cases:detail", pk=case.pk)


@require_POST
@login_required
def merge(request, pk):
    case = _get(request, pk)
    if not request.user.has_perm("cases.manage_case", case):
        raise PermissionDenied
    master = Case.objects.filter(pk=_int(request.POST.get("master")), community=case.community).first()
    if master is None:
        messages.error(request, _("No case with that number in this community."))
        return redirect("cases:detail", pk=case.pk)
    try:
        services.case_merge(
            actor=request.user, duplicate=case, master=master, note=request.POST.get("note", "")
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("cases:detail", pk=case.pk)
    messages.success(request, _("Merged into case #%(n)s.") % {"n": master.pk})
    return redirect("cases:detail", pk=master.pk)


@require_POST
@login_required
def mediation(request, pk):
    case = _get(request, pk)
    if not request.user.has_perm("cases.handle_case", case):
        raise PermissionDenied
    what, post = request.POST.get("what"), request.POST
    try:
        if what == "type":
            services.mediation_update(
                actor=request.user, case=case, dispute_type=post.get("dispute_type", "")
            )
        elif what == "party":
            # A party is anybody; a resident of the community is linked by their phone number.
            resident = None
            if post.get("phone", "").strip():
                resident = services._match_resident(post["phone"], case.community)
                if resident is None:
                    raise ApplicationError(
                        _("No resident of this community has that phone number."), field="phone"
                    )
            services.mediation_party_add(
                actor=request.user,
                case=case,
                name=post.get("name", ""),
                role=post.get("role", ""),
                resident=resident,
            )
        elif what == "session":
            form = SessionForm(post)
            if not form.is_valid():
                raise ApplicationError(_("Give the date and time of the session."), field="held_at")
            d = form.cleaned_data
            volunteer = None
            if d["volunteer_phone"]:
                volunteer = services._match_resident(d["volunteer_phone"], case.community)
                if volunteer is None:
                    raise ApplicationError(
                        _("No resident of this community has that phone number."), field="volunteer_phone"
                    )
            services.mediation_session_add(
                actor=request.user,
                case=case,
                held_at=d["held_at"],
                room=d["room"],
                notes=d["notes"],
                volunteer=volunteer,
            )
        elif what == "outcome":
            form = OutcomeForm(post, request.FILES)
            if not form.is_valid():
                raise ApplicationError(_("Choose the outcome."), field="outcome")
            d = form.cleaned_data
            services.mediation_record_outcome(
                actor=request.user,
                case=case,
                outcome=d["outcome"],
                agreement_text=d["agreement_text"],
                agreement_file=d["agreement_file"],
            )
        elif what == "follow_up":
            services.mediation_follow_up(
                actor=request.user, case=case, visited_at=timezone.now(), note=post.get("note", "")
            )
        else:
            raise ApplicationError(_("Unknown mediation step."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("cases:detail", pk=case.pk)


# --- metrics ----------------------------------------------------------------------------------------


def _metrics_args(request):
    units = visible_units(request.user, READER_ROLES).exclude(kind=OrgUnit.Kind.DISTRICT).order_by("path")
    unit = None
    if request.GET.get("org_unit", "").isdigit():
        unit = units.filter(pk=int(request.GET["org_unit"])).first()
    month = None
    try:
        if request.GET.get("month"):
            month = datetime.datetime.strptime(request.GET["month"], "%Y-%m").date()
    except ValueError:
        month = None
    return units, unit, month


GROUP_LABELS = {
    "community": gettext_lazy("By community"),
    "grid": gettext_lazy("By grid"),
    "category": gettext_lazy("By category"),
    "handling_unit": gettext_lazy("By lead handling unit"),
    "month": gettext_lazy("By month"),
}


@permission_required("cases.view_metrics", raise_exception=True)
def metrics(request):
    units, unit, month = _metrics_args(request)
    data = selectors.metrics(user=request.user, org_unit=unit, month=month)
    chart = {
        "months": [r["name"] for r in data["month"]],
        "response": [r["response_rate"] for r in data["month"]],
        "resolution": [r["resolution_rate"] for r in data["month"]],
        "satisfaction": [r["satisfaction_rate"] for r in data["month"]],
        "totals": [r["total"] for r in data["month"]],
        "labels": {
            "response": _("Response rate"),
            "resolution": _("Resolution rate"),
            "satisfaction": _("Satisfaction rate"),
            "totals": _("Cases"),
        },
    }
    groups = [(GROUP_LABELS[k], data[k]) for k in ("community", "grid", "category", "handling_unit", "month")]
    return render(
        request,
        "cases/metrics.html",
        {
            "data": data,
            "groups": groups,
            "chart": chart,
            "units": units,
            "unit": unit,
            "month": month,
            "qs": request.GET.urlencode(),
        },
    )


COLUMNS = [
    ("name", gettext_lazy("Group")),
    ("total", gettext_lazy("Cases")),
    ("response_rate", gettext_lazy("Response rate %")),
    ("resolution_rate", gettext_lazy("Resolution rate %")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate %")),
    ("on_time_rate", gettext_lazy("On-time rate %")),
    ("avg_handling_hours", gettext_lazy("Average handling time (hours)")),
    ("reopen_rate", gettext_lazy("Reopen rate %")),
    ("rated_share", gettext_lazy("Rated share %")),
]


@permission_required("cases.view_metrics", raise_exception=True)
def metrics_xlsx(request):
    from openpyxl import Workbook

    _units, unit, month = _metrics_args(request)
    data = selectors.metrics(user=request.user, org_unit=unit, month=month)
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Overall"))[:31]
    sheet.append([str(label) for _k, label in COLUMNS])
    sheet.append([str(_("All cases"))] + [data["overall"].get(k) for k, _l in COLUMNS[1:]])
    for key, label in GROUP_LABELS.items():
        ws = book.create_sheet(str(label)[:31])
        ws.append([str(col) for _k, col in COLUMNS])
        for row in data[key]:
            ws.append([row.get(k) for k, _l in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(actor=request.user, action="cases.metrics_export", kind="export", org_unit=unit)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="case-metrics.xlsx"'
    return response


# --- categories -------------------------------------------------------------------------------------


@permission_required("cases.view_queue", raise_exception=True)
def category_list(request):
    return render(
        request,
        "cases/category_list.html",
        {
            "categories": selectors.category_list(user=request.user).order_by("sort_order", "code"),
            "can_manage": request.user.has_perm("cases.manage_categories"),
        },
    )


@permission_required("cases.manage_categories", raise_exception=True)
def category_edit(request, pk=None):
    communities = communities_of(request.user, (Role.COMMUNITY_STAFF, Role.SECRETARY))
    category = None
    if pk is not None:
        category = Category.objects.filter(pk=pk, org_unit__in=communities).first()
        if category is None:
            raise Http404
    community = category.org_unit if category else communities.first()
    if community is None:
        raise Http404
    initial = {}
    if category:
        initial = {
            f: getattr(category, f)
            for f in (
                "code",
                "name",
                "name_bo",
                "description",
                "default_tier",
                "is_mediation",
                "response_amount",
                "response_unit",
                "resolution_amount",
                "resolution_unit",
                "sort_order",
                "is_active",
            )
        }
        import json

        initial["extra_fields"] = json.dumps(category.extra_fields, ensure_ascii=False)
        initial["parent"] = category.parent_id
        initial["handling_units"] = list(category.handling_units.values_list("pk", flat=True))
    form = CategoryForm(
        request.POST or None,
        initial=initial,
        parents=Category.objects.filter(org_unit__in=communities).exclude(pk=pk or 0),
        partners=PartnerUnit.objects.filter(org_unit=community, is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(
                actor=request.user, category=category, org_unit=community, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Category saved."))
            return redirect("cases:category_list")
    title = _("Edit category") if category else _("New category")
    return render(request, "core/form.html", {"form": form, "title": title, "back": "/cases/categories/"})
