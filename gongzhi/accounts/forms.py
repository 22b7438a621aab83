from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit

from .roles import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The account or the password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What is the token for?"), max_length=100)


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
