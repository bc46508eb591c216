"""Fixtures of the research workspace: a project with its three roles, the fictional corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

QDA_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "qda"
CORPUS = QDA_DATA / "corpus-fictif-fr"


@pytest.fixture
def corpus() -> Path:
    assert CORPUS.is_dir(), f"the shared fictional corpus is missing: {CORPUS}"
    return CORPUS


@pytest.fixture
def researcher(make_user):
    return make_user("chercheuse@example.org", display_name="Chercheuse")


@pytest.fixture
def cocoder(make_user):
    return make_user("cocodeur@example.org", display_name="Co-codeur")


@pytest.fixture
def reader(make_user):
    return make_user("lectrice@example.org", display_name="Lectrice")


@pytest.fixture
def research_project(organisation, researcher, cocoder, reader):
    from parlons.platform.research.models import ResearchMembership, ResearchProject

    project = ResearchProject.objects.create(organisation=organisation,
                                             title="Non-participation place du Marché",
                                             created_by=researcher)
    for user, role in ((researcher, "researcher"), (cocoder, "cocoder"), (reader, "reader")):
        ResearchMembership.objects.create(project=project, user=user, role=role)
    return project


@pytest.fixture
def imported_project(research_project, researcher, corpus):
    """The fictional corpus imported from its .qdpx into the project."""
    from parlons.platform.research import services

    data = (corpus / "projet" / "non-participation-place-du-marche.qdpx").read_bytes()
    services.import_qdpx(actor=researcher, project=research_project, data=data)
    return research_project
