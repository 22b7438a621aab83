from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit, PartnerUnit
from gongzhi.core.templatetags.gongzhi import local_name
from gongzhi.core.widgets import HtmlDateInput, HtmlDateTimeInput

from .models import Corner, Decision, Participant, Result, Topic, Vote


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, images_only=False, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(
            {"multiple": True, "accept": "image/*" if images_only else "image/*,.pdf,.docx"}
        )

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class GridChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return local_name(obj)


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What is the matter, and what do you propose?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
    )
    category = forms.ChoiceField(label=_("Category"), choices=Topic.Category.choices)
    grids = GridChoices(
        label=_("Affected grids"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("None: the whole community."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"), help_text=_("Photos or documents (PDF, Word), at most 5.")
    )

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if grids is not None:
            self.fields["grids"].queryset = grids


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DecisionOpenForm(forms.Form):
    method = forms.ChoiceField(label=_("How is it decided?"), choices=Decision.Method.choices)
    question = forms.CharField(label=_("Question put to the vote"), max_length=300, required=False)
    meeting = forms.ModelChoiceField(
        label=_("Meeting (for the representatives' vote)"), queryset=None, required=False
    )
    days = forms.IntegerField(
        label=_("Days the household vote stays open"), min_value=1, max_value=90, required=False
    )
    quorum_percent = forms.IntegerField(label=_("Quorum %"), min_value=0, max_value=100, required=False)
    majority_percent = forms.IntegerField(label=_("Majority %"), min_value=1, max_value=99, required=False)

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your household's vote"), choices=Vote.Choice.choices, widget=forms.RadioSelect
    )


class RepresentativeVoteForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("Representative"), queryset=Participant.objects.none())
    choice = forms.ChoiceField(label=_("Vote"), choices=Vote.Choice.choices)

    def __init__(self, *args, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if participants is not None:
            self.fields["participant"].queryset = participants


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    start = forms.DateTimeField(label=_("Starts"), widget=HtmlDateTimeInput())
    end = forms.DateTimeField(label=_("Ends"), widget=HtmlDateTimeInput())
    room = forms.ModelChoiceField(
        label=_("Room (booked through the service centre)"),
        queryset=None,
        required=False,
        empty_label=_("Elsewhere"),
    )
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, help_text=_("When not in one of our rooms.")
    )
    notes = forms.CharField(
        label=_("Notes for participants"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Agenda"), queryset=Topic.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, rooms=None, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms
        if topics is not None:
            self.fields["topics"].queryset = topics


class AgendaForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none())

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topics is not None:
            self.fields["topic"].queryset = topics


class InviteForm(forms.Form):
    kind = forms.ChoiceField(label=_("As"), choices=Participant.Kind.choices)
    resident_id = forms.IntegerField(label=_("Resident number"), required=False, min_value=1)
    partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=PartnerUnit.objects.none(), required=False
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].queryset = partners


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}), max_length=8000)


class PhotosForm(forms.Form):
    photos = MultipleFileField(label=_("Photos"), images_only=True)


class CheckinForm(forms.Form):
    token = forms.CharField(label=_("Code"), max_length=64)


class ResultForm(forms.Form):
    title = forms.CharField(label=_("What will be done"), max_length=200)
    owner_kind = forms.ChoiceField(label=_("Responsible"), choices=Result.OwnerKind.choices)
    owner_partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=PartnerUnit.objects.none(), required=False
    )
    owner_grid = forms.ModelChoiceField(label=_("Grid"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args, partners=None, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["owner_partner"].queryset = partners
        if grids is not None:
            self.fields["owner_grid"].queryset = grids


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due"), widget=HtmlDateInput())


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    progress = forms.IntegerField(label=_("Progress %"), min_value=0, max_value=100)
    photos = MultipleFileField(label=_("Photos"), images_only=True)


class CornerForm(forms.ModelForm):
    class Meta:
        model = Corner
        fields = ["support_threshold", "vote_days", "quorum_percent", "majority_percent"]
