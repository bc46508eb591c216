"""Queries on a coded project: passages, frequencies, matrices, co-occurrence, words.

A *passage* is one selection seen through the codings of one coder (or of everyone when no coder
is given): the same selection coded by two users counts once per coder filter. Codes are reported
by their full path (``Freins/Horaires``). Counting rules:

* passages: number of selections carrying the code; documents: distinct sources; cases: distinct
  cases linked to the selection or to its source; characters: sum of selection lengths in code
  points (overlaps are not merged).
* matrix cells count passages and distinct cases, and keep the GUIDs of their passages.
* co-occurrence: a pair of codes counts once per selection carrying both, plus once per pair of
  distinct selections of one source that are equal or overlap and carry one code each.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from parlons.core.qda.model import Project, Selection


@dataclass
class Passage:
    """A coded passage with its references."""

    selection: str
    source: str
    document: str
    start: int
    end: int
    text: str
    codes: list[str]
    coder: str
    cases: list[str] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """Human-readable reference, e.g. ``E01 – Nadia [357–469]``."""
        return f"{self.document} [{self.start}–{self.end}]"


def _code_filter(
    project: Project, codes: Iterable[str] | None, descendants: bool
) -> set[str] | None:
    if codes is None:
        return None
    wanted: set[str] = set()
    for ref in codes:
        guid = ref if ref in project.codes else project.code_by_path(ref).guid
        wanted.update(project.descendants(guid) if descendants else [guid])
    return wanted


def _attribute_filter(project: Project, attributes: dict[str, Any] | None) -> set[str] | None:
    """Cases whose variables match every ``name: value`` (value compared as text too)."""
    if not attributes:
        return None
    keep = set()
    resolved = [(project.variable_by_name(k), v) for k, v in attributes.items()]
    for case in project.cases.values():
        ok = True
        for variable, wanted in resolved:
            value = case.values.get(variable.guid)
            values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
            if not any(value == w or _as_text(value) == str(w).casefold() for w in values):
                ok = False
                break
        if ok:
            keep.add(case.guid)
    return keep


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).casefold()


def _case_index(project: Project) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    by_source: dict[str, list[str]] = defaultdict(list)
    by_selection: dict[str, list[str]] = defaultdict(list)
    for case in project.cases.values():
        for guid in case.sources:
            by_source[guid].append(case.guid)
        for guid in case.selections:
            by_selection[guid].append(case.guid)
    return by_source, by_selection


def coded_units(
    project: Project, coder: str | None = None
) -> list[tuple[Selection, list[str], str]]:
    """(selection, code GUIDs, coder GUID) for every selection with codings by ``coder``."""
    coder_guid = project.user_guid(coder) if coder else None
    units = []
    for selection in project.selections.values():
        by_coder: dict[str, list[str]] = defaultdict(list)
        for coding in selection.codings:
            who = selection.coder(coding) or ""
            wanted = coder_guid is None or who == coder_guid
            if wanted and coding.code not in by_coder[who]:
                by_coder[who].append(coding.code)
        if coder_guid is None and len(by_coder) > 1:
            merged: list[str] = []
            for codes in by_coder.values():
                merged.extend(c for c in codes if c not in merged)
            units.append((selection, merged, ""))
        else:
            for who, codes in by_coder.items():
                units.append((selection, codes, who))
    return units


def passages(
    project: Project,
    *,
    codes: Iterable[str] | None = None,
    coder: str | None = None,
    attributes: dict[str, Any] | None = None,
    descendants: bool = True,
) -> list[Passage]:
    """Coded passages, optionally filtered by codes (paths or GUIDs), coder and case attributes."""
    wanted = _code_filter(project, codes, descendants)
    keep_cases = _attribute_filter(project, attributes)
    by_source, by_selection = _case_index(project)
    out = []
    for selection, code_guids, who in coded_units(project, coder):
        if wanted is not None and not wanted.intersection(code_guids):
            continue
        case_guids = list(
            dict.fromkeys(
                by_selection.get(selection.guid, []) + by_source.get(selection.source, [])
            )
        )
        if keep_cases is not None and not keep_cases.intersection(case_guids):
            continue
        source = project.sources[selection.source]
        out.append(
            Passage(
                selection.guid,
                source.guid,
                source.name,
                selection.start,
                selection.end,
                source.text[selection.start : selection.end],
                [project.code_path(g) for g in code_guids],
                project.user_label(who) if who else "",
                [project.cases[g].name or g for g in case_guids],
            )
        )
    return out


def frequencies(
    project: Project, *, coder: str | None = None, by: str | None = None
) -> list[dict[str, Any]]:
    """Per code: passages, documents, cases, characters (and passages per value of ``by``)."""
    variable = project.variable_by_name(by) if by else None
    by_source, by_selection = _case_index(project)
    stats: dict[str, dict[str, Any]] = {}
    for code in project.codes.values():
        stats[code.guid] = {
            "passages": 0,
            "documents": set(),
            "cases": set(),
            "characters": 0,
            "by": Counter(),
        }
    levels: list[str] = []
    for selection, code_guids, _ in coded_units(project, coder):
        case_guids = set(by_selection.get(selection.guid, [])) | set(
            by_source.get(selection.source, [])
        )
        labels = set()
        if variable is not None:
            for case_guid in case_guids:
                value = project.cases[case_guid].values.get(variable.guid)
                if value is not None:
                    labels.add(_label(value))
            for label in sorted(labels):
                if label not in levels:
                    levels.append(label)
        for guid in code_guids:
            row = stats[guid]
            row["passages"] += 1
            row["documents"].add(selection.source)
            row["cases"].update(case_guids)
            row["characters"] += selection.end - selection.start
            for label in labels:
                row["by"][label] += 1
    out = []
    for guid, row in stats.items():
        if not project.codes[guid].is_codable and row["passages"] == 0:
            continue
        item: dict[str, Any] = {
            "code": project.code_path(guid),
            "passages": row["passages"],
            "documents": len(row["documents"]),
            "cases": len(row["cases"]),
            "characters": row["characters"],
        }
        for label in sorted(levels):
            item[f"passages[{label}]"] = row["by"][label]
        out.append(item)
    return out


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Matrix:
    """Codes × columns; each cell counts passages and cases and lists its passages."""

    rows: list[str]
    columns: list[str]
    passages: list[list[int]]
    cases: list[list[int]]
    quotes: list[list[list[str]]]

    def cell_passages(self, project: Project, row: str, column: str) -> list[Passage]:
        """The quotes behind one cell (drill-down)."""
        guids = set(self.quotes[self.rows.index(row)][self.columns.index(column)])
        return [p for p in passages(project) if p.selection in guids] if guids else []

    def table(self, measure: str = "passages") -> list[dict[str, Any]]:
        data = self.passages if measure == "passages" else self.cases
        return [
            {"code": r, **dict(zip(self.columns, data[i], strict=True))}
            for i, r in enumerate(self.rows)
        ]


def matrix(
    project: Project,
    *,
    columns: str = "case",
    coder: str | None = None,
    codes: Iterable[str] | None = None,
) -> Matrix:
    """Code × case (``columns="case"``) or code × attribute (``columns=<variable name>``)."""
    wanted = _code_filter(project, codes, descendants=True)
    by_source, by_selection = _case_index(project)
    variable = None if columns == "case" else project.variable_by_name(columns)
    if variable is None:
        col_keys = list(project.cases)
        col_labels = [project.cases[g].name or g for g in col_keys]
        short = [_short_case(label) for label in col_labels]
        if len(set(short)) == len(short):
            col_labels = short
    else:
        values = {
            _label(c.values[variable.guid])
            for c in project.cases.values()
            if variable.guid in c.values
        }
        col_keys = sorted(values)
        col_labels = list(col_keys)
    col_index = {k: i for i, k in enumerate(col_keys)}
    row_guids = [
        g for g, c in project.codes.items() if (wanted is None or g in wanted) and c.is_codable
    ]
    row_index = {g: i for i, g in enumerate(row_guids)}
    n_rows, n_cols = len(row_guids), len(col_keys)
    counts = [[0] * n_cols for _ in range(n_rows)]
    case_sets: list[list[set[str]]] = [[set() for _ in range(n_cols)] for _ in range(n_rows)]
    quotes: list[list[list[str]]] = [[[] for _ in range(n_cols)] for _ in range(n_rows)]
    for selection, code_guids, _ in coded_units(project, coder):
        case_guids = dict.fromkeys(
            by_selection.get(selection.guid, []) + by_source.get(selection.source, [])
        )
        cols: dict[int, set[str]] = defaultdict(set)
        for case_guid in case_guids:
            if variable is None:
                cols[col_index[case_guid]].add(case_guid)
            else:
                value = project.cases[case_guid].values.get(variable.guid)
                if value is not None:
                    cols[col_index[_label(value)]].add(case_guid)
        for code_guid in code_guids:
            r = row_index.get(code_guid)
            if r is None:
                continue
            for c, members in cols.items():
                counts[r][c] += 1
                case_sets[r][c].update(members)
                quotes[r][c].append(selection.guid)
    return Matrix(
        [project.code_path(g) for g in row_guids],
        col_labels,
        counts,
        [[len(s) for s in row] for row in case_sets],
        quotes,
    )


def _short_case(label: str) -> str:
    """``E01 – Nadia`` → ``E01`` when the case name has the usual ``id – name`` form."""
    return re.split(r"\s+[–-]\s+", label, maxsplit=1)[0]


def cooccurrence(project: Project, *, coder: str | None = None) -> list[tuple[str, str, int]]:
    """Pairs of code paths (sorted) with their co-occurrence counts, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    path = {g: project.code_path(g) for g in project.codes}
    by_source: dict[str, list[tuple[int, int, frozenset[str]]]] = defaultdict(list)
    for selection, code_guids, _ in coded_units(project, coder):
        names = frozenset(path[g] for g in code_guids)
        by_source[selection.source].append((selection.start, selection.end, names))
        ordered = sorted(names)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                counts[(a, b)] += 1
    for units in by_source.values():
        units.sort(key=lambda u: (u[0], u[1]))
        for i, (_start_i, end_i, codes_i) in enumerate(units):
            for start_j, _end_j, codes_j in units[i + 1 :]:
                if start_j >= end_i:  # sorted by start: no later unit overlaps unit i
                    break
                pairs = {tuple(sorted((a, b))) for a in codes_i for b in codes_j if a != b}
                for pair in pairs:
                    counts[pair] += 1  # type: ignore[index]
    return sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda t: (-t[2], t[0], t[1]))


# ---------------------------------------------------------------------------------------
# French word frequencies
# ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
_CLITIC = re.compile(
    r"-(?:t-)?(?:je|tu|il|elle|on|nous|vous|ils|elles|ce|ci|là|moi|toi|le|la|les|lui|leur|y|en)\b"
)


def tokens(text: str) -> list[str]:
    """Lower-case French word tokens, elisions (``l'``, ``qu'``) removed."""
    text = text.replace("aujourd'hui", "aujourd’hui").replace("aujourd’hui", "aujourdhui")
    text = _CLITIC.sub(" ", _ELISION.sub(" ", text.casefold()))
    return _WORD.findall(text)


def word_frequencies(
    project: Project,
    *,
    codes: Iterable[str] | None = None,
    coder: str | None = None,
    top: int | None = 50,
    lemmas: bool = True,
    min_length: int = 2,
    speech_only: bool = True,
) -> list[tuple[str, int, int]]:
    """(word or lemma, occurrences, documents) in coded passages or, without codes, all sources.

    French stop words are removed; with ``speech_only`` the speaker labels, timestamps and
    header lines outside speaker turns are ignored when turns were detected.
    """
    from parlons.core.qda.stopwords import FRENCH_STOP_WORDS

    if lemmas:
        import simplemma

        def norm(w: str) -> str:
            return simplemma.lemmatize(w, lang="fr").casefold()
    else:

        def norm(w: str) -> str:
            return w

    chunks: list[tuple[str, str]] = []
    if codes is not None or coder is not None:
        chunks = [(p.source, p.text) for p in passages(project, codes=codes, coder=coder)]
    else:
        for source in project.sources.values():
            if speech_only and source.turns:
                chunks.extend((source.guid, source.text[t.start : t.end]) for t in source.turns)
            else:
                chunks.append((source.guid, source.text))
    cache: dict[str, str] = {}
    total: Counter[str] = Counter()
    docs: dict[str, set[str]] = defaultdict(set)
    for source_guid, text in chunks:
        for word in tokens(text):
            if word in FRENCH_STOP_WORDS or len(word) < min_length:
                continue
            lemma = cache.get(word)
            if lemma is None:
                lemma = cache[word] = norm(word)
            if lemma in FRENCH_STOP_WORDS:
                continue
            total[lemma] += 1
            docs[lemma].add(source_guid)
    ranked = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    if top is not None:
        ranked = ranked[:top]
    return [(w, n, len(docs[w])) for w, n in ranked]
