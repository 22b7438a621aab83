"""Every user-facing string is translated into Chinese and Tibetan, and the committed .mo files are
compiled from the current .po files (`make run` cannot compile them: it needs no gettext)."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))
ENTRY = re.compile(
    r'^msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?((?:msgstr(?:\[\d\])? (?:".*"\n?)+)+)', re.M
)


def _join(chunk):
    return "".join(re.findall(r'"(.*)"', chunk)).encode().decode("unicode_escape").encode("latin-1").decode()


def entries(po: Path):
    text = re.sub(r"^#~.*$", "", po.read_text(), flags=re.M)
    for match in ENTRY.finditer(text):
        msgid = _join(match.group(1))
        if msgid:
            first_msgstr = re.split(r"\nmsgstr\[[1-9]\]", match.group(2))[0]
            yield msgid, _join(first_msgstr.split(" ", 1)[1])


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_is_translated_and_compiled(po):
    assert po.parent.name == "LC_MESSAGES"
    assert "fuzzy" not in "".join(line for line in po.read_text().splitlines() if line.startswith("#,"))
    untranslated = [msgid for msgid, msgstr in entries(po) if not msgstr]
    assert not untranslated, f"untranslated in {po}: {untranslated[:5]}"
    with open(po.with_suffix(".mo"), "rb") as f:
        compiled = gettext.GNUTranslations(f)
    missing = [m for m, _ in entries(po) if m not in compiled._catalog and (m, 0) not in compiled._catalog]
    assert not missing, f"{po.with_suffix('.mo')} is older than its .po (run `make messages`): {missing[:5]}"


def test_each_app_has_chinese_and_tibetan_catalogues():
    apps = {p.parents[3].name for p in CATALOGUES}
    for app in apps:
        langs = {p.parents[1].name for p in CATALOGUES if p.parents[3].name == app}
        assert {"zh_Hans", "bo"} <= langs, app


APPS_WITH_CATALOGUES = sorted({p.parents[3].name for p in CATALOGUES})


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
@pytest.mark.parametrize("app", APPS_WITH_CATALOGUES)
def test_no_string_in_the_code_is_missing_from_the_catalogues(app, tmp_path):
    """Extract the strings again from a copy of the app: a new string that nobody added to the
    catalogues shows up as an empty Tibetan translation."""
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, str(ROOT.parent / "manage.py"), "makemessages", "-l", "bo", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    missing = [msgid for msgid, msgstr in entries(copy / "locale/bo/LC_MESSAGES/django.po") if not msgstr]
    assert not missing, (
        f"{app}: strings without a translation (run makemessages and fill them): {missing[:8]}"
    )
