from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit
from gongzhi.core.widgets import HtmlDateInput, HtmlMonthInput
from gongzhi.registry.models import Resident

from .models import Programme, ReviewTask


class ApplicationForm(forms.Form):
    household = forms.ModelChoiceField(queryset=None, label=_("Household"))
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.filter(is_active=True), label=_("Programme")
    )
    beneficiary = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Person (for individual programmes)")
    )
    reason = forms.CharField(
        label=_("Reason for applying"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    documents = forms.CharField(label=_("Documents provided"), required=False)
    one_off_amount = forms.DecimalField(
        label=_("Amount requested (temporary assistance)"), max_digits=14, decimal_places=2, required=False
    )
    override_reason = forms.CharField(label=_("Reason for overriding the 12-month limit"), required=False)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["beneficiary"].queryset = Resident.objects.filter(
            household__in=households, status=Resident.Status.LIVING
        )


class StepForm(forms.Form):
    """All facts a step may carry; each step uses the fields it needs."""

    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    household_size = forms.IntegerField(label=_("Household size"), required=False, min_value=1, max_value=30)
    monthly_income = forms.DecimalField(
        label=_("Household income per month (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    assets_note = forms.CharField(label=_("Assets"), required=False)
    elderly_members = forms.IntegerField(label=_("Elderly members"), required=False, min_value=0)
    disabled_members = forms.IntegerField(label=_("Disabled members"), required=False, min_value=0)
    ill_members = forms.IntegerField(label=_("Seriously ill members"), required=False, min_value=0)
    disability_grade = forms.IntegerField(
        label=_("Disability grade"), required=False, min_value=1, max_value=4
    )
    household_class = forms.ChoiceField(
        label=_("Household class"), choices=[("A", "A"), ("B", "B"), ("C", "C")], required=False
    )
    notice_days = forms.IntegerField(label=_("Notice days"), required=False, min_value=1, max_value=30)
    enrol_from = forms.DateField(label=_("Enrolled from"), required=False, widget=HtmlDateInput())
    payee_name = forms.CharField(label=_("Account name"), required=False)
    bank_name = forms.CharField(label=_("Bank"), required=False)
    account_number = forms.CharField(label=_("Account number"), required=False)
    objection_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason the household will see"), required=False)

    def data_for_service(self) -> dict:
        return {
            k: v for k, v in self.cleaned_data.items() if k not in ("action", "note") and v not in (None, "")
        }


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewTask.Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False)
    phase_out_months = forms.IntegerField(label=_("Phase-out months (1-12)"), required=False)
    exit_reason = forms.CharField(label=_("Reason for exit"), required=False)
    household_size = forms.IntegerField(label=_("Household size"), required=False, min_value=1)
    monthly_income = forms.DecimalField(
        label=_("Household income per month (yuan)"), max_digits=14, decimal_places=2, required=False
    )


class BatchForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.filter(is_active=True), label=_("Programme")
    )
    community = forms.ModelChoiceField(queryset=None, label=_("Community"))
    month = forms.DateField(label=_("Month"), widget=HtmlMonthInput(), input_formats=["%Y-%m", "%Y-%m-%d"])

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ReconcileForm(forms.Form):
    file = forms.FileField(label=_("The bank's returned file (CSV: line, result, reason)"))


class ReportForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Unit"))
    date_from = forms.DateField(label=_("From"), widget=HtmlDateInput())
    date_to = forms.DateField(label=_("To"), widget=HtmlDateInput())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The period ends before it starts."))
        return data


class StandardForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.filter(is_active=True), label=_("Programme")
    )
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Region"))
    band = forms.CharField(label=_("Band"), required=False, max_length=16)
    age_min = forms.IntegerField(label=_("From age"), required=False, min_value=0)
    age_max = forms.IntegerField(label=_("To age"), required=False, min_value=0)
    valid_from = forms.DateField(label=_("Valid from"), widget=HtmlDateInput())
    amount = forms.DecimalField(
        label=_("Amount per person per month (yuan)"), max_digits=14, decimal_places=2
    )
    minimum = forms.DecimalField(
        label=_("Minimum payment (yuan)"), max_digits=14, decimal_places=2, initial=0
    )
    supplement_elderly_pct = forms.DecimalField(
        label=_("Supplement for elderly members (%)"), max_digits=5, decimal_places=2, initial=0
    )
    supplement_disabled_pct = forms.DecimalField(
        label=_("Supplement for disabled members (%)"), max_digits=5, decimal_places=2, initial=0
    )
    supplement_ill_pct = forms.DecimalField(
        label=_("Supplement for seriously ill members (%)"), max_digits=5, decimal_places=2, initial=0
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document"), max_length=100)
    file = forms.FileField(label=_("File (PDF, image or office document)"))
