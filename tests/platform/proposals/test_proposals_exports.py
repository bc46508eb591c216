"""Exports (CSV, XLSX, JSON) and the open-data files: documented columns, no personal data."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from parlons.platform.proposals import exports, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(component, citizen, make_user, org_evaluator, publish):
    citizen.display_name = "Camille Secrète"
    citizen.save()
    first = publish(citizen, title="=HYPERLINK(\"http://evil\") arbres")
    second = publish(make_user(display_name="Dominique Cachée"), title="Un kiosque")
    services.add_comment(actor=citizen, proposal=first, body="Pour !", alignment=1)
    gone = services.add_comment(actor=citizen, proposal=second, body="À supprimer")
    services.delete_comment(actor=citizen, comment=gone)
    services.answer_proposal(actor=org_evaluator, proposal=first, state="accepted",
                             text="<p>Retenue</p>", cost=1500, publish=True)
    return first, second


def test_back_office_exports(data, component, org_moderator, citizen):
    client = Client()
    client.force_login(org_moderator)
    base = f"/propositions/{component.pk}/export/"
    rows = list(csv.DictReader(io.StringIO(
        client.get(base + "proposals.csv").content.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["'=HYPERLINK(\"http://evil\") arbres", "Un kiosque"]
    assert rows[0]["answer_state"] == "accepted" and rows[0]["author"] == "Camille Secrète"
    assert list(rows[0]) == [c for c, _l in exports.COLUMNS["proposals"]] + [
        "author", "created_by_agent"]
    comments = json.loads(client.get(base + "comments.json").content)
    assert [(c["body"], c["state"]) for c in comments] == [("Pour !", "visible"),
                                                           ("", "deleted")]
    book = load_workbook(io.BytesIO(client.get(base + "proposals.xlsx").content))
    sheet = book.active
    assert sheet.max_row == 3 and sheet.cell(1, 1).value == "id"
    assert client.get(base + "users.csv").status_code == 404
    citizen_client = Client()
    citizen_client.force_login(citizen)
    assert citizen_client.get(base + "proposals.csv").status_code == 403


def test_open_data_is_anonymised(data, organisation, org_admin, settings, tmp_path,
                                 django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    assert client.get("/propositions/donnees-ouvertes/").status_code == 200
    assert client.get("/propositions/donnees-ouvertes/proposals.csv").status_code == 404
    assert client.post("/propositions/donnees-ouvertes/").status_code == 403
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/propositions/donnees-ouvertes/").status_code == 302
    anonymous = Client()
    texts = {}
    for name in exports.COLUMNS:
        response = anonymous.get(f"/propositions/donnees-ouvertes/{name}.csv")
        assert response.status_code == 200
        texts[name] = b"".join(response.streaming_content).decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(texts[name])))
        assert header == [c for c, _l in exports.COLUMNS[name]]
    everything = "".join(texts.values())
    from parlons.platform.accounts.models import User

    for user in User.objects.all():
        assert user.email not in everything
        assert user.display_name not in everything
    assert "author" not in everything
    assert "À supprimer" not in everything
    proposals = list(csv.DictReader(io.StringIO(texts["proposals"])))
    assert len(proposals) == 2
    answers = list(csv.DictReader(io.StringIO(texts["answers"])))
    assert answers[0]["state"] == "accepted" and answers[0]["cost"] == "1500.00"
