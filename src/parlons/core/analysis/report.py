"""The bilan de la concertation, written from ``analysis.json``: printable HTML and DOCX.

Every figure and quote carries the ids of its contributions (references T1, D1, ... and
``#id``); the appendix lists the ids behind each reference. No author data is ever shown.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import BinaryIO

STANCE_FR = {"for": "pour", "against": "contre", "mixed": "mitigé", "none": "sans position"}
TYPE_FR = {"proposal": "propositions", "problem": "problèmes / constats",
           "opinion": "avis / analyses", "question": "questions"}
MAX_ROWS = 30
# /1: one theme per contribution; /2: a contribution is in every theme of one of its ideas
READABLE_FORMATS = ("parlons-analysis/1", "parlons-analysis/2")
REQUIRED_KEYS = ("summary", "themes", "outliers", "duplicates", "flags", "contributions",
                 "method")


class AnalysisFormatError(ValueError):
    """The file is not an ``analysis.json`` this version can read."""


def read_analysis(path: Path) -> dict:
    """Load an ``analysis.json`` of a readable format (see :data:`READABLE_FORMATS`)."""
    try:
        analysis = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnalysisFormatError(f"{path}: not a readable JSON file ({error})") from error
    if not isinstance(analysis, dict) or analysis.get("format") not in READABLE_FORMATS:
        found = analysis.get("format") if isinstance(analysis, dict) else None
        raise AnalysisFormatError(f"{path}: format {found!r} is not one of "
                                  f"{', '.join(READABLE_FORMATS)}")
    missing = [key for key in REQUIRED_KEYS if key not in analysis]
    if missing:
        raise AnalysisFormatError(f"{path}: missing keys {', '.join(missing)}")
    return analysis


def write_json(analysis: dict, path: Path) -> None:
    """Write ``analysis.json`` (UTF-8, stable key order), streamed: ``json.dumps`` of a
    1M-contribution analysis held ~5 GB of string pieces at once, ``json.dump`` none."""
    with path.open("w", encoding="utf-8") as handle:
        json.dump(analysis, handle, ensure_ascii=False, indent=1)


def _blocks(analysis: dict) -> list[tuple[str, object]]:
    """The bilan as neutral blocks: ("h1"|"h2"|"h3"|"p"|"quote"|"table"|"ids", payload)."""
    s = analysis["summary"]
    ctx = analysis.get("context", {})
    out: list[tuple[str, object]] = [("h1", ctx.get("title") or "Bilan de la concertation")]
    out.append(("h2", "1. Contexte"))
    period = (f" du {s['first_date']} au {s['last_date']}" if s.get("first_date") else "")
    out.append(("p", f"Source : {ctx.get('source', 'non précisée')}. "
                     f"{s['contributions']} contributions{period} "
                     f"({s['distinct_texts']} textes distincts, {s['authors']} auteurs "
                     f"pseudonymisés) [réf. P0]."))
    out.append(("h2", "2. Participation"))
    for key, title in (("by_channel", "Par canal"), ("by_neighbourhood", "Par quartier"),
                       ("by_question", "Par question")):
        table = s[key]
        if len(table) <= 1 and "(not given)" in table:
            continue
        rows = [[k if k != "(not given)" else "non précisé", str(v["count"]),
                 f"P-{key[3:]}-{i + 1}"] for i, (k, v) in enumerate(table.items())][:MAX_ROWS]
        out.append(("h3", title))
        out.append(("table", [["Valeur", "Contributions", "Réf."], *rows]))
    out.append(("h2", "3. Thèmes"))
    ideas = analysis["method"].get("ideas", {})
    split = (f" Les contributions longues sont découpées en idées : {ideas['texts_split']} "
             f"textes portent plusieurs idées ({ideas['units']} idées en tout) ; une "
             "contribution compte dans chaque thème où figure l'une de ses idées, et chaque "
             "citation indique sa contribution et sa position (caractères) dans le texte."
             if ideas.get("split") else "")
    out.append(("p", f"{len(analysis['themes'])} thèmes ; {analysis['outliers']['count']} "
                     f"contributions isolées restent hors thème [réf. O].{split}"))
    for theme in analysis["themes"]:
        out.append(("h3", f"{theme['id']} — {theme['label']} ({theme['count']} contributions)"))
        stance = ", ".join(f"{STANCE_FR.get(k, k)} {v}" for k, v in theme["stance"].items())
        kinds = ", ".join(f"{TYPE_FR.get(k, k)} {v}" for k, v in theme["typology"].items())
        out.append(("p", f"Mots-clés : {', '.join(theme['terms'])}. Positions : {stance}. "
                         f"Types : {kinds} [réf. {theme['id']}]."))
        for quote in theme["quotes"]:
            copies = f", reprise {quote['copies']} fois" if quote["copies"] > 1 else ""
            out.append(("quote", f"« {quote['text']} » [{_reference(quote)}{copies}]"))
        for sub in theme["subthemes"]:
            example = _reference(sub["quotes"][0]) if sub["quotes"] else "-"
            out.append(("p", f"Sous-thème {sub['id']} — {sub['label']} : {sub['count']} "
                             f"contributions, ex. {example} [réf. {sub['id']}]."))
    out.append(("h2", "4. Positions exprimées"))
    out.append(("table", [["Thème", *[STANCE_FR[k] for k in STANCE_FR]],
                          *[[t["id"], *[str(t["stance"].get(k, 0)) for k in STANCE_FR]]
                            for t in analysis["themes"]]]))
    out.append(("h2", "5. Contributions identiques ou quasi identiques"))
    groups = [g for g in analysis["duplicates"] if g["count"] >= 2][:MAX_ROWS]
    if not groups:
        out.append(("p", "Aucune."))
    for group in groups:
        kind = "identiques" if group["kind"] == "exact" else "quasi identiques"
        out.append(("p", f"{group['id']} : {group['count']} contributions {kind} reprennent ce "
                         f"texte [réf. {group['id']}] :"))
        out.append(("quote", f"« {group['text']} » [#{group['representative_id']}]"))
    flags = analysis["flags"]
    out.append(("h2", "6. Signalements"))
    out.append(("p", f"{len(flags['spam'])} contributions signalées comme indésirables (spam) "
                     f"[réf. S] et {len(flags['non_french'])} en langue étrangère [réf. L], "
                     "écartées des thèmes mais conservées."))
    method = analysis["method"]
    out.append(("h2", "7. Méthode et limites"))
    out.append(("p", "Analyse automatique hors ligne (Parlons) : normalisation du français "
                     "(accents, lemmes simplemma, mots vides ; adresses, courriels et téléphones "
                     "masqués), regroupement des textes identiques (hachage normalisé) et quasi "
                     f"identiques (MinHash, seuil de Jaccard {method['duplicate_threshold']}), "
                     f"thèmes par {method['encoder']} et "
                     f"{'NMF' if method['encoder'] == 'TfidfSvdEncoder' else 'k-moyennes'} "
                     f"({method['n_themes_chosen']} "
                     "thèmes, nombre choisi par l'écart de silhouette à des données sans "
                     "structure sauf choix de l'animateur), étiquettes par "
                     f"c-TF-IDF, citations proches du centre et diversifiées ; graine "
                     f"{method['seed']}."))
    out.append(("p", "Limites : les positions et types sont prédits par des modèles appris sur "
                     "d'autres consultations (voir docs/analysis.md pour leurs scores) et "
                     "doivent être relus ; le découpage en idées est automatique (phrases "
                     "regroupées par proximité de vocabulaire) ; les thèmes "
                     "décrivent ce qui a été dit, non sa représentativité."))
    out.append(("h2", "Annexe — identifiants des contributions"))
    out.append(("ids", ("P0", [r["id"] for r in analysis["contributions"]])))
    for key in ("by_channel", "by_neighbourhood", "by_question"):
        for i, (_value, v) in enumerate(s[key].items()):
            if i < MAX_ROWS and not (len(s[key]) == 1 and "(not given)" in s[key]):
                out.append(("ids", (f"P-{key[3:]}-{i + 1}", v["member_ids"])))

    def theme_ids(theme: dict) -> None:
        out.append(("ids", (theme["id"], theme["member_ids"])))
        for sub in theme["subthemes"]:
            theme_ids(sub)

    for theme in analysis["themes"]:
        theme_ids(theme)
    out.append(("ids", ("O", analysis["outliers"]["member_ids"])))
    for group in groups:
        out.append(("ids", (group["id"], group["member_ids"])))
    out.append(("ids", ("S", flags["spam"])))
    out.append(("ids", ("L", flags["non_french"])))
    return out


CSS = """body{font-family:Georgia,serif;max-width:46em;margin:2em auto;line-height:1.45;color:#111}
h1,h2,h3{font-family:Arial,sans-serif}blockquote{border-left:3px solid #888;margin:.5em 0;
padding:.2em 1em;color:#333}table{border-collapse:collapse}td,th{border:1px solid #999;
padding:.2em .5em;text-align:left}.ids{font-size:.8em;word-break:break-all}
@media print{h2{page-break-before:auto}.appendix{page-break-before:always}}"""


def _reference(quote: dict) -> str:
    """``#id``, with the characters quoted when the quote is a passage of a longer text."""
    part = f", car. {quote['start']}–{quote['end']}" if quote.get("part") else ""
    return f"#{quote['id']}{part}"


def render_html(analysis: dict) -> str:
    """The bilan as one printable HTML page (print to PDF from a browser)."""
    esc = html.escape
    parts = ["<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">",
             f"<title>{esc(_title(analysis))}</title><style>{CSS}</style></head><body>"]
    for kind, payload in _blocks(analysis):
        if kind in ("h1", "h2", "h3"):
            klass = ' class="appendix"' if str(payload).startswith("Annexe") else ""
            parts.append(f"<{kind}{klass}>{esc(str(payload))}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{esc(str(payload))}</p>")
        elif kind == "quote":
            parts.append(f"<blockquote>{esc(str(payload))}</blockquote>")
        elif kind == "table":
            rows = payload  # type: ignore[assignment]
            head = "".join(f"<th>{esc(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>"
                           for r in rows[1:])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "ids":
            ref, ids = payload  # type: ignore[misc]
            parts.append(f"<p class=\"ids\"><strong>{esc(ref)}</strong> ({len(ids)}) : "
                         f"{esc(', '.join(ids))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_docx(analysis: dict, path: Path | BinaryIO) -> None:
    """The bilan as a Word document (python-docx)."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    for kind, payload in _blocks(analysis):
        if kind == "h1":
            document.add_heading(str(payload), level=0)
        elif kind == "h2":
            document.add_heading(str(payload), level=1)
        elif kind == "h3":
            document.add_heading(str(payload), level=2)
        elif kind == "p":
            document.add_paragraph(str(payload))
        elif kind == "quote":
            document.add_paragraph(str(payload), style="Quote")
        elif kind == "table":
            rows = payload  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        elif kind == "ids":
            ref, ids = payload  # type: ignore[misc]
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{ref} ({len(ids)}) : ").bold = True
            run = paragraph.add_run(", ".join(ids))
            run.font.size = Pt(7)
    document.save(path if hasattr(path, "write") else str(path))


def _title(analysis: dict) -> str:
    return analysis.get("context", {}).get("title") or "Bilan de la concertation"


def write_report(analysis: dict, out_dir: Path) -> list[Path]:
    """Write analysis.json, bilan.html and bilan.docx into ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(analysis, out_dir / "analysis.json")
    return [out_dir / "analysis.json", *write_bilan(analysis, out_dir)]


def write_bilan(analysis: dict, out_dir: Path) -> list[Path]:
    """Write bilan.html and bilan.docx into ``out_dir`` (rendered in memory first, so a
    rendering error writes nothing); returns the paths."""
    import io

    page = render_html(analysis)
    buffer = io.BytesIO()
    write_docx(analysis, buffer)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "bilan.html", out_dir / "bilan.docx"]
    paths[0].write_text(page, encoding="utf-8")
    paths[1].write_bytes(buffer.getvalue())
    return paths
