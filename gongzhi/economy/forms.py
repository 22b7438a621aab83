import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Allocation, Lease, Payment, ShopUnit, Tenant

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(label, **kw):
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=0, **kw)


class ProjectForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("Community"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=150)
    investment = _money_field(_("Investment (yuan)"))
    funding_sources = forms.CharField(
        label=_("Funding sources"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    completion_date = forms.DateField(label=_("Completion date"), required=False, widget=DATE)
    annual_rent_target = _money_field(_("Annual rent target (yuan)"))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = communities


class ProjectUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    investment = _money_field(_("Investment (yuan)"))
    funding_sources = forms.CharField(
        label=_("Funding sources"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    completion_date = forms.DateField(label=_("Completion date"), required=False, widget=DATE)
    annual_rent_target = _money_field(_("Annual rent target (yuan)"))


class UnitUpdateForm(forms.Form):
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=100)
    area = forms.DecimalField(label=_("Area (m²)"), max_digits=10, decimal_places=2, min_value=0)
    use = forms.CharField(label=_("Use"), max_length=100, required=False)


class ShopUnitForm(forms.Form):
    number = forms.CharField(label=_("Unit number"), max_length=30)
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=100, initial=1)
    area = forms.DecimalField(label=_("Area (m²)"), max_digits=10, decimal_places=2, min_value=0)
    use = forms.CharField(label=_("Use"), max_length=100, required=False)


class UnitStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[c for c in ShopUnit.Status.choices if c[0] != ShopUnit.Status.LET]
    )


class PhotoForm(forms.Form):
    photo = forms.ImageField(label=_("Photo"))


class TenantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Tenant.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("For an enterprise."),
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=30, required=False, help_text=_("For an individual.")
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    business = forms.CharField(label=_("Business"), max_length=150, required=False)
    local_employees = forms.IntegerField(label=_("Local residents employed"), min_value=0, initial=0)


class TenantUpdateForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    business = forms.CharField(label=_("Business"), max_length=150, required=False)
    local_employees = forms.IntegerField(label=_("Local residents employed"), min_value=0)


class LeaseForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Shop unit"), queryset=None)
    tenant = forms.ModelChoiceField(label=_("Tenant"), queryset=None)
    number = forms.CharField(label=_("Contract number"), max_length=40, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE, help_text=_("The last day of the lease."))
    rent_basis = forms.ChoiceField(label=_("Rent basis"), choices=Lease.RentBasis.choices)
    rent_rate = _money_field(_("Rent (yuan)"), help_text=_("Per m² per month, or per month when fixed."))
    payment_cycle = forms.ChoiceField(label=_("Payment cycle"), choices=Lease.Cycle.choices)
    rent_free_months = forms.IntegerField(label=_("Rent-free months"), min_value=0, max_value=120, initial=0)
    yearly_increase_pct = forms.DecimalField(
        label=_("Yearly increase (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0
    )
    deposit = _money_field(_("Deposit (yuan)"), initial=0)
    due_days = forms.IntegerField(label=_("Days to pay"), min_value=0, max_value=366, initial=15)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units, tenants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.project.name} · {u.number} ({u.area} m²)"
        self.fields["tenant"].queryset = tenants


class RenewForm(forms.Form):
    end_date = forms.DateField(label=_("New end date"), widget=DATE)
    rent_rate = _money_field(
        _("Rent (yuan)"), required=False, help_text=_("Leave empty to keep the current rent.")
    )
    yearly_increase_pct = forms.DecimalField(
        label=_("Yearly increase (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
    )
    rent_free_months = forms.IntegerField(label=_("Rent-free months"), min_value=0, max_value=120, initial=0)


class TerminateForm(forms.Form):
    termination_date = forms.DateField(label=_("Last day of the lease"), widget=DATE)
    penalty = _money_field(_("Penalty (yuan)"), initial=0)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DepositReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DATE, initial=timezone.localdate)


class DepositReturnForm(forms.Form):
    amount = _money_field(_("Amount returned (yuan)"))
    returned_on = forms.DateField(label=_("Returned on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Reason for any amount kept"), required=False, max_length=200)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    method = forms.ChoiceField(
        label=_("Method"), choices=[c for c in Payment.Method.choices if c[0] != Payment.Method.DEPOSIT]
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class GenerateForm(forms.Form):
    as_of = forms.DateField(
        label=_("Issue invoices for periods starting by"), widget=DATE, initial=timezone.localdate
    )


class AllocationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    category = forms.ChoiceField(label=_("Category"), choices=Allocation.Category.choices)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


def month_ends(today: datetime.date, count: int = 6) -> list[datetime.date]:
    out = []
    day = today.replace(day=1) - datetime.timedelta(days=1)
    for _i in range(count):
        out.append(day)
        day = day.replace(day=1) - datetime.timedelta(days=1)
    return out
