"""Background job: recompute a component's opinion map."""

from __future__ import annotations

from celery import shared_task


@shared_task
def recompute_map(component_id: int) -> int:
    """Recompute the map of one component; returns the number of votes it counted."""
    from django.core.cache import cache

    from parlons.platform.opinions.computation import recompute

    try:
        row = recompute(component_id)
    finally:
        cache.delete(f"parlons:opinions:recompute:{component_id}")
    return row.n_votes if row is not None else 0
