"""XSS: at least 100 classic payloads through every user text field of the module (title, body,
comment, display name, file name, search query, filters); the pages must contain no script,
no event handler, no javascript: URL and no foreign element coming from the payloads."""

from __future__ import annotations

import itertools

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parlons.platform.proposals import services
from parlons.platform.proposals.models import Attachment, Proposal

pytestmark = pytest.mark.django_db

CORES = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>", "<a href=\"javascript:alert(1)\">x</a>",
    "<body onload=alert(1)>", "<details open ontoggle=alert(1)>", "<math><mi xlink:href=x>",
    "<object data=javascript:alert(1)>", "<embed src=javascript:alert(1)>",
    "<input autofocus onfocus=alert(1)>", "<style>*{display:none}</style>",
    "<marquee onstart=alert(1)>", "<video><source onerror=alert(1)>",
    "<form action=javascript:alert(1)><button>x", "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">", "<scr<script>ipt>alert(1)</script>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
]
WRAPPERS = ["{}", "\"'>{}", "</textarea>{}", "--></script>{}", "{}<!--"]
PAYLOADS = [w.format(c) for c, w in itertools.product(CORES, WRAPPERS)]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "style", "content", "srcset"}
SITE_SCRIPTS = {"/static/vendor/htmx/htmx.min.js", "/static/parlons/parlons.js"}
FOREIGN_TAGS = {"iframe", "object", "embed", "svg", "math", "base", "marquee", "video",
                "style", "body"}  # <details> is ours (replies); its attributes are checked


def _assert_safe(html: str, where: str) -> None:
    tree = lxml.html.document_fromstring(html)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "script":
            assert any(element.get("src", "").startswith(s) for s in SITE_SCRIPTS), where
        if tag == "meta":
            assert element.get("http-equiv") is None, where
        if tag == "body":
            assert not element.attrib, where
            continue
        assert tag not in FOREIGN_TAGS, f"{where}: <{tag}>"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: {name}"
            if name.lower() in URL_ATTRIBUTES:
                assert "javascript:" not in value.replace(" ", "").lower(), f"{where}: {value}"


def test_at_least_100_payloads():
    assert len(set(PAYLOADS)) >= 100


def test_payloads_in_every_field(component, citizen, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = b"%PDF-1.4\n%%EOF\n"
    client = Client()
    client.force_login(citizen)
    commenter = make_user()
    for n, payload in enumerate(PAYLOADS):
        commenter.display_name = payload[:60]
        commenter.save()
        proposal = services.create_proposal(actor=citizen, component=component,
                                            title=f"Idée {n} {payload}"[:150],
                                            body=f"<p>Texte assez long {n}</p>{payload}",
                                            address=payload)
        services.publish_proposal(actor=citizen, proposal=proposal)
        if n % 10 == 0:
            Attachment.objects.create(proposal=proposal, kind="pdf", title=payload[:150],
                                      size=len(pdf),
                                      file=SimpleUploadedFile("a.pdf", pdf))
        services.add_comment(actor=commenter, proposal=proposal, body=f"Avis {payload}")
        if n % 5 == 0:  # the detail page of a fifth of them (time)
            page = client.get(f"/propositions/{component.pk}/{proposal.pk}/")
            assert page.status_code == 200
            _assert_safe(page.content.decode(), f"detail {payload}")
    assert Proposal.objects.count() == len(PAYLOADS)
    base = f"/participer/{component.space.slug}/c/{component.pk}/"
    params = ("q", "sort", "state", "channel", "theme", "page")
    for n, payload in enumerate(PAYLOADS):  # every payload once, each parameter in turn
        param = params[n % len(params)]
        response = client.get(base, {param: payload, "q": payload} if n % 3 == 0
                              else {param: payload})
        assert response.status_code == 200
        _assert_safe(response.content.decode(), f"list {param}={payload}")
    _assert_safe(client.get(base, {"page": "2"}).content.decode(), "list page 2")
