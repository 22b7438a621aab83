"""The form renderer: Django's, writing the commonest widgets in Python.

Every field of a form renders a template (its widget's, which includes the input's and the
attributes'), and every field's error list renders one too, empty or not: on the resident list the
filter form was a quarter of the page's rendering time. This renderer writes those templates'
markup itself (the input family, the select, an empty error list) and leaves every other template
to Django. gongzhi/core/form_templates overrides select.html with the markup written inline, for
the same reason, wherever the template is still rendered. Tests hold the Python markup to Django's
own templates (gongzhi/core/tests/test_forms_renderer.py)."""

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

OVERRIDES = Path(__file__).resolve().parent / "form_templates"
DJANGO_TEMPLATES = Path(django.forms.__file__).resolve().parent / "templates"
WIDGETS = "django/forms/widgets/"
INPUT = WIDGETS + "input.html"
SELECT = WIDGETS + "select.html"
ERROR_LISTS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}


def _input_family() -> frozenset[str]:
    """input.html and every widget template that is nothing but an include of it (text, number,
    email, date...), read from Django's own templates so that a changed one falls back to it."""
    include = '{% include "django/forms/widgets/input.html" %}'
    names = {INPUT}
    for path in (DJANGO_TEMPLATES / WIDGETS).glob("*.html"):
        if path.read_text(encoding="utf-8").strip() == include:
            names.add(WIDGETS + path.name)
    return frozenset(names)


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _select(widget: dict) -> str:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(DjangoTemplates):
    input_templates = _input_family()

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [OVERRIDES, DJANGO_TEMPLATES],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )

    def render(self, template_name, context, request=None):
        if template_name in self.input_templates:
            return mark_safe(_input(context["widget"]))  # noqa: S308 - every part escaped above
        if template_name == SELECT:
            return mark_safe(_select(context["widget"]))  # noqa: S308
        if template_name in ERROR_LISTS and not context.get("errors"):
            return ""
        return super().render(template_name, context, request)
