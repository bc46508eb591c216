"""Coding: offsets in code points, validation, highlighting, and two coders at once."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from parlons.core.qda.model import to_utf16


def _setup(project, researcher):
    from parlons.platform.research import services

    text = "Nadia : Un pote m'a envoyé « 👍 viens ». J'ai pas ouvert.\nEnquêtrice : Pourquoi ?"
    services.import_transcripts(actor=researcher, project=project,
                                files=[("E03.txt", text.encode())])
    source = project.sources.get(name="E03")
    group = services.create_code(actor=researcher, project=project, name="Freins",
                                 is_codable=False)
    a = services.create_code(actor=researcher, project=project, name="Information",
                             parent=group, colour="#e53935")
    b = services.create_code(actor=researcher, project=project, name="Défiance", parent=group)
    return source, group, a, b


@pytest.mark.django_db
def test_offsets_are_code_points_and_rules_hold(research_project, researcher, cocoder, reader):
    from parlons.platform.research import services

    source, group, a, _b = _setup(research_project, researcher)
    start = source.text.index("👍")
    end = source.text.index("J'ai")
    coding = services.code_passage(actor=cocoder, source=source, code=a, start=start, end=end)
    assert source.text[coding.start:coding.end] == "👍 viens ». "
    # what the browser sends after converting its UTF-16 offsets: one unit more after the emoji
    assert to_utf16(source.text, end) == end + 1
    with pytest.raises(ValidationError):
        services.code_passage(actor=cocoder, source=source, code=group, start=0, end=5)
    with pytest.raises(ValidationError):
        services.code_passage(actor=cocoder, source=source, code=a, start=5, end=10_000)
    with pytest.raises(PermissionDenied):
        services.code_passage(actor=reader, source=source, code=a, start=0, end=5)
    with pytest.raises(PermissionDenied):
        services.delete_coding(actor=researcher, coding=coding)  # not hers
    again = services.code_passage(actor=cocoder, source=source, code=a, start=start, end=end)
    assert again.pk == coding.pk  # a double submission adds nothing


@pytest.mark.django_db
def test_reading_page_highlights_and_codes_through_the_form(research_project, researcher):
    source, _group, a, b = _setup(research_project, researcher)
    client = Client()
    client.force_login(researcher)
    url = f"/recherche-qualitative/{research_project.pk}/sources/{source.pk}/"
    turns = source.turns
    assert [t[0] for t in turns] == ["Nadia", "Enquêtrice"]
    # without JavaScript: choose the first speaker turn
    response = client.post(url, {"code": a.pk, "passage": f"{turns[0][1]}-{turns[0][2]}"})
    assert response.status_code == 302
    # with offsets, overlapping the first coding
    response = client.post(url, {"code": b.pk, "start": 10, "end": 20})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert f'<mark class="code-{a.pk}"' in page
    assert f'<mark class="code-{a.pk} multi"' in page  # both codes on [10, 20)
    css = client.get(f"/recherche-qualitative/{research_project.pk}/codes.css").content.decode()
    assert f".code-{a.pk} {{" in css and "#e53935" in css
    # the text inside the reading area, tags removed, is exactly the source text
    import html
    import re

    area = re.search(r'<div id="source-text"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", area)) == source.text
    response = client.post(url, {"code": a.pk, "start": 20, "end": 10})
    assert response.status_code == 200 and "form-errors" in response.content.decode()


@pytest.mark.django_db
def test_a_stale_page_loses_nothing(research_project, researcher, cocoder):
    """Coder A opened the page before coder B coded the same passage: both codings stay."""
    from parlons.platform.research.models import CodedSelection

    source, _group, a, b = _setup(research_project, researcher)
    alice, bob = Client(), Client()
    alice.force_login(researcher)
    bob.force_login(cocoder)
    url = f"/recherche-qualitative/{research_project.pk}/sources/{source.pk}/"
    alice.get(url)
    bob.get(url)
    assert bob.post(url, {"code": a.pk, "start": 0, "end": 30}).status_code == 302
    assert alice.post(url, {"code": a.pk, "start": 0, "end": 30}).status_code == 302
    assert alice.post(url, {"code": b.pk, "start": 0, "end": 30}).status_code == 302
    rows = CodedSelection.objects.filter(source=source).select_related("coder")
    assert sorted((r.coder.user_id, r.code_id) for r in rows) == sorted(
        [(cocoder.pk, a.pk), (researcher.pk, a.pk), (researcher.pk, b.pk)])
    # Alice's two codes on one span form one REFI selection; Bob's is another
    assert len({r.selection_guid for r in rows}) == 2


@pytest.mark.django_db(transaction=True)
def test_two_coders_in_two_threads_lose_nothing(organisation, make_user):
    """Two coders code at the same time, each in their own transaction and connection.

    On PostgreSQL the two threads run freely. SQLite's in-memory test database (shared cache)
    answers "table is locked" instead of waiting, so there the calls of the two connections
    alternate under a lock: still two connections and interleaved transactions."""
    from parlons.platform.research import services
    from parlons.platform.research.models import CodedSelection, ResearchMembership

    researcher = make_user("r@example.org")
    cocoder = make_user("c@example.org")
    from parlons.platform.organisations.models import OrganisationRole

    OrganisationRole.objects.create(organisation=organisation, user=researcher, role="agent")
    project = services.create_project(actor=researcher, organisation=organisation, title="P")
    ResearchMembership.objects.create(project=project, user=cocoder, role="cocoder")
    source, _group, a, b = _setup(project, researcher)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    gate = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def work(user, code):
        try:
            barrier.wait(timeout=10)
            for start in range(0, 40, 2):
                with gate:
                    services.code_passage(actor=user, source=source, code=code, start=start,
                                          end=start + 5)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(researcher, a)),
               threading.Thread(target=work, args=(cocoder, b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    rows = CodedSelection.objects.filter(source=source)
    assert rows.filter(coder__user=researcher, code=a).count() == 20
    assert rows.filter(coder__user=cocoder, code=b).count() == 20
