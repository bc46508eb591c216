"""Writes of research projects. Each runs in one transaction and checks a named rule first."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parlons.core.qda import model as qda
from parlons.core.qda import transcripts
from parlons.core.qda.messages import render as render_core_message
from parlons.core.qda.pseudonym import pseudonymise
from parlons.core.qda.refi import RefiError, format_value, read_codebook, read_qdpx
from parlons.platform.organisations.models import Organisation
from parlons.platform.research import convert, rules
from parlons.platform.research.models import (
    Case,
    CaseValue,
    Code,
    CodedSelection,
    Coder,
    ImportJob,
    Memo,
    PseudonymKey,
    ResearchMembership,
    ResearchProject,
    Source,
    Variable,
)

logger = logging.getLogger(__name__)
Role = ResearchMembership.Role
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def core_message(item) -> str:
    """A message or error of ``parlons.core.qda`` in the current language."""
    return render_core_message(item, translation.get_language())


@transaction.atomic
def create_project(*, actor, organisation: Organisation, title: str,
                   description: str = "") -> ResearchProject:
    if not rules.can_create_project(actor, organisation):
        raise PermissionDenied
    project = ResearchProject.objects.create(organisation=organisation, title=title,
                                             description=description, created_by=actor)
    ResearchMembership.objects.create(project=project, user=actor, role=Role.RESEARCHER)
    rules.forget_roles(actor)
    return project


@transaction.atomic
def set_member(*, actor, project: ResearchProject, user, role: str) -> ResearchMembership:
    """Add a member or change their role; a project always keeps one researcher."""
    if not rules.can_manage_members(actor, project):
        raise PermissionDenied
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    ResearchProject.objects.select_for_update().get(pk=project.pk)
    current = ResearchMembership.objects.filter(project=project, user=user).first()
    if current and current.role == Role.RESEARCHER and role != Role.RESEARCHER:
        _keep_a_researcher(project, excluding=current)
    membership, _created = ResearchMembership.objects.update_or_create(
        project=project, user=user, defaults={"role": role})
    rules.forget_roles(user)
    return membership


def _keep_a_researcher(project: ResearchProject, excluding: ResearchMembership) -> None:
    others = ResearchMembership.objects.filter(project=project, role=Role.RESEARCHER).exclude(
        pk=excluding.pk)
    if not others.exists():
        raise ValidationError(_("A project must keep at least one researcher."))


@transaction.atomic
def remove_member(*, actor, membership: ResearchMembership) -> None:
    project = membership.project
    if not rules.can_manage_members(actor, project):
        raise PermissionDenied
    ResearchProject.objects.select_for_update().get(pk=project.pk)
    if membership.role == Role.RESEARCHER:
        _keep_a_researcher(project, excluding=membership)
    membership.delete()
    rules.forget_roles(membership.user)


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too large (20 MB at most)."))


def read_transcripts(files: list[tuple[str, bytes]], progress=None) -> qda.Project:
    """A core project with one source per file (.txt, .md, .docx, .odt, .srt, .vtt), speaker
    turns detected. ``progress(done, total, name)`` is called before each file."""
    core = qda.Project()
    for index, (filename, data) in enumerate(files):
        _check_size(data)
        path = PurePath(filename)
        if progress is not None:
            progress(index, len(files), path.name)
        ext = path.suffix.lower()
        if ext not in transcripts.SUPPORTED:
            raise ValidationError(
                _("“%(name)s”: unsupported format (expected .txt, .md, .docx, .odt, .srt or "
                  ".vtt).") % {"name": path.name})
        try:
            if ext in (".srt", ".vtt"):
                text, turns = transcripts.subtitles(data)
            else:
                text = transcripts.extract_text(data, ext)
                turns = transcripts.detect_turns(text)
        except (ValueError, KeyError, OSError) as error:
            raise ValidationError(_("“%(name)s” could not be read: %(error)s")
                                  % {"name": path.name, "error": core_message(error)}) from error
        if not text.strip():
            raise ValidationError(_("“%(name)s” holds no text.") % {"name": path.name})
        source = qda.Source(qda.new_guid(), path.stem, text, turns=turns)
        core.sources[source.guid] = source
    return core


@transaction.atomic
def import_transcripts(*, actor, project: ResearchProject,
                       files: list[tuple[str, bytes]]) -> list[Source]:
    """One source per file, in the request (see :func:`start_import` for the background way)."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    core = read_transcripts(files)
    convert.save_core(project, core, actor=actor)
    names = [s.name for s in core.sources.values()]
    return list(Source.objects.filter(project=project, name__in=names).order_by("-pk")
                [:len(names)])


def read_refi(data: bytes) -> tuple[qda.Project, list[str]]:
    """A REFI-QDA project (.qdpx) or codebook (.qdc) read by the core, with its messages (what
    was repaired or dropped) in the current language."""
    _check_size(data)
    try:
        if data[:2] == b"PK":
            core, notes = read_qdpx(data)
        else:
            core, notes = read_codebook(data)
    except (RefiError, ValueError) as error:
        raise ValidationError(_("This file cannot be imported: %(error)s")
                              % {"error": core_message(error)}) from error
    return core, [core_message(note) for note in notes]


@transaction.atomic
def import_qdpx(*, actor, project: ResearchProject, data: bytes) -> tuple[dict, list[str]]:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) in the request; returns counts and
    the reader's messages (what was repaired or dropped)."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    core, notes = read_refi(data)
    counts = convert.save_core(project, core, actor=actor)
    return counts, notes


@transaction.atomic
def import_cases_csv(*, actor, project: ResearchProject, data: bytes,
                     name_column: str = "") -> list[Case]:
    """One case per CSV row with typed attributes, linked to its source by name or file."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    core = convert.to_core(project)
    known_vars = set(core.variables)
    try:
        cases = transcripts.read_cases_csv(core, text, name_column=name_column or None)
    except (ValueError, KeyError) as error:
        raise ValidationError(_("The cases file cannot be read: %(error)s")
                              % {"error": core_message(error)}) from error
    new = qda.Project(variables={g: v for g, v in core.variables.items() if g not in known_vars})
    variables = {v.guid: v for v in Variable.objects.filter(project=project)}
    for v in new.variables.values():
        variables[v.guid] = Variable.objects.create(project=project, guid=v.guid,
                                                    name=v.name[:120], type=v.type)
    sources = {s.guid: s for s in Source.objects.filter(project=project)}
    created = []
    for c in cases:
        case = Case.objects.create(project=project, guid=c.guid, name=(c.name or c.guid)[:200])
        case.sources.set([sources[g] for g in c.sources if g in sources])
        CaseValue.objects.bulk_create([
            CaseValue(case=case, variable=variables[g],
                      value=format_value(variables[g].type, value)[:500])
            for g, value in c.values.items()])
        created.append(case)
    return created


@transaction.atomic
def set_case_value(*, actor, case: Case, variable: Variable, value: str) -> None:
    if not rules.can_manage_project(actor, case.project) or variable.project_id != case.project_id:
        raise PermissionDenied
    from parlons.core.qda.refi import parse_value

    value = value.strip()
    if not value:
        CaseValue.objects.filter(case=case, variable=variable).delete()
        return
    try:
        typed = parse_value(variable.type, value)
    except ValueError as error:
        raise ValidationError(_("“%(value)s” is not a valid value of type %(type)s.")
                              % {"value": value, "type": variable.get_type_display()}) from error
    CaseValue.objects.update_or_create(case=case, variable=variable,
                                       defaults={"value": format_value(variable.type, typed)})


@transaction.atomic
def create_code(*, actor, project: ResearchProject, name: str, parent: Code | None = None,
                colour: str = "", description: str = "", is_codable: bool = True) -> Code:
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    if parent is not None and parent.project_id != project.pk:
        raise ValidationError(_("The parent code belongs to another project."))
    position = Code.objects.filter(project=project).count()
    return Code.objects.create(project=project, guid=qda.new_guid(), parent=parent,
                               name=name, colour=colour, description=description,
                               is_codable=is_codable, position=position)


@transaction.atomic
def update_code(*, actor, code: Code, name: str, parent: Code | None = None, colour: str = "",
                description: str = "", is_codable: bool = True) -> Code:
    """Rename, recolour, describe or move a code (never below itself)."""
    project = code.project
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    code = Code.objects.select_for_update().get(pk=code.pk)
    if parent is not None:
        if parent.project_id != project.pk:
            raise ValidationError(_("The parent code belongs to another project."))
        ancestor: Code | None = parent
        while ancestor is not None:
            if ancestor.pk == code.pk:
                raise ValidationError(_("A code cannot be placed below itself."))
            ancestor = ancestor.parent
    if not is_codable and code.codings.exists():
        raise ValidationError(_("This code has codings: it must stay codable."))
    code.name, code.parent, code.colour = name, parent, colour
    code.description, code.is_codable = description, is_codable
    code.save()
    return code


def coder_for(project: ResearchProject, user) -> Coder:
    """The coder row of a member (created on their first coding)."""
    coder, _created = Coder.objects.get_or_create(
        project=project, user=user,
        defaults={"guid": qda.new_guid(), "name": user.public_name or user.email})
    return coder


def text_digest(text: str) -> str:
    """A short fingerprint of a source's text: the coding form carries it, so that offsets chosen
    on a page opened before a pseudonymisation changed the text are refused, not misplaced."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@transaction.atomic
def code_passage(*, actor, source: Source, code: Code, start: int, end: int,
                 digest: str | None = None) -> CodedSelection:
    """Insert one coding of ``[start, end)`` (code points). Codings are insert-only: two coders
    working at once each add their rows and never overwrite each other's. ``digest`` is the
    :func:`text_digest` of the text the offsets were chosen on, when known."""
    project = source.project
    if not rules.can_code(actor, project):
        raise PermissionDenied
    if code.project_id != project.pk:
        raise ValidationError(_("This code belongs to another project."))
    if not code.is_codable:
        raise ValidationError(_("The code “%(name)s” is a group: choose one of its codes.")
                              % {"name": code.name})
    # the source's row lock orders codings with a pseudonymisation that shifts offsets
    source = Source.objects.select_for_update(no_key=True).filter(pk=source.pk).first()
    if source is None:
        raise ValidationError(_("This source was deleted in the meantime."))
    if not Code.objects.filter(pk=code.pk).exists():
        raise ValidationError(_("This code was deleted in the meantime."))
    if digest and digest != text_digest(source.text):
        raise ValidationError(_("The text of this source changed since you opened the page "
                                "(pseudonymisation): reload the page and select again."))
    if not 0 <= start < end <= len(source.text):
        raise ValidationError(_("Choose a passage inside the text (from 0 to %(length)s).")
                              % {"length": len(source.text)})
    coder = coder_for(project, actor)
    same_span = CodedSelection.objects.filter(source=source, start=start, end=end, coder=coder)
    existing = same_span.filter(code=code).first()
    if existing is not None:
        return existing
    first = same_span.first()
    try:
        with transaction.atomic():
            return CodedSelection.objects.create(
                project=project, source=source, code=code, coder=coder, start=start, end=end,
                selection_guid=first.selection_guid if first else qda.new_guid(),
                guid=qda.new_guid())
    except IntegrityError as error:  # a double submission, or the code was just deleted
        found = CodedSelection.objects.filter(source=source, start=start, end=end, code=code,
                                              coder=coder).first()
        if found is None:
            raise ValidationError(_("This code was deleted in the meantime.")) from error
        return found


@transaction.atomic
def delete_coding(*, actor, coding: CodedSelection) -> None:
    if not rules.can_delete_coding(actor, coding):
        raise PermissionDenied
    coding.delete()


@transaction.atomic
def add_memo(*, actor, project: ResearchProject, text: str, title: str = "",
             target: str = Memo.Target.PROJECT, obj=None) -> Memo:
    if not rules.can_write_memo(actor, project):
        raise PermissionDenied
    memo = Memo(project=project, guid=qda.new_guid(), title=title, text=text, target=target,
                author=actor, author_name=actor.public_name or "")
    if target != Memo.Target.PROJECT:
        if obj is None or obj.project_id != project.pk:
            raise ValidationError(_("The memo's target belongs to another project."))
        setattr(memo, target, obj)
    memo.save()
    return memo


# ---------------------------------------------------------------------------------------
# deletions (researchers; memos also by their co-coder author)
# ---------------------------------------------------------------------------------------

CHILDREN_DELETE, CHILDREN_LIFT = "delete", "lift"


def _lock_project(project: ResearchProject) -> ResearchProject:
    """Row lock that serialises structural edits of a project (codebook, sets, deletions).

    ``FOR NO KEY UPDATE``: it does not block the key-share locks that inserting a coding takes
    on its project (foreign key), so a coder holding a source's lock never waits for it
    (no deadlock with :func:`code_passage`, which locks the source first)."""
    return ResearchProject.objects.select_for_update(no_key=True).get(pk=project.pk)


def _prune_extras(project: ResearchProject) -> None:
    """Drop from sets and links the GUIDs of objects that no longer exist."""
    extras = dict(project.refi_extras or {})
    if not extras.get("sets") and not extras.get("links"):
        return
    alive = set()
    for model in (Code, Source, Case, Memo):
        alive.update(model.objects.filter(project=project).values_list("guid", flat=True))
    alive.update(CodedSelection.objects.filter(project=project)
                 .values_list("selection_guid", flat=True))
    sets = [{**item, **{k: [g for g in item.get(k, []) if g in alive]
                        for k in ("codes", "sources", "notes")}}
            for item in extras.get("sets", [])]
    links = [item for item in extras.get("links", [])
             if item["origin"] in alive and item["target"] in alive]
    extras.update(sets=sets, links=links)
    ResearchProject.objects.filter(pk=project.pk).update(refi_extras=extras)
    project.refi_extras = extras


def code_subtree(code: Code) -> list[int]:
    """Primary keys of every code below ``code`` (children, grandchildren...)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Code.objects.filter(project_id=code.project_id).values_list("pk",
                                                                                  "parent_id"):
        children.setdefault(parent, []).append(pk)
    out, todo = [], list(children.get(code.pk, []))
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(children.get(pk, []))
    return out


def _locked_for_deletion(actor, obj, gone: str):
    """``obj`` (a code, source or case) read again under the project lock, for a manager of
    its project; ``gone`` is the message when someone deleted it meanwhile."""
    project = obj.project
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    _lock_project(project)
    fresh = type(obj).objects.filter(pk=obj.pk, project=project).select_related(
        "project").first()
    if fresh is None:
        raise ValidationError(gone)
    return fresh


def code_deletion_impact(code: Code, children: str = CHILDREN_DELETE) -> dict[str, int]:
    """What deleting ``code`` removes: codes, codings and memos (with ``children`` chosen)."""
    below = code_subtree(code)
    doomed = [code.pk] + (below if children == CHILDREN_DELETE else [])
    return {"subcodes": len(below), "codes": len(doomed),
            "codings": CodedSelection.objects.filter(code__in=doomed).count(),
            "memos": Memo.objects.filter(project_id=code.project_id).filter(
                models.Q(code__in=doomed) | models.Q(selection__code__in=doomed)).count()}


@transaction.atomic
def delete_code(*, actor, code: Code, children: str = "") -> dict[str, int]:
    """Delete a code with its codings and memos. Sub-codes are deleted too (``"delete"``) or
    moved up to the code's parent (``"lift"``); a code with sub-codes needs that choice."""
    code = _locked_for_deletion(actor, code, _("This code was already deleted."))
    project = code.project
    below = code_subtree(code)
    if below and children not in (CHILDREN_DELETE, CHILDREN_LIFT):
        raise ValidationError(_("This code has sub-codes: choose whether to delete them or to "
                                "move them up one level."))
    impact = code_deletion_impact(code, children or CHILDREN_DELETE)
    if children == CHILDREN_LIFT:
        Code.objects.filter(parent=code).update(parent=code.parent_id)
        doomed = [code.pk]
    else:
        doomed = [code.pk, *below]
    Code.objects.filter(pk__in=doomed).delete()
    _prune_extras(project)
    return impact


def source_deletion_impact(source: Source) -> dict[str, int]:
    return {"codings": source.codings.count(),
            "memos": Memo.objects.filter(models.Q(source=source)
                                         | models.Q(selection__source=source)).count(),
            "cases": source.cases.count()}


@transaction.atomic
def delete_source(*, actor, source: Source) -> dict[str, int]:
    """Delete a source with its codings and their memos; its cases stay (unlinked)."""
    source = _locked_for_deletion(actor, source, _("This source was already deleted."))
    impact = source_deletion_impact(source)
    source.delete()
    _prune_extras(source.project)
    return impact


def case_deletion_impact(case: Case) -> dict[str, int]:
    return {"values": case.values.count(), "memos": case.memos.count(),
            "sources": case.sources.count()}


@transaction.atomic
def delete_case(*, actor, case: Case) -> dict[str, int]:
    """Delete a case with its attribute values and memos; its sources stay."""
    case = _locked_for_deletion(actor, case, _("This case was already deleted."))
    impact = case_deletion_impact(case)
    case.delete()
    _prune_extras(case.project)
    return impact


@transaction.atomic
def delete_memo(*, actor, memo: Memo) -> None:
    if not rules.can_delete_memo(actor, memo):
        raise PermissionDenied
    _lock_project(memo.project)
    Memo.objects.filter(pk=memo.pk).delete()
    _prune_extras(memo.project)


# ---------------------------------------------------------------------------------------
# sets and links (REFI-QDA), kept in ``ResearchProject.refi_extras``
# ---------------------------------------------------------------------------------------

LINK_DIRECTIONS = ("Associative", "OneWay", "Bidirectional")


@transaction.atomic
def save_set(*, actor, project: ResearchProject, name: str, description: str = "",
             codes=(), sources=(), guid: str | None = None) -> str:
    """Create a set of codes and sources, or change one (its notes are kept); returns its GUID."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    locked = _lock_project(project)
    if any(c.project_id != project.pk for c in codes) or any(
            s.project_id != project.pk for s in sources):
        raise ValidationError(_("A set holds codes and sources of this project only."))
    extras = dict(locked.refi_extras or {})
    sets = list(extras.get("sets", []))
    item = {"guid": guid or qda.new_guid(), "name": name, "description": description or None,
            "codes": [c.guid for c in codes], "sources": [s.guid for s in sources], "notes": []}
    if guid is not None:
        index = next((i for i, s in enumerate(sets) if s["guid"] == guid), None)
        if index is None:
            raise ValidationError(_("This set no longer exists."))
        item["notes"] = sets[index].get("notes", [])
        sets[index] = item
    else:
        sets.append(item)
    extras["sets"] = sets
    extras.setdefault("links", [])
    ResearchProject.objects.filter(pk=project.pk).update(refi_extras=extras)
    project.refi_extras = extras
    return item["guid"]


def _linkable(project: ResearchProject) -> set[str]:
    guids = set(Code.objects.filter(project=project).values_list("guid", flat=True))
    guids.update(CodedSelection.objects.filter(project=project)
                 .values_list("selection_guid", flat=True))
    return guids


@transaction.atomic
def add_link(*, actor, project: ResearchProject, origin: str, target: str, name: str = "",
             direction: str = "Associative", colour: str = "") -> str:
    """Link two codes or coded passages (GUIDs); returns the link's GUID."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    locked = _lock_project(project)
    known = _linkable(project)
    if origin not in known or target not in known:
        raise ValidationError(_("A link joins two codes or coded passages of this project."))
    if origin == target:
        raise ValidationError(_("A link joins two different objects."))
    if direction not in LINK_DIRECTIONS:
        raise ValidationError(_("Unknown direction."))
    extras = dict(locked.refi_extras or {})
    item = {"guid": qda.new_guid(), "origin": origin, "target": target, "name": name or None,
            "direction": direction, "color": colour.upper() or None}
    extras["links"] = [*extras.get("links", []), item]
    extras.setdefault("sets", [])
    ResearchProject.objects.filter(pk=project.pk).update(refi_extras=extras)
    project.refi_extras = extras
    return item["guid"]


@transaction.atomic
def delete_extra(*, actor, project: ResearchProject, kind: str, guid: str) -> None:
    """Delete a set (``kind="sets"``) or a link (``kind="links"``); its members stay."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    if kind not in ("sets", "links"):
        raise ValueError(kind)
    locked = _lock_project(project)
    extras = dict(locked.refi_extras or {})
    items = [item for item in extras.get(kind, []) if item["guid"] != guid]
    if len(items) == len(extras.get(kind, [])):
        raise ValidationError(_("This item was already deleted."))
    extras[kind] = items
    ResearchProject.objects.filter(pk=project.pk).update(refi_extras=extras)
    project.refi_extras = extras


# ---------------------------------------------------------------------------------------
# pseudonymisation (core: parlons.core.qda.pseudonym)
# ---------------------------------------------------------------------------------------

_SEPARATORS = ("=>", "→", ";", "\t", "=", ",")


def parse_replacements(text: str) -> list[tuple[str, str]]:
    """``Nadia ; Inès`` lines (also ``=``, ``=>``, ``→``, tab or comma) as (original, pseudonym)
    pairs; a clear error names the first faulty line."""
    pairs: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        sep = next((s for s in _SEPARATORS if s in line), None)
        original, _sep, pseudonym = line.partition(sep) if sep else (line, "", "")
        original, pseudonym = original.strip(), pseudonym.strip()
        if not original or not pseudonym:
            raise ValidationError(_("Line %(n)s: write “name ; pseudonym”.") % {"n": number})
        if original == pseudonym:
            raise ValidationError(_("Line %(n)s: the pseudonym is the name itself.")
                                  % {"n": number})
        if seen.get(original, pseudonym) != pseudonym:
            raise ValidationError(_("Line %(n)s: “%(name)s” already has another pseudonym.")
                                  % {"n": number, "name": original})
        if original not in seen:
            seen[original] = pseudonym
            pairs.append((original, pseudonym))
    if not pairs:
        raise ValidationError(_("Give at least one name and its pseudonym."))
    return pairs


def pseudonymisation_preview(project: ResearchProject, pairs: list[tuple[str, str]],
                             examples: int = 3) -> dict:
    """What applying ``pairs`` would change, without writing: per source, the number of
    replacements and a few examples in context; and the other fields changed."""
    core = convert.to_core(project)
    new, key = pseudonymise(core, pairs)
    rows = []
    for guid, entry in key["sources"].items():
        if not entry["spans"]:
            continue
        text = new.sources[guid].text
        shown = []
        for new_start, new_end, original in entry["spans"][:examples]:
            shown.append({"before": text[max(0, new_start - 40):new_start],
                          "pseudonym": text[new_start:new_end], "original": original,
                          "after": text[new_end:new_end + 40]})
        rows.append({"name": core.sources[guid].name, "new_name": new.sources[guid].name,
                     "count": len(entry["spans"]), "examples": shown})
    return {"sources": rows, "occurrences": sum(r["count"] for r in rows),
            "fields": len(key["fields"])}


_SHIFT = 1_000_000_000  # moves rows out of the way while offsets change (unique constraint)


@transaction.atomic
def apply_pseudonyms(*, actor, project: ResearchProject,
                     pairs: list[tuple[str, str]]) -> PseudonymKey:
    """Replace every listed name in the project's sources, memos, cases and descriptions, all
    at once, shifting coded passages; keep the key (for researchers only)."""
    if not rules.can_pseudonymise(actor, project):
        raise PermissionDenied
    locked = _lock_project(project)
    sources = {s.guid: s for s in
               Source.objects.select_for_update(no_key=True).filter(project=project)}
    core = convert.to_core(locked)
    new, key = pseudonymise(core, pairs)
    occurrences = sum(len(e["spans"]) for e in key["sources"].values())
    if not occurrences and not key["fields"]:
        raise ValidationError(_("None of these names occurs in the project."))
    changed = []
    for guid, source in sources.items():
        after = new.sources[guid]
        if (after.text, after.name, after.description or "") != (source.text, source.name,
                                                                 source.description):
            source.text, source.name = after.text, after.name[:200]
            source.description = after.description or ""
            source.turns = convert.turns_to_json(after.turns)
            changed.append(source)
    Source.objects.bulk_update(changed, ["text", "name", "description", "turns"])
    _move_codings(project, new)
    memos = list(Memo.objects.filter(project=project))
    for memo in memos:
        note = new.notes[memo.guid]
        memo.title, memo.text = (note.name or "")[:200], note.text or ""
    Memo.objects.bulk_update(memos, ["title", "text"])
    cases = list(Case.objects.filter(project=project))
    for case in cases:
        after = new.cases[case.guid]
        case.name, case.description = (after.name or case.guid)[:200], after.description or ""
    Case.objects.bulk_update(cases, ["name", "description"])
    values = list(CaseValue.objects.filter(case__project=project).select_related("case",
                                                                                  "variable"))
    for value in values:
        raw = new.cases[value.case.guid].values.get(value.variable.guid)
        if isinstance(raw, str):
            value.value = raw[:500]
    CaseValue.objects.bulk_update(values, ["value"])
    codes = list(Code.objects.filter(project=project))
    for code in codes:
        code.description = new.codes[code.guid].description or ""
    Code.objects.bulk_update(codes, ["description"])
    extras = dict(locked.refi_extras or {})
    for item in extras.get("sets", []):
        if item["guid"] in new.sets:
            item["description"] = new.sets[item["guid"]].description
    ResearchProject.objects.filter(pk=project.pk).update(description=new.description or "",
                                                         refi_extras=extras)
    project.description, project.refi_extras = new.description or "", extras
    return PseudonymKey.objects.create(project=project, replacements=[list(p) for p in pairs],
                                       key=key, occurrences=occurrences, created_by=actor)


def _move_codings(project: ResearchProject, new: qda.Project) -> None:
    """Give every coding the offsets of its selection in ``new``; codings that now coincide
    (a passage inside a name) are merged, their memos kept on the surviving row."""
    rows = list(CodedSelection.objects.filter(project=project))
    moving, kept = [], {}
    for row in rows:
        selection = new.selections[row.selection_guid]
        if (selection.start, selection.end) == (row.start, row.end):
            kept[(row.source_id, row.start, row.end, row.code_id, row.coder_id)] = row
            continue
        row.start, row.end = selection.start, selection.end
        moving.append(row)
    if not moving:
        return
    CodedSelection.objects.filter(pk__in=[r.pk for r in moving]).update(
        start=models.F("start") + _SHIFT, end=models.F("end") + _SHIFT)
    final, doubles = [], []
    for row in moving:
        spot = (row.source_id, row.start, row.end, row.code_id, row.coder_id)
        if spot in kept:
            Memo.objects.filter(selection=row).update(selection=kept[spot])
            doubles.append(row.pk)
        else:
            kept[spot] = row
            final.append(row)
    CodedSelection.objects.filter(pk__in=doubles).delete()
    CodedSelection.objects.bulk_update(final, ["start", "end"])


@transaction.atomic
def delete_pseudonym_key(*, actor, key: PseudonymKey) -> None:
    """Forget a key: the pseudonymisation can no longer be undone."""
    if not rules.can_pseudonymise(actor, key.project):
        raise PermissionDenied
    PseudonymKey.objects.filter(pk=key.pk).delete()


# ---------------------------------------------------------------------------------------
# imports in the background (Celery: eager without REDIS_URL, a worker in production)
# ---------------------------------------------------------------------------------------


def _pack(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index, (name, data) in enumerate(files):
            archive.writestr(f"{index:04d}/{PurePath(name).name}", data)
    return buffer.getvalue()


def _unpack(payload: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return [(PurePath(name).name, archive.read(name)) for name in sorted(archive.namelist())]


@transaction.atomic
def start_import(*, actor, project: ResearchProject, kind: str,
                 files: list[tuple[str, bytes]]) -> ImportJob:
    """Record an import and queue it (after commit); the task fills in its progress."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    if kind not in ImportJob.Kind.values or not files:
        raise ValidationError(_("Nothing to import."))
    for name, data in files:
        _check_size(data)
        if kind == ImportJob.Kind.TRANSCRIPTS and \
                PurePath(name).suffix.lower() not in transcripts.SUPPORTED:
            raise ValidationError(
                _("“%(name)s”: unsupported format (expected .txt, .md, .docx, .odt, .srt or "
                  ".vtt).") % {"name": PurePath(name).name})
    job = ImportJob.objects.create(
        project=project, kind=kind, filenames=[PurePath(n).name for n, _d in files],
        payload=_pack(files), language=translation.get_language() or "fr", created_by=actor,
        step=_("Waiting for a worker…"))
    from parlons.platform.research import tasks

    transaction.on_commit(lambda: tasks.run_import.delay(job.pk))
    return job


def _progress(job_id: int, percent: int, step: str) -> None:
    """Record progress (and that the worker is alive) while the job is still running."""
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
        progress=percent, step=step[:200], updated_at=timezone.now())


def run_import(job_id: int) -> str:
    """Run a queued import (called by the Celery task); returns its final status. Progress is
    written outside the import's transaction, so the page sees it while the file is read."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, progress=1, updated_at=timezone.now())
    job = ImportJob.objects.select_related("project", "created_by").filter(pk=job_id).first()
    if not claimed or job is None:  # already run (a redelivered task) or deleted
        return job.status if job else "missing"
    with translation.override(job.language):
        try:
            counts, notes = _run(job)
        except (ValidationError, PermissionDenied) as error:
            text = (" ".join(error.messages) if isinstance(error, ValidationError)
                    else _("You may no longer import into this project."))
            return _fail(job, text)
        except Exception:  # a bug must not leave the job "in progress" forever
            logger.exception("research import %s failed", job.pk)
            return _fail(job, _("The import failed because of an unexpected error; the "
                                "administrators can read the details in the logs."))
    return ImportJob.Status.DONE if counts is not None else ImportJob.Status.FAILED


def _fail(job: ImportJob, text: str) -> str:
    ImportJob.objects.filter(pk=job.pk).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.FAILED, error=text, payload=b"", step=_("The import failed."))
    return ImportJob.Status.FAILED


def fail_stale_imports(now=None) -> int:
    """Mark as failed the imports whose worker died: running with no progress for
    ``PARLONS_IMPORT_STALE_MINUTES`` (default 30), or never picked up for a day. Returns how
    many. A worker that comes back finds its job failed and rolls its import back."""
    now = now or timezone.now()
    stale = int(getattr(settings, "PARLONS_IMPORT_STALE_MINUTES", 30))
    jobs = ImportJob.objects.filter(
        models.Q(status=ImportJob.Status.RUNNING, updated_at__lt=now - dt.timedelta(minutes=stale))
        | models.Q(status=ImportJob.Status.PENDING, created_at__lt=now - dt.timedelta(days=1)))
    failed = 0
    for job_id, language in jobs.values_list("pk", "language"):
        with translation.override(language):
            failed += ImportJob.objects.filter(pk=job_id).filter(
                models.Q(status=ImportJob.Status.RUNNING) | models.Q(status=ImportJob.Status.PENDING)
            ).update(status=ImportJob.Status.FAILED, payload=b"", step=_("The import failed."),
                     error=_("The import was interrupted (the server handling it stopped). "
                             "Nothing of it was saved: please start it again."))
    return failed


def _run(job: ImportJob) -> tuple[dict | None, list[str]]:
    project, actor = job.project, job.created_by
    if actor is None or not rules.can_manage_project(actor, project):
        raise PermissionDenied
    files = _unpack(bytes(job.payload))
    if job.kind == ImportJob.Kind.REFI:
        _progress(job.pk, 10, _("Reading “%(name)s”…") % {"name": files[0][0]})
        core, notes = read_refi(files[0][1])
    else:
        def step(done: int, total: int, name: str) -> None:
            _progress(job.pk, 5 + 55 * done // max(total, 1),
                      _("Reading “%(name)s” (%(done)s of %(total)s)…")
                      % {"name": name, "done": done + 1, "total": total})

        core, notes = read_transcripts(files, progress=step), []
    n_codings = sum(len(s.codings) for s in core.selections.values())
    _progress(job.pk, 60, _("Saving %(sources)s sources and %(codings)s codings…")
              % {"sources": len(core.sources), "codings": n_codings})
    with transaction.atomic():
        _lock_project(project)
        counts = convert.save_core(project, core, actor=actor)
        finished = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.DONE, progress=100, counts=counts, notes=notes, payload=b"",
            step=_("Import finished."), updated_at=timezone.now())
        if not finished:  # declared dead by fail_stale_imports meanwhile: save nothing
            transaction.set_rollback(True)
            return None, notes
    return counts, notes
