"""Writes of research projects. Each runs in one transaction and checks a named rule first."""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parlons.core.qda import model as qda
from parlons.core.qda import transcripts
from parlons.core.qda.refi import RefiError, format_value, read_codebook, read_qdpx
from parlons.platform.organisations.models import Organisation
from parlons.platform.research import convert, rules
from parlons.platform.research.models import (
    Case,
    CaseValue,
    Code,
    CodedSelection,
    Coder,
    Memo,
    ResearchMembership,
    ResearchProject,
    Source,
    Variable,
)

Role = ResearchMembership.Role
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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


@transaction.atomic
def import_transcripts(*, actor, project: ResearchProject,
                       files: list[tuple[str, bytes]]) -> list[Source]:
    """One source per file (.txt, .md, .docx, .odt, .srt, .vtt), speaker turns detected."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    core = qda.Project()
    for filename, data in files:
        _check_size(data)
        path = PurePath(filename)
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
                                  % {"name": path.name, "error": error}) from error
        if not text.strip():
            raise ValidationError(_("“%(name)s” holds no text.") % {"name": path.name})
        source = qda.Source(qda.new_guid(), path.stem, text, turns=turns)
        core.sources[source.guid] = source
    convert.save_core(project, core, actor=actor)
    names = [s.name for s in core.sources.values()]
    return list(Source.objects.filter(project=project, name__in=names).order_by("-pk")
                [:len(names)])


@transaction.atomic
def import_qdpx(*, actor, project: ResearchProject, data: bytes) -> tuple[dict, list[str]]:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc); returns counts and the reader's
    messages (what was repaired or dropped)."""
    if not rules.can_manage_project(actor, project):
        raise PermissionDenied
    _check_size(data)
    try:
        if data[:2] == b"PK":
            core, messages = read_qdpx(data)
        else:
            core, messages = read_codebook(data)
    except (RefiError, ValueError) as error:
        raise ValidationError(_("This file cannot be imported: %(error)s")
                              % {"error": error}) from error
    counts = convert.save_core(project, core, actor=actor)
    return counts, messages


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
                              % {"error": error}) from error
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


@transaction.atomic
def code_passage(*, actor, source: Source, code: Code, start: int, end: int) -> CodedSelection:
    """Insert one coding of ``[start, end)`` (code points). Codings are insert-only: two coders
    working at once each add their rows and never overwrite each other's."""
    project = source.project
    if not rules.can_code(actor, project):
        raise PermissionDenied
    if code.project_id != project.pk:
        raise ValidationError(_("This code belongs to another project."))
    if not code.is_codable:
        raise ValidationError(_("The code “%(name)s” is a group: choose one of its codes.")
                              % {"name": code.name})
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
    except IntegrityError:  # the same person double-submitted the same coding
        return CodedSelection.objects.get(source=source, start=start, end=end, code=code,
                                          coder=coder)


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
