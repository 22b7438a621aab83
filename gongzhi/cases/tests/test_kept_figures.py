"""Dashboards keep their figures for a few minutes per question (gongzhi/core/figures.py)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from gongzhi.cases import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.GONGZHI_FIGURES_CACHE_SECONDS = 300


def test_metrics_are_kept_for_the_same_question_and_say_since_when(kept, world, make_case, login):
    make_case()
    first = selectors.metrics(user=world.staff)
    assert first["overall"]["total"] == 1
    make_case()
    again = selectors.metrics(user=world.staff)
    assert again["overall"]["total"] == 1 and again["as_of"] == first["as_of"]
    page = login(world.staff).get(reverse("cases:metrics")).content.decode()
    assert "数据截至" in page or "Figures as of" in page
    cache.clear()  # what the end of the five minutes does
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 2


def test_kept_figures_never_cross_scopes_or_filters(kept, world, make_case):
    make_case()
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 1
    # Another community's staff asks the same question about their own scope: their own figures.
    assert selectors.metrics(user=world.staff_b)["overall"]["total"] == 0
    # A narrower question is a different question.
    assert selectors.metrics(user=world.staff, org_unit=world.tree.grid_a2)["overall"]["total"] == 0


def test_participation_statistics_are_kept_per_scope_and_language(kept, world, login):
    from django.utils import translation

    from gongzhi.activities import selectors as activity_selectors

    with translation.override("en"):
        english = activity_selectors.participation_stats(user=world.staff, year=2026)
    with translation.override("zh-hans"):
        chinese = activity_selectors.participation_stats(user=world.staff, year=2026)
    assert english["as_of"] <= chinese["as_of"]
    assert activity_selectors.participation_stats(user=world.staff_b, year=2026)["total"] == {
        "times": 0,
        "people": 0,
    }
    page = login(world.staff).get(reverse("activities:stats")).content.decode()
    assert "数据截至" in page or "Figures as of" in page


def test_without_keeping_every_view_computes_afresh(world, make_case):
    make_case()
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 1
    make_case()
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 2
