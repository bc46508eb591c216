"""Read-only queries of the opinions component."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Q

from parlons.core.opinions.stats import choose_next, priority
from parlons.platform.opinions.models import OpinionMap, Participant, Statement, Vote
from parlons.platform.spaces.models import Component

DEFAULTS: dict[str, Any] = {"anonymous": False, "recompute_every": 50, "qualifications": True,
                            "results_public": True, "submissions": True}
NEW_STATEMENT_PRIORITY = float(priority(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1),
                                        np.zeros(1, dtype=bool))[0])


def component_settings(component: Component) -> dict[str, Any]:
    """The component's settings with defaults filled in."""
    values = dict(DEFAULTS)
    values.update({k: v for k, v in (component.settings or {}).items() if k in DEFAULTS})
    try:
        values["recompute_every"] = max(1, int(values["recompute_every"]))
    except (TypeError, ValueError):
        values["recompute_every"] = DEFAULTS["recompute_every"]
    return values


def accepted_statements(component: Component):
    return Statement.objects.filter(component=component, state=Statement.State.ACCEPTED)


def pending_statements(component: Component):
    return Statement.objects.filter(component=component, state=Statement.State.PENDING)


def statements_with_counts(component: Component):
    return Statement.objects.filter(component=component).annotate(
        n_agree=Count("votes", filter=Q(votes__value=1)),
        n_disagree=Count("votes", filter=Q(votes__value=-1)),
        n_pass=Count("votes", filter=Q(votes__value=0)))


def find_participant(component: Component, *, user=None, browser_id: str | None = None):
    if user is not None and getattr(user, "is_authenticated", False):
        return Participant.objects.filter(component=component, user=user).first()
    if browser_id:
        return Participant.objects.filter(component=component, browser_id=browser_id).first()
    return None


def opinion_map(component: Component) -> OpinionMap | None:
    return OpinionMap.objects.filter(component=component).first()


# Stored priorities per component, kept in each process as long as the map does not change
# (the map's ``computed_at`` is read with the statements, in the same query).
_PRIORITIES: dict[int, tuple[Any, dict[str, float]]] = {}


def _priorities(component: Component, map_pk, computed_at) -> dict[str, float]:
    if map_pk is None:
        return {}
    key = (map_pk, computed_at)
    cached = _PRIORITIES.get(component.pk)
    if cached is not None and cached[0] == key:
        return cached[1]
    stored = (OpinionMap.objects.filter(pk=map_pk)
              .values_list("priorities", flat=True).first()) or {}
    if computed_at is not None:  # a map being computed for the first time is not kept
        if len(_PRIORITIES) > 256:
            _PRIORITIES.clear()
        _PRIORITIES[component.pk] = (key, stored)
    return stored


def _candidate_rows(component: Component, participant_pk: int | None) -> list[tuple]:
    """(id, is_meta, seen, map id, map date) of every accepted statement, in id order.

    Written in SQL: this runs on every vote, and building the equivalent ORM query (a
    correlated EXISTS and two subqueries) cost more CPU than running it.
    """
    qn = connection.ops.quote_name
    statements, votes, maps = (qn(m._meta.db_table) for m in (Statement, Vote, OpinionMap))
    sql = (f"SELECT s.id, s.is_meta, EXISTS(SELECT 1 FROM {votes} v "  # noqa: S608 - names only
           "WHERE v.participant_id = %s AND v.statement_id = s.id), "
           f"(SELECT m.id FROM {maps} m WHERE m.component_id = %s), "
           f"(SELECT m.computed_at FROM {maps} m WHERE m.component_id = %s) "
           f"FROM {statements} s WHERE s.component_id = %s AND s.state = %s ORDER BY s.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [participant_pk, component.pk, component.pk, component.pk,
                             Statement.State.ACCEPTED])
        return cursor.fetchall()


def next_statement(component: Component, participant: Participant | None,
                   rng: np.random.Generator | None = None
                   ) -> tuple[Statement | None, int, int]:
    """An accepted statement the participant has not voted on, drawn by Polis' priority;
    with the number of accepted statements already voted on and the number of accepted ones.

    Two queries: the accepted statements' ids with "seen by this participant" and the map's
    date (no texts; the stored priorities are kept per process while the map is the same),
    then the text of the one drawn. The statement returned carries only pk, text and
    is_meta.
    """
    rows = _candidate_rows(component, participant.pk if participant is not None else None)
    candidates = [(row[0], bool(row[1])) for row in rows if not row[2]]
    done, total = len(rows) - len(candidates), len(rows)
    stored = _priorities(component, rows[0][3], rows[0][4]) if rows else {}
    rng = rng or np.random.default_rng()
    statements = connection.ops.quote_name(Statement._meta.db_table)
    while candidates:
        weights = np.array([stored.get(str(pk), 49.0 if is_meta else NEW_STATEMENT_PRIORITY)
                            for pk, is_meta in candidates], dtype=np.float64)
        if weights.sum() <= 0:
            weights[:] = 1.0
        index = choose_next(weights, np.zeros(len(candidates), dtype=bool), rng)
        if index is None:
            break
        pk = candidates[index][0]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT text FROM {statements} WHERE id = %s", [pk])  # noqa: S608
            found = cursor.fetchone()
        if found is not None:
            statement = Statement(pk=pk, component=component, text=found[0],
                                  is_meta=candidates[index][1], state=Statement.State.ACCEPTED)
            statement._state.adding, statement._state.db = False, connection.alias
            return statement, done, total
        del candidates[index]  # deleted meanwhile: draw again
    return None, done, total
