"""The renderer's Python markup and the select override (gongzhi/core/form_templates) must write
what Django's own templates write."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates

from gongzhi.core.forms_renderer import FormRenderer
from gongzhi.core.widgets import HtmlDateInput


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "甲"), ("b", "乙 & <丙>")])
    grouped = forms.ChoiceField(
        choices=[("Group 1", [("x", "X"), ("y", "Y")]), ("z", "Z")], widget=forms.Select(attrs={"class": "c"})
    )
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")])
    maybe = forms.NullBooleanField()


def _html(renderer):
    form = Sample({"plain": "b", "grouped": "y", "many": ["1", "3"], "maybe": "true"}, renderer=renderer)
    return re.sub(r"\s+", " ", "".join(str(field) for field in form))


def test_the_inline_select_writes_the_same_markup_as_djangos():
    ours, django = _html(FormRenderer()), _html(DjangoTemplates())
    assert ours == django
    assert '<option value="b" selected>乙 &amp; &lt;丙&gt;</option>' in ours
    assert '<optgroup label="Group 1">' in ours and 'value="3" selected' in ours


class Inputs(forms.Form):
    name = forms.CharField(
        max_length=5, help_text="x", widget=forms.TextInput(attrs={"placeholder": 'a "b" <c>'})
    )
    number = forms.IntegerField(min_value=0, max_value=9, required=False)
    mail = forms.EmailField(required=False)
    day = forms.DateField(widget=HtmlDateInput(), required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-x": True, "data-y": False}), required=False
    )
    search = forms.CharField(
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}), required=False
    )
    pick = forms.ChoiceField(choices=[("", "—"), ("a&b", "A & B")], required=False)


def _fields(renderer, data):
    form = Inputs(data, renderer=renderer)
    form.is_valid()
    parts = [str(form.non_field_errors())]
    for field in form:
        parts += [str(field), str(field.errors)]
    # Django's select writes a blank line after each option (its option template ends with one).
    return [re.sub(r">\s+<", "><", part) for part in parts]


def test_the_python_inputs_and_error_lists_write_the_same_markup_as_djangos():
    for data in [
        None,
        {
            "name": "<script>",
            "number": "3",
            "mail": "a@b.cn",
            "day": "2026-12-21",
            "secret": "s&",
            "pick": "a&b",
        },
        {"name": "toolong", "number": "x", "mail": "not-mail", "day": "never", "pick": "nope"},
    ]:
        ours, django = _fields(FormRenderer(), data), _fields(DjangoTemplates(), data)
        assert ours == django
    assert any('value="&lt;script&gt;"' in part for part in _fields(FormRenderer(), {"name": "<script>"}))
    assert any('class="errorlist"' in part for part in _fields(FormRenderer(), {"number": "x"}))


def test_every_input_widget_template_is_written_in_python():
    assert {
        "django/forms/widgets/text.html",
        "django/forms/widgets/number.html",
        "django/forms/widgets/password.html",
        "django/forms/widgets/hidden.html",
    } <= FormRenderer.input_templates


def test_the_site_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        renderer = get_default_renderer()
        assert isinstance(renderer, FormRenderer)
        origin = renderer.get_template("django/forms/widgets/select.html").origin.name
        assert "form_templates" in str(origin)
    finally:
        get_default_renderer.cache_clear()
