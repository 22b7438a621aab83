"""The periods of the cockpit: a calendar year ("2026") or month ("2026-11"), and the same period a
year earlier. While a period is still running, it is compared with the same span a year earlier
("2025:ytd" = 1 January 2025 up to the same day of the year; "2025-11:mtd" likewise)."""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


def _same_day(year: int, day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return datetime.date(year, 2, 28)


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str | None, *, today: datetime.date) -> "Period":
        """The period named by `text`, or the current year when empty. ValueError when malformed."""
        if not text:
            return cls(today.year)
        m = _PATTERN.match(text.strip())
        if not m:
            raise ValueError(text)
        year, month = int(m.group(1)), int(m.group(2)) if m.group(2) else None
        if not 2000 <= year <= today.year + 1 or (month is not None and not 1 <= month <= 12):
            raise ValueError(text)
        return cls(year, month)

    @staticmethod
    def parse_ok(text: str) -> bool:
        return bool(_PATTERN.match(text or ""))

    @property
    def key(self) -> str:
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, 1)

    @property
    def end(self) -> datetime.date:
        """The first day after the period."""
        if self.month is None or self.month == 12:
            return datetime.date(self.year + 1, 1, 1)
        return datetime.date(self.year, self.month + 1, 1)

    @property
    def previous(self) -> "Period":
        return Period(self.year - 1, self.month)

    def is_running(self, today: datetime.date) -> bool:
        return self.start <= today < self.end

    def is_future(self, today: datetime.date) -> bool:
        return self.start > today

    def months(self) -> list["Period"]:
        if self.month is not None:
            return [self]
        return [Period(self.year, m) for m in range(1, 13)]

    @property
    def label(self) -> str:
        if self.month is None:
            return _("%(year)d") % {"year": self.year}
        return _("%(year)d-%(month)02d") % {"year": self.year, "month": self.month}

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Span:
    """What the refresh computes: the rows of `key` cover start <= day < end."""

    key: str
    start: datetime.date
    end: datetime.date


def spans_for(period: Period, today: datetime.date) -> list[Span]:
    """The span of a period as of `today` (cut at tomorrow while it runs), and, for a running period,
    the same span a year earlier under its own key."""
    if period.is_future(today):
        return []
    tomorrow = today + datetime.timedelta(days=1)
    if not period.is_running(today):
        return [Span(period.key, period.start, period.end)]
    prev = period.previous
    suffix = "ytd" if period.month is None else "mtd"
    return [
        Span(period.key, period.start, tomorrow),
        Span(f"{prev.key}:{suffix}", prev.start, _same_day(tomorrow.year - 1, tomorrow)),
    ]


def comparison_key(period: Period, running: bool) -> str:
    prev = period.previous
    if not running:
        return prev.key
    return f"{prev.key}:{'ytd' if period.month is None else 'mtd'}"


def default_periods(today: datetime.date) -> list[Period]:
    """What the periodic refresh keeps fresh: this year and last year, and each of their months."""
    out = []
    for year in (today.year - 1, today.year):
        out.append(Period(year))
        out.extend(p for p in Period(year).months() if not p.is_future(today))
    return out
