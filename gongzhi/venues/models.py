import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit, PartnerUnit, StoredUpload


class Room(models.Model):
    """A function room of a community's service centre, opened free to the public."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField(_("name"), max_length=100)
    name_bo = models.CharField(_("name in Tibetan"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=150, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    equipment = models.CharField(_("equipment"), max_length=255, blank=True)
    photo = models.ForeignKey(
        StoredUpload,
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requires_approval = models.BooleanField(_("bookings need approval"), default=False)
    bookable_by_residents = models.BooleanField(_("residents may book"), default=True)
    bookable_by_partners = models.BooleanField(_("partner units may book"), default=True)
    bookable_by_staff = models.BooleanField(_("staff may book"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["org_unit__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="room_unique_name"),
            models.CheckConstraint(name="room_capacity_positive", condition=Q(capacity__gte=1)),
        ]

    def __str__(self):
        return self.name

    def equipment_list(self) -> list[str]:
        return [e.strip() for e in self.equipment.replace("，", ",").split(",") if e.strip()]


class OpeningHours(models.Model):
    """When a room is open on one ISO weekday (Monday = 1). No row: closed that weekday."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="opening_hours")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the room's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["room", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["room", "weekday"], name="openinghours_one_per_weekday"),
            models.CheckConstraint(
                name="openinghours_opens_before_closes", condition=Q(opens__lt=F("closes"))
            ),
            models.CheckConstraint(
                name="openinghours_weekday_1_7", condition=Q(weekday__gte=1, weekday__lte=7)
            ),
        ]

    def __str__(self):
        return f"{self.room} {self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def weekday_label(self) -> str:
        """The weekday's name in the reader's language ("Monday" for 1)."""
        from .forms import WEEKDAYS

        return str(dict(WEEKDAYS)[self.weekday])


class ClosedDay(models.Model):
    """A day one room is closed (repairs, an exhibition...). Public holidays, which close every room,
    are not kept here but in the community's work calendar (core.calendar.holidays)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        on_delete=models.CASCADE,
        related_name="closed_days",
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["room", "date"], name="closedday_unique_room"),
        ]

    def __str__(self):
        return f"{self.date} {self.note}"


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    # Statuses that hold the slot: the database refuses two of them overlapping in one room.
    HOLDING = (Status.PENDING, Status.CONFIRMED)

    class BookerKind(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        PARTNER = "partner", _("Partner unit")
        STAFF = "staff", _("Staff")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="room_bookings",
    )
    booker_kind = models.CharField(_("booked as"), max_length=16, choices=BookerKind.choices)
    partner_unit = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    purpose = models.CharField(_("purpose"), max_length=200)
    headcount = models.PositiveIntegerField(_("headcount"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    series = models.UUIDField(_("series"), null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["room", "start"], name="booking_room_start_idx")]
        constraints = [
            models.CheckConstraint(name="booking_start_before_end", condition=Q(start__lt=F("end"))),
            models.CheckConstraint(name="booking_headcount_positive", condition=Q(headcount__gte=1)),
            # booking_no_overlap (PostgreSQL exclusion constraint) is added by migration 0002.
        ]

    def __str__(self):
        return f"{self.room} {self.start:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> datetime.timedelta:
        return self.end - self.start


class BookingEvent(models.Model):
    """One transition of a booking's state machine, with who did it and when."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the booking's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status}→{self.to_status}"
