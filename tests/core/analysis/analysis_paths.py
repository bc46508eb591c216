"""Paths to the shared consultation data (read in place; missing data makes tests fail)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CONSULTATIONS = DATA / "consultations"
DECIDIM = CONSULTATIONS / "fr_decidim_grand_debat_mel_nancy_2019"
AN = CONSULTATIONS / "fr_assemblee_nationale_egalite_fh_2016"
SPAM = CONSULTATIONS / "multi_decidim_ai_spam_training"
POLIS = DATA / "polis"


def raw_rows(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    """Rows read with the csv module only (an independent oracle for the readers)."""
    assert path.is_file(), f"shared data missing: {path}"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))
