"""The form renderer: Django's, with gongzhi/core/form_templates searched first.

Only `django/forms/widgets/select.html` is overridden there: Django's renders each option with an
include of its own template, which made the filter forms of the resident list (grids, buildings,
care tags) the largest part of that page's rendering; the override writes the same markup inline."""

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property

OVERRIDES = Path(__file__).resolve().parent / "form_templates"


class FormRenderer(DjangoTemplates):
    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [OVERRIDES, Path(django.forms.__file__).resolve().parent / self.backend.app_dirname],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
