"""GB/T 42195-2022 scoring: totals, the level bands at each boundary, the adjustment rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.care import gbt42195

from .factories import answers


def test_the_standard_has_26_items_in_4_dimensions_totalling_90():
    assert [len(d.items) for d in gbt42195.DIMENSIONS] == [8, 4, 9, 5]
    assert [d.max_score for d in gbt42195.DIMENSIONS] == [32, 15, 28, 15]
    assert gbt42195.TOTAL_MAX == 90
    assert gbt42195.ITEMS["stairs"].max_score == 3


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (90, 0),
        (89, 1),
        (66, 1),
        (65, 2),
        (46, 2),
        (45, 3),
        (30, 3),
        (29, 4),
        (0, 4),
    ],
)
def test_level_at_each_band_boundary(total, level):
    result = gbt42195.score(answers(total))
    assert result.total == total
    assert result.preliminary_level == result.level == level


@given(st.integers(min_value=0, max_value=90))
def test_levels_never_improve_as_the_score_falls(total):
    level = gbt42195.level_for_total(total)
    if total > 0:
        assert gbt42195.level_for_total(total - 1) >= level
    lowest = dict(gbt42195.LEVELS)[level]
    assert total >= lowest


@given(st.fixed_dictionaries({code: st.integers(0, item.max_score) for code, item in gbt42195.ITEMS.items()}))
def test_dimension_scores_add_up_to_the_total(ans):
    result = gbt42195.score(ans)
    assert sum(result.dimension_scores.values()) == result.total <= 90


def test_coma_is_complete_loss_whatever_the_score():
    result = gbt42195.score(answers(90), coma=True)
    assert (result.preliminary_level, result.level, result.adjustments) == (0, 4, ("coma",))


@pytest.mark.parametrize(("total", "level"), [(90, 1), (66, 2), (65, 3), (30, 4), (29, 4)])
def test_dementia_raises_the_level_by_one_up_to_complete_loss(total, level):
    assert gbt42195.score(answers(total), dementia=True).level == level


def test_two_risk_events_raise_the_level_one_does_not():
    assert gbt42195.score(answers(70), risk_events_30d=1).level == 1
    assert gbt42195.score(answers(70), risk_events_30d=2).level == 2


def test_dementia_and_risk_events_raise_once_in_the_cautious_reading():
    result = gbt42195.score(answers(70), dementia=True, risk_events_30d=3)
    assert result.level == 2
    assert set(result.adjustments) == {"dementia", "risk_events"}


@pytest.mark.parametrize(
    "bad", [{"stairs": 4}, {"eating": -1}, {"vision": 3}, {"eating": "4"}, {"eating": True}]
)
def test_out_of_range_answers_are_refused(bad):
    with pytest.raises(ValueError):
        gbt42195.score({**answers(90), **bad})


def test_a_missing_item_is_refused():
    ans = answers(90)
    del ans["social"]
    with pytest.raises(ValueError, match="social"):
        gbt42195.score(ans)
