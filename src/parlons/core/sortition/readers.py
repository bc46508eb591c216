"""Readers for the Sortition Foundation CSV formats and the replication format.

* features/quotas: ``feature,value,min,max[,min_flex,max_flex]`` (also ``category,name,...``);
* replication ``categories.csv``: ``category,feature,min,max`` (category = feature name);
* people: an id column, one column per feature, optional address columns; replication
  ``respondents.csv`` may lack an id column, volunteers are then named ``row<N>``.

Every error names the file line (the header is line 1).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from parlons.core.sortition.address import households
from parlons.core.sortition.model import Instance, Quota, SortitionInputError

MAX_REPORTED_ERRORS = 10
FALLBACK_ID_COLUMNS = ("id", "pool_member_identifier", "nationbuilder_id", "person_id")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, for the audit report."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = [{k: (v or "").strip() for k, v in row.items() if k is not None}
                    for row in reader]
    except FileNotFoundError as exc:
        raise SortitionInputError(f"{path}: file not found") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SortitionInputError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
    if not header:
        raise SortitionInputError(f"{path}: empty file")
    return header, rows


def _int(text: str, path: str | Path, line: int, column: str) -> int:
    try:
        value = int(float(text)) if text.strip() else None
    except ValueError:
        value = None
    if value is None or float(text) != value or value < 0:
        raise SortitionInputError(
            f"{path}, line {line}: column '{column}' must be a non-negative integer, got {text!r}")
    return value


def read_quotas(path: str | Path) -> list[Quota]:
    """Read a features/quotas table in any of the accepted headers."""
    header, rows = _read_rows(path)
    lower = [h.lower() for h in header]
    if "value" in lower:
        feature_col, value_col = "feature", "value"
    elif "category" in lower and "name" in lower:
        feature_col, value_col = "category", "name"
    elif "category" in lower and "feature" in lower:
        feature_col, value_col = "category", "feature"
    else:
        raise SortitionInputError(
            f"{path}: expected a header 'feature,value,min,max[,min_flex,max_flex]' "
            f"(or 'category,feature,min,max'), got {','.join(header)!r}")
    for needed in ("min", "max"):
        if needed not in lower:
            raise SortitionInputError(f"{path}: missing column '{needed}'")
    names = dict(zip(lower, header, strict=True))
    has_flex = "min_flex" in lower and "max_flex" in lower
    quotas: list[Quota] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=2):
        feature, value = row[names[feature_col]], row[names[value_col]]
        if not feature and not value and not row[names["min"]]:
            continue
        if not feature or not value:
            raise SortitionInputError(f"{path}, line {line}: empty feature or value")
        lo = _int(row[names["min"]], path, line, "min")
        hi = _int(row[names["max"]], path, line, "max")
        if lo > hi:
            raise SortitionInputError(f"{path}, line {line}: min {lo} is above max {hi}")
        lo_flex = hi_flex = None
        if has_flex and (row[names["min_flex"]] or row[names["max_flex"]]):
            lo_flex = _int(row[names["min_flex"]], path, line, "min_flex")
            hi_flex = _int(row[names["max_flex"]], path, line, "max_flex")
            if lo_flex > lo or hi_flex < hi:
                raise SortitionInputError(
                    f"{path}, line {line}: flex bounds [{lo_flex}, {hi_flex}] must contain "
                    f"[{lo}, {hi}]")
        key = (feature.casefold(), value.casefold())
        if key in seen:
            raise SortitionInputError(
                f"{path}, line {line}: duplicate quota for {feature}={value} "
                f"(first on line {seen[key]})")
        seen[key] = line
        quotas.append(Quota(feature, value, lo, hi, lo_flex, hi_flex))
    if not quotas:
        raise SortitionInputError(f"{path}: no quota rows")
    return quotas


def _feature_order(quotas: Iterable[Quota]) -> list[str]:
    order: list[str] = []
    for q in quotas:
        if q.feature not in order:
            order.append(q.feature)
    return order


def _find_column(header: Sequence[str], name: str) -> str | None:
    if name in header:
        return name
    folded = [h for h in header if h.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def read_people(path: str | Path, quotas: list[Quota], panel_size: int, *,
                id_column: str | None = "id", address_columns: Sequence[str] = ()) -> Instance:
    """Read volunteers; ``id_column=None`` (or a missing default id column) numbers rows."""
    header, rows = _read_rows(path)
    features = _feature_order(quotas)
    columns = {}
    for feature in features:
        col = _find_column(header, feature)
        if col is None:
            raise SortitionInputError(f"{path}: no column for feature '{feature}' "
                                      f"(columns: {', '.join(header)})")
        columns[feature] = col
    id_col = None
    if id_column is not None:
        id_col = _find_column(header, id_column)
        if id_col is None and id_column == "id":
            id_col = next((c for name in FALLBACK_ID_COLUMNS
                           if (c := _find_column(header, name))), None)
        if id_col is None and id_column != "id":
            raise SortitionInputError(f"{path}: no id column '{id_column}'")
    addr_cols = []
    for name in address_columns:
        col = _find_column(header, name)
        if col is None:
            raise SortitionInputError(f"{path}: no address column '{name}'")
        addr_cols.append(col)
    lookup = {f: {} for f in features}
    folded_lookup = {f: {} for f in features}
    for f in features:
        for j, q in enumerate(q for q in quotas if q.feature == f):
            lookup[f][q.value] = j
            folded_lookup[f][q.value.casefold()] = j
    errors: list[str] = []
    ids: list[str] = []
    first_line: dict[str, int] = {}
    values = np.zeros((len(rows), len(features)), dtype=np.int64)
    for r, row in enumerate(rows):
        line = r + 2
        pid = row[id_col] if id_col else f"row{line}"
        if not pid:
            errors.append(f"line {line}: empty id")
        elif pid in first_line:
            errors.append(f"line {line}: duplicate id {pid!r} (first on line {first_line[pid]})")
        else:
            first_line[pid] = line
        ids.append(pid)
        for f, feature in enumerate(features):
            raw = row[columns[feature]]
            j = lookup[feature].get(raw, folded_lookup[feature].get(raw.casefold()))
            if j is None:
                allowed = ", ".join(repr(v) for v in lookup[feature])
                errors.append(f"line {line}: unknown value {raw!r} for feature '{feature}' "
                              f"(expected one of {allowed})")
            else:
                values[r, f] = j
    if errors:
        more = len(errors) - MAX_REPORTED_ERRORS
        text = "; ".join(errors[:MAX_REPORTED_ERRORS]) + (f"; and {more} more" if more > 0 else "")
        raise SortitionInputError(f"{path}: {text}")
    if not rows:
        raise SortitionInputError(f"{path}: no volunteers")
    household = (households([[row[c] for c in addr_cols] for row in rows], addr_cols)
                 if addr_cols else np.full(len(rows), -1, dtype=np.int64))
    if panel_size <= 0:
        raise SortitionInputError("the panel size must be positive")
    if panel_size > len(rows):
        raise SortitionInputError(f"panel size {panel_size} exceeds the pool ({len(rows)})")
    return Instance(ids=ids, features=features, quotas=list(quotas), values=values,
                    household=household, panel_size=panel_size)


def read_instance(features_path: str | Path, people_path: str | Path, panel_size: int, *,
                  id_column: str | None = "id",
                  address_columns: Sequence[str] = ()) -> Instance:
    """Read a Sortition Foundation (or replication-format) pair of files."""
    quotas = read_quotas(features_path)
    return read_people(people_path, quotas, panel_size, id_column=id_column,
                       address_columns=address_columns)


def read_replication(categories_path: str | Path, respondents_path: str | Path,
                     panel_size: int) -> Instance:
    """Read the replication format (``categories.csv`` + ``respondents.csv``)."""
    return read_instance(categories_path, respondents_path, panel_size)
