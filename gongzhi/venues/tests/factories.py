"""Test data for venues, built through the services."""

import datetime

from django.utils import timezone

from gongzhi.venues import services

ALL_WEEK = {d: (datetime.time(8, 0), datetime.time(20, 0)) for d in range(1, 8)}


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware datetime `days` from today at a local wall-clock time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make_room(unit, *, name="活动室", capacity=20, hours=ALL_WEEK, **extra):
    return services.room_create(actor=None, org_unit=unit, name=name, capacity=capacity, hours=hours, **extra)
