"""The comment thread as HTML, built in Python from plain rows (``selectors.ThreadComment``): a
page with 500 comments renders in a few milliseconds instead of hundreds with template tags per
comment. Every user value is escaped with ``html.escape`` (quotes included); the markup matches
the rest of the site."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parlons.platform.proposals.rules import comment_editable
from parlons.platform.proposals.selectors import ThreadComment


@dataclass(frozen=True)
class ThreadOptions:
    user_id: int | None
    is_staff: bool
    can_vote: bool
    can_moderate: bool
    comment_prefix: str
    edit_window_minutes: int = 0
    my_votes: dict[int, int] = field(default_factory=dict)  # comment id -> 1 (up) or -1


def _labels() -> dict:
    return {
        "deleted": _("Comment deleted"), "hidden": _("Comment hidden by the moderators"),
        "agree": _("Agree"), "disagree": _("Disagree"), "reply": _("Reply"),
        "report": _("Report"), "delete": _("Delete"), "edit": _("Edit"), "moderate": _("Moderate"),
        "edited": _("edited"), "pending": _("awaiting moderation"),
        "reason": _("Hidden by the moderators. Reason:"), "up": _("agree"),
        "down": _("disagree"), "empty": _("No comment yet."),
        -1: _("against"), 0: _("neutral"), 1: _("for"),
    }


def _paragraphs(body: str) -> str:
    """Plain text as escaped paragraphs: blank lines split them, single newlines are <br>."""
    text = escape(body)
    if "\n" not in text:
        return f"<p>{text}</p>" if text.strip() else ""
    return "".join(f"<p>{block.replace(chr(10), '<br>')}</p>"
                   for block in text.split("\n\n") if block.strip())


class _Renderer:
    """What stays the same for every comment of one page: labels, URLs, dates, names."""

    def __init__(self, options: ThreadOptions) -> None:
        self.options = options
        self.labels = {key: escape(str(value)) for key, value in _labels().items()}
        self.prefix = escape(options.comment_prefix)
        self.short_date = formats.get_format("SHORT_DATE_FORMAT")
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.dates: dict = {}
        self.names: dict[int, str] = {}

    def date(self, created) -> tuple[str, str]:
        local = created.astimezone(self.zone)
        day = local.date()
        shown = self.dates.get(day)
        if shown is None:
            shown = self.dates[day] = escape(dateformat.format(local, self.short_date))
        return local.isoformat(), shown

    def name(self, c: ThreadComment) -> str:
        shown = self.names.get(c.author_id)
        if shown is None:
            shown = self.names[c.author_id] = escape(c.author_name)
        return shown

    def actions(self, c: ThreadComment) -> str:
        o, labels, prefix, pk = self.options, self.labels, self.prefix, c.pk
        html = f"{c.up_count} {labels['up']} · {c.down_count} {labels['down']}"
        if o.can_vote and c.is_visible:
            vote = o.my_votes.get(pk, 0)
            html += (
                f' <button type="submit" form="vote-form" name="vote" value="{pk}:up" '
                f'class="button-secondary" aria-pressed="{"true" if vote == 1 else "false"}">'
                f'{labels["agree"]}</button> <button type="submit" form="vote-form" name="vote" '
                f'value="{pk}:down" class="button-secondary" '
                f'aria-pressed="{"true" if vote == -1 else "false"}">{labels["disagree"]}'
                f'</button> <a href="?reply={pk}#comment-form">{labels["reply"]}</a>')
        if o.user_id:
            html += f' <a href="{prefix}{pk}/signaler/">{labels["report"]}</a>'
        mine = c.author_id == o.user_id
        if mine and o.can_vote and comment_editable(c, o.edit_window_minutes, self.now):
            html += f' <a href="{prefix}{pk}/modifier/">{labels["edit"]}</a>'
        if mine:
            html += (f' <button type="submit" form="delete-form" name="comment" '
                     f'value="{pk}" class="link-button">{labels["delete"]}</button>')
        if o.can_moderate:
            html += f' <a href="{prefix}{pk}/moderation/">{labels["moderate"]}</a>'
        return html

    def comment(self, c: ThreadComment) -> str:
        labels = self.labels
        head = f'<li id="comment-{c.pk}" class="comment depth-{c.depth} alignment-{c.alignment}">'
        if c.is_deleted:
            return f"{head}<p><em>{labels['deleted']}</em></p></li>"
        if c.is_hidden and not self.options.is_staff and c.author_id != self.options.user_id:
            return f"{head}<p><em>{labels['hidden']}</em></p></li>"
        iso, day = self.date(c.created_at)
        flags = (f" · {labels['edited']}" if c.is_edited else "") + (
            f" · {labels['pending']}" if not c.is_approved else "")
        notice = (f'<p class="notice">{labels["reason"]} {escape(c.hidden_reason)}</p>'
                  if c.is_hidden else "")
        return (f'{head}<p class="proposal-meta"><strong>{self.name(c)}</strong> · '
                f'{labels[c.alignment]} · <time datetime="{iso}">{day}</time>{flags}</p>'
                f'{notice}{_paragraphs(c.body)}<p class="actions">{self.actions(c)}</p></li>')


def render_thread(comments: Sequence[ThreadComment], options: ThreadOptions) -> SafeString:
    """HTML of the thread; every user-supplied value is escaped with ``html.escape``."""
    renderer = _Renderer(options)
    parts = [renderer.comment(c) for c in comments]
    if not parts:
        parts.append(f"<li>{renderer.labels['empty']}</li>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every user value escaped above
