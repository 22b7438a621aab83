"""Demo cases for the Najin community: a realistic category tree and a few hundred cases over the
last twelve months, across channels, grids, tiers and states, so that the metrics mean something.
Deterministic: every choice comes from the seeded generator handed in by core_demo.

Cases go through the services; afterwards their timestamps are moved back to the simulated dates
(the services stamp "now"), which only a demo may do."""

import datetime
import io

from django.db import transaction
from django.utils import timezone
from PIL import Image

from gongzhi.accounts.models import User
from gongzhi.registry.models import Resident

from . import services
from .models import Case, CaseTransition, DeadlineUnit, Tier

H, D = DeadlineUnit.HOURS, DeadlineUnit.DAYS

# code, name, Tibetan name, parent, tier, response, resolution, mediation, handling partner indexes
CATEGORIES = [
    ("emergency", "紧急求助", "ཛ་དྲག་རོགས་རམ།", None, Tier.GRID, (1, H), (2, H), False, []),
    ("utilities", "水电气暖", "ཆུ་གློག་དྲོད་འཕྲིན།", None, Tier.GRID, (2, H), (24, H), False, []),
    ("utilities-water", "停水漏水", "ཆུ་ཆད་པ།", "utilities", Tier.GRID, (2, H), (24, H), False, []),
    ("utilities-heating", "供暖问题", "དྲོད་འཕྲིན།", "utilities", Tier.GRID, (2, H), (24, H), False, []),
    ("environment", "环境卫生", "ཁོར་ཡུག་གཙང་སྦྲ།", None, Tier.GRID, (4, H), (7, D), False, []),
    ("general", "一般诉求", "སྤྱིར་བཏང་རེ་བ།", None, Tier.GRID, (1, D), (7, D), False, []),
    ("general-lights", "路灯与道路", "ལམ་སྒྲོན།", "general", Tier.GRID, (1, D), (7, D), False, []),
    ("elderly", "助老帮办", "རྒན་འཁོགས་རོགས་རམ།", None, Tier.GRID, (4, H), (3, D), False, [9]),
    (
        "complex",
        "复杂事项（多方联动）",
        "དཀའ་ངལ་ཅན་གྱི་དོན་དག",
        None,
        Tier.JOINT,
        (1, D),
        (15, D),
        False,
        [5, 2],
    ),
    (
        "school-safety",
        "校园周边安全",
        "སློབ་གྲྭའི་བདེ་འཇགས།",
        "complex",
        Tier.JOINT,
        (1, D),
        (15, D),
        False,
        [0, 5],
    ),
    ("dispute", "矛盾纠纷调解", "རྩོད་གཞི་བར་འདུམ།", None, Tier.GRID, (1, D), (15, D), True, []),
    ("public-affairs", "公共事务协商", "སྤྱི་དོན་གྲོས་བསྡུར།", None, Tier.CONSULTATION, (2, D), (30, D), False, []),
]

TEXTS = {
    "emergency": ["独居老人家中摔倒，需要马上帮助", "楼道里闻到煤气味", "小孩被锁在家里"],
    "utilities-water": ["单元楼停水一整天了", "楼上漏水到我家天花板", "水管冻裂，院子里到处是水"],
    "utilities-heating": ["暖气不热，屋里只有12度", "供暖管道漏水"],
    "environment": ["垃圾桶满了三天没人清运", "巷子里有人乱倒建筑垃圾", "公共厕所太脏"],
    "general-lights": ["路口的路灯坏了，晚上很黑", "人行道地砖松动，老人容易摔倒"],
    "general": ["想咨询低保申请需要什么材料", "希望小区增加晾衣架", "楼道里堆放杂物影响通行"],
    "elderly": ["帮独居老人代缴电费", "老人需要有人陪同去医院复查", "帮忙代办高龄津贴"],
    "complex": ["商业街夜市噪音扰民，多次反映未解决", "小区外道路积水，需要市政疏通"],
    "school-safety": ["学校门口上下学时段车辆乱停", "校门口有流动摊贩"],
    "dispute": ["楼上楼下因漏水产生纠纷", "邻里因停车位发生争吵", "租户与房东押金纠纷"],
    "public-affairs": ["小区是否加装电梯，需要居民商量", "院内空地改建为儿童游乐场的方案"],
}

CHANNELS = [
    (Case.Channel.RESIDENT_FORM, 35),
    (Case.Channel.RED_MAILBOX, 15),
    (Case.Channel.STATION_CALL, 25),
    (Case.Channel.PATROL, 15),
    (Case.Channel.STAFF_ENTRY, 10),
]

N_CASES = 240


def _pick_weighted(rng, pairs):
    total = sum(w for _v, w in pairs)
    r = rng.uniform(0, total)
    for value, weight in pairs:
        r -= weight
        if r <= 0:
            return value
    return pairs[-1][0]


def build(context, rng, stdout):
    # One transaction: a commit per service call would make SQLite sync hundreds of times.
    with transaction.atomic():
        _build(context, rng, stdout)


def _build(context, rng, stdout):
    community = context["units"]["community"]
    grids, partners, users, stations = (
        context["grids"],
        context["partners"],
        context["users"],
        context["stations"],
    )
    categories = {}
    for code, name, name_bo, parent, tier, resp, res, mediation, partner_ix in CATEGORIES:
        extra = []
        if code == "elderly":
            extra = [
                {"code": "age", "label": "老人年龄 Age", "datatype": "number", "required": False},
                {
                    "code": "service",
                    "label": "服务类型 Service",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "values": [
                        {"key": "errand", "name": "代办"},
                        {"key": "escort", "name": "陪诊"},
                        {"key": "visit", "name": "探访"},
                    ],
                },
            ]
        categories[code] = services.category_save(
            actor=None,
            org_unit=community,
            code=code,
            name=name,
            name_bo=name_bo,
            parent=categories.get(parent),
            default_tier=tier,
            is_mediation=mediation,
            handling_units=[partners[i] for i in partner_ix if i < len(partners)],
            response_amount=resp[0],
            response_unit=resp[1],
            resolution_amount=res[0],
            resolution_unit=res[1],
            extra_fields=extra,
            sort_order=len(categories) * 10,
        )
    leaf_weights = [(c, 10) for c in categories if c not in ("utilities", "complex")]
    leaf_weights += [("complex", 5), ("utilities", 3)]

    residents = list(
        Resident.objects.filter(org_unit__in=grids, status=Resident.Status.LIVING)
        .exclude(phone_index="")
        .select_related("org_unit")
        .order_by("id")[:200]
    )
    resident_users = list(
        User.objects.filter(resident__isnull=False).select_related("resident").order_by("id")
    )
    staff, secretary = users["staff"], users["secretary"]
    workers = {grids[i].pk: users[f"grid{i + 1}"] for i in range(len(grids))}
    tz = timezone.get_current_timezone()
    end = datetime.datetime(2026, 11, 29, 9, 0, tzinfo=tz)
    start = end - datetime.timedelta(days=365)
    made = 0
    for n in range(N_CASES):
        # More recent months carry more cases (the service grew); deterministic spread.
        frac = (n + rng.random()) / N_CASES
        created = start + datetime.timedelta(seconds=(frac**0.8) * 365 * 86400)
        created = created.replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59))
        if created >= end:
            created = end - datetime.timedelta(hours=rng.randint(1, 48))
        code = _pick_weighted(rng, leaf_weights)
        category = categories[code]
        channel = _pick_weighted(rng, CHANNELS)
        grid = rng.choice(grids)
        text = rng.choice(TEXTS.get(code, TEXTS["general"]))
        kwargs = {
            "actor": None,
            "channel": channel,
            "category": category,
            "description": text,
            "now": created,
        }
        point = (29.650 + rng.uniform(-0.006, 0.006), 91.130 + rng.uniform(-0.008, 0.008))
        extra = (
            {"service": rng.choice(["errand", "escort", "visit"]), "age": rng.randint(70, 92)}
            if code == "elderly"
            else None
        )
        if (
            channel in (Case.Channel.RESIDENT_FORM, Case.Channel.RED_MAILBOX)
            and resident_users
            and rng.random() < 0.5
        ):
            reporter = rng.choice(resident_users)
            kwargs.update(
                actor=reporter, reporter=reporter, location_kind="registered", anonymous=rng.random() < 0.1
            )
        elif channel in (Case.Channel.RESIDENT_FORM, Case.Channel.RED_MAILBOX):
            kwargs.update(
                anonymous=True,
                org_unit=grid,
                location_kind="point",
                lat=round(point[0], 6),
                long=round(point[1], 6),
            )
        elif channel == Case.Channel.STATION_CALL:
            station = stations[grids.index(grid)]
            caller = rng.choice(residents) if residents and rng.random() < 0.8 else None
            kwargs.update(
                actor=workers[grid.pk],
                station=station,
                reporter_phone=caller.phone if caller else "13989000000",
            )
        elif channel == Case.Channel.PATROL:
            kwargs.update(
                actor=workers[grid.pk],
                org_unit=grid,
                location_kind="point",
                lat=round(point[0], 6),
                long=round(point[1], 6),
            )
        else:
            kwargs.update(
                actor=staff,
                org_unit=grid,
                location_kind="address",
                address=f"{grid.address}{rng.randint(1, 120)}号",
                reporter_name=rng.choice(["扎西", "卓玛", "次仁", "王建国", "央金"]),
            )
        case = services.case_create(extra=extra, **kwargs)
        made += 1
        _progress(
            case,
            rng=rng,
            created=created,
            end=end,
            worker=workers.get(case.org_unit_id) or staff,
            staff=staff,
            secretary=secretary,
            partners=partners,
        )
    made += _reported_twice(
        categories["general-lights"], resident_users, workers=workers, staff=staff, end=end
    )
    escalated = services.case_escalate_overdue(now=end)
    stdout.write(f"  cases: {len(categories)} categories, {made} cases, {escalated} overdue escalated")


def _reported_twice(category, resident_users, *, workers, staff, end):
    """A resident reports a dark street light with a photo; a neighbour reports the same light
    later and the staff merge it into the first case, which the neighbour then follows."""
    if len(resident_users) < 2:
        return 0
    created = end - datetime.timedelta(hours=26)
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 44, 60)).save(photo, "JPEG")
    photo.seek(0)
    photo.name = "street-light.jpg"
    first, second = resident_users[:2]
    master = services.case_create(
        actor=first,
        reporter=first,
        channel=Case.Channel.RESIDENT_FORM,
        category=category,
        description="路口的路灯坏了，晚上很黑",
        location_kind="registered",
        photos=[photo],
        now=created,
    )
    services.case_transition(actor=workers.get(master.org_unit_id) or staff, case=master, action="accept")
    duplicate = services.case_create(
        actor=second,
        reporter=second,
        channel=Case.Channel.RESIDENT_FORM,
        category=category,
        description="路口的路灯不亮了",
        location_kind="registered",
        now=created + datetime.timedelta(hours=6),
    )
    services.case_merge(actor=staff, duplicate=duplicate, master=master, note="同一盏路灯，已合并。")
    _stamp(master, [("accept", 1), ("merged_in", 6.5)], created)
    _stamp(duplicate, [("reject", 0.5)], created + datetime.timedelta(hours=6))
    return 2


def _progress(case, *, rng, created, end, worker, staff, secretary, partners):
    """Walk the case along a realistic path, then move its timestamps to simulated times."""
    age_h = (end - created).total_seconds() / 3600
    fate = rng.random()
    if fate < 0.04:
        services.case_transition(
            actor=staff,
            case=case,
            action="reject",
            reason="out_of_scope",
            note="不属于社区受理范围，已告知来电人联系相关部门。",
        )
        _stamp(case, [("reject", 0.5)], created)
        return
    if age_h < 3 and fate < 0.6:
        return  # still new
    slow = rng.random() < 0.15
    respond_h = rng.uniform(0.2, 1.5) if not slow else rng.uniform(4, 30)
    actor = staff if case.tier != Tier.GRID else worker
    services.case_transition(actor=actor, case=case, action="accept")
    steps = [("accept", respond_h)]
    if case.tier == Tier.JOINT:
        chosen = [p for p in partners[:6] if rng.random() < 0.4][:2] or [partners[5]]
        services.case_transition(actor=staff, case=case, action="assign", partners=chosen, assignee=staff)
    else:
        services.case_transition(actor=actor, case=case, action="assign")
    steps.append(("assign", respond_h + 0.5))
    if case.tier == Tier.CONSULTATION or (age_h < 48 and fate < 0.5):
        return _stamp(case, steps, created)
    services.case_transition(actor=actor, case=case, action="start")
    steps.append(("start", respond_h + 1))
    if case.kind == Case.Kind.MEDIATION:
        services.mediation_update(
            actor=staff, case=case, dispute_type=rng.choice(["neighbour", "property", "family"])
        )
        services.mediation_party_add(
            actor=staff, case=case, name="甲方 " + rng.choice(["扎西", "次仁", "李明"]), role="申请人"
        )
        services.mediation_party_add(
            actor=staff, case=case, name="乙方 " + rng.choice(["卓玛", "格桑", "王芳"]), role="被申请人"
        )
        services.mediation_session_add(
            actor=staff,
            case=case,
            held_at=created + datetime.timedelta(days=2),
            room="调解室",
            notes="双方陈述，初步达成意向。",
        )
        outcome = "agreement" if rng.random() < 0.8 else rng.choice(["police", "court"])
        services.mediation_record_outcome(
            actor=staff,
            case=case,
            outcome=outcome,
            agreement_text="双方同意按协议处理，互不追究。" if outcome == "agreement" else "",
        )
    if case.tier == Tier.JOINT:
        for part in case.participants.select_related("partner"):
            services.case_transition(
                actor=staff,
                case=case,
                action="report_part",
                partner=part.partner,
                note=f"{part.partner.name}已完成本单位负责部分。",
            )
    hours = (case.resolution_due - case.created_at).total_seconds() / 3600
    resolve_h = rng.uniform(0.2, 0.9) * hours if rng.random() < 0.85 else hours * rng.uniform(1.1, 2.0)
    if resolve_h > age_h:
        return _stamp(case, steps, created)
    services.case_transition(
        actor=actor, case=case, action="resolve", note="已到现场处理完毕，并向居民反馈。"
    )
    steps.append(("resolve", resolve_h))
    # Reporters with an account rate in the app; others with their tracking code.
    rated = rng.random() < (0.75 if case.reporter_id else 0.45)
    if rated and resolve_h + 24 < age_h:
        if rng.random() < 0.08:
            services.case_transition(
                actor=case.reporter,
                case=case,
                action="dispute",
                note="问题没有彻底解决。",
                tracking_code=case.tracking_code,
            )
            services.case_transition(actor=actor, case=case, action="start")
            services.case_transition(actor=actor, case=case, action="resolve", note="再次上门，已彻底处理。")
            steps += [("dispute", resolve_h + 10), ("start", resolve_h + 12), ("resolve", resolve_h + 20)]
        stars = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0]
        services.case_rate(
            actor=case.reporter,
            case=case,
            stars=stars,
            tracking_code=case.tracking_code,
            comment=rng.choice(["", "处理及时，谢谢网格员！", "态度很好", "太慢了"]),
        )
        steps.append(("confirm", resolve_h + 30))
    _stamp(case, steps, created)  # also refreshes `case`
    if case.status == Case.Status.RESOLVED and resolve_h + 7 * 24 < age_h:
        services.case_autoclose_stale(now=created + datetime.timedelta(hours=resolve_h + 7 * 24 + 1))


def _stamp(case, steps, created):
    """Move the services' timestamps back to the simulated times (offsets in hours)."""
    case.refresh_from_db()
    times = {}
    for action, offset in steps:
        times[action] = created + datetime.timedelta(hours=offset)
    transitions = list(case.transitions.exclude(action="submit").order_by("id"))
    last = created
    ordered = [created + datetime.timedelta(hours=o) for _a, o in steps]
    for i, t in enumerate(transitions):
        at = ordered[min(i, len(ordered) - 1)] if ordered else last
        CaseTransition.objects.filter(pk=t.pk).update(at=at)
        last = at
    update = {}
    if "accept" in times:
        update["accepted_at"] = times["accept"]
    if case.status in (Case.Status.RESOLVED, Case.Status.CLOSED) and "resolve" in times:
        update["resolved_at"] = times["resolve"]
    if case.status == Case.Status.CLOSED and "confirm" in times:
        update.update(closed_at=times["confirm"], rated_at=times["confirm"])
    if case.status == Case.Status.REJECTED:
        update["closed_at"] = times.get("reject", created)
    if update:
        Case.objects.filter(pk=case.pk).update(**update)
