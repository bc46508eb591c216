"""``parlons sortition``: draw a citizens' panel fairly and verifiably from a volunteer pool."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parlons.cli._errors import fail

ALGORITHMS = ("legacy", "maximin", "leximin", "nash")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sortition", help="fair stratified sortition (citizens' panels)")
    sub = parser.add_subparsers(dest="sortition_command", metavar="ACTION")
    draw = sub.add_parser("draw", help="compute selection probabilities and draw a panel")
    _common(draw)
    draw.add_argument("--algorithm", choices=ALGORITHMS, default="leximin")
    draw.add_argument("--seed", help="published seed (default: a fresh cryptographic one)")
    draw.add_argument("--format", choices=("table", "json"), default="table")
    draw.add_argument("--report", type=Path,
                      help="write the audit report: .html or .pdf (each also gets a .json twin), "
                           "or .json only")
    draw.add_argument("--alternates", type=int, default=0, metavar="K",
                      help="also draw K ranked alternates (substitutes keeping the quotas)")
    draw.add_argument("--legacy-draws", type=int, default=10_000,
                      help="draws used to estimate legacy's probabilities")
    draw.add_argument("--confirmed", nargs="*", default=[],
                      help="replacement round: ids already confirmed (they keep their seats)")
    draw.add_argument("--exclude", nargs="*", default=[],
                      help="replacement round: ids not to draw (declined, unreachable)")
    draw.add_argument("--time-limit", type=float, default=None, help="seconds (default: none)")
    draw.set_defaults(handler=_draw)
    check = sub.add_parser("check", help="check quotas; suggest relaxed quotas if infeasible")
    _common(check)
    check.set_defaults(handler=_check)
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--features", required=True, type=Path,
                        help="quotas: feature,value,min,max[,min_flex,max_flex] "
                             "(or replication categories.csv)")
    parser.add_argument("--people", required=True, type=Path,
                        help="volunteers: id column + one column per feature (+ address columns)")
    parser.add_argument("--panel-size", required=True, type=int)
    parser.add_argument("--id-column", default="id",
                        help="id column (default: id; rows are numbered when absent)")
    parser.add_argument("--address-columns", nargs="*", default=[],
                        help="columns of the address: at most one panel member per household")


def _load(args: argparse.Namespace):
    from parlons.core.sortition.readers import read_instance

    return read_instance(args.features, args.people, args.panel_size, id_column=args.id_column,
                         address_columns=args.address_columns)


def _check(args: argparse.Namespace) -> int:
    from parlons.core.sortition.feasibility import check_feasible
    from parlons.core.sortition.model import SortitionInputError

    try:
        check_feasible(_load(args))
    except SortitionInputError as exc:
        return fail(str(exc))
    print("feasible: at least one panel meets every quota")
    return 0


def _draw(args: argparse.Namespace) -> int:
    from parlons.core.sortition.audit import audit_data, audit_html, audit_json, audit_pdf
    from parlons.core.sortition.draw import draw, replacement_instance
    from parlons.core.sortition.model import SortitionInputError
    from parlons.core.sortition.readers import file_sha256

    try:
        instance = _load(args)
        if args.confirmed or args.exclude:
            instance = replacement_instance(instance, args.confirmed, args.exclude)
        if args.alternates < 0:
            raise SortitionInputError("--alternates must be 0 or more")
        result = draw(instance, args.algorithm, args.seed, legacy_draws=args.legacy_draws,
                      time_limit=args.time_limit, alternates=args.alternates)
    except SortitionInputError as exc:
        return fail(str(exc))
    except TimeoutError as exc:
        return fail(str(exc))
    probabilities = dict(zip(instance.ids, (round(float(p), 8) for p in result.probabilities),
                             strict=True))
    if args.report:
        rerun = " ".join(["parlons", "sortition", "draw", "--features", str(args.features),
                          "--people", str(args.people), "--panel-size", str(args.panel_size),
                          "--id-column", args.id_column, "--algorithm", result.algorithm,
                          "--seed", result.seed]
                         + (["--address-columns", *args.address_columns]
                            if args.address_columns else [])
                         + (["--confirmed", *args.confirmed] if args.confirmed else [])
                         + (["--exclude", *args.exclude] if args.exclude else [])
                         + (["--alternates", str(args.alternates)] if args.alternates else []))
        inputs = {name: {"path": str(path), "sha256": file_sha256(path)}
                  for name, path in (("features", args.features), ("people", args.people))}
        data = audit_data(result, inputs, rerun=rerun)
        try:
            suffix = args.report.suffix.lower()
            if suffix == ".json":
                args.report.write_text(audit_json(data), encoding="utf-8")
            elif suffix == ".pdf":
                args.report.write_bytes(audit_pdf(data))
                args.report.with_suffix(".json").write_text(audit_json(data), encoding="utf-8")
            else:
                args.report.write_text(audit_html(data), encoding="utf-8")
                args.report.with_suffix(".json").write_text(audit_json(data), encoding="utf-8")
        except OSError as exc:
            return fail(f"cannot write the report: {exc}")
    if args.format == "json":
        json.dump({"panel": result.panel_ids, "probabilities": probabilities,
                   "min_probability": round(result.min_probability, 8),
                   "algorithm": result.algorithm, "seed": result.seed,
                   "seed_generated": result.seed_generated,
                   "probabilities_estimated": result.distribution is None,
                   "canonical_input_sha256": instance.digest(),
                   "alternates": [{"rank": a.rank, "id": instance.ids[a.index],
                                   "replaces": (None if a.replaces is None
                                                else instance.ids[a.replaces]),
                                   "quota_preserving": a.quota_preserving}
                                  for a in result.alternates]},
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(f"algorithm {result.algorithm}, seed {result.seed}, pool {instance.n}, "
              f"panel {instance.panel_size}")
        print(f"minimum selection probability {result.min_probability:.6f}"
              f"{' (estimated)' if result.distribution is None else ''}")
        print("selected:")
        for pid in result.panel_ids:
            print(f"  {pid}\t{probabilities[pid]:.6f}")
        if result.alternates:
            print("alternates (in the order they are called):")
            for a in result.alternates:
                replaces = ("replaces " + instance.ids[a.replaces] if a.replaces is not None
                            else "no quota-preserving substitution")
                print(f"  {a.rank}. {instance.ids[a.index]}\t{replaces}")
    return 0
