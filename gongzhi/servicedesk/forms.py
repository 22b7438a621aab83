import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import GridStation, OrgUnit, PartnerUnit
from gongzhi.core.widgets import HtmlDateInput, HtmlDateTimeInput

from .models import Counter, ProofTemplate, Rating, ServiceItem, ServiceRecord


class ItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "name",
            "name_bo",
            "name_en",
            "category",
            "materials",
            "materials_bo",
            "materials_en",
            "handling",
            "forward_partner",
            "forward_unit",
            "time_limit_days",
            "fee",
            "fee_note",
            "sort_order",
            "is_active",
        ]
        widgets = {
            "materials": forms.Textarea(attrs={"rows": 4}),
            "materials_bo": forms.Textarea(attrs={"rows": 4}),
            "materials_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, community: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forward_partner"].queryset = PartnerUnit.objects.filter(
            org_unit__path__startswith=community.path, is_active=True
        )
        self.fields["forward_unit"].queryset = OrgUnit.objects.filter(pk__in=community.ancestor_ids).exclude(
            pk=community.pk
        )

    def _post_clean(self):
        # The service validates and saves; the model's own checks run there.
        pass


class RecordForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Service"), queryset=ServiceItem.objects.none())
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    card = forms.CharField(
        label=_("Check-in card (scan)"),
        required=False,
        max_length=64,
        help_text=_("Optional: scan the card's QR."),
    )
    visitor_name = forms.CharField(label=_("Or a visitor's name"), required=False, max_length=100)
    channel = forms.ChoiceField(
        label=_("Where"), choices=ServiceRecord.Channel.choices, widget=forms.RadioSelect, initial="counter"
    )
    station = forms.ModelChoiceField(
        label=_("Grid station"), queryset=GridStation.objects.none(), required=False
    )
    started_at = forms.DateTimeField(label=_("Started"), widget=HtmlDateTimeInput())
    ended_at = forms.DateTimeField(label=_("Ended"), widget=HtmlDateTimeInput())
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ServiceRecord.Outcome.choices, widget=forms.RadioSelect, initial="done"
    )
    missing_materials = forms.CharField(label=_("What is missing"), required=False, max_length=300)
    refusal_reason = forms.CharField(label=_("Reason for refusal"), required=False, max_length=300)
    forward_partner = forms.ModelChoiceField(
        label=_("Forwarded to (partner unit)"), queryset=PartnerUnit.objects.none(), required=False
    )
    forward_unit = forms.ModelChoiceField(
        label=_("Forwarded to (higher unit)"), queryset=OrgUnit.objects.none(), required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items, stations, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["station"].queryset = stations
        paths = [c.path for c in communities]
        ancestor_ids = {pk for c in communities for pk in c.ancestor_ids} - {c.pk for c in communities}
        self.fields["forward_unit"].queryset = OrgUnit.objects.filter(pk__in=ancestor_ids)
        q = PartnerUnit.objects.none()
        for path in paths:
            q = q | PartnerUnit.objects.filter(org_unit__path__startswith=path, is_active=True)
        self.fields["forward_partner"].queryset = q
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("ended_at", now.strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault(
                "started_at", (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
            )


class ForwardResultForm(forms.Form):
    result = forms.CharField(label=_("Result from the higher unit"), widget=forms.Textarea(attrs={"rows": 3}))


class ProofForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Proof"), queryset=ProofTemplate.objects.none())
    resident = forms.IntegerField(widget=forms.HiddenInput)
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=200)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CallbackForm(forms.Form):
    note = forms.CharField(label=_("What the resident said"), max_length=300)


class RatingForm(forms.Form):
    level = forms.ChoiceField(label=_("How satisfied are you?"), choices=Rating.Level.choices)
    reason = forms.CharField(label=_("Anything to tell us? (optional)"), required=False, max_length=300)


class BookForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=HtmlDateInput())
    slot_start = forms.TimeField(label=_("Time"), widget=forms.HiddenInput)


class TicketForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Service"), queryset=ServiceItem.objects.none())
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    card = forms.CharField(label=_("Check-in card (scan)"), required=False, max_length=64)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class CounterChoiceForm(forms.Form):
    counter = forms.ModelChoiceField(label=_("Counter"), queryset=Counter.objects.none())


class TemplateForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=16)
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Placeholders filled from the registry: {name} {gender} {birth_date} {ethnicity} {document_type} "
            "{document_number} {address} {household_head} {relationship} {community} {purpose} {date}"
        ),
    )
    item = forms.ModelChoiceField(label=_("Service"), queryset=ServiceItem.objects.none(), required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class CounterForm(forms.Form):
    number = forms.IntegerField(label=_("Counter number"), min_value=1, max_value=99)
    name = forms.CharField(label=_("Name"), max_length=100)
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"), min_value=5, max_value=240, initial=30
    )
    slot_capacity = forms.IntegerField(label=_("Appointments per slot"), min_value=1, max_value=50, initial=2)
    is_active = forms.BooleanField(label=_("Open"), required=False, initial=True)
    items = forms.ModelMultipleChoiceField(
        label=_("Services handled"),
        queryset=ServiceItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for a general counter that handles every service."),
    )

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if items is not None:
            self.fields["items"].queryset = items
