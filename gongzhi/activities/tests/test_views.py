import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.activities import services
from gongzhi.activities.models import Enrolment
from gongzhi.registry import services as registry_services

from .factories import at, make_activity, make_household, make_resident


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


def test_calendar_filters_by_age(login, make_user, roles, tree):
    make_activity(tree.community_a, title="夕阳课堂", target_group="elderly", min_age=60)
    make_activity(
        tree.community_a,
        title="童趣烘焙",
        target_group="children",
        min_age=6,
        max_age=12,
        category="children",
    )
    make_activity(tree.community_a, title="民族团结故事会", category="national_unity")
    make_activity(tree.community_b, title="别的社区")
    user = make_user(roles.RESIDENT, tree.grid_a1)
    make_resident(make_household(tree.grid_a1), age=70, user=user)
    html = login(user).get(reverse("activities:calendar")).content.decode()
    assert "夕阳课堂" in html and "民族团结故事会" in html
    assert "童趣烘焙" not in html and "别的社区" not in html
    html = login(user).get(reverse("activities:calendar"), {"all": "1"}).content.decode()
    assert "童趣烘焙" in html


def test_hardship_activities_are_offered_to_households_in_hardship_only(login, make_user, roles, tree):
    make_activity(tree.community_a, title="困难群众义诊", target_group="needy")
    make_activity(tree.community_a, title="民族团结故事会", category="national_unity")
    neighbour = make_user(roles.RESIDENT, tree.grid_a1)
    make_resident(make_household(tree.grid_a1), user=neighbour)
    html = login(neighbour).get(reverse("activities:calendar")).content.decode()
    assert "民族团结故事会" in html and "困难群众义诊" not in html

    # A household whose grandmother lives on the minimum allowance: every member is offered it.
    son = make_user(roles.RESIDENT, tree.grid_a1)
    household = make_household(tree.grid_a1)
    make_resident(household, user=son)
    make_resident(household, age=72, relationship="parent", tags=("dibao",))
    html = login(son).get(reverse("activities:calendar")).content.decode()
    assert "民族团结故事会" in html and "困难群众义诊" in html


def test_guardian_enrols_child_from_the_page(login, make_user, roles, tree):
    activity = make_activity(tree.community_a, title="童趣烘焙", min_age=6, max_age=12, category="children")
    user = make_user(roles.RESIDENT, tree.grid_a1)
    hh = make_household(tree.grid_a1)
    make_resident(hh, age=36, user=user)
    child = make_resident(hh, age=9, relationship="child", name="小卓玛")
    client = login(user)
    page = client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert "小卓玛" in page
    client.post(reverse("activities:enrol", args=[activity.pk]), {"resident": child.pk})
    assert Enrolment.objects.get().resident == child
    assert "小卓玛" in client.get(reverse("activities:my_activities")).content.decode()


def test_stranger_cannot_enrol_a_child_through_the_page(login, make_user, roles, tree):
    activity = make_activity(tree.community_a, min_age=6, max_age=12)
    child = make_resident(make_household(tree.grid_a1), age=9, relationship="child")
    user = make_user(roles.RESIDENT, tree.grid_a1)
    make_resident(make_household(tree.grid_a1), age=40, user=user)
    r = login(user).post(reverse("activities:enrol", args=[activity.pk]), {"resident": child.pk})
    assert r.status_code == 404
    assert not Enrolment.objects.exists()


def test_activity_of_another_community_is_404(login, make_user, roles, tree):
    activity = make_activity(tree.community_b)
    client = login(make_user(roles.COMMUNITY_STAFF, tree.community_a))
    assert client.get(reverse("activities:activity_detail", args=[activity.pk])).status_code == 404
    session = activity.sessions.get()
    assert client.get(reverse("activities:session_scan", args=[session.pk])).status_code == 404


def test_scan_page_checks_in_by_htmx(login, staff, tree):
    start = timezone.now() - datetime.timedelta(minutes=5)
    activity = make_activity(tree.community_a, sessions=[(start, start + datetime.timedelta(hours=1))])
    resident = make_resident(make_household(tree.grid_a1), age=50, name="次仁")
    card = registry_services.card_issue(actor=staff, resident=resident)
    client = login(staff)
    url = reverse("activities:session_scan", args=[activity.sessions.get().pk])
    # Counter staff land on the one scan page of the service centre (the points counter).
    page = client.get(url, follow=True).content.decode()
    assert "scan.js" in page and "<script>" not in page and "次仁" not in page
    r = client.post(url, {"token": card.token}, HTTP_HX_REQUEST="true")
    assert "次仁" in r.content.decode()
    r = client.post(url, {"token": "revoked-or-unknown"}, HTTP_HX_REQUEST="true")
    assert "scan-err" in r.content.decode()


def test_qr_is_an_svg_for_organisers_only(login, staff, make_user, roles, tree):
    activity = make_activity(tree.community_a)
    r = login(staff).get(reverse("activities:activity_qr", args=[activity.pk]))
    assert r["Content-Type"] == "image/svg+xml" and b"<svg" in r.content
    assert (
        login(make_user(roles.RESIDENT, tree.community_a))
        .get(reverse("activities:activity_qr", args=[activity.pk]))
        .status_code
        == 404
    )


def test_confirm_and_statistics(login, staff, tree):
    start = at(-3, 9)
    activity = make_activity(
        tree.community_a,
        category="children",
        target_group="children",
        opens=-10,
        closes=-4,
        sessions=[(start, start + datetime.timedelta(hours=2))],
    )
    session = activity.sessions.get()
    kids = [make_resident(make_household(tree.grid_a1), age=10, relationship="head") for _ in range(3)]
    for kid, minutes in zip(kids, (120, 100, 30), strict=True):
        services.attendance_manual(
            actor=staff,
            session=session,
            resident=kid,
            check_in_at=start,
            check_out_at=start + datetime.timedelta(minutes=minutes),
        )
    client = login(staff)
    client.post(reverse("activities:session_confirm", args=[session.pk]))
    session.refresh_from_db()
    assert session.confirmed_at is not None
    html = client.get(reverse("activities:stats"), {"year": start.year}).content.decode()
    assert "chart-data" in html and "echarts.min.js" in html
    r = client.get(reverse("activities:stats_export"), {"year": start.year})
    wb = load_workbook(io.BytesIO(r.content))
    summary = wb.worksheets[0]
    assert summary.cell(row=2, column=2).value == 2  # person-times: two of three stayed long enough
    assert summary.cell(row=4, column=2).value == 2  # child person-times: the 30-minute one does not count


def test_partner_programmes_page(login, staff, tree):
    from gongzhi.core.services import partnerunit_save

    p = partnerunit_save(
        actor=None, org_unit=tree.community_a, kind="army_police", name="武警中队", contact_name="张指导员"
    )
    make_activity(tree.community_a, partner=p, title="夏令营", category="summer_camp")
    html = login(staff).get(reverse("activities:partner_programmes"), {"partner": p.pk}).content.decode()
    assert "武警中队" in html and "夏令营" in html and "张指导员" in html


def test_staff_enter_times_by_hand(login, staff, tree):
    start = at(-1, 9)
    activity = make_activity(tree.community_a, sessions=[(start, start + datetime.timedelta(hours=2))])
    session = activity.sessions.get()
    resident = make_resident(make_household(tree.grid_a1), age=70, name="拉姆")
    client = login(staff)
    client.post(
        reverse("activities:session_manual", args=[session.pk]),
        {"resident": resident.pk, "check_in": "09:00", "check_out": "10:30"},
    )
    html = client.get(reverse("activities:session_detail", args=[session.pk])).content.decode()
    assert "拉姆" in html and "90" in html
    assert session.attendances.get().counted is True


def test_edit_page_raises_places(login, staff, tree):
    activity = make_activity(tree.community_a, capacity=1, title="夕阳课堂")
    people = [make_resident(make_household(tree.grid_a1), age=70) for _ in range(2)]
    for r in people:
        services.enrolment_create(actor=staff, activity=activity, resident=r)
    client = login(staff)
    r = client.post(
        reverse("activities:activity_edit", args=[activity.pk]),
        {
            "title": "夕阳课堂",
            "capacity": 2,
            "place": "广场",
            "enrol_opens": activity.enrol_opens.date().isoformat(),
            "enrol_closes": activity.enrol_closes.date().isoformat(),
        },
    )
    assert r.status_code == 302
    assert activity.enrolments.filter(status="enrolled").count() == 2


def test_activity_list_query_count_is_flat(login, staff, tree, django_assert_max_num_queries):
    client = login(staff)

    def load():
        with django_assert_max_num_queries(12):
            assert client.get(reverse("activities:activity_list")).status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get(reverse("activities:calendar")).status_code == 200

    make_activity(tree.community_a)
    load()
    for i in range(8):
        make_activity(
            tree.community_a,
            title=f"活动{i}",
            sessions=[(at(3 + i, 10), at(3 + i, 11)), (at(10 + i, 10), at(10 + i, 11))],
        )
    load()


def _held_session(partner, tree, staff, kids):
    start = at(-2, 9)
    activity = make_activity(
        tree.community_a,
        partner=partner,
        title="义诊",
        category="free_clinic",
        opens=-10,
        closes=-3,
        sessions=[(start, start + datetime.timedelta(hours=2))],
    )
    session = activity.sessions.get()
    for kid in kids:
        services.attendance_manual(
            actor=staff,
            session=session,
            resident=kid,
            check_in_at=start,
            check_out_at=start + datetime.timedelta(hours=2),
        )
    services.session_confirm(actor=staff, session=session)
    return activity


def test_partner_unit_page_shows_profile_programmes_sessions_and_reach(
    login, staff, tree, make_user, roles, django_assert_max_num_queries
):
    from gongzhi.core.services import partnerunit_save

    p = partnerunit_save(
        actor=None,
        org_unit=tree.community_a,
        kind="clinic",
        name="乡卫生院",
        contact_name="王医生",
        contact_phone="0891-6320000",
        address="纳金路1号",
    )
    people = [make_resident(make_household(tree.grid_a1), age=70) for _ in range(3)]
    _held_session(p, tree, staff, people)
    client = login(staff)
    url = reverse("activities:partner_detail", args=[p.pk])
    html = client.get(url).content.decode()
    assert "乡卫生院" in html and "王医生" in html and "0891-6320000" in html and "义诊" in html
    assert "<strong>3</strong>" in html  # three people reached
    # The page costs the same whatever the number of programmes and sessions.
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for _ in range(4):
        _held_session(p, tree, staff, people[:2])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200

    other = partnerunit_save(actor=None, org_unit=tree.community_b, kind="school", name="别的学校")
    assert client.get(reverse("activities:partner_detail", args=[other.pk])).status_code == 404
    # Partner staff see their own unit's page only.
    mine = make_user(roles.PARTNER_STAFF, tree.community_a)
    mine.partner_unit = other
    mine.save(update_fields=["partner_unit"])
    assert login(mine).get(url).status_code == 404


@pytest.mark.postgres
def test_the_one_scan_statistics_equal_the_grouped_queries(staff, tree, make_user, roles):
    """PostgreSQL answers the statistics in one scan with grouping sets; its figures must be those
    of the six grouped queries SQLite runs: totals, children, each breakdown, another community's
    activity left out."""
    from gongzhi.activities import selectors
    from gongzhi.core.services import partnerunit_save

    partner = partnerunit_save(actor=None, org_unit=tree.community_a, kind="school", name="纳金小学")
    kid = make_resident(make_household(tree.grid_a1), age=9, relationship="head")
    elder = make_resident(make_household(tree.grid_a1), age=72, relationship="head")
    stranger = make_resident(make_household(tree.grid_b1), age=30, relationship="head")
    for days, category, group, organiser in (
        (-40, "children", "children", partner),
        (-5, "culture", "all", None),
    ):
        start = at(days, 9)
        activity = make_activity(
            tree.community_a,
            category=category,
            target_group=group,
            partner=organiser,
            opens=days - 10,
            closes=days - 1,
            sessions=[(start, start + datetime.timedelta(hours=2))],
        )
        for resident in (kid, elder):
            services.attendance_manual(
                actor=staff,
                session=activity.sessions.get(),
                resident=resident,
                check_in_at=start,
                check_out_at=start + datetime.timedelta(hours=2),
            )
    other = make_activity(tree.community_b, sessions=[(at(-5, 9), at(-5, 11))])
    services.attendance_manual(
        actor=make_user(roles.COMMUNITY_STAFF, tree.community_b),
        session=other.sessions.get(),
        resident=stranger,
        check_in_at=at(-5, 9),
        check_out_at=at(-5, 11),
    )
    year = at(-5, 9).year
    one_scan = selectors._participation_grouped(staff, year)
    queries = selectors._participation_stats_by_query(staff, year)
    assert one_scan == queries
    sessions_this_year = sum(at(days, 9).year == year for days in (-40, -5))
    assert one_scan["total"] == {"times": 2 * sessions_this_year, "people": 2}
    assert one_scan["children"]["people"] == 1
