"""The benefit formulas, pure and exact: Decimal yuan rounded to the fen (half up), never float.
Each result carries the formula with the figures it used, shown on every payment line."""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
HUNDRED = Decimal(100)


def fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def yuan(value: Decimal) -> str:
    """1234567.8 → '1,234,567.80'."""
    return f"{fen(value):,.2f}"


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    persons: int
    computation: str


def gap(
    *,
    standard: Decimal,
    household_size: int,
    monthly_income: Decimal,
    minimum: Decimal = Decimal(0),
    supplements: tuple[tuple[str, Decimal, int], ...] = (),
) -> Amount:
    """低保 差额补助: (standard − per-capita income) × household size, plus categorised supplements
    (pct of the standard per member of the category), at least `minimum` when anything is due."""
    n = int(household_size)
    if n < 1:
        raise ValueError("household size must be at least 1")
    per_capita = fen(Decimal(monthly_income) / n)
    base = fen(max(Decimal(standard) - per_capita, Decimal(0)) * n)
    parts = [f"({yuan(standard)} − {yuan(monthly_income)} ÷ {n} = {yuan(per_capita)}) × {n} = {yuan(base)}"]
    total = base
    if base > 0:
        for label, pct, count in supplements:
            if count and pct:
                extra = fen(Decimal(standard) * Decimal(pct) / HUNDRED * count)
                pct_text = f"{Decimal(pct).normalize():f}"
                parts.append(f"+ {label} {pct_text}% × {yuan(standard)} × {count} = {yuan(extra)}")
                total += extra
        if total < minimum:
            parts.append(f"< min {yuan(minimum)} → {yuan(minimum)}")
            total = fen(minimum)
    parts.append(f"= {yuan(total)}")
    return Amount(total, n, "; ".join(parts))


def per_person(*, amount: Decimal, persons: int = 1, band: str = "") -> Amount:
    total = fen(Decimal(amount) * persons)
    label = f"[{band}] " if band else ""
    return Amount(total, persons, f"{label}{yuan(amount)} × {persons} = {yuan(total)}")


def one_off(*, amount: Decimal) -> Amount:
    total = fen(amount)
    return Amount(total, 1, f"one-off = {yuan(total)}")


def prorate(
    result: Amount, *, month: datetime.date, start: datetime.date, end: datetime.date | None
) -> Amount:
    """A first or last month that is not covered in full is paid by days of that month:
    amount × days covered ÷ days in the month, rounded to the fen (half up). A whole month is
    returned unchanged; a month not covered at all pays nothing."""
    first, last = month_start(month), month_end(month)
    cover_from = max(start, first)
    cover_to = min(end, last) if end else last
    days = (cover_to - cover_from).days + 1
    total_days = last.day
    if days >= total_days:
        return result
    if days <= 0:
        return Amount(Decimal(0), result.persons, f"{result.computation}; 0 days → 0.00")
    amount = fen(result.amount * days / total_days)
    text = (
        f"{result.computation}; {cover_from.isoformat()}–{cover_to.isoformat()}: "
        f"{yuan(result.amount)} × {days}/{total_days} days = {yuan(amount)}"
    )
    return Amount(amount, result.persons, text)
