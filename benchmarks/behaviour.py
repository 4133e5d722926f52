"""Benchmark: per-user behavioural metrics from an event log (Ibis on DuckDB), beside plain pandas.

A seeded log is simulated with the package's own event model (``behaviour.simulate.generate``: users with
standard-normal constructs in four product segments over 90 days, about 98 events per user) and written as
Parquet (zstd) to ``benchmarks/.cache/`` (git-ignored; reused by later runs with the same size and seed).
Each run is a fresh process (imports not timed) that reports its time and peak resident memory:

- ours: ``sr.read_events`` (schema checks, ids, window, keyed pseudonyms) then ``sr.user_metrics`` (active days,
  visits, recency, sessions, reads, completion, shares, conversion, push opens, day-1/7/30 retention, churn),
  ``sr.dau_mau`` and ``sr.cohort_retention``;
- baseline, measured in the same run on the smaller log only (pandas needs far more memory than this machine
  has for the large one): ``pandas.read_parquet`` of the columns, then a groupby per user of the same counts
  and the active days and retention flags from the distinct (user, day) pairs.

Issue #20's target: 100 M events to per-user metrics in <= 60 s with memory bounded (DuckDB's memory limit is
4 GB; the target here is a peak below 6 GB for the whole process). Results: ``benchmarks/behaviour_results.json``
and ``.md``. Run: ``make bench``, or ``.venv/bin/python benchmarks/behaviour.py [--users 1000000]
[--small-users 100000] [--repeat 3]`` (the default 1,025,000 users make 100.4 M events).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import stickiness_research as sr

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TARGET_EVENTS, TARGET_S, TARGET_MB = 100_000_000, 60.0, 6 * 1024
SEGMENTS = np.array(["insurance", "fund", "credit", "banking"])
CHUNK = 20_000  # users simulated and written per Parquet row group

CHILD = r"""
import json, resource, sys, time
kind, path = sys.argv[1:3]
import pandas as pd
out = {}
if kind == "ours":
    import stickiness_research as sr
    sr.read_events, sr.user_metrics  # imports are not timed
    import ibis, lifelines  # noqa: F401
    start = time.perf_counter()
    events = sr.read_events(path, key=b"benchmark-key-0123456789")
    out["read"] = time.perf_counter() - start
    start = time.perf_counter()
    metrics = sr.user_metrics(events)
    sr.dau_mau(events)
    sr.cohort_retention(events)
    out["metrics"] = time.perf_counter() - start
    out["users"], out["events"] = len(metrics), events.provenance["n_events"]
else:
    start = time.perf_counter()
    t = pd.read_parquet(path, columns=["user_id", "timestamp", "event_type", "session_id", "completion"])
    t["day"] = t["timestamp"].dt.normalize()
    kind = t["event_type"]
    per = t.assign(act=kind != "push", push=kind == "push", read=kind == "read", share=kind == "share",
                   click=kind == "click", buy=kind == "purchase").groupby("user_id").agg(
        first=("day", "min"), events=("act", "sum"), pushes=("push", "sum"), reads=("read", "sum"),
        shares=("share", "sum"), clicks=("click", "sum"), purchases=("buy", "sum"),
        completion=("completion", "mean"), sessions=("session_id", "nunique"))
    days = t.loc[t["event_type"] != "push", ["user_id", "day"]].drop_duplicates()
    first = days.groupby("user_id")["day"].transform("min")
    offset = (days["day"] - first).dt.days
    agg = days.assign(d1=offset == 1, d7=offset == 7, d30=offset == 30).groupby("user_id").agg(
        active_days=("day", "size"), last=("day", "max"), d1=("d1", "any"), d7=("d7", "any"), d30=("d30", "any"))
    metrics = per.join(agg)
    out["read"], out["metrics"] = 0.0, time.perf_counter() - start
    out["users"], out["events"] = len(metrics), len(t)
out["total"] = out["read"] + out["metrics"]
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def simulated_log(users: int, seed: int) -> Path:
    """The cached Parquet log of ``users`` simulated users (written once per size and seed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stickiness_research.behaviour.simulate import BehaviourModel, generate

    path = CACHE / f"events_{users}_{seed}.parquet"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    model, writer, start = BehaviourModel(), None, time.perf_counter()
    tmp = path.with_suffix(".tmp")
    for first in range(0, users, CHUNK):
        n = min(CHUNK, users - first)
        z = {k: rng.standard_normal(n) for k in ("driver", "completion", "share", "purchase")}
        frame = generate(z, SEGMENTS[rng.integers(0, len(SEGMENTS), n)], 90, model, rng, pd.Timestamp("2026-01-01"))
        frame.insert(0, "user_id", np.char.add("U", (frame.pop("user").to_numpy() + first).astype(str)))
        table = pa.Table.from_pandas(frame.drop(columns="order"), preserve_index=False)
        writer = writer or pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table)
    writer.close()
    tmp.replace(path)  # atomic: an interrupted run leaves no half-written cache
    print(f"simulated {users:,} users into {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - start:.0f} s")
    return path


def run_child(kind: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_025_000, help="users of the large log (~98 events each)")
    parser.add_argument("--small-users", type=int, default=100_000, help="users of the log pandas also runs on")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=HERE / "behaviour_results")
    args = parser.parse_args()
    small, large = simulated_log(args.small_users, args.seed), simulated_log(args.users, args.seed)
    load = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {"small_ours": [], "small_pandas": [], "large_ours": []}
    for k in range(args.repeat):  # interleaved, so every side sees the same machine
        runs["small_pandas"].append(run_child("pandas", small))
        runs["small_ours"].append(run_child("ours", small))
        runs["large_ours"].append(run_child("ours", large))
        print(f"repeat {k + 1}: " + "; ".join(f"{name} {r[-1]['total']:.2f} s ({r[-1]['peak_mb']:.0f} MB)"
                                             for name, r in runs.items()))
    med = {name: {p: statistics.median(r[p] for r in rs) for p in ("read", "metrics", "total")}
           for name, rs in runs.items()}
    peak = {name: max(r["peak_mb"] for r in rs) for name, rs in runs.items()}
    events = {"small": runs["small_ours"][0]["events"], "large": runs["large_ours"][0]["events"]}
    large = med["large_ours"]["total"]
    met = large <= TARGET_S and peak["large_ours"] <= TARGET_MB
    import duckdb
    import ibis

    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "stickiness_research": sr.__version__, "pandas": pd.__version__, "duckdb": duckdb.__version__,
            "ibis": ibis.__version__, "repeat": args.repeat, "seed": args.seed, "events": events,
            "load_average_at_start": round(load, 2),
            "baseline": "pandas.read_parquet + groupby of the same core metrics, same run, small log"}
    ratio = med["small_pandas"]["total"] / med["small_ours"]["total"]
    results = {"seconds": med, "peak_mb": peak, "pandas_over_ours_small": ratio,
               "target": f"{TARGET_EVENTS:,} events: per-user metrics <= {TARGET_S:g} s, peak <= {TARGET_MB} MB",
               "met": ("yes" if met else "no") if events["large"] >= TARGET_EVENTS else "not measured (smaller log)"}
    args.output.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    rows = [("pandas (baseline)", "small_pandas"), ("ours: read_events + metrics", "small_ours"),
            ("ours: read_events + metrics", "large_ours")]
    table = "| log | run | read | metrics | total | peak |\n| --- | --- | ---: | ---: | ---: | ---: |\n" + "".join(
        f"| {events['large' if key.startswith('large') else 'small']:,} events | {label} | {med[key]['read']:.2f} s | "
        f"{med[key]['metrics']:.2f} s | {med[key]['total']:.2f} s | {peak[key]:.0f} MB |\n" for label, key in rows)
    text = (f"Medians of {args.repeat} fresh processes on {meta['cpus']} CPUs ({meta['machine']}), Python "
            f"{meta['python']}, DuckDB {meta['duckdb']} through Ibis {meta['ibis']}; load average "
            f"{meta['load_average_at_start']} at the start. Metrics: user_metrics + dau_mau + cohort_retention.\n\n"
            + table + f"\nOn the small log pandas takes {ratio:.1f}x our time. Target (issue #20): "
            f"{TARGET_EVENTS // 1_000_000} M events to per-user metrics in <= {TARGET_S:g} s, peak <= "
            f"{TARGET_MB // 1024} GB: met {results['met']}.\n")
    args.output.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
