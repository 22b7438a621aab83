"""Households and residents of the demo community: Tibetan names (no family name) in Chinese and
Tibetan script, Han residents with family names, a realistic age mix and valid ID numbers."""

import datetime
import random

from django.conf import settings
from django.db.models import Exists, OuterRef

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import Role

from . import services
from .documents import make_id_number
from .models import CareTag, Household, Resident

TIBETAN_PARTS = [
    ("扎西", "བཀྲ་ཤིས་"),
    ("卓玛", "སྒྲོལ་མ་"),
    ("次仁", "ཚེ་རིང་"),
    ("格桑", "སྐལ་བཟང་"),
    ("央金", "དབྱངས་ཅན་"),
    ("边巴", "སྤེན་པ་"),
    ("旦增", "བསྟན་འཛིན་"),
    ("拉姆", "ལྷ་མོ་"),
    ("德吉", "བདེ་སྐྱིད་"),
    ("平措", "ཕུན་ཚོགས་"),
    ("索朗", "བསོད་ནམས་"),
    ("普布", "ཕུར་བུ་"),
    ("尼玛", "ཉི་མ་"),
    ("达瓦", "ཟླ་བ་"),
    ("多吉", "རྡོ་རྗེ་"),
    ("洛桑", "བློ་བཟང་"),
]
TIBETAN_ENDINGS = {
    "female": [("卓玛", "སྒྲོལ་མ་"), ("央金", "དབྱངས་ཅན་"), ("拉姆", "ལྷ་མོ་"), ("德吉", "བདེ་སྐྱིད་")],
    "male": [
        ("多吉", "རྡོ་རྗེ་"),
        ("平措", "ཕུན་ཚོགས་"),
        ("旦增", "བསྟན་འཛིན་"),
        ("扎西", "བཀྲ་ཤིས་"),
        ("洛桑", "བློ་བཟང་"),
        ("次仁", "ཚེ་རིང་"),
    ],
}
HAN_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林"
HAN_GIVEN = {
    "male": ["伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "晓东", "建国", "志刚"],
    "female": ["芳", "娜", "敏", "静", "丽", "艳", "霞", "晓鑫", "秀英", "桂兰", "玉梅", "婷"],
}
AREAS = ["540102", "540102", "540102", "540102", "540121", "540122", "540123", "540124", "540127"]
OTHER_AREAS = ["510104", "620102", "630102", "500101"]
PHONE_PREFIXES = ["139", "138", "136", "159", "158", "189", "180", "177", "151", "134"]
EMPLOYER_UNITS = [
    "拉萨市第一中学",
    "城关区人民医院",
    "西藏大学",
    "拉萨市公安局城关分局",
    "国网拉萨供电公司",
    "城关区教育局",
]
PARTY_BRANCHES = ["纳金社区第一党支部", "纳金社区第二党支部", "纳金社区离退休党支部"]
DISABILITIES = ["visual", "hearing", "physical", "physical", "intellectual", "mental", "speech"]
DEMO_RESIDENT_PHONES = ["13908910001", "13908910002", "13908910003", "13908910004", "13908910005"]
# About 1,000 households in three grids, as in Najin; the page crawl test builds a smaller demo.
HOUSEHOLDS_PER_GRID = 333


class _Ids:
    def __init__(self):
        self.seq = 0

    def next(self, area, birth, gender):
        self.seq += 1
        return make_id_number(area, birth, self.seq, gender)


def _tibetan_name(rng, gender):
    first = rng.choice(TIBETAN_PARTS)
    second = rng.choice([e for e in TIBETAN_ENDINGS[gender] if e[0] != first[0]])
    return first[0] + second[0], first[1] + second[1].rstrip("་") + "།"


def _han_name(rng, gender, surname=None):
    return (surname or rng.choice(HAN_SURNAMES)) + rng.choice(HAN_GIVEN[gender]), ""


def _birth(rng, today, age_low, age_high):
    age = rng.randint(age_low, age_high)
    return today.replace(year=today.year - age) - datetime.timedelta(days=rng.randint(1, 360))


def _profile(rng, age, gender, relationship, *, alone, low_income, floating) -> dict:
    """Education, work, insurance, party membership, disability and care tags for one resident."""
    tags = []
    extra = {}
    if age < 6:
        extra["employment"] = "preschool"
    elif age < 19:
        extra["employment"], extra["education"] = "student", rng.choice(["primary", "junior", "senior"])
    else:
        extra["education"] = rng.choice(
            ["none", "primary", "primary", "junior", "junior", "senior", "vocational", "college", "bachelor"]
            if age >= 50
            else ["junior", "senior", "vocational", "college", "bachelor", "bachelor", "postgraduate"]
        )
        if age >= 60:
            extra["employment"] = "retired"
        else:
            extra["employment"] = rng.choice(
                ["employed", "employed", "employed", "self_employed", "farmer_herder", "unemployed", "other"]
            )
    extra["medical_insurance"] = (
        "employee"
        if extra.get("employment") in ("employed", "retired") and rng.random() < 0.6
        else "resident"
    )
    if age >= 22 and rng.random() < 0.06:
        extra["is_party_member"] = True
        extra["party_branch"] = PARTY_BRANCHES[2] if age >= 60 else rng.choice(PARTY_BRANCHES[:2])
        if extra.get("employment") == "employed" and rng.random() < 0.6:
            extra["employer_unit"] = rng.choice(EMPLOYER_UNITS)
    if rng.random() < 0.025:
        extra["disability_type"] = rng.choice(DISABILITIES)
        extra["disability_grade"] = rng.choice([1, 2, 2, 3, 3, 4, 4, 4])
        tags.append("disabled")
    if alone and age >= 60:
        tags.append("living_alone")
        if rng.random() < 0.3:
            tags.append("tekun")
    elif age >= 60 and relationship in ("head", "spouse") and rng.random() < 0.15:
        tags.append("empty_nest")
    if age < 16:
        if floating:
            tags.append("floating_child")
        elif rng.random() < 0.06:
            tags.append("left_behind_child")
        if rng.random() < 0.025:
            tags.append("distressed_child")
    if low_income:
        tags.append("dibao")
    if gender == "male" and 35 <= age <= 75 and rng.random() < 0.03:
        tags.append("veteran")
    if age >= 50 and rng.random() < 0.12:
        tags.append("chronic_disease")
    extra["care_tags"] = tags
    return extra


def build(context, rng, stdout):
    today = datetime.date(2026, 11, 29)
    grids = context["grids"]
    ids = _Ids()
    tag_objects = {t.code: t for t in CareTag.objects.filter(org_unit__isnull=True)}
    phones = set(DEMO_RESIDENT_PHONES)
    n_households = n_residents = 0
    heads = []

    def phone():
        while True:
            p = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
            if p not in phones:
                phones.add(p)
                return p

    for grid_index, grid in enumerate(grids):
        street = grid.address
        buildings = [
            services.building_create(
                actor=None, org_unit=grid, name=f"{street}{n}号院", address=f"城关区{street}{n}号院"
            )
            for n in range(2 + grid_index * 10, 12 + grid_index * 10)
        ]
        for _ in range(HOUSEHOLDS_PER_GRID + (1 if grid_index == 0 else 0)):
            floating = rng.random() < 0.12
            han = rng.random() < (0.35 if floating else 0.1)
            if rng.random() < 0.8:
                building = rng.choice(buildings)
                unit_no, room_no = str(rng.randint(1, 4)), f"{rng.randint(1, 6)}0{rng.randint(1, 4)}"
                address = f"{building.address}{unit_no}单元{room_no}室"
            else:
                building, unit_no, room_no = None, "", ""
                address = f"城关区{street}{rng.randint(100, 400)}号（自建房）"
            household = services.household_create(
                actor=None,
                org_unit=grid,
                address=address,
                building=building,
                unit_no=unit_no,
                room_no=room_no,
                registration_type=Household.RegistrationType.FLOATING
                if floating
                else Household.RegistrationType.REGISTERED,
            )
            n_households += 1
            area = rng.choice(OTHER_AREAS) if floating and han else rng.choice(AREAS)
            ethnicity = "汉族" if han else "藏族"
            surname = rng.choice(HAN_SURNAMES) if han else None

            roll = rng.random()
            if roll < 0.22:
                head_age = (62, 92)  # elderly household, often one person
            elif roll < 0.34:
                head_age = (20, 35)
            else:
                head_age = (30, 60)
            members = []
            head_gender = rng.choice(["male", "female"])
            members.append((Resident.Relationship.HEAD, head_gender, _birth(rng, today, *head_age)))
            alone = head_age[0] >= 62 and rng.random() < 0.25
            if not alone and rng.random() < 0.7:
                members.append(
                    (
                        Resident.Relationship.SPOUSE,
                        "female" if head_gender == "male" else "male",
                        _birth(rng, today, max(18, head_age[0] - 3), head_age[1]),
                    )
                )
            if not alone and head_age[0] < 62:
                for _ in range(rng.choice([0, 1, 1, 1, 2, 2])):
                    members.append(
                        (
                            Resident.Relationship.CHILD,
                            rng.choice(["male", "female"]),
                            _birth(rng, today, 0, max(0, min(30, head_age[0] - 22))),
                        )
                    )
                if rng.random() < 0.22:
                    members.append(
                        (
                            Resident.Relationship.PARENT,
                            rng.choice(["male", "female"]),
                            _birth(rng, today, 62, 90),
                        )
                    )

            low_income = rng.random() < 0.035
            for relationship, gender, birth in members:
                if han:
                    name, name_bo = _han_name(
                        rng, gender, surname if relationship != Resident.Relationship.SPOUSE else None
                    )
                else:
                    name, name_bo = _tibetan_name(rng, gender)
                age = today.year - birth.year
                extra = _profile(
                    rng, age, gender, relationship, alone=alone, low_income=low_income, floating=floating
                )
                extra["care_tags"] = [tag_objects[code] for code in extra["care_tags"]]
                resident = services.resident_create(
                    actor=None,
                    household=household,
                    name=name,
                    name_bo=name_bo,
                    gender=gender,
                    birth_date=birth,
                    relationship_to_head=relationship,
                    document_number=ids.next(area, birth, gender),
                    phone=phone() if age >= 16 and rng.random() < 0.85 else "",
                    ethnicity=ethnicity,
                    **extra,
                )
                n_residents += 1
                if relationship == Resident.Relationship.HEAD and 25 <= age <= 70:
                    heads.append(resident)

    # Life goes on: some residents moved away (work elsewhere), some elderly residents died; the
    # records stay. The dates of the moves come from a generator of their own, so that the shared
    # one keeps the sequence every later demo step was built on.
    move_rng = random.Random(4)  # noqa: S311 - demo data  # nosec B311
    movers = list(
        Resident.objects.filter(
            relationship_to_head=Resident.Relationship.SPOUSE,
            birth_date__range=(datetime.date(1971, 1, 1), datetime.date(2001, 1, 1)),
        ).order_by("id")[::29][:15]
    )
    for resident in movers:
        services.resident_move_out(
            actor=None, resident=resident, on=today - datetime.timedelta(days=move_rng.randint(20, 600))
        )
    # Left-behind elderly (留守老人): people of 60+ whose household has nobody under 60 at home, the
    # children working elsewhere (not those living alone, tagged already).
    young = Resident.objects.filter(
        household=OuterRef("household"), birth_date__gt=datetime.date(1966, 11, 29)
    )
    left_behind = (
        Resident.objects.filter(birth_date__lte=datetime.date(1966, 11, 29), status=Resident.Status.LIVING)
        .exclude(care_tags__code="living_alone")
        .exclude(Exists(young))
        .order_by("id")[::4][:30]
    )
    tag = tag_objects["left_behind_elderly"]
    for resident in list(left_behind):
        services.resident_update(actor=None, resident=resident, care_tags=[*resident.care_tags.all(), tag])
    elderly = list(
        Resident.objects.filter(birth_date__lte=datetime.date(1940, 1, 1)).order_by("id")[::11][:8]
    )
    for resident in elderly:
        services.resident_record_death(
            actor=None, resident=resident, on=today - datetime.timedelta(days=rng.randint(10, 400))
        )

    # A few residents sign in with their mobile numbers.
    password = settings.GONGZHI_DEMO_PASSWORD
    for number, resident in zip(DEMO_RESIDENT_PHONES, heads[:: max(1, len(heads) // 5)], strict=False):
        user = account_services.user_create(
            actor=None, username=f"r{number}", password=password, display_name=resident.name, phone=number
        )
        account_services.role_assign(actor=None, user=user, role=Role.RESIDENT, org_unit=resident.org_unit)
        resident.set_phone(number)
        resident.user = user
        resident.save(update_fields=["phone", "phone_index", "phone_last4", "user"])
        context["resident_logins"].append((number, resident.name))
    living = Resident.objects.filter(status=Resident.Status.LIVING)
    elderly = living.filter(birth_date__lte=today.replace(year=today.year - 60)).count()
    stdout.write(
        f"  registry: {n_households} households, {n_residents} residents, "
        f"{elderly} aged 60+, {living.filter(is_party_member=True).count()} party members, "
        f"{living.filter(care_tags__code='living_alone').count()} elderly living alone"
    )
