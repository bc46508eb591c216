"""Queries beyond the expected files: attributes, retrieval, words, agreement oracles, model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qda_paths import corpus_project
from sklearn.metrics import cohen_kappa_score

from parlons.core.qda import agreement, model, queries
from parlons.core.qda.model import Project, Source


@pytest.fixture(scope="module")
def project():
    return corpus_project()


def test_code_by_attribute_matrix_counts_cases_and_passages(project):
    m = queries.matrix(project, columns="Quartier", coder="ENQ1")
    assert m.columns == ["Bel-Air", "Centre-ville", "La Gare", "Les Tilleuls"]
    row = m.rows.index("Leviers/Aller-vers")
    # Les Tilleuls = E01 (1), E03 (1), E05 (2): 4 passages from 3 cases (hand count)
    assert m.passages[row][3] == 4 and m.cases[row][3] == 3
    row = m.rows.index("Freins/Défiance institutionnelle")
    assert m.passages[row] == [1, 0, 0, 3] and m.cases[row] == [1, 0, 0, 2]


def test_boolean_attribute_matrix(project):
    m = queries.matrix(project, columns="A participé", coder="ENQ1")
    assert m.columns == ["false", "true"]
    row = m.rows.index("Représentativité")
    assert m.passages[row] == [1, 2]


def test_retrieval_by_code_and_attribute(project):
    found = queries.passages(
        project, codes=["Freins"], attributes={"Statut": "non-participant"}, coder="ENQ1"
    )
    # Freins passages of E01, E03, E04, E05 (segments_codes.csv, ENQ1 rows, Freins/*)
    assert len(found) == 16
    assert {p.document.split(" ")[0] for p in found} == {"E01", "E03", "E04", "E05"}
    assert all(any(c.startswith("Freins/") for c in p.codes) for p in found)
    young = queries.passages(project, attributes={"Âge": 22}, coder="ENQ1")
    assert {p.document for p in young} == {"E03 – Yanis"}
    assert len(queries.passages(project, codes=["Freins"], descendants=False)) == 0


def test_all_coders_merged_passages(project):
    everyone = queries.passages(project)
    assert len(everyone) == 47


def test_word_frequencies_small_hand_computed():
    p = Project()
    text = "A : Les ateliers, l'atelier du samedi.\nB : J'aime les ateliers et le marché."
    source = Source("S1", "doc", text)
    from parlons.core.qda.transcripts import detect_turns

    source.turns = detect_turns(text)
    p.sources["S1"] = source
    words = {w: (n, d) for w, n, d in queries.word_frequencies(p, top=None)}
    assert words["atelier"] == (3, 1)  # ateliers, atelier, ateliers → one lemma
    assert words["samedi"] == (1, 1) and words["marché"] == (1, 1)
    assert "les" not in words and "a" not in words and "b" not in words  # stop words, labels
    raw = {w for w, _, _ in queries.word_frequencies(p, top=None, lemmas=False)}
    assert {"ateliers", "atelier"} <= raw


def test_word_frequencies_on_coded_passages(project):
    words = dict(
        (w, n)
        for w, n, _ in queries.word_frequencies(
            project, codes=["Leviers/Médiation associative"], top=None
        )
    )
    assert words.get("interprète") == 1 and words.get("association") == 1


def test_kappa_matches_sklearn_on_characters(project):
    (res,) = agreement.agreement(
        project, "ENQ1", "ENQ2", codes=["Leviers/Retour et redevabilité"], documents=["E01"]
    )
    source = next(s for s in project.sources.values() if s.name.startswith("E01"))
    a = np.zeros(len(source.text), dtype=int)
    b = np.zeros(len(source.text), dtype=int)
    a[1444:1534] = 1  # ENQ1 selection (segments_codes.csv)
    b[1369:1534] = 1  # ENQ2 selection
    assert res.kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert res.alpha == pytest.approx(
        agreement.krippendorff_alpha([a.tolist(), b.tolist()]), abs=1e-9
    )


def test_krippendorff_reference_example():
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability', nominal α = 0.743."""
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert agreement.krippendorff_alpha(data) == pytest.approx(0.743, abs=5e-4)


def test_perfect_and_default_agreement(project):
    results = agreement.agreement(project, "ENQ1", "ENQ1", documents=["E03"])
    assert results and all(r.kappa == 1.0 and r.alpha == 1.0 for r in results)
    default = agreement.agreement(project, "ENQ1", "ENQ2")
    assert {r.documents[0] for r in default} == {"E01 – Nadia"}


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), st.integers(0, 40)
)
def test_offset_conversions_agree_with_encoders(text, offset):
    offset = min(offset, len(text))
    units = model.to_utf16(text, offset)
    assert units == len(text[:offset].encode("utf-16-le")) // 2
    assert model.from_utf16(text, units) == offset
    nbytes = model.to_utf8(text, offset)
    assert nbytes == len(text[:offset].encode("utf-8"))
    assert model.from_utf8(text, nbytes) == offset


def test_coding_helper_and_codes():
    p = Project()
    p.sources["S"] = Source("S", "doc", "Bonjour à tous 👍 merci")
    group = p.add_code("Freins", is_codable=False)
    code = p.add_code("Horaires", group.guid, color="#FF0000")
    with pytest.raises(ValueError, match="not codable"):
        p.code_text("S", 0, 7, group.guid)
    with pytest.raises(ValueError, match="outside"):
        p.code_text("S", 0, 99, code.guid)
    sel = p.code_text("S", 15, 16, code.guid)
    assert p.selection_text(sel) == "👍"
    assert p.code_text("S", 15, 16, code.guid) is sel and len(sel.codings) == 1
    assert p.code_path(code.guid) == "Freins/Horaires"
    assert p.descendants(group.guid) == [group.guid, code.guid]
