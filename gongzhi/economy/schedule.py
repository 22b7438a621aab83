"""Rent arithmetic, free of the database: the monthly schedule of a lease and its billing periods.

A lease month starts on the lease's start day (a lease from 15 March has months 15 March - 14
April, ...). Lease year y covers months 12y .. 12y+11; the monthly rent of year y is the rent of
year y-1 raised by the yearly increase and rounded to the fen (ROUND_HALF_UP), as contracts state
"每年递增 x%". The first `rent_free_months` months cost nothing. A month cut short by the end of
the lease costs its share by days. A billing period is 1, 3 or 12 lease months; its amount is the
sum of its months."""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
ONE_DAY = datetime.timedelta(days=1)


def fen(value: Decimal) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def add_months(day: datetime.date, months: int, anchor_day: int | None = None) -> datetime.date:
    anchor_day = anchor_day or day.day
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


@dataclass
class Month:
    start: datetime.date
    end: datetime.date
    amount: Decimal
    free: bool
    year_index: int


@dataclass
class Period:
    start: datetime.date
    end: datetime.date
    months: list[Month] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((m.amount for m in self.months), ZERO)


def monthly_base(*, rent_basis: str, rent_rate: Decimal, area: Decimal) -> Decimal:
    return fen(rent_rate * area) if rent_basis == "per_m2" else fen(rent_rate)


def months(
    *,
    start: datetime.date,
    end: datetime.date,
    base: Decimal,
    rent_free_months: int = 0,
    yearly_increase_pct: Decimal = ZERO,
) -> list[Month]:
    out = []
    rent = fen(base)
    factor = 1 + Decimal(yearly_increase_pct) / 100
    k = 0
    while True:
        m_start = add_months(start, k, start.day)
        if m_start > end:
            break
        full_end = add_months(start, k + 1, start.day) - ONE_DAY
        m_end = min(full_end, end)
        if k and k % 12 == 0:
            rent = fen(rent * factor)
        free = k < rent_free_months
        if free:
            amount = ZERO
        elif m_end == full_end:
            amount = rent
        else:
            days = (m_end - m_start).days + 1
            amount = fen(rent * days / ((full_end - m_start).days + 1))
        out.append(Month(m_start, m_end, amount, free, k // 12))
        k += 1
    return out


def periods(month_list: list[Month], cycle_months: int) -> list[Period]:
    out = []
    for i in range(0, len(month_list), cycle_months):
        chunk = month_list[i : i + cycle_months]
        out.append(Period(chunk[0].start, chunk[-1].end, list(chunk)))
    return out


def lease_months(lease) -> list[Month]:
    return months(
        start=lease.start_date,
        end=lease.end_date,
        base=monthly_base(rent_basis=lease.rent_basis, rent_rate=lease.rent_rate, area=lease.unit.area),
        rent_free_months=lease.rent_free_months,
        yearly_increase_pct=lease.yearly_increase_pct,
    )


def lease_periods(lease) -> list[Period]:
    return periods(lease_months(lease), lease.cycle_months)


def prorate(period: Period, last_day: datetime.date) -> Decimal:
    """The rent of `period` up to and including `last_day` (for an early termination)."""
    total = ZERO
    for m in period.months:
        if m.end <= last_day:
            total += m.amount
        elif m.start <= last_day:
            total += fen(m.amount * ((last_day - m.start).days + 1) / ((m.end - m.start).days + 1))
    return total
