"""Pages of the proposals module: constant SQL queries, search, filters, sorts, attachments."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from parlons.platform.proposals import services
from parlons.platform.proposals.models import Attachment, Comment, Proposal, Support

pytestmark = pytest.mark.django_db


def _bulk(component, author, n, start=0, **extra):
    from django.utils import timezone

    now = timezone.now()
    return Proposal.objects.bulk_create([
        Proposal(component=component, author=author, title=f"Proposition {start + i}",
                 body=f"<p>Texte de la proposition {start + i}</p>", state="published",
                 published_at=now, support_count=(start + i) % 7,
                 comment_count=(start + i) % 5, **extra)
        for i in range(n)])


def _list_url(component, query=""):
    return f"/participer/{component.space.slug}/c/{component.pk}/{query}"


def test_list_queries_do_not_grow_with_the_data(component, citizen, make_user, area, theme,
                                                django_assert_num_queries):
    client = Client()
    client.force_login(citizen)
    _bulk(component, make_user(), 3, area=area, theme=theme)
    url = _list_url(component, "?sort=supported")
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    authors = [make_user() for _n in range(10)]
    for n, author in enumerate(authors):
        _bulk(component, author, 10, start=100 + 10 * n, area=area, theme=theme)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="badge"') >= 40  # a full page of 20


def test_detail_queries_do_not_grow_with_the_comments(component, citizen, make_user, publish,
                                                      django_assert_num_queries):
    proposal = publish(citizen)
    client = Client()
    client.force_login(citizen)
    url = f"/propositions/{component.pk}/{proposal.pk}/"
    services.add_comment(actor=citizen, proposal=proposal, body="Premier")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    people = [make_user() for _n in range(5)]
    roots = Comment.objects.bulk_create([
        Comment(proposal=proposal, author=people[n % 5], body=f"Avis {n}") for n in range(60)])
    Comment.objects.bulk_create([
        Comment(proposal=proposal, author=people[n % 5], body=f"Réponse {n}", parent=root,
                depth=1) for n, root in enumerate(roots)])
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="comment depth-1') == 60


def test_search_filters_and_sorts(component, citizen, make_user, area, theme):
    arbres = services.publish_proposal(actor=citizen, proposal=services.create_proposal(
        actor=citizen, component=component, title="Planter des érables",
        body="<p>Des arbres sur la place.</p>", area=area))
    kiosque = services.publish_proposal(actor=citizen, proposal=services.create_proposal(
        actor=citizen, component=component, title="Un kiosque à musique",
        body="<p>Pour les concerts du dimanche.</p>", theme=theme))
    services.support(actor=make_user(), proposal=kiosque)
    client = Client()

    def titles(query):
        page = client.get(_list_url(component, query)).content.decode()
        return [t for t in ("Planter des érables", "Un kiosque à musique") if t in page]

    assert titles("?q=érables") == ["Planter des érables"]
    assert titles("?q=kiosque+musique") == ["Un kiosque à musique"]
    assert titles(f"?area={area.pk}") == ["Planter des érables"]
    assert titles(f"?theme={theme.pk}") == ["Un kiosque à musique"]
    assert titles("?channel=phone") == []
    page = client.get(_list_url(component, "?sort=supported")).content.decode()
    assert page.index("Un kiosque") < page.index("Planter des")
    services.answer_proposal(actor=_evaluator(component), proposal=arbres, state="accepted",
                             publish=True)
    assert titles("?state=accepted") == ["Planter des érables"]
    assert titles("?state=not_answered") == ["Un kiosque à musique"]
    for bad in ("?page=999999", "?page=abc", "?sort=drop", "?theme=x", "?state=<b>"):
        assert client.get(_list_url(component, bad)).status_code == 200


def _evaluator(component):
    from parlons.platform.accounts.models import User
    from parlons.platform.spaces.models import SpaceRole

    user = User.objects.create_user(email="eval-list@example.org", password="x" * 12,
                                    display_name="Évaluation")
    SpaceRole.objects.create(space=component.space, user=user, role="evaluator")
    return user


def test_random_order_is_stable_for_one_visitor(component, make_user):
    _bulk(component, make_user(), 45)
    client = Client()
    url = _list_url(component, "?sort=random")

    def order(page):
        html = client.get(f"{url}&page={page}").content.decode()
        return [line.split('">')[1].split("<")[0] for line in html.split("<h2><a href=")[1:]]

    first = order(1) + order(2) + order(3)
    assert len(first) == len(set(first)) == 45  # three pages, no repeat, nothing missing
    assert first == order(1) + order(2) + order(3)
    assert first != sorted(first) and first != sorted(first, reverse=True)


def test_create_flow_shows_similar_proposals_then_publishes(component, citizen, publish):
    publish(citizen, title="Planter des arbres place du Marché",
            body="<p>Plus d'arbres et d'ombre.</p>")
    client = Client()
    client.force_login(citizen)
    response = client.post(f"/propositions/{component.pk}/nouvelle/", {
        "title": "Des arbres sur la place du marché", "body": "<p>De l'ombre avec des arbres</p>"})
    assert response.status_code == 302
    step = client.get(response["Location"]).content.decode()
    assert "Planter des arbres place du Marché" in step
    published = client.post(response["Location"])
    assert published.status_code == 302
    assert Proposal.objects.filter(state="published").count() == 2


def test_htmx_support_returns_the_fragment(component, citizen, publish, make_user):
    proposal = publish(make_user())
    client = Client()
    client.force_login(citizen)
    url = f"/propositions/{component.pk}/{proposal.pk}/soutien/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="support"' in response.content.decode() and "<html" not in response.content.decode()
    assert Support.objects.filter(proposal=proposal, user=citizen).exists()
    client.post(url)  # without JS: a redirect, and the support is withdrawn
    assert not Support.objects.filter(proposal=proposal, user=citizen).exists()


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Appareil espion"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_attachments_are_checked_from_content_and_cleaned(component, citizen, settings,
                                                         tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = services.create_proposal(actor=citizen, component=component, title="Avec photo",
                                     body="<p>Voici une photo de la place.</p>")
    data = _jpeg_with_gps()
    assert b"Appareil espion" in data
    photo = services.add_attachment(actor=citizen, proposal=draft,
                                    upload=SimpleUploadedFile("photo.pdf", data))
    assert photo.kind == "image" and photo.file.name.endswith(".jpg")
    stored = photo.file.read()
    assert b"Appareil espion" not in stored and b"Exif" not in stored
    assert Image.open(io.BytesIO(stored)).getexif() == {}
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    doc = services.add_attachment(actor=citizen, proposal=draft,
                                  upload=SimpleUploadedFile("plan.png", pdf))
    assert doc.kind == "pdf"
    from django.core.exceptions import ValidationError

    for name, content in [("virus.jpg", b"MZ\x90\x00 not an image"),
                          ("page.pdf", b"<html><script>alert(1)</script></html>"),
                          ("empty.png", b""),
                          ("cut.jpg", data[:200])]:
        with pytest.raises(ValidationError):
            services.add_attachment(actor=citizen, proposal=draft,
                                    upload=SimpleUploadedFile(name, content))
    services.add_attachment(actor=citizen, proposal=draft,
                            upload=SimpleUploadedFile("deux.pdf", pdf))
    with pytest.raises(ValidationError):  # 3 attachments at most by default
        services.add_attachment(actor=citizen, proposal=draft,
                                upload=SimpleUploadedFile("trois.pdf", pdf))
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024) + b"%%EOF")
    Attachment.objects.filter(proposal=draft).delete()
    with pytest.raises(ValidationError):
        services.add_attachment(actor=citizen, proposal=draft, upload=big)


def test_thread_page_order_states_names_and_my_votes(component, citizen, make_user, publish,
                                                     org_moderator):
    """The thread built from plain rows: depth-first order, deleted/hidden/pending comments in
    their place, a deleted account's name, and the visitor's own votes as pressed buttons."""
    import lxml.html
    from django.utils import timezone

    proposal = publish(make_user())
    gone, other = make_user(display_name="Dominique"), make_user(display_name="Sacha")
    first = services.add_comment(actor=gone, proposal=proposal, body="Premier\n\nSecond § <b>")
    second = services.add_comment(actor=other, proposal=proposal, body="Deuxième", alignment=-1)
    reply = services.add_comment(actor=citizen, proposal=proposal, body="Réponse", parent=first)
    hidden = services.add_comment(actor=other, proposal=proposal, body="Hors sujet")
    services.hide_comment(actor=org_moderator, comment=hidden, reason="Hors charte")
    deleted = services.add_comment(actor=citizen, proposal=proposal, body="Oups")
    services.delete_comment(actor=citizen, comment=deleted)
    pending = Comment.objects.create(proposal=proposal, author=other, body="En attente",
                                     is_approved=False)
    services.vote_comment(actor=citizen, comment=first, value=1)
    services.vote_comment(actor=citizen, comment=second, value=-1)
    type(gone).objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    def thread(person):
        client = Client()
        if person is not None:
            client.force_login(person)
        page = client.get(f"/propositions/{component.pk}/{proposal.pk}/").content.decode()
        return {int(li.get("id").split("-")[1]): li
                for li in lxml.html.fromstring(page).find_class("comment")}

    mine = thread(citizen)
    assert list(mine) == [first.pk, reply.pk, second.pk, hidden.pk, deleted.pk]
    assert "participant·e supprimé·e" in mine[first.pk].text_content()
    assert "Dominique" not in mine[first.pk].text_content()
    assert [p.text_content() for p in mine[first.pk].findall("p")[1:3]] == [
        "Premier", "Second § <b>"]
    assert "depth-1" in mine[reply.pk].get("class")
    pressed = {(b.get("value"), b.get("aria-pressed"))
               for li in (mine[first.pk], mine[second.pk]) for b in li.iter("button")
               if b.get("name") == "vote"}
    assert pressed == {(f"{first.pk}:up", "true"), (f"{first.pk}:down", "false"),
                       (f"{second.pk}:up", "false"), (f"{second.pk}:down", "true")}
    assert mine[hidden.pk].text_content() == "Commentaire masqué par la modération"
    assert mine[deleted.pk].text_content() == "Commentaire supprimé"
    assert pending.pk not in mine
    author_view = thread(other)
    assert "Hors charte" in author_view[hidden.pk].text_content()
    assert "en attente de modération" in author_view[pending.pk].text_content()
    assert not any(b.get("aria-pressed") == "true" for li in author_view.values()
                   for b in li.iter("button"))
    assert pending.pk not in thread(None)
    client = Client()
    client.force_login(citizen)
    page = client.get(f"/propositions/{component.pk}/{proposal.pk}/?reply={second.pk}")
    assert "Répondre à Sacha" in page.content.decode()
    assert f'name="parent" value="{second.pk}"' in page.content.decode()
