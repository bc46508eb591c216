"""Fairness and speed of Parlons' sortition next to sortition-algorithms (GPL peer), one run.

    .venv/bin/python benchmarks/sortition_fairness.py [--quick] [--peer-timeout 180]

Every (instance, algorithm) runs in a fresh subprocess (wall time, CPU time, peak RSS), capped
by a timeout. Ours: legacy (probabilities estimated over --legacy-draws draws), maximin, leximin,
Nash. Peer: sortition-algorithms' maximin and Nash on HiGHS (its leximin needs Gurobi and falls
back to maximin without it). "agree" compares minimum probabilities with the peer's maximin and,
for leximin, the sorted vector with the published reference curve where one exists.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "sortition"
QUICK = [("example_small_20", "normalized"), ("sf_fixture_22", "normalized"),
         ("sf_fixture_22", "normalized_households"), ("opendlp_monitoring_30", "normalized")]
FULL = QUICK + [("diversimax_il_60", "normalized"), ("synth_sfe_like_40", "normalized"),
                ("geneva_30", "normalized"), ("synth_sfe_like_110", "normalized")]
REFERENCE = {"geneva_30": DATA / "reference/geneva_30/geneva_30_prob_allocs_data.csv",
             "example_small_20": DATA / "reference/nature2021_replication/"
                                        "example_small_20_prob_allocs_data.csv"}


def _folder(name: str, variant: str) -> tuple[Path, dict]:
    folder = DATA / "instances" / name / variant
    return folder, json.loads((folder / "instance.json").read_text())


def _ours(name: str, variant: str, algorithm: str, draws: int) -> dict:
    from parlons.core.sortition.draw import compute_probabilities
    from parlons.core.sortition.readers import read_instance

    folder, meta = _folder(name, variant)
    inst = read_instance(folder / "features.csv", folder / "people.csv", meta["panel_size_k"],
                         address_columns=meta["address_columns"])
    probs, dist, stats = compute_probabilities(inst, algorithm, legacy_draws=draws)
    return {"probs": probs.tolist(), "panels": None if dist is None else len(dist.weights),
            "stats": stats}


def _peer(name: str, variant: str, algorithm: str, draws: int) -> dict:
    from sortition_algorithms.committee_generation import maximin, nash
    from sortition_algorithms.features import read_in_features
    from sortition_algorithms.people import read_in_people
    from sortition_algorithms.settings import Settings

    folder, meta = _folder(name, variant)
    with open(folder / "features.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    features, _, _ = read_in_features(list(rows[0]), rows, meta["panel_size_k"])
    settings = Settings(id_column="id", columns_to_keep=[],
                        check_same_address=bool(meta["address_columns"]),
                        check_same_address_columns=meta["address_columns"])
    with open(folder / "people.csv", newline="") as handle:
        prow = list(csv.DictReader(handle))
    people, _ = read_in_people(list(prow[0]), prow, features, settings)
    finder = {"maximin": maximin.find_distribution_maximin,
              "nash": nash.find_distribution_nash}[algorithm]
    committees, marginals, _ = finder(features, people, meta["panel_size_k"],
                                      meta["address_columns"])
    probs = {pid: 0.0 for pid in people}
    for committee, p in zip(committees, marginals, strict=True):
        for pid in committee:
            probs[pid] += p
    return {"probs": sorted(probs.values()), "panels": len(committees), "stats": {}}


def _worker(args: argparse.Namespace) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    runner = _ours if args.worker == "ours" else _peer
    out = runner(args.instance, args.variant, args.algorithm, args.legacy_draws)
    out["wall_s"] = time.perf_counter() - wall
    out["cpu_s"] = time.process_time() - cpu
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _run(who: str, name: str, variant: str, algorithm: str, timeout: float,
         draws: int) -> dict | None:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, __file__, "--worker", who, "--instance", name, "--variant", variant,
           "--algorithm", algorithm, "--legacy-draws", str(draws)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reference_curve(name: str) -> np.ndarray | None:
    path = REFERENCE.get(name)
    if path is None or not path.exists():
        return None
    with open(path, newline="") as handle:
        values = [float(r["selection probability"]) for r in csv.DictReader(handle)
                  if r["algorithm"] == "LexiMin"]
    return np.sort(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peer-timeout", type=float, default=180.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--legacy-draws", type=int, default=None)
    parser.add_argument("--only", nargs="*", help="instance names to run")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--peer-algorithms", nargs="*", default=["maximin", "nash"])
    parser.add_argument("--algorithms", nargs="*", default=["legacy", "maximin", "leximin", "nash"])
    parser.add_argument("--worker", choices=("ours", "peer"))
    parser.add_argument("--instance")
    parser.add_argument("--variant", default="normalized")
    parser.add_argument("--algorithm")
    args = parser.parse_args()
    if args.legacy_draws is None:
        args.legacy_draws = 1000 if args.quick else 10_000
    if args.worker:
        _worker(args)
        return
    instances = QUICK if args.quick else FULL
    if args.only:
        instances = [i for i in instances if i[0] in args.only]
    header = (f"{'instance':32} {'who':6} {'algorithm':8} {'wall_s':>8} {'cpu_s':>8} "
              f"{'rss_MB':>7} {'min_prob':>10} {'panels':>6}  agreement")
    print(header)
    print("-" * len(header))
    for name, variant in instances:
        label = name if variant == "normalized" else f"{name}/{variant.split('_', 1)[-1]}"
        peer_min = {}
        results = []
        if not args.no_peer:
            for algorithm in args.peer_algorithms:
                res = _run("peer", name, variant, algorithm, args.peer_timeout, 0)
                results.append(("peer", algorithm, res))
                if res and "probs" in res:
                    peer_min[algorithm] = min(res["probs"])
        for algorithm in args.algorithms:
            res = _run("ours", name, variant, algorithm, args.timeout, args.legacy_draws)
            results.append(("ours", algorithm, res))
        for who, algorithm, res in results:
            if res is None:
                limit = args.peer_timeout if who == "peer" else args.timeout
                print(f"{label:32} {who:6} {algorithm:8} {'> ' + str(int(limit)):>8}  "
                      f"(stopped at the time cap)")
                continue
            if "error" in res:
                print(f"{label:32} {who:6} {algorithm:8} error: {res['error']}")
                continue
            probs = np.array(res["probs"])
            parts = []
            peer = "maximin" if algorithm in ("maximin", "leximin") else algorithm
            if who == "ours" and peer in ("maximin", "nash") and peer in peer_min:
                parts.append(f"|min - peer {peer}| = {abs(probs.min() - peer_min[peer]):.1e}")
            if who == "ours" and algorithm == "leximin":
                ref = _reference_curve(name)
                if ref is not None and len(ref) == len(probs):
                    parts.append("max |sorted - published leximin| = "
                                 f"{np.abs(np.sort(probs) - ref).max():.1e}")
            if who == "ours" and algorithm in ("maximin", "leximin", "nash"):
                parts.append(res["stats"].get("method", "?"))
            note = "; ".join(parts)
            if algorithm == "legacy":
                note = f"estimated over {res['stats'].get('draws')} draws " \
                       f"({res['stats'].get('dead_ends')} dead ends)"
            panels = res.get("panels") or ""
            print(f"{label:32} {who:6} {algorithm:8} {res['wall_s']:8.2f} {res['cpu_s']:8.2f} "
                  f"{res['peak_rss_mb']:7.0f} {probs.min():10.6f} {panels!s:>6}  {note}",
                  flush=True)


if __name__ == "__main__":
    main()
