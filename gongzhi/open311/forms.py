from django import forms
from django.utils.translation import gettext_lazy as _


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system uses the key, e.g. “城管 12345 hotline”.")
    )
    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    partner = forms.ModelChoiceField(label=_("Partner unit"), queryset=None, required=False)

    def __init__(self, *args, communities, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["partner"].queryset = partners
        if len(communities) == 1:
            self.fields["community"].initial = communities[0]
