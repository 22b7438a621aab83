from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.templatetags.gongzhi import local_name
from gongzhi.core.widgets import HtmlDateInput, HtmlDateTimeInput, HtmlTimeInput

from . import gbt42195
from .models import ChildProfile, Measurement, RiskLevel, Visit
from .services import WELLBEING_ITEMS

WELLBEING_LABELS = {
    "eating_well": _("Eats regularly"),
    "sleeping_well": _("Sleeps well"),
    "home_safe": _("Home is safe (gas, electricity, stairs)"),
    "warm_enough": _("Home is warm enough"),
    "mood_good": _("In good spirits"),
    "medicine_taken": _("Takes their medicine"),
}


class LocalNameChoiceField(forms.ModelChoiceField):
    """Choices named in the reader's language (a case category's Tibetan name on Tibetan pages)."""

    def label_from_instance(self, obj):
        return local_name(obj)


class RiskForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    risk_reason = forms.CharField(label=_("Reason"), max_length=300)


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices)
    visited_on = forms.DateField(label=_("Date"), widget=HtmlDateInput)
    companions = forms.CharField(label=_("Who else came"), required=False, max_length=200)
    situation = forms.CharField(label=_("Situation"), widget=forms.Textarea(attrs={"rows": 4}))
    wellbeing = forms.MultipleChoiceField(
        label=_("Wellbeing check"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, WELLBEING_LABELS[k]) for k in WELLBEING_ITEMS],
    )
    needs = forms.CharField(label=_("Needs found"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    case_category = LocalNameChoiceField(
        label=_("Open a case for the needs"), queryset=None, required=False, empty_label=_("No case")
    )
    order_service_type = forms.ModelChoiceField(
        label=_("Order a home-care service for the needs"),
        queryset=None,
        required=False,
        empty_label=_("No service order"),
    )
    photos = forms.ImageField(label=_("Photo"), required=False)
    client_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, categories, service_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_category"].queryset = categories
        self.fields["order_service_type"].queryset = service_types


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=HtmlDateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for dim in gbt42195.DIMENSIONS:
            for item in dim.items:
                self.fields[item.code] = forms.TypedChoiceField(
                    label=item.label,
                    coerce=int,
                    choices=[(n, str(n)) for n in range(item.max_score, -1, -1)],
                    widget=forms.RadioSelect(attrs={"class": "scale"}),
                )
        self.fields["coma"] = forms.BooleanField(label=_("In a coma"), required=False)
        self.fields["dementia"] = forms.BooleanField(
            label=_("Diagnosed dementia or another mental disorder"), required=False
        )
        self.fields["risk_events_30d"] = forms.IntegerField(
            label=_("Falls, choking, self-harm or going missing in the last 30 days"),
            min_value=0,
            max_value=99,
            initial=0,
        )
        self.fields["note"] = forms.CharField(
            label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )

    def dimensions(self):
        return [(dim, [self[item.code] for item in dim.items]) for dim in gbt42195.DIMENSIONS]

    def answers(self):
        return {code: self.cleaned_data[code] for code in gbt42195.ITEMS}


class OrderForm(forms.Form):
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=None)
    description = forms.CharField(label=_("What is needed"), required=False, max_length=300)

    def __init__(self, *args, service_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = service_types


class OrderStepForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    # Names of units and people are data, in whatever language they were entered.
    partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=None, required=False, widget=forms.Select(attrs={"translate": "no"})
    )
    volunteer = forms.ModelChoiceField(
        label=_("Volunteer"), queryset=None, required=False, widget=forms.Select(attrs={"translate": "no"})
    )
    scheduled_for = forms.DateTimeField(label=_("Scheduled for"), required=False, widget=HtmlDateTimeInput)
    done_note = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirmed_by = forms.CharField(
        label=_("Confirmed by (person or relative)"), required=False, max_length=100
    )
    hours = forms.DecimalField(label=_("Hours"), required=False, max_digits=4, decimal_places=1)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(n, "★" * n) for n in range(5, 0, -1)],
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=300)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, partners, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["volunteer"].queryset = volunteers


class RecurringForm(forms.Form):
    service_type = forms.ModelChoiceField(label=_("Service"), queryset=None)
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"),
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("0", _("Monday")),
            ("1", _("Tuesday")),
            ("2", _("Wednesday")),
            ("3", _("Thursday")),
            ("4", _("Friday")),
            ("5", _("Saturday")),
            ("6", _("Sunday")),
        ],
    )
    time = forms.TimeField(label=_("Time"), widget=HtmlTimeInput)
    start_on = forms.DateField(label=_("From"), widget=HtmlDateInput)
    end_on = forms.DateField(label=_("Until"), required=False, widget=HtmlDateInput)
    # Names of units and people are data, in whatever language they were entered.
    partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=None, required=False, widget=forms.Select(attrs={"translate": "no"})
    )
    volunteer = forms.ModelChoiceField(
        label=_("Volunteer"), queryset=None, required=False, widget=forms.Select(attrs={"translate": "no"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, service_types, partners, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = service_types
        self.fields["partner"].queryset = partners
        self.fields["volunteer"].queryset = volunteers


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    skills = forms.CharField(label=_("Skills"), required=False, max_length=200)
    availability = forms.CharField(label=_("Availability"), required=False, max_length=200)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)


class HealthRecordForm(forms.Form):
    chronic_conditions = forms.CharField(
        label=_("Chronic conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    medications = forms.CharField(
        label=_("Medications"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    allergies = forms.CharField(label=_("Allergies"), required=False, max_length=300)
    family_doctor = forms.CharField(label=_("Family doctor"), required=False, max_length=100)
    family_doctor_phone = forms.CharField(label=_("Family doctor's phone"), required=False, max_length=30)


class HealthRecordNewForm(HealthRecordForm):
    basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=[("consent", _("Consent")), ("statutory", _("Statutory duty"))],
    )
    statute = forms.CharField(label=_("Law or regulation"), required=False, max_length=200)
    consent_given_on = forms.DateField(label=_("Consent given on"), required=False, widget=HtmlDateInput)
    consent_by = forms.CharField(label=_("Consent given by"), required=False, max_length=100)
    consent_relation = forms.ChoiceField(
        label=_("Relation of the consenting person"),
        required=False,
        choices=[("self", _("The person themself")), ("guardian", _("Guardian"))],
    )


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(label=_("Date"), widget=HtmlDateInput)
    systolic = forms.CharField(label=_("Systolic (mmHg)"), required=False, max_length=8)
    diastolic = forms.CharField(label=_("Diastolic (mmHg)"), required=False, max_length=8)
    glucose_fasting = forms.CharField(label=_("Fasting glucose (mmol/L)"), required=False, max_length=8)
    glucose_random = forms.CharField(label=_("Random glucose (mmol/L)"), required=False, max_length=8)
    weight = forms.CharField(label=_("Weight (kg)"), required=False, max_length=8)
    height = forms.CharField(label=_("Height (cm)"), required=False, max_length=8)

    def values(self):
        return {k: self.cleaned_data.get(k) for k in Measurement.Kind.values if k in self.fields}


class ClinicForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    held_on = forms.DateField(label=_("Date"), widget=HtmlDateInput)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)


class ScreenForm(MeasurementForm):
    resident = forms.ModelChoiceField(label=_("Resident"), queryset=None)
    consent_by = forms.CharField(
        label=_("Consent given by (for a new record)"), required=False, max_length=100
    )

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["measured_on"]
        self.fields["resident"].queryset = residents
        self.order_fields(["resident"])


class ChildForm(forms.Form):
    kind = forms.ChoiceField(label=_("Situation"), choices=ChildProfile.Kind.choices)
    guardian = forms.ModelChoiceField(label=_("Guardian"), queryset=None, required=False)
    guardian_relation = forms.CharField(label=_("Guardian's relation"), required=False, max_length=40)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), required=False, max_length=30)
    school = forms.CharField(label=_("School and class"), required=False, max_length=120)
    parents_whereabouts = forms.CharField(label=_("Where the parents are"), required=False, max_length=200)
    risk_factors = forms.CharField(
        label=_("Risk factors"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    visit_plan = forms.CharField(label=_("Visit plan"), required=False, max_length=200)
    help_plan = forms.CharField(
        label=_("Help plan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_follow_up_on = forms.DateField(label=_("Next follow-up"), required=False, widget=HtmlDateInput)

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = guardians


class FollowUpForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=HtmlDateInput)
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    next_follow_up_on = forms.DateField(label=_("Next follow-up"), required=False, widget=HtmlDateInput)


class DonationForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Received or given"), choices=[("in", _("Received")), ("out", _("Given"))]
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("money", _("Money")), ("in_kind", _("In kind"))])
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, max_digits=12, decimal_places=2)
    items = forms.CharField(label=_("Items"), required=False, max_length=300)
    counterparty = forms.CharField(label=_("Donor or recipient"), required=False, max_length=120)
    resident = forms.ModelChoiceField(label=_("Person helped"), queryset=None, required=False)
    on = forms.DateField(label=_("Date"), widget=HtmlDateInput)

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents


class GuidanceForm(forms.Form):
    resident = forms.ModelChoiceField(label=_("Person"), queryset=None)
    on = forms.DateField(label=_("Date"), widget=HtmlDateInput)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    mentor = forms.CharField(label=_("Mentor"), required=False, max_length=100)
    outcome = forms.CharField(
        label=_("Outcome and next steps"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents
