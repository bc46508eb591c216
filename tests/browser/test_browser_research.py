"""The research workspace in a real browser: import the fictional corpus, code two passages
(mouse selection with an emoji, and the keyboard-only passage chooser), run the matrix query,
export the project as .qdpx and validate it with the core."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from parlons.core.qda.refi import archive_files, read_qdpx, schema_errors

pytestmark = pytest.mark.django_db(transaction=True)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "qda" / "corpus-fictif-fr"



def t(message: str) -> str:
    """The French text of a message of the interface (the browser runs in French)."""
    with translation.override("fr"):
        return translation.gettext(message)


SELECT_JS = """([needle]) => {
  const root = document.getElementById('source-text');
  const full = root.textContent;
  const at = full.indexOf(needle);
  if (at < 0) { return null; }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let seen = 0, startNode = null, startOffset = 0, endNode = null, endOffset = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode, len = node.data.length;
    if (!startNode && at < seen + len) { startNode = node; startOffset = at - seen; }
    if (startNode && at + needle.length <= seen + len) {
      endNode = node; endOffset = at + needle.length - seen; break;
    }
    seen += len;
  }
  const range = document.createRange();
  range.setStart(startNode, startOffset);
  range.setEnd(endNode, endOffset);
  const selection = document.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return at;
}"""


def test_import_code_query_export(page, visit, check_accessibility, org_admin, tmp_path):
    from parlons.platform.research.models import CodedSelection, Source

    assert CORPUS.is_dir(), f"the shared fictional corpus is missing: {CORPUS}"
    visit("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(org_admin.email)
    page.get_by_label("Mot de passe").fill("motdepasse-solide-42")
    page.get_by_role("button", name=re.compile("Se connecter", re.I)).click()
    page.wait_for_load_state()

    visit("/recherche-qualitative/")
    page.get_by_role("link", name=t("Create a research project")).click()
    check_accessibility(page)
    page.get_by_label(t("Title")).fill("Pourquoi ne participent-ils pas ?")
    page.get_by_role("button", name=t("Create"), exact=True).click()
    page.wait_for_load_state()
    check_accessibility(page)

    # import the fictional corpus (.qdpx): the report lists what was read
    page.get_by_label(t("REFI-QDA project or codebook (.qdpx, .qdc)")).set_input_files(
        str(CORPUS / "projet" / "non-participation-place-du-marche.qdpx"))
    page.get_by_role("button", name=t("Import the project")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert page.locator(".import-report").count() == 1
    page.get_by_role("link", name=t("Go to the sources")).click()
    check_accessibility(page)

    # passage 1: a mouse selection holding an emoji (2 UTF-16 units, 1 code point)
    page.get_by_role("link", name=re.compile("^E03")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    needle = "« 👍 viens »"
    page.evaluate(SELECT_JS, [needle])
    page.get_by_role("combobox", name=re.compile("^" + t("Code") + r"\b")).select_option(label="Leviers/Participation en ligne")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Code the selection")).click()
    check_accessibility(page)
    e03 = Source.objects.get(name__startswith="E03")
    start = e03.text.index(needle)
    mine = CodedSelection.objects.filter(coder__user=org_admin)
    assert [(c.start, c.end) for c in mine] == [(start, start + len(needle))]

    # passage 2: keyboard only, with the passage chooser (a speaker turn)
    page.get_by_label(t("Passage (speaker turn or paragraph)")).select_option(index=2)
    page.get_by_role("combobox", name=re.compile("^" + t("Code") + r"\b")).focus()
    page.keyboard.press("End")  # the last code of the list
    page.get_by_role("button", name=t("Code the selection")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_accessibility(page)
    assert mine.all().count() == 2
    second = mine.all().order_by("-pk").first()
    turn = e03.turns[1]
    assert (second.start, second.end) == (turn[1], turn[2])
    assert page.locator(f"mark.code-{second.code_id}").count() >= 1

    # the matrix query and its drill-down to quotes
    page.get_by_role("link", name=t("Queries"), exact=True).first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    matrix = page.locator("table.matrix")
    assert matrix.locator("caption").count() == 1
    assert matrix.get_by_role("columnheader", name="E01").count() == 1
    page.get_by_label(t("Matrix columns")).select_option(label=t("Attribute “%(name)s”") % {"name": "Statut"})
    page.get_by_role("button", name=t("Run the queries")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert page.locator("table.matrix").get_by_role("columnheader",
                                                     name="non-participant").count() == 1
    page.locator("table.matrix a").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    assert page.locator("ol.quotes li").count() >= 1

    # export the whole project and validate it with the core
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Export (.qdpx)")).click()
    path = tmp_path / "export.qdpx"
    download_info.value.save_as(path)
    data = path.read_bytes()
    assert schema_errors(archive_files(data)["project.qde"], "project") == []
    project, _messages = read_qdpx(data)
    assert len(project.sources) == 6
    spans = {(s.start, s.end) for s in project.selections.values()
             if project.sources[s.source].name.startswith("E03")}
    assert (start, start + len(needle)) in spans and (turn[1], turn[2]) in spans
    assert sum(len(s.codings) for s in project.selections.values()) == 57 + 2

    # the other pages of the project pass axe-core too
    from parlons.platform.research.models import ResearchProject

    pk = ResearchProject.objects.get().pk
    for path in ("codes/", "cas/"):
        visit(f"/recherche-qualitative/{pk}/{path}")
    _sets_links(page, visit, check_accessibility, pk)
    _pseudonymise(page, visit, check_accessibility, pk)
    _delete_code_and_source(page, visit, check_accessibility, pk)
    _import_progress(page, visit, check_accessibility, pk, org_admin)


def _sets_links(page, visit, check_accessibility_here, pk):
    """Add a set and a link between two codes on the sets and links page."""
    visit(f"/recherche-qualitative/{pk}/ensembles/")
    page.locator("#id_set-name").fill("Vague 2")
    page.get_by_label("Leviers/Aller-vers").first.check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Add the set")).click()
    check_accessibility_here(page)
    assert page.get_by_role("rowheader", name=re.compile("Vague 2")).count() == 1
    page.locator("#id_link-origin").select_option(
        label="Freins/Défiance institutionnelle")
    page.locator("#id_link-target").select_option(label="Leviers/Aller-vers")
    page.locator("#id_link-name").fill("appelle")
    page.locator("#id_link-direction").select_option("OneWay")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Add the link")).click()
    check_accessibility_here(page)
    assert page.get_by_role("cell", name=re.compile(r"^appelle\s*→")).count() == 1


def _pseudonymise(page, visit, check_accessibility_here, pk):
    """Preview then apply a pseudonym; the key is listed for the researcher."""
    from parlons.platform.research.models import Source

    visit(f"/recherche-qualitative/{pk}/pseudonymiser/")
    page.locator("#id_replacements").fill("Mamadou ; Ali")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Preview"), exact=True).click()
    check_accessibility_here(page)
    assert page.locator("ins", has_text="Ali").count() >= 1
    page.locator("#id_confirm").check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Apply the pseudonyms")).click()
    check_accessibility_here(page)
    assert not Source.objects.filter(text__contains="Mamadou").exists()
    assert page.get_by_text("Mamadou → Ali").count() == 1


def _delete_code_and_source(page, visit, check_accessibility_here, pk):
    """The confirmation pages: a code with sub-codes asks what to do with them."""
    from parlons.platform.research.models import Code, Source

    freins = Code.objects.get(name="Freins")
    visit(f"/recherche-qualitative/{pk}/codes/{freins.pk}/supprimer/")
    page.get_by_label(t("Keep them: move them up one level, with their codings")).check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Delete"), exact=True).click()
    check_accessibility_here(page)
    assert not Code.objects.filter(name="Freins").exists()
    assert Code.objects.filter(name="Format inadapté", parent=None).exists()
    e06 = Source.objects.get(name__startswith="E06")
    visit(f"/recherche-qualitative/{pk}/sources/{e06.pk}/supprimer/")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Delete"), exact=True).click()
    assert not Source.objects.filter(pk=e06.pk).exists()


def _import_progress(page, visit, check_accessibility_here, pk, user):
    """A running import's page follows the progress with htmx until the report shows."""
    from parlons.platform.research.models import ImportJob

    job = ImportJob.objects.create(project_id=pk, kind="refi", filenames=["gros.qdpx"],
                                   created_by=user, status="running", progress=30,
                                   step="Lecture de « gros.qdpx »…")
    visit(f"/recherche-qualitative/{pk}/importer/{job.pk}/")
    assert page.locator("#import-progress").get_attribute("value") == "30"
    ImportJob.objects.filter(pk=job.pk).update(
        status="done", progress=100, notes=[],
        counts={"sources": 1, "codes": 2, "cases": 0, "codings": 3, "memos": 0})
    page.locator(".import-report").wait_for(timeout=10_000)  # polled every 2 s
    check_accessibility_here(page)
    assert page.locator("#import-progress").get_attribute("value") == "100"
    visit(f"/recherche-qualitative/{pk}/importer/")

