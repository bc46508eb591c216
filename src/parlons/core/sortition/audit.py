"""Audit report of a draw (JSON and HTML): inputs, quotas, seed, probabilities, panel vs quotas."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping

import numpy as np

from parlons import __version__
from parlons.core.sortition import ALGORITHM_VERSION
from parlons.core.sortition.draw import DrawResult
from parlons.core.sortition.lottery import integer_weights


def pseudonym(instance_digest: str, person_id: str) -> str:
    """A stable pseudonym: only someone holding the input files can link it to an id."""
    blob = f"parlons-pseudonym\x1f{instance_digest}\x1f{person_id}".encode()
    return "v-" + hashlib.sha256(blob).hexdigest()[:12]


def audit_data(result: DrawResult, inputs: Mapping[str, Mapping[str, str]] | None = None,
               rerun: str = "") -> dict:
    """Everything needed to check the draw, with volunteers pseudonymised."""
    inst = result.instance
    digest = inst.digest()
    chosen = set(result.panel)
    counts = inst.membership()[result.panel].sum(axis=0)
    volunteers = sorted(
        ({"pseudonym": pseudonym(digest, pid), "probability": round(float(p), 8),
          "selected": i in chosen}
         for i, (pid, p) in enumerate(zip(inst.ids, result.probabilities, strict=True))),
        key=lambda v: v["pseudonym"])
    data = {
        "software": f"parlons {__version__}",
        "algorithm_version": ALGORITHM_VERSION,
        "algorithm": result.algorithm,
        "probabilities_estimated": result.distribution is None,
        "seed": result.seed,
        "seed_generated": result.seed_generated,
        "inputs": dict(inputs or {}),
        "canonical_input_sha256": digest,
        "pool_size": inst.n,
        "panel_size": inst.panel_size,
        "households_with_several_volunteers": int(len(np.unique(inst.household[inst.household >= 0]))),
        "quotas": [{"feature": q.feature, "value": q.value, "min": q.min, "max": q.max,
                    "selected": int(c), "met": bool(q.min <= c <= q.max)}
                   for q, c in zip(inst.quotas, counts.tolist(), strict=True)],
        "min_probability": round(result.min_probability, 8),
        "max_probability": round(float(result.probabilities.max()), 8),
        "panel": sorted(pseudonym(digest, inst.ids[i]) for i in result.panel),
        "alternates": [{"rank": a.rank, "pseudonym": pseudonym(digest, inst.ids[a.index]),
                        "replaces": (None if a.replaces is None
                                     else pseudonym(digest, inst.ids[a.replaces])),
                        "quota_preserving": a.quota_preserving}
                       for a in result.alternates],
        "volunteers": volunteers,
        "rerun": rerun,
        "statistics": {k: (round(v, 3) if isinstance(v, float) else v)
                       for k, v in result.stats.items()},
    }
    if result.distribution is not None:
        weights = integer_weights(result.distribution.weights)
        data["distribution"] = {
            "panels": len(weights),
            "integer_weights_sha256": hashlib.sha256(
                json.dumps(weights).encode()).hexdigest(),
        }
    return data


def audit_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)


def audit_html(data: dict) -> str:
    """A self-contained HTML page of the audit data."""
    e = html.escape
    quota_rows = "".join(
        f"<tr><td>{e(q['feature'])}</td><td>{e(q['value'])}</td><td>{q['min']}</td>"
        f"<td>{q['max']}</td><td>{q['selected']}</td><td>{'yes' if q['met'] else 'NO'}</td></tr>"
        for q in data["quotas"])
    people_rows = "".join(
        f"<tr><td>{e(v['pseudonym'])}</td><td>{v['probability']:.6f}</td>"
        f"<td>{'selected' if v['selected'] else ''}</td></tr>" for v in data["volunteers"])
    input_rows = "".join(f"<tr><td>{e(name)}</td><td>{e(info.get('path', ''))}</td>"
                         f"<td><code>{e(info.get('sha256', ''))}</code></td></tr>"
                         for name, info in data["inputs"].items())
    estimated = " (estimated over many draws)" if data["probabilities_estimated"] else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sortition audit report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:2px 6px}}code{{word-break:break-all}}</style></head><body>
<h1>Sortition audit report</h1>
<p>{e(data['software'])}, {e(data['algorithm_version'])}; algorithm <b>{e(data['algorithm'])}</b>;
seed <code>{e(data['seed'])}</code>{' (generated with cryptographic randomness)'
if data['seed_generated'] else ''}.</p>
<p>Pool of {data['pool_size']} volunteers, panel of {data['panel_size']}; minimum selection
probability {data['min_probability']:.6f}{estimated}, maximum {data['max_probability']:.6f}.</p>
<h2>Inputs</h2><table><tr><th>file</th><th>path</th><th>SHA-256</th></tr>{input_rows}
<tr><td>canonical</td><td>(sorted data)</td><td><code>{e(data['canonical_input_sha256'])}</code>
</td></tr></table>
<h2>Panel versus quotas</h2><table><tr><th>feature</th><th>value</th><th>min</th><th>max</th>
<th>selected</th><th>met</th></tr>{quota_rows}</table>
{_alternates_html(data)}<h2>How to re-run</h2><pre>{e(data['rerun'])}</pre>
<p>The same input files, seed and software version give the same panel on any machine.</p>
<h2>Volunteers (pseudonymised)</h2><table><tr><th>pseudonym</th><th>probability</th>
<th></th></tr>{people_rows}</table>
</body></html>
"""


def _alternates_html(data: dict) -> str:
    if not data.get("alternates"):
        return ""
    e = html.escape
    rows = "".join(f"<tr><td>{a['rank']}</td><td>{e(a['pseudonym'])}</td>"
                   f"<td>{e(a['replaces'] or '')}</td>"
                   f"<td>{'yes' if a['quota_preserving'] else 'no'}</td></tr>"
                   for a in data["alternates"])
    return ("<h2>Alternates (in the order they are called)</h2><table><tr><th>rank</th>"
            "<th>pseudonym</th><th>drawn to replace</th><th>quotas kept</th></tr>"
            f"{rows}</table>\n")


def audit_pdf(data: dict) -> bytes:
    """The audit report as a PDF (same content as :func:`audit_html`)."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    e = html.escape
    story: list = []

    def heading(text: str) -> None:
        story.append(Paragraph(e(text), styles["Heading2"]))

    def table(header: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
        cell = styles["BodyText"].clone("cell", fontSize=8, leading=9.5)
        body = [[Paragraph(e(str(c)), cell) for c in row] for row in [header, *rows]]
        t = Table(body, colWidths=widths, repeatRows=1)
        t.setStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP")])
        story.append(t)

    estimated = " (estimated over many draws)" if data["probabilities_estimated"] else ""
    generated = " (generated with cryptographic randomness)" if data["seed_generated"] else ""
    story.append(Paragraph("Sortition audit report", styles["Title"]))
    story.append(Paragraph(
        f"{e(data['software'])}, {e(data['algorithm_version'])}; algorithm "
        f"<b>{e(data['algorithm'])}</b>; seed <font face='Courier'>{e(data['seed'])}</font>"
        f"{generated}.", styles["BodyText"]))
    story.append(Paragraph(
        f"Pool of {data['pool_size']} volunteers, panel of {data['panel_size']}; minimum "
        f"selection probability {data['min_probability']:.6f}{estimated}, maximum "
        f"{data['max_probability']:.6f}.", styles["BodyText"]))
    heading("Inputs")
    table(["file", "path", "SHA-256"],
          [[name, info.get("path", ""), info.get("sha256", "")]
           for name, info in data["inputs"].items()]
          + [["canonical", "(sorted data)", data["canonical_input_sha256"]]],
          [60, 150, 270])
    heading("Panel versus quotas")
    table(["feature", "value", "min", "max", "selected", "met"],
          [[q["feature"], q["value"], q["min"], q["max"], q["selected"],
            "yes" if q["met"] else "NO"] for q in data["quotas"]])
    if data.get("alternates"):
        heading("Alternates (in the order they are called)")
        table(["rank", "pseudonym", "drawn to replace", "quotas kept"],
              [[a["rank"], a["pseudonym"], a["replaces"] or "",
                "yes" if a["quota_preserving"] else "no"] for a in data["alternates"]])
    heading("How to re-run")
    story.append(Preformatted(_wrap(data["rerun"], 95), styles["Code"]))
    story.append(Paragraph("The same input files, seed and software version give the same panel "
                           "on any machine.", styles["BodyText"]))
    heading("Volunteers (pseudonymised)")
    table(["pseudonym", "probability", ""],
          [[v["pseudonym"], f"{v['probability']:.6f}", "selected" if v["selected"] else ""]
           for v in data["volunteers"]], [150, 100, 80])
    story.append(Spacer(1, 6))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Sortition audit report",
                      author=data["software"], invariant=1).build(story)
    return buffer.getvalue()


def _wrap(text: str, width: int) -> str:
    """Hard-wrap a long command line for the PDF (a trailing backslash marks each break)."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line + " \\")
            line = "    " + word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])
