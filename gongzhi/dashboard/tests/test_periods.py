import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.dashboard.periods import Period, comparison_key, default_periods, spans_for

TODAY = datetime.date(2026, 11, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "26", "abc", "1999", "2028", "2026/05"])
def test_malformed_periods_are_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text, today=TODAY)


def test_parse_and_bounds():
    assert Period.parse("", today=TODAY) == Period(2026)
    month = Period.parse("2026-5", today=TODAY)
    assert (month.key, month.start, month.end) == (
        "2026-05",
        datetime.date(2026, 5, 1),
        datetime.date(2026, 6, 1),
    )
    assert Period(2026, 12).end == datetime.date(2027, 1, 1)


def test_a_running_year_is_compared_with_the_same_span_a_year_earlier():
    spans = spans_for(Period(2026), TODAY)
    assert [(s.key, s.start, s.end) for s in spans] == [
        ("2026", datetime.date(2026, 1, 1), datetime.date(2026, 11, 30)),
        ("2025:ytd", datetime.date(2025, 1, 1), datetime.date(2025, 11, 30)),
    ]
    assert comparison_key(Period(2026), True) == "2025:ytd"
    assert comparison_key(Period(2025), False) == "2024"
    assert spans_for(Period(2026, 12), TODAY) == []  # the future is not computed


def test_default_periods_cover_this_year_and_last_up_to_this_month():
    keys = [p.key for p in default_periods(TODAY)]
    assert keys[0] == "2025" and "2025-12" in keys and "2026-11" in keys and "2026-12" not in keys


@given(st.dates(min_value=datetime.date(2001, 1, 1), max_value=datetime.date(2099, 12, 31)))
def test_spans_never_run_past_tomorrow_or_invert(today):
    for period in (Period(today.year), Period(today.year, today.month)):
        for span in spans_for(period, today):
            assert span.start < span.end <= today + datetime.timedelta(days=1) or span.key.endswith(
                ("ytd", "mtd")
            )
            assert span.start < span.end


def test_on_new_years_eve_the_comparison_is_the_whole_previous_year():
    spans = spans_for(Period(2026), datetime.date(2026, 12, 31))
    assert spans[1].end == datetime.date(2026, 1, 1) and spans[1].start == datetime.date(2025, 1, 1)
