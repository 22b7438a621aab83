import datetime

import pytest
from django.db import IntegrityError, connection

from gongzhi.core.errors import ApplicationError
from gongzhi.registry import services
from gongzhi.registry.documents import id_check_character, make_id_number
from gongzhi.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(tree):
    return services.household_create(actor=None, org_unit=tree.grid_a1, address="纳金路12号院3栋2单元301")


def test_the_check_character_of_a_known_number():
    # The GB 11643 worked example: 11010519491231002X.
    assert id_check_character("11010519491231002") == "X"
    assert make_id_number("540102", datetime.date(1980, 5, 1), 11, "male")[-4:-1] == "011"


def test_a_document_number_is_registered_once(household):
    number = make_id_number("540102", datetime.date(1980, 5, 1), 11, "male")
    first = services.resident_create(
        actor=None,
        household=household,
        name="扎西多吉",
        gender="male",
        birth_date=datetime.date(1980, 5, 1),
        relationship_to_head="head",
        document_number=number,
    )
    with pytest.raises(ApplicationError) as exc:
        services.resident_create(
            actor=None,
            household=household,
            name="扎西",
            gender="male",
            birth_date=datetime.date(1980, 5, 1),
            relationship_to_head="child",
            document_number=number.lower(),
        )
    assert exc.value.extra["existing_id"] == first.pk


def test_one_head_per_household_in_the_service_and_the_database(household):
    services.resident_create(
        actor=None,
        household=household,
        name="卓玛",
        gender="female",
        birth_date=datetime.date(1970, 1, 1),
        relationship_to_head="head",
    )
    with pytest.raises(ApplicationError):
        services.resident_create(
            actor=None,
            household=household,
            name="央金",
            gender="female",
            birth_date=datetime.date(1972, 1, 1),
            relationship_to_head="head",
        )
    with pytest.raises(IntegrityError):
        Resident.objects.create(
            org_unit=household.org_unit,
            household=household,
            name="拉姆",
            gender="female",
            birth_date=datetime.date(1975, 1, 1),
            relationship_to_head="head",
        )


def test_no_plaintext_id_or_phone_in_the_database(household):
    number = make_id_number("540102", datetime.date(1980, 5, 1), 11, "male")
    resident = services.resident_create(
        actor=None,
        household=household,
        name="次仁",
        gender="male",
        birth_date=datetime.date(1980, 5, 1),
        relationship_to_head="head",
        document_number=number,
        phone="13812345678",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number, phone FROM registry_resident WHERE id = %s", [resident.pk])
        stored = " ".join(cursor.fetchone())
    assert number not in stored and "13812345678" not in stored
    resident.refresh_from_db()
    assert resident.masked_document == number[:4] + "*" * 10 + number[-4:]
    assert resident.masked_phone == "138****5678"


def test_a_reissued_card_revokes_the_old_token(household):
    resident = services.resident_create(
        actor=None,
        household=household,
        name="达瓦",
        gender="male",
        birth_date=datetime.date(1990, 2, 2),
        relationship_to_head="head",
    )
    from gongzhi.registry import selectors

    first = services.card_issue(actor=None, resident=resident)
    assert selectors.card_resolve(first.token) == resident
    second = services.card_issue(actor=None, resident=resident)
    assert selectors.card_resolve(first.token) is None
    assert selectors.card_resolve(second.token) == resident
    services.card_revoke(actor=None, card=second)
    assert selectors.card_resolve(second.token) is None
    assert selectors.card_resolve("unknown") is None
