from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit


class Topic(models.Model):
    """A matter on the agenda of a community's deliberation corner (邻里议事角)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SCHEDULED = "scheduled", _("Scheduled for a meeting")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(
        _("source"), max_length=64, blank=True, help_text=_("Where the topic came from, e.g. a case number.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="topic_status_valid",
                condition=models.Q(status__in=["open", "scheduled", "decided", "closed"]),
            ),
        ]

    def __str__(self):
        return self.title
