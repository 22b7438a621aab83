"""The one write of the dashboard: recompute the summaries of some periods from the metrics the
apps register (gongzhi.core.extension_points.cockpit_metrics)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.core import audit
from gongzhi.core.extension_points import cockpit_metrics
from gongzhi.core.models import OrgUnit

from .models import MetricValue, SummaryPeriod
from .periods import Period, comparison_key, default_periods, spans_for


@dataclass(frozen=True)
class RefreshResult:
    periods: list[str]
    rows: int
    refreshed_at: datetime.datetime


def _placement() -> dict[int, tuple[int | None, int | None]]:
    """Each org unit's (community, street), read from its materialised path."""
    out = {}
    for pk, path in OrgUnit.objects.values_list("pk", "path"):
        ids = [int(p) for p in path.strip("/").split("/") if p]
        out[pk] = (ids[2] if len(ids) >= 3 else None, ids[1] if len(ids) >= 2 else None)
    return out


def _quantize(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def summaries_refresh(
    *, periods: list[Period] | None = None, today: datetime.date | None = None, actor=None
) -> RefreshResult:
    """Recompute every registered metric for `periods` (default: this year and last, and their
    months) and replace their rows in one transaction, so that readers see the old figures or the
    new ones, never a mix. A running period is cut at today and gets a comparison span a year earlier."""
    today = today or timezone.localdate()
    periods = periods if periods is not None else default_periods(today)
    placement = _placement()
    metrics = [m for m in cockpit_metrics() if m.compute is not None]
    now = timezone.now()
    spans, compare = [], {}
    for period in periods:
        for span in spans_for(period, today):
            spans.append(span)
            if span.key == period.key:
                compare[span.key] = comparison_key(period, period.is_running(today))
    rows, counts = [], {}
    for span in spans:
        counts[span.key] = 0
        for metric in metrics:
            for unit_id, value in metric.compute(start=span.start, end=span.end).items():
                if unit_id not in placement or not value:
                    continue
                community, street = placement[unit_id]
                rows.append(
                    MetricValue(
                        period=span.key,
                        key=metric.key,
                        org_unit_id=unit_id,
                        community_id=community,
                        street_id=street,
                        value=_quantize(value),
                    )
                )
                counts[span.key] += 1
    keys = [s.key for s in spans]
    with transaction.atomic():
        MetricValue.objects.filter(period__in=keys).delete()
        MetricValue.objects.bulk_create(rows, batch_size=2000)
        SummaryPeriod.objects.filter(key__in=keys).delete()
        SummaryPeriod.objects.bulk_create(
            [
                SummaryPeriod(
                    key=s.key,
                    start=s.start,
                    end=s.end,
                    compare_key=compare.get(s.key, ""),
                    rows=counts[s.key],
                    refreshed_at=now,
                )
                for s in spans
            ]
        )
        audit.record(
            actor=actor,
            action="dashboard.summaries_refresh",
            object_type="dashboard.summaryperiod",
            detail={"periods": keys, "rows": len(rows), "metrics": len(metrics)},
        )
    return RefreshResult(periods=keys, rows=len(rows), refreshed_at=now)
