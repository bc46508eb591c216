"""``parlons qda``: qualitative analysis of interviews, REFI-QDA compatible."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

from parlons.cli._errors import UserError, fail

QUERIES = ("frequencies", "matrix", "cooccurrence", "agreement", "words")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "qda",
        help="qualitative analysis of interviews (REFI-QDA .qdpx/.qdc)",
        description="Qualitative analysis of interviews: import, validate, query, export.",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "fr"),
        default=os.environ.get("PARLONS_LANG", "en"),
        help="language of the core's messages and errors (default: $PARLONS_LANG or en)",
    )
    sub = parser.add_subparsers(dest="qda_command", metavar="ACTION")

    p = sub.add_parser("validate", help="check a .qdpx/.qde/.qdc against the REFI-QDA schemas")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=_validate)

    p = sub.add_parser("import", help="build a .qdpx from transcripts, codebooks and projects")
    p.add_argument(
        "files",
        type=Path,
        nargs="+",
        help=".txt .md .docx .odt .srt .vtt transcripts, .qdpx/.qde project, .qdc",
    )
    p.add_argument("--out", type=Path, required=True, help="the .qdpx to write")
    p.add_argument("--cases", type=Path, help="CSV of case attributes, one row per interviewee")
    p.add_argument("--case-id", help="identifier column of the cases CSV (default: first)")
    p.add_argument("--case-name", help="column appended to the case id in its name")
    p.add_argument("--name", help="project name")
    p.set_defaults(handler=_import)

    p = sub.add_parser("query", help="run a query on a project")
    p.add_argument("project", type=Path)
    p.add_argument("query", choices=QUERIES)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--coder", help="only codings by this user (id, name or GUID)")
    p.add_argument("--code", action="append", help="restrict to a code path (repeatable)")
    p.add_argument("--by", help="frequencies: split passages by this case attribute")
    p.add_argument(
        "--columns", default="case", help="matrix: 'case' (default) or the name of a case attribute"
    )
    p.add_argument(
        "--measure",
        choices=("passages", "cases"),
        default="passages",
        help="matrix: count passages (default) or cases",
    )
    p.add_argument("--coders", nargs=2, metavar=("A", "B"), help="agreement: the two coders")
    p.add_argument("--document", action="append", help="agreement: restrict to documents")
    p.add_argument("--top", type=int, default=30, help="words: how many (default 30)")
    p.add_argument("--output", type=Path, help="also write the matrix as .xlsx or .csv")
    p.set_defaults(handler=_query)

    p = sub.add_parser("quotes", help="export coded passages with their references")
    p.add_argument("project", type=Path)
    p.add_argument("--out", type=Path, required=True, help=".docx, .xlsx or .csv")
    p.add_argument("--code", action="append", help="code path (repeatable; children included)")
    p.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="keep cases whose attribute has this value (repeatable)",
    )
    p.add_argument("--coder")
    p.set_defaults(handler=_quotes)

    p = sub.add_parser("pseudonymise", help="replace names consistently; write the key apart")
    p.add_argument("project", type=Path)
    p.add_argument(
        "--list",
        type=Path,
        required=True,
        help="CSV 'original,replacement' (no header or header original,replacement)",
    )
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--key", type=Path, required=True, help="key file the owner keeps")
    p.add_argument(
        "--passphrase-env", help="encrypt the key with the passphrase in this environment variable"
    )
    p.set_defaults(handler=_pseudonymise)

    p = sub.add_parser("restore", help="undo a pseudonymisation with its key")
    p.add_argument("project", type=Path)
    p.add_argument("--key", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--passphrase-env")
    p.set_defaults(handler=_restore)

    p = sub.add_parser("codebook", help="export the codebook of a project as .qdc")
    p.add_argument("project", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=_codebook)

    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])


_LANG = ["en"]


def _t(message: Any) -> str:
    """A message or error of the core in the language chosen with ``--lang``."""
    from parlons.core.qda.messages import render

    return render(message, _LANG[0])


def _guard(fn: Any) -> Any:
    def wrapper(args: argparse.Namespace) -> int:
        from parlons.core.qda.refi import RefiError

        _LANG[0] = getattr(args, "lang", "en") or "en"
        try:
            return fn(args)
        except (UserError, RefiError, ValueError, KeyError, OSError) as exc:
            return fail(_t(exc))

    wrapper.__doc__ = fn.__doc__
    return wrapper


def _load(path: Path) -> Any:
    from parlons.core.qda import refi

    if not path.exists():
        raise UserError(f"no such file: {path}")
    project, messages = refi.read_path(path)
    for message in messages:
        print(f"note: {_t(message)}", file=sys.stderr)
    return project


@_guard
def _validate(args: argparse.Namespace) -> int:
    from parlons.core.qda import refi

    if not args.file.exists():
        raise UserError(f"no such file: {args.file}")
    errors, messages = refi.validate_path(args.file)
    for error in errors:
        print(f"schema: {error}")
    for message in messages:
        print(f"repair: {_t(message)}")
    if errors:
        print(f"{args.file}: INVALID ({len(errors)} schema errors; readable leniently)")
        return 1
    print(f"{args.file}: valid")
    return 0


@_guard
def _import(args: argparse.Namespace) -> int:
    from parlons.core.qda import refi, transcripts
    from parlons.core.qda.model import Project

    project = Project(name=args.name or args.out.stem)
    for path in args.files:
        if not path.exists():
            raise UserError(f"no such file: {path}")
        ext = path.suffix.lower()
        if ext in (".qdpx", ".qde", ".qdc"):
            other, messages = refi.read_path(path)
            for message in messages:
                print(f"note: {path.name}: {_t(message)}", file=sys.stderr)
            _merge(project, other, ext == ".qdc")
        elif ext in transcripts.SUPPORTED:
            source = transcripts.load_transcript(path)
            project.sources[source.guid] = source
            print(
                f"{path.name}: {len(source.text)} characters, {len(source.turns)} turns",
                file=sys.stderr,
            )
        else:
            raise UserError(f"{path}: unsupported file type {ext!r}")
    if args.name:
        project.name = args.name
    if args.cases:
        cases = transcripts.read_cases_csv(
            project,
            args.cases.read_text(encoding="utf-8-sig"),
            id_column=args.case_id,
            name_column=args.case_name,
        )
        unlinked = [c.name for c in cases if not c.sources]
        if unlinked:
            print(f"note: cases without a source: {', '.join(map(str, unlinked))}", file=sys.stderr)
    data, messages = refi.write_qdpx(project)
    for message in messages:
        print(f"note: {_t(message)}", file=sys.stderr)
    args.out.write_bytes(data)
    print(
        f"wrote {args.out}: {len(project.sources)} sources, {len(project.cases)} cases, "
        f"{len(project.codes)} codes, {len(project.selections)} selections"
    )
    return 0


def _merge(project: Any, other: Any, codebook_only: bool) -> None:
    if not project.sources and not project.codes and not codebook_only:
        name = project.name
        project.__dict__.update(other.__dict__)
        project.name = name if name else other.name
        return
    for attr in (
        "users",
        "codes",
        "variables",
        "cases",
        "sources",
        "selections",
        "notes",
        "sets",
        "links",
    ):
        getattr(project, attr).update(getattr(other, attr))


def _emit(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if not rows:
        print("(no result)")
        return
    columns = list(rows[0].keys())
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        print(out.getvalue(), end="")
        return
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print(
            "  ".join(
                v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)
            )
        )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else str(value)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@_guard
def _query(args: argparse.Namespace) -> int:
    from parlons.core.qda import agreement, exports, queries

    project = _load(args.project)
    rows: list[dict[str, Any]]
    if args.query == "frequencies":
        rows = queries.frequencies(project, coder=args.coder, by=args.by)
        if args.code:
            wanted = set(args.code)
            rows = [
                r
                for r in rows
                if r["code"] in wanted or any(r["code"].startswith(w + "/") for w in wanted)
            ]
    elif args.query == "matrix":
        m = queries.matrix(project, columns=args.columns, coder=args.coder, codes=args.code)
        rows = m.table(args.measure)
        if args.output:
            if args.output.suffix.lower() == ".xlsx":
                args.output.write_bytes(
                    exports.matrix_xlsx(m, queries.passages(project, coder=args.coder))
                )
            else:
                args.output.write_text(exports.matrix_csv(m, args.measure), encoding="utf-8")
    elif args.query == "cooccurrence":
        rows = [
            {"code_a": a, "code_b": b, "count": n}
            for a, b, n in queries.cooccurrence(project, coder=args.coder)
        ]
    elif args.query == "agreement":
        if not args.coders:
            coders = [u.id or u.guid for u in project.users.values()]
            if len(coders) < 2:
                raise UserError("agreement needs --coders A B (the project has fewer than 2 users)")
            args.coders = coders[:2]
        results = agreement.agreement(
            project, *args.coders, codes=args.code, documents=args.document
        )
        rows = [
            {
                "code": r.code,
                "chars_a": r.chars_a,
                "chars_b": r.chars_b,
                "chars_both": r.chars_both,
                "units": r.units,
                "agreement": r.observed,
                "kappa": r.kappa,
                "alpha": r.alpha,
            }
            for r in results
        ]
    else:
        rows = [
            {"word": w, "count": n, "documents": d}
            for w, n, d in queries.word_frequencies(
                project, codes=args.code, coder=args.coder, top=args.top
            )
        ]
    _emit(rows, args.format)
    return 0


@_guard
def _quotes(args: argparse.Namespace) -> int:
    from parlons.core.qda import exports, queries

    project = _load(args.project)
    attributes: dict[str, str] = {}
    for item in args.attribute:
        if "=" not in item:
            raise UserError(f"--attribute expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        attributes[name.strip()] = value.strip()
    found = queries.passages(project, codes=args.code, coder=args.coder, attributes=attributes)
    suffix = args.out.suffix.lower()
    if suffix == ".docx":
        args.out.write_bytes(exports.quotes_docx(found))
    elif suffix == ".xlsx":
        args.out.write_bytes(exports.quotes_xlsx(found))
    elif suffix == ".csv":
        args.out.write_text(exports.quotes_csv(found), encoding="utf-8")
    else:
        raise UserError("--out must end in .docx, .xlsx or .csv")
    print(f"wrote {args.out}: {len(found)} passages")
    return 0


def _passphrase(env: str | None) -> str | None:
    if env is None:
        return None
    value = os.environ.get(env)
    if not value:
        raise UserError(f"environment variable {env} is empty or unset")
    return value


@_guard
def _pseudonymise(args: argparse.Namespace) -> int:
    from parlons.core.qda import pseudonym, refi

    project = _load(args.project)
    table: dict[str, str] = {}
    with args.list.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) < 2 or not row[0].strip():
                continue
            if row[0].strip().casefold() in ("original", "nom", "name"):
                continue
            table[row[0].strip()] = row[1].strip()
    result, key = pseudonym.pseudonymise(project, table)
    data, _ = refi.write_qdpx(result)
    passphrase = _passphrase(args.passphrase_env)
    if passphrase:
        args.key.write_bytes(pseudonym.lock_key(key, passphrase))
    else:
        args.key.write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")
    args.out.write_bytes(data)
    spans = sum(len(e["spans"]) for e in key["sources"].values())
    print(f"wrote {args.out} ({spans} replacements in sources); keep {args.key} private")
    return 0


@_guard
def _restore(args: argparse.Namespace) -> int:
    from parlons.core.qda import pseudonym, refi

    project = _load(args.project)
    blob = args.key.read_bytes()
    passphrase = _passphrase(args.passphrase_env)
    key = pseudonym.unlock_key(blob, passphrase) if passphrase else json.loads(blob)
    data, _ = refi.write_qdpx(pseudonym.restore(project, key))
    args.out.write_bytes(data)
    print(f"wrote {args.out}")
    return 0


@_guard
def _codebook(args: argparse.Namespace) -> int:
    from parlons.core.qda import refi

    project = _load(args.project)
    args.out.write_bytes(refi.write_codebook(project))
    print(f"wrote {args.out}: {len(project.codes)} codes")
    return 0
