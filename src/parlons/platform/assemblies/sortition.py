"""The bridge to ``parlons.core.sortition``: build the core's instance from the database, and
turn the core's English errors into French messages for organisers.

Volunteers enter the core under a stable id (``v0000123``, the registration number), with
their consented answers as feature values and their address and postcode for household
exclusion. ``input_files`` writes the same instance as Sortition Foundation CSV files, so that
anyone holding them can re-run the draw with ``parlons sortition draw``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from parlons.core.sortition import Quota
from parlons.core.sortition.address import households
from parlons.core.sortition.model import InfeasibleQuotasError, Instance, SortitionInputError
from parlons.platform.assemblies.models import Assembly, Feature, Volunteer

ADDRESS_COLUMNS = ("address", "postcode")


@dataclass
class Pool:
    """The core's instance and the volunteers behind it (in the instance's id order)."""

    instance: Instance
    volunteers: dict[str, Volunteer]
    incomplete: int


def features_of(assembly: Assembly) -> list[Feature]:
    return list(assembly.features.prefetch_related("values"))


def quotas_of(features: Sequence[Feature]) -> list[Quota]:
    return [Quota(f.name, v.value, v.min, v.max) for f in features for v in f.values.all()]


def build_pool(assembly: Assembly, volunteers: Iterable[Volunteer],
               panel_size: int | None = None) -> Pool:
    """The core's instance for these volunteers; those whose answers no longer match the
    criteria (changed after they registered) are left out and counted in ``incomplete``."""
    features = features_of(assembly)
    if not features or any(not f.values.all() for f in features):
        raise ValidationError(_("Define the criteria and their values first."))
    index = [{v.value: j for j, v in enumerate(f.values.all())} for f in features]
    kept: list[Volunteer] = []
    rows: list[list[int]] = []
    incomplete = 0
    for volunteer in volunteers:
        answers = volunteer.answers or {}
        row = [index[k].get(answers.get(f.name)) for k, f in enumerate(features)]
        if any(j is None for j in row):
            incomplete += 1
            continue
        kept.append(volunteer)
        rows.append(row)
    if not kept:
        raise ValidationError(_("No volunteer can take part in the draw yet."))
    size = assembly.panel_size if panel_size is None else panel_size
    if size > len(kept):
        raise ValidationError(_("The panel (%(size)d seats) is larger than the pool of "
                                "volunteers (%(pool)d).") % {"size": size, "pool": len(kept)})
    house = households([[v.address, v.postcode] for v in kept], ADDRESS_COLUMNS)
    instance = Instance(ids=[v.draw_id_text for v in kept], features=[f.name for f in features],
                        quotas=quotas_of(features), values=np.array(rows, dtype=np.int64),
                        household=house, panel_size=size)
    return Pool(instance, {v.draw_id_text: v for v in kept}, incomplete)


def core_error(error: Exception) -> ValidationError:
    """A French message for the organiser, with the suggested relaxation when there is one."""
    if isinstance(error, InfeasibleQuotasError):
        message = _("No panel meets these quotas with these volunteers.")
        if error.suggestion:
            message += " " + _("Smallest change that makes the draw possible: %(changes)s.") % {
                "changes": "; ".join(f"{q.feature} = {q.value} : {q.min}–{q.max}"
                                     for q in error.suggestion)}
        else:
            message += " " + _("Recruit more volunteers or widen the quotas.")
        return ValidationError(message)
    if isinstance(error, SortitionInputError):
        return ValidationError(_("The draw cannot run: %(detail)s") % {"detail": str(error)})
    return ValidationError(_("The computation did not finish (%(detail)s). Try again, or "
                             "choose the maximin algorithm.") % {"detail": str(error)[:200]})


def input_files(pool: Pool) -> dict[str, str]:
    """The quotas and the people as Sortition Foundation CSV texts (organisers only: the
    people file carries addresses)."""
    inst = pool.instance
    quotas = io.StringIO()
    writer = csv.writer(quotas, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max"])
    for q in inst.quotas:
        writer.writerow([q.feature, q.value, q.min, q.max])
    people = io.StringIO()
    writer = csv.writer(people, lineterminator="\n")
    writer.writerow(["id", *inst.features, *ADDRESS_COLUMNS])
    for pid in inst.ids:
        volunteer = pool.volunteers[pid]
        writer.writerow([pid, *(volunteer.answers[f] for f in inst.features),
                         volunteer.address, volunteer.postcode])
    return {"quotas.csv": quotas.getvalue(), "people.csv": people.getvalue()}


def input_hashes(files: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"path": name, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
            for name, text in files.items()}


def rerun_command(instance: Instance, algorithm: str, seed: str, original_size: int,
                  confirmed: Sequence[str] = (), declined: Sequence[str] = ()) -> str:
    parts = ["parlons", "sortition", "draw", "--features", "quotas.csv", "--people",
             "people.csv", "--panel-size", str(original_size), "--algorithm", algorithm,
             "--address-columns", *ADDRESS_COLUMNS, "--seed", seed]
    if confirmed:
        parts += ["--confirmed", *confirmed]
    if declined:
        parts += ["--exclude", *declined]
    return shlex.join(parts)
