"""Speed of the consultation analysis bench, end to end, on synthetic French corpora built
from the real contributions in ../shared/data (campaign copies with edits, recombined sentences
of mixed lengths), side by side with a field baseline (TF-IDF + NMF topics, scikit-learn).

    .venv/bin/python benchmarks/analysis_speed.py [--quick] [--sizes 10000 100000]

Each size runs in a fresh process (peak memory = that process's max RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def corpus(n: int, seed: int = 0):
    from parlons.core.analysis import datasets
    from parlons.core.analysis.synthetic import large_corpus

    texts = ([c.text for c in datasets.an_themes(DATA)]
             + [c.text for c in datasets.decidim_stance(DATA)]
             + [c.text for c in datasets.decidim_categories(DATA)]
             + [row["text"] for row in datasets.an_analyses(DATA)])
    return large_corpus(texts, n, seed=seed)


def run_one(n: int, what: str, out: str | None) -> dict:
    contributions = corpus(n)
    wall, cpu = time.perf_counter(), time.process_time()
    if what == "parlons":
        from parlons.core.analysis.pipeline import run_analysis
        from parlons.core.analysis.report import write_report

        analysis = run_analysis(contributions, progress=lambda m: print(
            f"  [{time.perf_counter() - wall:6.1f}s wall {time.process_time() - cpu:6.1f}s CPU] "
            f"{m}", file=sys.stderr, flush=True))
        if out:
            write_report(analysis, Path(out))
        result = {"themes": len(analysis["themes"]), "groups": len(analysis["duplicates"]),
                  "distinct": analysis["summary"]["distinct_texts"],
                  "ideas": analysis["method"]["ideas"]["units"]}
    else:
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfVectorizer

        from parlons.core.analysis.stopwords import STOP_WORDS_FR

        matrix = TfidfVectorizer(max_features=20_000, min_df=2, max_df=0.5, sublinear_tf=True,
                                 stop_words=sorted(STOP_WORDS_FR)).fit_transform(
            [c.text for c in contributions])
        topics = NMF(n_components=10, random_state=0, init="nndsvd", max_iter=200).fit_transform(
            matrix).argmax(axis=1)
        result = {"themes": int(topics.max()) + 1, "groups": 0, "distinct": n, "ideas": n}
    result.update(n=n, what=what, wall_s=round(time.perf_counter() - wall, 1),
                  cpu_s=round(time.process_time() - cpu, 1),
                  peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k only")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--child", nargs=2, metavar=("N", "WHAT"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help="also write the bilan for the largest size here")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(int(args.child[0]), args.child[1], args.out)))
        return 0
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 100_000])
    rows = []
    for n in sizes:
        for what in ("parlons", *(() if args.no_baseline else ("tfidf+nmf",))):
            command = [sys.executable, __file__, "--child", str(n), what]
            if args.out and what == "parlons" and n == max(sizes):
                command += ["--out", args.out]
            print(f"start {what} {n}, load average {os.getloadavg()}", file=sys.stderr)
            # stderr is inherited: the per-stage progress lines go to the log as they come
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
            if done.returncode:
                print(f"{what} {n} failed with exit status {done.returncode}", file=sys.stderr)
                return 1
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"done {what} {n}", file=sys.stderr)
    print(f"{'size':>9} {'pipeline':<10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} "
          f"{'themes':>6} {'dup groups':>10} {'distinct':>9} {'ideas':>7}")
    for r in rows:
        print(f"{r['n']:>9} {r['what']:<10} {r['wall_s']:>8} {r['cpu_s']:>8} {r['peak_mb']:>8} "
              f"{r['themes']:>6} {r['groups']:>10} {r['distinct']:>9} {r['ideas']:>7}")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}, {os.cpu_count()} CPUs")
    print("parlons = duplicates + normalisation + language/spam/typology/stance + themes with "
          "sub-themes, labels, quotes; tfidf+nmf = topics only (10 topics, no duplicates/quotes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
