"""Reads of organisations and their roles."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from parlons.platform.common import localcache
from parlons.platform.organisations.models import Organisation, OrganisationRole


def organisation_for_host(host: str) -> Organisation | None:
    """The organisation served on ``host``, else the default one (single-organisation setups).

    Kept per process (``common.localcache``: no query while no organisation, space, phase or
    component changed); each call returns its own copy."""
    return localcache.get_or_load(("organisation", host), lambda: _organisation_for_host(host))


def _organisation_for_host(host: str) -> Organisation | None:
    found = Organisation.objects.filter(domain=host).first()
    if found is not None:
        return found
    slug = settings.PARLONS_DEFAULT_ORGANISATION_SLUG
    query = Q(slug=slug) if slug else Q(is_default=True)
    return Organisation.objects.filter(query).first()


def roles_of(user, organisation: Organisation) -> set[str]:
    """The organisation roles of ``user`` (empty for anonymous people and citizens)."""
    if not getattr(user, "is_authenticated", False) or organisation is None:
        return set()
    cache = getattr(user, "_parlons_org_roles", None)
    if cache is None:
        cache = {}
        user._parlons_org_roles = cache
    if organisation.pk not in cache:
        cache[organisation.pk] = set(
            OrganisationRole.objects.filter(user=user, organisation=organisation)
            .values_list("role", flat=True)
        )
    return cache[organisation.pk]
