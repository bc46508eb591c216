"""Spaces are kept per process (``common.localcache``): forcing a phase, which writes with
``QuerySet.update()`` (no save signal), must still show at once on every page."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_a_forced_phase_shows_at_once_through_the_cached_space(process, process_admin):
    from parlons.platform.spaces import selectors, services

    first = process.phases.order_by("position").first()
    cached = selectors.get_space(process.organisation, process.slug)  # warms the copy
    assert cached.forced_phase_id is None
    services.force_phase(actor=process_admin, space=process, phase=first)
    assert selectors.get_space(process.organisation, process.slug).forced_phase_id == first.pk
    services.force_phase(actor=process_admin, space=process, phase=None)
    assert selectors.get_space(process.organisation, process.slug).forced_phase_id is None
