"""The participation statistics are kept for a few minutes and computed afresh once an attendance
in their scope is recorded (gongzhi/core/figures.py)."""

import datetime

import pytest

from gongzhi.activities import selectors, services

from .factories import at, make_activity, make_household, make_resident

pytestmark = pytest.mark.django_db


def test_a_recorded_attendance_is_counted_at_once_and_only_in_its_scope(
    settings, make_user, roles, tree, django_capture_on_commit_callbacks
):
    settings.GONGZHI_FIGURES_CACHE_SECONDS = 300
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    staff_b = make_user(roles.COMMUNITY_STAFF, tree.community_b)
    start = at(-5, 9)
    year = start.year
    activity = make_activity(
        tree.community_a, opens=-10, closes=-6, sessions=[(start, start + datetime.timedelta(hours=2))]
    )
    resident = make_resident(make_household(tree.grid_a1), age=70)
    before = selectors.participation_stats(user=staff, year=year)
    elsewhere = selectors.participation_stats(user=staff_b, year=year)
    assert before["total"] == {"times": 0, "people": 0}
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_manual(
            actor=staff,
            session=activity.sessions.get(),
            resident=resident,
            check_in_at=start,
            check_out_at=start + datetime.timedelta(hours=2),
        )
    assert selectors.participation_stats(user=staff, year=year)["total"] == {"times": 1, "people": 1}
    assert selectors.participation_stats(user=staff_b, year=year)["as_of"] == elsewhere["as_of"]
