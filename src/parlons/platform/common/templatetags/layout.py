"""``{% keep "name" key ... %}…{% endkeep %}``: a part of the site layout rendered once per
process, language and key values, then reused (``common.localcache``: dropped with the other
copies whenever an organisation, space, … changes, e.g. its name or logo).

Only for parts that depend on nothing but their key values, the active language and the URL
configuration: never a CSRF token, a user's name, the request's path or a form value.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from parlons.platform.common import localcache

register = template.Library()


class KeepNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str, keys: list) -> None:
        self.nodelist, self.name, self.keys = nodelist, name, keys

    def render(self, context) -> str:
        key = ("layout", self.name, get_language(), get_script_prefix(), get_urlconf(),
               *(k.resolve(context) for k in self.keys))
        return localcache.get_or_load(key, lambda: self.nodelist.render(context))


@register.tag
def keep(parser, token) -> KeepNode:
    """``{% keep "name" value ... %}``: the content, kept per process for ``value``s."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'keep' needs a name: {% keep \"name\" key ... %}")
    nodelist = parser.parse(("endkeep",))
    parser.delete_first_token()
    return KeepNode(nodelist, bits[1].strip("\"'"), [parser.compile_filter(b) for b in bits[2:]])
