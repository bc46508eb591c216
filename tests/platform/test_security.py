"""Security defaults: deploy checks, CSP, cookies, CSRF, migrations in sync."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parlons.cli", "manage", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_check_deploy_is_clean_in_a_production_like_environment(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "PARLONS_DEBUG", "PARLONS_SMS",
                                "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    env.update({"SECRET_KEY": "k8#Zq!v2pL0w9xY3rT6uE1iO4aS7dF5gH8jK2lM0nB3vC6xZ9qW",
                "EMAIL_HOST": "smtp.montreval.fr",
                "PARLONS_HTTPS": "1", "ALLOWED_HOSTS": "participer.montreval.fr",
                "REDIS_URL": "redis://127.0.0.1:6379/14", "PARLONS_VAR_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "parlons.platform.settings"})
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_csp_forbids_inline_scripts_and_styles(client, organisation):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    body = response.content.decode()
    assert "<script>" not in body and " style=" not in body
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_cookies_are_secure_over_https(settings, client, organisation, citizen):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.PARLONS_SIGNUP_MIN_SECONDS = 0
    page = client.get("/compte/connexion/", secure=True)
    assert page.cookies["csrftoken"]["secure"] and page.cookies["csrftoken"]["httponly"]
    response = client.post("/compte/connexion/", {"email": citizen.email,
                                                  "password": "motdepasse-solide-42"},
                           secure=True)
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_csrf_is_enforced_on_back_office_posts(org_admin, process):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    response = client.post(f"/gestion/espaces/{process.pk}/supprimer/", {"confirm": "yes"})
    assert response.status_code == 403
    assert type(process).objects.filter(pk=process.pk).exists()


def test_user_html_is_escaped_in_pages(client, organisation, process):
    process.title = '<img src=x onerror=alert(1)>Place'
    process.summary = '"><script>alert(2)</script>'
    process.save()
    body = client.get("/").content.decode()
    assert "<img src=x onerror" not in body and "<script>alert(2)" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;Place" in body


def test_rich_text_is_sanitised_again_on_output(client, organisation, process):
    type(process).objects.filter(pk=process.pk).update(
        description='<p>ok</p><script>alert(1)</script><iframe src="//evil"></iframe>')
    body = client.get(f"/participer/{process.slug}/").content.decode()
    assert "<p>ok</p>" in body and "alert(1)" not in body and "<iframe" not in body


def test_search_query_is_escaped(client, organisation, process):
    body = client.get("/recherche/", {"q": '"><svg onload=alert(1)>'}).content.decode()
    assert "<svg onload" not in body


def test_rate_limit_key_uses_the_proxy_address_only_when_trusted(settings, rf):
    from parlons.platform.common.network import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.PARLONS_TRUSTED_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.PARLONS_TRUSTED_PROXY = True
    assert client_ip(request) == "203.0.113.9"  # the client cannot spoof it with a fake first hop
