"""Benchmark: read, screen and score a large survey export, beside a plain pandas.read_csv of the same file.

A seeded export of ``--rows`` respondents x 36 columns (the built-in questionnaire: id, 7 demographic and
behaviour questions, 25 items, an attention check, duration, careless type) is written to a temporary
folder: 20,000 simulated respondents, resampled and perturbed to the size asked for. Each repeat runs in a
fresh process (imports are not timed) and reports its phases and its peak resident memory:

- read: ``read_responses`` of the CSV (codes checked, identifiers scanned, durations parsed);
- screen: ``quality_flags`` and ``apply_exclusions`` with the study config's default rules;
- score: ``reverse_code`` and ``scale_scores`` of the kept respondents;
- Parquet: ``read_responses`` of the same data as Parquet, and ``write_parquet`` of the kept data (when
  pyarrow is installed).

The baseline, measured in the same run and the same way, is ``pandas.read_csv`` of the file with its
defaults. Medians of ``--repeat`` runs go to ``benchmarks/screening_results.json`` and a Markdown table to
``benchmarks/screening_results.md``, with whether issue #15's target was met (a million respondents read,
screened and scored in <= 10 s with <= 3 GB peak memory). Run: ``make bench``, or
``.venv/bin/python benchmarks/screening.py [--rows 1000000] [--repeat 3] [--output PATH_WITHOUT_SUFFIX]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import stickiness_research as sr

HERE = Path(__file__).resolve().parent
BASE_N = 20_000  # simulated respondents; larger exports resample and perturb them
PERTURBED = 0.15  # share of item answers redrawn at random in the resampled rows
PHASES = ("read", "screen", "score", "total", "read_parquet", "write_parquet")
TARGET_ROWS, TARGET_S, TARGET_MB = 1_000_000, 10.0, 3 * 1024  # issue #15: a million respondents in 10 s, 3 GB

CHILD = r"""
import json, resource, sys, time, warnings
from pathlib import Path

kind, csv_path, parquet_path, out_dir = sys.argv[1:5]
import pandas as pd

times = {}
if kind == "baseline":
    start = time.perf_counter()
    frame = pd.read_csv(csv_path)
    times["read"] = time.perf_counter() - start
else:
    import stickiness_research as sr
    from stickiness_research.responses.quality import apply_exclusions, quality_flags
    from stickiness_research.responses.readers import read_responses, write_parquet
    from stickiness_research.responses.scoring import reverse_code, scale_scores
    from stickiness_research.study_config import CleaningSpec

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    defaults = CleaningSpec()
    rules = {"attention": defaults.attention, "speeder": defaults.speeder, "duplicate": defaults.duplicates,
             "identical_answers": defaults.identical_answers, "mahalanobis": defaults.mahalanobis,
             "missing_share": defaults.max_missing_share, "longstring": defaults.longstring}
    start = time.perf_counter()
    responses = read_responses(csv_path, q)
    times["read"] = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # screening notes (e.g. rules excluding many) are not timed output
        start = time.perf_counter()
        flags = quality_flags(responses.data, q, seconds_per_item=defaults.seconds_per_item)
        kept, audit = apply_exclusions(responses.data, flags, rules)
        times["screen"] = time.perf_counter() - start
    start = time.perf_counter()
    scores = scale_scores(reverse_code(kept, q), q)
    times["score"] = time.perf_counter() - start
    times["total"] = times["read"] + times["screen"] + times["score"]
    times["kept"] = len(kept)
    times["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the Parquet steps come after
    if parquet_path != "-":
        start = time.perf_counter()
        write_parquet(kept, Path(out_dir) / "kept.parquet", inputs=[csv_path, parquet_path])
        times["write_parquet"] = time.perf_counter() - start
        del responses, flags, kept, audit, scores
        start = time.perf_counter()
        read_responses(parquet_path, q)
        times["read_parquet"] = time.perf_counter() - start
print(json.dumps({**times, "peak_mb_all": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def export(rows: int, seed: int) -> pd.DataFrame:
    """A survey export of ``rows`` respondents: simulated ones, resampled and perturbed (same seed, same data)."""
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    base = sr.simulate_responses(q, n=min(BASE_N, rows), seed=seed, careless=0.10, missing=0.02)
    rng = np.random.default_rng(seed)
    out = base.iloc[rng.integers(0, len(base), rows)].reset_index(drop=True)
    answers = out[q.item_ids].to_numpy(dtype=float, na_value=np.nan)
    redraw = (rng.random(answers.shape) < PERTURBED) & ~np.isnan(answers)
    answers[redraw] = rng.integers(1, 6, int(redraw.sum()))  # the built-in response sets have 5 points
    for j, column in enumerate(q.item_ids):
        out[column] = pd.array(answers[:, j], dtype="Float64").astype("Int64")
    out["respondent_id"] = [f"R{k + 1:07d}" for k in range(rows)]
    out["duration_seconds"] = (out["duration_seconds"] * rng.uniform(0.8, 1.2, rows)).round().astype(int)
    return out


def run_child(kind: str, csv_path: Path, parquet_path: Path | None, folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(csv_path), str(parquet_path or "-"), str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=HERE / "screening_results",
                        help="results are written to OUTPUT.json and OUTPUT.md")
    args = parser.parse_args()
    try:
        import pyarrow
        arrow = pyarrow.__version__
    except ImportError:
        arrow = None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        frame = export(args.rows, args.seed)
        csv_path = folder / "export.csv"
        frame.to_csv(csv_path, index=False)
        parquet_path = None
        if arrow is not None:
            parquet_path = folder / "export.parquet"
            frame.to_parquet(parquet_path, index=False)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"{args.rows} x {frame.shape[1]} export ({size_mb:.0f} MB CSV) made in {time.perf_counter() - start:.1f} s")
        del frame
        load = os.getloadavg()[0]
        runs, baselines = [], []
        for k in range(args.repeat):  # interleaved, so both sides see the same machine
            baselines.append(run_child("baseline", csv_path, None, folder))
            runs.append(run_child("ours", csv_path, parquet_path, folder))
            print(f"repeat {k + 1}: pandas.read_csv {baselines[-1]['read']:.2f} s; ours "
                  + ", ".join(f"{p} {runs[-1][p]:.2f} s" for p in PHASES if p in runs[-1])
                  + f"; peak {runs[-1]['peak_mb']:.0f} MB")
    medians = {p: statistics.median(r[p] for r in runs) for p in PHASES if p in runs[0]}
    peak = max(r["peak_mb"] for r in runs)
    baseline = statistics.median(b["read"] for b in baselines)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "stickiness_research": sr.__version__, "pandas": pd.__version__, "numpy": np.__version__,
            "pyarrow": arrow or "not installed", "rows": args.rows, "columns": 36, "csv_mb": round(size_mb, 1),
            "repeat": args.repeat, "seed": args.seed, "load_average_at_start": round(load, 2),
            "kept": runs[0]["kept"], "baseline": "pandas.read_csv(path) with its defaults, same run"}
    met = medians["total"] <= TARGET_S and peak <= TARGET_MB
    results = {"seconds": medians, "baseline_read_csv_s": baseline, "total_over_baseline": medians["total"] / baseline,
               "peak_mb": peak, "baseline_peak_mb": max(b["peak_mb_all"] for b in baselines),
               "target": f"{TARGET_ROWS:,} rows: total <= {TARGET_S:g} s, peak <= {TARGET_MB} MB",
               "met": ("yes" if met else "no") if args.rows == TARGET_ROWS else "not measured (other size)"}
    args.output.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    labels = {"read": "read_responses (CSV)", "screen": "quality_flags + apply_exclusions",
              "score": "reverse_code + scale_scores", "total": "read + screen + score",
              "read_parquet": "read_responses (Parquet)", "write_parquet": "write_parquet (kept rows)"}
    lines = [f"| {labels[p]} | {medians[p]:.2f} s | {medians[p] / baseline:.1f}x |" for p in medians]
    table = ("| step | median | / pandas.read_csv |\n| --- | ---: | ---: |\n"
             f"| pandas.read_csv (baseline) | {baseline:.2f} s | 1.0x |\n" + "\n".join(lines) + "\n")
    memory = (f"Peak memory (read + screen + score, one process): {peak:.0f} MB; pandas.read_csv alone: "
              f"{results['baseline_peak_mb']:.0f} MB. Target (issue #15) for {TARGET_ROWS:,} rows: read + screen "
              f"+ score <= {TARGET_S:g} s with peak memory <= {TARGET_MB // 1024} GB: met {results['met']}.\n")
    args.output.with_suffix(".md").write_text(
        f"{args.rows:,} respondents x 36 columns ({meta['csv_mb']} MB CSV), medians of {args.repeat} fresh processes "
        f"on {meta['cpus']} CPUs ({meta['machine']}), Python {meta['python']}, pandas {meta['pandas']}, pyarrow "
        f"{meta['pyarrow']}; load average {meta['load_average_at_start']} at the start.\n\n" + table + "\n" + memory)
    print(table + memory)


if __name__ == "__main__":
    main()
