"""Identity documents. The mainland resident ID number follows GB 11643-1999: 6 digits of area,
8 of birth date, 3 of sequence (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2."""

import datetime

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
