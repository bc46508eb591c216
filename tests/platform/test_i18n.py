"""French is complete: every message of the platform has a French translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "src" / "parlons" / "platform" / "locale"


def test_french_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:5]}"
    compiled = polib.mofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.mo"))
    assert {e.msgid for e in compiled} >= {e.msgid for e in po if e.msgstr}, \
        "django.mo is older than django.po: run `make messages`"


def test_every_message_of_the_code_is_in_the_catalogue(tmp_path):
    """Re-extract the messages (GNU gettext) and compare with the committed catalogue."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed: apt-get install gettext")
    source = Path(__file__).resolve().parents[2] / "src" / "parlons" / "platform"
    work = tmp_path / "platform"
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (work / "locale").mkdir()
    subprocess.run([str(Path(sys.executable).with_name("django-admin")), "makemessages",
                    "-l", "fr", "--ignore", "migrations/*"], cwd=work, check=True,
                   capture_output=True)
    fresh = {e.msgid for e in polib.pofile(str(work / "locale/fr/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(LOCALE / "fr/LC_MESSAGES/django.po"))
                 if not e.obsolete}
    assert not fresh - committed, f"run `make messages`; new: {sorted(fresh - committed)[:5]}"
