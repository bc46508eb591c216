"""Paths to the shared QDA test data (read in place; missing data makes tests fail)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "qda"
CORPUS = DATA / "corpus-fictif-fr"
EXPECTED = CORPUS / "attendus"
PROJECT = CORPUS / "projet" / "non-participation-place-du-marche.qdpx"
SAMPLES = DATA / "samples"
SCHEMAS = DATA / "schema"


def corpus_project():
    """The coded fictional project, read with the lenient reader (must need no repair)."""
    from parlons.core.qda import refi

    assert PROJECT.is_file(), f"shared data missing: {PROJECT}"
    project, messages = refi.read_path(PROJECT)
    assert messages == []
    return project
