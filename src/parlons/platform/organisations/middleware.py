"""Resolve the current organisation from the request's host (tenancy)."""

from __future__ import annotations

from django.http import HttpResponseNotFound

from parlons.platform.common import localcache
from parlons.platform.organisations.selectors import organisation_for_host


class CurrentOrganisationMiddleware:
    """Set ``request.organisation``; every query of the platform is scoped to it.

    Also pins the shared cache generation for the request (``common.localcache``): the
    organisation and the spaces this request reads come from one consistent snapshot, for
    one cache read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        handle = localcache.pin_token()
        try:
            organisation = organisation_for_host(request.get_host().split(":")[0].lower())
            if organisation is None and not request.path.startswith(("/static/", "/admin/")):
                return HttpResponseNotFound("No organisation is configured for this address.")
            request.organisation = organisation
            return self.get_response(request)
        finally:
            localcache.unpin_token(handle)
