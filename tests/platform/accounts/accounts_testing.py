"""Helpers of the accounts tests (imported by name: the folder is on sys.path)."""

from __future__ import annotations

import re

PASSWORD = "un-mot-de-passe-solide-2024"


def signup_data(**overrides) -> dict:
    from parlons.platform.accounts.tokens import make_time_trap

    data = {"email": "nouvelle@example.org", "password": PASSWORD, "display_name": "",
            "language": "en", "website": "", "form_token": make_time_trap()}
    data.update(overrides)
    return data


def link_in(body: str) -> str:
    """The path of the first link of an e-mail body."""
    match = re.search(r"https?://[^/\s]+(/\S*)", body)
    assert match, body
    return match.group(1)


def page_text(response) -> str:
    """The HTML of a response without its per-request CSRF tokens (masked differently each time)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
