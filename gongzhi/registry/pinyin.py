"""Search keys of a name, computed when it is written: full pinyin without tones or spaces
(张晓鑫 → zhangxiaoxin) and initials (zxx). Letters of Latin names are kept, lower-cased."""

from pypinyin import Style, lazy_pinyin


def name_keys(name: str) -> tuple[str, str]:
    syllables = [s.lower() for s in lazy_pinyin(name or "", style=Style.NORMAL)]
    words = [w for s in syllables for w in s.split() if w.isascii() and w.isalnum()]
    return "".join(words)[:300], "".join(w[0] for w in words)[:60]
