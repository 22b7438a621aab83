"""The six function rooms of the Najin service centre, their holidays and a realistic booking book:
past weeks (bulk, as history) and the coming weeks through the services (approvals pending, a weekly
series for the national-language classroom)."""

import datetime
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from gongzhi.accounts.models import User
from gongzhi.core.uploads import upload_store

from . import services
from .models import Booking, BookingEvent

T = datetime.time
WEEKDAYS = {d: (T(9, 30), T(18, 30)) for d in range(1, 6)} | {6: (T(10, 0), T(17, 0))}
EVERY_DAY = {d: (T(9, 0), T(21, 0)) for d in range(1, 8)}

ROOMS = [
    # name, Tibetan, capacity, equipment, approval, residents may book, hours, colour, location, description
    (
        "活动室",
        "ལས་འགུལ་ཁང་།",
        60,
        "音响, 投影仪, 折叠桌椅",
        True,
        True,
        WEEKDAYS,
        (200, 60, 50),
        "党群服务中心一楼",
        "社区最大的活动空间，可举办讲座、文艺排练和居民议事会。",
    ),
    (
        "调解室",
        "གྲོས་མཐུན་ཁང་།",
        8,
        "圆桌, 录音设备",
        True,
        False,
        WEEKDAYS,
        (90, 110, 140),
        "党群服务中心一楼东侧",
        "用于矛盾纠纷调解，仅限工作人员和辖区单位预约。",
    ),
    (
        "童趣天地",
        "བྱིས་པའི་རྩེད་ཐང་།",
        25,
        "绘本, 积木, 软垫, 电视",
        False,
        True,
        EVERY_DAY,
        (250, 180, 60),
        "党群服务中心二楼",
        "儿童阅读和游戏空间，家长陪同使用。",
    ),
    (
        "邻里汇",
        "ཁྱིམ་མཚེས་འདུ་ར།",
        30,
        "茶桌, 白板",
        False,
        True,
        EVERY_DAY,
        (80, 160, 90),
        "党群服务中心二楼",
        "邻里议事角所在，居民聚会、议事、兴趣小组活动。",
    ),
    (
        "社区书咖",
        "སྤྱི་ཚོགས་དཔེ་ཀློག་ཁང་།",
        20,
        "图书, 电脑, 无线网络",
        False,
        True,
        EVERY_DAY,
        (140, 90, 60),
        "党群服务中心三楼",
        "社区图书角与咖啡吧，城关区图书馆纳金分馆共建。",
    ),
    (
        "国家通用语言课堂",
        "རྒྱལ་ཡོངས་སྤྱི་སྤྱོད་སྐད་ཡིག་སློབ་ཁང་།",
        40,
        "黑板, 投影仪, 课桌椅",
        True,
        True,
        WEEKDAYS,
        (60, 90, 170),
        "党群服务中心三楼",
        "开展国家通用语言文字培训和课后辅导。",
    ),
]

PURPOSES = {
    "活动室": ["居民议事会", "广场舞排练", "老年合唱团排练", "党员学习日", "健康讲座"],
    "调解室": ["邻里纠纷调解", "物业纠纷调解", "家庭矛盾调解"],
    "童趣天地": ["绘本共读", "亲子手工", "儿童生日会", "课后托管"],
    "邻里汇": ["邻里茶话会", "楼栋长例会", "书法兴趣小组", "唐卡绘画交流"],
    "社区书咖": ["读书会", "青年交流会", "电脑培训", "藏文书法练习"],
    "国家通用语言课堂": ["普通话培训", "课后辅导", "双语讲座"],
}

ROOM_HOURS = {r[0]: r[6] for r in ROOMS}

HOLIDAYS = [
    (datetime.date(2027, 1, 1), "元旦"),
    (datetime.date(2027, 2, 6), "春节"),
    (datetime.date(2027, 2, 7), "春节 / 藏历新年"),
    (datetime.date(2027, 2, 8), "春节 / 藏历新年"),
    (datetime.date(2027, 2, 9), "藏历新年"),
]


def _photo(colour, actor, unit, name):
    img = Image.new("RGB", (640, 360), colour)
    draw = ImageDraw.Draw(img)
    for i in range(0, 640, 80):
        draw.rectangle([i, 300, i + 60, 340], fill=tuple(min(255, c + 50) for c in colour))
    draw.rectangle([40, 40, 600, 260], outline=(255, 255, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    buf.seek(0)
    buf.name = f"{name}.png"
    return upload_store(actor=actor, file=buf, org_unit=unit, purpose="venues.room", images_only=True)


def _aware(day, t):
    return timezone.make_aware(datetime.datetime.combine(day, t))


def build(context, rng, stdout):
    community = context["units"]["community"]
    users = context["users"]
    staff = users["staff"]
    partner_user = users["partner"]
    residents = list(
        User.objects.filter(
            username__in=[f"r{n}" for n, _name in context.get("resident_logins", [])]
        ).order_by("pk")
    )
    rooms = []
    for name, bo, cap, equipment, approval, residents_ok, hours, colour, location, description in ROOMS:
        room = services.room_create(
            actor=staff,
            org_unit=community,
            name=name,
            name_bo=bo,
            capacity=cap,
            equipment=equipment,
            requires_approval=approval,
            bookable_by_residents=residents_ok,
            hours=hours,
            location=location,
            description=description,
            photo=_photo(colour, staff, community, name),
        )
        rooms.append(room)
    context["rooms"] = {r.name: r for r in rooms}
    for day, note in HOLIDAYS:
        services.closedday_create(actor=staff, org_unit=community, date=day, note=note)

    # History: the past eight weeks, written in bulk (the services refuse the past, rightly).
    today = timezone.localdate()
    bookers = [staff, partner_user, *residents]
    history = []
    for days_ago in range(56, 0, -1):
        day = today - datetime.timedelta(days=days_ago)
        for room in rooms:
            hours = ROOM_HOURS[room.name]
            if day.isoweekday() not in hours:
                continue
            opens, closes = hours[day.isoweekday()]
            hour = opens.hour + 1
            while hour + 2 <= closes.hour and rng.random() < 0.45:
                length = rng.choice([1, 1, 2])
                user = rng.choice(bookers if room.bookable_by_residents else [staff, partner_user])
                kind = "staff" if user == staff else "partner" if user == partner_user else "resident"
                history.append(
                    Booking(
                        org_unit=community,
                        room=room,
                        booked_by=user,
                        booker_kind=kind,
                        partner_unit_id=user.partner_unit_id if kind == "partner" else None,
                        start=_aware(day, T(hour)),
                        end=_aware(day, T(hour + length)),
                        purpose=rng.choice(PURPOSES[room.name]),
                        headcount=rng.randint(2, room.capacity),
                        status="no_show" if rng.random() < 0.05 else "confirmed",
                        created_at=_aware(day - datetime.timedelta(days=rng.randint(1, 10)), T(10)),
                    )
                )
                hour += length + rng.randint(0, 2)
    Booking.objects.bulk_create(history, batch_size=500)
    BookingEvent.objects.bulk_create(
        [
            BookingEvent(
                booking=b,
                org_unit_id=b.org_unit_id,
                from_status="",
                to_status=b.status,
                actor=b.booked_by,
                at=b.created_at,
            )
            for b in history
        ],
        batch_size=500,
    )

    # The coming weeks, through the services: what the approval queue and the week view show.
    upcoming = 0
    classroom = context["rooms"]["国家通用语言课堂"]
    first = today + datetime.timedelta(days=(1 - today.isoweekday()) % 7 or 7)  # next Monday
    series = services.booking_create_weekly(
        actor=staff,
        room=classroom,
        start=_aware(first, T(16, 0)),
        end=_aware(first, T(17, 30)),
        weeks=12,
        purpose="普通话培训（每周一）",
        headcount=30,
    )
    upcoming += sum(o.ok for o in series)
    for offset in range(1, 22):
        day = today + datetime.timedelta(days=offset)
        for room in rooms:
            if rng.random() > 0.5:
                continue
            user = rng.choice(bookers if room.bookable_by_residents else [staff, partner_user])
            hour = rng.choice([10, 11, 14, 15, 16])
            try:
                services.booking_create(
                    actor=user,
                    room=room,
                    start=_aware(day, T(hour)),
                    end=_aware(day, T(hour + 1, 30)),
                    purpose=rng.choice(PURPOSES[room.name]),
                    headcount=rng.randint(2, min(room.capacity, 20)),
                )
                upcoming += 1
            except services.ApplicationError:
                pass  # closed, taken or outside the hours: a real request would have been refused too
    pending = Booking.objects.filter(org_unit=community, status="pending").count()
    stdout.write(
        f"  venues: {len(rooms)} rooms, {len(history)} past bookings, {upcoming} upcoming ({pending} awaiting approval)"
    )
