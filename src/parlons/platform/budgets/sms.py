"""SMS gateway interface: one small protocol, two backends chosen by ``PARLONS_SMS_BACKEND``.

- ``off`` (the default unless ``PARLONS_DEBUG``): no gateway, codes by SMS cannot be switched on;
- ``console`` (the default with ``PARLONS_DEBUG``, development and tests): the message is written
  to the log, nothing is sent (``check --deploy`` warns about it);
- ``http``: ``POST PARLONS_SMS_URL`` with the JSON body
  ``{"to": "+33612345678", "text": "...", "sender": "MONTREVAL"}`` (``sender`` only when
  ``PARLONS_SMS_SENDER`` is set), the header ``Authorization: Bearer PARLONS_SMS_TOKEN``, a
  timeout of ``PARLONS_SMS_TIMEOUT`` seconds (10); any answer other than 2xx, a timeout or a
  network error raises :class:`SmsError`. Most commercial gateways accept such a request
  directly or through a tiny relay.

Settings are read from Django's settings, else from the environment of the same name.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not accept the message (the text is never part of the error)."""


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> None:
        """Send ``text`` to ``to`` (E.164, e.g. +33612345678) or raise SmsError."""


def setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


class ConsoleSmsBackend:
    """Development: logs the message instead of sending it (never use it in production)."""

    def send(self, to: str, text: str) -> None:
        logger.warning("SMS to %s: %s", to, text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx is an error, never followed
        return None


class HttpSmsBackend:
    """POSTs a JSON body to the gateway with a bearer token; error on anything but 2xx."""

    def __init__(self, url: str, token: str = "", timeout: float = 10.0, sender: str = ""):
        if not url.startswith(("https://", "http://")):
            raise SmsError("PARLONS_SMS_URL must be an http(s) URL")
        self.url, self.token, self.timeout, self.sender = url, token, timeout, sender

    def send(self, to: str, text: str) -> None:
        body = {"to": to, "text": text}
        if self.sender:
            body["sender"] = self.sender
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     **({"Authorization": f"Bearer {self.token}"} if self.token else {})})
        try:
            opener = urllib.request.build_opener(_NoRedirect)
            with opener.open(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"the SMS gateway answered {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            raise SmsError(f"the SMS gateway cannot be reached: {type(error).__name__}") \
                from None
        if not 200 <= status < 300:
            raise SmsError(f"the SMS gateway answered {status}")


def backend_name() -> str:
    """``off``, ``console`` or ``http`` (see the module's docstring)."""
    default = "console" if settings.DEBUG else "off"
    return setting("PARLONS_SMS_BACKEND", default).strip().lower() or default


def configured() -> bool:
    """Whether SMS can be sent at all on this server."""
    return backend_name() != "off"


def get_backend() -> SmsBackend:
    """The backend named by ``PARLONS_SMS_BACKEND`` (``console`` or ``http``)."""
    name = backend_name()
    if name == "off":
        raise SmsError("no SMS gateway is configured (PARLONS_SMS_BACKEND=off)")
    if name == "console":
        return ConsoleSmsBackend()
    if name == "http":
        try:
            timeout = float(setting("PARLONS_SMS_TIMEOUT", "10"))
        except ValueError:
            timeout = 10.0
        return HttpSmsBackend(setting("PARLONS_SMS_URL"), setting("PARLONS_SMS_TOKEN"),
                              timeout, setting("PARLONS_SMS_SENDER"))
    raise SmsError(f"unknown PARLONS_SMS_BACKEND {name!r} (off, console or http)")
