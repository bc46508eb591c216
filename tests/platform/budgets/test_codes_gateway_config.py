"""Without a configured SMS gateway (production's default), codes by SMS cannot be switched on,
and `check --deploy` warns when codes would only be written to the log."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from parlons.platform.budgets import checks, codes, sms

pytestmark = pytest.mark.django_db


def _accept_codes(pb):
    component = pb["component"]
    component.settings = {**component.settings, "voting_codes": True}
    component.save()
    return component


def test_sms_codes_need_a_gateway(pb, org_admin, set_phase, settings):
    set_phase(pb, "Dépôt")
    component = _accept_codes(pb)
    settings.PARLONS_SMS_BACKEND = "off"
    with pytest.raises(ValidationError, match="No SMS gateway"):
        codes.set_delivery(actor=org_admin, component=component, email=True, sms=True)
    component.refresh_from_db()
    assert not component.settings.get("code_email") and not component.settings.get("code_sms")
    codes.set_delivery(actor=org_admin, component=component, email=True, sms=False)
    component.refresh_from_db()
    assert component.settings["code_email"] and not component.settings.get("code_sms")
    with pytest.raises(sms.SmsError):
        sms.get_backend().send("+33612345678", "test")


def test_the_default_backend_is_off_in_production_and_console_in_development(settings,
                                                                               monkeypatch):
    monkeypatch.delenv("PARLONS_SMS_BACKEND", raising=False)
    if hasattr(settings, "PARLONS_SMS_BACKEND"):
        del settings.PARLONS_SMS_BACKEND
    settings.DEBUG = False
    assert (sms.backend_name(), sms.configured()) == ("off", False)
    settings.DEBUG = True
    assert (sms.backend_name(), sms.configured()) == ("console", True)


def test_deploy_check_warns_when_codes_would_only_be_logged(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.PARLONS_SMS_BACKEND = "console"
    assert {w.id for w in checks.codes_are_really_sent()} == {"parlons.W001", "parlons.W002"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.PARLONS_SMS_BACKEND = "off"
    assert checks.codes_are_really_sent() == []
    settings.PARLONS_SMS_BACKEND = "http"
    assert checks.codes_are_really_sent() == []


def test_the_code_pages_link_to_the_request_page_only_when_it_is_open(pb, set_phase):
    from django.test import Client

    component = _accept_codes(pb)
    base = f"/participer/{pb['space'].slug}/c/{component.pk}/"
    set_phase(pb, "Vote")
    visitor = Client()
    overview, code_page = visitor.get(base), visitor.get(base + "?v=code")
    assert overview.status_code == code_page.status_code == 200
    assert "?v=code" in overview.content.decode()
    assert "?v=get-code" not in overview.content.decode()
    assert "?v=get-code" not in code_page.content.decode()
    component.settings = {**component.settings, "code_email": True}
    component.save()
    assert "?v=get-code" in visitor.get(base).content.decode()
    assert "?v=get-code" in visitor.get(base + "?v=code").content.decode()
    assert visitor.get(base + "?v=get-code").status_code == 200


def test_old_code_requests_are_deleted_but_the_code_still_votes(
        coded_pb, settings, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from parlons.platform.budgets import census
    from parlons.platform.budgets.models import CodeDestination, CodeRequest

    component = coded_pb["component"]
    component.settings = {**component.settings, "voting_codes": True, "code_email": True}
    component.save()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        codes.request_code(component=component, destination="lea@example.org",
                           first_name="Léa", last_name="Martin",
                           birth_date=dt.date(1990, 3, 12))
    [message] = mail.outbox
    code = next(w for w in message.body.split() if w.count("-") == 3)
    assert CodeRequest.objects.get().status == "sent"
    settings.PARLONS_CODE_REQUESTS_KEPT_DAYS = 90
    assert codes.purge_old_requests() == 0  # recent: kept
    later = timezone.now() + dt.timedelta(days=91)
    assert codes.purge_old_requests(now=later) == 1
    assert not CodeRequest.objects.exists() and not CodeDestination.objects.exists()
    assert census.find_code(component, code) is not None  # the code itself still works


def test_the_manage_form_explains_that_no_gateway_is_configured(pb, org_admin, set_phase,
                                                                settings):
    from django.test import Client

    set_phase(pb, "Dépôt")
    settings.PARLONS_SMS_BACKEND = "off"
    admin = Client()
    admin.force_login(org_admin)
    url = f"/gestion/composants/{pb['component'].pk}/contenu/"
    response = admin.post(url, {"op": "rules", "eligibility": "area_and_city",
                                "minimum_age": 11, "voting_codes": "on", "code_sms": "on"},
                          follow=True)
    assert response.status_code == 200
    assert "Aucune passerelle SMS" in response.content.decode()
    pb["component"].refresh_from_db()
    settings_saved = pb["component"].settings
    assert not settings_saved.get("code_sms") and not settings_saved.get("voting_codes")
