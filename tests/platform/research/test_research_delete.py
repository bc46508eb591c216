"""Deleting codes (with their codings, and a clear choice for sub-codes), sources, cases and
memos: confirmation pages first, everything in one transaction, sets and links kept tidy."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from parlons.core.qda.refi import archive_files, read_qdpx, schema_errors

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _export(client, project):
    data = client.get(f"/recherche-qualitative/{project.pk}/export.qdpx").content
    assert schema_errors(archive_files(data)["project.qde"], "project") == []
    return read_qdpx(data)[0]


def test_code_with_sub_codes_needs_a_choice_then_lifts_them(imported_project, researcher):
    from parlons.platform.research.models import Code, CodedSelection

    freins = Code.objects.get(project=imported_project, name="Freins")
    children = list(Code.objects.filter(parent=freins).values_list("pk", flat=True))
    coded_below = CodedSelection.objects.filter(code__in=children).count()
    assert len(children) == 7 and coded_below > 0
    client = _client(researcher)
    url = f"/recherche-qualitative/{imported_project.pk}/codes/{freins.pk}/supprimer/"
    page = client.get(url).content.decode()
    assert 'type="radio"' in page and "7" in page  # the choice and the number of sub-codes
    # no choice: refused with a message, nothing deleted
    response = client.post(url, {})
    assert response.status_code == 200 and "form-errors" in response.content.decode()
    assert Code.objects.filter(pk=freins.pk).exists()
    # keep them: they move up to the top level with their codings
    assert client.post(url, {"children": "lift"}).status_code == 302
    assert not Code.objects.filter(pk=freins.pk).exists()
    assert set(Code.objects.filter(pk__in=children).values_list("parent", flat=True)) == {None}
    assert CodedSelection.objects.filter(code__in=children).count() == coded_below
    # the sets that listed these codes are pruned and the export still validates
    project = _export(client, imported_project)
    assert "Freins" not in {c.name for c in project.codes.values()}
    assert all(g in project.codes for s in project.sets.values() for g in s.codes)


def test_code_deleted_with_its_sub_codes_codings_and_memos(imported_project, researcher,
                                                          cocoder):
    from parlons.platform.research import services
    from parlons.platform.research.models import Code, CodedSelection, Memo

    leviers = Code.objects.get(project=imported_project, name="Leviers")
    below = services.code_subtree(leviers)
    source = imported_project.sources.get(name__startswith="E03")
    mine = services.code_passage(actor=cocoder, source=source,
                                 code=Code.objects.get(pk=below[0]), start=0, end=12)
    services.add_memo(actor=cocoder, project=imported_project, text="Sur ce passage",
                      target="selection", obj=mine)
    services.add_memo(actor=researcher, project=imported_project, text="Sur le code",
                      target="code", obj=leviers)
    doomed = [leviers.pk, *below]
    expected_codings = CodedSelection.objects.filter(code__in=doomed).count()
    total = CodedSelection.objects.count()
    impact = services.delete_code(actor=researcher, code=leviers, children="delete")
    assert impact["codes"] == len(doomed) and impact["codings"] == expected_codings
    assert impact["memos"] == 2
    assert not Code.objects.filter(pk__in=doomed).exists()
    assert CodedSelection.objects.count() == total - expected_codings
    assert not Memo.objects.filter(text__in=["Sur ce passage", "Sur le code"]).exists()
    # the corpus' only link joined two codes of "Leviers"/"Freins": links stay consistent
    extras = imported_project.refi_extras
    codes = set(Code.objects.filter(project=imported_project).values_list("guid", flat=True))
    assert all(link["origin"] in codes or link["target"] in codes for link in extras["links"])
    with pytest.raises(ValidationError):  # already gone
        services.delete_code(actor=researcher, code=leviers, children="delete")


def test_a_leaf_code_is_deleted_without_question_and_rules_hold(imported_project, researcher,
                                                               cocoder):
    from parlons.platform.research import services
    from parlons.platform.research.models import Code

    code = Code.objects.get(project=imported_project, name="Aller-vers")
    with pytest.raises(PermissionDenied):
        services.delete_code(actor=cocoder, code=code)
    client = _client(researcher)
    url = f"/recherche-qualitative/{imported_project.pk}/codes/{code.pk}/supprimer/"
    assert 'type="radio"' not in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not Code.objects.filter(pk=code.pk).exists()


def test_coding_with_a_code_deleted_meanwhile_is_refused(imported_project, researcher, cocoder):
    from parlons.platform.research import services
    from parlons.platform.research.models import Code

    code = Code.objects.get(project=imported_project, name="Aller-vers")
    stale = Code.objects.get(pk=code.pk)  # the co-coder's page was opened before
    services.delete_code(actor=researcher, code=code)
    source = imported_project.sources.get(name__startswith="E01")
    with pytest.raises(ValidationError):
        services.code_passage(actor=cocoder, source=source, code=stale, start=0, end=5)


def test_source_deleted_with_codings_and_memos_cases_stay(imported_project, researcher):
    from parlons.platform.research import services
    from parlons.platform.research.models import Case, CodedSelection, Memo, Source

    source = imported_project.sources.get(name__startswith="E05")
    services.add_memo(actor=researcher, project=imported_project, text="Relire E05",
                      target="source", obj=source)
    case = source.cases.get()
    codings = CodedSelection.objects.filter(source=source).count()
    assert codings > 0
    client = _client(researcher)
    url = f"/recherche-qualitative/{imported_project.pk}/sources/{source.pk}/supprimer/"
    page = client.get(url).content.decode()
    assert "button-danger" in page and str(codings) in page
    assert client.post(url).status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()
    assert not CodedSelection.objects.filter(source_id=source.pk).exists()
    assert not Memo.objects.filter(text="Relire E05").exists()
    assert Case.objects.filter(pk=case.pk).exists() and not case.sources.exists()
    project = _export(client, imported_project)
    assert len(project.sources) == 5
    assert all(g in project.sources for s in project.sets.values() for g in s.sources)


def test_case_deleted_with_values_sources_stay(imported_project, researcher):
    from parlons.platform.research.models import Case, CaseValue

    case = imported_project.cases.get(name__startswith="E02")
    sources = list(case.sources.values_list("pk", flat=True))
    assert CaseValue.objects.filter(case=case).exists() and sources
    client = _client(researcher)
    url = f"/recherche-qualitative/{imported_project.pk}/cas/{case.pk}/supprimer/"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not CaseValue.objects.filter(case_id=case.pk).exists()
    assert imported_project.sources.filter(pk__in=sources).count() == len(sources)


def test_memos_deleted_by_their_author_or_a_researcher(imported_project, researcher, cocoder):
    from parlons.platform.research import services
    from parlons.platform.research.models import Memo

    own = services.add_memo(actor=cocoder, project=imported_project, text="Le mien")
    hers = services.add_memo(actor=researcher, project=imported_project, text="Le sien")
    with pytest.raises(PermissionDenied):
        services.delete_memo(actor=cocoder, memo=hers)
    page = _client(cocoder).get(f"/recherche-qualitative/{imported_project.pk}/").content.decode()
    assert f"/memos/{own.pk}/supprimer/" in page and f"/memos/{hers.pk}/supprimer/" not in page
    assert _client(cocoder).post(
        f"/recherche-qualitative/{imported_project.pk}/memos/{own.pk}/supprimer/").status_code == 302
    services.delete_memo(actor=researcher, memo=hers)
    assert not Memo.objects.filter(pk__in=[own.pk, hers.pk]).exists()
