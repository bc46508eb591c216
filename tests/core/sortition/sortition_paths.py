"""Paths to the shared sortition data and a loader for its normalised instances."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sortition"
INSTANCES = DATA / "instances"


def instance_dir(name: str, variant: str = "normalized") -> Path:
    path = INSTANCES / name / variant
    assert path.is_dir(), f"shared data missing: {path}"
    return path


def load(name: str, variant: str = "normalized"):
    from parlons.core.sortition.readers import read_instance

    folder = instance_dir(name, variant)
    meta = json.loads((folder / "instance.json").read_text())
    return read_instance(folder / "features.csv", folder / "people.csv", meta["panel_size_k"],
                         address_columns=meta["address_columns"])
