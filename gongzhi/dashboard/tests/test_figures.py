"""Each figure equals a direct count over the data it summarises, the year-on-year change reads "—"
without earlier data, and a street's roll-up is the sum of its communities."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.models import Case
from gongzhi.core.extension_points import cockpit_metrics
from gongzhi.dashboard import selectors, services
from gongzhi.dashboard.models import MetricValue, SummaryPeriod
from gongzhi.dashboard.periods import Period
from gongzhi.deliberation.models import Topic
from gongzhi.economy.models import Payment
from gongzhi.points.models import PointEntry
from gongzhi.registry.models import Household, Resident
from gongzhi.servicedesk.models import ServiceRecord

pytestmark = pytest.mark.django_db


def _this_year():
    return Period(timezone.localdate().year)


def _in(unit):
    return {"org_unit__path__startswith": unit.path}


def test_each_tile_equals_a_direct_count_over_its_data(world):
    services.summaries_refresh()
    a = world.tree.community_a
    s = selectors.summary(unit=a, period=_this_year())
    year = timezone.localdate().year
    expected = {
        "registry.residents": Resident.objects.filter(**_in(a), status=Resident.Status.LIVING).count(),
        # Households with a member on the register (the one whose only member moved out is not).
        "registry.households": Household.objects.filter(**_in(a), members__status=Resident.Status.LIVING)
        .distinct()
        .count(),
        "registry.elderly": 1,
        "cases.received": Case.objects.filter(community=a).exclude(status=Case.Status.REJECTED).count(),
        "servicedesk.services": ServiceRecord.objects.filter(**_in(a), started_at__year=year).count(),
        "points.earned": PointEntry.objects.filter(
            **_in(a), kind__in=PointEntry.EARNING_KINDS, created_at__year=year
        ).aggregate(s=Sum("points"))["s"],
        "points.volunteers": PointEntry.objects.filter(**_in(a), kind="award").aggregate(
            n=Count("account", distinct=True)
        )["n"],
        "points.volunteer_hours": 3,
        "deliberation.topics": Topic.objects.filter(org_unit=a).count(),
        "economy.collected": Payment.objects.filter(org_unit=a).aggregate(s=Sum("amount"))["s"],
        "economy.occupancy": Decimal("80.0"),  # 80 m² of 100 m² let
        "servicedesk.satisfaction_rate": Decimal("100.0"),  # 1 satisfied of 1 rated
    }
    assert expected["registry.residents"] == 6 and expected["cases.received"] == 3
    for key, value in expected.items():
        assert s.figures[key].value == Decimal(value), key
    # The case rates are the cases app's own metrics over the same cases.
    own = case_selectors.metrics(user=world.secretary, org_unit=a, groups=())["overall"]
    for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
        figure = s.figures[f"cases.{key}"].value
        assert (float(figure) if figure is not None else None) == own[key], key


def test_every_metric_equals_its_own_compute_summed_over_the_unit(world):
    """The summary stores what each registered metric computes, for every metric an app registers."""
    services.summaries_refresh()
    a = world.tree.community_a
    period = _this_year()
    s = selectors.summary(unit=a, period=period, with_children=False, with_trend=False)
    start, end = period.start, timezone.localdate() + datetime.timedelta(days=1)
    units = set(
        world.tree.community_a.__class__.objects.filter(**{"path__startswith": a.path}).values_list(
            "pk", flat=True
        )
    )
    for m in cockpit_metrics():
        if m.compute is None:
            continue
        direct = sum(
            (Decimal(v) for u, v in m.compute(start=start, end=end).items() if u in units), Decimal(0)
        )
        assert s.figures[m.key].value == direct.quantize(Decimal("0.01")), m.key


def test_year_on_year_without_earlier_data_reads_a_dash(world):
    services.summaries_refresh()
    s = selectors.summary(unit=world.tree.community_a, period=_this_year())
    figure = s.figures["servicedesk.services"]
    assert figure.value == 2 and figure.previous == 0
    assert figure.change is None and figure.change_text == "—"
    assert s.figures["cases.response_rate"].change_text == "—"
    # A period never computed at all reads "—" too, and so does its comparison.
    old = selectors.summary(unit=world.tree.community_a, period=Period(2001))
    assert not old.computed and old.figures["servicedesk.services"].text == "—"
    assert old.figures["servicedesk.services"].change_text == "—"


def test_year_on_year_change_against_the_same_span_a_year_earlier(world):
    today = timezone.localdate()
    # Move one of the two services to the same day a year earlier.
    record = ServiceRecord.objects.order_by("pk").first()
    a_year_ago = record.started_at.replace(year=record.started_at.year - 1)
    ServiceRecord.objects.filter(pk=record.pk).update(started_at=a_year_ago, ended_at=a_year_ago)
    services.summaries_refresh(today=today)
    s = selectors.summary(unit=world.tree.community_a, period=_this_year())
    figure = s.figures["servicedesk.services"]
    assert (figure.value, figure.previous) == (1, 1)
    assert figure.change == 0 and figure.change_text == "0.0%"
    assert SummaryPeriod.objects.get(key=str(today.year)).compare_key == f"{today.year - 1}:ytd"
    assert s.compared


def test_a_streets_rollup_is_the_sum_of_its_communities(world):
    services.summaries_refresh()
    period = _this_year()
    t = world.tree
    street = selectors.summary(unit=t.street, period=period)
    a = selectors.summary(unit=t.community_a, period=period)
    b = selectors.summary(unit=t.community_b, period=period)
    county = selectors.summary(unit=t.district, period=period)
    assert b.figures["registry.residents"].value == 4 and b.figures["cases.received"].value == 1
    for key, figure in street.figures.items():
        m = figure.metric
        if m.kind == "ratio":
            num = a.figures[m.numerator].value + b.figures[m.numerator].value
            den = a.figures[m.denominator].value + b.figures[m.denominator].value
            expected = (num * 100 / den).quantize(Decimal("0.1")) if den else None
        else:
            expected = a.figures[key].value + b.figures[key].value
        assert figure.value == expected, key
        assert county.figures[key].value == expected, key
    # Side by side: one row per community, with the community's own figures and ranks.
    rows = {c["unit"].pk: c for c in street.children}
    assert set(rows) == {t.community_a.pk, t.community_b.pk}
    for summary in (a, b):
        for key, figure in summary.figures.items():
            assert rows[summary.unit.pk]["values"][key] == figure.value, key
    assert rows[t.community_a.pk]["ranks"]["registry.residents"] == 1
    assert rows[t.community_b.pk]["ranks"]["registry.residents"] == 2
    # Topics belong to the community, not a grid: they sit in the "not in a grid" row.
    assert a.children[-1]["unit"] is None and a.children[-1]["values"]["deliberation.topics"] == 2
    # A community's residents by grid add up to the community's.
    grids = {c["unit"].pk if c["unit"] else None: c for c in a.children}
    assert (
        grids[t.grid_a1.pk]["values"]["registry.residents"]
        + grids[t.grid_a2.pk]["values"]["registry.residents"]
        == a.figures["registry.residents"].value
    )


def test_the_refresh_replaces_rows_and_is_audited(world):
    from gongzhi.core.models import AuditEntry

    first = services.summaries_refresh()
    count = MetricValue.objects.count()
    second = services.summaries_refresh()
    assert MetricValue.objects.count() == count == first.rows == second.rows
    assert AuditEntry.objects.filter(action="dashboard.summaries_refresh").count() == 2


def test_stock_figures_are_taken_on_the_last_day_of_a_past_period(world):
    """Residents who moved out last month still count in the months before they left."""
    today = timezone.localdate()
    gone = Resident.objects.get(name="搬走的人")
    left = today - datetime.timedelta(days=40)
    Resident.objects.filter(pk=gone.pk).update(
        moved_out_on=left, created_at=timezone.now() - datetime.timedelta(days=400)
    )
    earlier = left.replace(day=1) - datetime.timedelta(days=1)
    month_before = Period(earlier.year, earlier.month)
    services.summaries_refresh(periods=[month_before, _this_year()])
    a = world.tree.community_a
    before = selectors.summary(unit=a, period=month_before, with_children=False, with_trend=False)
    now = selectors.summary(unit=a, period=_this_year(), with_children=False, with_trend=False)
    # Only she was on the register then (everyone else was registered today); she has left since.
    assert before.figures["registry.residents"].value == 1
    assert now.figures["registry.residents"].value == 6


def test_report_sentences_speak_the_sources_figures(world):
    from django.utils import translation

    translation.activate("en")
    services.summaries_refresh()
    s = selectors.summary(unit=world.tree.community_a, period=_this_year(), with_trend=False)
    text = " ".join(selectors.report_sentences(s))
    assert "handled 2 services" in text
    assert "3 needs and complaints were received" in text
    assert "The deliberation corner took up 2 topics" in text
    assert "activity sessions" not in text  # nothing to tell in either year
