"""Reads of the cockpit, roll-ups, large screen and reports. Everything comes from the summaries
(`MetricValue`), so a page costs the same handful of queries for one community or for a street of
sixty: the period's refresh record, the totals of the period and its comparison, the figures per
child unit (grids, communities or streets), the child units' names and the monthly trend."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from gongzhi.accounts.scoping import visible_units
from gongzhi.core.extension_points import CockpitMetric, cockpit_metrics
from gongzhi.core.models import OrgUnit
from gongzhi.core.templatetags.gongzhi import local_name

from .models import MetricValue, SummaryPeriod
from .periods import Period

CockpitKinds = (OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY)
UNIT_SUFFIX = {"yuan": "yuan", "points": "points", "hours": "hours", "%": "%"}


def unit_suffix(unit: str) -> str:
    return {"yuan": _("yuan"), "points": _("points"), "hours": _("hours"), "%": "%"}.get(unit, "")


def format_value(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "yuan":
        return f"{value:,.2f}"
    if unit == "hours":
        return f"{value:,.1f}"
    return f"{int(value):,}"


@dataclass
class Figure:
    """A metric's value in the period and in the same period a year earlier."""

    metric: CockpitMetric
    value: Decimal | None
    previous: Decimal | None

    @property
    def text(self) -> str:
        return format_value(self.value, self.metric.unit)

    @property
    def previous_text(self) -> str:
        return format_value(self.previous, self.metric.unit)

    @property
    def suffix(self) -> str:
        return unit_suffix(self.metric.unit) if self.metric.unit != "%" else ""

    @property
    def change(self) -> Decimal | None:
        """Percent change on a year earlier (percentage points for a rate); None when there is
        no earlier figure to compare with."""
        if self.value is None or self.previous is None:
            return None
        if self.metric.kind == "ratio":
            return (self.value - self.previous).quantize(Decimal("0.1"))
        if not self.previous:
            return None
        return ((self.value - self.previous) * 100 / self.previous).quantize(Decimal("0.1"))

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "—"
        sign = "+" if change > 0 else ""
        if self.metric.kind == "ratio":
            return _("%(sign)s%(points)s pts") % {"sign": sign, "points": change}
        return f"{sign}{change}%"

    @property
    def direction(self) -> str:
        change = self.change
        if change is None:
            return "none"
        return "up" if change > 0 else "down" if change < 0 else "flat"

    def change_phrase(self) -> str:
        """For a sentence: "up 12.5% on the same period last year"."""
        change = self.change
        if change is None:
            return _("with no figure of a year earlier to compare")
        if self.metric.kind == "ratio":
            if change > 0:
                return _("up %(n)s points on a year earlier") % {"n": change}
            if change < 0:
                return _("down %(n)s points on a year earlier") % {"n": -change}
            return _("the same as a year earlier")
        if change > 0:
            return _("up %(n)s%% on the same period last year") % {"n": change}
        if change < 0:
            return _("down %(n)s%% on the same period last year") % {"n": -change}
        return _("the same as in the same period last year")


@dataclass
class Summary:
    unit: OrgUnit
    period: Period
    refreshed_at: datetime.datetime | None
    computed: bool
    compared: bool
    figures: dict[str, Figure] = field(default_factory=dict)
    sections: list[tuple[str, list[Figure]]] = field(default_factory=list)
    children: list[dict] = field(default_factory=list)
    child_kind: str = ""
    trend: dict = field(default_factory=dict)
    top_volunteers: list[dict] = field(default_factory=list)

    def value(self, key: str) -> Decimal | None:
        figure = self.figures.get(key)
        return figure.value if figure else None


# --- which units a user may open -----------------------------------------------------------------------


def units_for(*, user, roles) -> QuerySet:
    return visible_units(user, roles).filter(kind__in=CockpitKinds).order_by("path")


def home_unit(*, user, roles) -> OrgUnit | None:
    """The highest unit the user's roles reach (a grid role reaches its community's cockpit no further)."""
    units = [a.org_unit for a in user.assignments() if a.role in roles and a.org_unit.kind in CockpitKinds]
    return min(units, key=lambda u: (u.depth, u.path)) if units else None


def unit_get(*, user, roles, pk: int) -> OrgUnit | None:
    return units_for(user=user, roles=roles).filter(pk=pk).first()


# --- the figures -------------------------------------------------------------------------------------------


def _subtree_q(unit: OrgUnit) -> Q:
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        return Q(community_id=unit.pk)
    if unit.kind == OrgUnit.Kind.STREET:
        return Q(street_id=unit.pk)
    if unit.kind == OrgUnit.Kind.GRID:
        return Q(org_unit_id=unit.pk)
    return Q(org_unit__path__startswith=unit.path)


def _child_field(unit: OrgUnit) -> str:
    return {OrgUnit.Kind.COMMUNITY: "org_unit_id", OrgUnit.Kind.STREET: "community_id"}.get(
        unit.kind, "street_id"
    )


def _resolve(
    metrics: list[CockpitMetric], sums: dict[str, Decimal], present: bool
) -> dict[str, Decimal | None]:
    """Every metric's value from the summed rows: counts and sums as they are (0 when the period was
    computed and no row exists), ratios as numerator / denominator in percent (None without a base)."""
    out = {}
    for m in metrics:
        if m.kind == "ratio":
            den = sums.get(m.denominator, Decimal(0))
            out[m.key] = (
                (sums.get(m.numerator, Decimal(0)) * 100 / den).quantize(Decimal("0.1")) if den else None
            )
        else:
            out[m.key] = sums.get(m.key, Decimal(0)) if present else None
    return out


def _metrics() -> list[CockpitMetric]:
    return [m for m in cockpit_metrics() if m.kind != "ratio" or m.numerator and m.denominator]


def summary(*, unit: OrgUnit, period: Period, with_children: bool = True, with_trend: bool = True) -> Summary:
    metrics = _metrics()
    months = [p.key for p in Period(period.year - 1).months() + Period(period.year).months()]
    compare_keys = {period.previous.key, f"{period.previous.key}:ytd", f"{period.previous.key}:mtd"}
    records = {r.key: r for r in SummaryPeriod.objects.filter(key__in={period.key, *compare_keys})}
    record = records.get(period.key)
    compare_key = record.compare_key if record else period.previous.key
    compared = compare_key in records
    scope = _subtree_q(unit)

    sums = defaultdict(dict)
    rows = (
        MetricValue.objects.filter(scope, period__in=[period.key, compare_key])
        .values("period", "key")
        .annotate(v=Sum("value"))
        .order_by()
    )
    for row in rows:
        sums[row["period"]][row["key"]] = row["v"]
    now_values = _resolve(metrics, sums[period.key], record is not None)
    before = _resolve(metrics, sums[compare_key], compared)
    result = Summary(
        unit=unit,
        period=period,
        refreshed_at=record.refreshed_at if record else None,
        computed=record is not None,
        compared=compared,
    )
    for m in metrics:
        result.figures[m.key] = Figure(m, now_values[m.key], before[m.key])
    sections: dict[str, tuple[str, list]] = {}
    for m in metrics:
        if m.tile:
            sections.setdefault(m.section, (str(m.section_label), []))[1].append(result.figures[m.key])
    result.sections = list(sections.values())

    if with_children:
        result.child_kind, result.children = _children(unit, period, metrics, scope, record is not None)
    if with_trend:
        result.trend = _trend(unit, period, metrics, scope, months)
    return result


def _children(unit, period, metrics, scope, present):
    group = _child_field(unit)
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        kids = list(OrgUnit.objects.filter(parent=unit, kind=OrgUnit.Kind.GRID).order_by("path"))
        child_kind = OrgUnit.Kind.GRID
    elif unit.kind == OrgUnit.Kind.STREET:
        kids = list(OrgUnit.objects.filter(parent=unit, kind=OrgUnit.Kind.COMMUNITY).order_by("path"))
        child_kind = OrgUnit.Kind.COMMUNITY
    else:
        kids = list(OrgUnit.objects.filter(parent=unit, kind=OrgUnit.Kind.STREET).order_by("path"))
        child_kind = OrgUnit.Kind.STREET
    per = defaultdict(dict)
    rows = (
        MetricValue.objects.filter(scope, period=period.key)
        .values(group, "key")
        .annotate(v=Sum("value"))
        .order_by()
        .values_list(group, "key", "v")
    )
    for child, key, v in rows:
        per[child if child in {k.pk for k in kids} else None][key] = v
    children = [{"unit": k, "values": _resolve(metrics, per.get(k.pk, {}), present)} for k in kids]
    if per.get(None):
        # Rows kept at the unit itself (a community's activities, not in any grid).
        children.append({"unit": None, "values": _resolve(metrics, per[None], present)})
    for m in metrics:
        ranked = sorted(
            (c for c in children if c["unit"] is not None and c["values"][m.key] is not None),
            key=lambda c: -c["values"][m.key],
        )
        for rank, c in enumerate(ranked, start=1):
            c.setdefault("ranks", {})[m.key] = rank
    return child_kind, children


def _trend(unit, period, metrics, scope, months):
    keys = [m.key for m in metrics if m.trend]
    data = defaultdict(dict)
    rows = (
        MetricValue.objects.filter(scope, period__in=months, key__in=keys)
        .values("period", "key")
        .annotate(v=Sum("value"))
        .order_by()
    )
    for row in rows:
        data[row["key"]][row["period"]] = row["v"]
    labels = {m.key: str(m.label) for m in metrics}
    series = []
    for key in keys:
        for year in (period.year - 1, period.year):
            series.append(
                {
                    "key": key,
                    "name": f"{labels[key]} {year}",
                    "year": year,
                    "data": [float(data[key].get(f"{year}-{m:02d}", 0)) for m in range(1, 13)],
                }
            )
    return {"months": [f"{m}" for m in range(1, 13)], "series": series, "keys": keys}


def top_volunteers(*, unit: OrgUnit, period: Period, limit: int = 5) -> list[dict]:
    """The community's volunteers by points earned in the year (the points bank's public ranking)."""
    if unit.kind != OrgUnit.Kind.COMMUNITY or "points" not in settings.GONGZHI_APPS:
        return []
    from gongzhi.points.selectors import ranking_compute

    return [
        {"rank": r["rank"], "name": r["name"], "points": r["points"]}
        for r in ranking_compute(unit, period.year)[:limit]
    ]


# --- charts and reports ------------------------------------------------------------------------------------


def child_name(s: Summary, child: dict) -> str:
    """A child unit's name; rows kept at the unit itself are named after it (in a community: "not in a grid")."""
    if child["unit"] is not None:
        return local_name(child["unit"])
    return _("Not in a grid") if s.unit.kind == OrgUnit.Kind.COMMUNITY else local_name(s.unit)


def chart_data(s: Summary) -> dict:
    """What static/dashboard/cockpit.js draws: monthly trends, figures by child unit, YoY bars."""
    breakdown = [f for f in s.figures.values() if f.metric.breakdown]
    yoy = [
        f for f in s.figures.values() if f.metric.tile and f.metric.kind != "ratio" and f.change is not None
    ]
    names = [child_name(s, c) for c in s.children]
    return {
        "trend": {"months": s.trend.get("months", []), "series": s.trend.get("series", [])},
        "breakdown": {
            "units": names,
            "series": [
                {
                    "name": str(f.metric.label),
                    "data": [float(c["values"][f.metric.key] or 0) for c in s.children],
                }
                for f in breakdown
            ],
        },
        "yoy": {
            "labels": [str(f.metric.label) for f in yoy],
            "data": [float(f.change) for f in yoy],
        },
        "labels": {"this_year": str(s.period.year), "last_year": str(s.period.year - 1)},
    }


MAP_DEFAULT = ("registry.households", "registry.residents", "care.roster", "cases.received")


def map_data(s: Summary) -> dict | None:
    """The child units that have a boundary, as a GeoJSON FeatureCollection (feature name = the unit's
    id), and every tile measure's value per unit for colouring; None when no child has a boundary, so
    that the page shows no map at all."""
    drawn = [c for c in s.children if c["unit"] is not None and c["unit"].boundary]
    names = {c["unit"].pk: local_name(c["unit"]) for c in s.children if c["unit"] is not None}
    if not drawn:
        return None
    measures = [f.metric for f in s.figures.values() if f.metric.tile]
    default = next((k for k in MAP_DEFAULT if k in s.figures), measures[0].key if measures else "")
    return {
        "geojson": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": str(c["unit"].pk), "label": names[c["unit"].pk]},
                    "geometry": c["unit"].boundary,
                }
                for c in drawn
            ],
        },
        "measures": [
            {
                "key": m.key,
                "label": str(m.label),
                "unit": m.unit,
                "values": {
                    str(c["unit"].pk): float(c["values"][m.key]) if c["values"][m.key] is not None else None
                    for c in drawn
                },
            }
            for m in measures
        ],
        "default": default,
        "missing": [
            names[c["unit"].pk] for c in s.children if c["unit"] is not None and not c["unit"].boundary
        ],
    }


def definitions(s: Summary) -> list[Figure]:
    """The figures whose way of counting the page spells out (possibly missed, visited on time, ...)."""
    return [f for f in s.figures.values() if f.metric.tile and f.metric.description]


def _v(s: Summary, key: str) -> Figure | None:
    """The figure a sentence is built on, when the theme has anything to tell in either year."""
    figure = s.figures.get(key)
    return figure if figure is not None and (figure.value or figure.previous) else None


def _text(s: Summary, key: str) -> str:
    figure = s.figures.get(key)
    return figure.text if figure is not None else "—"


def report_sentences(s: Summary) -> list[str]:
    """The work summary in the source's own phrasing, one sentence per theme whose figures exist."""
    name = s.unit.name
    when = _("In %(period)s") % {"period": s.period.label}
    out = []
    residents, households = _v(s, "registry.residents"), _v(s, "registry.households")
    if residents and households:
        out.append(
            _(
                "%(unit)s has %(residents)s residents in %(households)s households on the register (%(change)s)."
            )
            % {
                "unit": name,
                "residents": residents.text,
                "households": households.text,
                "change": residents.change_phrase(),
            }
        )
    services = _v(s, "servicedesk.services")
    if services:
        sat = _v(s, "servicedesk.satisfaction_rate")
        out.append(
            _("%(when)s the service desk handled %(n)s services, %(change)s; satisfaction was %(sat)s.")
            % {
                "when": when,
                "n": services.text,
                "change": services.change_phrase(),
                "sat": sat.text if sat else "—",
            }
        )
    received = _v(s, "cases.received")
    if received:
        out.append(
            _(
                "%(when)s %(n)s needs and complaints were received, %(change)s; %(response)s were answered on time, "
                "%(resolution)s resolved on time, satisfaction %(sat)s, %(overdue)s overdue."
            )
            % {
                "when": when,
                "n": received.text,
                "change": received.change_phrase(),
                "response": s.figures["cases.response_rate"].text,
                "resolution": s.figures["cases.resolution_rate"].text,
                "sat": s.figures["cases.satisfaction_rate"].text,
                "overdue": s.figures["cases.overdue"].text,
            }
        )
    earned = _v(s, "points.earned")
    if earned:
        out.append(
            _(
                "%(volunteers)s volunteers served %(hours)s hours and earned %(earned)s points (%(change)s); "
                "%(redeemed)s points were redeemed at the love supermarket."
            )
            % {
                "volunteers": s.figures["points.volunteers"].text,
                "hours": s.figures["points.volunteer_hours"].text,
                "earned": earned.text,
                "change": earned.change_phrase(),
                "redeemed": s.figures["points.redeemed"].text,
            }
        )
    times = _v(s, "activities.person_times")
    if times:
        out.append(
            _(
                "%(when)s %(sessions)s activity sessions were held with %(times)s participations (%(change)s), "
                "%(children)s of them by children."
            )
            % {
                "when": when,
                "sessions": s.figures["activities.sessions"].text,
                "times": times.text,
                "change": times.change_phrase(),
                "children": s.figures["activities.child_times"].text,
            }
        )
    roster = _v(s, "care.roster")
    if roster:
        out.append(
            _(
                "%(people)s people were on the care roster — %(elderly)s elderly, %(children)s children and "
                "%(needy)s people in hardship; %(visited)s were visited on time (%(visit_rate)s) and "
                "%(assessed)s assessed in the last 12 months; %(records)s health records were kept."
            )
            % {
                "people": roster.text,
                "elderly": _text(s, "care.group_elderly"),
                "children": _text(s, "care.group_children"),
                "needy": _text(s, "care.group_needy"),
                "visited": _text(s, "care.visited_on_time"),
                "visit_rate": _text(s, "care.visit_coverage"),
                "assessed": _text(s, "care.assessed"),
                "records": _text(s, "care.health_records"),
            }
        )
    topics = _v(s, "deliberation.topics")
    if topics:
        out.append(
            _(
                "The deliberation corner took up %(topics)s topics and decided %(decided)s; "
                "%(results)s results were carried through to done."
            )
            % {
                "topics": topics.text,
                "decided": s.figures["deliberation.decided"].text,
                "results": _text(s, "deliberation.results_done"),
            }
        )
    paid = _v(s, "assistance.paid")
    if paid:
        out.append(
            _(
                "Social assistance reached %(households)s households / %(persons)s people, %(amount)s yuan paid (%(change)s)."
            )
            % {
                "households": s.figures["assistance.households"].text,
                "persons": s.figures["assistance.persons"].text,
                "amount": paid.text,
                "change": paid.change_phrase(),
            }
        )
    missed = _v(s, "assistance.possibly_missed")
    if missed and missed.value:
        out.append(
            _(
                "%(n)s households look eligible for assistance but receive none; they are to be visited "
                "so that no household and no person is missed."
            )
            % {"n": missed.text}
        )
    collected = _v(s, "economy.collected")
    if collected:
        out.append(
            _(
                "The collective economy invoiced %(invoiced)s yuan of rent and collected %(collected)s yuan "
                "(%(change)s), %(rate)s of the plan; occupancy %(occupancy)s."
            )
            % {
                "invoiced": s.figures["economy.invoiced"].text,
                "collected": collected.text,
                "change": collected.change_phrase(),
                "rate": s.figures["economy.collection_rate"].text,
                "occupancy": s.figures["economy.occupancy"].text,
            }
        )
    return out


def rollup_table(s: Summary, sort: str = "") -> dict:
    """The child units side by side, one column per tile metric, each cell with its rank; sorted by
    the metric `sort` (largest first) when it names one, else in the tree's order."""
    columns = [f.metric for f in s.figures.values() if f.metric.tile]
    known = {m.key for m in columns}
    children = list(s.children)
    if sort in known:
        children.sort(key=lambda c: (c["values"][sort] is None, -(c["values"][sort] or 0)))
    rows = []
    for c in children:
        ranks = c.get("ranks", {})
        rows.append(
            {
                "unit": c["unit"],
                "name": child_name(s, c),
                "cells": [
                    {"text": format_value(c["values"][m.key], m.unit), "rank": ranks.get(m.key)}
                    for m in columns
                ],
            }
        )
    totals = [s.figures[m.key].text for m in columns]
    return {"columns": columns, "rows": rows, "totals": totals, "sort": sort if sort in known else ""}
