"""The care tiles (registered by the care app) and the assistance "possibly missed" count: each
figure equals a direct count over data built with the domain services, the care app's own report
and the assistance app's own list agree with them, and a street's figure is the sum of its
communities."""

import datetime
import itertools

import pytest
from django.utils import timezone, translation

from gongzhi.accounts.roles import Role
from gongzhi.assistance import selectors as assistance_selectors
from gongzhi.assistance import services as assistance_services
from gongzhi.assistance.tests import factories as af
from gongzhi.care import selectors as care_selectors
from gongzhi.care import services as care
from gongzhi.care.models import HealthRecord
from gongzhi.care.tests.factories import answers
from gongzhi.care.tests.factories import resident as care_resident
from gongzhi.dashboard import selectors, services
from gongzhi.dashboard.periods import Period
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Resident

_n = itertools.count(1)
pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _year():
    return Period(TODAY().year)


@pytest.fixture
def care_world(tree, make_user):
    today = TODAY()
    worker_a1 = make_user(Role.GRID_WORKER, tree.grid_a1)
    worker_a2 = make_user(Role.GRID_WORKER, tree.grid_a2)
    worker_b1 = make_user(Role.GRID_WORKER, tree.grid_b1)
    health = make_user(Role.HEALTH_WORKER, tree.community_a)
    w = {"county": make_user(Role.COUNTY_STAFF, tree.district)}
    # Community A: two elderly living alone, a left-behind child, a disabled person, a chronic
    # patient (on the roster, in none of the three groups) and an untagged 70-year-old (not on it).
    high = care_resident(tree.grid_a1, tags=("living_alone",))
    care.profile_set_risk(actor=worker_a1, resident=high, level="high", reason="独居，近期跌倒")
    care.visit_record(
        actor=worker_a1, resident=high, visited_on=today - datetime.timedelta(days=5), situation="好"
    )
    late = care_resident(tree.grid_a1, tags=("living_alone", "chronic_disease"))
    care.visit_record(
        actor=worker_a1, resident=late, visited_on=today - datetime.timedelta(days=40), situation="好"
    )
    child = care_resident(tree.grid_a2, tags=("left_behind_child",), birth_date=datetime.date(2016, 4, 1))
    care.visit_record(actor=worker_a2, resident=child, visited_on=today, situation="好")
    disabled = care_resident(tree.grid_a2, tags=("disabled",), birth_date=datetime.date(1980, 1, 1))
    care.assessment_record(
        actor=worker_a2,
        resident=disabled,
        assessed_on=today - datetime.timedelta(days=30),
        answers=answers(60),
    )
    care_resident(tree.grid_a2, tags=("chronic_disease",), birth_date=datetime.date(1975, 1, 1))
    care_resident(tree.grid_a1, tags=(), birth_date=datetime.date(1956, 1, 1))
    care.health_record_create(
        actor=health, resident=high, basis="statutory", statute="《基本医疗卫生与健康促进法》"
    )
    care.health_record_create(
        actor=health, resident=late, basis="statutory", statute="《基本医疗卫生与健康促进法》"
    )
    # Community B: one elderly person living alone, visited and assessed long ago.
    b = care_resident(tree.grid_b1, tags=("empty_nest",))
    care.visit_record(
        actor=worker_b1, resident=b, visited_on=today - datetime.timedelta(days=3), situation="好"
    )
    care.assessment_record(
        actor=worker_b1, resident=b, assessed_on=today - datetime.timedelta(days=400), answers=answers(70)
    )
    w.update(high=high, late=late, child=child, disabled=disabled, b=b)
    return w


def _coverage(user, unit):
    rows = care_selectors.coverage_by_grid(user=user)
    grids = set(unit.__class__.objects.filter(path__startswith=unit.path).values_list("name", flat=True))
    mine = [r for r in rows if r["grid"] in grids]
    return {k: sum(r[k] for r in mine) for k in ("people", "visited", "assessed")}


def test_care_tiles_equal_direct_counts_and_the_care_report(tree, care_world):
    services.summaries_refresh()
    a, b, street = tree.community_a, tree.community_b, tree.street
    s = {u: selectors.summary(unit=u, period=_year(), with_trend=False) for u in (a, b, street)}
    fig = {u: {k: f.value for k, f in summary.figures.items()} for u, summary in s.items()}

    def tagged(unit, *codes):
        return (
            Resident.objects.filter(org_unit__path__startswith=unit.path, care_tags__code__in=codes)
            .distinct()
            .count()
        )

    assert fig[a]["care.roster"] == 5  # the untagged 70-year-old is not on the roster
    assert fig[a]["care.group_elderly"] == tagged(a, "living_alone", "empty_nest", "left_behind_elderly") == 2
    assert fig[a]["care.group_children"] == tagged(a, "left_behind_child") == 1
    assert fig[a]["care.group_needy"] == tagged(a, "disabled", "dibao", "tekun") == 1
    # Visited on time: the high-risk person 5 days ago (weekly) and the child today; the person
    # last visited 40 days ago at medium risk (monthly) is overdue, the others never visited.
    assert fig[a]["care.visited_on_time"] == 2
    assert fig[a]["care.visit_coverage"] == 40  # 2 of 5
    assert fig[a]["care.assessed"] == 1 and fig[b]["care.assessed"] == 0  # B's is 400 days old
    assert (
        fig[a]["care.health_records"]
        == HealthRecord.objects.filter(org_unit__path__startswith=a.path).count()
    )
    assert fig[a]["care.health_records"] == 2
    assert fig[a]["care.visits"] == 3 and fig[b]["care.visits"] == 1
    # The care app's own report of today says the same.
    own = _coverage(care_world["county"], a)
    assert (own["people"], own["visited"], own["assessed"]) == (
        fig[a]["care.roster"],
        fig[a]["care.visited_on_time"],
        fig[a]["care.assessed"],
    )
    # The street is the sum of its communities, and its coverage is recomputed from the sums.
    for key in (
        "care.roster",
        "care.group_elderly",
        "care.visited_on_time",
        "care.assessed",
        "care.health_records",
    ):
        assert fig[street][key] == fig[a][key] + fig[b][key], key
    assert fig[street]["care.visit_coverage"] == 50  # (2 + 1) of (5 + 1)
    # The tiles are on the page, under their own section, in the yearly report's sentences too.
    assert "care" in [f.metric.section for _label, figures in s[a].sections for f in figures]
    with translation.override("en"):
        sentences = " ".join(selectors.report_sentences(s[a]))
    assert "5 people were on the care roster — 2 elderly, 1 children and 1 people in hardship" in sentences
    assert (
        "2 were visited on time (40.0%) and 1 assessed in the last 12 months; 2 health records" in sentences
    )


def test_a_resident_who_moved_out_leaves_the_roster_and_the_households(tree, care_world):
    services.summaries_refresh()
    before = selectors.summary(unit=tree.community_a, period=_year(), with_children=False, with_trend=False)
    registry_services.resident_move_out(
        actor=None, resident=care_world["child"], on=TODAY() - datetime.timedelta(days=1), note=""
    )
    services.summaries_refresh()
    after = selectors.summary(unit=tree.community_a, period=_year(), with_children=False, with_trend=False)
    assert after.value("care.roster") == before.value("care.roster") - 1
    assert after.value("care.group_children") == 0
    # The child lived alone in her household in this test: it is no longer counted.
    assert after.value("registry.households") == before.value("registry.households") - 1


@pytest.fixture
def missed_world(tree, make_user):
    today = TODAY()
    people = {
        "staff": make_user(Role.COMMUNITY_STAFF, tree.community_a),
        "secretary": make_user(Role.SECRETARY, tree.community_a),
        "street": make_user(Role.STREET_STAFF, tree.street),
        "county": make_user(Role.COUNTY_STAFF, tree.district),
        "staff_b": make_user(Role.COMMUNITY_STAFF, tree.community_b),
    }
    progs = af.programmes(tree)

    def household(grid, members, tags=()):
        hh = registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{next(_n)}号")
        people = [
            registry_services.resident_create(
                actor=None,
                household=hh,
                name=f"居民{next(_n)}",
                gender="female",
                birth_date=today.replace(year=today.year - age) - datetime.timedelta(days=10),
                relationship_to_head=relationship,
                care_tags=list(tags),
            )
            for age, relationship in members
        ]
        return hh, people

    # Community A.
    household(tree.grid_a1, [(45, "head")], tags=("disabled",))  # missed: care tag, nothing at all
    household(
        tree.grid_a1, [(50, "head"), (20, "child")], tags=("living_alone",)
    )  # missed: one household, two tagged
    household(tree.grid_a2, [(84, "head")])  # missed: 80+ without the elderly pension (and elderly-only)
    household(tree.grid_a2, [(75, "head"), (73, "spouse")])  # missed: elderly-only household
    household(tree.grid_a2, [(75, "head"), (30, "child")])  # not missed: a younger member
    household(tree.grid_a1, [(40, "head")], tags=("veteran",))  # not a tag that suggests assistance
    covered, _ = household(tree.grid_a1, [(47, "head")], tags=("disabled",))
    af.enrol(
        programme=progs["dibao"],
        hh=covered,
        staff=people["staff"],
        secretary=people["secretary"],
        street=people["street"],
        county=people["county"],
    )
    applied, _ = household(tree.grid_a2, [(49, "head")], tags=("chronic_disease",))
    assistance_services.application_submit(actor=people["staff"], household=applied, programme=progs["dibao"])
    # Community B: one missed household.
    household(tree.grid_b1, [(46, "head")], tags=("distressed_child",))
    return people


def test_possibly_missed_counts_the_households_of_the_assistance_list(tree, missed_world):
    services.summaries_refresh()
    a, b, street = tree.community_a, tree.community_b, tree.street
    figures = {
        u: selectors.summary(unit=u, period=_year(), with_trend=False).figures["assistance.possibly_missed"]
        for u in (a, b, street)
    }
    assert figures[a].value == 4 and figures[b].value == 1
    assert figures[street].value == figures[a].value + figures[b].value
    # The assistance app's own list (what the tile links to) names residents of exactly those households.
    for unit, user in ((a, missed_world["staff"]), (b, missed_world["staff_b"])):
        rows = assistance_selectors.possibly_missed(user=user, today=TODAY())
        assert len({row["resident"].household_id for row in rows}) == figures[unit].value
    assert figures[a].metric.description  # the page says how it is counted
