from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.widgets import HtmlDateInput

from .models import GridStation, OrgUnit, PartnerUnit


class OrgUnitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    parent = forms.ModelChoiceField(label=_("Parent unit"), queryset=OrgUnit.objects.none(), required=False)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_bo = forms.CharField(label=_("Name in Tibetan"), max_length=200, required=False)
    code = forms.CharField(label=_("Code"), max_length=32)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Office phone"), max_length=32, required=False)

    def __init__(self, *args, parents=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents if parents is not None else OrgUnit.objects.none()
        if editing:
            for name in ("kind", "parent", "code"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            self.fields["boundary"] = forms.CharField(
                label=_("Boundary (GeoJSON)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
                help_text=_(
                    "Paste a GeoJSON Polygon or MultiPolygon in longitude and latitude (a Feature or a "
                    "one-feature FeatureCollection from geojson.io or a GIS is fine), or upload the file "
                    "below. Leave both empty to remove the boundary. The cockpit draws it on its map."
                ),
            )
            self.fields["boundary_file"] = forms.FileField(
                label=_("Boundary file (.geojson or .json)"), required=False
            )


class GridStationForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=255)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    duty_staff = forms.ModelMultipleChoiceField(
        label=_("Duty staff"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, grids, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = grids
        self.fields["duty_staff"].queryset = staff


class PartnerUnitForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("Community"), queryset=OrgUnit.objects.none())
    kind = forms.ChoiceField(label=_("Type"), choices=PartnerUnit.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = communities


def station_initial(station: GridStation) -> dict:
    return {
        "org_unit": station.org_unit_id,
        "name": station.name,
        "address": station.address,
        "phone": station.phone,
        "duty_staff": list(station.duty_staff.values_list("pk", flat=True)),
        "is_active": station.is_active,
    }


def partner_initial(partner: PartnerUnit) -> dict:
    fields = ["kind", "name", "address", "description", "contact_name", "contact_phone", "is_active"]
    return {"org_unit": partner.org_unit_id, **{f: getattr(partner, f) for f in fields}}


class AuditFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=HtmlDateInput())
    until = forms.DateField(label=_("To"), required=False, widget=HtmlDateInput())
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    obj = forms.CharField(
        label=_("Object"), required=False, max_length=130, help_text=_('For example "accounts.user:12".')
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import AuditEntry

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("Any"))] + list(AuditEntry.Outcome.choices)
        self.fields["kind"].choices = [("", _("Any"))] + list(AuditEntry.Kind.choices)

    def filters(self) -> dict:
        """Selector arguments; dates are whole local days, `to` included."""
        import datetime

        from django.utils import timezone

        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        tz = timezone.get_current_timezone()
        if data.get("since"):
            data["since"] = datetime.datetime.combine(data["since"], datetime.time.min, tzinfo=tz)
        if data.get("until"):
            data["until"] = datetime.datetime.combine(
                data["until"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
        return data
