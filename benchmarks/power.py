"""Benchmark: Monte Carlo power of the default model, 1,000 replications at N 300, beside two baselines.

- ours: ``sr.power(q, n=[300], replications=1000, seed=1, n_jobs=...)`` with n_jobs 1 and 2 (median of
  ``--repeat`` runs after a warm-up that also starts the worker processes). Each replication draws the
  items only (``simulate.AnswerSampler``) and is fitted by the model compiled once per call
  (``sem.replicate.ReplicationModel``: no syntax parsing or pandas tables per replication).
- simsem-style loop, measured in the same run: one ``simulate_responses`` + ``reverse_code`` + ``fit_sem`` +
  ``hypothesis_table`` per dataset, as ``simsem::sim`` runs lavaan once per dataset; timed on ``--loop``
  replications (50 by default) and scaled to 1,000.
- the implementation before the fast path (git 9db786b), frozen: 42 ms per replication in one process
  (``sr.power(q, n=[300], replications=100, seed=1)``, measured 2026-11-30 before this change); not
  re-measured here (that code is gone). The simsem-style loop is close to what it did per replication.

Issue #18's target: 1,000 replications in under 15 s on 2 cores. Results: ``benchmarks/power_results.json``
and ``.md``. Run: ``make bench`` or ``.venv/bin/python benchmarks/power.py [--repeat 3] [--loop 50]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

from pls import _median  # a warm-up run (imports, worker processes), then the median of `repeat` runs

import stickiness_research as sr
from stickiness_research.executor import task_seeds
from stickiness_research.sem.hypotheses import hypothesis_table

HERE = Path(__file__).resolve().parent
N, REPLICATIONS, SEED = 300, 1000, 1
TARGET_S = 15.0
FROZEN_PER_REPLICATION_S = 0.042  # the one-fit_sem-per-replication implementation, measured 2026-11-30


def simsem_loop(q: sr.Questionnaire, replications: int) -> None:
    """One full simulate + fit_sem + hypothesis table per dataset (the seeds sr.power uses)."""
    syntax = q.model_syntax()
    for child in task_seeds(task_seeds(SEED, 1)[0], replications):
        data = sr.reverse_code(sr.simulate_responses(q, n=N, seed=int(child.generate_state(1)[0])), q)
        hypothesis_table(sr.fit_sem(syntax, data), q)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop", type=int, default=50)
    args = parser.parse_args()
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    ours = {}
    for n_jobs in (1, 2):
        ours[n_jobs] = _median(lambda n_jobs=n_jobs: sr.power(q, n=[N], replications=REPLICATIONS, seed=SEED,
                                                               n_jobs=n_jobs), args.repeat)
    loop_s = _median(lambda: simsem_loop(q, args.loop), args.repeat) * REPLICATIONS / args.loop
    frozen_s = FROZEN_PER_REPLICATION_S * REPLICATIONS
    rows = []
    for n_jobs, seconds in ours.items():
        rows.append({"task": f"sr.power, {REPLICATIONS} replications at N {N}, n_jobs={n_jobs}", "ours_s": seconds,
                     "per_replication_ms": seconds / REPLICATIONS * 1000, "simsem_loop_s": loop_s,
                     "loop_ratio": loop_s / seconds, "frozen_s": frozen_s, "frozen_ratio": frozen_s / seconds,
                     "target": f"< {TARGET_S:g} s", "met": "yes" if seconds < TARGET_S else "no"})
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "stickiness_research": sr.__version__, "replications": REPLICATIONS, "n": N, "repeat": args.repeat,
            "loop_replications": args.loop,
            "baselines": {"simsem_loop": f"one simulate + fit_sem + hypothesis_table per dataset, timed on "
                                         f"{args.loop} replications in this run and scaled to {REPLICATIONS}",
                          "frozen": "the implementation before the fast path (git 9db786b): 42 ms per "
                                    "replication, measured 2026-11-30, not re-measured"},
            "load_average": list(os.getloadavg())}
    (HERE / "power_results.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    header = ("| task | ours | per replication | simsem-style loop | loop / ours | before (frozen) | before / ours "
              "| target | met |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
    lines = [f"| {r['task']} | {r['ours_s']:.2f} s | {r['per_replication_ms']:.1f} ms | {r['simsem_loop_s']:.1f} s "
             f"| {r['loop_ratio']:.1f}x | {r['frozen_s']:.0f} s | {r['frozen_ratio']:.1f}x | {r['target']} "
             f"| {r['met']} |" for r in rows]
    note = (f"\nMedians of {args.repeat} runs after a warm-up. The simsem-style loop was timed on {args.loop} "
            f"replications and scaled to {REPLICATIONS}; the 'before' column is frozen (42 ms per replication, "
            "measured 2026-11-30 on the implementation that called fit_sem per replication). The machine has "
            f"{meta['cpus']} cores shared with other work; load average during the run: "
            f"{', '.join(f'{v:.2f}' for v in meta['load_average'])}.\n")
    text = (f"Monte Carlo power of the default model on {meta['machine']}, Python {meta['python']}.\n\n" + header
            + "\n".join(lines) + "\n" + note)
    (HERE / "power_results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
