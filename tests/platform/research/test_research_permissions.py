"""Every view of the research workspace × every role.

200 allowed, 302 anonymous sent to log in, 403 logged in but not allowed (organisation admins who
are not members: they know the project exists), 404 the project is hidden from this person."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

ROLES = ["anonymous", "citizen", "reader", "cocoder", "researcher", "org_admin",
         "other_org_admin"]
MEMBERS = [302, 404, 200, 200, 200, 403, 404]
RESEARCHER = [302, 404, 403, 403, 200, 403, 404]

MATRIX = {
    "/recherche-qualitative/": [302, 200, 200, 200, 200, 200, 200],
    "/recherche-qualitative/nouveau/": [302, 403, 403, 403, 403, 200, 403],
    "/recherche-qualitative/{p}/": MEMBERS,
    "/recherche-qualitative/{p}/membres/": [302, 404, 200, 200, 200, 200, 404],
    "/recherche-qualitative/{p}/importer/": RESEARCHER,
    "/recherche-qualitative/{p}/codes/": MEMBERS,
    "/recherche-qualitative/{p}/codes/{c}/": RESEARCHER,
    "/recherche-qualitative/{p}/codes.css": MEMBERS,
    "/recherche-qualitative/{p}/cas/": MEMBERS,
    "/recherche-qualitative/{p}/sources/{s}/": MEMBERS,
    "/recherche-qualitative/{p}/requetes/": MEMBERS,
    "/recherche-qualitative/{p}/requetes/?coder={enq1}&columns=Statut&by=Statut&a={enq1}&b={enq2}":
        MEMBERS,
    "/recherche-qualitative/{p}/requetes/?words=1": MEMBERS,
    "/recherche-qualitative/{p}/requetes/extraits/?code=Leviers/Aller-vers": MEMBERS,
    "/recherche-qualitative/{p}/requetes/extraits/?code=Leviers/Aller-vers&column=E05": MEMBERS,
    "/recherche-qualitative/{p}/requetes/extraits/?code=Leviers/Aller-vers&format=docx": MEMBERS,
    "/recherche-qualitative/{p}/requetes/extraits/?code=Leviers/Aller-vers&format=xlsx": MEMBERS,
    "/recherche-qualitative/{p}/export.qdpx": MEMBERS,
    # deletions: confirmation pages
    "/recherche-qualitative/{p}/codes/{c}/supprimer/": RESEARCHER,
    "/recherche-qualitative/{p}/sources/{s}/supprimer/": RESEARCHER,
    "/recherche-qualitative/{p}/cas/{k}/supprimer/": RESEARCHER,
    "/recherche-qualitative/{p}/memos/{m_researcher}/supprimer/": RESEARCHER,
    "/recherche-qualitative/{p}/memos/{m_cocoder}/supprimer/": [302, 404, 403, 200, 200, 403,
                                                                  404],
    # sets and links
    "/recherche-qualitative/{p}/ensembles/": MEMBERS,
    "/recherche-qualitative/{p}/ensembles/{set}/": RESEARCHER,
    "/recherche-qualitative/{p}/ensembles/{set}/supprimer/": RESEARCHER,
    "/recherche-qualitative/{p}/liens/{link}/supprimer/": RESEARCHER,
    # pseudonymisation and its keys
    "/recherche-qualitative/{p}/pseudonymiser/": RESEARCHER,
    "/recherche-qualitative/{p}/pseudonymiser/{key}/cle.json": RESEARCHER,
    "/recherche-qualitative/{p}/pseudonymiser/{key}/supprimer/": RESEARCHER,
    # progress of a background import
    "/recherche-qualitative/{p}/importer/{job}/": RESEARCHER,
}


@pytest.fixture
def people(citizen, reader, cocoder, researcher, org_admin, other_org_admin):
    return {"anonymous": None, "citizen": citizen, "reader": reader, "cocoder": cocoder,
            "researcher": researcher, "org_admin": org_admin,
            "other_org_admin": other_org_admin}


def _client(person) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _ids(project):
    from parlons.platform.research.models import Coder, ImportJob, Memo, PseudonymKey

    source = project.sources.get(name__startswith="E05")
    coders = dict(Coder.objects.filter(project=project).values_list("name", "guid"))
    code = project.codes.get(name="Aller-vers")
    researcher_memo, cocoder_memo = (
        Memo.objects.filter(project=project, author__email=email).order_by("pk").first()
        for email in ("chercheuse@example.org", "cocodeur@example.org"))
    extras = project.refi_extras
    return {"p": project.pk, "s": source.pk, "c": code.pk, "enq1": coders["ENQ1"],
            "enq2": coders["ENQ2"], "k": project.cases.get(name__startswith="E05").pk,
            "m_researcher": researcher_memo.pk if researcher_memo else 0,
            "m_cocoder": cocoder_memo.pk if cocoder_memo else 0,
            "set": extras["sets"][0]["guid"], "link": extras["links"][0]["guid"],
            "key": PseudonymKey.objects.filter(project=project).values_list("pk", flat=True)
            .first() or 0,
            "job": ImportJob.objects.filter(project=project).values_list("pk", flat=True)
            .first() or 0}


@pytest.fixture
def furnished(imported_project, researcher, cocoder):
    """The imported corpus plus one memo of each coder, a pseudonymisation key and an import."""
    from parlons.platform.research import services
    from parlons.platform.research.models import ImportJob, PseudonymKey

    for person in (researcher, cocoder):
        services.add_memo(actor=person, project=imported_project, text=f"Memo {person}")
    PseudonymKey.objects.create(project=imported_project, replacements=[["A", "B"]],
                                key={"version": 1, "sources": {}, "fields": {}},
                                created_by=researcher)
    ImportJob.objects.create(project=imported_project, kind="refi", filenames=["x.qdpx"],
                             created_by=researcher)
    return imported_project


@pytest.mark.django_db
def test_get_matrix(people, furnished):
    ids = _ids(furnished)
    clients = {role: _client(people[role]) for role in ROLES}
    problems = []
    for url, expected in MATRIX.items():
        concrete = url.format(**ids)
        got = [clients[role].get(concrete).status_code for role in ROLES]
        if got != expected:
            problems.append((url, dict(zip(ROLES, got, strict=True))))
    assert not problems


def _posts(project, researcher_coding, cocoder_coding):
    from parlons.platform.research.models import Code

    code = Code.objects.get(project=project, name="Aller-vers")
    ids = _ids(project)
    base = f"/recherche-qualitative/{ids['p']}"
    return {
        "code": (f"{base}/sources/{ids['s']}/", {"code": code.pk, "start": 0, "end": 10}),
        "memo": (f"{base}/memos/", {"attach": "project:0", "text": "Une idée"}),
        "new_code": (f"{base}/codes/", {"name": "Nouveau", "colour": "#123456",
                                        "is_codable": "on"}),
        "edit_code": (f"{base}/codes/{code.pk}/", {"name": "Aller vers les gens",
                                                    "colour": "#123456", "is_codable": "on"}),
        "member": (f"{base}/membres/", {"email": "citoyenne@example.org", "role": "reader"}),
        "delete_researcher_coding": (f"{base}/codages/{researcher_coding.pk}/supprimer/", {}),
        "delete_cocoder_coding": (f"{base}/codages/{cocoder_coding.pk}/supprimer/", {}),
        "delete_code": (f"{base}/codes/{ids['c']}/supprimer/", {}),
        "delete_source": (f"{base}/sources/{ids['s']}/supprimer/", {}),
        "delete_case": (f"{base}/cas/{ids['k']}/supprimer/", {}),
        "delete_researcher_memo": (f"{base}/memos/{ids['m_researcher']}/supprimer/", {}),
        "delete_cocoder_memo": (f"{base}/memos/{ids['m_cocoder']}/supprimer/", {}),
        "new_set": (f"{base}/ensembles/", {"kind": "set", "set-name": "Vague 2",
                                           "set-codes": [code.guid]}),
        "edit_set": (f"{base}/ensembles/{ids['set']}/", {"name": "Renommé"}),
        "delete_set": (f"{base}/ensembles/{ids['set']}/supprimer/", {}),
        "new_link": (f"{base}/ensembles/", {
            "kind": "link", "link-origin": code.guid, "link-direction": "OneWay",
            "link-target": Code.objects.get(project=project, name="Horaires et disponibilité").guid}),
        "delete_link": (f"{base}/liens/{ids['link']}/supprimer/", {}),
        "pseudonymise": (f"{base}/pseudonymiser/", {"replacements": "Mamadou ; Ali",
                                                    "confirm": "on", "action": "apply"}),
        "delete_key": (f"{base}/pseudonymiser/{ids['key']}/supprimer/", {}),
        "import": (f"{base}/importer/", {"kind": "transcripts"}),
    }


# action → expected status per role (302 for anonymous = login; 302 for others = done)
POST_MATRIX = {
    "code": [302, 404, 403, 302, 302, 403, 404],
    "memo": [302, 404, 403, 302, 302, 403, 404],
    "new_code": [302, 404, 403, 403, 302, 403, 404],
    "edit_code": [302, 404, 403, 403, 302, 403, 404],
    "member": [302, 404, 403, 403, 302, 302, 404],
    "delete_researcher_coding": [302, 404, 403, 403, 302, 403, 404],
    "delete_cocoder_coding": [302, 404, 403, 302, 403, 403, 404],
    "delete_code": [302, 404, 403, 403, 302, 403, 404],
    "delete_source": [302, 404, 403, 403, 302, 403, 404],
    "delete_case": [302, 404, 403, 403, 302, 403, 404],
    "delete_researcher_memo": [302, 404, 403, 403, 302, 403, 404],
    "delete_cocoder_memo": [302, 404, 403, 302, 302, 403, 404],
    "new_set": [302, 404, 403, 403, 302, 403, 404],
    "edit_set": [302, 404, 403, 403, 302, 403, 404],
    "delete_set": [302, 404, 403, 403, 302, 403, 404],
    "new_link": [302, 404, 403, 403, 302, 403, 404],
    "delete_link": [302, 404, 403, 403, 302, 403, 404],
    "pseudonymise": [302, 404, 403, 403, 302, 403, 404],
    "delete_key": [302, 404, 403, 403, 302, 403, 404],
    "import": [302, 404, 403, 403, 200, 403, 404],  # 200: the form asks for files
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(POST_MATRIX))
def test_post_matrix(action, people, furnished, researcher, cocoder):
    from parlons.platform.research import services
    from parlons.platform.research.models import (
        Case,
        Code,
        CodedSelection,
        Memo,
        PseudonymKey,
        ResearchMembership,
        ResearchProject,
        Source,
    )

    imported_project = furnished

    source = imported_project.sources.get(name__startswith="E05")
    code = Code.objects.get(project=imported_project, name="Format inadapté")
    mine = services.code_passage(actor=researcher, source=source, code=code, start=20, end=40)
    theirs = services.code_passage(actor=cocoder, source=source, code=code, start=30, end=50)
    url, data = _posts(imported_project, mine, theirs)[action]

    def state():
        return (CodedSelection.objects.count(), Memo.objects.count(), Code.objects.count(),
                ResearchMembership.objects.count(), Source.objects.count(), Case.objects.count(),
                PseudonymKey.objects.count(), ResearchProject.objects.get().refi_extras,
                sorted(Source.objects.values_list("text", flat=True)))

    got = {}
    for role, expected in zip(ROLES, POST_MATRIX[action], strict=True):
        before = state()
        with transaction.atomic():  # each person acts on the same starting state
            response = _client(people[role]).post(url, data)
            got[role] = response.status_code
            if role == "anonymous":
                assert "/compte/connexion/" in response["Location"]
            if expected != 302 or role == "anonymous":
                assert state() == before, (role, action)
            transaction.set_rollback(True)
    assert got == dict(zip(ROLES, POST_MATRIX[action], strict=True))


@pytest.mark.django_db
def test_other_organisation_sees_nothing_on_its_own_host(other_org_admin, imported_project):
    client = _client(other_org_admin)
    host = {"HTTP_HOST": "val.testserver"}
    assert imported_project.title not in client.get("/recherche-qualitative/",
                                                    **host).content.decode()
    for url in (f"/recherche-qualitative/{imported_project.pk}/",
                f"/recherche-qualitative/{imported_project.pk}/membres/",
                f"/recherche-qualitative/{imported_project.pk}/export.qdpx"):
        assert client.get(url, **host).status_code == 404, url


@pytest.mark.django_db
def test_member_of_a_project_of_another_organisation_gets_404(researcher, imported_project,
                                                              other_organisation):
    """Tenancy: the same project id asked on another organisation's host is not found."""
    client = _client(researcher)
    response = client.get(f"/recherche-qualitative/{imported_project.pk}/",
                          HTTP_HOST="val.testserver")
    assert response.status_code == 404


@pytest.mark.django_db
def test_org_admin_sees_titles_not_content(org_admin, imported_project):
    client = _client(org_admin)
    listing = client.get("/recherche-qualitative/").content.decode()
    assert imported_project.title in listing
    source = imported_project.sources.get(name__startswith="E01")
    assert client.get(f"/recherche-qualitative/{imported_project.pk}/sources/{source.pk}/"
                      ).status_code == 403


@pytest.mark.django_db
def test_a_project_keeps_one_researcher(researcher, research_project):
    from parlons.platform.research.models import ResearchMembership

    membership = ResearchMembership.objects.get(project=research_project, user=researcher)
    response = _client(researcher).post(
        f"/recherche-qualitative/{research_project.pk}/membres/{membership.pk}/retirer/")
    assert response.status_code == 302
    assert ResearchMembership.objects.filter(pk=membership.pk).exists()
