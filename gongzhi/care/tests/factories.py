"""Test data built through the services."""

import datetime
import itertools

from gongzhi.registry import services as registry_services

from .. import gbt42195

_n = itertools.count(1)


def resident(
    grid,
    *,
    tags=("living_alone",),
    birth_date=datetime.date(1940, 5, 1),
    name=None,
    household=None,
    relationship="head",
    user=None,
):
    household = household or registry_services.household_create(
        actor=None, org_unit=grid, address=f"纳金路{next(_n)}号"
    )
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name or f"老人{next(_n)}",
        gender="female",
        birth_date=birth_date,
        relationship_to_head=relationship,
        care_tags=list(tags),
        user=user,
    )


def answers(total: int) -> dict:
    """Answers summing to `total` (0..90), filling items from the first one."""
    left = total
    result = {}
    for code, item in gbt42195.ITEMS.items():
        take = min(item.max_score, left)
        result[code] = take
        left -= take
    assert left == 0
    return result
