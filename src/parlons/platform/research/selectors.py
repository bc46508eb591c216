"""Reads of research projects, always scoped to one organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from parlons.platform.organisations.models import Organisation
from parlons.platform.organisations.rules import is_organisation_admin
from parlons.platform.research.models import (
    Code,
    CodedSelection,
    ResearchMembership,
    ResearchProject,
    Source,
)


def projects_for(user, organisation: Organisation) -> QuerySet[ResearchProject]:
    """Projects ``user`` is a member of; every project of the organisation for its admins."""
    projects = ResearchProject.objects.filter(organisation=organisation)
    if not getattr(user, "is_authenticated", False):
        return projects.none()
    if not is_organisation_admin(user, organisation):
        projects = projects.filter(
            Exists(ResearchMembership.objects.filter(project=OuterRef("pk"), user=user)))
    return projects.annotate(n_members=Count("memberships", distinct=True))


def get_project(organisation: Organisation, pk: int) -> ResearchProject:
    return get_object_or_404(ResearchProject.objects.select_related("organisation"),
                             organisation=organisation, pk=pk)


def get_source(project: ResearchProject, pk: int) -> Source:
    return get_object_or_404(Source, project=project, pk=pk)


def code_tree(project: ResearchProject) -> list[tuple[Code, int]]:
    """Codes in tree order with their depth (0 for top-level codes)."""
    codes = list(Code.objects.filter(project=project))
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    out: list[tuple[Code, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            out.append((code, depth))
            walk(code.pk, depth + 1)

    walk(None, 0)
    return out


def code_paths(project: ResearchProject) -> dict[int, str]:
    """Full name (``Freins/Horaires``) of every code, by primary key."""
    codes = {c.pk: c for c in Code.objects.filter(project=project)}

    def path(code: Code) -> str:
        parts, seen = [], set()
        while code is not None and code.pk not in seen:
            seen.add(code.pk)
            parts.append(code.name)
            code = codes.get(code.parent_id)
        return "/".join(reversed(parts))

    return {pk: path(code) for pk, code in codes.items()}


@dataclass
class Segment:
    """A run of text covered by the same codings (none for uncoded text)."""

    text: str
    codes: list[int] = field(default_factory=list)
    start: int = 0


def segments(text: str, codings: list[CodedSelection]) -> list[Segment]:
    """Cut ``text`` at every coding boundary; each piece lists the codes covering it."""
    bounds = {0, len(text)}
    for c in codings:
        bounds.update((c.start, c.end))
    cuts = sorted(b for b in bounds if 0 <= b <= len(text))
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        codes = sorted({c.code_id for c in codings if c.start <= a and b <= c.end})
        out.append(Segment(text[a:b], codes, a))
    return out


def codings_of(source: Source) -> list[CodedSelection]:
    return list(CodedSelection.objects.filter(source=source)
                .select_related("code", "coder").order_by("start", "end", "pk"))


def sets_and_links(project: ResearchProject) -> dict[str, list[dict]]:
    """The project's REFI-QDA sets and links with readable names for their members."""
    extras = project.refi_extras or {}
    paths = code_paths(project)
    names = {c.guid: paths[c.pk] for c in Code.objects.filter(project=project)}
    sources = dict(Source.objects.filter(project=project).values_list("guid", "name"))
    names.update(sources)
    wanted = {g for item in extras.get("links", []) for g in (item["origin"], item["target"])
              if g not in names}
    if wanted:
        for row in (CodedSelection.objects.filter(project=project, selection_guid__in=wanted)
                    .select_related("source")):
            quote = " ".join(row.source.text[row.start:row.end].split())
            names.setdefault(row.selection_guid,
                             f"{row.source.name} [{row.start}–{row.end}] « {quote[:60]} »")
    sets = [{**item, "code_names": [names[g] for g in item.get("codes", []) if g in names],
             "source_names": [names[g] for g in item.get("sources", []) if g in names]}
            for item in extras.get("sets", [])]
    links = [{**item, "origin_name": names.get(item["origin"], item["origin"]),
              "target_name": names.get(item["target"], item["target"])}
             for item in extras.get("links", [])]
    return {"sets": sets, "links": links}
