"""Address normalisation for household exclusion (at most one panel member per address)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

_POSTCODE_NAMES = ("zip", "post", "postal", "postcode", "cp", "code_postal", "codepostal", "plz")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Frequent abbreviations so that "12 Rue Émile-Zola" and "12 r. emile zola" match.
_ABBREVIATIONS = {
    "r": "rue", "av": "avenue", "ave": "avenue", "bd": "boulevard", "blvd": "boulevard",
    "st": "street", "rd": "road", "pl": "place", "ch": "chemin", "rte": "route", "imp": "impasse",
    "apt": "flat", "appt": "flat", "apartment": "flat", "appartement": "flat", "bis": "bis",
}


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_ALNUM.split(plain.casefold())).strip()


def is_postcode_column(name: str) -> bool:
    """Whether a column name looks like a postcode column."""
    key = fold(name).replace(" ", "_")
    return any(part in key.split("_") or key == part or key.endswith(part)
               for part in _POSTCODE_NAMES)


def normalize_part(value: str, postcode: bool = False) -> str:
    """Normalise one address field; a postcode loses every space ("EH1 1AA" == "eh11aa")."""
    folded = fold(value)
    if postcode or _looks_like_postcode(folded):
        return folded.replace(" ", "")
    return " ".join(_ABBREVIATIONS.get(word, word) for word in folded.split())


def _looks_like_postcode(folded: str) -> bool:
    compact = folded.replace(" ", "")
    return (0 < len(compact) <= 8 and any(c.isdigit() for c in compact)
            and len(folded.split()) <= 2 and compact.isalnum())


def address_key(parts: Sequence[str], columns: Sequence[str] = ()) -> str:
    """Canonical key of an address given its fields (empty string when all fields are blank)."""
    names = list(columns) or [""] * len(parts)
    normalised = [normalize_part(p or "", is_postcode_column(c)) for p, c in
                  zip(parts, names, strict=True)]
    if not any(normalised):
        return ""
    return "|".join(normalised)


def households(addresses: Sequence[Sequence[str]], columns: Sequence[str] = ()) -> np.ndarray:
    """Household number per volunteer (``-1`` when the address is blank)."""
    keys: dict[str, int] = {}
    out = np.full(len(addresses), -1, dtype=np.int64)
    for i, parts in enumerate(addresses):
        key = address_key(parts, columns)
        if key:
            out[i] = keys.setdefault(key, len(keys))
    return out
