"""Photos of projects (content checked, metadata stripped, alt text), followers' notifications,
and the translated explanations of the results."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from parlons.platform.budgets import counting, services
from parlons.platform.budgets.models import BudgetProject, ProjectFollower, ProjectPhoto

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "voter", "evaluator", "agent", "process_admin", "org_admin",
         "other_org_admin"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _url(pb, query=""):
    return f"/participer/{pb['space'].slug}/c/{pb['component'].pk}/{query}"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"          # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_photo_metadata_stripped_and_shown_with_alt_text(pb, org_admin):
    project = pb["projects"]["Fresque"]
    data = _jpeg_with_gps()
    assert b"CameraMaker" in data
    url = _url(pb, f"?v=photo&p={project.pk}")
    response = _client(org_admin).post(url, {
        "image": SimpleUploadedFile("photo.png", data, content_type="image/png"),
        "alt_text": "Le mur de l'école avant la fresque"})
    assert response.status_code == 302
    photo = ProjectPhoto.objects.get(project=project)
    stored = photo.image.read()
    assert stored.startswith(b"\xff\xd8") and b"CameraMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    page = Client().get(_url(pb, f"?v=project&p={project.pk}")).content.decode()
    assert f'src="{photo.image.url}" alt="Le mur de l&#x27;école avant la fresque"' in page


@pytest.mark.parametrize("name, content, alt, message", [
    ("x.jpg", b"not an image at all", "alt", "Seules les images"),
    ("x.jpg", b"%PDF-1.4\n1 0 obj\n%%EOF", "alt", "Seules les images (JPEG, PNG, WebP, GIF) "
                                                  "sont acceptées"),
    ("x.jpg", None, "   ", "Ce champ est obligatoire"),
])
def test_bad_photos_refused_in_french(pb, org_admin, name, content, alt, message):
    project = pb["projects"]["Fresque"]
    upload = SimpleUploadedFile(name, content or _jpeg_with_gps())
    response = _client(org_admin).post(_url(pb, f"?v=photo&p={project.pk}"),
                                       {"image": upload, "alt_text": alt})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProjectPhoto.objects.exists()


def test_photo_limit(pb, org_admin):
    project = pb["projects"]["Fresque"]
    for _i in range(services.MAX_PHOTOS):
        services.add_photo(actor=org_admin, project=project,
                           upload=SimpleUploadedFile("a.jpg", _jpeg_with_gps()), alt_text="a")
    with pytest.raises(Exception, match="at most"):
        services.add_photo(actor=org_admin, project=project,
                           upload=SimpleUploadedFile("a.jpg", _jpeg_with_gps()), alt_text="a")


def test_photo_matrix(people, pb, set_phase):
    project = pb["projects"]["Fresque"]
    project.author = people["citizen"]
    project.save()
    url = _url(pb, f"?v=photo&p={project.pk}")
    got = [_client(people[r]).get(url).status_code for r in ROLES]
    # vote phase: the author may no longer add photos; the space's admins may
    assert got == [302, 403, 403, 403, 403, 200, 200, 403]
    set_phase(pb, "Dépôt")
    got = [_client(people[r]).get(url).status_code for r in ROLES]
    assert got == [302, 200, 403, 403, 403, 200, 200, 403]
    for role in ("voter", "agent", "other_org_admin"):
        upload = SimpleUploadedFile("a.jpg", _jpeg_with_gps())
        assert _client(people[role]).post(url, {"image": upload, "alt_text": "x"}
                                          ).status_code == 403
    assert not ProjectPhoto.objects.exists()


def test_remove_photo(pb, org_admin, people):
    project = pb["projects"]["Fresque"]
    photo = services.add_photo(actor=org_admin, project=project,
                               upload=SimpleUploadedFile("a.jpg", _jpeg_with_gps()),
                               alt_text="a")
    url = _url(pb, f"?v=photo&p={project.pk}")
    assert _client(people["voter"]).post(url, {"delete": photo.pk}).status_code == 403
    assert _client(org_admin).post(url, {"delete": "x'; --"}).status_code == 404
    assert _client(org_admin).post(url, {"delete": photo.pk}).status_code == 302
    assert not ProjectPhoto.objects.exists()


# --- followers and notifications ---------------------------------------------------------------

def test_follow_matrix_and_idempotence(people, pb):
    project = pb["projects"]["Fresque"]
    url = _url(pb, f"?v=follow&p={project.pk}")
    assert _client().post(url, {"follow": "1"}).status_code == 302  # to the login page
    assert _client(people["voter"]).get(url).status_code == 404  # POST only
    for _i in range(2):
        assert _client(people["voter"]).post(url, {"follow": "1"}).status_code == 302
    assert ProjectFollower.objects.filter(project=project).count() == 1
    host = {"HTTP_HOST": "val.testserver"}  # the other organisation's site
    assert _client(people["other_org_admin"]).post(url, {"follow": "1"}, **host
                                                   ).status_code == 404
    _client(people["voter"]).post(url, {"follow": "0"})
    assert not ProjectFollower.objects.exists()


def test_followers_and_authors_notified_in_their_language(pb, org_admin, voter, make_user,
                                                          django_capture_on_commit_callbacks):
    from parlons.platform.proposals.models import Notification

    project = pb["projects"]["Fresque"]
    author = make_user("autrice@example.org")
    author.language = "en"
    author.save()
    project.author = author
    project.save()
    services.set_following(actor=voter, project=project, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_works(actor=org_admin, project=project, works_status="works",
                              progress=40)
    texts = {n.user.email: n.text for n in Notification.objects.filter(kind="budget")}
    assert texts == {
        voter.email: "Nouvelles des travaux de « Fresque » : travaux en cours, 40 % réalisés.",
        author.email: "News of the works of “Fresque”: works in progress, 40 % done."}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([voter.email, author.email])
    from django.utils import translation

    with translation.override("fr"):
        kinds = {n.get_kind_display() for n in Notification.objects.filter(kind="budget")}
    assert kinds == {"projet de budget participatif que je suis ou que j’ai déposé"}
    # the same news again (a retried task, a second identical save) notifies nobody twice
    with django_capture_on_commit_callbacks(execute=True):
        services.update_works(actor=org_admin, project=project, works_status="works",
                              progress=40)
    assert Notification.objects.filter(kind="budget").count() == 2


def test_results_publication_notifies_followers(pb, org_admin, voter, set_phase,
                                                django_capture_on_commit_callbacks):
    from parlons.platform.proposals.models import Notification

    p = pb["projects"]
    services.cast_ballot(actor=voter, budget=pb["city"], choices={p["Fresque"].pk: 1},
                         receipt=services.new_receipt())
    for title in ("Fresque", "Skatepark"):
        services.set_following(actor=voter, project=p[title], follow=True)
    services.compute_results(actor=org_admin, budget=pb["city"])
    set_phase(pb, "Résultats")
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_results(actor=org_admin, budget=pb["city"])
    texts = sorted(Notification.objects.filter(user=voter, kind="budget")
                   .values_list("text", flat=True))
    assert texts == ["Résultats publiés : « Fresque » est financé !",
                     "Résultats publiés : « Skatepark » n'est pas financé cette fois-ci."]


# --- explanations of the results ---------------------------------------------------------------

def test_every_engine_explanation_is_translated(pb, org_admin, voter, make_user):
    """Greedy and equal shares on a real count: each sentence of the engine is turned into a
    French one (none is left in English)."""
    from django.utils import translation

    from parlons.platform.budgets.models import Eligibility

    p = pb["projects"]
    city = pb["city"]
    city.show_comparison = True
    city.save()
    ballots = [["Fresque"], ["Fresque", "Jardin partagé"], ["Pistes cyclables"],
               ["Pistes cyclables", "Jardin partagé"], ["Skatepark"]]
    for n, titles in enumerate(ballots):
        person = make_user(f"v{n}@example.org")
        Eligibility.objects.create(component=pb["component"], user=person, area=pb["areas"][0],
                                   age_confirmed=True)
        services.cast_ballot(actor=person, budget=city, choices={p[t].pk: 1 for t in titles},
                             receipt=services.new_receipt())
    BudgetProject.objects.create(budget=city, title="Sans soutien", description="x",
                                 estimated_cost=1000, state="feasible")
    city = services.compute_results(actor=org_admin, budget=city)
    titles = {str(x.pk): x.title for x in city.projects.all()}
    reasons = [r for run in ("main", "other") for r in city.results[run]["explanations"].values()]
    assert len(reasons) == 10 and {"funded", "shares"} <= {r["kind"] for r in reasons}
    with translation.override("fr"):
        french = [counting.explanation_text(r, titles) for r in reasons]
    assert all(f.startswith(("financé", "non financé")) for f in french), french
    assert not any("%(" in f or "funded" in f for f in french), french
    page = _client(org_admin).get(_url(pb, f"?v=results&b={city.pk}")).content.decode()
    assert "non financé" in page and "not funded" not in page


def test_each_kind_of_reason_reads_in_french_with_titles_and_amounts():
    """Every reason the engine can give (greedy variants, equal shares, completions) has a
    French sentence; amounts are grouped, project ids become titles, an old text is kept."""
    from django.utils import translation

    values = {"rank": 2, "score": 1234, "cost": 25000, "left": 5368.4, "budget": 3004498,
              "threshold": 200, "category": "espaces verts", "supporters": 641, "price": 12.3456,
              "exhausted": 12, "share": 80.48, "took": [["7", 6702.2], ["9", 2446.0]]}
    with translation.override("fr"):
        texts = {kind: counting.explanation_text({"kind": kind, **values}, {"7": "Fresque"})
                 for kind in counting._REASONS}
        assert counting.explanation_text("funded: rank 1", {}) == "funded: rank 1"
    assert all(t.startswith(("financé", "non financé")) and "%(" not in t
               for t in texts.values()), texts
    assert texts["no-room"] == ("non financé : classé 2e avec un score de 1\xa0234 ; il coûte "
                                "25\xa0000 € mais il ne restait que 5\xa0368 € quand son tour "
                                "est venu")
    assert "dans la catégorie « espaces verts »" in texts["category-cap"]
    assert "(12,3 par euro de satisfaction)" in texts["shares"], texts["shares"]
    with translation.override("fr"):
        small = counting.explanation_text({"kind": "shares", **values, "price": 0.0012345}, {})
    assert "(0,00123 par euro" in small, small
    assert "(80,5 %" in texts["short"] and "Fresque (6\xa0702 €), 9 (2\xa0446 €)" in texts["short"]
