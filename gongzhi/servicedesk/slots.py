"""Appointment slots: each counter's slot length cut out of the work calendar's opening periods."""

import datetime

from gongzhi.core import calendar


def day_slots(
    community, counter, date: datetime.date, work_calendar=None
) -> list[tuple[datetime.time, datetime.time]]:
    cal = work_calendar or calendar.calendar_for(community)
    step = datetime.timedelta(minutes=counter.slot_minutes)
    slots = []
    for start, end in ((cal.morning_start, cal.morning_end), (cal.afternoon_start, cal.afternoon_end)):
        at = datetime.datetime.combine(date, start)
        stop = datetime.datetime.combine(date, end)
        while at + step <= stop:
            slots.append((at.time(), (at + step).time()))
            at += step
    return slots
