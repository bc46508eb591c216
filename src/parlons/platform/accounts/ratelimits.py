"""Rate limits of the sensitive forms: per IP address and per e-mail address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.utils.module_loading import import_string
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited


def posted_email(group: str, request) -> str:
    """Key on the address typed in the form, normalised, so "A@x" and "a@x " count together."""
    return "email:" + (request.POST.get("email") or "").strip().lower()


def rate_limited(name: str) -> Callable:
    """Limit POSTs of a view to ``settings.PARLONS_RATE_LIMITS[name]`` per IP and per e-mail.

    Over the limit, answer with ``settings.RATELIMIT_VIEW`` (HTTP 429).
    """
    def rate(group, request):
        return settings.PARLONS_RATE_LIMITS[name]

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                group = f"accounts.{name}"
                limited = False
                keys = ["ip", posted_email] if request.POST.get("email", "").strip() else ["ip"]
                for key in keys:
                    # Both counters are incremented, whichever is over its limit.
                    limited |= is_ratelimited(request, group=group, key=key, rate=rate,
                                              method="POST", increment=True)
                if limited:
                    return import_string(settings.RATELIMIT_VIEW)(request, Ratelimited())
            return view(request, *args, **kwargs)
        return wrapped
    return decorator
