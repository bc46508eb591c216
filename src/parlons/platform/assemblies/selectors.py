"""Reads of the assemblies module: the assembly of a component, the anonymised composition."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.http import Http404

from parlons.platform.assemblies.models import Assembly, Draw, Volunteer
from parlons.platform.spaces.models import Component

SEATED = (Volunteer.Status.SELECTED, Volunteer.Status.CONFIRMED)


def assembly_of(component: Component) -> Assembly:
    from parlons.platform.assemblies.services import create_assembly

    try:
        return component.assembly
    except Assembly.DoesNotExist:
        return create_assembly(component)


def get_draw(assembly: Assembly, number) -> Draw:
    try:
        return assembly.draws.get(round=int(number))
    except (Draw.DoesNotExist, TypeError, ValueError) as error:
        raise Http404 from error


def panel(assembly: Assembly):
    return assembly.volunteers.filter(status__in=SEATED).select_related("draw")


def composition(assembly: Assembly) -> list[dict]:
    """Per criterion and value: the population's share, the volunteers' and the panel's
    counts and shares (aggregates only: nobody can be singled out from one row)."""
    seated = list(panel(assembly).values_list("answers", flat=True))
    pool = list(assembly.volunteers.values_list("answers", flat=True))
    out = []
    for feature in assembly.features.prefetch_related("values"):
        in_panel = Counter(a.get(feature.name) for a in seated)
        in_pool = Counter(a.get(feature.name) for a in pool)
        rows = []
        for value in feature.values.all():
            count = in_panel[value.value]
            share = (Decimal(count * 100) / len(seated)).quantize(Decimal("0.1")) if seated \
                else Decimal(0)
            rows.append({"value": value.value, "population": value.share.quantize(
                Decimal("0.1")), "panel": count, "panel_share": share,
                "volunteers": in_pool[value.value], "min": value.min, "max": value.max})
        out.append({"feature": feature.name, "rows": rows})
    return out


def status_counts(assembly: Assembly) -> dict[str, int]:
    counts = Counter(assembly.volunteers.values_list("status", flat=True))
    return {status: counts[status] for status in Volunteer.Status.values}
