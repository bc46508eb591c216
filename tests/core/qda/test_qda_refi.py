"""REFI-QDA reading (lenient, real exports and their quirks) and writing (strict, XSD-valid)."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree
from qda_paths import CORPUS, PROJECT, SAMPLES, SCHEMAS, corpus_project

from parlons.core.qda import refi
from parlons.core.qda.model import PROJECT as PROJECT_TARGET


def _xsd(name: str) -> etree.XMLSchema:
    """Oracle: the shared schemas themselves, not the bundled copies."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _rezip(data: bytes, rename=None, edit=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            name = rename(info.filename) if rename else info.filename
            if edit:
                content = edit(name, content)
            dst.writestr(name, content)
    return out.getvalue()


def test_bundled_schemas_are_the_shared_ones():
    for name in ("Project.xsd", "Codebook.xsd"):
        assert (refi.SCHEMA_DIR / name).read_bytes() == (SCHEMAS / name).read_bytes()


def test_corpus_project_contents():
    project = corpus_project()
    assert len(project.users) == 2
    assert len(project.codes) == 18
    assert sum(not c.is_codable for c in project.codes.values()) == 3
    assert len(project.variables) == 6
    assert {v.type for v in project.variables.values()} == {"Integer", "Text", "Boolean", "Date"}
    assert len(project.cases) == 6 and len(project.sources) == 6
    assert len(project.selections) == 47
    assert sum(len(s.codings) for s in project.selections.values()) == 57
    assert len(project.notes) == 9 and len(project.links) == 1 and len(project.sets) == 3
    notes = project.notes.values()
    assert any(PROJECT_TARGET in n.targets for n in notes)
    project_note = next(n for n in notes if PROJECT_TARGET in n.targets)
    assert project_note.text  # read through plainTextPath
    code_note = next(n for n in notes if n.name.startswith("Mémo de code"))
    assert project.codes[code_note.targets[0]].name == "Sentiment d'inutilité"
    e05 = next(s for s in project.sources.values() if s.name.startswith("E05"))
    assert e05.rich_ext == ".docx" and e05.rich_bytes[:2] == b"PK"
    age = project.variable_by_name("Âge")
    assert sorted(c.values[age.guid] for c in project.cases.values()) == [22, 34, 38, 45, 52, 71]


def test_export_validates_and_round_trips():
    project = corpus_project()
    data, messages = refi.write_qdpx(project)
    assert messages == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("project.qde")
        names = archive.namelist()
    assert _xsd("Project.xsd").validate(etree.fromstring(xml))
    assert sum(n.endswith(".txt") for n in names) == 6
    assert sum(n.endswith(".docx") for n in names) == 1
    again, messages = refi.read_qdpx(data)
    assert messages == []
    assert again == project
    # and a second generation is byte-identical
    assert refi.write_qdpx(again)[0] == data or refi.project_xml(again) == xml


def test_codebook_export_validates_and_round_trips():
    project = corpus_project()
    xml = refi.write_codebook(project)
    assert _xsd("Codebook.xsd").validate(etree.fromstring(xml))
    book, messages = refi.read_codebook(xml)
    assert messages == []
    assert book.codes == project.codes
    original, _ = refi.read_path(CORPUS / "codebook-non-participation.qdc")
    assert [project.code_path(g) for g in project.codes] == [
        original.code_path(g) for g in original.codes
    ]


@pytest.mark.parametrize(
    "name",
    [
        "ponte-blank-atlas-project.qdpx",
        "ponte-target-atlas-project.qdpx",
        "qc-demo-coded-interviews.qdpx",
    ],
)
def test_real_projects_read_and_reexport_valid(name):
    project, _ = refi.read_path(SAMPLES / name)
    data, _ = refi.write_qdpx(project)
    again, messages = refi.read_qdpx(data)
    assert messages == []
    assert again == project


def test_qualcoder_demo_paths_without_scheme():
    project, messages = refi.read_path(SAMPLES / "qc-demo-coded-interviews.qdpx")
    assert len(project.codes) == 262
    assert len(project.selections) == 158
    assert sum(len(s.codings) for s in project.selections.values()) == 205
    assert sum("no internal:// scheme" in m for m in messages) == 2
    admin = next(s for s in project.sources.values() if "admin" in s.name or len(s.text) < 40000)
    assert admin.text
    # every selection lies inside its text
    for selection in project.selections.values():
        assert 0 <= selection.start < selection.end <= len(project.sources[selection.source].text)


def test_atlas_ti_9_codebook_old_namespace():
    data = (SAMPLES / "portableqda-atlasti9-export.qdc").read_bytes()
    assert refi.schema_errors(data, "codebook")  # the file is not valid as such
    project, messages = refi.read_codebook(data)
    assert any("urn:QDA-XML:codebook:0:4" in m for m in messages)
    assert len(project.codes) == 5
    assert project.code_path("575CD58B-641A-48C7-BC7B-4F3D2199C776") == "code1/code1.1"
    assert {s.name for s in project.sets.values()} == {
        "codeGroup1::codeGroup1.1",
        "codeGroup1::codeGroup1.2",
    }
    assert all(len(s.codes) == 2 for s in project.sets.values())
    assert _xsd("Codebook.xsd").validate(etree.fromstring(refi.write_codebook(project)))


def test_spec_example_codebook_braces_and_empty_sets():
    data = (SAMPLES / "portableqda-REFI-QDA-1-5-example.qdc").read_bytes()
    assert any("Sets" in e for e in refi.schema_errors(data, "codebook"))
    project, messages = refi.read_codebook(data)
    assert "empty <Sets/> container ignored" in messages
    assert any("braces" in m for m in messages)
    assert all("{" not in g and g == g.upper() for g in project.codes)
    assert _xsd("Codebook.xsd").validate(etree.fromstring(refi.write_codebook(project)))


def test_taguette_codebook_hierarchy_in_names():
    project, messages = refi.read_path(SAMPLES / "taguette-1.5.2" / "codebook.qdc")
    paths = sorted(project.code_path(g) for g in project.codes)
    assert "Freins/Horaires" in paths and "Freins" in paths
    freins = project.code_by_path("Freins")
    assert not freins.is_codable
    assert len(project.children(freins.guid)) == 3
    assert any("hierarchy rebuilt" in m for m in messages)


def test_double_colon_hierarchy_in_names():
    xml = (
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        b'<Code guid="00000000-0000-0000-0000-000000000001" name="Freins::Horaires" '
        b'isCodable="true"/></Codes></CodeBook>'
    )
    project, _ = refi.read_codebook(xml)
    assert project.code_by_path("Freins/Horaires").is_codable


def test_sources_folder_capitalised():
    data = _rezip(PROJECT.read_bytes(), rename=lambda n: n.replace("sources/", "Sources/"))
    project, messages = refi.read_qdpx(data)
    assert any("Sources/" in m and "letter case" in m for m in messages)
    assert project == corpus_project()


def test_crlf_sources_offsets_remapped():
    """Offsets counted on a CRLF text are moved to the LF text."""
    reference = corpus_project()

    def edit(name, content):
        if name.endswith(".txt") and name.startswith("sources/"):
            return content.replace(b"\n", b"\r\n")
        if name == "project.qde":
            return _shift_offsets_for_crlf(content)
        return content

    data = _rezip(PROJECT.read_bytes(), edit=edit)
    project, messages = refi.read_qdpx(data)
    assert any("CRLF" in m and "remapped" in m for m in messages)
    for guid, selection in reference.selections.items():
        mine = project.selections[guid]
        assert (mine.start, mine.end) == (selection.start, selection.end)
        assert project.selection_text(mine) == reference.selection_text(selection)


def _shift_offsets_for_crlf(qde: bytes) -> bytes:
    project = corpus_project()
    root = etree.fromstring(qde)
    ns = {"q": refi.PROJECT_NS}
    for src in root.iterfind(".//q:TextSource", ns):
        text = project.sources[src.get("guid")].text
        for sel in src.iterfind("q:PlainTextSelection", ns):
            for attr in ("startPosition", "endPosition"):
                pos = int(sel.get(attr))
                sel.set(attr, str(pos + text[:pos].count("\n")))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def test_crlf_sources_offsets_already_on_lf():
    data = _rezip(
        PROJECT.read_bytes(),
        edit=lambda n, c: (
            c.replace(b"\n", b"\r\n") if n.startswith("sources/") and n.endswith(".txt") else c
        ),
    )
    project, messages = refi.read_qdpx(data)
    assert any("CRLF" in m for m in messages)
    assert not any("remapped" in m for m in messages)
    reference = corpus_project()
    for guid, selection in reference.selections.items():
        assert project.selection_text(project.selections[guid]) == reference.selection_text(
            selection
        )


def test_nvivo_rich_text_only_is_rebuilt():
    """A source with only richTextPath (docx) gets its plain text from the document."""

    def edit(name, content):
        if name == "project.qde":
            return content.replace(
                b' plainTextPath="internal://A64F4113-12F6-5222-82E5-F2252A7182DE.txt"', b""
            )
        return content

    project, messages = refi.read_qdpx(_rezip(PROJECT.read_bytes(), edit=edit))
    assert any("rebuilt from its rich text" in m for m in messages)
    assert project == corpus_project()


def test_dangling_references_reported():
    xml = PROJECT.read_bytes()
    with zipfile.ZipFile(io.BytesIO(xml)) as archive:
        qde = archive.read("project.qde")
    qde = qde.replace(
        b'<CodeRef targetGUID="9E13E934-D998-5700-AA63-08DABD519059"/>',
        b'<CodeRef targetGUID="9E13E934-D998-5700-AA63-08DABD519000"/>',
        1,
    )
    data = _rezip(PROJECT.read_bytes(), edit=lambda n, c: qde if n == "project.qde" else c)
    project, messages = refi.read_qdpx(data)
    assert "codings referring to unknown codes: dropped" in messages
    assert sum(len(s.codings) for s in project.selections.values()) == 56


def test_invalid_inputs_raise_clear_errors():
    with pytest.raises(refi.RefiError, match="zip"):
        refi.read_qdpx(b"not a zip")
    with pytest.raises(refi.RefiError, match="well-formed"):
        refi.read_project_xml(b"<Project")
    with pytest.raises(refi.RefiError, match="expected <CodeBook>"):
        refi.read_codebook(b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')


def test_writer_refuses_invalid_output():
    project = corpus_project()
    next(iter(project.links.values())).direction = "Sideways"
    with pytest.raises(refi.RefiError, match="Project.xsd"):
        refi.write_qdpx(project)


def test_missing_source_file_dropped_with_message():
    data = _rezip(PROJECT.read_bytes())
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        kept = {
            i.filename: src.read(i)
            for i in src.infolist()
            if not i.filename.endswith("635ED045-C73D-5932-9263-3EA1E7359695.txt")
        }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, content in kept.items():
            dst.writestr(name, content)
    project, messages = refi.read_qdpx(out.getvalue())
    assert any("missing from the archive" in m for m in messages)
    assert any("no readable text: dropped" in m for m in messages)
    assert len(project.sources) == 5
    assert len(project.selections) == 47 - 10  # E01 had 8 ENQ1 + 2 ENQ2 selections
    refi.write_qdpx(project)  # still exportable and valid


def test_case_notes_are_kept_and_reported_on_export():
    from parlons.core.qda.model import Note

    project = corpus_project()
    case = next(iter(project.cases.values()))
    project.notes["00000000-0000-0000-0000-0000000000AA"] = Note(
        "00000000-0000-0000-0000-0000000000AA", "Mémo de cas", "Texte", targets=[case.guid]
    )
    data, messages = refi.write_qdpx(project)
    assert any("cannot attach notes to a case" in m for m in messages)
    again, _ = refi.read_qdpx(data)
    assert again.notes["00000000-0000-0000-0000-0000000000AA"].text == "Texte"
