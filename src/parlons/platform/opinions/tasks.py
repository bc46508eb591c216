"""Background job: recompute a component's opinion map."""

from __future__ import annotations

from celery import shared_task


@shared_task
def recompute_map(component_id: int) -> int:
    """Recompute the map of one component; returns the number of votes it counted.

    Votes cast from now on count towards the next recompute (``services.note_votes``); when
    enough of them arrived meanwhile, the next recompute is queued as this one ends.
    """
    from parlons.platform.opinions import services
    from parlons.platform.opinions.computation import recompute

    services.recompute_started(component_id)
    row = None
    try:
        row = recompute(component_id)
    finally:
        services.recompute_finished(component_id, row.component if row is not None else None)
    return row.n_votes if row is not None else 0
