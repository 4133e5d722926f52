"""Benchmark: the worked study report (``stickiness report reports/financial_wechat.yaml``) built in-process.

Each run is ``run_study`` on the study config followed by ``write_report`` into a fresh temporary folder
(index.html, report.md, tables.docx, results.json, provenance.json, figures inside the HTML), as the CLI
does. Imports are not timed: the first run, which also pays the modules the study imports lazily
(scikit-learn, statsmodels, python-docx), is reported on its own as ``first_run_s`` and left out of the
medians. The medians of ``--repeat`` further runs are printed with each step of the study (the steps
``run_study`` reports through ``progress``) and written to ``benchmarks/report_results.json``, with a
Markdown table in ``benchmarks/report_results.md``. Every run's results.json must be byte-identical to
the first one's (the report is a function of the config and its seeds); the benchmark stops if not.

Start-up is timed too: ``stickiness --help`` (the installed command, as a user types it) in ``--repeat``
fresh processes, wall clock from start to exit, median.

Issue #15's targets: the worked study report in <= 5 s after imports, ``stickiness --help`` in <= 1 s. There is
no lavaan counterpart to compare with, so no ratio is printed. Run:
``.venv/bin/python benchmarks/report.py [--repeat 5]``.
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

import stickiness_research as sr
from stickiness_research.report import write_report
from stickiness_research.study import run_study

HERE = Path(__file__).resolve().parent
TARGET_S = 5.0  # issue #15, item 3
HELP_TARGET_S = 1.0  # issue #15, item 3: stickiness --help


def help_seconds() -> float:
    """Wall-clock seconds of one ``stickiness --help`` in a fresh process (the command beside this Python)."""
    command = Path(sys.executable).with_name("stickiness")
    argv = [str(command), "--help"] if command.exists() else \
        [sys.executable, "-c", "from stickiness_research.cli import app; app()", "--help"]
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def build_once(config: Path, out_dir: Path) -> tuple[dict[str, float], bytes]:
    """One build: seconds per study step, for run_study and write_report in all, and the results.json bytes."""
    steps: dict[str, float] = {}
    current = ["loading config and questionnaire", time.perf_counter()]

    def progress(message: str) -> None:
        now = time.perf_counter()
        steps[current[0]] = steps.get(current[0], 0.0) + now - current[1]
        current[:] = [message, now]

    start = time.perf_counter()
    result = run_study(config, progress=progress)
    progress("")  # closes the last step
    studied = time.perf_counter()
    paths = write_report(result, out_dir, force=True)
    done = time.perf_counter()
    steps.pop("", None)
    timings = {"run_study": studied - start, "write_report": done - studied, "total": done - start}
    results = paths["json"].read_bytes() if "json" in paths else b""  # a config may leave results.json out
    return {**{f"step: {k}": v for k, v in steps.items()}, **timings}, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the first (default 5)")
    parser.add_argument("--config", type=Path, default=sr.builtin_study_path(),
                        help="study config (default: the worked study, reports/financial_wechat.yaml)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1; got {args.repeat}.")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        first, reference = build_once(args.config, Path(tmp) / "first")
        for k in range(args.repeat):
            timings, results = build_once(args.config, Path(tmp) / f"run{k}")
            if results != reference:
                raise SystemExit(f"run {k + 1}: results.json differs from the first run's; the report must be a "
                                 "function of the config and its seeds.")
            runs.append(timings)
    names = list(dict.fromkeys(name for run in runs for name in run))
    rows = [{"part": name, "median_s": statistics.median(run.get(name, 0.0) for run in runs),
             "min_s": min(run.get(name, 0.0) for run in runs)} for name in names]
    total = next(r for r in rows if r["part"] == "total")
    total["target"], total["met"] = f"<= {TARGET_S:g} s", "yes" if total["median_s"] <= TARGET_S else "no"
    helps = [help_seconds() for _ in range(args.repeat)]
    startup = {"part": "stickiness --help (fresh process)", "median_s": statistics.median(helps), "min_s": min(helps),
               "target": f"<= {HELP_TARGET_S:g} s"}
    startup["met"] = "yes" if startup["median_s"] <= HELP_TARGET_S else "no"
    rows.append(startup)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "stickiness_research": sr.__version__, "config": str(args.config), "repeat": args.repeat,
            "first_run_s": first["total"], "results_json_identical": True,
            "load_average": list(os.getloadavg()),
            "baseline": "none (no lavaan counterpart); target from issue #15"}
    (HERE / "report_results.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    header = "| part | median | min |\n| --- | ---: | ---: |\n"
    lines = [f"| {r['part']} | {r['median_s']:.3f} s | {r['min_s']:.3f} s |" for r in rows]
    note = (f"\nTotal (run_study + write_report), median of {args.repeat} runs after imports: "
            f"{total['median_s']:.2f} s; target {total['target']}: met {total['met']}. First run, with the "
            f"lazy imports: {first['total']:.2f} s. results.json identical in every run. Load average: "
            f"{', '.join(f'{v:.2f}' for v in meta['load_average'])} ({meta['cpus']} CPUs). `stickiness --help` in a "
            f"fresh process, median of {args.repeat}: {startup['median_s']:.2f} s; target {startup['target']}: met "
            f"{startup['met']}.\n")
    table = header + "\n".join(lines) + "\n"
    (HERE / "report_results.md").write_text(f"The worked study report on {meta['machine']}, Python "
                                            f"{meta['python']}.\n\n" + table + note)
    print(table + note)


if __name__ == "__main__":
    main()
