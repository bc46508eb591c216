"""Exports (back office: CSV, XLSX, JSON) and the anonymised open-data files.

Column names are documented in ``COLUMNS`` (shown on the open-data page and in
``docs/proposals.md``). Cells that a spreadsheet would run as a formula are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from parlons.platform.proposals.models import Answer, Comment, Proposal
from parlons.platform.proposals.selectors import plain_text
from parlons.platform.spaces.models import Space, Visibility

COLUMNS = {
    "processes": [
        ("id", _("identifier of the process")), ("title", _("title")),
        ("start_date", _("start date")), ("end_date", _("end date")),
    ],
    "proposals": [
        ("id", _("identifier of the proposal")), ("process_id", _("identifier of the process")),
        ("title", _("title")), ("body", _("description, as plain text")),
        ("theme", _("theme")), ("area", _("neighbourhood")),
        ("state", _("published or withdrawn")),
        ("channel", _("online, paper, stand, workshop or phone")),
        ("published_at", _("publication date (ISO 8601)")),
        ("supports", _("number of supports")), ("comments", _("number of comments")),
        ("answer_state", _("state of the published answer, if any")),
    ],
    "comments": [
        ("id", _("identifier of the comment")), ("proposal_id", _("identifier of the proposal")),
        ("parent_id", _("comment replied to")), ("depth", _("depth in the thread (0 to 3)")),
        ("alignment", _("-1 against, 0 neutral, 1 for")), ("body", _("text, as plain text")),
        ("up", _("agree votes")), ("down", _("disagree votes")),
        ("created_at", _("date (ISO 8601)")),
    ],
    "answers": [
        ("proposal_id", _("identifier of the proposal")), ("state", _("state")),
        ("text", _("answer, as plain text")), ("cost", _("cost in euros")),
        ("published_at", _("publication date (ISO 8601)")),
    ],
}
STAFF_EXTRA = {"proposals": ["author", "created_by_agent"], "comments": ["author", "state"]}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _iso(value) -> str:
    return value.isoformat() if value else ""


def proposal_rows(proposals: Iterable[Proposal], staff: bool = False) -> list[dict]:
    rows = []
    for p in proposals:
        answer = _answer_of(p)
        row = {"id": p.pk, "process_id": p.component.space_id, "title": p.title,
               "body": plain_text(p.body), "theme": p.theme.name if p.theme else "",
               "area": p.area.name if p.area else "", "state": p.state, "channel": p.channel,
               "published_at": _iso(p.published_at), "supports": p.support_count,
               "comments": p.comment_count,
               "answer_state": answer.state if answer and answer.is_published else ""}
        if staff:
            row["author"] = p.author.public_name
            row["created_by_agent"] = p.created_by_agent.public_name if p.created_by_agent else ""
        rows.append(row)
    return rows


def _answer_of(proposal):
    try:
        return proposal.answer
    except Answer.DoesNotExist:
        return None


def comment_rows(comments: Iterable[Comment], staff: bool = False) -> list[dict]:
    rows = []
    for c in comments:
        row = {"id": c.pk, "proposal_id": c.proposal_id, "parent_id": c.parent_id or "",
               "depth": c.depth, "alignment": c.alignment,
               "body": plain_text(c.body) if c.is_visible else "", "up": c.up_count,
               "down": c.down_count, "created_at": _iso(c.created_at)}
        if staff:
            row["author"] = c.author.public_name
            row["state"] = ("deleted" if c.is_deleted else "hidden" if c.is_hidden
                            else "pending" if not c.is_approved else "visible")
        rows.append(row)
    return rows


def component_rows(component, kind: str) -> tuple[list[str], list[dict]]:
    """Back-office export of one component (staff columns included)."""
    if kind == "proposals":
        queryset = (Proposal.objects.filter(component=component).exclude(state="draft")
                    .select_related("component", "theme", "area", "author", "created_by_agent",
                                    "answer").order_by("pk"))
        rows = proposal_rows(queryset, staff=True)
    else:
        queryset = (Comment.objects.filter(proposal__component=component)
                    .select_related("author").order_by("pk"))
        rows = comment_rows(queryset, staff=True)
    return [name for name, _label in COLUMNS[kind]] + STAFF_EXTRA[kind], rows


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(columns: list[str], rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(c, "")) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(columns: list[str], rows: list[dict]) -> bytes:
    return json.dumps([{c: row.get(c, "") for c in columns} for row in rows],
                      ensure_ascii=False, indent=1, default=str).encode("utf-8")


# ----------------------------------------------------------------------------- open data

OPEN_DATA_DIR = "opendata"


def open_data_path(organisation, name: str) -> str:
    return f"{OPEN_DATA_DIR}/{organisation.slug}/{name}.csv"


def open_data_tables(organisation) -> dict[str, tuple[list[str], list[dict]]]:
    """Public, anonymised tables: public published spaces only, no author, no account."""
    spaces = Space.objects.filter(organisation=organisation, is_published=True,
                                  visibility=Visibility.PUBLIC).order_by("pk")
    proposals = (Proposal.objects.filter(component__space__in=spaces, component__is_published=True,
                                         component__kind="proposals",
                                         state__in=["published", "withdrawn"])
                 .select_related("component", "theme", "area", "answer").order_by("pk"))
    proposals = list(proposals)
    comments = (Comment.objects.filter(proposal__in=[p.pk for p in proposals], is_deleted=False,
                                       is_hidden=False, is_approved=True).order_by("pk"))
    answers = [a for a in map(_answer_of, proposals) if a is not None and a.is_published]
    names = {kind: [c for c, _l in cols] for kind, cols in COLUMNS.items()}
    return {
        "processes": (names["processes"], [
            {"id": s.pk, "title": s.title, "start_date": _iso(s.start_date),
             "end_date": _iso(s.end_date)} for s in spaces]),
        "proposals": (names["proposals"], proposal_rows(proposals)),
        "comments": (names["comments"], comment_rows(comments)),
        "answers": (names["answers"], [
            {"proposal_id": a.proposal_id, "state": a.state, "text": plain_text(a.text),
             "cost": a.cost if a.cost is not None else "",
             "published_at": _iso(a.published_at)} for a in answers]),
    }


def write_open_data(organisation) -> list[str]:
    """Regenerate the organisation's open-data files in the media storage."""
    written = []
    for name, (columns, rows) in open_data_tables(organisation).items():
        path = open_data_path(organisation, name)
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(to_csv(columns, rows)))
        written.append(path)
    return written
