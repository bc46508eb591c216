"""Panels that modules add to the page of a process, through the spaces registry."""

from __future__ import annotations

import pytest
from django.test import Client

from parlons.platform.spaces import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates(settings, tmp_path):
    """Two tiny panel templates in a temporary template folder."""
    (tmp_path / "first.html").write_text('<p class="test-panel">first {{ space.slug }}</p>')
    (tmp_path / "second.html").write_text(
        '<p class="test-panel">second {{ word }}{% if user.is_authenticated %} signed-in'
        '{% endif %}</p>')
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine.get("DIRS", [])]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    return tmp_path


@pytest.fixture
def register():
    keys = []

    def add(panel: registry.SpacePanel) -> registry.SpacePanel:
        keys.append(panel.key)
        return registry.register_panel(panel)

    yield add
    for key in keys:
        registry.unregister_panel(key)


def _panels(page: str) -> list[str]:
    import lxml.html

    return [p.text_content() for p in lxml.html.fromstring(page).find_class("test-panel")]


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def test_panels_are_rendered_in_order_with_their_context(templates, register, process, citizen):
    register(registry.SpacePanel(
        key="test.second", order=20,
        content=lambda request, space: registry.PanelContent("second.html", {"word": "hello"})))
    register(registry.SpacePanel(
        key="test.first", order=5,
        content=lambda request, space: registry.PanelContent("first.html")))
    page = _client(citizen).get(f"/participer/{process.slug}/").content.decode()
    assert _panels(page) == [f"first {process.slug}", "second hello signed-in"]
    assert _panels(_client().get(f"/participer/{process.slug}/").content.decode()) == [
        f"first {process.slug}", "second hello"]


def test_a_panel_is_left_out_when_refused_or_empty(templates, register, process, citizen,
                                                   process_admin):
    register(registry.SpacePanel(
        key="test.admins", is_allowed=lambda user, space: user == process_admin,
        content=lambda request, space: registry.PanelContent("first.html")))
    register(registry.SpacePanel(key="test.empty", content=lambda request, space: None))
    url = f"/participer/{process.slug}/"
    assert _panels(_client(citizen).get(url).content.decode()) == []
    assert _panels(_client(process_admin).get(url).content.decode()) == [f"first {process.slug}"]


def test_panels_never_show_a_space_the_visitor_cannot_see(templates, register, process, citizen,
                                                          process_admin, rf):
    calls = []

    def content(request, space):
        calls.append(request.user)
        return registry.PanelContent("first.html")

    register(registry.SpacePanel(key="test.calls", content=content))
    process.visibility = "private"
    process.save()
    request = rf.get("/")
    request.user = citizen
    assert registry.render_panels(request, process) == []
    assert calls == []  # the panel's callable was not even asked
    request.user = process_admin
    assert f"first {process.slug}" in "".join(registry.render_panels(request, process))
    assert calls == [process_admin]


def test_a_key_is_registered_once(register):
    panel = register(registry.SpacePanel(key="test.once",
                                         content=lambda request, space: None))
    assert registry.register_panel(panel) is panel  # the same panel again is harmless
    with pytest.raises(ValueError, match="test.once"):
        registry.register_panel(registry.SpacePanel(key="test.once", order=1,
                                                    content=lambda request, space: None))
    assert [p.key for p in registry.panels()].count("test.once") == 1
