"""Memos, the codebook, case attributes, and a .qdc codebook import."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.core.qda.refi import read_qdpx

pytestmark = pytest.mark.django_db


def test_memos_on_every_target_are_exported(imported_project, cocoder):
    from parlons.platform.research.convert import to_core
    from parlons.platform.research.models import CodedSelection, Memo

    client = Client()
    client.force_login(cocoder)
    project = imported_project
    coding = CodedSelection.objects.filter(project=project).first()
    code = project.codes.get(name="Aller-vers")
    case = project.cases.first()
    url = f"/recherche-qualitative/{project.pk}/memos/"
    for attach in ("project:0", f"source:{coding.source_id}", f"selection:{coding.pk}",
                   f"code:{code.pk}", f"case:{case.pk}"):
        response = client.post(url, {"attach": attach, "text": f"Mémo {attach}"})
        assert response.status_code == 302
    mine = Memo.objects.filter(author=cocoder)
    assert sorted(mine.values_list("target", flat=True)) == [
        "case", "code", "project", "selection", "source"]
    core = to_core(project)
    targets = {n.text: n.targets for n in core.notes.values()}
    assert targets[f"Mémo selection:{coding.pk}"] == [coding.selection_guid]
    assert targets[f"Mémo code:{code.pk}"] == [code.guid]
    # an id of another project is not found
    assert client.post(url, {"attach": "code:999999", "text": "x"}).status_code == 404


def test_codebook_and_case_attributes(research_project, researcher, corpus,
                                      django_capture_on_commit_callbacks):
    from parlons.platform.research.models import CaseValue, Code

    client = Client()
    client.force_login(researcher)
    base = f"/recherche-qualitative/{research_project.pk}"
    with open(corpus / "codebook-non-participation.qdc", "rb") as handle, \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}/importer/", {"kind": "refi", "refi-file": handle})
    assert response.status_code == 302  # to the import's progress page (eager task: done)
    assert "import-report" in client.get(response["Location"]).content.decode()
    assert Code.objects.filter(project=research_project).count() == 18
    parent = Code.objects.get(project=research_project, name="Freins")
    response = client.post(f"{base}/codes/", {"name": "Coût", "parent": parent.pk,
                                              "colour": "#aa3300", "is_codable": "on"})
    assert response.status_code == 302
    assert Code.objects.get(name="Coût").parent == parent
    cout = Code.objects.get(name="Coût")
    response = client.post(f"{base}/codes/{parent.pk}/", {"name": "Freins", "parent": cout.pk,
                                                          "colour": "#aa3300"})
    assert response.status_code == 200  # a code cannot go below its own child
    response = client.post(f"{base}/codes/{cout.pk}/", {"name": "Coût des transports",
                                                        "colour": "#0055aa",
                                                        "is_codable": "on"})
    assert response.status_code == 302
    cout.refresh_from_db()
    assert (cout.name, cout.colour, cout.parent) == ("Coût des transports", "#0055aa", None)
    with open(corpus / "cas.csv", "rb") as handle:
        response = client.post(f"{base}/importer/", {"kind": "cases", "cases-file": handle})
    assert response.status_code == 302
    case = research_project.cases.get(name="E01")
    age = research_project.variables.get(name="age")
    assert age.type == "Integer"
    response = client.post(f"{base}/cas/", {"case": case.pk, "variable": age.pk,
                                            "value": "trente"})
    assert response.status_code == 200  # not an integer: the form says so
    response = client.post(f"{base}/cas/", {"case": case.pk, "variable": age.pk, "value": "35"})
    assert response.status_code == 302
    assert CaseValue.objects.get(case=case, variable=age).value == "35"


def test_exported_project_reimports_into_a_new_project(imported_project, researcher,
                                                       organisation):
    from parlons.platform.research import services
    from parlons.platform.research.models import CodedSelection, ResearchProject

    client = Client()
    client.force_login(researcher)
    data = client.get(f"/recherche-qualitative/{imported_project.pk}/export.qdpx").content
    project, _messages = read_qdpx(data)
    assert len(project.notes) == 9 and len(project.cases) == 6
    other = ResearchProject.objects.create(organisation=organisation, title="Copie")
    other.memberships.create(user=researcher, role="researcher")
    services.import_qdpx(actor=researcher, project=other, data=data)
    assert CodedSelection.objects.filter(project=other).count() == 57
