"""Conversions between the database and the functional core's model (``parlons.core.qda``).

Queries, exports and REFI-QDA exchange all run on a core :class:`~parlons.core.qda.model.Project`
built by :func:`to_core`; imports go through :func:`save_core`. Nothing else converts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from parlons.core.qda import model as qda
from parlons.core.qda.refi import format_value, parse_value
from parlons.platform.research.models import (
    Case,
    CaseValue,
    Code,
    CodedSelection,
    Coder,
    Memo,
    ResearchProject,
    Source,
    Variable,
)


def turns_to_json(turns: list[qda.Turn]) -> list[list[Any]]:
    return [[t.speaker, t.start, t.end, t.time] for t in turns]


def turns_from_json(data: list[list[Any]]) -> list[qda.Turn]:
    return [qda.Turn(speaker, start, end, time) for speaker, start, end, time in data or []]


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def to_core(project: ResearchProject) -> qda.Project:
    """The whole project as a core model (for queries, exports and ``.qdpx`` writing)."""
    core = qda.Project(name=project.title, origin="Parlons",
                       description=project.description or None,
                       creation_datetime=_iso(project.created_at))
    for coder in Coder.objects.filter(project=project):
        core.users[coder.guid] = qda.User(coder.guid, coder.name, coder.name)
    codes = list(Code.objects.filter(project=project))
    guid_of = {c.pk: c.guid for c in codes}
    for code in codes:
        core.codes[code.guid] = qda.Code(code.guid, code.name, code.is_codable,
                                         code.colour or None, code.description or None,
                                         guid_of.get(code.parent_id))
    variables = {v.pk: v for v in Variable.objects.filter(project=project)}
    for v in variables.values():
        core.variables[v.guid] = qda.Variable(v.guid, v.name, v.type, v.description or None)
    sources = list(Source.objects.filter(project=project))
    source_guid = {s.pk: s.guid for s in sources}
    for s in sources:
        core.sources[s.guid] = qda.Source(s.guid, s.name, s.text, s.description or None,
                                          creation_datetime=_iso(s.created_at),
                                          turns=turns_from_json(s.turns))
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    for cv in CaseValue.objects.filter(case__project=project):
        variable = variables[cv.variable_id]
        try:
            values[cv.case_id][variable.guid] = parse_value(variable.type, cv.value)
        except ValueError:
            values[cv.case_id][variable.guid] = cv.value
    links = defaultdict(list)
    for case_id, source_id in Case.sources.through.objects.filter(
            case__project=project).values_list("case_id", "source_id"):
        links[case_id].append(source_guid[source_id])
    for case in Case.objects.filter(project=project):
        core.cases[case.guid] = qda.Case(case.guid, case.name, case.description or None,
                                         values[case.pk], links[case.pk])
    coder_guid = dict(Coder.objects.filter(project=project).values_list("pk", "guid"))
    for row in CodedSelection.objects.filter(project=project).order_by("source_id", "start",
                                                                       "end", "pk"):
        selection = core.selections.get(row.selection_guid)
        who = coder_guid[row.coder_id]
        if selection is None:
            text = core.sources[source_guid[row.source_id]].text
            selection = qda.Selection(row.selection_guid, source_guid[row.source_id], row.start,
                                      row.end, qda.selection_name(text[row.start:row.end]),
                                      creating_user=who,
                                      creation_datetime=_iso(row.created_at))
            core.selections[selection.guid] = selection
        selection.codings.append(qda.Coding(row.guid, guid_of[row.code_id], who,
                                            _iso(row.created_at)))
    for memo in Memo.objects.filter(project=project).select_related(
            "source", "selection", "code", "case"):
        target = {
            Memo.Target.SOURCE: memo.source.guid if memo.source else None,
            Memo.Target.SELECTION: memo.selection.selection_guid if memo.selection else None,
            Memo.Target.CODE: memo.code.guid if memo.code else None,
            Memo.Target.CASE: memo.case.guid if memo.case else None,
        }.get(memo.target, qda.PROJECT)
        core.notes[memo.guid] = qda.Note(memo.guid, memo.title or None, memo.text,
                                         creation_datetime=_iso(memo.created_at),
                                         targets=[target or qda.PROJECT])
    extras = project.refi_extras or {}
    known = set(core.codes) | set(core.sources) | set(core.notes)
    for item in extras.get("sets", []):
        core.sets[item["guid"]] = qda.Set(
            item["guid"], item["name"], item.get("description"),
            [g for g in item.get("codes", []) if g in core.codes],
            [g for g in item.get("sources", []) if g in core.sources],
            [g for g in item.get("notes", []) if g in core.notes])
    for item in extras.get("links", []):
        if item["origin"] in known | set(core.selections) | set(core.cases) and \
                item["target"] in known | set(core.selections) | set(core.cases):
            core.links[item["guid"]] = qda.Link(item["guid"], item["origin"], item["target"],
                                                item.get("name"), item.get("direction"),
                                                item.get("color"))
    return core


def _save_extras(project: ResearchProject, core: qda.Project, renamed: dict[str, str]) -> None:
    """Keep the sets and links of an imported project (GUIDs renamed like their objects)."""
    extras = dict(project.refi_extras or {})
    sets, links = list(extras.get("sets", [])), list(extras.get("links", []))
    taken = {item["guid"] for item in sets + links}

    def new(guid: str) -> str:
        return renamed.get(guid, guid)

    for s in core.sets.values():
        sets.append({"guid": _fresh(s.guid, taken), "name": s.name, "description": s.description,
                     "codes": [new(g) for g in s.codes], "sources": [new(g) for g in s.sources],
                     "notes": [new(g) for g in s.notes]})
    for link in core.links.values():
        links.append({"guid": _fresh(link.guid, taken), "origin": new(link.origin),
                      "target": new(link.target), "name": link.name,
                      "direction": link.direction, "color": link.color})
    if core.sets or core.links:
        extras.update(sets=sets, links=links)
        ResearchProject.objects.filter(pk=project.pk).update(refi_extras=extras)
        project.refi_extras = extras


def _fresh(guid: str, taken: set[str]) -> str:
    """``guid`` unless the project already uses it (a second import of the same file)."""
    if guid in taken:
        guid = qda.new_guid()
    taken.add(guid)
    return guid


def save_core(project: ResearchProject, core: qda.Project, *, actor=None) -> dict[str, int]:
    """Add everything of a core project to ``project`` (called inside a service's transaction).

    GUIDs already used in the project get new ones, so importing twice duplicates rather than
    overwrites. Returns counts of what was added."""
    coders = {c.guid: c for c in Coder.objects.filter(project=project)}
    for user in core.users.values():
        if user.guid not in coders:
            coders[user.guid] = Coder.objects.create(project=project, guid=user.guid,
                                                     name=user.id or user.name or user.guid)
    taken = set(Code.objects.filter(project=project).values_list("guid", flat=True))
    codes: dict[str, Code] = {}
    first = Code.objects.filter(project=project).count()
    for position, c in enumerate(core.codes.values(), start=first):
        codes[c.guid] = Code.objects.create(
            project=project, guid=_fresh(c.guid, taken), name=c.name[:200],
            colour=(c.color or "")[:7], description=c.description or "",
            is_codable=c.is_codable, position=position)
    for c in core.codes.values():
        if c.parent and c.parent in codes:
            Code.objects.filter(pk=codes[c.guid].pk).update(parent=codes[c.parent])
    variables = {v.name: v for v in Variable.objects.filter(project=project)}
    by_guid: dict[str, Variable] = {}
    taken = {v.guid for v in variables.values()}
    for v in core.variables.values():
        if v.name not in variables:
            variables[v.name] = Variable.objects.create(
                project=project, guid=_fresh(v.guid, taken), name=v.name[:120], type=v.type,
                description=v.description or "")
        by_guid[v.guid] = variables[v.name]
    taken = set(Source.objects.filter(project=project).values_list("guid", flat=True))
    sources: dict[str, Source] = {}
    for s in core.sources.values():
        sources[s.guid] = Source.objects.create(
            project=project, guid=_fresh(s.guid, taken), name=s.name[:200],
            description=s.description or "", text=s.text, turns=turns_to_json(s.turns),
            created_by=actor)
    taken = set(Case.objects.filter(project=project).values_list("guid", flat=True))
    cases: dict[str, Case] = {}
    for c in core.cases.values():
        case = Case.objects.create(project=project, guid=_fresh(c.guid, taken),
                                   name=(c.name or c.guid)[:200], description=c.description or "")
        case.sources.set([sources[g] for g in c.sources if g in sources])
        CaseValue.objects.bulk_create([
            CaseValue(case=case, variable=by_guid[g],
                      value=format_value(by_guid[g].type, value)[:500])
            for g, value in c.values.items() if g in by_guid])
        cases[c.guid] = case
    unknown = None
    rows, seen = [], set()
    first_index: dict[str, int] = {}
    taken = set(CodedSelection.objects.filter(project=project)
                .values_list("selection_guid", flat=True))
    for sel in core.selections.values():
        if sel.source not in sources:
            continue
        sel_guid = _fresh(sel.guid, taken)
        for coding in sel.codings:
            if coding.code not in codes:
                continue
            who = sel.coder(coding)
            if who in coders:
                coder = coders[who]
            else:
                if unknown is None:
                    unknown = Coder.objects.get_or_create(
                        project=project, guid=qda.new_guid("unknown coder"),
                        defaults={"name": "?"})[0]
                coder = unknown
            key = (sel.source, sel.start, sel.end, coding.code, coder.pk)
            if key in seen:
                continue
            seen.add(key)
            first_index.setdefault(sel.guid, len(rows))
            rows.append(CodedSelection(
                project=project, source=sources[sel.source], code=codes[coding.code],
                coder=coder, start=sel.start, end=sel.end, selection_guid=sel_guid,
                guid=qda.new_guid()))
    created = CodedSelection.objects.bulk_create(rows)
    old_to_new = {guid: created[index] for guid, index in first_index.items()}
    memos = []
    taken_notes = set(Memo.objects.filter(project=project).values_list("guid", flat=True))
    for note in core.notes.values():
        memo = Memo(project=project, guid=_fresh(note.guid, taken_notes),
                    title=(note.name or "")[:200],
                    text=note.text or "", author_name="")
        for target in note.targets:
            if target in sources:
                memo.target, memo.source = Memo.Target.SOURCE, sources[target]
            elif target in codes:
                memo.target, memo.code = Memo.Target.CODE, codes[target]
            elif target in cases:
                memo.target, memo.case = Memo.Target.CASE, cases[target]
            elif target in old_to_new:
                memo.target, memo.selection = Memo.Target.SELECTION, old_to_new[target]
            else:
                continue
            break
        memos.append(memo)
    Memo.objects.bulk_create(memos)
    renamed = {old: new.guid for old, new in [*codes.items(), *sources.items(), *cases.items()]}
    renamed.update({note.guid: memo.guid for note, memo in zip(core.notes.values(), memos,
                                                               strict=True)})
    renamed.update({old: row.selection_guid for old, row in old_to_new.items()})
    _save_extras(project, core, renamed)
    return {"sources": len(sources), "codes": len(codes), "cases": len(cases),
            "codings": len(rows), "memos": len(memos)}
