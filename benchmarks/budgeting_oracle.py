"""Compare our PB rules with pabutools (test oracle, GPL: used here only) on Pabulib files.

    .venv/bin/python benchmarks/budgeting_oracle.py [--limit N] [--rules a,b] [--max-voters N]
        [--start NAME] [--match SUBSTRING,...]

Runs every rule both implement, with the same tie-breaking (project id as text, pabutools'
default) and exact arithmetic on both sides (Add1 rules: our default float engine, which re-runs
near ties exactly), over the files of ``pb/`` (each call, ours and
pabutools', capped at ``--cap`` CPU seconds), and prints one line per disagreement and a summary.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "pabulib"
sys.path.insert(0, str(ROOT / "src"))

from parlons.core.budgeting.greedy import greedy_utilitarian  # noqa: E402
from parlons.core.budgeting.mes import equal_shares  # noqa: E402
from parlons.core.budgeting.pabulib import read_pabulib  # noqa: E402
from parlons.core.budgeting.phragmen import sequential_phragmen  # noqa: E402
from parlons.core.budgeting.welfare import max_welfare, welfare  # noqa: E402

RULES = ("greedy-cost", "greedy-card", "mes-cost", "mes-card", "mes-add1e-cost", "mes-add1u-card",
         "phragmen", "maxwelfare-cost")


class _Timeout(Exception):
    """Raised when one comparison exceeds its time budget."""


def _alarm(signum, frame):  # noqa: ANN001
    raise _Timeout


def pabutools_outcome(rule: str, inst, prof):  # noqa: ANN001
    from pabutools.election import Cardinality_Sat, Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        max_additive_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.rules import (
        sequential_phragmen as pb_phragmen,
    )

    sat = Cost_Sat if rule.endswith("cost") else Cardinality_Sat
    if rule.startswith("greedy"):
        return greedy_utilitarian_welfare(inst, prof, sat_class=sat)
    if rule in ("mes-cost", "mes-card"):
        return method_of_equal_shares(inst, prof, sat_class=sat)
    if rule == "mes-add1e-cost":
        return method_of_equal_shares(inst, prof, sat_class=sat, voter_budget_increment=1)
    if rule == "mes-add1u-card":
        return completion_by_rule_combination(
            inst, prof, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}])
    if rule == "phragmen":
        return pb_phragmen(inst, prof)
    if rule == "maxwelfare-cost":
        return max_additive_utilitarian_welfare(inst, prof, sat_class=sat)
    raise ValueError(rule)


def our_outcome(rule: str, instance, profile) -> list[str]:  # noqa: ANN001
    sat = "cost" if rule.endswith("cost") else "cardinality"
    if rule.startswith("greedy"):
        return greedy_utilitarian(instance, profile, sat=sat)
    if rule in ("mes-cost", "mes-card"):
        return equal_shares(instance, profile, sat, "none", exact=True).winners
    # Add1: our default engine (float, vectorised batches, exact re-run of near ties), the one
    # users run; ``exact=True`` would make one exact run per visited budget
    if rule == "mes-add1e-cost":
        return equal_shares(instance, profile, sat, "add1-exhaustive").winners
    if rule == "mes-add1u-card":
        return equal_shares(instance, profile, sat, "add1u").winners
    if rule == "phragmen":
        return sequential_phragmen(instance, profile, exact=True)
    if rule == "maxwelfare-cost":
        return max_welfare(instance, profile, sat)
    raise ValueError(rule)


def compare(path: Path, rules: tuple[str, ...], cap_s: int = 60) -> list[tuple]:
    """Return (file, rule, status, ours_seconds, pabutools_seconds, detail) rows."""
    from pabutools.election import parse_pabulib

    rows = []
    instance, profile = read_pabulib(path)
    inst, prof = parse_pabulib(str(path))
    mprof = prof.as_multiprofile()
    approval = instance.vote_type in ("approval", "choose-1")
    for rule in rules:
        if rule == "phragmen" and not approval:
            continue
        # caps count CPU time (a wall-clock cap means little on a loaded machine); ours is
        # capped too: Add1 in a small currency unit can visit thousands of budgets (Toulouse)
        signal.signal(signal.SIGPROF, _alarm)
        t0 = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, cap_s)
        try:
            ours = our_outcome(rule, instance, profile)
        except _Timeout:
            rows.append((path.name, rule, "ours-timeout", cap_s, 0.0, ""))
            continue
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        t1 = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, cap_s)
        try:
            theirs = sorted(p.name for p in pabutools_outcome(rule, inst, mprof))
        except _Timeout:
            rows.append((path.name, rule, "timeout", t1 - t0, cap_s, ""))
            continue
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        t2 = time.process_time()
        if rule.startswith("maxwelfare"):
            same = welfare(instance, profile, ours) == welfare(instance, profile, theirs)
        else:
            same = sorted(ours) == theirs
        detail = "" if same else f"ours-only={sorted(set(ours) - set(theirs))} " \
                                 f"theirs-only={sorted(set(theirs) - set(ours))}"
        rows.append((path.name, rule, "same" if same else "DIFF", t1 - t0, t2 - t1, detail))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--max-voters", type=int, default=0)
    parser.add_argument("--cap", type=int, default=60, help="CPU seconds per call (each side)")
    parser.add_argument("--verbose", action="store_true", help="one line per file")
    parser.add_argument("--start", default="", help="skip the files sorted before this name")
    parser.add_argument("--match", default="", help="only the files whose name has one of "
                                                    "these comma-separated substrings")
    args = parser.parse_args()
    rules = tuple(args.rules.split(","))
    files = sorted((DATA / "pb").glob("*.pb"))
    files = [f for f in files if f.name >= args.start]
    if args.match:
        files = [f for f in files if any(m in f.name for m in args.match.split(","))]
    if args.limit:
        files = files[: args.limit]
    counts: dict[str, int] = {}
    ours_total = theirs_total = 0.0
    for path in files:
        if args.max_voters:
            with open(path, encoding="utf-8-sig") as handle:
                head = handle.read(4000)
            votes = [ln for ln in head.splitlines() if ln.startswith("num_votes;")]
            if votes and int(float(votes[0].split(";")[1])) > args.max_voters:
                continue
        for row in compare(path, rules, args.cap):
            counts[row[2]] = counts.get(row[2], 0) + 1
            ours_total += row[3]
            theirs_total += row[4]
            if row[2] != "same" or args.verbose:
                print(*row, sep=" | ", flush=True)
    print(f"summary: {counts}; CPU ours {ours_total:.1f} s, pabutools {theirs_total:.1f} s")
    return 0 if counts.get("DIFF", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
