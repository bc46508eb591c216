"""The proposals component in a real browser (Chromium through Playwright), axe on every page:

- create a proposal with an image attachment, see the similar proposals before publishing,
  support it (htmx), comment, report it from three accounts and see it hidden — the author
  sees why;
- the same path with the keyboard only (Tab / Enter / typing), focus always visible;
- the XSS payloads of ``tests/platform/proposals/test_proposals_xss.py`` through titles,
  bodies, comments, display names, addresses, attachment titles, search and filters: the
  browser context bypasses the Content-Security-Policy, so only escaping and sanitising stand
  between a payload and its execution; no dialog opens, no payload script runs, no foreign
  element or event handler reaches the DOM and the layout holds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _server_side_payloads() -> list[str]:
    """The payload list of the server-side XSS test (one list for both tests)."""
    path = Path(__file__).resolve().parents[1] / "platform" / "proposals" / "test_proposals_xss.py"
    spec = importlib.util.spec_from_file_location("proposals_xss_payloads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PAYLOADS


PAYLOADS = _server_side_payloads()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def local_tiles(settings):
    """Map tiles from the test server itself: no network in the tests."""
    settings.PARLONS_MAP_TILES_URL = "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"


@pytest.fixture
def component(organisation):
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    today = timezone.localdate()
    space = Space.objects.create(organisation=organisation, title="Place du Marché",
                                 slug="place-du-marche", is_published=True)
    phase = Phase.objects.create(space=space, title="Contributions", start_date=today,
                                 end_date=today + dt.timedelta(20))
    comp = Component.objects.create(space=space, kind="proposals", title="Vos idées",
                                    is_published=True)
    ComponentStep.objects.create(component=comp, phase=phase,
                                 actions=["create", "comment", "support"])
    return comp


@pytest.fixture
def existing(component, make_user):
    """A published proposal that looks like the one the tests write."""
    from parlons.platform.proposals import services

    author = make_user("voisin@example.org", display_name="Voisin")
    proposal = services.create_proposal(
        actor=author, component=component, title="Planter des arbres sur la place du Marché",
        body="<p>Des platanes et des tilleuls pour avoir de l'ombre sur la place en été.</p>")
    return services.publish_proposal(actor=author, proposal=proposal)


@pytest.fixture
def login(page, live_server):
    """Put a signed-in session of ``user`` (or none) into the browser."""
    from django.conf import settings
    from django.test import Client

    def as_user(user) -> None:
        page.context.clear_cookies()
        if user is None:
            return
        client = Client()
        client.force_login(user)
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                   "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                   "url": live_server.url}])

    return as_user


def _name(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


def test_create_similar_support_comment_report_hide(page, visit, login, check_accessibility,
                                                    live_server, component, existing, citizen,
                                                    make_user):
    from parlons.platform.proposals.models import Attachment, Comment, Proposal, Support

    author = make_user("autrice@example.org", display_name="Autrice")
    login(author)
    visit(f"/participer/{component.space.slug}/c/{component.pk}/")
    page.get_by_role("link", name=_name("^(Faire une proposition|Make a proposal)$")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_label(_name("^(Titre|Title)")).fill("Des arbres place du Marché")
    page.get_by_label(_name("^Description")).fill(
        "Planter des arbres sur la place du Marché pour l'ombre en été.")
    page.get_by_label(_name("^(Adresse|Address)")).fill("Place du Marché, Montreval")
    page.get_by_label(_name("^(Pièce jointe|Attachment)")).set_input_files(
        {"name": "plan.png", "mimeType": "image/png", "buffer": _png()})
    page.get_by_role("button", name=_name("^(Continuer|Continue)$")).click()
    page.wait_for_load_state()

    # the "before you publish" step lists the similar proposal
    check_accessibility(page)
    assert re.search(r"/publier/$", page.url)
    similar = page.locator(".proposal-list a")
    assert similar.count() >= 1
    assert similar.first.inner_text() == existing.title
    page.get_by_role("button", name=_name("^(Publier ma proposition|Publish my proposal)$")
                     ).click()
    page.wait_for_load_state()
    check_accessibility(page)
    proposal = Proposal.objects.get(title="Des arbres place du Marché")
    assert proposal.state == Proposal.State.PUBLISHED
    attachment = Attachment.objects.get(proposal=proposal)
    assert attachment.kind == "image"
    link = page.locator(f'a[href="{attachment.file.url}"]')
    assert link.count() == 1
    image = page.request.get(live_server.url + link.get_attribute("href"))
    assert image.status == 200 and image.body()[:8] == b"\x89PNG\r\n\x1a\n"

    # another person supports (htmx swap) and comments
    login(citizen)
    visit(f"/propositions/{component.pk}/{proposal.pk}/")
    page.get_by_role("button", name=_name("^(Soutenir|Support)$")).click()
    page.get_by_role("button", name=_name("^(Retirer mon soutien|Withdraw my support)$")
                     ).wait_for()
    assert "1 soutien" in page.locator("#support").inner_text()
    assert Support.objects.filter(proposal=proposal, user=citizen).count() == 1
    page.get_by_label(_name("^(Votre commentaire|Your comment)")).fill(
        "Oui, et des bancs à l'ombre des arbres.")
    page.get_by_label(_name("^(Votre position|Your position)")).select_option("1")
    page.get_by_role("button", name=_name("^(Publier mon commentaire|Publish my comment)$")
                     ).click()
    page.wait_for_load_state()
    check_accessibility(page)
    comment = Comment.objects.get(proposal=proposal)
    assert page.locator(f"#comment-{comment.pk}").inner_text().count(
        "Oui, et des bancs à l'ombre des arbres.") == 1

    # three reports from three accounts hide it
    reporters = [make_user(f"signale{i}@example.org") for i in range(3)]
    for number, reporter in enumerate(reporters, start=1):
        login(reporter)
        visit(f"/propositions/{component.pk}/{proposal.pk}/")
        page.get_by_role("link", name=_name("^(Signaler|Report)$")).first.click()
        page.wait_for_load_state()
        check_accessibility(page)
        page.get_by_label(_name("^(Motif|Reason)")).select_option("spam")
        page.get_by_role("button", name=_name("^(Envoyer le signalement|Send the report)$")
                         ).click()
        page.wait_for_load_state()
        assert page.locator(".messages").count() == 1, number
        proposal.refresh_from_db()
        assert proposal.state == (Proposal.State.HIDDEN if number == 3
                                  else Proposal.State.PUBLISHED)
    # the third reporter lands on the list (not on a 404), where the proposal is gone
    assert page.url.endswith(f"/c/{component.pk}/")
    check_accessibility(page)
    assert page.get_by_role("link", name="Des arbres place du Marché").count() == 0
    login(None)
    gone = page.goto(f"{live_server.url}/propositions/{component.pk}/{proposal.pk}/")
    assert gone is not None and gone.status == 404

    # the author still sees it, with the reason, and was notified
    login(author)
    visit(f"/propositions/{component.pk}/{proposal.pk}/")
    notice = page.locator(".notice[role=note]").inner_text()
    assert "3" in notice and ("masquée" in notice.lower() or "hidden" in notice.lower())
    visit("/propositions/notifications/")
    assert page.get_by_text(re.compile("Des arbres place du Marché")).count() >= 1


def _tab_to(page, pattern: str, limit: int = 150) -> dict:
    """Press Tab until the focused element's name (text, value or label) matches ``pattern``;
    the focus must be visible (outline of ``:focus-visible``) on the element reached."""
    regex = re.compile(pattern, re.I)
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
            const e = document.activeElement;
            const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
            return {name: (label || e.innerText || e.value || '').trim(), tag: e.tagName,
                    outline: getComputedStyle(e).outlineStyle,
                    visible: e.matches(':focus-visible')};
        }""")
        if regex.search(info["name"]):
            assert info["visible"] and info["outline"] != "none", info
            return info
    raise AssertionError(f"no focusable element named {pattern!r} on {page.url}")


def test_keyboard_only_path(page, visit, login, component, existing, citizen):
    from parlons.platform.proposals.models import Comment, Proposal, Support

    login(citizen)
    visit(f"/participer/{component.space.slug}/c/{component.pk}/")
    _tab_to(page, "^(Faire une proposition|Make a proposal)$")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/nouvelle/$"))
    _tab_to(page, "^(Titre|Title)")
    page.keyboard.type("Un marché couvert le samedi")
    _tab_to(page, "^Description")
    page.keyboard.type("Couvrir une partie de la place pour le marché du samedi quand il pleut.")
    _tab_to(page, "^(Continuer|Continue)$")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/publier/$"))
    _tab_to(page, "^(Publier ma proposition|Publish my proposal)$")
    page.keyboard.press("Enter")
    proposal = Proposal.objects.get(title="Un marché couvert le samedi")
    page.wait_for_url(re.compile(rf"/propositions/{component.pk}/{proposal.pk}/$"))

    # support the other proposal from its page, then comment on it
    visit(f"/propositions/{component.pk}/{existing.pk}/")
    _tab_to(page, "^(Soutenir|Support)$")
    page.keyboard.press("Enter")
    page.get_by_role("button", name=_name("^(Retirer mon soutien|Withdraw my support)$")
                     ).wait_for()
    assert Support.objects.filter(proposal=existing, user=citizen).exists()
    _tab_to(page, "^(Votre commentaire|Your comment)")
    page.keyboard.type("Je soutiens, surtout pour l'été.")
    _tab_to(page, "^(Votre position|Your position)")
    page.keyboard.press("ArrowDown")  # neutral -> for
    _tab_to(page, "^(Publier mon commentaire|Publish my comment)$")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    comment = Comment.objects.get(proposal=existing, author=citizen)
    assert comment.body == "Je soutiens, surtout pour l'été."
    assert comment.alignment == 1
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PUBLISHED


# ----------------------------------------------------------------------------- XSS

CHECK_DOM = """() => {
  const bad = [];
  const foreign = ['iframe', 'object', 'embed', 'svg', 'math', 'base', 'marquee', 'video',
                   'style', 'frame', 'applet'];
  for (const tag of foreign) {
    if (document.querySelector(tag)) bad.push('element ' + tag);
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) bad.push(el.tagName + ' ' + name);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name)
          && /^\\s*(javascript|data:text\\/html|vbscript):/i.test(attr.value.replace(/\\s/g, ''))) {
        bad.push(el.tagName + ' ' + name + '=' + attr.value);
      }
      if (name.startsWith('hx-') && !['hx-post', 'hx-target', 'hx-swap'].includes(name)) {
        bad.push(el.tagName + ' ' + name);
      }
    }
  }
  for (const script of document.scripts) {
    const src = script.getAttribute('src') || '';
    const ok = src.startsWith('/static/') || script.type === 'application/json';
    if (!ok) bad.push('script ' + (src || script.textContent.slice(0, 40)));
  }
  if (document.querySelector('meta[http-equiv]')) bad.push('meta http-equiv');
  if (document.querySelectorAll('main h1').length !== 1) bad.push('h1 count');
  if (!document.querySelector('footer.site-footer .footer-links')) bad.push('footer lost');
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    bad.push('horizontal overflow ' + document.documentElement.scrollWidth);
  }
  return bad;
}"""

TRAP = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = function () { window.__xss.push(name + ':' + Array.from(arguments).join(',')); };
}
"""


def test_xss_payloads_never_execute(page, live_server, login, check_accessibility, component,
                                    make_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parlons.platform.proposals import services
    from parlons.platform.proposals.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    fired: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    page.context.add_init_script(TRAP)

    author = make_user("xss@example.org", display_name=PAYLOADS[1][:60])
    commenters = [make_user(display_name=PAYLOADS[(i * 7) % len(PAYLOADS)][:60])
                  for i in range(15)]
    target = services.create_proposal(
        actor=author, component=component, title="Tous les pièges " + PAYLOADS[0][:120],
        body="<p>Une proposition qui contient tout.</p>" + "".join(PAYLOADS),
        address=PAYLOADS[2][:250], latitude="48.8566", longitude="2.3522")
    services.publish_proposal(actor=author, proposal=target)
    pdf = b"%PDF-1.4\n%%EOF\n"
    for n in range(3):
        Attachment.objects.create(proposal=target, kind="pdf", title=PAYLOADS[n * 33][:150],
                                  size=len(pdf), file=SimpleUploadedFile("a.pdf", pdf))
    for n, payload in enumerate(PAYLOADS):
        services.add_comment(actor=commenters[n % len(commenters)], proposal=target,
                             body=f"Avis {n} {payload}", alignment=(n % 3) - 1)
        titled = services.create_proposal(actor=author, component=component,
                                          title=f"Idée {n} {payload}"[:150],
                                          body=f"<p>Texte de l'idée {n}.</p>{payload}",
                                          address=payload[:250])
        services.publish_proposal(actor=author, proposal=titled)
    draft = services.create_proposal(actor=author, component=component,
                                     title="Idée 5 " + PAYLOADS[5][:100],
                                     body="<p>Texte de l'idée 5, presque pareil.</p>")

    base = f"/participer/{component.space.slug}/c/{component.pk}/"
    paths = [f"/propositions/{component.pk}/{target.pk}/",
             f"/propositions/{component.pk}/{draft.pk}/publier/"]
    paths += [f"{base}?page={n}" for n in range(1, 7)]
    titled_ids = list(component.proposals.filter(title__startswith="Idée ")
                      .exclude(pk=draft.pk).order_by("pk").values_list("pk", flat=True))
    paths += [f"/propositions/{component.pk}/{pk}/" for pk in titled_ids[::12]]
    for n, payload in enumerate(PAYLOADS[::9]):
        name = ("q", "sort", "state", "channel", "theme", "area", "page")[n % 7]
        paths.append(f"{base}?{urlencode({name: payload, 'q': payload[:40]})}")

    login(author)
    checked_comments = False
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        problems = page.evaluate(CHECK_DOM)
        assert problems == [], (path, problems)
        assert page.evaluate("window.__xss") == [], path
        if path == paths[0]:
            # the trap itself works: a call to alert() is recorded
            page.evaluate("alert('probe')")
            assert page.evaluate("window.__xss") == ["alert:probe"]
            page.evaluate("window.__xss = []")
            assert page.locator("li.comment").count() == len(PAYLOADS)
            assert page.locator('a[href^="/media/"]').count() == 3
            # the payloads are shown as text, exactly as typed
            assert PAYLOADS[0] in page.locator("#comments").inner_text()
            check_accessibility(page)
            checked_comments = True
    assert checked_comments
    assert fired == []


# ----------------------------------------------------------------------------- map, comment edit


def test_map_point_input_and_map_page(page, browser, visit, login, check_accessibility,
                                      live_server, component, existing, citizen):
    from parlons.platform.proposals.models import Proposal

    Proposal.objects.filter(pk=existing.pk).update(latitude="45.764043", longitude="4.835659",
                                                   address="Place du Marché")
    login(citizen)
    visit(f"/propositions/{component.pk}/nouvelle/")
    holder = page.locator("#point-map")
    holder.wait_for(state="visible")
    page.locator("#point-map .leaflet-tile-loaded").first.wait_for()
    latitude = page.get_by_label(_name("^Latitude"))
    longitude = page.get_by_label(_name("^Longitude"))
    assert latitude.input_value() == longitude.input_value() == ""
    holder.click(position={"x": 120, "y": 90})
    lat, lon = float(latitude.input_value()), float(longitude.input_value())
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    assert re.fullmatch(r"-?\d+\.\d{6}", latitude.input_value())
    assert page.locator("#point-map .leaflet-marker-icon").count() == 1
    check_accessibility(page)
    page.get_by_label(_name("^(Titre|Title)")).fill("Un kiosque à musique")
    page.get_by_label(_name("^Description")).fill("Un kiosque pour les concerts de l'été.")
    page.get_by_role("button", name=_name("^(Continuer|Continue)$")).click()
    page.get_by_role("button", name=_name("^(Publier ma proposition|Publish my proposal)$")
                     ).click()
    page.wait_for_load_state()
    made = Proposal.objects.get(title="Un kiosque à musique")
    assert (float(made.latitude), float(made.longitude)) == (lat, lon)

    visit(f"/propositions/{component.pk}/carte/")
    page.locator("#proposals-map .leaflet-marker-icon").first.wait_for()
    assert page.locator("#proposals-map .leaflet-marker-icon").count() == 2
    check_accessibility(page)
    page.get_by_role("button", name=existing.title).click()
    popup = page.locator(".leaflet-popup-content a")
    popup.wait_for()
    assert popup.inner_text() == existing.title
    assert popup.get_attribute("href") == f"/propositions/{component.pk}/{existing.pk}/"

    # without JavaScript: no map, the list of places with their addresses
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        plain = context.new_page()
        plain.goto(f"{live_server.url}/propositions/{component.pk}/carte/")
        assert not plain.locator("#proposals-map").is_visible()
        item = plain.locator(f"#place-{existing.pk}")
        assert "Place du Marché" in item.inner_text() and "45.764043" in item.inner_text()
        assert plain.locator("li[id^=place-]").count() == 2
    finally:
        context.close()


def test_comment_edit_page(page, visit, login, check_accessibility, component, existing,
                           citizen):
    from parlons.platform.proposals import services

    comment = services.add_comment(actor=citizen, proposal=existing, body="Premier jet")
    login(citizen)
    visit(f"/propositions/{component.pk}/{existing.pk}/")
    page.locator(f"#comment-{comment.pk}").get_by_role(
        "link", name=_name("^(Modifier|Edit)$")).click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_label(_name("^(Votre commentaire|Your comment)")).fill("Version relue")
    page.get_by_role("button", name=_name("^(Enregistrer mon commentaire|Save my comment)$")
                     ).click()
    page.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    check_accessibility(page)
    text = page.locator(f"#comment-{comment.pk}").inner_text()
    assert "Version relue" in text and "modifié" in text
