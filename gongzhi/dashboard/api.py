"""`/api/v1/dashboard/`: the metric definitions, the units a user may open, and per unit and period
the cockpit figures (with the same period a year earlier), the figures per child unit with ranks,
and the work-report sentences. Aggregates only: a display account may read them too."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from gongzhi.api.pagination import PagePagination
from gongzhi.core.errors import ApplicationError
from gongzhi.core.extension_points import cockpit_metrics

from . import selectors
from .periods import Period
from .rules import SCREEN_ROLES

router = Router(tags=["dashboard"])


class MetricOut(Schema):
    key: str
    label: str
    section: str
    section_label: str
    kind: str
    unit: str
    numerator: str
    denominator: str
    tile: bool
    description: str


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    code: str
    parent_id: int | None


class FigureOut(Schema):
    key: str
    label: str
    section: str
    value: Decimal | None
    previous: Decimal | None
    change: Decimal | None
    change_text: str


class ChildOut(Schema):
    unit_id: int | None
    name: str
    values: dict[str, Decimal | None]
    ranks: dict[str, int]


class CockpitOut(Schema):
    unit: UnitOut
    period: str
    compared_with: str | None
    refreshed_at: datetime.datetime | None
    figures: list[FigureOut]
    children: list[ChildOut]


class MapFeatureOut(Schema):
    type: str = "Feature"
    properties: dict
    geometry: dict


class MapOut(Schema):
    type: str = "FeatureCollection"
    period: str
    features: list[MapFeatureOut]


class ReportOut(Schema):
    unit: UnitOut
    period: str
    refreshed_at: datetime.datetime | None
    sentences: list[str]


def _unit(request, pk: int):
    if not request.user.has_perm("dashboard.open"):
        raise PermissionDenied
    unit = selectors.unit_get(user=request.user, roles=SCREEN_ROLES, pk=pk)
    if unit is None:
        raise Http404
    return unit


def _period(text: str | None) -> Period:
    try:
        return Period.parse(text, today=timezone.localdate())
    except ValueError as exc:
        raise ApplicationError(
            _("Choose a period as a year (2026) or a month (2026-05)."), code="invalid_period", field="period"
        ) from exc


@router.get(
    "/metrics",
    url_name="dashboard_metrics",
    response=list[MetricOut],
    summary="The figures of the cockpit and their definitions",
)
def metrics(request):
    if not request.user.has_perm("dashboard.open"):
        raise PermissionDenied
    return [
        {
            "key": m.key,
            "label": str(m.label),
            "section": m.section,
            "section_label": str(m.section_label),
            "kind": m.kind,
            "unit": m.unit,
            "numerator": m.numerator,
            "denominator": m.denominator,
            "tile": m.tile,
            "description": str(m.description),
        }
        for m in cockpit_metrics()
    ]


@router.get(
    "/units",
    url_name="dashboard_units",
    response=list[UnitOut],
    summary="The community, street and county cockpits the user may open",
)
@paginate(PagePagination)
def units(request):
    if not request.user.has_perm("dashboard.open"):
        raise PermissionDenied
    return selectors.units_for(user=request.user, roles=SCREEN_ROLES)


@router.get(
    "/units/{pk}/cockpit",
    url_name="dashboard_cockpit",
    response=CockpitOut,
    summary='Figures of a unit for a period ("2026" or "2026-05", default this year), a year earlier, and per child unit',
)
def cockpit(request, pk: int, period: str | None = None):
    unit = _unit(request, pk)
    p = _period(period)
    s = selectors.summary(unit=unit, period=p, with_trend=False)
    return {
        "unit": unit,
        "period": p.key,
        "compared_with": p.previous.key if s.compared else None,
        "refreshed_at": s.refreshed_at,
        "figures": [
            {
                "key": f.metric.key,
                "label": str(f.metric.label),
                "section": f.metric.section,
                "value": f.value,
                "previous": f.previous,
                "change": f.change,
                "change_text": f.change_text,
            }
            for f in s.figures.values()
        ],
        "children": [
            {
                "unit_id": c["unit"].pk if c["unit"] else None,
                "name": selectors.child_name(s, c),
                "values": c["values"],
                "ranks": c.get("ranks", {}),
            }
            for c in s.children
        ],
    }


@router.get(
    "/units/{pk}/report",
    url_name="dashboard_report",
    response=ReportOut,
    summary="The work report of a unit for a period, as sentences",
)
def report(request, pk: int, period: str | None = None):
    unit = _unit(request, pk)
    p = _period(period)
    s = selectors.summary(unit=unit, period=p, with_children=False, with_trend=False)
    return {
        "unit": unit,
        "period": p.key,
        "refreshed_at": s.refreshed_at,
        "sentences": selectors.report_sentences(s),
    }


@router.get(
    "/units/{pk}/map",
    url_name="dashboard_map",
    response=MapOut,
    summary="The units below a unit that have a boundary, as GeoJSON features with their figures for a period",
    description=(
        "A GeoJSON FeatureCollection (longitude, latitude): one feature per child unit (grid, community or "
        "street) that has a boundary, its properties the unit's id, name and every figure of the period. "
        "No features when no child unit has a boundary."
    ),
)
def unit_map(request, pk: int, period: str | None = None):
    unit = _unit(request, pk)
    p = _period(period)
    s = selectors.summary(unit=unit, period=p, with_trend=False)
    return {
        "period": p.key,
        "features": [
            {
                "properties": {"unit_id": c["unit"].pk, "name": c["unit"].name, "values": c["values"]},
                "geometry": c["unit"].boundary,
            }
            for c in s.children
            if c["unit"] is not None and c["unit"].boundary
        ],
    }
