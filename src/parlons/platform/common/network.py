"""The client's IP address, also behind a trusted reverse proxy (for rate limits)."""

from __future__ import annotations


def client_ip(request) -> str:
    """REMOTE_ADDR, or with PARLONS_TRUSTED_PROXY the address our proxy appended last to
    X-Forwarded-For (earlier entries are set by the client and cannot be trusted)."""
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "PARLONS_TRUSTED_PROXY", False) and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, not a bind
