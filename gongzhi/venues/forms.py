import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.widgets import HtmlDateInput, HtmlTimeInput

from .models import Room
from .services import MAX_WEEKS

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


class BookingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=HtmlDateInput())
    start_time = forms.TimeField(label=_("From"), widget=HtmlTimeInput())
    end_time = forms.TimeField(label=_("To"), widget=HtmlTimeInput())
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    headcount = forms.IntegerField(label=_("Number of people"), min_value=1)
    weeks = forms.IntegerField(
        label=_("Repeat weekly for (weeks)"),
        min_value=1,
        max_value=MAX_WEEKS,
        initial=1,
        help_text=_("1 books this date only."),
    )


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_bo = forms.CharField(label=_("Name in Tibetan"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    location = forms.CharField(label=_("Location"), max_length=150, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1)
    equipment = forms.CharField(
        label=_("Equipment"), max_length=255, required=False, help_text=_("Separate items with commas.")
    )
    photo = forms.ImageField(label=_("Photo"), required=False)
    requires_approval = forms.BooleanField(label=_("Bookings need approval"), required=False)
    bookable_by_residents = forms.BooleanField(label=_("Residents may book"), required=False, initial=True)
    bookable_by_partners = forms.BooleanField(label=_("Partner units may book"), required=False, initial=True)
    bookable_by_staff = forms.BooleanField(label=_("Staff may book"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Open for bookings"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label,
                required=False,
                initial="09:30-18:30" if day < 7 else "",
                help_text=_("For example 09:30-18:30; empty when closed."),
            )

    def clean(self):
        data = super().clean()
        hours = {}
        for day, _label in WEEKDAYS:
            raw = (data.get(f"hours_{day}") or "").strip()
            if not raw:
                continue
            m = _HOURS.match(raw)
            try:
                opens = datetime.time(int(m[1]), int(m[2]))
                closes = datetime.time(int(m[3]), int(m[4]))
            except (TypeError, ValueError):
                self.add_error(f"hours_{day}", _("Write the hours as 09:30-18:30."))
                continue
            if opens >= closes:
                self.add_error(f"hours_{day}", _("A room must open before it closes."))
            hours[day] = (opens, closes)
        data["hours"] = hours
        return data


def room_initial(room: Room) -> dict:
    initial = {
        f: getattr(room, f)
        for f in (
            "name",
            "name_bo",
            "description",
            "location",
            "capacity",
            "equipment",
            "requires_approval",
            "bookable_by_residents",
            "bookable_by_partners",
            "bookable_by_staff",
            "is_active",
        )
    }
    for day, _label in WEEKDAYS:
        initial[f"hours_{day}"] = ""
    for h in room.opening_hours.all():
        initial[f"hours_{h.weekday}"] = f"{h.opens:%H:%M}-{h.closes:%H:%M}"
    return initial


class ClosedDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=HtmlDateInput())
    room = forms.ModelChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, empty_label=_("All rooms")
    )
    note = forms.CharField(label=_("Reason"), max_length=100, required=False)

    def __init__(self, *args, rooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rooms is not None:
            self.fields["room"].queryset = rooms
