from django import forms
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit
from gongzhi.core.widgets import HtmlDateInput

from .choices import ETHNICITY_CHOICES
from .models import Building, CareTag, Household, ImportJob, Resident

DATE = HtmlDateInput()
BLANK = [("", "—")]


class ResidentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Name, pinyin or initials, Tibetan name, last 4 of the ID number, or phone."),
    )
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    tag = forms.ChoiceField(label=_("Care tag"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Resident.Status.choices]
    )
    age_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=130)
    age_max = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=130)

    def __init__(self, *args, grids, buildings, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["building"].queryset = buildings
        self.fields["tag"].choices = [("", _("Any tag")), *[(t.code, _(t.name)) for t in tags]]

    def choices_for_page(self) -> "ResidentFilterForm":
        """Read the grids and buildings once, before the page renders the form: a model choice
        field re-reads its queryset through a server-side cursor (three round trips on PostgreSQL)
        every time its widget renders. The API and the export only validate: they skip this."""
        for name in ("grid", "building"):
            field = self.fields[name]
            field.choices = [
                ("", field.empty_label),
                *(
                    (ModelChoiceIteratorValue(field.prepare_value(obj), obj), field.label_from_instance(obj))
                    for obj in field.queryset
                ),
            ]
        return self

    @classmethod
    def for_user(cls, data, *, user):
        """The filters of the resident list, its export and the API alike: the grids, buildings and
        tags offered are those the user may read."""
        from gongzhi.accounts.roles import READER_ROLES
        from gongzhi.accounts.scoping import scope_q, visible_units

        from .selectors import care_tags_visible

        return cls(
            data,
            grids=visible_units(user, READER_ROLES).filter(kind=OrgUnit.Kind.GRID).order_by("path"),
            buildings=Building.objects.filter(scope_q(user, READER_ROLES)).order_by("name"),
            tags=care_tags_visible(user=user),
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("The upper age is below the lower one."))
        return data

    def filters(self):
        """The ResidentFilters of valid input (call after is_valid()). Without a status parameter
        the list shows the residents living here; an empty one means any status."""
        from .selectors import ResidentFilters

        data = self.cleaned_data
        return ResidentFilters(
            q=data["q"],
            grid=data["grid"].pk if data["grid"] else None,
            building=data["building"].pk if data["building"] else None,
            tag=data["tag"],
            status=data["status"] if "status" in self.data else Resident.Status.LIVING,
            age_min=data["age_min"],
            age_max=data["age_max"],
        )


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_bo = forms.CharField(label=_("Name in Tibetan script"), max_length=200, required=False)
    former_names = forms.CharField(label=_("Former names"), max_length=200, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Resident.Gender.choices)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=BLANK + ETHNICITY_CHOICES, required=False)
    relationship_to_head = forms.ChoiceField(
        label=_("Relationship to the head"), choices=Resident.Relationship.choices
    )
    document_type = forms.ChoiceField(label=_("Document type"), choices=Resident.DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=32, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    education = forms.ChoiceField(
        label=_("Education"), choices=BLANK + Resident.Education.choices, required=False
    )
    employment = forms.ChoiceField(
        label=_("Employment"), choices=BLANK + Resident.Employment.choices, required=False
    )
    medical_insurance = forms.ChoiceField(
        label=_("Medical insurance"), choices=BLANK + Resident.Insurance.choices, required=False
    )
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    party_branch = forms.CharField(label=_("Party branch"), max_length=120, required=False)
    employer_unit = forms.CharField(
        label=_("Employer unit (双报到)"),
        max_length=120,
        required=False,
        help_text=_("For party members in service: the unit where they work."),
    )
    disability_type = forms.ChoiceField(
        label=_("Disability"), choices=Resident.Disability.choices, required=False
    )
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        choices=BLANK + [(i, str(i)) for i in range(1, 5)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    care_tags = forms.ModelMultipleChoiceField(
        label=_("Care tags"),
        queryset=CareTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    moved_in_on = forms.DateField(label=_("Moved in on"), required=False, widget=DATE)

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_tags"].queryset = tags.filter(is_derived=False)
        self.fields["care_tags"].label_from_instance = lambda t: _(t.name)


class HouseholdForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none())
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    unit_no = forms.CharField(label=_("Entrance / unit"), max_length=20, required=False)
    room_no = forms.CharField(label=_("Room"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=255)
    registration_type = forms.ChoiceField(
        label=_("Registration type"), choices=Household.RegistrationType.choices
    )

    def __init__(self, *args, grids, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = grids
        self.fields["building"].queryset = buildings


class HouseholdMoveForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("New grid"), queryset=OrgUnit.objects.none())
    address = forms.CharField(label=_("New address (if it changes)"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = grids


class ResidentMoveForm(forms.Form):
    household = forms.IntegerField(
        label=_("Number of the new household"), help_text=_("Shown on the household's page as “No.”.")
    )
    relationship_to_head = forms.ChoiceField(
        label=_("Relationship to the head of the new household"), choices=Resident.Relationship.choices
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("What happened"))
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    org_unit = forms.ModelChoiceField(label=_("Grid or community"), queryset=OrgUnit.objects.none())
    mode = forms.ChoiceField(
        label=_("Mode"), choices=ImportJob.Mode.choices, initial=ImportJob.Mode.ALL_OR_NOTHING
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units


class CareTagForm(forms.Form):
    name = forms.CharField(label=_("New care tag"), max_length=80)
