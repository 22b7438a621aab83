import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PartnerUnit
from gongzhi.core.widgets import HtmlDateInput, HtmlTimeInput
from gongzhi.venues.models import Room

from .models import Activity


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=Activity.Category.choices)
    partner = forms.ModelChoiceField(
        label=_("Run by"), queryset=PartnerUnit.objects.none(), required=False, empty_label=_("The community")
    )
    target_group = forms.ChoiceField(label=_("Target group"), choices=Activity.TargetGroup.choices)
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=120, required=False)
    max_age = forms.IntegerField(label=_("Maximum age"), min_value=0, max_value=120, required=False)
    room = forms.ModelChoiceField(
        label=_("Room"), queryset=Room.objects.none(), required=False, empty_label=_("Outside our rooms")
    )
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, help_text=_("When not in one of our rooms.")
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1)
    date = forms.DateField(label=_("First session date"), widget=HtmlDateInput())
    start_time = forms.TimeField(label=_("From"), widget=HtmlTimeInput())
    end_time = forms.TimeField(label=_("To"), widget=HtmlTimeInput())
    weeks = forms.IntegerField(
        label=_("Weekly sessions"),
        min_value=1,
        max_value=52,
        initial=1,
        help_text=_("1 for a single session."),
    )
    enrol_opens = forms.DateField(label=_("Enrolment opens"), widget=HtmlDateInput())
    enrol_closes = forms.DateField(label=_("Enrolment closes"), widget=HtmlDateInput())
    point_rule_code = forms.CharField(label=_("Point rule for volunteers"), max_length=64, required=False)
    participant_point_rule_code = forms.CharField(
        label=_("Point rule for participants"),
        max_length=64,
        required=False,
        help_text=_("Empty: participants earn none."),
    )

    def __init__(self, *args, partners=None, rooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].queryset = partners
        if rooms is not None:
            self.fields["room"].queryset = rooms

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("Each session must end after it starts."))
        return data


class ActivityEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1)
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=120, required=False)
    max_age = forms.IntegerField(label=_("Maximum age"), min_value=0, max_value=120, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    enrol_opens = forms.DateField(label=_("Enrolment opens"), widget=HtmlDateInput())
    enrol_closes = forms.DateField(label=_("Enrolment closes"), widget=HtmlDateInput())
    point_rule_code = forms.CharField(label=_("Point rule for volunteers"), max_length=64, required=False)
    participant_point_rule_code = forms.CharField(
        label=_("Point rule for participants"), max_length=64, required=False
    )


def day_start(d: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(0)))


def day_end(d: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(23, 59)))


class ManualAttendanceForm(forms.Form):
    resident = forms.IntegerField(label=_("Resident number"), min_value=1)
    check_in = forms.TimeField(label=_("Checked in"), widget=HtmlTimeInput())
    check_out = forms.TimeField(label=_("Checked out"), widget=HtmlTimeInput(), required=False)


class ScanForm(forms.Form):
    token = forms.CharField(label=_("Card code"), max_length=64)
