import datetime

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry
from gongzhi.registry import selectors, services
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import CareTag, ChangeRecord, Resident
from gongzhi.registry.signals import resident_status_changed

pytestmark = pytest.mark.django_db


def test_a_resident_with_every_field_and_search_keys(household, make_user, roles, tree):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    r = services.resident_create(
        actor=staff,
        household=household,
        name="张晓鑫",
        gender="female",
        birth_date=datetime.date(1980, 5, 1),
        relationship_to_head="head",
        document_number=make_id_number("540102", datetime.date(1980, 5, 1), 12, "female"),
        former_names="张小欣",
        ethnicity="汉族",
        education="bachelor",
        employment="employed",
        medical_insurance="employee",
        is_party_member=True,
        party_branch="纳金社区第一党支部",
        employer_unit="拉萨市第一中学",
        disability_type="physical",
        disability_grade=3,
        care_tags=["chronic_disease"],
        phone="13908910001",
    )
    r.refresh_from_db()
    assert (r.name_pinyin, r.name_initials) == ("zhangxiaoxin", "zxx")
    assert [t.code for t in r.care_tags.all()] == ["chronic_disease"]
    assert r.disability_grade == 3 and r.employer_unit == "拉萨市第一中学"
    created = ChangeRecord.objects.get(resident=r)
    assert created.action == "create" and created.actor == staff
    shown = {c["field"]: c["new"] for c in created.changes}
    assert shown["document_number"].count("*") == 10 and "13908910001" not in str(created.changes)
    assert shown["phone"] == "139****0001"


def test_duplicate_document_is_refused_with_a_link_to_the_record(household, make_resident):
    number = make_id_number("540102", datetime.date(1980, 5, 1), 21, "male")
    first = make_resident(household, "扎西", gender="male", document_number=number)
    with pytest.raises(ApplicationError) as exc:
        make_resident(household, "扎西多吉", gender="male", document_number=number)
    assert exc.value.code == "duplicate"
    assert exc.value.extra["existing_url"] == f"/registry/residents/{first.pk}/"


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"birth": datetime.date(2030, 1, 1), "document_number": ""}, "birth_date"),
        ({"phone": "1390891"}, "phone"),
        ({"disability_type": "visual", "disability_grade": 5}, "disability_grade"),
        ({"disability_type": "", "disability_grade": 2}, "disability_type"),
        ({"employer_unit": "某单位"}, "employer_unit"),
        ({"ethnicity": "火星族"}, "ethnicity"),
        ({"care_tags": ["elderly_60"]}, "care_tags"),
        ({"document_number": "540102198005010000"}, "document_number"),
    ],
)
def test_bad_input_is_refused_on_its_field(household, make_resident, kw, field):
    with pytest.raises(ApplicationError) as exc:
        make_resident(household, **kw)
    assert exc.value.field == field
    assert not Resident.objects.exists()


def test_database_constraints_hold_without_the_service(household, make_resident):
    r = make_resident(household)
    for update in (
        {"disability_type": "visual", "disability_grade": 5},
        {"status": "deceased"},
        {"status": "moved_out"},
        {"employer_unit": "X", "is_party_member": False},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Resident.objects.filter(pk=r.pk).update(**update)


def test_update_keeps_history_with_masked_values(household, make_resident, make_user, roles, tree):
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    r = make_resident(household, phone="13908910001")
    services.resident_update(
        actor=worker, resident=r, phone="13908910002", employment="retired", name="张晓新"
    )
    r.refresh_from_db()
    assert r.phone == "13908910002" and r.name_initials == "zxx" and r.name_pinyin == "zhangxiaoxin"
    change = ChangeRecord.objects.filter(resident=r, action="update").get()
    by_field = {c["field"]: c for c in change.changes}
    assert set(by_field) == {"phone", "employment", "name"}
    assert by_field["phone"] == {"field": "phone", "old": "139****0001", "new": "139****0002"}
    assert by_field["name"]["old"] == "张晓鑫" and change.actor == worker
    # Nothing changed → nothing recorded.
    services.resident_update(actor=worker, resident=r, employment="retired")
    assert ChangeRecord.objects.filter(resident=r, action="update").count() == 1


def test_changing_the_birth_date_rechecks_the_document(household, make_resident):
    r = make_resident(household)
    with pytest.raises(ApplicationError) as exc:
        services.resident_update(actor=None, resident=r, birth_date=datetime.date(1981, 5, 1))
    assert exc.value.code == "id_birth_mismatch"


def test_move_out_and_death_keep_the_record_and_notify(
    household, make_resident, django_capture_on_commit_callbacks
):
    r = make_resident(household)
    card = services.card_issue(actor=None, resident=r)
    seen = []

    def listener(sender, resident, old_status, new_status, on, actor, **kw):
        seen.append((resident.pk, old_status, new_status, on))

    resident_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.resident_move_out(actor=None, resident=r, on=datetime.date(2026, 10, 1))
        with django_capture_on_commit_callbacks(execute=True):
            services.resident_record_death(actor=None, resident=r, on=datetime.date(2026, 11, 1))
    finally:
        resident_status_changed.disconnect(listener)
    r.refresh_from_db()
    assert (r.status, r.moved_out_on, r.died_on) == (
        "deceased",
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
    )
    assert seen == [
        (r.pk, "living", "moved_out", datetime.date(2026, 10, 1)),
        (r.pk, "moved_out", "deceased", datetime.date(2026, 11, 1)),
    ]
    assert selectors.card_resolve(card.token) is None
    with pytest.raises(ApplicationError) as exc:
        services.resident_move_out(actor=None, resident=r, on=datetime.date(2026, 11, 2))
    assert exc.value.status == 409
    assert [c.action for c in ChangeRecord.objects.filter(resident=r).order_by("id")] == [
        "create",
        "move_out",
        "death",
    ]


def test_a_future_date_of_death_is_refused(household, make_resident):
    r = make_resident(household)
    with pytest.raises(ApplicationError):
        services.resident_record_death(actor=None, resident=r, on=datetime.date(2999, 1, 1))


def test_moving_a_household_moves_its_members(household, make_resident, tree):
    r = make_resident(household)
    services.household_move(actor=None, household=household, org_unit=tree.grid_a2)
    r.refresh_from_db()
    household.refresh_from_db()
    assert household.org_unit == tree.grid_a2 and r.org_unit == tree.grid_a2
    assert ChangeRecord.objects.filter(household=household, action="move_grid").exists()
    with pytest.raises(ApplicationError):
        services.household_move(actor=None, household=household, org_unit=tree.community_a)


def test_moving_a_resident_between_households(household, make_resident, tree):
    make_resident(household, "卓玛", rel="head", birth=datetime.date(1970, 1, 1))
    child = make_resident(household, "拉姆", birth=datetime.date(2000, 3, 3))
    other = services.household_create(actor=None, org_unit=tree.grid_a2, address="纳金路20号")
    make_resident(other, "次仁", gender="male", rel="head", birth=datetime.date(1999, 1, 1))
    with pytest.raises(ApplicationError) as exc:
        services.resident_move(actor=None, resident=child, household=other, relationship_to_head="head")
    assert exc.value.code == "duplicate_head"
    services.resident_move(actor=None, resident=child, household=other, relationship_to_head="spouse")
    child.refresh_from_db()
    assert child.household == other and child.org_unit == tree.grid_a2
    assert household.changes.filter(action="member_left").exists()


def test_staff_extend_the_care_tags(tree, household, make_resident):
    tag = services.care_tag_create(actor=None, org_unit=tree.grid_a1, name="独居重点关注")
    assert tag.org_unit == tree.community_a
    r = make_resident(household, care_tags=[tag.code, "veteran"])
    assert {t.name for t in r.care_tags.all()} == {"独居重点关注", "Veteran"}
    with pytest.raises(ApplicationError):
        services.care_tag_create(actor=None, org_unit=tree.community_a, name="独居重点关注")
    assert CareTag.objects.filter(org_unit__isnull=True, is_derived=True).count() == 2


def test_derived_age_tags_are_computed(household, make_resident):
    r = make_resident(household, birth=datetime.date(1940, 1, 1))
    assert r.derived_tags(datetime.date(2026, 11, 29)) == ["elderly_60", "elderly_80"]
    assert r.derived_tags(datetime.date(1999, 12, 31)) == []


def test_every_write_is_audited(household, make_resident):
    before = AuditEntry.objects.count()
    r = make_resident(household)
    services.resident_update(actor=None, resident=r, employment="student")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[before:]) == [
        "resident.create",
        "resident.update",
    ]
