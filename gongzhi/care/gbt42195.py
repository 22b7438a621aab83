"""Elderly capability assessment after GB/T 42195-2022 《老年人能力评估规范》, kept as data.

Recalled from the standard's text; where the recollection is uncertain the comment says so, and the
numbers live in the tables below (not in the logic), so a correction is a one-line change.

Clause 5 / Annex B (评估指标): 4 first-level indicators, 26 second-level items. A higher score means
more capability (4 = does it unaided ... 0 = fully dependent), unlike the Barthel index of the
older MZ/T 039-2013, which this standard replaced.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    max_score: int


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    items: tuple[Item, ...]

    @property
    def max_score(self) -> int:
        return sum(i.max_score for i in self.items)


DIMENSIONS = (
    # B.1 自理能力: 8 items, 0-4 each, 32 points.
    Dimension(
        "self_care",
        _("Self-care"),
        (
            Item("eating", _("Eating"), 4),  # 进食
            Item("grooming", _("Grooming"), 4),  # 修饰
            Item("bathing", _("Bathing"), 4),  # 洗澡
            Item("dress_upper", _("Dressing the upper body"), 4),  # 穿/脱上衣
            Item("dress_lower", _("Dressing the lower body, shoes and socks"), 4),  # 穿/脱裤子和鞋袜
            Item("urine", _("Bladder control"), 4),  # 小便控制
            Item("bowel", _("Bowel control"), 4),  # 大便控制
            Item("toilet", _("Using the toilet"), 4),  # 如厕
        ),
    ),
    # B.2 基础运动能力: 4 items, the stairs 0-3, 15 points.
    Dimension(
        "mobility",
        _("Basic mobility"),
        (
            Item("bed_turn", _("Changing position in bed"), 4),  # 床上体位转移
            Item("bed_chair", _("Moving between bed and chair"), 4),  # 床椅转移
            Item("walking", _("Walking on level ground"), 4),  # 平地行走
            Item("stairs", _("Going up and down stairs"), 3),  # 上下楼梯
        ),
    ),
    # B.3 精神状态: 9 items, 28 points. The six cognitive items score 0-4. UNSURE: the split of the
    # last three (aggression 0-1, depressive symptoms 0-1, consciousness 0-2) is recalled so that
    # the dimension sums to the standard's 28; check against Annex B.3.7-B.3.9.
    Dimension(
        "mental",
        _("Mental state"),
        (
            Item("time_orientation", _("Orientation in time"), 4),  # 时间定向
            Item("place_orientation", _("Orientation in place"), 4),  # 空间定向
            Item("person_orientation", _("Recognising people"), 4),  # 人物定向
            Item("memory", _("Memory"), 4),  # 记忆
            Item("comprehension", _("Understanding"), 4),  # 理解能力
            Item("expression", _("Expressing oneself"), 4),  # 表达能力
            Item("aggression", _("No aggressive behaviour"), 1),  # 攻击行为
            Item("depression", _("No depressive symptoms"), 1),  # 抑郁症状
            Item("consciousness", _("Level of consciousness"), 2),  # 意识水平
        ),
    ),
    # B.4 感知觉与社会参与: 5 items, 15 points (vision 0-2, hearing 0-2, daily affairs 0-4,
    # transport 0-3, social contact 0-4).
    Dimension(
        "perception",
        _("Perception and social participation"),
        (
            Item("vision", _("Vision"), 2),  # 视力
            Item("hearing", _("Hearing"), 2),  # 听力
            Item("daily_affairs", _("Handling daily affairs"), 4),  # 执行日常事务
            Item("transport", _("Going out by transport"), 3),  # 使用交通工具外出
            Item("social", _("Social contact"), 4),  # 社会交往能力
        ),
    ),
)

ITEMS = {item.code: item for d in DIMENSIONS for item in d.items}
TOTAL_MAX = sum(d.max_score for d in DIMENSIONS)  # 90

# Clause 6 (评估结果) / table 2: capability levels by total score, from the best level down.
# (level, lowest total in the band). Level 0 needs the full 90 points.
LEVELS = (
    (0, 90),  # 能力完好
    (1, 66),  # 能力轻度受损（轻度失能）66-89
    (2, 46),  # 能力中度受损（中度失能）46-65
    (3, 30),  # 能力重度受损（重度失能）30-45
    (4, 0),  # 能力完全丧失（完全失能）0-29
)
LEVEL_LABELS = {
    0: _("Intact"),
    1: _("Mildly impaired"),
    2: _("Moderately impaired"),
    3: _("Severely impaired"),
    4: _("Complete loss"),
}
WORST = 4

# Clause 6.2 (等级变更) — recalled as:
#  a) a person in a coma (昏迷) is assessed directly as complete loss of capability;
#  b) diagnosed dementia (ICD-10 F00-F03) or another mental and behavioural disorder diagnosed by a
#     psychiatrist (F04-F99) raises the level by one;
#  c) two or more care-risk events (fall, choking, suicide or self-harm, going missing) in the last
#     30 days raise the level by one.
# UNSURE whether b) and c) add up when both apply; ADJUSTMENTS_CUMULATIVE = False raises by one at
# most, the cautious reading. Set True if the text says they add up.
ADJUSTMENTS_CUMULATIVE = False
RISK_EVENT_THRESHOLD = 2
RISK_EVENT_WINDOW_DAYS = 30
ADJUSTMENT_LABELS = {
    "coma": _("In a coma: assessed as complete loss of capability"),
    "dementia": _("Diagnosed dementia or mental disorder: level raised by one"),
    "risk_events": _(
        "Two or more falls, choking, self-harm or going-missing events in 30 days: level raised by one"
    ),
}

# The standard asks for a reassessment at least every 12 months, and at once after a change of
# condition (clause 4, 评估要求; recalled).
REASSESS_MONTHS = 12


@dataclass(frozen=True)
class Result:
    dimension_scores: dict
    total: int
    preliminary_level: int
    level: int
    adjustments: tuple[str, ...]


def check_answers(answers: dict) -> dict:
    """Every item answered with an integer from 0 to its maximum; raises ValueError(item code)."""
    clean = {}
    for code, item in ITEMS.items():
        value = answers.get(code)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= item.max_score:
            raise ValueError(code)
        clean[code] = value
    return clean


def level_for_total(total: int) -> int:
    if not 0 <= total <= TOTAL_MAX:
        raise ValueError("total")
    for level, lowest in LEVELS:
        if total >= lowest:
            return level
    return WORST


def score(answers: dict, *, coma: bool = False, dementia: bool = False, risk_events_30d: int = 0) -> Result:
    clean = check_answers(answers)
    dims = {d.code: sum(clean[i.code] for i in d.items) for d in DIMENSIONS}
    total = sum(dims.values())
    preliminary = level_for_total(total)
    applied = []
    if coma:
        applied.append("coma")
        level = WORST
    else:
        raises = []
        if dementia:
            raises.append("dementia")
        if risk_events_30d >= RISK_EVENT_THRESHOLD:
            raises.append("risk_events")
        applied.extend(raises)
        step = len(raises) if ADJUSTMENTS_CUMULATIVE else min(1, len(raises))
        level = min(WORST, preliminary + step)
    return Result(dims, total, preliminary, level, tuple(applied))
