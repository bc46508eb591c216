"""Who may do what in a research project (small named functions, one place).

A project is private to its members. Organisation admins see that projects exist (title,
members) and may manage their members, so that the organisation stays in control of who reads
its interviews; they read nothing of a project unless they are members themselves.
"""

from __future__ import annotations

from parlons.platform.organisations.models import Organisation
from parlons.platform.organisations.rules import is_organisation_admin, is_organisation_staff
from parlons.platform.research.models import CodedSelection, ResearchMembership, ResearchProject

Role = ResearchMembership.Role


def role_in(user, project: ResearchProject) -> str | None:
    """The role of ``user`` in ``project`` (None for non-members and anonymous people)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache = getattr(user, "_parlons_research_roles", None)
    if cache is None:
        cache = {}
        user._parlons_research_roles = cache
    if project.pk not in cache:
        cache[project.pk] = (ResearchMembership.objects.filter(project=project, user=user)
                             .values_list("role", flat=True).first())
    return cache[project.pk]


def forget_roles(user) -> None:
    if hasattr(user, "_parlons_research_roles"):
        del user._parlons_research_roles


def can_create_project(user, organisation: Organisation) -> bool:
    return is_organisation_staff(user, organisation)


def can_see_project_exists(user, project: ResearchProject) -> bool:
    """Title and members: members and the organisation's admins."""
    return role_in(user, project) is not None or is_organisation_admin(user, project.organisation)


def can_read_project(user, project: ResearchProject) -> bool:
    """Sources, codes, cases, memos, queries and exports: members only."""
    return role_in(user, project) is not None


def can_code(user, project: ResearchProject) -> bool:
    return role_in(user, project) in (Role.RESEARCHER, Role.COCODER)


def can_write_memo(user, project: ResearchProject) -> bool:
    return can_code(user, project)


def can_manage_project(user, project: ResearchProject) -> bool:
    """Import sources and cases, edit the codebook and the case attributes."""
    return role_in(user, project) == Role.RESEARCHER


def can_manage_members(user, project: ResearchProject) -> bool:
    return (role_in(user, project) == Role.RESEARCHER
            or is_organisation_admin(user, project.organisation))


def can_delete_coding(user, coding: CodedSelection) -> bool:
    """One removes only one's own codings, never a colleague's."""
    return can_code(user, coding.project) and coding.coder.user_id == user.pk


def can_delete_memo(user, memo) -> bool:
    """Researchers remove any memo; co-coders only their own."""
    role = role_in(user, memo.project)
    return role == Role.RESEARCHER or (role == Role.COCODER and memo.author_id == user.pk)


def can_pseudonymise(user, project: ResearchProject) -> bool:
    """Replace names in the sources and see the mapping (the key): researchers only."""
    return can_manage_project(user, project)
