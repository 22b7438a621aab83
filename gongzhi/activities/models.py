import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.registry.models import Resident
from gongzhi.venues.models import Room

# Attendance counts only when the person was present for at least this share of the scheduled time.
PRESENCE_SHARE = 0.6


def _new_token() -> str:
    return secrets.token_urlsafe(12)


class Activity(models.Model):
    class Category(models.TextChoices):
        ELDERLY_CLASS = "elderly_class", _("Elderly class")
        SUMMER_CAMP = "summer_camp", _("Summer camp")
        FREE_CLINIC = "free_clinic", _("Free clinic")
        LECTURE = "lecture", _("Lecture")
        VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service")
        NATIONAL_UNITY = "national_unity", _("National-unity activity")
        STORY_SESSION = "story_session", _("Story session")
        CHILDREN = "children", _("Children's activity")
        OTHER = "other", _("Other")

    class TargetGroup(models.TextChoices):
        ALL = "all", _("Everyone")
        ELDERLY = "elderly", _("The elderly")
        CHILDREN = "children", _("Children")
        NEEDY = "needy", _("People in hardship")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("organised by partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        help_text=_("Empty when the community runs it."),
    )
    target_group = models.CharField(
        _("target group"), max_length=16, choices=TargetGroup.choices, default=TargetGroup.ALL
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("When not in one of our rooms.")
    )
    capacity = models.PositiveIntegerField(_("places"))
    enrol_opens = models.DateTimeField(_("enrolment opens"))
    enrol_closes = models.DateTimeField(_("enrolment closes"))
    point_rule_code = models.CharField(_("point rule for volunteers"), max_length=64, blank=True)
    participant_point_rule_code = models.CharField(
        _("point rule for participants"),
        max_length=64,
        blank=True,
        help_text=_("Empty: participants earn none."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    checkin_token = models.CharField(max_length=32, unique=True, default=_new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="activity_capacity_positive", condition=Q(capacity__gte=1)),
            models.CheckConstraint(
                name="activity_enrol_window_in_order", condition=Q(enrol_opens__lt=F("enrol_closes"))
            ),
            models.CheckConstraint(
                name="activity_age_range_in_order",
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def organiser_name(self) -> str:
        return self.partner.name if self.partner_id else self.org_unit.name

    @property
    def where(self) -> str:
        return self.room.name if self.room_id else self.place


class ActivitySession(models.Model):
    """One scheduled meeting of an activity; a series has several."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the activity's.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    confirmed_at = models.DateTimeField(_("attendance confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booking = models.OneToOneField(
        "venues.Booking",
        verbose_name=_("room booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_session",
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(name="session_start_before_end", condition=Q(start__lt=F("end")))
        ]

    def __str__(self):
        return f"{self.activity} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        VOLUNTEER = "volunteer", _("Volunteer")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="enrolments")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the activity's.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="enrolments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PARTICIPANT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=~Q(status="cancelled"),
                name="enrolment_one_active_per_resident",
            )
        ]

    def __str__(self):
        return f"{self.resident} → {self.activity}"


class Attendance(models.Model):
    class Method(models.TextChoices):
        CARD = "card", _("Check-in card")
        SELF = "self", _("Activity QR code")
        MANUAL = "manual", _("Entered by staff")

    session = models.ForeignKey(ActivitySession, on_delete=models.CASCADE, related_name="attendances")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the activity's.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="attendances")
    role = models.CharField(_("role"), max_length=16, choices=Enrolment.Role.choices, default="participant")
    check_in_at = models.DateTimeField(_("checked in"))
    check_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    method = models.CharField(max_length=8, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    present_minutes = models.PositiveIntegerField(default=0)
    counted = models.BooleanField(_("counts"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["check_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "resident"], name="attendance_one_per_session"),
            models.CheckConstraint(
                name="attendance_out_after_in",
                condition=Q(check_out_at__isnull=True) | Q(check_out_at__gte=F("check_in_at")),
            ),
        ]

    def __str__(self):
        return f"{self.resident} @ {self.session}"
