"""Dashboards keep their figures for a few minutes per question, and compute them afresh once a
write in their scope commits (gongzhi/core/figures.py)."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from gongzhi.cases import selectors

from .conftest import advance

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.GONGZHI_FIGURES_CACHE_SECONDS = 300


def test_metrics_count_a_committed_case_at_once_and_say_since_when(
    kept, world, make_case, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case()
    first = selectors.metrics(user=world.staff)
    assert first["overall"]["total"] == 1 and first["overall"]["resolved"] == 0
    assert selectors.metrics(user=world.staff)["as_of"] == first["as_of"]  # kept while nothing changed
    with django_capture_on_commit_callbacks(execute=True):
        advance(case, world.grid_worker, "accept", "assign", "start", "resolve")
    assert selectors.metrics(user=world.staff)["overall"]["resolved"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        make_case()
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 2
    page = login(world.staff).get(reverse("cases:metrics")).content.decode()
    assert "数据截至" in page or "Figures as of" in page


def test_a_write_not_yet_committed_or_rolled_back_leaves_kept_figures(
    kept, world, make_case, django_capture_on_commit_callbacks
):
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_case()
                raise RuntimeError("the request failed after the case was written")
        except RuntimeError:
            pass
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 0
    make_case()  # written, its transaction still open: no callback has run
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 0
    cache.clear()  # what the end of the five minutes does
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 1


def test_a_case_in_another_community_leaves_this_communitys_figures_kept(
    kept, world, make_case, django_capture_on_commit_callbacks
):
    here = selectors.metrics(user=world.staff)
    there = selectors.metrics(user=world.staff_b)
    with django_capture_on_commit_callbacks(execute=True):
        make_case(world.category_b, reporter=None, org_unit=world.tree.grid_b1)
    assert selectors.metrics(user=world.staff)["as_of"] == here["as_of"]
    fresh = selectors.metrics(user=world.staff_b)
    assert fresh["as_of"] > there["as_of"] and fresh["overall"]["total"] == 1
    # A grid worker's scope is one grid: a case in the community's other grid leaves their figures.
    grid = selectors.metrics(user=world.grid_worker)
    with django_capture_on_commit_callbacks(execute=True):
        make_case(reporter=None, org_unit=world.tree.grid_a2)
    assert selectors.metrics(user=world.grid_worker)["as_of"] == grid["as_of"]
    assert selectors.metrics(user=world.staff)["overall"]["total"] == 1


def test_partner_staff_figures_follow_a_write_anywhere(
    kept, world, make_case, django_capture_on_commit_callbacks
):
    before = selectors.metrics(user=world.partner_staff)
    with django_capture_on_commit_callbacks(execute=True):
        make_case(world.category_b, reporter=None, org_unit=world.tree.grid_b1)
    assert selectors.metrics(user=world.partner_staff)["as_of"] > before["as_of"]


def test_kept_figures_never_cross_scopes_or_filters(kept, world, make_case):
    make_case()
    cache.clear()
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


def test_a_cache_that_cannot_be_reached_after_commit_does_not_fail_the_write(
    kept, world, make_case, django_capture_on_commit_callbacks, monkeypatch
):
    from gongzhi.cases.models import Case

    def unreachable(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "set_many", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case()
    assert Case.objects.filter(pk=case.pk).exists()
