"""Benchmark: fit_sem (lavaan-exact ML) against a plain semopy fit of the same model, in one process.

Prints seconds per fit for both and the ratio; machines here are noisy, so only ratios are meaningful.
Run: .venv/bin/python benchmarks/fit_sem.py
"""

from __future__ import annotations

import time

import semopy

import stickiness_research as sr


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=500, seed=1), q)
    syntax = q.model_syntax()
    estimable = "\n".join(line for line in syntax.splitlines() if ":=" not in line and not line.startswith("#"))
    items = data[q.item_ids].astype(float)

    def baseline() -> None:
        semopy.Model(estimable).fit(items)

    def ours() -> None:
        sr.fit_sem(syntax, data)

    t_base, t_ours = best_of(baseline), best_of(ours)
    print(f"default model, N = 500, {len(q.item_ids)} items")
    print(f"semopy Model.fit (baseline): {t_base * 1000:8.1f} ms")
    print(f"sr.fit_sem (lavaan-exact):   {t_ours * 1000:8.1f} ms   ratio {t_ours / t_base:5.2f}x baseline")


if __name__ == "__main__":
    main()
