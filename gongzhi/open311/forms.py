from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.templatetags.gongzhi import local_name


class CommunityChoiceField(forms.ModelChoiceField):
    """Communities named in the reader's language."""

    def label_from_instance(self, obj):
        return local_name(obj)


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system uses the key, e.g. “城管 12345 hotline”.")
    )
    community = CommunityChoiceField(label=_("Community"), queryset=None)
    # Partner units' names are data, in whatever language they were entered.
    partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=None, required=False, widget=forms.Select(attrs={"translate": "no"})
    )

    def __init__(self, *args, communities, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["partner"].queryset = partners
        if len(communities) == 1:
            self.fields["community"].initial = communities[0]
