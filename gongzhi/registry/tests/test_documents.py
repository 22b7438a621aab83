import datetime

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.registry.documents import make_id_number, validate_document, validate_phone

BIRTH = datetime.date(1980, 5, 1)
GOOD = make_id_number("540102", BIRTH, 11, "male")


def codes(**kw):
    with pytest.raises(ApplicationError) as exc:
        validate_document(**kw)
    return exc.value.code


def test_a_valid_number_is_normalised():
    assert (
        validate_document(document_type="id_card", number=" " + GOOD.lower(), birth_date=BIRTH, gender="male")
        == GOOD
    )


def test_wrong_check_character():
    wrong = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    assert codes(document_type="id_card", number=wrong) == "id_check"


def test_birth_date_contradicting_the_number():
    assert (
        codes(document_type="id_card", number=GOOD, birth_date=datetime.date(1980, 5, 2))
        == "id_birth_mismatch"
    )


def test_birth_date_in_the_number_in_the_future():
    future = make_id_number("540102", datetime.date(2030, 1, 1), 11, "male")
    assert codes(document_type="id_card", number=future, today=datetime.date(2026, 11, 29)) == "id_future"


def test_impossible_birth_date_in_the_number():
    first17 = "54010219800231011"  # 31 February
    from gongzhi.registry.documents import id_check_character

    assert codes(document_type="id_card", number=first17 + id_check_character(first17)) == "id_birth_date"


def test_gender_digit_must_match():
    assert codes(document_type="id_card", number=GOOD, birth_date=BIRTH, gender="female") == "id_gender"


def test_wrong_length_and_letters():
    assert codes(document_type="id_card", number=GOOD[:17]) == "id_format"
    assert codes(document_type="id_card", number="A" + GOOD[1:]) == "id_format"


@pytest.mark.parametrize(
    "kind,good,bad",
    [
        ("passport", "E12345678", "E1234"),
        ("hk_macau", "H12345678", "X12345678"),
        ("taiwan", "12345678", "1234567"),
    ],
)
def test_other_documents_have_their_own_formats(kind, good, bad):
    assert validate_document(document_type=kind, number=good) == good
    assert codes(document_type=kind, number=bad).endswith("_format")


def test_phone_of_the_wrong_length_is_refused():
    assert validate_phone("139 0891 0001") == "13908910001"
    assert validate_phone("+86 139 0891 0001") == "13908910001"
    assert validate_phone("0891-6321234") == "08916321234"
    for bad in ("1390891000", "139089100011", "23908910001"):
        with pytest.raises(ApplicationError) as exc:
            validate_phone(bad)
        assert exc.value.field == "phone"
