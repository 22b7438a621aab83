"""Identity documents. The mainland resident ID number follows GB 11643-1999: 6 digits of area,
8 of birth date, 3 of sequence (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2."""

import datetime
import re

from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def make_id_number(area: str, birth: datetime.date, sequence: int, gender: str) -> str:
    """Build a valid number (for demo and test data): sequence parity follows the gender."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (gender == "male"):
        seq = (seq + 1) % 1000
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_character(first17)


_ID_RE = re.compile(r"^\d{17}[\dX]$")
# Passports: a Chinese ordinary passport is E/G + 8 digits (or E + letter + 7 digits); foreign
# passports are 6–17 letters and digits (at least one digit). HK/Macau permits (港澳居民来往内地通行证) are H or M + 8 or 10
# digits; Taiwan permits (台湾居民来往大陆通行证) are 8 digits (or 10 with a trailing check part).
_PASSPORT_RE = re.compile(r"^(?=.*\d)[A-Z0-9]{6,17}$")
_HK_MACAU_RE = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN_RE = re.compile(r"^\d{8}(\d{2})?$")


def id_birth_date(number: str) -> datetime.date | None:
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_document(
    *, document_type: str, number: str, birth_date=None, gender: str = "", today=None
) -> str:
    """Check a document number against its format; return it normalised. For the mainland ID card
    (GB 11643): 18 characters, the MOD 11-2 check character, a real birth date not in the future
    that matches `birth_date`, and the sequence parity matching `gender`."""
    number = "".join((number or "").split()).upper()
    if not number:
        return ""
    field = "document_number"
    if document_type == "id_card":
        if not _ID_RE.match(number):
            raise ApplicationError(
                _("An ID card number has 18 characters: 17 digits and a digit or X."),
                code="id_format",
                field=field,
            )
        if id_check_character(number[:17]) != number[17]:
            raise ApplicationError(
                _("The check character of this ID card number is wrong: please re-check the number."),
                code="id_check",
                field=field,
            )
        born = id_birth_date(number)
        if born is None:
            raise ApplicationError(
                _("The birth date inside this ID card number is not a real date."),
                code="id_birth_date",
                field=field,
            )
        if born > (today or datetime.date.today()):
            raise ApplicationError(
                _("The birth date inside this ID card number is in the future."),
                code="id_future",
                field=field,
            )
        if birth_date is not None and born != birth_date:
            raise ApplicationError(
                _("The ID card number says the resident was born on %(date)s, not on the birth date given.")
                % {"date": born.isoformat()},
                code="id_birth_mismatch",
                field=field,
            )
        if gender and (int(number[16]) % 2 == 1) != (gender == "male"):
            raise ApplicationError(
                _("The ID card number does not match the gender given."),
                code="id_gender",
                field=field,
            )
    elif document_type == "passport":
        if not _PASSPORT_RE.match(number):
            raise ApplicationError(
                _("A passport number has 6 to 17 letters and digits."), code="passport_format", field=field
            )
    elif document_type == "hk_macau":
        if not _HK_MACAU_RE.match(number):
            raise ApplicationError(
                _("A Hong Kong / Macau permit number is H or M followed by 8 or 10 digits."),
                code="hk_macau_format",
                field=field,
            )
    elif document_type == "taiwan":
        if not _TAIWAN_RE.match(number):
            raise ApplicationError(
                _("A Taiwan permit number has 8 or 10 digits."), code="taiwan_format", field=field
            )
    else:
        raise ApplicationError(_("Unknown document type."), code="document_type", field="document_type")
    return number


def validate_phone(phone: str) -> str:
    """A mainland mobile number (11 digits starting with 1) or a landline with area code."""
    from gongzhi.core.crypto import normalize_phone

    digits = normalize_phone(phone or "")
    if not digits:
        return ""
    if (len(digits) == 11 and digits.startswith("1")) or (digits.startswith("0") and 10 <= len(digits) <= 12):
        return digits
    raise ApplicationError(
        _("A phone number has 11 digits (mobile) or an area code and number (landline)."),
        code="phone_format",
        field="phone",
    )
