from django.template import Context, Template
from django.urls import get_script_prefix, reverse, set_script_prefix

from gongzhi.core.templatetags.gongzhi import row_url


def test_row_urls_are_the_reversed_urls():
    for name in ["registry:resident_detail", "cases:detail"]:
        for pk in [0, 1, 7, 98765, 2**40]:
            assert row_url(name, pk) == reverse(name, args=[pk])


def test_row_urls_follow_the_script_prefix():
    before = get_script_prefix()
    try:
        set_script_prefix("/gongzhi/")
        assert row_url("cases:detail", 12) == "/gongzhi/cases/12/" == reverse("cases:detail", args=[12])
    finally:
        set_script_prefix(before)
    assert row_url("cases:detail", 12) == reverse("cases:detail", args=[12])


def test_the_tag_in_a_template():
    html = Template("{% load gongzhi %}<a href=\"{% row_url 'cases:detail' c %}\">").render(Context({"c": 5}))
    assert html == f'<a href="{reverse("cases:detail", args=[5])}">'
