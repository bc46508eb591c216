"""Reads of organisations and their roles."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from parlons.platform.accounts.selectors import user_roles
from parlons.platform.common import localcache
from parlons.platform.organisations.models import Organisation


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


def roles_of(user, organisation: Organisation) -> frozenset[str]:
    """The organisation roles of ``user`` (empty for anonymous people and citizens).

    Read with all the person's other roles in one query per request (``accounts.selectors
    .user_roles``)."""
    if organisation is None:
        return frozenset()
    return user_roles(user).in_organisation(organisation.pk)
