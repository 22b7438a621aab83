"""Check-in and check-out on the service centre's one scan page (the points counter), and what an
attendance earned or will earn, shown to staff and to the resident."""

import datetime
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from gongzhi.activities import selectors, services
from gongzhi.activities.models import Attendance
from gongzhi.registry import services as registry_services

from .factories import at, make_activity, make_household, make_resident

pytestmark = pytest.mark.skipif(not apps.is_installed("gongzhi.points"), reason="needs the points app")


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


@pytest.fixture
def rules(staff, tree):
    from gongzhi.points import services as points_services

    return {
        "hour": points_services.rule_create(
            actor=staff,
            org_unit=tree.community_a,
            code="volunteer-hour",
            name="志愿服务时长",
            category="volunteer",
            points=2,
            unit="hour",
            needs_confirmation=True,
        ),
        "class": points_services.rule_create(
            actor=staff,
            org_unit=tree.community_a,
            code="class-attend",
            name="参加课堂",
            category="other",
            points=3,
            yearly_cap=3,
        ),
    }


def _running(tree, **extra):
    start = timezone.now() - datetime.timedelta(minutes=10)
    return make_activity(
        tree.community_a,
        title="夕阳课堂",
        sessions=[(start, start + datetime.timedelta(hours=2))],
        point_rule_code="volunteer-hour",
        **extra,
    )


def test_one_scan_page_checks_in_then_out_and_says_what_it_earns(login, staff, tree, rules):
    activity = _running(tree, participant_point_rule_code="class-attend")
    session = activity.sessions.get()
    resident = make_resident(make_household(tree.grid_a1), age=66, name="次仁")
    card = registry_services.card_issue(actor=staff, resident=resident)
    client = login(staff)
    do = f"activities.attendance:{session.pk}"

    page = client.get(reverse("points:counter")).content.decode()
    assert f'value="{do}"' in page and "夕阳课堂" in page  # offered: the session running now

    r = client.post(reverse("points:counter"), {"do": do, "code": card.token})
    html = r.content.decode()
    assert r.status_code == 200 and "次仁" in html and "scan-ok" in html
    attendance = Attendance.objects.get(session=session, resident=resident)
    assert attendance.method == "card" and attendance.check_out_at is None
    outlook = selectors.points_outlook([attendance])[0]
    # A participant's check-in earns the class rule's 3 points, and the page says so.
    assert outlook.state == "expected" and outlook.points == 3 and outlook.message in html
    assert re.search(rf'value="{do}"[^>]*checked', html)  # the next card gets the same choice

    r = client.post(reverse("points:counter"), {"do": do, "code": card.token})
    attendance.refresh_from_db()
    assert r.status_code == 200 and attendance.check_out_at is not None
    # Ten minutes of a two-hour session: below the presence rule, and the page says so.
    outlook = selectors.points_outlook([attendance])[0]
    assert outlook.state == "below_presence" and outlook.message in r.content.decode()


def test_a_revoked_or_unknown_card_at_the_scan_page_changes_nothing(login, staff, tree):
    session = _running(tree).sessions.get()
    resident = make_resident(make_household(tree.grid_a1), age=66)
    card = registry_services.card_issue(actor=staff, resident=resident)
    registry_services.card_revoke(actor=staff, card=card)
    client = login(staff)
    for code in (card.token, "no-such-card"):
        r = client.post(
            reverse("points:counter"), {"do": f"activities.attendance:{session.pk}", "code": code}
        )
        assert r.status_code == 409 and "scan-err" in r.content.decode()
    assert not Attendance.objects.exists()


def test_another_communitys_session_cannot_be_chosen(login, staff, tree):
    start = timezone.now() - datetime.timedelta(minutes=10)
    other = make_activity(tree.community_b, sessions=[(start, start + datetime.timedelta(hours=1))])
    resident = make_resident(make_household(tree.grid_a1))
    card = registry_services.card_issue(actor=staff, resident=resident)
    r = login(staff).post(
        reverse("points:counter"),
        {"do": f"activities.attendance:{other.sessions.get().pk}", "code": card.token},
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()  # not a valid choice
    assert not Attendance.objects.exists()


def test_the_old_session_scan_address_opens_the_counter_with_the_session_chosen(login, staff, tree):
    session = _running(tree).sessions.get()
    r = login(staff).get(reverse("activities:session_scan", args=[session.pk]))
    assert r.status_code == 302 and reverse("points:counter") in r["Location"]
    assert f"do=activities.attendance:{session.pk}" in r["Location"]


def test_partner_staff_keep_the_session_scan_page(login, make_user, roles, tree):
    from gongzhi.core.services import partnerunit_save

    partner = partnerunit_save(actor=None, org_unit=tree.community_a, kind="clinic", name="乡卫生院")
    user = make_user(roles.PARTNER_STAFF, tree.community_a)
    user.partner_unit = partner
    user.save(update_fields=["partner_unit"])
    session = _running(tree, partner=partner).sessions.get()
    r = login(user).get(reverse("activities:session_scan", args=[session.pk]))
    assert r.status_code == 200 and "scan-token" in r.content.decode()


def test_the_residents_counter_page_offers_check_in_with_its_points(login, staff, tree, rules):
    activity = _running(tree)
    session = activity.sessions.get()
    volunteer = make_resident(make_household(tree.grid_a1), age=40, name="格桑")
    services.enrolment_create(actor=staff, activity=activity, resident=volunteer, role="volunteer")
    client = login(staff)
    url = reverse("points:counter_resident", args=[volunteer.pk])
    html = client.get(url).content.decode()
    assert "counter-activities" in html and "夕阳课堂" in html
    preview = selectors.points_outlook(
        [Attendance(session=session, resident=volunteer, role="volunteer", check_in_at=timezone.now())]
    )[0]
    assert preview.points == 4 and preview.message in html  # up to 2 h × 2 points for a volunteer
    r = client.post(
        reverse("activities:counter_attendance", args=[session.pk]), {"resident": volunteer.pk, "next": url}
    )
    assert r.status_code == 302 and r["Location"] == url
    assert Attendance.objects.get(session=session, resident=volunteer).method == "manual"


def test_confirmation_awards_by_the_hour_in_the_activitys_community_and_a_cap_blocks_no_one_else(
    login, staff, tree, make_user, roles, rules
):
    from gongzhi.points.models import PointEntry

    start = at(-1, 9)
    activity = make_activity(
        tree.community_a,
        sessions=[(start, start + datetime.timedelta(hours=2))],
        point_rule_code="volunteer-hour",
        participant_point_rule_code="class-attend",
        opens=-5,
        closes=-2,
    )
    session = activity.sessions.get()
    user = make_user(roles.RESIDENT, tree.grid_a1)
    volunteer = make_resident(make_household(tree.grid_a1), age=40, user=user)
    capped = make_resident(make_household(tree.grid_a1), age=70, name="卓玛")
    services.enrolment_create(actor=staff, activity=activity, resident=volunteer, role="volunteer")
    services.enrolment_create(actor=staff, activity=activity, resident=capped)
    from gongzhi.points import services as points_services

    # 卓玛 reached the class rule's yearly cap of 3 points elsewhere this year.
    points_services.award_create(
        actor=staff,
        resident=capped,
        rule_code="class-attend",
        idempotency_key="earlier",
        org_unit=tree.community_a,
    )
    for r, minutes in ((volunteer, 90), (capped, 120)):
        services.attendance_manual(
            actor=staff,
            session=session,
            resident=r,
            check_in_at=start,
            check_out_at=start + datetime.timedelta(minutes=minutes),
        )
    result = services.session_confirm(actor=staff, session=session, at=start + datetime.timedelta(hours=3))
    assert result.awarded == 1 and result.refused and result.refused[0][0] == "卓玛"
    entry = PointEntry.objects.get(idempotency_key__startswith="activity:")
    assert entry.points == 3 and entry.org_unit == tree.community_a  # 1.5 h × 2 points
    html = login(user).get(reverse("activities:my_activities")).content.decode()
    assert "+3" in html and "志愿服务时长" in html
    staff_html = login(staff).get(reverse("activities:session_detail", args=[session.pk])).content.decode()
    assert "points-awarded" in staff_html and "points-not_awarded" in staff_html
