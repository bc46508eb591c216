"""Reads of proposals: a fixed number of queries per page, whatever the size of the data."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Mod
from django.shortcuts import get_object_or_404

from parlons.platform.proposals import rules
from parlons.platform.proposals.models import (
    Answer,
    Comment,
    CommentVote,
    Follow,
    Proposal,
    Report,
    Support,
)
from parlons.platform.spaces.models import Component

PAGE_SIZE = 20
SORTS = ("recent", "supported", "commented", "random")
STATE_FILTERS = ("evaluating", "accepted", "rejected", "not_answered", "withdrawn")
CHANNELS = ("online", "paper", "stand", "workshop", "phone")
_TAGS = re.compile(r"<[^>]+>")


def plain_text(value: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", value or "")).split())


@dataclass
class ListFilters:
    query: str = ""
    theme: int | None = None
    area: int | None = None
    state: str = ""
    channel: str = ""
    sort: str = "recent"
    page: int = 1

    @classmethod
    def from_params(cls, params) -> ListFilters:
        def number(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isdigit() and len(value) < 12 else None

        state = params.get("state", "")
        channel = params.get("channel", "")
        sort = params.get("sort", "recent")
        return cls(query=" ".join(params.get("q", "").split())[:200], theme=number("theme"),
                   area=number("area"), state=state if state in STATE_FILTERS else "",
                   channel=channel if channel in CHANNELS else "",
                   sort=sort if sort in SORTS else "recent", page=number("page") or 1)


def public_proposals(component: Component) -> QuerySet[Proposal]:
    return Proposal.objects.filter(component=component, state__in=[
        Proposal.State.PUBLISHED, Proposal.State.WITHDRAWN])


def _unaccent(expression):
    return Func(expression, function="unaccent", output_field=TextField())


def search_vector():
    """The French, unaccented, weighted vector of a proposal (PostgreSQL)."""
    from django.contrib.postgres.search import SearchVector

    return (SearchVector(_unaccent(F("title")), weight="A", config="french")
            + SearchVector(_unaccent(F("body")), weight="B", config="french"))


def search(queryset: QuerySet[Proposal], query: str) -> QuerySet[Proposal]:
    """French full-text search with unaccent on PostgreSQL; ``icontains`` elsewhere."""
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        terms = SearchQuery(_unaccent(Value(query)), config="french", search_type="websearch")
        return queryset.filter(search_vector=terms)  # GIN-indexed, kept by the services
    condition = Q()
    for word in query.split()[:10]:
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    return queryset.filter(condition)


def filtered(component: Component, filters: ListFilters, seed: int = 0) -> QuerySet[Proposal]:
    proposals = public_proposals(component)
    if filters.state == "withdrawn":
        proposals = proposals.filter(state=Proposal.State.WITHDRAWN)
    elif filters.state == "not_answered":
        proposals = proposals.filter(state=Proposal.State.PUBLISHED).exclude(
            answer__is_published=True)
    elif filters.state:
        proposals = proposals.filter(state=Proposal.State.PUBLISHED, answer__is_published=True,
                                     answer__state=filters.state)
    if filters.theme:
        proposals = proposals.filter(theme_id=filters.theme)
    if filters.area:
        proposals = proposals.filter(area_id=filters.area)
    if filters.channel:
        proposals = proposals.filter(channel=filters.channel)
    proposals = search(proposals, filters.query)
    if filters.sort == "supported":
        order = ["-support_count", "-published_at", "-pk"]
    elif filters.sort == "commented":
        order = ["-comment_count", "-published_at", "-pk"]
    elif filters.sort == "random":
        # a permutation of the ids that depends on the visitor's seed: stable across pages
        key = Mod(F("id") * Value(2654435761, output_field=BigIntegerField())
                  + Value(seed, output_field=BigIntegerField()),
                  Value(4294967291, output_field=BigIntegerField()))
        proposals = proposals.annotate(shuffle=key)
        order = ["shuffle", "pk"]
    else:
        order = ["-published_at", "-pk"]
    return proposals.order_by(*order)


# what a line of the list shows, as plain values: no model instances per row
LIST_COLUMNS = ("pk", "title", "author__display_name", "author_gone", "area__name",
                "theme__name", "channel", "support_count", "comment_count", "state",
                "answer__is_published", "answer__state", "answer__custom_state__name")


@dataclass(slots=True)
class ListRow:
    """One proposal of the list (built from a row, not a model instance)."""

    pk: int
    title: str
    author_name: str
    area: str | None
    theme: str | None
    channel: str
    support_count: int
    comment_count: int
    state: str
    answer_label: str  # the label of the published answer, else ""


def _list_row(row: tuple, gone_name: str) -> ListRow:
    (pk, title, name, gone, area, theme, channel, supports, comments, state, answered,
     answer_state, custom_name) = row
    label = ""
    if answered:
        label = custom_name if answer_state == Answer.State.CUSTOM else str(
            Answer.State(answer_state).label)
    return ListRow(pk, title, gone_name if gone else name, area, theme, channel, supports,
                   comments, state, label)


@dataclass
class ProposalPage:
    page: object  # a Paginator page whose ``object_list`` is a list of ``ListRow``
    supported_ids: set[int] = field(default_factory=set)


def proposal_page(component: Component, filters: ListFilters, user, seed: int = 0) -> ProposalPage:
    """One page of the list: a count, the rows (with their answers), the visitor's supports."""
    from parlons.platform.accounts.models import DELETED_DISPLAY_NAME

    proposals = filtered(component, filters, seed)
    # the count runs on the bare filter, without the joins of the displayed columns
    page = Paginator(proposals, PAGE_SIZE).get_page(filters.page)
    rows: list[ListRow] = []
    if page.paginator.count:
        gone_name = str(DELETED_DISPLAY_NAME)
        start = (page.number - 1) * PAGE_SIZE
        shown = proposals.annotate(author_gone=ExpressionWrapper(
            Q(author__deleted_at__isnull=False), output_field=BooleanField())).values_list(
            *LIST_COLUMNS)[start:start + PAGE_SIZE]
        rows = [_list_row(row, gone_name) for row in shown]
    page.object_list = rows
    supported: set[int] = set()
    if getattr(user, "is_authenticated", False) and rows:
        supported = set(Support.objects.filter(user=user, proposal__in=[p.pk for p in rows])
                        .values_list("proposal_id", flat=True))
    return ProposalPage(page=page, supported_ids=supported)


def _with_phases(component: Component) -> Component:
    """Load the space's phases and the component's steps once: the rules read them several
    times per request (current phase, allowed actions), from this cache."""
    prefetch_related_objects([component], "steps", "space__phases")
    return component


def get_proposal(organisation, component_id: int, proposal_id: int) -> Proposal:
    """A proposal of the organisation (404 for a foreign id), with what its page shows."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("component__space__organisation",
                                        "component__space__forced_phase", "author", "theme",
                                        "area", "created_by_agent", "answer__custom_state"),
        component__space__organisation=organisation, component_id=component_id, pk=proposal_id,
        component__kind="proposals")
    _with_phases(proposal.component)
    return proposal


def get_component(organisation, component_id: int) -> Component:
    return _with_phases(get_object_or_404(
        Component.objects.select_related("space__organisation", "space__forced_phase"),
        space__organisation=organisation, pk=component_id, kind="proposals"))


def published_answer(proposal: Proposal) -> Answer | None:
    try:
        answer = proposal.answer
    except Answer.DoesNotExist:
        return None
    return answer if answer.is_published else None


# what the thread shows, as plain values: no model instance per comment or per author
THREAD_COLUMNS = ("pk", "parent_id", "depth", "author_id", "author__display_name", "author_gone",
                  "body", "alignment", "is_approved", "is_deleted", "is_hidden",
                  "hidden_reason", "up_count", "down_count", "created_at", "was_edited")


@dataclass(slots=True)
class ThreadComment:
    """One comment as its thread shows it (built from a row, not a model instance)."""

    pk: int
    parent_id: int | None
    depth: int
    author_id: int
    author_name: str
    body: str
    alignment: int
    is_approved: bool
    is_deleted: bool
    is_hidden: bool
    hidden_reason: str
    up_count: int
    down_count: int
    created_at: dt.datetime
    is_edited: bool

    @property
    def is_visible(self) -> bool:
        return self.is_approved and not self.is_hidden and not self.is_deleted


@dataclass
class Thread:
    comments: list[ThreadComment]
    my_votes: dict[int, int]


def _thread_rows(proposal: Proposal) -> list[ThreadComment]:
    """Every comment of the proposal in creation order, in one query."""
    from parlons.platform.accounts.models import DELETED_DISPLAY_NAME

    gone_name = str(DELETED_DISPLAY_NAME)
    rows = (Comment.objects.filter(proposal=proposal)
            .annotate(author_gone=ExpressionWrapper(Q(author__deleted_at__isnull=False),
                                                    output_field=BooleanField()),
                      was_edited=ExpressionWrapper(Q(edited_at__isnull=False),
                                                   output_field=BooleanField()))
            .values_list(*THREAD_COLUMNS))
    return [ThreadComment(pk, parent, depth, author, gone_name if gone else name, *rest)
            for pk, parent, depth, author, name, gone, *rest in rows]


def comment_thread(proposal: Proposal, user, staff: bool = False) -> Thread:
    """Every comment of the proposal in thread order (depth-first), with the visitor's votes.

    Two queries whatever the number of comments. Deleted and hidden comments keep their place
    (shown as "comment deleted" / "hidden"); unapproved ones are shown to staff and their author.
    """
    user_id = getattr(user, "pk", None)
    comments = _thread_rows(proposal)
    children: dict[int | None, list[ThreadComment]] = {}
    for comment in comments:
        if not comment.is_approved and not staff and comment.author_id != user_id:
            continue
        children.setdefault(comment.parent_id, []).append(comment)
    ordered: list[ThreadComment] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        stack.extend(reversed(children.get(comment.pk, [])))
    votes: dict[int, int] = {}
    if user_id is not None and comments:
        votes = dict(CommentVote.objects.filter(user_id=user_id, comment__proposal=proposal)
                     .values_list("comment_id", "value"))
    return Thread(comments=ordered, my_votes=votes)


def is_supported_by(proposal: Proposal, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)
                and Support.objects.filter(proposal=proposal, user=user).exists())


def visitor_state(proposal: Proposal, user) -> tuple[bool, bool]:
    """Whether ``user`` supports and follows ``proposal``, in one query."""
    if not getattr(user, "is_authenticated", False):
        return False, False
    return Proposal.objects.filter(pk=proposal.pk).annotate(
        supported=Exists(Support.objects.filter(proposal=OuterRef("pk"), user=user)),
        following=Exists(Follow.objects.filter(proposal=OuterRef("pk"), user=user)),
    ).values_list("supported", "following").get()


def is_following(user, proposal: Proposal | None = None, space=None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    target = {"proposal": proposal} if proposal is not None else {"space": space}
    return Follow.objects.filter(user=user, **target).exists()


def similar_proposals(component: Component, title: str, body: str,
                      exclude: int | None = None, limit: int = 5) -> list[tuple[Proposal, float]]:
    """Published proposals of the component that look like this text (functional core)."""
    from parlons.core.analysis.similarity import similar_texts

    rows = list(public_proposals(component).filter(state=Proposal.State.PUBLISHED)
                .exclude(pk=exclude).values_list("pk", "title", "body"))
    candidates = [(pk, f"{t}. {plain_text(b)}") for pk, t, b in rows]
    found = similar_texts(f"{title}. {plain_text(body)}", candidates, limit=limit, min_score=0.2)
    by_id = Proposal.objects.in_bulk([pk for pk, _score in found])
    return [(by_id[pk], score) for pk, score in found if pk in by_id]


def supports_of(user, component: Component) -> int:
    return Support.objects.filter(user=user, component=component).count()


def moderation_queue(organisation, space=None) -> dict[str, list]:
    """Reported, hidden and pending contributions of one organisation (or one space)."""
    scope = Q(component__space__organisation=organisation, component__kind="proposals")
    if space is not None:
        scope &= Q(component__space=space)
    proposals = list(Proposal.objects.filter(scope).filter(
        Q(state__in=[Proposal.State.HIDDEN, Proposal.State.PENDING])
        | Q(report_count__gt=0, reports__resolved_at__isnull=True)).distinct()
        .select_related("author", "component__space").order_by("-report_count", "-pk")[:200])
    comment_scope = Q(proposal__component__space__organisation=organisation)
    if space is not None:
        comment_scope &= Q(proposal__component__space=space)
    comments = list(Comment.objects.filter(comment_scope).filter(
        Q(is_hidden=True) | Q(is_approved=False)
        | Q(report_count__gt=0, reports__resolved_at__isnull=True)).distinct()
        .select_related("author", "proposal__component__space").order_by("-report_count",
                                                                          "-pk")[:200])
    people = list(Report.objects.filter(organisation=organisation, reported_user__isnull=False,
                                        resolved_at__isnull=True)
                  .select_related("reported_user", "reporter")[:200])
    return {"proposals": proposals, "comments": comments, "people": people}


def can_see_all(user, component: Component) -> bool:
    return rules.is_staff_of(user, component.space)


MAP_LIMIT = 1000
DEFAULT_MAP_VIEW = (46.6, 2.4, 5)  # metropolitan France


@dataclass
class MapPoints:
    points: list[dict]
    truncated: bool


def map_points(component: Component, filters: ListFilters, seed: int = 0) -> MapPoints:
    """The listed proposals (same filters and order as the list) that have a map point: one
    query, at most ``MAP_LIMIT``."""
    rows = list(filtered(component, filters, seed)
                .filter(latitude__isnull=False, longitude__isnull=False)
                .values("pk", "title", "address", "latitude", "longitude")[:MAP_LIMIT + 1])
    points = [{"id": r["pk"], "title": r["title"], "address": r["address"],
               "lat": float(r["latitude"]), "lon": float(r["longitude"]),
               "coordinates": f"{r['latitude']:.6f}, {r['longitude']:.6f}"}
              for r in rows[:MAP_LIMIT]]
    return MapPoints(points=points, truncated=len(rows) > MAP_LIMIT)


def map_view(component: Component) -> tuple[float, float, int]:
    """Where a map of the component opens: the middle of its points, else France."""
    from django.db.models import Avg, Count

    found = public_proposals(component).filter(latitude__isnull=False).aggregate(
        lat=Avg("latitude"), lon=Avg("longitude"), n=Count("pk"))
    if not found["n"]:
        return DEFAULT_MAP_VIEW
    return float(found["lat"]), float(found["lon"]), 14
