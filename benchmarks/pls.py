"""Benchmark: the PLS-SEM bootstrap beside the seminr Python port, measured in one run.

The ECSI mobi model of seminr's demo (7 mode-A constructs, 24 indicators, N 250, path weighting):
our ``PLSResult.bootstrap`` (5,000 resamples, median of 3 runs) and the port's ``bootstrap_model``
(fewer resamples: it takes milliseconds each), compared per resample, plus one estimate each. The port
(PyPI ``seminr``, a dev dependency) is the baseline when installed; otherwise only our medians are
printed. Writes ``benchmarks/pls_results.json`` and ``pls_results.md`` (the README quotes it).
Run: ``make bench`` or ``.venv/bin/python benchmarks/pls.py``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

import stickiness_research as sr

HERE = Path(__file__).resolve().parent
BLOCKS = {"Image": ("IMAG", 5), "Expectation": ("CUEX", 3), "Quality": ("PERQ", 7), "Value": ("PERV", 2),
          "Satisfaction": ("CUSA", 3), "Complaints": (None, 1), "Loyalty": ("CUSL", 3)}
PATHS = [("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"), ("Expectation", "Quality"),
         ("Expectation", "Value"), ("Expectation", "Satisfaction"), ("Quality", "Value"), ("Quality", "Satisfaction"),
         ("Value", "Satisfaction"), ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"),
         ("Complaints", "Loyalty")]
N_BOOT, PORT_BOOT = 5000, 100
TARGET_S = 2.0  # issue #17: 5,000 resamples of the mobi model in <= 2 s


def _items(construct: str) -> list[str]:
    prefix, k = BLOCKS[construct]
    return ["CUSCO"] if prefix is None else [f"{prefix}{i}" for i in range(1, k + 1)]


def syntax() -> str:
    lines = [f"{c} =~ " + " + ".join(_items(c)) for c in BLOCKS]
    for target in dict.fromkeys(t for _, t in PATHS):
        lines.append(f"{target} ~ " + " + ".join(s for s, t in PATHS if t == target))
    return "\n".join(lines)


def _median(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def port_times(data) -> dict[str, float] | None:
    try:
        import seminr
    except ImportError:
        return None
    mm = seminr.constructs(*[seminr.composite(c, _items(c), weights=seminr.mode_A) for c in BLOCKS])
    sm = seminr.relationships(*[seminr.paths(s, t) for s, t in PATHS])
    fit = lambda: seminr.estimate_pls(data, mm, sm)  # noqa: E731
    model = fit()
    return {"estimate_s": _median(fit, 5),
            "per_resample_s": _median(lambda: seminr.bootstrap_model(model, nboot=PORT_BOOT, seed=1), 1) / PORT_BOOT,
            "version": getattr(seminr, "__version__", "?")}


def main() -> None:
    data = sr.datasets.mobi()
    model = syntax()
    res = sr.fit_pls(model, data)
    ours = {"estimate_s": _median(lambda: sr.fit_pls(model, data), 7),
            "bootstrap_s": _median(lambda: res.bootstrap(N_BOOT, seed=1), 3)}
    ours["per_resample_s"] = ours["bootstrap_s"] / N_BOOT
    theirs = port_times(data)
    rows = [{"task": "PLS estimate (mobi, 7 constructs, N 250)", "ours_s": ours["estimate_s"]},
            {"task": "PLS bootstrap, per resample", "ours_s": ours["per_resample_s"]},
            {"task": f"PLS bootstrap, {N_BOOT} resamples", "ours_s": ours["bootstrap_s"],
             "target": f"<= {TARGET_S:g} s", "met": "yes" if ours["bootstrap_s"] <= TARGET_S else "no"}]
    if theirs is not None:
        rows[0]["port_s"] = theirs["estimate_s"]
        rows[1]["port_s"] = theirs["per_resample_s"]
        rows[2]["port_s"] = theirs["per_resample_s"] * N_BOOT
        for r in rows:
            r["ratio"] = r["port_s"] / r["ours_s"]
        rows[1]["target"], rows[1]["met"] = ">= 5x", "yes" if rows[1]["ratio"] >= 5 else "no"
    meta = {"python": platform.python_version(), "machine": platform.machine(), "stickiness_research": sr.__version__,
            "baseline": f"seminr Python port {theirs['version']} (same run)" if theirs else
            "none (the seminr port is not installed: pip install -e '.[dev]')",
            "n_boot": N_BOOT, "port_n_boot": PORT_BOOT, "load_average": list(os.getloadavg())}
    (HERE / "pls_results.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")

    def fmt(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"

    header = ("| task | ours | seminr port | port / ours | target | met |\n"
              "| --- | ---: | ---: | ---: | --- | --- |\n")
    lines = [f"| {r['task']} | {fmt(r['ours_s'])} | "
             + (f"{fmt(r['port_s'])} | {r['ratio']:.1f}x |" if "port_s" in r else "- | - |")
             + f" {r.get('target', '-')} | {r.get('met', '-')} |" for r in rows]
    note = (f"\nThe port's bootstrap was timed on {PORT_BOOT} resamples (its 5,000-resample time is extrapolated). "
            f"Load average: {', '.join(f'{v:.2f}' for v in meta['load_average'])}.\n")
    text = f"Medians on {meta['machine']}, Python {meta['python']}; baseline: {meta['baseline']}.\n\n" + header + \
        "\n".join(lines) + "\n" + note
    (HERE / "pls_results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
