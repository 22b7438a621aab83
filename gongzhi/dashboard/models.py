"""The dashboard owns no domain data, only its materialised summaries: each metric's value per org
unit and period, recomputed from the other apps' data by the refresh job (`services.summaries_refresh`,
run by `manage.py dashboard_refresh` or the django-tasks task `dashboard.tasks.refresh`). Street and
county roll-ups read these rows instead of walking every community's tables."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit


class SummaryPeriod(models.Model):
    """One computed span: when it was refreshed and which span it is compared with."""

    key = models.CharField(max_length=16, unique=True)  # "2026", "2026-11", "2025:ytd"
    start = models.DateField()
    end = models.DateField()  # exclusive
    compare_key = models.CharField(max_length=16, blank=True)
    rows = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("summary period")
        verbose_name_plural = _("summary periods")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(name="summaryperiod_start_lt_end", condition=Q(start__lt=models.F("end")))
        ]

    def __str__(self):
        return self.key


class MetricValue(models.Model):
    """A metric's value for one org unit (the grid or community the source rows carry) in one span.
    `community` and `street` are denormalised from the unit's path so that roll-ups group by them."""

    period = models.CharField(max_length=16)
    key = models.CharField(max_length=64)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    street = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("metric value")
        verbose_name_plural = _("metric values")
        constraints = [
            models.UniqueConstraint(fields=["period", "key", "org_unit"], name="metricvalue_one_per_unit"),
        ]
        indexes = [models.Index(fields=["period", "key"], name="metricvalue_period_key")]

    def __str__(self):
        return f"{self.period} {self.key} {self.org_unit_id}: {self.value}"
