"""Identifiers of tenants.

The unified social credit code (统一社会信用代码) of an enterprise follows GB 32100-2015
"Coding rule of the unified social credit identifier for legal entities and other organizations",
clause 4 (code structure): 18 characters drawn from the 31-character set 0-9 and the capital
letters without I, O, S, V and Z — 1 registration-authority code, 1 organisation-category code,
6 administrative-division code (GB/T 2260), 9 organisation code (GB 11714) and 1 check character.
The check character is computed as the standard prescribes (after GB/T 17710): each of the first
17 characters takes its value in the character set (0..30) and the weight 3^(i-1) mod 31 of its
position i; the check value is 31 - (sum mod 31), and 31 becomes 0.

An individual's mainland ID number is checked with GB 11643 through the registry.
"""

import re

from gongzhi.registry.documents import id_check_character

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, ...
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_code(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    code = normalize_code(code)
    return bool(_USCC_RE.match(code)) and uscc_check_character(code[:17]) == code[17]


def make_uscc(first17: str) -> str:
    """Complete 17 characters with their check character (demo and test data)."""
    return first17 + uscc_check_character(first17)


def id_number_is_valid(number: str) -> bool:
    number = normalize_code(number)
    return bool(_ID_RE.match(number)) and id_check_character(number[:17]) == number[17]
