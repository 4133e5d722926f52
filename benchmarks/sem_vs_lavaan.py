"""Benchmark: our SEM work beside lavaan's on the same models and data, measured in one run.

For each task the median of interleaved repeats (ours in this process; lavaan inside one R process
started once, so R's start-up is not counted), and the ratio lavaan / ours (> 1: we are faster).
Without Rscript and lavaan the ratios are left out and only our medians are printed. Results go to
``benchmarks/results.json`` and a Markdown table to ``benchmarks/results.md`` (the README quotes it).

Tasks: the 25-indicator stickiness model (N 600) fitted by ML, MLR and FIML (10 % missing);
four-level invariance across 3 groups; the bootstrap per resample; CFAs with 10/20/40/80 indicators
(N 1000); the stickiness model with its Likert items ordered (WLSMV, lavaan ``ordered = TRUE``). Run: ``make bench`` or ``.venv/bin/python benchmarks/sem_vs_lavaan.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import stickiness_research as sr

HERE = Path(__file__).resolve().parent

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
tasks <- fromJSON(args[1], simplifyVector = FALSE)
repeat_n <- as.integer(args[2])
out <- list()
for (t in tasks) {
  d <- read.csv(t$data)
  call <- function() {
    if (t$kind == "invariance") {
      for (eq in list("none", "loadings", c("loadings", "intercepts"), c("loadings", "intercepts", "residuals")))
        sem(t$model, data = d, group = t$group, group.equal = eq)
    } else if (t$kind == "bootstrap") {
      sem(t$model, data = d, se = "bootstrap", bootstrap = t$r_n_boot, iseed = 1)
    } else {
      if (isTRUE(t$ordered)) sem(t$model, data = d, estimator = t$estimator, ordered = TRUE)
      else sem(t$model, data = d, estimator = t$estimator, missing = t$missing)
    }
  }
  n <- if (t$kind == "bootstrap") 1L else repeat_n  # a bootstrap run is long enough to time once
  if (t$kind != "bootstrap") call()
  times <- sapply(seq_len(n), function(i) system.time(call())[["elapsed"]])
  out[[t$name]] <- median(times)
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


# issue #15's targets: (largest median in ms, smallest ratio lavaan / ours); None where none is set
TARGETS = {
    "ML fit (25 indicators, N 600)": (10.0, 10.0),
    "MLR fit (25 indicators, N 600)": (20.0, None),
    "FIML fit, 10 % missing (N 600)": (60.0, None),
    "invariance, 4 levels x 3 groups": (150.0, None),
    "bootstrap, per resample": (0.3, 80.0),
    "CFA, 80 indicators (N 1000)": (150.0, None),
    # issue #16: faster than lavaan's WLSMV, and within 2x our own ML fit (checked in main())
    "WLSMV fit (ordered items, N 600)": (None, 1.0),
}
WLSMV_TASK, ML_TASK = "WLSMV fit (ordered items, N 600)", "ML fit (25 indicators, N 600)"


def _target(row: dict) -> tuple[str, str]:
    """The target as text and whether this run met it ("yes"/"no"; "-" without a target)."""
    limit = TARGETS.get(row["task"])
    if limit is None:
        return "-", "-"
    max_ms, min_ratio = limit
    if max_ms is None:  # relative to another task's median (set by main())
        max_ms = row["relative_limit_ms"]
        parts, met = [f"<= {max_ms:g} ms (2x ML)"], row["ours_s"] * 1000 <= max_ms
    else:
        parts, met = [f"<= {max_ms:g} ms"], row["ours_s"] * 1000 <= max_ms
    if min_ratio is not None:
        parts.append(f">= {min_ratio:g}x")
        met = met and row.get("ratio", 0.0) >= min_ratio
    return ", ".join(parts), "yes" if met else "no"


def _median_time(fn, repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cfa(n_items: int, n: int, seed: int) -> tuple[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    k = n_items // 5
    factors = rng.multivariate_normal(np.zeros(k), 0.3 * np.ones((k, k)) + 0.7 * np.eye(k), size=n)
    cols = {}
    lines = []
    for f in range(k):
        names = [f"y{f * 5 + j + 1}" for j in range(5)]
        lines.append(f"f{f + 1} =~ " + " + ".join(names))
        for name in names:
            cols[name] = 0.75 * factors[:, f] + rng.normal(scale=0.66, size=n)
    return "\n".join(lines), pd.DataFrame(cols)


def tasks(folder: Path, n_boot: int) -> list[dict]:
    """The benchmark tasks, with their data written to ``folder`` for lavaan."""
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=600, seed=1), q)
    model = q.model_syntax()
    items = q.item_ids
    full = data[items + ["product_type"]]
    rng = np.random.default_rng(2)
    holes = data[items].mask(rng.random((len(data), len(items))) < 0.10)
    groups = sr.reverse_code(sr.simulate_responses(q, n=900, seed=4), q)
    groups = groups[groups["product_type"].isin(["insurance", "fund", "credit"])][items + ["product_type"]]
    out = []

    def add(name, kind, syntax, frame, **options):
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        out.append({"name": name, "kind": kind, "model": syntax, "data": str(path), "frame": frame,
                    "estimator": options.get("estimator", "ML"), "missing": options.get("missing", "listwise"),
                    "group": options.get("group"), "n_boot": n_boot, "ordered": options.get("ordered", False),
                    # lavaan takes ~30 ms per resample: fewer resamples there, compared per resample
                    "r_n_boot": min(n_boot, 200)})

    add("ML fit (25 indicators, N 600)", "fit", model, full)
    add("MLR fit (25 indicators, N 600)", "fit", model, full, estimator="MLR")
    add("FIML fit, 10 % missing (N 600)", "fit", model, holes, missing="ml")
    measurement = q.model_syntax(structural=False)
    add("invariance, 4 levels x 3 groups", "invariance", measurement, groups, group="product_type")
    add(f"bootstrap, {n_boot} resamples", "bootstrap", model, full)
    for p in (10, 20, 40, 80):
        syntax, frame = _cfa(p, 1000, seed=p)
        add(f"CFA, {p} indicators (N 1000)", "fit", syntax, frame)
    add(WLSMV_TASK, "fit", model, full, estimator="WLSMV", ordered=True)
    return out


def ours(task: dict):
    if task["kind"] == "invariance":
        return lambda: sr.invariance(task["model"], task["frame"], group=task["group"])
    if task["kind"] == "bootstrap":
        res = sr.fit_sem(task["model"], task["frame"])
        return lambda: res.bootstrap(task["n_boot"], seed=1, ci="percentile")
    if task["ordered"]:
        return lambda: sr.fit_sem(task["model"], task["frame"], estimator=task["estimator"], ordered=True)
    return lambda: sr.fit_sem(task["model"], task["frame"], estimator=task["estimator"], missing=task["missing"])


def lavaan_times(task_list: list[dict], repeat: int, folder: Path) -> dict[str, float] | None:
    if shutil.which("Rscript") is None:
        return None
    check = subprocess.run(["Rscript", "-e", "library(lavaan)"], capture_output=True)
    if check.returncode != 0:
        return None
    spec = folder / "tasks.json"
    spec.write_text(json.dumps([{k: v for k, v in t.items() if k != "frame"} for t in task_list]))
    script = folder / "bench.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(["Rscript", str(script), str(spec), str(repeat)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"lavaan's side failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        task_list = tasks(folder, args.n_boot)
        mine = {t["name"]: _median_time(ours(t), args.repeat if t["kind"] != "bootstrap" else 3)
                for t in task_list}
        theirs = lavaan_times(task_list, args.repeat, folder)
    rows = []
    for t in task_list:
        name = t["name"]
        row = {"task": name, "ours_s": mine[name]}
        if theirs is not None:
            row["lavaan_s"] = float(theirs[name])
            row["ratio"] = row["lavaan_s"] / row["ours_s"]
        if t["kind"] == "bootstrap":  # per resample (lavaan ran fewer)
            row["ours_s"] = mine[name] / t["n_boot"]
            row["task"] = "bootstrap, per resample"
            if theirs is not None:
                row["lavaan_s"] = float(theirs[name]) / t["r_n_boot"]
                row["ratio"] = row["lavaan_s"] / row["ours_s"]
        rows.append(row)
    ml_ms = next(r["ours_s"] for r in rows if r["task"] == ML_TASK) * 1000
    for row in rows:
        if row["task"] == WLSMV_TASK:
            row["relative_limit_ms"] = round(2 * ml_ms, 1)
        row["target"], row["met"] = _target(row)
    by_task = {r["task"]: r["ours_s"] for r in rows}
    # growth of fit time with the number of indicators p, 40 -> 80 (the target: no faster than p^3)
    exponent = math.log(by_task["CFA, 80 indicators (N 1000)"] / by_task["CFA, 40 indicators (N 1000)"], 2)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "stickiness_research": sr.__version__,
            "baseline": "lavaan (same run)" if theirs is not None else "none (Rscript with lavaan not found)",
            "repeat": args.repeat, "load_average": list(os.getloadavg()), "cfa_time_exponent_40_80": exponent}
    (HERE / "results.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    header = ("| task | ours | lavaan | lavaan / ours | target | met |\n"
              "| --- | ---: | ---: | ---: | --- | --- |\n")
    lines = [f"| {r['task']} | {_ms(r['ours_s'])} | "
             + (f"{_ms(r['lavaan_s'])} | {r['ratio']:.1f}x |" if "ratio" in r else "- | - |")
             + f" {r['target']} | {r['met']} |" for r in rows]
    table = header + "\n".join(lines) + "\n"
    note = (f"\nCFA fit time grows as p^{exponent:.2f} from 40 to 80 indicators (target: no faster than p^3). "
            f"Load average during the run: {', '.join(f'{v:.2f}' for v in meta['load_average'])}.\n")
    (HERE / "results.md").write_text(f"Medians on {meta['machine']}, Python {meta['python']}; baseline: "
                                     f"{meta['baseline']}.\n\n" + table + note)
    print(table + note)


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f} ms" if ms < 1 else f"{ms:.1f} ms"


if __name__ == "__main__":
    main()
