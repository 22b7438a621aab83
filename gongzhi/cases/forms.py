import json

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit
from gongzhi.core.templatetags.gongzhi import local_name
from gongzhi.core.widgets import HtmlDateTimeInput

from .models import DESCRIPTION_MAX, Case, Category, DeadlineUnit, Mediation, Tier


class CategoryChoiceField(forms.ModelChoiceField):
    """Category choices in the reader's language (Tibetan names on Tibetan pages)."""

    def label_from_instance(self, obj):
        return local_name(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/*", "multiple": True})

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _asks_extra_questions(field) -> None:
    """When the category changes, htmx fetches its extra questions into #extra-fields."""
    field.widget.attrs.update(
        {
            "hx-get": reverse_lazy("cases:extra_fields"),
            "hx-target": "#extra-fields",
            "hx-trigger": "change, load",
        }
    )


class ReportForm(forms.Form):
    """The resident's form, phone first: category, description, location, photos, anonymity."""

    category = CategoryChoiceField(
        label=_("What is it about?"), queryset=Category.objects.none(), empty_label=None
    )
    description = forms.CharField(
        label=_("Describe the matter"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
        help_text=_("Plain text, at most 4000 characters."),
    )
    location_kind = forms.ChoiceField(
        label=_("Where?"),
        choices=Case.LocationKind.choices,
        widget=forms.RadioSelect,
        initial=Case.LocationKind.ADDRESS,
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    lat = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    long = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY, is_active=True),
        required=False,
    )
    photos = MultipleImageField(label=_("Photos (up to 3)"))
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Your mobile number"), max_length=20, required=False)
    anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        required=False,
        help_text=_("Your name is not recorded; follow the case with its tracking code."),
    )

    def __init__(self, *args, signed_in=False, has_home=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by(
            "sort_order", "code"
        )
        _asks_extra_questions(self.fields["category"])
        if not has_home:
            self.fields["location_kind"].choices = [
                c for c in Case.LocationKind.choices if c[0] != Case.LocationKind.REGISTERED
            ]
        else:
            self.fields["location_kind"].initial = Case.LocationKind.REGISTERED
            del self.fields["community"]
        if "community" in self.fields:
            self.fields["community"].required = True
        if signed_in:
            del self.fields["name"]
            del self.fields["phone"]


class CallForm(forms.Form):
    """The one-click call, logged by the duty person in three fields."""

    phone = forms.CharField(label=_("Caller's phone"), max_length=20, required=False)
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none(), empty_label=None)
    note = forms.CharField(
        label=_("Note"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class EntryForm(forms.Form):
    """A grid worker's patrol report or a staff entry for a walk-in or phone caller."""

    channel = forms.ChoiceField(label=_("Channel"))
    org_unit = forms.ModelChoiceField(label=_("Grid or community"), queryset=OrgUnit.objects.none())
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none(), empty_label=None)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    lat = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    long = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Caller's phone"), max_length=20, required=False)
    photos = MultipleImageField(label=_("Photos (up to 3)"))

    def __init__(self, *args, units, categories, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["category"].queryset = categories
        self.fields["channel"].choices = channels
        _asks_extra_questions(self.fields["category"])


class RateForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=12)


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_bo = forms.CharField(label=_("Name in Tibetan"), max_length=200, required=False)
    parent = forms.ModelChoiceField(label=_("Parent"), queryset=Category.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    default_tier = forms.ChoiceField(label=_("Default tier"), choices=Tier.choices)
    is_mediation = forms.BooleanField(label=_("Dispute mediation"), required=False)
    handling_units = forms.ModelMultipleChoiceField(
        label=_("Default handling units"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    response_amount = forms.IntegerField(label=_("Response deadline"), min_value=1, max_value=1000)
    response_unit = forms.ChoiceField(label=_("Unit"), choices=DeadlineUnit.choices)
    resolution_amount = forms.IntegerField(label=_("Resolution deadline"), min_value=1, max_value=1000)
    resolution_unit = forms.ChoiceField(label=_("Unit"), choices=DeadlineUnit.choices)
    extra_fields = forms.CharField(
        label=_("Extra fields (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'A list like [{"code": "floor", "label": "Floor", "datatype": "number", "required": false}].'
        ),
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, parents, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["handling_units"].queryset = partners

    def clean_extra_fields(self):
        text = self.cleaned_data.get("extra_fields") or "[]"
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Date and time"), widget=HtmlDateTimeInput())
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    volunteer_phone = forms.CharField(
        label=_("Volunteer mediator's phone (if a resident volunteer)"), max_length=20, required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Mediation.Outcome.choices[1:])
    agreement_text = forms.CharField(
        label=_("Agreement"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    agreement_file = forms.FileField(label=_("Signed agreement (PDF or photo)"), required=False)
