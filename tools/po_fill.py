"""Fill an app's Chinese and Tibetan catalogues from a Python file defining T = {msgid: (zh, bo)}.

Usage (from gongzhi/):  python ../tools/po_fill.py APP translations.py [more.py ...]
Run `manage.py makemessages -l zh_Hans -l bo --no-obsolete` inside gongzhi/APP first and
`make messages` after. Plural entries get the same string (both languages have one plural form).
Prints the msgids it found no translation for."""

import importlib.util
import pathlib
import re
import sys


def load(path):
    spec = importlib.util.spec_from_file_location("t", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m.T


def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def fill(po, T, idx):
    text = pathlib.Path(po).read_text()
    text = re.sub(r"(Plural-Forms: [^\n]*\n)(#)", r"\1\n\2", text)
    blocks = text.split("\n\n")
    out, missing = [], []
    for b in blocks:
        m = re.search(r'^msgid ((?:".*"\n?)+)', b, re.M)
        if not m or m.group(1).strip() == '""':
            if 'msgid ""' in b and "Content-Type" in b:
                if "Plural-Forms" not in b:
                    b = b.rstrip("\n") + '\n"Plural-Forms: nplurals=1; plural=0;\\n"'
                b = re.sub(r'"Plural-Forms:.*?\\n"', '"Plural-Forms: nplurals=1; plural=0;\\\\n"', b)
                b = b.replace("#, fuzzy\n", "")
                b = b.replace('"Language: \\n"', '"Language: %s\\n"' % ("zh_Hans" if idx == 0 else "bo"))
                b = b.replace("# SOME DESCRIPTIVE TITLE.", "# Gongzhi translations.").replace(
                    '"Project-Id-Version: PACKAGE VERSION\\n"', '"Project-Id-Version: gongzhi\\n"'
                )
            out.append(b)
            continue
        mid = "".join(re.findall(r'"(.*)"', m.group(1))).replace('\\"', '"').replace("\\\\", "\\")
        if mid not in T:
            missing.append(mid)
            out.append(b)
            continue
        s = T[mid][idx]
        b = re.sub(r"#, fuzzy\n", "", b)
        if "msgid_plural" in b:
            b = re.sub(
                r'msgstr\[0\] ".*"(\nmsgstr\[1\] ".*")?',
                lambda _, s=s: f'msgstr[0] "{esc(s)}"',
                b,
                flags=re.S,
            )
        else:
            b = re.sub(
                r'^msgstr ((?:".*"\n?)+)',
                lambda _, s=s: f'msgstr "{esc(s)}"' + ("\n" if _.group(0).endswith("\n") else ""),
                b,
                flags=re.M,
            )
        out.append(b)
    pathlib.Path(po).write_text("\n\n".join(out))
    return missing


if __name__ == "__main__":
    T = {}
    for p in sys.argv[2:]:
        T.update(load(p))
    app = sys.argv[1]
    for lang, idx in (("zh_Hans", 0), ("bo", 1)):
        miss = fill(f"{app}/locale/{lang}/LC_MESSAGES/django.po", T, idx)
        if miss:
            print(lang, "MISSING:", miss)
