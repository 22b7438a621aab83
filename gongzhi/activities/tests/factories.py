"""Test data for activities, built through the services."""

import datetime
import itertools

from django.utils import timezone

from gongzhi.activities import services
from gongzhi.registry import services as registry_services

_n = itertools.count(1)


def at(days: float, hour: int = 10, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=10)


def make_household(grid):
    return registry_services.household_create(actor=None, org_unit=grid, address=f"纳金路{next(_n)}号")


def make_resident(household, *, age=40, relationship="head", user=None, name=None, tags=()):
    return registry_services.resident_create(
        actor=None,
        household=household,
        name=name or f"居民{next(_n)}",
        gender="female",
        birth_date=years_ago(age),
        relationship_to_head=relationship,
        user=user,
        care_tags=list(tags),
    )


def make_activity(unit, *, capacity=10, sessions=None, opens=-5, closes=5, **extra):
    sessions = sessions or [(at(7, 10), at(7, 12))]
    extra.setdefault("place", "纳金社区广场")
    return services.activity_create(
        actor=None,
        org_unit=unit,
        title=extra.pop("title", "夕阳课堂"),
        category=extra.pop("category", "elderly_class"),
        capacity=capacity,
        enrol_opens=at(opens, 0),
        enrol_closes=at(closes, 23),
        sessions=sessions,
        **extra,
    )
