"""The core's messages in English and French (``parlons.core.qda.messages``)."""

from __future__ import annotations

import ast
import pickle
import string
import subprocess
import sys
from pathlib import Path

import pytest
from qda_paths import CORPUS, SAMPLES

from parlons.core.qda import messages, pseudonym, refi, transcripts
from parlons.core.qda.messages import CATALOGUE, Message, QdaError, QdaLookupError, render

CORE = Path(messages.__file__).parent


def _templates_in_core() -> set[str]:
    """Every literal template given to msg()/QdaError()/RefiError()/QdaLookupError()."""
    found = set()
    for path in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) in {"msg", "QdaError", "RefiError",
                                                           "QdaLookupError"}
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_every_core_message_has_a_french_translation_with_the_same_fields():
    templates = _templates_in_core()
    assert len(templates) > 50
    french = CATALOGUE["fr"]
    assert sorted(templates - set(french)) == []
    assert sorted(set(french) - templates) == []  # no stale entry
    for template in templates:
        assert _fields(french[template]) == _fields(template), template


def test_refi_error_in_both_languages():
    with pytest.raises(refi.RefiError) as caught:
        refi.read_qdpx(b"this is no zip archive")
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, QdaError)
    assert str(error).startswith("not a .qdpx archive (zip): ")
    assert render(error, "en") == str(error)
    assert render(error, "fr").startswith("ce n'est pas une archive .qdpx (zip) : ")
    assert render(error, "fr-FR") == render(error, "fr")
    assert render(error, "de") == str(error)  # unknown language: English


def test_reader_notes_of_real_exports_in_french():
    """The notes about the quirks of a real ATLAS.ti export and a Taguette codebook."""
    _project, notes = refi.read_path(SAMPLES / "portableqda-atlasti9-export.qdc")
    assert [str(n) for n in notes] == [
        "namespace 'urn:QDA-XML:codebook:0:4' read as 'urn:QDA-XML:codebook:1.0'"]
    assert [render(n, "fr") for n in notes] == [
        "espace de noms « urn:QDA-XML:codebook:0:4 » lu comme « urn:QDA-XML:codebook:1.0 »"]
    _project, notes = refi.read_path(SAMPLES / "qc-demo-coded-interviews.qdpx")
    assert notes and all(isinstance(n, Message) for n in notes)
    first = render(notes[0], "fr")
    # the nested object ("source 'x'") is translated too
    assert first.startswith("le chemin « ") and "de la source « " in first
    assert "internal://" in first and "has no" not in first


def test_lookup_errors_are_key_errors_with_a_translated_message():
    project, _notes = refi.read_path(CORPUS / "projet" / "non-participation-place-du-marche.qdpx")
    with pytest.raises(KeyError) as caught:
        project.code_by_path("Freins/Inexistant")
    assert isinstance(caught.value, QdaLookupError)
    assert render(caught.value, "en") == "no code named 'Freins/Inexistant'"
    assert render(caught.value, "fr") == "pas de code nommé « Freins/Inexistant »"


def test_transcript_and_pseudonym_errors_in_french():
    with pytest.raises(QdaError) as caught:
        transcripts.read_cases_csv(refi.read_path(CORPUS / "codebook-non-participation.qdc")[0],
                                   "id,age\nE01,douze\n", id_column="absente")
    assert render(caught.value, "fr") == "pas de colonne « absente » dans le fichier CSV des cas"
    with pytest.raises(QdaError) as caught:
        pseudonym.unlock_key(b"not a key", "x")
    assert render(caught.value, "fr") == "ce n'est pas une clé de pseudonymisation verrouillée"
    assert render(caught.value, "en") == "not a locked pseudonymisation key"


def test_messages_survive_pickling_and_plain_strings_pass_through():
    note = messages.msg("{count} lower-case GUIDs: upper-cased", count=3)
    again = pickle.loads(pickle.dumps(note))  # noqa: S301 - our own bytes
    assert again == note and render(again, "fr") == "3 GUID en minuscules : mis en majuscules"
    assert render("déjà traduit", "fr") == "déjà traduit"
    assert render(KeyError("clé"), "fr") == "clé"


def test_command_line_speaks_french_on_request(tmp_path):
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"not a zip")
    run = [sys.executable, "-m", "parlons.cli", "qda"]
    english = subprocess.run([*run, "validate", str(broken)], capture_output=True, text=True)
    french = subprocess.run([*run, "--lang", "fr", "validate", str(broken)],
                            capture_output=True, text=True)
    assert english.returncode == french.returncode == 2
    assert "not a .qdpx archive" in english.stderr
    assert "ce n'est pas une archive .qdpx" in french.stderr
    atlas = SAMPLES / "portableqda-atlasti9-export.qdc"
    french = subprocess.run([*run, "--lang", "fr", "validate", str(atlas)],
                            capture_output=True, text=True)
    assert "repair: espace de noms « urn:QDA-XML:codebook:0:4 »" in french.stdout
