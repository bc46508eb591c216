"""``parlons opinions``: Polis-style opinion maps from agree/disagree/pass votes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from parlons.cli._errors import fail


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "opinions", help="opinion maps (Polis-style): groups, consensus, divisive statements",
        description="Opinion maps from agree/disagree/pass votes on statements.")
    sub = parser.add_subparsers(dest="opinions_command", metavar="ACTION")
    p = sub.add_parser(
        "analyse", help="groups, representative, consensus and divisive statements, SVG map",
        description="Analyse a Polis export folder (comments.csv with votes.csv or "
                    "participants-votes.csv), those CSV files, or a Parlons JSON file.")
    p.add_argument("inputs", nargs="+", type=Path, metavar="DIR_OR_FILES")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--svg", type=Path, metavar="MAP.svg", help="also write the opinion map")
    p.add_argument("--output", "-o", type=Path, help="write the report here instead of stdout")
    p.add_argument("--state", type=Path, metavar="STATE.json",
                   help="previous recompute's state (k smoother, group numbers); updated in place")
    p.add_argument("--no-members", action="store_true",
                   help="json: leave out group members and participant coordinates")
    p.set_defaults(handler=_analyse)
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])


def _analyse(args: argparse.Namespace) -> int:
    from parlons.core.opinions import OpinionsDataError, OpinionState, Settings, analyse
    from parlons.core.opinions.readers import read_conversation
    from parlons.core.opinions.report import to_dict, to_table
    from parlons.core.opinions.svg import render_svg

    state = None
    try:
        conv = read_conversation(args.inputs)
        if args.state is not None and args.state.exists():
            state = OpinionState.from_dict(json.loads(args.state.read_text(encoding="utf-8")))
    except OpinionsDataError as exc:
        return fail(str(exc))
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        return fail(f"cannot read the state file: {exc}")
    if conv.n_votes == 0:
        return fail("no votes to analyse")
    analysis = analyse(conv, Settings(seed=args.seed), state)
    if args.format == "json":
        text = json.dumps(to_dict(analysis, members=not args.no_members), ensure_ascii=False,
                          indent=1) + "\n"
    else:
        text = to_table(analysis)
    try:
        if args.svg is not None:
            args.svg.write_text(render_svg(analysis), encoding="utf-8")
        if args.state is not None:
            args.state.write_text(json.dumps(analysis.state.to_dict()), encoding="utf-8")
        if args.output is not None:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    except OSError as exc:
        return fail(f"cannot write: {exc}")
    return 0
