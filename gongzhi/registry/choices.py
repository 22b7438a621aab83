"""Reference data of the registry: the 56 official ethnic groups (GB 3304 order) and the care tags
every community starts with. Stored values are the Chinese names, as on the ID card."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip
ETHNICITY_OTHER = "其他"
ETHNICITY_CHOICES = [(name, name) for name in ETHNIC_GROUPS] + [(ETHNICITY_OTHER, _("Other"))]

# (code, English name as msgid, derived from data). Derived tags are computed from the birth date
# and never assigned by hand.
ELDERLY_60 = "elderly_60"
ELDERLY_80 = "elderly_80"
DERIVED_TAGS = {ELDERLY_60: 60, ELDERLY_80: 80}
SYSTEM_TAGS = [
    (ELDERLY_60, gettext_noop("Elderly 60+"), True),
    (ELDERLY_80, gettext_noop("Elderly 80+"), True),
    ("living_alone", gettext_noop("Living alone"), False),
    ("empty_nest", gettext_noop("Empty-nest elderly"), False),
    ("left_behind_elderly", gettext_noop("Left-behind elderly"), False),
    ("left_behind_child", gettext_noop("Left-behind child"), False),
    ("floating_child", gettext_noop("Floating child"), False),
    ("distressed_child", gettext_noop("Distressed child"), False),
    ("disabled", gettext_noop("Disabled"), False),
    ("dibao", gettext_noop("Minimum living allowance (低保)"), False),
    ("tekun", gettext_noop("Extreme poverty (特困)"), False),
    ("veteran", gettext_noop("Veteran"), False),
    ("chronic_disease", gettext_noop("Chronic disease"), False),
]
# The tags that make a resident one of "the needy" (困难群众) for care rosters and for activities
# aimed at people in hardship; low-income households carry them on at least one member.
HARDSHIP_TAGS = ("dibao", "tekun", "disabled")

# The words of the Excel registers (import and export use them whatever the interface language).
TAG_WORDS_ZH = {
    ELDERLY_60: "60岁以上老人",
    ELDERLY_80: "80岁以上老人",
    "living_alone": "独居老人",
    "empty_nest": "空巢老人",
    "left_behind_elderly": "留守老人",
    "left_behind_child": "留守儿童",
    "floating_child": "流动儿童",
    "distressed_child": "困境儿童",
    "disabled": "残疾人",
    "dibao": "低保",
    "tekun": "特困",
    "veteran": "退役军人",
    "chronic_disease": "慢性病",
}
