"""Working time: deadlines in working hours or working days, from a work calendar.

A calendar has weekday working periods (morning and afternoon) and dated exceptions: public
holidays that are closed and adjusted weekend days (调休) that are worked. Computations walk day by
day over at most a few months, so they stay cheap without a table of every date."""

import datetime

from django.utils import timezone

from .models import WorkCalendar, WorkCalendarDay

_MAX_DAYS = 800


def calendar_for(org_unit) -> WorkCalendar:
    """The calendar of the nearest unit up the tree that has one, else the default calendar."""
    if org_unit is not None:
        found = (
            WorkCalendar.objects.filter(org_unit_id__in=org_unit.ancestor_ids)
            .select_related("org_unit")
            .order_by("-org_unit__depth")
            .first()
        )
        if found is not None:
            return found
    default = WorkCalendar.objects.filter(org_unit__isnull=True).first()
    return default or WorkCalendar.standard()


class WorkingTime:
    def __init__(self, calendar: WorkCalendar, start: datetime.date, horizon_days: int = _MAX_DAYS):
        self.calendar = calendar
        end = start + datetime.timedelta(days=horizon_days)
        if calendar.pk:
            self.exceptions = dict(
                WorkCalendarDay.objects.filter(calendar=calendar, date__gte=start, date__lte=end).values_list(
                    "date", "is_working"
                )
            )
        else:
            self.exceptions = {}
        self.tz = timezone.get_current_timezone()

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return str(day.isoweekday()) in self.calendar.working_weekdays

    def periods(self) -> list[tuple[datetime.time, datetime.time]]:
        c = self.calendar
        return [(c.morning_start, c.morning_end), (c.afternoon_start, c.afternoon_end)]

    def add_hours(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        remaining = datetime.timedelta(hours=hours)
        local = timezone.localtime(start, self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                for p_start, p_end in self.periods():
                    begin = datetime.datetime.combine(day, p_start, tzinfo=self.tz)
                    finish = datetime.datetime.combine(day, p_end, tzinfo=self.tz)
                    begin = max(begin, local)
                    if begin >= finish:
                        continue
                    available = finish - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += datetime.timedelta(days=1)
            local = datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz)
        raise ValueError("deadline beyond the calendar horizon")

    def add_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        """The end of the N-th working day after the start day."""
        local = timezone.localtime(start, self.tz)
        day = local.date()
        counted = 0
        for _ in range(_MAX_DAYS):
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted >= days:
                    return datetime.datetime.combine(day, self.calendar.afternoon_end, tzinfo=self.tz)
        raise ValueError("deadline beyond the calendar horizon")


def add_working_hours(org_unit, start: datetime.datetime, hours: float) -> datetime.datetime:
    return WorkingTime(calendar_for(org_unit), timezone.localtime(start).date()).add_hours(start, hours)


def add_working_days(org_unit, start: datetime.datetime, days: int) -> datetime.datetime:
    return WorkingTime(calendar_for(org_unit), timezone.localtime(start).date()).add_days(start, days)


def is_working_day(org_unit, day: datetime.date) -> bool:
    return WorkingTime(calendar_for(org_unit), day, horizon_days=0).is_working_day(day)


def holidays(org_unit, start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """The public holidays (dated closed exceptions) of the unit's calendar between two dates, with
    their notes. Two queries; rooms, counters and deadlines all read holidays from here."""
    cal = calendar_for(org_unit)
    if not cal.pk:
        return {}
    return dict(
        WorkCalendarDay.objects.filter(calendar=cal, is_working=False, date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("date", "note")
    )
