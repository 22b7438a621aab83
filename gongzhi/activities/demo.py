"""A year of the Najin service centre's activities with its partners — the sunset classroom for the
elderly, the summer camp with the army unit, free clinics with the township hospital, children's
baking afternoons, story sessions, the national-language classroom, volunteer clean-ups — with
enrolments and check-in attendance (thousands of child participations, written in bulk), plus the
coming weeks with open enrolment and a waiting list (through the services)."""

import datetime

from django.utils import timezone

from gongzhi.core.models import PartnerUnit
from gongzhi.registry.models import Resident

from . import services
from .models import ActivitySession, Attendance, Enrolment

T = datetime.time


def _aware(day, t):
    return timezone.make_aware(datetime.datetime.combine(day, t))


def _weekly(start_day, weekday, t0, t1, until, every=1):
    """Session pairs on an ISO weekday from start_day up to `until`, every `every` weeks."""
    day = start_day + datetime.timedelta(days=(weekday - start_day.isoweekday()) % 7)
    out = []
    while day <= until:
        out.append((_aware(day, t0), _aware(day, t1)))
        day += datetime.timedelta(weeks=every)
    return out


def _monthly(start_day, day_of_month, t0, t1, until):
    out = []
    y, m = start_day.year, start_day.month
    while True:
        day = datetime.date(y, m, day_of_month)
        if day > until:
            return out
        if day >= start_day:
            out.append((_aware(day, t0), _aware(day, t1)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def build(context, rng, stdout):
    community = context["units"]["community"]
    staff = context["users"]["staff"]
    rooms = context.get("rooms", {})
    partners = {p.name: p for p in PartnerUnit.objects.filter(org_unit=community)}
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    horizon = today + datetime.timedelta(days=28)

    people = list(
        Resident.objects.filter(org_unit__parent=community, status=Resident.Status.LIVING).only(
            "id", "birth_date", "household_id", "relationship_to_head"
        )
    )
    children = [r for r in people if r.age_on(today) < 18 and r.age_on(today) >= 4]
    kids_6_12 = [r for r in children if 6 <= r.age_on(today) <= 12]
    elderly = [r for r in people if r.age_on(today) >= 60]
    adults = [r for r in people if 18 <= r.age_on(today) < 60]

    def p(name):
        return partners.get(name)

    plan = [
        # title, category, partner, target, ages, room, place, capacity, sessions, pool, show-up, volunteer rule
        (
            "夕阳课堂：智能手机使用",
            "elderly_class",
            p("格桑花居家养老服务中心"),
            "elderly",
            (60, None),
            "活动室",
            "",
            40,
            _weekly(year_ago, 2, T(10, 0), T(11, 30), horizon),
            elderly,
            0.8,
            "",
        ),
        (
            "\u201c八一\u201d军营夏令营",
            "summer_camp",
            p("武警拉萨支队某中队"),
            "children",
            (7, 14),
            None,
            "武警拉萨支队某中队营区",
            80,
            [
                (
                    _aware(datetime.date(today.year if today.month > 8 else today.year - 1, 7, d), T(9, 0)),
                    _aware(datetime.date(today.year if today.month > 8 else today.year - 1, 7, d), T(16, 0)),
                )
                for d in range(20, 25)
            ],
            children,
            0.9,
            "",
        ),
        (
            "义诊：慢性病筛查",
            "free_clinic",
            p("城关区纳金乡卫生院"),
            "elderly",
            (50, None),
            "活动室",
            "",
            60,
            _monthly(year_ago, 15, T(9, 30), T(12, 0), horizon),
            elderly,
            0.7,
            "",
        ),
        (
            "童趣烘焙下午",
            "children",
            p("雪域烘焙职业培训学校"),
            "children",
            (6, 12),
            "童趣天地",
            "",
            25,
            _weekly(year_ago, 6, T(15, 0), T(17, 0), horizon, every=2),
            kids_6_12,
            0.85,
            "",
        ),
        (
            "国家通用语言课堂：课后辅导",
            "lecture",
            None,
            "children",
            (6, 14),
            "国家通用语言课堂",
            "",
            40,
            _weekly(year_ago, 4, T(16, 30), T(18, 0), horizon),
            children,
            0.8,
            "",
        ),
        (
            "民族团结故事会",
            "story_session",
            p("城关区图书馆纳金分馆"),
            "children",
            (4, 12),
            "社区书咖",
            "",
            20,
            _monthly(year_ago, 8, T(15, 0), T(16, 0), horizon),
            children,
            0.85,
            "",
        ),
        (
            "民族团结一家亲联欢",
            "national_unity",
            None,
            "all",
            (None, None),
            "活动室",
            "",
            60,
            _monthly(year_ago, 25, T(15, 0), T(17, 30), horizon)[::3],
            people,
            0.8,
            "",
        ),
        (
            "志愿服务：纳金路环境清洁",
            "volunteer_service",
            p("拉萨阳光社会工作服务中心"),
            "all",
            (16, None),
            None,
            "纳金路沿线",
            30,
            _monthly(year_ago, 5, T(9, 0), T(11, 0), horizon),
            adults,
            0.75,
            "volunteer-hour",  # the points bank's hourly volunteer rule
        ),
    ]

    activities = []
    enrol_rows, att_rows = [], []
    now = timezone.now()
    for title, category, partner, target, (
        lo,
        hi,
    ), room_name, place, capacity, sessions, pool, show, rule in plan:
        sessions = [s for s in sessions if s[0] >= _aware(year_ago, T(0))]
        if not sessions or not pool:
            continue
        first_start = sessions[0][0]
        activity = services.activity_create(
            actor=staff,
            org_unit=community,
            title=title,
            category=category,
            capacity=capacity,
            enrol_opens=first_start - datetime.timedelta(days=21),
            enrol_closes=max(
                first_start - datetime.timedelta(hours=2),
                min(sessions[-1][0], now + datetime.timedelta(days=14)),
            ),
            sessions=sessions,
            partner=partner,
            target_group=target,
            min_age=lo,
            max_age=hi,
            room=rooms.get(room_name) if room_name else None,
            place=place,
            description=f"{title}，由{partner.name if partner else '纳金社区'}组织。",
            point_rule_code=rule,
            book_room=False,  # the demo room calendar was drawn up before these programmes
        )
        activities.append(activity)
        # The regulars of this activity: most come to most sessions.
        regulars = rng.sample(pool, min(len(pool), max(5, int(capacity * 0.9))))
        role = Enrolment.Role.VOLUNTEER if rule else Enrolment.Role.PARTICIPANT
        for r in regulars:
            enrol_rows.append(
                Enrolment(
                    activity=activity,
                    org_unit_id=activity.org_unit_id,
                    resident=r,
                    role=role,
                    status="enrolled",
                    enrolled_by=staff,
                    created_at=first_start - datetime.timedelta(days=rng.randint(1, 20)),
                )
            )
        for s in activity.sessions.all():
            if s.end > now:
                continue
            minutes = s.minutes
            for r in regulars:
                if rng.random() > show:
                    continue
                late = rng.choice([0, 0, 0, 5, 10, 20]) if rng.random() < 0.9 else rng.randint(30, minutes)
                stay = (
                    minutes
                    - late
                    - (rng.choice([0, 0, 5]) if rng.random() < 0.92 else rng.randint(10, minutes))
                )
                check_in = s.start + datetime.timedelta(minutes=late - 5)
                check_out = s.start + datetime.timedelta(minutes=late + max(stay, 1))
                present = services.present_minutes(s, check_in, check_out)
                att_rows.append(
                    Attendance(
                        session=s,
                        org_unit_id=activity.org_unit_id,
                        resident=r,
                        role=role,
                        check_in_at=check_in,
                        check_out_at=check_out,
                        method=rng.choice(["card", "card", "self"]),
                        recorded_by=staff,
                        present_minutes=present,
                        counted=services.counts(s, present),
                    )
                )
            s.confirmed_at = s.end + datetime.timedelta(hours=1)
            s.confirmed_by = staff
    Enrolment.objects.bulk_create(enrol_rows, batch_size=1000)
    Attendance.objects.bulk_create(att_rows, batch_size=1000)
    past = [s for a in activities for s in a.sessions.all() if s.end <= now]
    for s in past:
        s.confirmed_at, s.confirmed_by = s.end + datetime.timedelta(hours=1), staff
    ActivitySession.objects.bulk_update(past, ["confirmed_at", "confirmed_by"], batch_size=500)

    # Coming up: a full baking afternoon with a waiting list, enrolled through the services.
    next_sat = today + datetime.timedelta(days=(6 - today.isoweekday()) % 7 or 7)
    baking_args = {
        "actor": staff,
        "org_unit": community,
        "title": "童趣烘焙：藏式酥油饼干",
        "category": "children",
        "capacity": 12,
        "enrol_opens": now - datetime.timedelta(days=3),
        "enrol_closes": _aware(next_sat, T(12, 0)),
        "sessions": [(_aware(next_sat, T(15, 0)), _aware(next_sat, T(17, 0)))],
        "partner": p("雪域烘焙职业培训学校"),
        "target_group": "children",
        "min_age": 6,
        "max_age": 12,
        "room": rooms.get("童趣天地"),
        "description": "家长陪同，孩子们亲手做酥油饼干。名额已满时自动候补，有人取消即递补。",
    }
    try:
        baking = services.activity_create(**baking_args)  # books 童趣天地 for the afternoon
    except services.ApplicationError:
        baking = services.activity_create(**baking_args, book_room=False)
    waiting = 0
    for kid in rng.sample(kids_6_12, min(len(kids_6_12), 16)):
        e = services.enrolment_create(actor=staff, activity=baking, resident=kid)
        waiting += e.status == Enrolment.Status.WAITLISTED

    # Today: volunteers on duty at the book café, checked in at the counter's one scan page.
    duty = services.activity_create(
        actor=staff,
        org_unit=community,
        title="志愿服务：社区书咖值班",
        category="volunteer_service",
        capacity=4,
        enrol_opens=now - datetime.timedelta(days=7),
        enrol_closes=_aware(today, T(9, 0)),
        sessions=[(_aware(today, T(9, 30)), _aware(today, T(18, 0)))],
        target_group="all",
        room=rooms.get("社区书咖"),
        place="" if rooms.get("社区书咖") else "社区书咖",
        description="整理书架、登记借阅、照看阅读的孩子。按在岗小时计志愿积分，组织者确认后发放。",
        point_rule_code="volunteer-hour",
        book_room=False,
    )
    for r in rng.sample(adults, min(len(adults), 3)):
        services.enrolment_create(actor=staff, activity=duty, resident=r, role=Enrolment.Role.VOLUNTEER)

    child_born_after = datetime.date(today.year - 18, 12, 31)
    child_times = sum(1 for a in att_rows if a.counted and a.resident.birth_date > child_born_after)
    stdout.write(
        f"  activities: {len(activities) + 2} activities, {len(enrol_rows)} enrolments, {len(att_rows)} attendances "
        f"({child_times} counted child participations), {waiting} on a waiting list"
    )
