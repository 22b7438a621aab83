"""The select override (gongzhi/core/form_templates) must write what Django's own template writes."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates

from gongzhi.core.forms_renderer import FormRenderer


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
