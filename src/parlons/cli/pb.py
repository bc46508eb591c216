"""``parlons pb``: participatory-budgeting tallies on Pabulib files (tally, check, convert)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from parlons.cli._errors import UserError, fail

RULE_CHOICES = ("greedy", "greedy-utilitarian", "mes", "phragmen", "max-welfare")
COMPLETION_CHOICES = ("none", "utilitarian", "add1", "add1-exhaustive", "add1u")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pb",
        help="participatory budgeting: tally, check and convert Pabulib files",
        description="Participatory budgeting on Pabulib (.pb, .pb.gz) files.",
    )
    sub = parser.add_subparsers(dest="pb_command", metavar="ACTION")

    p = sub.add_parser("tally", help="compute the winners of a rule")
    p.add_argument("file", type=Path)
    p.add_argument("--rule", choices=RULE_CHOICES, default="greedy")
    p.add_argument("--completion", choices=COMPLETION_CHOICES, default="none",
                   help="MES completion (default: none)")
    p.add_argument("--comparison", action="store_true",
                   help="MES: keep greedy's outcome when more voters prefer it")
    p.add_argument("--sat", choices=("cost", "cardinality", "points"), default=None,
                   help="satisfaction (utility) measure; default: cost")
    p.add_argument("--exact", action="store_true", help="exact rational arithmetic")
    p.add_argument("--tie-break", choices=("id", "cost-votes", "file"), default=None,
                   help="default: file order for greedy, project id for the other rules")
    p.add_argument("--variant", choices=("greedy", "greedy-no-skip", "greedy-threshold"),
                   help="greedy variant (default: META rule when it names one)")
    p.add_argument("--explain", action="store_true", help="explain each project's fate")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_tally)

    p = sub.add_parser("check", help="validate a file and report problems with their lines")
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_check)

    p = sub.add_parser("convert", help="read a file and write it back (.gz compresses)")
    p.add_argument("file", type=Path)
    p.add_argument("out", type=Path)
    p.set_defaults(handler=_convert)

    def _usage(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=_usage)


def _load(path: Path, voters: bool = False) -> tuple[Any, Any]:
    """Read a file (``voters``: decode its voters' rows too, so that a byte that is not
    UTF-8 in any column is reported now)."""
    from parlons.core.budgeting.pabulib import PabulibError, read_pabulib

    if not path.is_file():
        raise UserError(f"no such file: {path}")
    try:
        instance, profile = read_pabulib(path)
        if voters:
            profile.voters  # noqa: B018 (decodes them)
        return instance, profile
    except (PabulibError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise UserError(f"{path}: {exc}") from None


def _tally(args: argparse.Namespace) -> int:
    from parlons.core.budgeting.rules import tally

    try:
        instance, profile = _load(args.file)
        if args.rule != "mes" and (args.completion != "none" or args.comparison):
            raise UserError("--completion and --comparison apply to --rule mes only")
        try:
            outcome = tally(
                instance, profile, rule=args.rule, completion=args.completion,
                comparison=args.comparison, sat=args.sat, exact=args.exact,
                tie_break=args.tie_break, greedy_variant=args.variant,
                with_explanations=args.explain,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from None
    except UserError as exc:
        return fail(str(exc))
    rule = args.rule
    if rule == "mes" and args.completion != "none":
        rule += f"+{args.completion}"
    if args.comparison:
        rule += "+comparison"
    data = {
        "rule": rule,
        "winners": outcome.winners,
        "cost": _plain(outcome.cost),
        "budget": _plain(outcome.budget),
        "metrics": outcome.metrics,
        "details": outcome.details,
    }
    if args.explain:
        data["explanations"] = outcome.explanations
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"rule: {rule}   budget: {data['budget']}   spent: {data['cost']}")
    print(f"{'project':<16} {'cost':>14}  name")
    for pid in outcome.winners:
        project = instance.projects[pid]
        print(f"{pid:<16} {_plain(project.cost):>14}  {project.name[:60]}")
    for key, value in outcome.metrics.items():
        print(f"{key}: {value}")
    if args.explain:
        for pid, text in outcome.explanations.items():
            print(f"{pid}: {text}")
    return 0


def _plain(value: Any) -> Any:
    return value if isinstance(value, int) else float(value)


def _check(args: argparse.Namespace) -> int:
    from parlons.core.budgeting.pabulib import validate

    try:
        instance, profile = _load(args.file, voters=True)
    except UserError as exc:
        return fail(str(exc))
    issues = validate(instance, profile)
    errors = sum(1 for i in issues if i.severity == "error")
    if args.format == "json":
        json.dump(
            {
                "file": str(args.file),
                "projects": len(instance.projects),
                "voters": len(profile.voters),
                "distinct_ballots": len(profile.ballots),
                "issues": [
                    {"line": i.line, "severity": i.severity, "message": i.message}
                    for i in issues
                ],
            },
            sys.stdout, ensure_ascii=False, indent=2,
        )
        print()
    else:
        print(f"{args.file}: {len(instance.projects)} projects, {len(profile.voters)} voters "
              f"({len(profile.ballots)} distinct ballots), {len(issues)} issue(s)")
        for issue in issues:
            print(issue)
    return 1 if errors else 0


def _convert(args: argparse.Namespace) -> int:
    from parlons.core.budgeting.pabulib import write_pabulib

    try:
        instance, profile = _load(args.file, voters=True)
        write_pabulib(instance, profile, args.out)
    except UserError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror}")
    print(f"wrote {args.out}")
    return 0
