from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.widgets import HtmlDateInput

from .models import PointRule


class RuleForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short latin code used by other apps, e.g. volunteer-hour."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=PointRule.Category.choices)
    unit = forms.ChoiceField(label=_("Counted"), choices=PointRule.Unit.choices)
    points = forms.IntegerField(label=_("Points per unit"), min_value=1, max_value=10000)
    daily_cap = forms.IntegerField(label=_("Daily cap per person"), min_value=1, required=False)
    yearly_cap = forms.IntegerField(label=_("Yearly cap per person"), min_value=1, required=False)
    needs_confirmation = forms.BooleanField(label=_("Organiser must confirm"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=HtmlDateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=HtmlDateInput())
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False


class PolicyForm(forms.Form):
    approval_threshold = forms.IntegerField(
        label=_("Approval threshold (points)"),
        min_value=0,
        max_value=100000,
        help_text=_("A manual award of more points than this needs a second staff member's approval."),
    )
    expiry_months = forms.IntegerField(
        label=_("Points expire after (months)"),
        min_value=1,
        max_value=120,
        required=False,
        help_text=_("Leave empty for points that never expire."),
    )


class ScanForm(forms.Form):
    """The one scan page of the service centre: a card code (or phone number, or name) and what to do
    with it — open the points account (award, exchange) or one of the card actions other apps
    register (check in or out of an activity session running now)."""

    do = forms.ChoiceField(
        label=_("What to do"), required=False, widget=forms.RadioSelect(attrs={"data-scan-do": "1"})
    )
    code = forms.CharField(
        label=_("Card code, phone number or name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "data-scan-target": "1"}),
    )
    camera = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-scan-camera": "1"}))

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["do"].choices = [
            ("", _("Open the points account: award points or exchange goods"))
        ] + list(actions)


class AwardForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"))
    quantity = forms.DecimalField(
        label=_("Hours or times"), min_value=0.01, max_value=1000, decimal_places=2, initial=1
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [
            (r.code, f"{r.name} · {r.points} / {r.get_unit_display()}") for r in rules
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RewardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    points_price = forms.IntegerField(label=_("Price in points"), min_value=1, max_value=1000000)
    per_person_monthly_limit = forms.IntegerField(
        label=_("Limit per person per month"), min_value=1, required=False
    )
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    stock = forms.IntegerField(label=_("Opening stock"), min_value=0, max_value=100000, initial=0)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["stock"]


class StockForm(forms.Form):
    KIND_CHOICES = [("restock", _("Restock")), ("adjustment", _("Adjustment after a count"))]
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        help_text=_("For an adjustment, negative lowers the stock."),
        min_value=-100000,
        max_value=100000,
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
