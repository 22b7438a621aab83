"""Pages of the cockpit. Thin: parse the unit and period, check the permission, read the summaries."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.core import audit
from gongzhi.core.models import OrgUnit

from . import exports, selectors
from .periods import Period
from .rules import COCKPIT_ROLES, SCREEN_ROLES

SCREEN_REFRESH_SECONDS = 300
REPORT_LANGUAGE = "zh-hans"


def _unit_or_404(request, pk: int, roles) -> OrgUnit:
    unit = selectors.unit_get(user=request.user, roles=roles, pk=pk)
    if unit is None:
        raise Http404
    return unit


def _period(request, today: datetime.date) -> Period:
    """The period asked for, or this year with a message when the request names none we know."""
    try:
        return Period.parse(request.GET.get("period"), today=today)
    except ValueError:
        messages.error(request, _("Choose a period as a year (2026) or a month (2026-05)."))
        return Period(today.year)


def _period_choices(today: datetime.date) -> list[Period]:
    out = []
    for year in (today.year, today.year - 1, today.year - 2):
        out.append(Period(year))
        out.extend(p for p in reversed(Period(year).months()) if not p.is_future(today))
    return out


@login_required
def index(request):
    if not request.user.has_perm("dashboard.view_cockpit"):
        if request.user.has_perm("dashboard.view_screen"):
            unit = selectors.home_unit(user=request.user, roles=SCREEN_ROLES)
            if unit is not None:
                return redirect("dashboard:screen", pk=unit.pk)
        raise PermissionDenied
    wanted = request.GET.get("unit", "")
    if wanted.isdigit():
        target = reverse("dashboard:cockpit", args=[int(wanted)])
        period = request.GET.get("period", "")
        return redirect(f"{target}?period={period}" if Period.parse_ok(period) else target)
    unit = selectors.home_unit(user=request.user, roles=COCKPIT_ROLES)
    if unit is None:
        raise Http404
    return redirect("dashboard:cockpit", pk=unit.pk)


@login_required
def cockpit(request, pk: int):
    unit = _unit_or_404(request, pk, COCKPIT_ROLES)
    today = timezone.localdate()
    period = _period(request, today)
    summary = selectors.summary(unit=unit, period=period)
    summary.top_volunteers = selectors.top_volunteers(unit=unit, period=period)
    return render(
        request,
        "dashboard/cockpit.html",
        {
            "unit": unit,
            "s": summary,
            "period": period,
            "periods": _period_choices(today),
            "ancestors": OrgUnit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("depth"),
            "units": selectors.units_for(user=request.user, roles=COCKPIT_ROLES)[:200],
            "chart": selectors.chart_data(summary),
            "map": selectors.map_data(summary),
            "definitions": selectors.definitions(summary),
            "rollup": selectors.rollup_table(summary, request.GET.get("sort", "")),
            "can_refresh": request.user.has_perm("dashboard.refresh"),
        },
    )


@login_required
def screen(request, pk: int):
    """The wall display (大屏): aggregates only, dark, reloading itself every few minutes."""
    unit = _unit_or_404(request, pk, SCREEN_ROLES)
    today = timezone.localdate()
    period = _period(request, today)
    summary = selectors.summary(unit=unit, period=period)
    return render(
        request,
        "dashboard/screen.html",
        {
            "unit": unit,
            "s": summary,
            "period": period,
            "chart": selectors.chart_data(summary),
            "map": selectors.map_data(summary),
            "refresh_seconds": SCREEN_REFRESH_SECONDS,
            "now": timezone.localtime(),
        },
    )


@login_required
def report(request, pk: int):
    """The monthly or yearly work summary as a printable A4 page."""
    unit = _unit_or_404(request, pk, COCKPIT_ROLES)
    today = timezone.localdate()
    period = _period(request, today)
    with translation.override(REPORT_LANGUAGE):  # the work summary goes to the street in Chinese
        summary = selectors.summary(unit=unit, period=period, with_trend=False)
        return render(
            request,
            "dashboard/report.html",
            {
                "unit": unit,
                "s": summary,
                "period": period,
                "periods": _period_choices(today),
                "sentences": selectors.report_sentences(summary),
                "today": today,
            },
        )


@login_required
def report_xlsx(request, pk: int):
    unit = _unit_or_404(request, pk, COCKPIT_ROLES)
    today = timezone.localdate()
    period = _period(request, today)
    summary = selectors.summary(unit=unit, period=period, with_trend=False)
    audit.record(
        actor=request.user,
        action="dashboard.report_export",
        kind="export",
        org_unit=unit,
        object_type="core.orgunit",
        object_id=str(unit.pk),
        detail={"period": period.key},
    )
    with translation.override(REPORT_LANGUAGE):
        content = exports.report_xlsx(summary, selectors.report_sentences(summary))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="report-{unit.code}-{period.key}.xlsx"'
    return response


@require_POST
@permission_required("dashboard.refresh", raise_exception=True)
def refresh(request):
    """Queue a recomputation of the summaries (the background job also runs from cron)."""
    from .tasks import refresh as refresh_task

    try:
        year = int(request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= timezone.localdate().year:
        year = timezone.localdate().year
    audit.record(actor=request.user, action="dashboard.refresh_requested", detail={"year": year})
    transaction.on_commit(lambda: refresh_task.enqueue(year=year))
    messages.success(request, _("The figures are being recomputed; reload the page in a minute."))
    target = request.POST.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("dashboard:index")
    return redirect(target)
