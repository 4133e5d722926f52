"""Benchmark: bootstrap seconds per resample, naive semopy loop vs sr's batched bootstrap, in one run.

The naive loop rebuilds and refits a semopy Model per resample (what users write by hand); ours
reuses the model structure, starts from the full-sample estimate and fits resamples in batches
with analytic gradients. Target (issue 6): at least 30x faster. Only the ratio is meaningful on
a noisy machine. Run: .venv/bin/python benchmarks/bootstrap.py [--naive 40] [--boot 2000]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import semopy

import stickiness_research as sr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive", type=int, default=40, help="resamples for the naive loop")
    parser.add_argument("--boot", type=int, default=2000, help="resamples for sr's bootstrap")
    args = parser.parse_args()

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=500, seed=20261124), q)
    syntax = q.model_syntax()
    estimable = "\n".join(line for line in syntax.splitlines() if ":=" not in line and not line.startswith("#"))
    items = data[q.item_ids].astype(float)
    rng = np.random.default_rng(1)

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.naive):
            semopy.Model(estimable).fit(items.iloc[rng.integers(0, len(items), len(items))])
    naive = (time.perf_counter() - start) / args.naive

    res = sr.fit_sem(syntax, data)
    timings = {}
    for n_jobs in (1, 2):
        start = time.perf_counter()
        boot = res.bootstrap(args.boot, seed=1, n_jobs=n_jobs)
        timings[n_jobs] = (time.perf_counter() - start) / args.boot
    print(f"default model: N = {len(data)}, {len(q.item_ids)} items, {len(res.vcov)} free parameters")
    print(f"naive semopy loop    : {naive * 1000:7.2f} ms/resample ({args.naive} resamples)")
    for n_jobs, t in timings.items():
        print(f"sr bootstrap n_jobs={n_jobs}: {t * 1000:7.2f} ms/resample ({args.boot} resamples, "
              f"{boot.n_failed} failed)   speed-up {naive / t:5.1f}x")


if __name__ == "__main__":
    main()
