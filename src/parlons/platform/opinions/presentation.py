"""Turn the stored map (the core's JSON report) into rows for the results templates."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from parlons.platform.opinions.models import OpinionMap, Statement
from parlons.platform.opinions.selectors import statements_with_counts
from parlons.platform.spaces.models import Component


def _percent(p: float) -> int:
    return round(100 * float(p))


def _entry(entry: dict[str, Any], texts: dict[int, str]) -> dict[str, Any]:
    sid = int(entry["statement"])
    return {"id": sid, "text": texts.get(sid, entry.get("text", "")),
            "direction": entry.get("direction", "agree"),
            "percent": _percent(entry.get("p_success", 0.0)),
            "n_success": entry.get("n_success"), "n_trials": entry.get("n_trials")}


def results_context(component: Component) -> dict[str, Any]:
    row = OpinionMap.objects.filter(component=component).first()
    result = row.result if row is not None else {}
    statements = list(statements_with_counts(component).filter(
        state=Statement.State.ACCEPTED))
    texts = {s.pk: s.text for s in statements}
    groups = [{"name": g["name"], "size": g["size"],
               "representative": [_entry(e, texts) for e in g.get("representative", [])]}
              for g in result.get("groups", [])]
    consensus = {d: [_entry(e, texts) for e in result.get("consensus", {}).get(d, [])]
                 for d in ("agree", "disagree")}
    divisive = []
    names = [g["name"] for g in groups]
    for e in result.get("divisive", []):
        sid = int(e["statement"])
        divisive.append({"id": sid, "text": texts.get(sid, e.get("text", "")),
                         "by_group": [{"name": n, "percent": _percent(p)} for n, p
                                      in zip(names, e.get("p_agree_by_group", []),
                                             strict=False)]})
    for s in statements:
        s.n_votes = s.n_agree + s.n_disagree + s.n_pass
        s.agree_percent = _percent(s.n_agree / s.n_votes) if s.n_votes else 0
        s.disagree_percent = _percent(s.n_disagree / s.n_votes) if s.n_votes else 0
    svg = localised_svg(row.svg, result, component.title) if row is not None else ""
    return {"map": row, "svg": svg, "result": result, "groups": groups, "consensus": consensus,
            "divisive": divisive, "statements": statements}


_GROUP_LABEL = re.compile(r"Group ([A-Z]+|G\d+), (\d+) participants")


def localised_svg(svg: str, result: dict[str, Any], title: str) -> str:
    """The core draws the map with English text: put the title, the description and the
    group labels in the reader's language."""
    if not svg:
        return ""
    sizes = ", ".join(_("group %(name)s: %(n)d") % {"name": g["name"], "n": g["size"]}
                      for g in result.get("groups", []))
    desc = _("%(n)d participants placed by their votes on %(m)d statements, in %(k)d groups "
             "of opinion (%(sizes)s). Each disc is a cluster of participants who voted alike; "
             "its area is proportional to its size.") % {
        "n": result.get("participants_in_groups", 0), "m": result.get("statements", 0),
        "k": result.get("k", 0), "sizes": sizes}
    svg = re.sub(r'<title id="map-title">.*?</title>',
                 lambda m: f'<title id="map-title">{escape(title)}</title>', svg, count=1,
                 flags=re.S)
    svg = re.sub(r'<desc id="map-desc">.*?</desc>',
                 lambda m: f'<desc id="map-desc">{escape(desc)}</desc>', svg, count=1,
                 flags=re.S)

    def label(match: re.Match[str]) -> str:
        return _("Group %(name)s, %(n)s participants") % {"name": match.group(1),
                                                          "n": match.group(2)}

    svg = re.sub(r'aria-label="Group [^"]*"',
                 lambda m: "aria-label=" + quoteattr(_GROUP_LABEL.sub(label, m.group(0)[12:-1])),
                 svg)
    return re.sub(r"<title>(Group [^<]*)</title>",
                  lambda m: f"<title>{escape(_GROUP_LABEL.sub(label, m.group(1)))}</title>", svg)
