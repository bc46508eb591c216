"""Map of proposals: the page lists the places (works without JavaScript), the map data is
escaped JSON, the point of the form is validated, the tile server is allowed by the CSP."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parlons.platform.proposals import services
from parlons.platform.proposals.models import Proposal

pytestmark = pytest.mark.django_db


def _map_url(component) -> str:
    return f"/propositions/{component.pk}/carte/"


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _points(html: str) -> list[dict]:
    tree = lxml.html.document_fromstring(html)
    scripts = tree.xpath('//script[@id="map-points"]')
    return json.loads(scripts[0].text) if scripts else []


@pytest.fixture
def places(component, citizen, publish, theme, org_moderator):
    made = {
        "fontaine": publish(citizen, title="Une fontaine place du Marché", address="Place du "
                            "Marché", latitude=Decimal("45.764043"), longitude=Decimal("4.835659"),
                            theme=theme),
        "bancs": publish(citizen, title="Des bancs rue Haute", address="12 rue Haute",
                         latitude=Decimal("45.7651"), longitude=Decimal("4.8372")),
        "sans": publish(citizen, title="Une idée sans lieu précis"),
        "masquee": publish(citizen, title="Une idée masquée", latitude=Decimal("45.7"),
                           longitude=Decimal("4.8")),
    }
    services.hide_proposal(actor=org_moderator, proposal=made["masquee"], reason="Hors sujet")
    made["brouillon"] = services.create_proposal(
        actor=citizen, component=component, title="Un brouillon situé",
        body="<p>Pas encore publié, mais situé.</p>", latitude=Decimal("45.71"),
        longitude=Decimal("4.81"))
    return made


def test_the_page_lists_the_places_without_javascript(component, places):
    response = _client().get(_map_url(component))
    assert response.status_code == 200
    html = response.content.decode()
    tree = lxml.html.document_fromstring(html)
    items = tree.xpath('//ul[@class="proposal-list"]/li')
    titles = sorted(li.xpath("a")[0].text for li in items)
    assert titles == ["Des bancs rue Haute", "Une fontaine place du Marché"]
    fontaine = tree.xpath(f'//li[@id="place-{places["fontaine"].pk}"]')[0].text_content()
    assert "Place du Marché" in fontaine and "45.764043" in fontaine and "4.835659" in fontaine
    # the map itself is hidden until the script shows it
    assert tree.xpath('//div[@id="proposals-map"]')[0].get("hidden") is not None
    assert sorted(p["title"] for p in _points(html)) == titles
    assert {p["id"]: (p["lat"], p["lon"]) for p in _points(html)}[places["bancs"].pk] == (
        45.7651, 4.8372)


def test_filters_of_the_list_apply(component, places, theme):
    html = _client().get(_map_url(component), {"theme": theme.pk}).content.decode()
    assert [p["title"] for p in _points(html)] == ["Une fontaine place du Marché"]
    list_page = _client().get(f"/participer/{component.space.slug}/c/{component.pk}/",
                              {"theme": theme.pk}).content.decode()
    assert f'href="{_map_url(component)}?theme={theme.pk}"' in list_page


def test_map_data_is_escaped(component, citizen, publish):
    title = '</script><script>alert(1)</script>"'
    publish(citizen, title=title, address="<img src=x onerror=alert(1)>",
            latitude=Decimal("1"), longitude=Decimal("2"))
    html = _client().get(_map_url(component)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert [p["title"] for p in _points(html)] == [title]


def test_without_tile_server_only_the_list(component, places, settings):
    settings.PARLONS_MAP_TILES_URL = ""
    html = _client().get(_map_url(component)).content.decode()
    assert 'id="proposals-map"' not in html and "leaflet.js" not in html
    assert html.count('id="place-') == 2
    form = _client(places["fontaine"].author).get(f"/propositions/{component.pk}/nouvelle/")
    assert 'id="point-map"' not in form.content.decode()


def test_access_like_the_list(component, places, other_org_admin):
    assert _client(other_org_admin).get(_map_url(component),
                                        HTTP_HOST="val.testserver").status_code == 404
    component.is_published = False
    component.save()
    assert _client().get(_map_url(component)).status_code == 404


def test_constant_queries(component, citizen, publish, django_assert_num_queries):
    publish(citizen, title="Un premier lieu", latitude=Decimal("45"), longitude=Decimal("4"))
    client = _client()
    client.get(_map_url(component))  # warm the per-process caches (organisation, session)
    with CaptureQueriesContext(connection) as small:
        assert client.get(_map_url(component)).status_code == 200
    for n in range(12):
        publish(citizen, title=f"Un lieu numéro {n}", latitude=Decimal("45") + n,
                longitude=Decimal("4"))
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(_points(client.get(_map_url(component)).content.decode())) == 13


def test_csp_allows_the_tile_server(component, settings):
    response = _client().get(_map_url(component))
    policy = response["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    tiles = urlsplit(settings.PARLONS_MAP_TILES_URL)
    if tiles.netloc:
        assert f"{tiles.scheme}://{tiles.netloc}" in img_src
    assert "script-src 'self'" in policy


def _create(client, component, **point):
    data = {"title": "Un arbre devant l'école", "body": "Planter un tilleul devant l'école.",
            **point}
    return client.post(f"/propositions/{component.pk}/nouvelle/", data)


@pytest.mark.parametrize(("latitude", "longitude", "stored"), [
    ("45,764043", "4,835659", ("45.764043", "4.835659")),  # French decimal comma
    (" 45.76404349 ", "4.8356591", ("45.764043", "4.835659")),  # rounded to 6 places
    ("-90", "180", ("-90.000000", "180.000000")),
    ("", "", None),
])
def test_form_accepts_points(component, citizen, latitude, longitude, stored):
    response = _create(_client(citizen), component, latitude=latitude, longitude=longitude)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    got = None if proposal.latitude is None else (str(proposal.latitude),
                                                  str(proposal.longitude))
    assert got == stored


@pytest.mark.parametrize(("latitude", "longitude", "message"), [
    ("91", "2", "entre -90 et 90"),
    ("45", "-180.5", "entre -180 et 180"),
    ("abc", "2", "entre -90 et 90"),
    ("NaN", "2", "entre -90 et 90"),
    ("45", "Infinity", "entre -180 et 180"),
    ("1e3", "2", "entre -90 et 90"),
    ("45.7", "", "la latitude et la longitude, ou aucune des deux"),
])
def test_form_refuses_bad_points(component, citizen, latitude, longitude, message):
    response = _create(_client(citizen), component, latitude=latitude, longitude=longitude)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Proposal.objects.exists()


def test_form_shows_the_map_for_javascript(component, citizen):
    html = _client(citizen).get(f"/propositions/{component.pk}/nouvelle/").content.decode()
    tree = lxml.html.document_fromstring(html)
    holder = tree.xpath('//div[@id="point-map"]')[0]
    assert holder.get("hidden") is not None  # shown by map.js only
    assert holder.getparent().tag == "form"
    for name in ("latitude", "longitude"):
        field = tree.xpath(f'//input[@name="{name}"]')[0]
        assert field.get("inputmode") == "decimal"
        assert tree.xpath(f'//label[@for="{field.get("id")}"]')
