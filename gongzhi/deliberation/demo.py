"""Najin's deliberation corner: the corner's rules; a meeting held a month ago (representatives,
a partner unit and the secretary checked in, minutes, a representatives' vote) whose decisions
became results in progress — and done, for a topic escalated from a case, which resolves that case;
a published meeting next week with a room booked; residents' proposals collecting supports; a
household vote under way. A sketch attached to a topic, a photo of the meeting and one of the work
done are drawn here. Everything goes through the services, with past times passed as `now`."""

import datetime
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from gongzhi.core.errors import ApplicationError
from gongzhi.registry.models import Resident

from . import services
from .models import Participant, Topic

DAY = datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _picture(colour, name):
    """A small drawn image standing in for a phone photo or a sketch."""
    img = Image.new("RGB", (640, 360), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle([40, 40, 600, 320], outline=(255, 255, 255), width=6)
    for x in range(80, 600, 90):
        draw.line([x, 60, x, 300], fill=(255, 255, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    buf.seek(0)
    buf.name = f"{name}.png"
    return buf


def build(context, rng, stdout):
    community = context["units"]["community"]
    users = context["users"]
    secretary, staff = users["secretary"], users["staff"]
    grids = context["grids"]
    partners = context["partners"]
    today = timezone.localdate()
    services.corner_update(
        actor=secretary,
        community=community,
        support_threshold=10,
        vote_days=7,
        quorum_percent=50,
        majority_percent=50,
    )

    # --- a meeting held a month ago ---------------------------------------------------------------
    held_day = today - 30 * DAY
    planned = _at(held_day - 10 * DAY, 10)
    parking = services.topic_create(
        actor=secretary,
        org_unit=community,
        title="纳金东路夜间停车难、占用消防通道",
        description="东路沿线居民反映夜间车辆乱停，消防通道经常被堵。建议划定夜间停车位并设置消防通道标识。",
        category=Topic.Category.PROPERTY,
        grids=[grids[2]],
        attachments=[_picture((90, 110, 130), "东路夜间停车位示意图")],
    )
    lights = services.topic_create(
        actor=staff,
        org_unit=community,
        title="第一网格背街小巷路灯改造",
        description="背街小巷路灯老化，老人晚上出行不便。",
        category=Topic.Category.FACILITIES,
        grids=[grids[0]],
    )
    from_cases = list(
        Topic.objects.filter(org_unit=community, origin=Topic.Origin.CASE, status=Topic.Status.OPEN)[:2]
    )
    agenda = [parking, lights, *from_cases]
    meeting = services.meeting_create(
        actor=secretary,
        org_unit=community,
        title="纳金社区邻里议事会（第三次）",
        start=_at(held_day, 15),
        end=_at(held_day, 17),
        place="纳金社区党群服务中心二楼议事厅",
        notes="请居民代表准时参加。",
        topics=agenda,
        now=planned,
    )
    heads = list(
        Resident.objects.filter(
            household__org_unit__parent=community, status=Resident.Status.LIVING, relationship_to_head="head"
        ).order_by("id")[::37][:9]
    )
    reps = [
        services.participant_invite(
            actor=secretary, meeting=meeting, kind=Participant.Kind.REPRESENTATIVE, resident=r
        )
        for r in heads
    ]
    extra = [
        services.participant_invite(
            actor=secretary, meeting=meeting, kind=Participant.Kind.SECRETARY, user=secretary
        ),
        services.participant_invite(
            actor=secretary, meeting=meeting, kind=Participant.Kind.PARTNER, partner=partners[0]
        ),
    ]
    services.meeting_publish(actor=secretary, meeting=meeting, now=planned + DAY)
    present = [p for p in reps if rng.random() < 0.85] or reps[:5]
    for p in present + extra:
        services.meeting_checkin(actor=staff, meeting=meeting, token=p.token, now=_at(held_day, 15))
    minutes = {
        parking.pk: "代表们一致认为问题突出。城管与物业提出划定夜间停车位、施划消防通道标线的方案。",
        lights.pk: "代表建议先摸排损坏路灯数量，再申请专项资金。暂不表决，下次会议再议。",
    }
    for item in meeting.agenda.select_related("topic"):
        services.minutes_record(
            actor=staff,
            item=item,
            minutes=minutes.get(item.topic_id, "代表们听取了诉求人陈述，同意由社区牵头协调解决。"),
        )
    vote_time = _at(held_day, 16)
    decided = [parking, *from_cases]
    for topic in decided:
        decision = services.decision_open(
            actor=secretary,
            topic=topic,
            method="representatives",
            meeting=meeting,
            question=f"同意：{topic.title}",
            now=vote_time,
        )
        for p in Participant.objects.filter(
            meeting=meeting, kind=Participant.Kind.REPRESENTATIVE, attended_at__isnull=False
        ):
            services.vote_record_representative(
                actor=secretary,
                decision=decision,
                participant=p,
                choice=rng.choice(["yes"] * 8 + ["no", "abstain"]),
                now=vote_time,
            )
        services.decision_close(
            actor=secretary, decision=decision, now=vote_time + datetime.timedelta(minutes=20)
        )
    services.meeting_mark_held(actor=secretary, meeting=meeting, now=_at(held_day, 17))
    services.meeting_photo_add(actor=staff, meeting=meeting, photos=[_picture((150, 90, 60), "议事会现场")])

    results = 0
    for topic in decided:
        topic.refresh_from_db()
        if topic.status != Topic.Status.DECIDED:
            continue
        if topic == parking:
            result = services.result_create(
                actor=secretary,
                topic=topic,
                title="划定夜间停车位、施划消防通道标线",
                owner_kind="partner",
                owner_partner=partners[min(1, len(partners) - 1)],
                milestones=[
                    ("现场勘查、方案公示", held_day + 7 * DAY),
                    ("施划标线、安装标识牌", held_day + 30 * DAY),
                    ("运行一个月后回访", held_day + 60 * DAY),
                ],
            )
            services.milestone_complete(
                actor=staff, milestone=result.milestones.order_by("due_date").first(), on=held_day + 6 * DAY
            )
            services.result_update_add(
                actor=staff,
                result=result,
                text="方案已在各楼栋公示，收集意见 23 条。",
                progress=30,
                now=_at(held_day + 6 * DAY, 10),
            )
            services.result_update_add(
                actor=staff,
                result=result,
                text="东路北段标线已施划完毕，南段下周施工。",
                progress=60,
                photos=[_picture((70, 80, 90), "东路北段标线")],
                now=_at(today - 3 * DAY, 10),
            )
        else:
            result = services.result_create(
                actor=secretary, topic=topic, title=f"落实：{topic.title}", owner_kind="community"
            )
            services.result_update_add(
                actor=staff, result=result, text="已协调相关单位完成整改，居民验收满意。", progress=100
            )
        results += 1

    # --- next week's meeting, notice published, the room booked through the service centre ---------
    stairs = services.topic_create(
        actor=staff,
        org_unit=community,
        title="楼道堆物清理与电动车充电管理",
        description="多个单元楼道堆放杂物、电动车入户充电，存在火灾隐患。",
        category=Topic.Category.SAFETY,
    )
    start = _at(today + 6 * DAY, 15)
    room = None
    for candidate in (context.get("rooms") or {}).values():
        if candidate.org_unit_id == community.pk and candidate.capacity >= 20:
            room = candidate
            break
    try:
        upcoming = services.meeting_create(
            actor=secretary,
            org_unit=community,
            title="纳金社区邻里议事会（第四次）",
            start=start,
            end=start + 2 * datetime.timedelta(hours=1),
            room=room,
            place="" if room else "纳金社区党群服务中心二楼议事厅",
            topics=[stairs, lights],
        )
    except ApplicationError:
        upcoming = services.meeting_create(
            actor=secretary,
            org_unit=community,
            title="纳金社区邻里议事会（第四次）",
            start=start,
            end=start + 2 * datetime.timedelta(hours=1),
            place="纳金社区党群服务中心二楼议事厅",
            topics=[stairs, lights],
        )
    for r in heads:
        services.participant_invite(
            actor=secretary, meeting=upcoming, kind=Participant.Kind.REPRESENTATIVE, resident=r
        )
    services.meeting_publish(actor=secretary, meeting=upcoming)

    # --- residents' proposals, supports, comments and a household vote -------------------------------
    residents = list(
        Resident.objects.filter(user__isnull=False, household__org_unit__parent=community).select_related(
            "user", "household"
        )
    )
    proposals = 0
    seen = set()
    voters = [r for r in residents if not (r.household_id in seen or seen.add(r.household_id))]
    if voters:
        ideas = [
            (
                "在小区空地增设老年人健身器材",
                "院里老人多，希望在三号楼前空地装几件健身器材。",
                Topic.Category.FACILITIES,
            ),
            (
                "垃圾分类投放点移到路口",
                "现在的投放点离住户窗户太近，夏天有异味。",
                Topic.Category.ENVIRONMENT,
            ),
        ]
        for i, (title, text, category) in enumerate(ideas):
            author = voters[i % len(voters)]
            topic = services.topic_propose(
                actor=author.user, title=title, description=text, category=category
            )
            for other in voters:
                if other.household_id != author.household_id and rng.random() < 0.7:
                    services.support_add(actor=other.user, topic=topic)
            services.comment_add(actor=voters[-1].user, topic=topic, body="赞成，希望尽快落实。")
            proposals += 1
        vote_topic = services.topic_create(
            actor=secretary,
            org_unit=community,
            title="社区广场舞活动时间调整为晚上 8 点至 9 点半",
            description="部分居民反映音量扰民，拟统一调整活动时间并控制音量。",
            category=Topic.Category.NEIGHBOURS,
        )
        decision = services.decision_open(actor=secretary, topic=vote_topic, method="households", days=7)
        for r in voters:
            services.vote_cast(
                actor=r.user, decision=decision, choice=rng.choice(["yes", "yes", "no", "abstain"])
            )
    stdout.write(
        f"  deliberation: 2 meetings ({len(present)} representatives present at the last), "
        f"{len(decided)} decisions, {results} results, {proposals} proposals collecting supports, 1 household vote open"
    )
