"""The comment thread as HTML, built in Python: a page with 500 comments renders in a few
milliseconds instead of hundreds with template tags per comment. Every user value is escaped
with ``html.escape`` (quotes included); the markup matches the rest of the site."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parlons.platform.proposals.models import Comment
from parlons.platform.proposals.rules import comment_editable


@dataclass(frozen=True)
class ThreadOptions:
    user_id: int | None
    is_staff: bool
    can_vote: bool
    can_moderate: bool
    comment_prefix: str
    edit_window_minutes: int = 0


def _labels() -> dict[str, str]:
    return {
        "deleted": _("Comment deleted"), "hidden": _("Comment hidden by the moderators"),
        "agree": _("Agree"), "disagree": _("Disagree"), "reply": _("Reply"),
        "report": _("Report"), "delete": _("Delete"), "edit": _("Edit"), "moderate": _("Moderate"),
        "edited": _("edited"), "pending": _("awaiting moderation"),
        "reason": _("Hidden by the moderators. Reason:"), "up": _("agree"),
        "down": _("disagree"), "empty": _("No comment yet."),
        -1: _("against"), 0: _("neutral"), 1: _("for"),
    }


def render_thread(comments: list[Comment], options: ThreadOptions) -> SafeString:
    """HTML of the thread; every user-supplied value is escaped with ``html.escape``."""
    labels = {key: escape(str(value)) for key, value in _labels().items()}
    prefix = escape(options.comment_prefix)
    short_date = formats.get_format("SHORT_DATE_FORMAT")
    dates: dict = {}
    now = timezone.now()
    parts = []
    for c in comments:
        head = f'<li id="comment-{c.pk}" class="comment depth-{c.depth} alignment-{c.alignment}">'
        if c.is_deleted:
            parts.append(f"{head}<p><em>{labels['deleted']}</em></p></li>")
            continue
        if c.is_hidden and not options.is_staff and c.author_id != options.user_id:
            parts.append(f"{head}<p><em>{labels['hidden']}</em></p></li>")
            continue
        created = timezone.localtime(c.created_at)
        day = created.date()
        if day not in dates:
            dates[day] = escape(dateformat.format(created, short_date))
        flags = (f" · {labels['edited']}" if c.edited_at else "") + (
            f" · {labels['pending']}" if not c.is_approved else "")
        meta = (f'<p class="proposal-meta"><strong>{escape(c.author.public_name)}</strong> · '
                f'{labels[c.alignment]} · <time datetime="{created.isoformat()}">{dates[day]}'
                f"</time>{flags}</p>")
        notice = (f'<p class="notice">{labels["reason"]} {escape(c.hidden_reason)}</p>'
                  if c.is_hidden else "")
        actions = f"{c.up_count} {labels['up']} · {c.down_count} {labels['down']}"
        if options.can_vote and c.is_visible:
            actions += (
                f' <button type="submit" form="vote-form" name="vote" value="{c.pk}:up" '
                f'class="button-secondary">{labels["agree"]}</button> <button type="submit" '
                f'form="vote-form" name="vote" value="{c.pk}:down" class="button-secondary">'
                f'{labels["disagree"]}</button> <a href="?reply={c.pk}#comment-form">'
                f'{labels["reply"]}</a>')
        if options.user_id:
            actions += f' <a href="{prefix}{c.pk}/signaler/">{labels["report"]}</a>'
        if (options.can_vote and c.author_id == options.user_id
                and comment_editable(c, options.edit_window_minutes, now)):
            actions += f' <a href="{prefix}{c.pk}/modifier/">{labels["edit"]}</a>'
        if c.author_id == options.user_id:
            actions += (f' <button type="submit" form="delete-form" name="comment" '
                        f'value="{c.pk}" class="link-button">{labels["delete"]}</button>')
        if options.can_moderate:
            actions += f' <a href="{prefix}{c.pk}/moderation/">{labels["moderate"]}</a>'
        body = "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>"
                       for block in c.body.split("\n\n") if block.strip())
        parts.append(f'{head}{meta}{notice}{body}<p class="actions">{actions}</p></li>')
    if not parts:
        parts.append(f"<li>{labels['empty']}</li>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every user value escaped above
