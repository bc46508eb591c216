"""Pseudonymisation from the page: list of replacements, preview, atomic application (coded
passages follow), the key kept for researchers only and enough to restore the original."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from parlons.core.qda.pseudonym import restore

pytestmark = pytest.mark.django_db

NAMES = "Mamadou ; Ali\nNadia => Inès\n# a comment line\n\nplace du Marché = place A"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _occurrences(project, name):
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return sum(len(pattern.findall(s.text)) for s in project.sources.all())


def test_parse_replacements_reports_the_faulty_line():
    from parlons.platform.research.services import parse_replacements

    assert parse_replacements(NAMES) == [("Mamadou", "Ali"), ("Nadia", "Inès"),
                                         ("place du Marché", "place A")]
    for text, line in (("Nadia ; Inès\nGérard", 2), ("Nadia ; Nadia", 1),
                       ("Nadia ; Inès\nNadia ; Zoé", 2)):
        with pytest.raises(ValidationError) as caught:
            parse_replacements(text)
        assert str(line) in caught.value.messages[0]
    with pytest.raises(ValidationError):
        parse_replacements("# nothing\n")


def test_preview_changes_nothing_then_apply_replaces_everywhere(imported_project, researcher):
    from parlons.platform.research import convert
    from parlons.platform.research.models import CodedSelection, PseudonymKey, Source

    before = convert.to_core(imported_project)
    texts = dict(Source.objects.values_list("pk", "text"))
    expected = _occurrences(imported_project, "Mamadou") + _occurrences(imported_project,
                                                                        "Nadia")
    expected += _occurrences(imported_project, "place du Marché")
    assert _occurrences(imported_project, "Mamadou") > 0 and expected > 3
    quotes = {row.pk: (row.source.text[row.start:row.end], row.selection_guid)
              for row in CodedSelection.objects.select_related("source")}
    client = _client(researcher)
    url = f"/recherche-qualitative/{imported_project.pk}/pseudonymiser/"
    response = client.post(url, {"replacements": NAMES, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200 and "<ins>Ali</ins>" in page
    assert f"{expected} " in page  # the number of replacements
    assert dict(Source.objects.values_list("pk", "text")) == texts
    # apply without ticking the confirmation: refused
    response = client.post(url, {"replacements": NAMES, "action": "apply"})
    assert response.status_code == 200 and "form-errors" in response.content.decode()
    assert not PseudonymKey.objects.exists()
    response = client.post(url, {"replacements": NAMES, "action": "apply", "confirm": "on"})
    assert response.status_code == 302
    assert _occurrences(imported_project, "Mamadou") == 0
    assert _occurrences(imported_project, "Nadia") == 0
    assert _occurrences(imported_project, "Ali") >= 1
    assert imported_project.cases.filter(name__endswith="Ali").exists()
    assert not imported_project.sources.filter(text__contains="Mamadou").exists()
    # every coded passage still covers the same words, with the pseudonyms
    table = {"Mamadou": "Ali", "Nadia": "Inès", "place du Marché": "place A"}
    pattern = re.compile(r"(?<!\w)(place du Marché|Mamadou|Nadia)(?!\w)")
    for row in CodedSelection.objects.select_related("source"):
        old, _guid = quotes[row.pk]
        assert row.source.text[row.start:row.end] == pattern.sub(lambda m: table[m.group(0)],
                                                                 old)
    # the key gives the original project back (texts and offsets)
    key = PseudonymKey.objects.get()
    assert key.occurrences == expected and key.created_by == researcher
    back = restore(convert.to_core(imported_project), key.key)
    assert {g: s.text for g, s in back.sources.items()} == {
        g: s.text for g, s in before.sources.items()}
    assert {g: (s.start, s.end) for g, s in back.selections.items()} == {
        g: (s.start, s.end) for g, s in before.selections.items()}
    assert {c.name for c in back.cases.values()} == {c.name for c in before.cases.values()}
    # the key: downloadable and deletable by researchers only
    keys = client.get(url).content.decode()
    assert "Mamadou → Ali" in keys
    assert client.get(f"{url}{key.pk}/cle.json").json() == key.key
    assert client.post(f"{url}{key.pk}/supprimer/").status_code == 302
    assert not PseudonymKey.objects.exists()


def test_names_nowhere_and_people_not_allowed(imported_project, researcher, cocoder):
    from parlons.platform.research import services

    with pytest.raises(ValidationError):
        services.apply_pseudonyms(actor=researcher, project=imported_project,
                                  pairs=[("Zébulon", "Pierre")])
    with pytest.raises(PermissionDenied):
        services.apply_pseudonyms(actor=cocoder, project=imported_project,
                                  pairs=[("Mamadou", "Ali")])
    assert _occurrences(imported_project, "Mamadou") > 0


def test_passages_inside_a_name_merge_and_keep_their_memos(research_project, researcher):
    from parlons.platform.research import services
    from parlons.platform.research.models import CodedSelection, Memo

    text = "Enquêtrice : Bonjour Jean-Pierre Dupont, merci.\nJean-Pierre Dupont : Bonjour."
    services.import_transcripts(actor=researcher, project=research_project,
                                files=[("E09.txt", text.encode())])
    source = research_project.sources.get()
    code = services.create_code(actor=researcher, project=research_project, name="Nom")
    at = text.index("Jean-Pierre")
    first = services.code_passage(actor=researcher, source=source, code=code, start=at,
                                  end=at + 4)
    second = services.code_passage(actor=researcher, source=source, code=code, start=at + 5,
                                   end=at + 11)
    whole = services.code_passage(actor=researcher, source=source, code=code, start=0,
                                  end=len(text))
    services.add_memo(actor=researcher, project=research_project, text="Sur le prénom",
                      target="selection", obj=second)
    services.apply_pseudonyms(actor=researcher, project=research_project,
                              pairs=[("Jean-Pierre Dupont", "Paul Martin")])
    source.refresh_from_db()
    assert source.text == text.replace("Jean-Pierre Dupont", "Paul Martin")
    rows = {(r.start, r.end) for r in CodedSelection.objects.filter(source=source)}
    # both pieces of the name snap to the pseudonym: one passage left, plus the whole text
    assert rows == {(at, at + len("Paul Martin")), (0, len(source.text))}
    survivor = CodedSelection.objects.get(source=source, start=at)
    assert survivor.pk in (first.pk, second.pk)
    assert Memo.objects.get(text="Sur le prénom").selection_id == survivor.pk
    assert CodedSelection.objects.get(pk=whole.pk).end == len(source.text)
    assert [t[0] for t in source.turns] == ["Enquêtrice", "Paul Martin"]


def test_a_page_opened_before_the_pseudonymisation_cannot_misplace_a_coding(
        imported_project, researcher, cocoder):
    import html

    from parlons.platform.research import services
    from parlons.platform.research.models import Code, CodedSelection

    source = imported_project.sources.get(name__startswith="E05")
    code = Code.objects.get(project=imported_project, name="Aller-vers")
    client = _client(cocoder)
    url = f"/recherche-qualitative/{imported_project.pk}/sources/{source.pk}/"
    page = client.get(url).content.decode()
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    at = source.text.index("Mamadou")
    services.apply_pseudonyms(actor=researcher, project=imported_project,
                              pairs=[("Mamadou", "Ali")])
    before = CodedSelection.objects.count()
    response = client.post(url, {"code": code.pk, "start": at + 10, "end": at + 40,
                                 "digest": digest})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "a changé depuis l'ouverture de la page" in page
    assert CodedSelection.objects.count() == before
    fresh = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    assert fresh != digest  # the form now carries the new text's fingerprint
    assert client.post(url, {"code": code.pk, "start": at + 10, "end": at + 40,
                             "digest": fresh}).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_pseudonymisation_while_someone_codes(organisation, make_user, corpus):
    """A researcher applies pseudonyms while a co-coder codes, in two threads and connections:
    every coding ends up on the words the co-coder chose, or is refused (page to reload)."""
    import contextlib
    import threading

    from django.db import connection

    from parlons.platform.organisations.models import OrganisationRole
    from parlons.platform.research import services
    from parlons.platform.research.models import Code, CodedSelection, ResearchMembership

    researcher = make_user("r@example.org")
    cocoder = make_user("c@example.org")
    OrganisationRole.objects.create(organisation=organisation, user=researcher, role="agent")
    project = services.create_project(actor=researcher, organisation=organisation, title="P")
    ResearchMembership.objects.create(project=project, user=cocoder, role="cocoder")
    services.import_qdpx(actor=researcher, project=project, data=(
        corpus / "projet" / "non-participation-place-du-marche.qdpx").read_bytes())
    source = project.sources.get(name__startswith="E05")
    code = Code.objects.get(project=project, name="Aller-vers")
    old = source.text
    digest = services.text_digest(old)
    names = [(m.start(), m.end()) for m in re.finditer(r"Mamadou", old)]
    spans = [(s, s + 6) for s in range(names[0][1] + 1, len(old) - 6, 37)
             if not any(a < s + 6 and s < b for a, b in names)][:25]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    refused: list[tuple[int, int]] = []
    gate = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def code_all():
        try:
            barrier.wait(timeout=10)
            for start, end in spans:
                with gate:
                    try:
                        services.code_passage(actor=cocoder, source=source, code=code,
                                              start=start, end=end, digest=digest)
                    except ValidationError:
                        refused.append((start, end))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def pseudonymise():
        try:
            barrier.wait(timeout=10)
            with gate:
                services.apply_pseudonyms(actor=researcher, project=project,
                                          pairs=[("Mamadou", "Ali")])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=code_all), threading.Thread(target=pseudonymise)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    source.refresh_from_db()
    assert "Mamadou" not in source.text
    rows = CodedSelection.objects.filter(source=source, coder__user=cocoder)
    assert rows.count() + len(refused) == len(spans)
    wanted = {old[s:e] for s, e in spans}
    for row in rows:
        assert source.text[row.start:row.end] in wanted
