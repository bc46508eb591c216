"""Opinion maps: Parlons vs red-dwarf (reddwarf.implementations.polis.run_pipeline).

Runs, in one go and single-threaded BLAS:

1. every Polis conversation with votes in ../shared/data/polis: reading time, analysis CPU
   time for Parlons and red-dwarf on the same latest votes, and agreement of the groups
   (adjusted Rand index) between Parlons, red-dwarf and the groups Polis itself exported;
2. the whole command ``parlons opinions analyse`` on Bowling Green (2,031 x 896), in a child
   process (wall and CPU time);
3. synthetic conversations with planted groups: 10,000 x 1,000 (1M votes, both tools) and
   50,000 x 2,000 (5M votes, Parlons only: red-dwarf's dense pivot would need > 4 GB),
   each in a child process to measure its peak memory.

Usage: .venv/bin/python benchmarks/opinions_speed.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
POLIS = ROOT.parent / "shared" / "data" / "polis"
sys.path.insert(0, str(ROOT / "src"))

from parlons.core.opinions import Conversation, analyse, read_conversation  # noqa: E402


def reddwarf_votes(conv: Conversation) -> tuple[list[dict], list]:
    sids = conv.statement_ids
    votes = [{"participant_id": int(conv.participant_ids[p]), "statement_id": int(sids[s]),
              "vote": int(v)}
             for p, s, v in zip(conv.vote_participant.tolist(), conv.vote_statement.tolist(),
                                conv.vote_value.tolist(), strict=True)]
    return votes, [int(x) for x in sids[conv.moderation == -1]]


def run_reddwarf(conv: Conversation):
    from reddwarf.implementations.polis import run_pipeline

    votes, mod_out = reddwarf_votes(conv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c0, w0 = time.process_time(), time.perf_counter()
        result = run_pipeline(votes=votes, mod_out_statement_ids=mod_out, random_state=0)
        return result, time.process_time() - c0, time.perf_counter() - w0


def timed(fn, *args):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return out, time.process_time() - c0, time.perf_counter() - w0


def ari(a: np.ndarray, b: np.ndarray) -> float:
    from sklearn.metrics import adjusted_rand_score

    mask = (a >= 0) & (b >= 0)
    return float(adjusted_rand_score(a[mask], b[mask])) if mask.sum() else float("nan")


def real_conversations(names: list[str] | None) -> list[dict]:
    # warm-up: both tools import some modules lazily on their first run
    small = read_conversation(POLIS / "london.youth.policing")
    analyse(small)
    run_reddwarf(small)
    rows = []
    for folder in sorted(POLIS.iterdir()):
        if names and folder.name not in names:
            continue
        if not (folder / "participants-votes.csv").exists():
            continue
        conv, read_cpu, _ = timed(read_conversation, folder)
        ours, cpu, wall = timed(analyse, conv)
        rd, rd_cpu, rd_wall = run_reddwarf(conv)
        index = {p: i for i, p in enumerate(conv.participant_ids.tolist())}
        rd_labels = np.full(conv.n_participants, -1)
        rows_rd = np.array([index[p] for p in rd.participants_df.index])
        rd_labels[rows_rd] = rd.participants_df["cluster_id"].fillna(-1).astype(int).to_numpy()
        ref = conv.reference_groups
        rows.append({
            "conversation": folder.name, "participants": conv.n_participants,
            "statements": conv.n_statements, "votes": conv.n_votes,
            "read_cpu": read_cpu, "ours_cpu": cpu, "ours_wall": wall,
            "rd_cpu": rd_cpu, "rd_wall": rd_wall, "speedup_cpu": rd_cpu / max(cpu, 1e-9),
            "k_ours": ours.n_groups, "k_rd": int(rd_labels.max()) + 1,
            "k_polis": int(ref.max()) + 1 if ref is not None else None,
            "ari_ours_polis": ari(ours.groups, ref) if ref is not None else float("nan"),
            "ari_rd_polis": ari(rd_labels, ref) if ref is not None else float("nan"),
            "ari_ours_rd": ari(ours.groups, rd_labels),
        })
        print(f"  {folder.name}: ours {cpu:.3f} CPU-s, red-dwarf {rd_cpu:.3f} CPU-s",
              file=sys.stderr, flush=True)
    return rows


def whole_command() -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "parlons.cli", "opinions", "analyse",
         str(POLIS / "american-assembly.bowling-green"), "--svg", os.devnull],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "lines": len(out.stdout.splitlines())}


def synthetic(n: int, m: int, per_participant: int, groups: int = 4,
              seed: int = 0) -> tuple[Conversation, np.ndarray]:
    """Planted groups: each group agrees (80 %) or disagrees with each statement, 15 % pass."""
    rng = np.random.default_rng(seed)
    profile = np.where(rng.random((groups, m)) < 0.5, 0.8, 0.2)
    profile[:, rng.random(m) < 0.3] = 0.5  # statements nobody is divided on
    truth = rng.integers(groups, size=n)
    ps = np.repeat(np.arange(n), per_participant)
    ss = np.empty(n * per_participant, dtype=np.int64)
    chunk = 2000
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        keys = rng.random((stop - start, m))
        picks = np.argpartition(keys, per_participant, axis=1)[:, :per_participant]
        ss[start * per_participant:stop * per_participant] = picks.ravel()
    u = rng.random(len(ps))
    agree_p = profile[truth[ps], ss]
    vs = np.where(u < 0.15, 0, np.where(rng.random(len(ps)) < agree_p, 1, -1)).astype(np.int8)
    conv = Conversation(np.arange(n), np.arange(m), ps, ss, vs)
    return conv, truth


def synthetic_child(n: int, m: int, per: int, with_reddwarf: bool) -> None:
    """Run in a child process: prints one JSON line with times and peak memory."""
    import tracemalloc

    conv, truth = synthetic(n, m, per)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    ours, cpu, wall = timed(analyse, conv)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {"participants": n, "statements": m, "votes": conv.n_votes, "ours_cpu": cpu,
           "ours_wall": wall, "ours_traced_peak_mb": traced_peak, "rss_after_data_mb": rss_data,
           "rss_after_ours_mb": rss_ours, "k_ours": ours.n_groups,
           "ari_ours_truth": ari(ours.groups, truth)}
    if with_reddwarf:
        rd, rd_cpu, rd_wall = run_reddwarf(conv)
        labels = np.full(n, -1)
        labels[rd.participants_df.index.to_numpy()] = \
            rd.participants_df["cluster_id"].fillna(-1).astype(int).to_numpy()
        row.update(rd_cpu=rd_cpu, rd_wall=rd_wall, k_rd=int(labels.max()) + 1,
                   ari_rd_truth=ari(labels, truth), ari_ours_rd=ari(ours.groups, labels),
                   rss_after_rd_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(row))


def run_synthetic(n: int, m: int, per: int, with_reddwarf: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), str(m), str(per),
                          "1" if with_reddwarf else "0"], capture_output=True, text=True,
                         check=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt(x: object, digits: int = 3) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return "" if x is None else str(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="three conversations and the 50k x 2k case only")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, m, per, rd = args.child
        synthetic_child(int(n), int(m), int(per), rd == "1")
        return
    names = (["brexit-consensus", "vtaiwan.uberx", "american-assembly.bowling-green"]
             if args.quick else None)
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; CPU times in seconds\n")
    rows = real_conversations(names)
    head = ("conversation", "ptpts", "stmts", "votes", "read", "ours", "red-dwarf", "speed-up",
            "k ours/rd/polis", "ARI ours~polis", "ARI rd~polis", "ARI ours~rd")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join([
            r["conversation"], str(r["participants"]), str(r["statements"]), str(r["votes"]),
            fmt(r["read_cpu"]), fmt(r["ours_cpu"]), fmt(r["rd_cpu"]),
            f"{r['speedup_cpu']:.1f}x", f"{r['k_ours']}/{r['k_rd']}/{r['k_polis']}",
            fmt(r["ari_ours_polis"], 2), fmt(r["ari_rd_polis"], 2), fmt(r["ari_ours_rd"], 2)])
            + " |")
    total_ours = sum(r["ours_cpu"] for r in rows)
    total_rd = sum(r["rd_cpu"] for r in rows)
    print(f"\nall conversations: ours {total_ours:.2f} CPU-s, red-dwarf {total_rd:.2f} CPU-s "
          f"({total_rd / total_ours:.1f}x)")
    cmd = whole_command()
    print(f"\nwhole command on Bowling Green (parlons opinions analyse DIR --svg): "
          f"{cmd['wall']:.2f} s wall, {cmd['cpu']:.2f} CPU-s (target < 2 s)")
    cases = [(50_000, 2_000, 100, False)]
    if not args.quick:
        cases.insert(0, (10_000, 1_000, 100, True))
    print("\n| synthetic | votes | ours CPU-s | ours wall s | traced peak MB | max RSS MB "
          "| k | ARI vs planted | red-dwarf CPU-s | rd max RSS MB | rd ARI vs planted "
          "| ARI ours~rd |")
    print("|" + "---|" * 12)
    for n, m, per, with_rd in cases:
        s = run_synthetic(n, m, per, with_rd)
        print(f"| {n:,} x {m:,} | {s['votes']:,} | {s['ours_cpu']:.1f} | {s['ours_wall']:.1f} "
              f"| {s['ours_traced_peak_mb']:.0f} | {s['rss_after_ours_mb']:.0f} | {s['k_ours']} "
              f"| {s['ari_ours_truth']:.3f} | {fmt(s.get('rd_cpu'), 1)} "
              f"| {fmt(s.get('rss_after_rd_mb'), 0)} | {fmt(s.get('ari_rd_truth'))} "
              f"| {fmt(s.get('ari_ours_rd'))} |")


if __name__ == "__main__":
    main()
