from django import template

from parlons.platform.common.html import safe_rich_text

register = template.Library()


@register.filter
def rich_text(value: str):
    """Render stored rich text, sanitised again on output (defence in depth)."""
    return safe_rich_text(value or "")
