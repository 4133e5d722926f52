"""Reference values from the seminr Python port (PyPI ``seminr==0.2.1``).

DEV-ONLY oracle. This script is not part of the test suite and the package does
not depend on seminr: it is run by hand to (re)generate the frozen JSON files in
``tests/reference/seminr/port/``, which the tests read. Set up a throwaway venv
OUTSIDE the repository and run it from the repository root::

    python3 -m venv /tmp/seminr-port
    /tmp/seminr-port/bin/pip install seminr==0.2.1 pandas
    /tmp/seminr-port/bin/python tests/reference/seminr_port.py

Inputs: ``tests/reference/seminr/data/*.csv`` and ``seminr/fixtures/*`` (written by
``seminr_export.R`` from the R seminr 2.3.1 snapshot) and
``seminr/boot_indices_check.json``.

Outputs (``tests/reference/seminr/port/``):

``mobi_ecsi.json``
    (a) the ECSI mobi model of seminr's basic demo (demo/seminr-pls-ecsi.R,
    test-rerun.R, test-pls-mga.R): seven mode-A composites, path weighting.
``corp_rep_ext.json``
    (b) the extended corporate-reputation model (demo/seminr-primer-chap5.R):
    QUAL, PERF, CSOR, ATTR mode B; COMP, LIKE, CUSA, CUSL mode A;
    ``missing = mean_replacement, missing_value = -99``, path weighting.
``mobi_ecsi_plsc.json``
    (c) the same ECSI model with all constructs ``reflective()`` (PLSc;
    demo/seminr-plsc-ecsi.R).
``fixture_agreement.json``
    the port re-run on the model/settings behind every R fixture in
    ``seminr/fixtures/`` and compared with it (bootstrap fixtures replayed with R's
    exact resamples, see ``r_sample_int``), plus checks of seminr's documented
    quirks.

Every number is written with ``json.dump`` (shortest round-trip repr, i.e. full
double precision); NaN/inf become ``null``. Matrices are
``{"rows": [...], "cols": [...], "values": [[...], ...]}``.
"""

from __future__ import annotations

import csv
import json
import math
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:  # the dev venv only; the project's pytest (--doctest-modules) imports this file without it
    import numpy as np
    import pandas as pd
    import scipy
    import scipy.stats
    import seminr
    from seminr import (
        bootstrap_model,
        composite,
        constructs,
        estimate_pls,
        f_squared,
        higher_composite,
        htmt,
        interaction_term,
        mode_A,
        mode_B,
        orthogonal,
        path_factorial,
        path_weighting,
        paths,
        product_indicator,
        reflective,
        relationships,
        rho_A,
        specific_effect_significance,
        summarize,
        two_stage,
        unit_weights,
    )
    from seminr.bootstrap import total_effects
    from seminr.bootstrap.summarize import parse_boot_array
    from seminr.evaluate.constructs_in_model import constructs_in_model
    from seminr.evaluate.effects import it_criteria, model_fsquares, total_indirect_effects
    from seminr.evaluate.reliability import reliability_table
    from seminr.evaluate.validity import (
        cross_loadings,
        fl_criteria_table,
        item_vifs,
        pls_antecedent_vifs,
    )
    from seminr.math.named_matrix import NamedMatrix
except ImportError as exc:  # pragma: no cover
    _IMPORT_ERROR: ImportError | None = exc
else:
    _IMPORT_ERROR = None
    INNER = {"path_weighting": path_weighting, "path_factorial": path_factorial}
    WEIGHTS = {"A": mode_A, "B": mode_B, "UNIT": unit_weights}
    METHODS = {"orthogonal": orthogonal, "product_indicator": product_indicator,
               "two_stage": two_stage}

HERE = Path(__file__).resolve().parent  # tests/reference
BASE = HERE / "seminr"
DATA = BASE / "data"
FIXTURES = BASE / "fixtures"
OUT = BASE / "port"
REL = "tests/reference/seminr"

#: testthat's expect_equal(tolerance = 0.00001) used by every seminr PLS test.
R_TOL = 1e-5


# --------------------------------------------------------------------------
# R's bootstrap resampling, replicated exactly
# --------------------------------------------------------------------------
def _r_mt_key(seed: int) -> np.ndarray:
    """MT19937 state after R's ``set.seed(seed)`` (RNG.c: RNG_Init + FixupSeeds).

    50 rounds of the LCG ``seed = 69069 * seed + 1`` scramble the seed, then 625
    more fill ``i_seed``; ``i_seed[0]`` is ``mti`` (reset to 624), ``i_seed[1:]``
    is the 624-word MT state (all arithmetic on unsigned 32-bit ints).
    """
    mask = 0xFFFFFFFF
    s = seed & mask
    for _ in range(50):
        s = (69069 * s + 1) & mask
    words = []
    for _ in range(625):
        s = (69069 * s + 1) & mask
        words.append(s)
    return np.array(words[1:], dtype=np.uint32)


def r_sample_int(seed: int, n: int) -> np.ndarray:
    """``set.seed(seed); sample.int(n, replace = TRUE)`` in R >= 3.6 (1-based).

    Default RNG kind (Mersenne-Twister, sample.kind = "Rejection"):
    ``unif_rand() = fixup(MT_genrand())`` with ``MT_genrand() = y * 2^-32`` and
    ``R_unif_index(n)``: ``bits = ceil(log2(n))``, draw ``v`` from
    ``bits // 16 + 1`` chunks of ``floor(unif_rand() * 65536)``
    (``v = 65536 * v + chunk``), keep the low ``bits`` bits, reject ``v >= n``;
    the index is ``v + 1``.
    """
    bg = np.random.MT19937()
    bg.state = {"bit_generator": "MT19937", "state": {"key": _r_mt_key(seed), "pos": 624}}
    bits = math.ceil(math.log2(n))
    chunks = bits // 16 + 1
    low = 0.5 * 2.328306437080797e-10

    def unif() -> float:
        u = float(bg.random_raw()) * 2.3283064365386963e-10
        if u <= 0.0:
            return low
        if 1.0 - u <= 0.0:
            return 1.0 - low
        return u

    out = np.empty(n, dtype=np.int64)
    k = 0
    while k < n:
        v = 0
        for _ in range(chunks):
            v = 65536 * v + math.floor(unif() * 65536)
        v &= (1 << bits) - 1
        if v < n:
            out[k] = v + 1
            k += 1
    return out


def seminr_boot_indices(seed: int, n: int, nboot: int) -> np.ndarray:
    """0-based row indices of seminr's bootstrap_model(nboot, seed): resample i uses seed + i."""
    return np.stack([r_sample_int(seed + i, n) - 1 for i in range(1, nboot + 1)])


def check_r_indices() -> dict[str, Any]:
    check = json.loads((BASE / "boot_indices_check.json").read_text())
    out = {}
    for case in check["cases"]:
        n, seed, nboot = case["n"], case["seed"], case["nboot"]
        weights = np.arange(1, n + 1)
        bad = 0
        for i in range(1, nboot + 1):
            idx = r_sample_int(seed + i, n)
            if float(np.sum(idx * weights)) != case["checksums"][i - 1]:
                bad += 1
            full = case["full"].get(str(i))
            if full is not None and list(map(int, idx)) != full:
                bad += 1
        out[f"{case['data']}_seed{seed}_n{n}_nboot{nboot}"] = {"mismatches": bad}
        if bad:
            raise SystemExit(f"R RNG replica disagrees with R for {case['data']}: {bad}")
    return out


# --------------------------------------------------------------------------
# model specifications (plain data, echoed into the JSON)
# --------------------------------------------------------------------------
def C(name: str, items: Sequence[str], mode: str = "A") -> dict[str, Any]:
    """A construct: mode "A"/"B"/"UNIT" composite, "C" reflective (PLSc)."""
    return {"name": name, "items": list(items), "mode": mode}


def Ix(iv: str, moderator: str, method: str, weights: str = "A") -> dict[str, Any]:
    return {"interaction": f"{iv}*{moderator}", "iv": iv, "moderator": moderator,
            "method": method, "weights": weights}


def H(name: str, dimensions: Sequence[str], weights: str = "A") -> dict[str, Any]:
    return {"higher_composite": name, "dimensions": list(dimensions), "method": "two_stage",
            "weights": weights}


def items(prefix: str, k: int) -> list[str]:
    return [f"{prefix}{j}" for j in range(1, k + 1)]


def P(sources: str | Sequence[str], targets: str | Sequence[str]) -> list[list[str]]:
    """seminr paths(from, to): every source to every target, sources varying fastest."""
    srcs = [sources] if isinstance(sources, str) else list(sources)
    tgts = [targets] if isinstance(targets, str) else list(targets)
    return [[s, t] for t in tgts for s in srcs]


def build_mm(spec: list[dict[str, Any]]) -> list[Any]:
    entries = []
    for e in spec:
        if "interaction" in e:
            entries.append(interaction_term(e["iv"], e["moderator"], method=METHODS[e["method"]],
                                            weights=WEIGHTS[e["weights"]]))
        elif "higher_composite" in e:
            entries.append(higher_composite(e["higher_composite"], e["dimensions"],
                                            weights=WEIGHTS[e["weights"]]))
        elif e["mode"] == "C":
            entries.append(reflective(e["name"], e["items"]))
        else:
            entries.append(composite(e["name"], e["items"], weights=WEIGHTS[e["mode"]]))
    return constructs(*entries)


def build_sm(spec: list[list[str]]) -> list[Any]:
    return relationships(*[paths(s, t) for s, t in spec])


_DATA_CACHE: dict[str, pd.DataFrame] = {}


def load(name: str) -> pd.DataFrame:
    if name not in _DATA_CACHE:
        _DATA_CACHE[name] = pd.read_csv(DATA / f"{name}.csv")
    return _DATA_CACHE[name]


def fit(m: dict[str, Any]) -> Any:
    return estimate_pls(
        load(m["data"]), build_mm(m["mm"]), build_sm(m["sm"]),
        inner_weights=INNER[m.get("inner_weights", "path_weighting")],
        missing_value=m.get("missing_value"),
        max_it=m.get("maxIt", 300),
        stop_criterion=m.get("stopCriterion", 7),
    )


def settings(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "inner_weights": m.get("inner_weights", "path_weighting"),
        "missing": "mean_replacement",
        "missing_value": m.get("missing_value"),
        "maxIt": m.get("maxIt", 300),
        "stopCriterion": m.get("stopCriterion", 7),
    }


# --------------------------------------------------------------------------
# serialization
# --------------------------------------------------------------------------
def num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def mat(nm: NamedMatrix | pd.DataFrame) -> dict[str, Any]:
    if isinstance(nm, pd.DataFrame):
        rows, cols, values = list(nm.index), list(nm.columns), nm.to_numpy(dtype=float)
    else:
        rows, cols, values = list(nm.rows), list(nm.cols), nm.values
    return {"rows": [str(r) for r in rows], "cols": [str(c) for c in cols],
            "values": [[num(v) for v in row] for row in np.asarray(values, dtype=float)]}


def nested(d: dict[str, dict[str, float]]) -> dict[str, dict[str, float | None]]:
    return {k: {kk: num(vv) for kk, vv in v.items()} for k, v in d.items()}


def df(nm: NamedMatrix) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(nm.values, dtype=float), index=list(nm.rows),
                        columns=list(nm.cols))


def dump(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        json.dump(obj, fh, indent=1, allow_nan=False)
        fh.write("\n")


def generator_info() -> dict[str, Any]:
    return {
        "script": "tests/reference/seminr_port.py",
        "seminr_port_version": seminr.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }


# --------------------------------------------------------------------------
# the three reference cases
# --------------------------------------------------------------------------
ECSI_SM = (
    P("Image", ["Expectation", "Satisfaction", "Loyalty"])
    + P("Expectation", ["Quality", "Value", "Satisfaction"])
    + P("Quality", ["Value", "Satisfaction"])
    + P("Value", "Satisfaction")
    + P("Satisfaction", ["Complaints", "Loyalty"])
    + P("Complaints", "Loyalty")
)


def ecsi_mm(mode: str) -> list[dict[str, Any]]:
    return [
        C("Image", items("IMAG", 5), mode),
        C("Expectation", items("CUEX", 3), mode),
        C("Quality", items("PERQ", 7), mode),
        C("Value", items("PERV", 2), mode),
        C("Satisfaction", items("CUSA", 3), mode),
        C("Complaints", ["CUSCO"], mode),
        C("Loyalty", items("CUSL", 3), mode),
    ]


CORP_REP_EXT_MM = [
    C("QUAL", items("qual_", 8), "B"),
    C("PERF", items("perf_", 5), "B"),
    C("CSOR", items("csor_", 5), "B"),
    C("ATTR", items("attr_", 3), "B"),
    C("COMP", items("comp_", 3)),
    C("LIKE", items("like_", 3)),
    C("CUSA", ["cusa"]),
    C("CUSL", items("cusl_", 3)),
]
CORP_REP_EXT_SM = (
    P(["QUAL", "PERF", "CSOR", "ATTR"], ["COMP", "LIKE"])
    + P(["COMP", "LIKE"], ["CUSA", "CUSL"])
    + P("CUSA", "CUSL")
)

CASES: dict[str, dict[str, Any]] = {
    "mobi_ecsi": {
        "description": "ECSI mobi model, seven mode-A composites, path weighting "
                       "(R seminr demo/seminr-pls-ecsi.R, tests test-rerun.R / test-pls-mga.R)",
        "data": "mobi", "mm": ecsi_mm("A"), "sm": ECSI_SM,
    },
    "corp_rep_ext": {
        "description": "Extended corporate reputation model with four mode-B formative "
                       "constructs, -99 = missing, mean replacement, path weighting "
                       "(R seminr demo/seminr-primer-chap5.R; Hair et al. 2021 workbook ch. 5)",
        "data": "corp_rep_data", "mm": CORP_REP_EXT_MM, "sm": CORP_REP_EXT_SM,
        "missing_value": -99,
    },
    "mobi_ecsi_plsc": {
        "description": "ECSI mobi model with all seven constructs reflective(): consistent PLS "
                       "(PLSc), path weighting (R seminr demo/seminr-plsc-ecsi.R)",
        "data": "mobi", "mm": ecsi_mm("C"), "sm": ECSI_SM,
    },
}

RELIABILITY_COLS = ["alpha", "rhoC", "AVE", "rhoA"]  # seminr 2.3.1 column order


def case_json(name: str, m: dict[str, Any]) -> dict[str, Any]:
    model = fit(m)
    mc = constructs_in_model(model)
    rel = df(reliability_table(model))[RELIABILITY_COLS]
    scores = df(model.construct_scores)
    rsq = df(model.r_squared)
    return {
        "case": name,
        "description": m["description"],
        "generator": generator_info(),
        "data_file": f"{REL}/data/{m['data']}.csv",
        "model": {
            "measurement": m["mm"],
            "structural": [{"from": s, "to": t} for s, t in m["sm"]],
            "estimate_pls": settings(m),
            "consistent_PLSc": any(e.get("mode") == "C" for e in m["mm"]),
        },
        "n_obs": int(model.data.values.shape[0]),
        "n_missing_replaced": int(np.isnan(model.rawdata.values[:, [
            list(model.rawdata.columns).index(v) for v in model.mm_variables]]).sum()),
        "iterations": int(model.iterations),
        "weight_diff": num(model.weight_diff),
        "constructs": list(model.constructs),
        "items": list(model.mm_variables),
        "outer_weights": mat(model.outer_weights),
        "outer_loadings": mat(model.outer_loadings),
        "path_coef": mat(model.path_coef),
        "r_squared": {dv: num(rsq.loc["Rsq", dv]) for dv in rsq.columns},
        "adj_r_squared": {dv: num(rsq.loc["AdjRsq", dv]) for dv in rsq.columns},
        "construct_scores_first10": mat(scores.iloc[:10]),
        "construct_score_sd": {c: num(scores[c].std(ddof=1)) for c in scores.columns},
        "reliability": mat(rel),
        "htmt": mat(htmt(model)),
        "fornell_larcker": mat(fl_criteria_table(model, mc)),
        "cross_loadings": mat(cross_loadings(model, mc)),
        "f_square": mat(model_fsquares(model)),
        "vif_antecedents": nested(pls_antecedent_vifs(model, mc)),
        "vif_items": nested(item_vifs(model, mc)),
        "total_effects": mat(total_effects(model.path_coef)),
        "total_indirect_effects": mat(total_indirect_effects(model.path_coef)),
        "it_criteria": mat(it_criteria(model)),
    }


# --------------------------------------------------------------------------
# fixture replay
# --------------------------------------------------------------------------
def read_fixture(name: str, row_names: bool = True) -> pd.DataFrame:
    with (FIXTURES / name).open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    if row_names:
        cols, index, cells = header[1:], [r[0] for r in body], [r[1:] for r in body]
    else:
        cols, index, cells = header, [str(i + 1) for i in range(len(body))], body
    values = [[math.nan if v in ("NA", "") else float(v) for v in r] for r in cells]
    return pd.DataFrame(values, index=index, columns=cols)


def all_equal_rel(expected: np.ndarray, actual: np.ndarray) -> float:
    """testthat/all.equal's statistic: sum|e - a| / sum|e| (absolute if mean|e| <= tol)."""
    e, a = expected.ravel(), actual.ravel()
    keep = ~(np.isnan(e) | np.isnan(a))
    e, a = e[keep], a[keep]
    if e.size == 0:
        return 0.0
    diff = float(np.sum(np.abs(e - a)))
    scale = float(np.sum(np.abs(e)))
    return diff / scale if scale / e.size > R_TOL else diff / e.size


RESULTS: list[dict[str, Any]] = []


def compare(fixture: str, expected: pd.DataFrame, actual: pd.DataFrame, what: str,
            r_test: str, note: str = "", digits: int | None = None,
            expect_pass: bool = True) -> dict[str, Any]:
    actual = actual.reindex(index=expected.index, columns=expected.columns)
    e = expected.to_numpy(dtype=float)
    a = actual.to_numpy(dtype=float)
    if digits is not None:
        a = np.round(a, digits)
    nan_ok = bool(np.array_equal(np.isnan(e), np.isnan(a)))
    both = ~(np.isnan(e) | np.isnan(a))
    max_abs = float(np.max(np.abs(e[both] - a[both]))) if both.any() else 0.0
    rel = all_equal_rel(e, a)
    ok = nan_ok and rel <= R_TOL
    entry = {
        "fixture": fixture, "compared": what, "r_test": r_test, "cells": int(e.size),
        "max_abs_diff": max_abs, "all_equal_rel_diff": rel, "na_pattern_equal": nan_ok,
        "agrees_at_1e-5": ok,
    }
    if digits is not None:
        entry["port_rounded_to_digits"] = digits
    if note:
        entry["note"] = note
    if ok != expect_pass:
        entry["UNEXPECTED"] = True
    RESULTS.append(entry)
    flag = "ok " if ok else "DIFF"
    print(f"  [{flag}] {fixture:<45} {what:<40} max|d|={max_abs:.2e} rel={rel:.2e}"
          + ("" if ok == expect_pass else "   <-- UNEXPECTED"))
    return entry


def col(frame: pd.DataFrame, c: str) -> pd.DataFrame:
    return frame[[c]]


MOBI4_A = [C("Image", items("IMAG", 5)), C("Expectation", items("CUEX", 3)),
           C("Value", items("PERV", 2)), C("Satisfaction", items("CUSA", 3))]
MOBI4_C = [C("Image", items("IMAG", 5), "C"), C("Expectation", items("CUEX", 3), "C"),
           C("Value", items("PERV", 2), "C"), C("Satisfaction", items("CUSA", 3), "C")]
MOBI4_SM = P(["Image", "Expectation", "Value"], "Satisfaction")
MOBI_INT_SM = P(["Image", "Expectation", "Value", "Image*Expectation", "Image*Value"],
                "Satisfaction")


def boot(model: Any, nboot: int, seed: int = 123) -> Any:
    n = model.rawdata.values.shape[0]
    return bootstrap_model(model, nboot=nboot, indices=seminr_boot_indices(seed, n, nboot))


def htmt_signed(data: np.ndarray, blocks: list[list[int]]) -> np.ndarray:
    """HTMT as seminr computed it before commit 53dc832: signed item correlations."""
    r = np.corrcoef(data, rowvar=False)
    k = len(blocks)
    mono = []
    for b in blocks:
        if len(b) == 1:
            mono.append(1.0)
        else:
            sub = r[np.ix_(b, b)]
            mono.append(float(sub[np.triu_indices(len(b), 1)].mean()))
    out = np.full((k, k), np.nan)
    for i in range(k - 1):
        for j in range(i + 1, k):
            out[i, j] = r[np.ix_(blocks[i], blocks[j])].mean() / math.sqrt(mono[i] * mono[j])
    return out


def htmt_descriptives_signed(model: Any, nboot: int, seed: int = 123) -> pd.DataFrame:
    """cbind(HTMT, boot means, boot SDs) with the pre-abs() HTMT, R's resamples."""
    names = list(constructs_in_model(model).names)
    cols = [c for n in names for c in model.mm_matrix.construct_items(n)]
    pos = {c: k for k, c in enumerate(cols)}
    blocks = [[pos[c] for c in model.mm_matrix.construct_items(n)] for n in names]
    raw = model.rawdata
    data = raw.values[:, [list(raw.columns).index(c) for c in cols]]
    est = htmt_signed(data, blocks)
    reps = np.stack([htmt_signed(data[idx], blocks)
                     for idx in seminr_boot_indices(seed, data.shape[0], nboot)])
    blocks_out = {"PLS Est.": est, "Boot Mean": reps.mean(axis=0),
                  "Boot SD": reps.std(axis=0, ddof=1)}
    frame = {f"{n} {what}": blocks_out[what][:, j] for what in blocks_out
             for j, n in enumerate(names)}
    return pd.DataFrame(frame, index=names)


def replay_fixtures() -> dict[str, Any]:
    fx = read_fixture
    models: dict[str, dict[str, Any]] = {}

    def spec(key: str, desc: str, **m: Any) -> Any:
        fitted = fit(m)
        models[key] = {"description": desc, "data": m["data"], "mm": m["mm"],
                       "sm": [{"from": s, "to": t} for s, t in m["sm"]],
                       "estimate_pls": settings(m), "iterations": int(fitted.iterations),
                       "weight_diff": num(fitted.weight_diff),
                       "n_obs": int(fitted.data.values.shape[0])}
        return fitted

    print("fixture replay (port vs R seminr 2.3.1 fixtures):")

    # test-pls.r: orthogonal and product-indicator interactions, path_factorial
    for key, method, sfx in (("pls_orthogonal", "orthogonal", ""),
                             ("pls_product_indicator", "product_indicator", "2")):
        mm = MOBI4_A + [Ix("Image", "Expectation", method), Ix("Image", "Value", method)]
        m = spec(key, f"test-pls.r, interaction method {method}", data="mobi", mm=mm,
                 sm=MOBI_INT_SM, inner_weights="path_factorial")
        t = f"test-pls.r ({method})"
        compare(f"coefficients{sfx}.csv", col(fx(f"coefficients{sfx}.csv"), "Satisfaction"),
                df(m.path_coef), "path_coef[, Satisfaction]", t)
        compare(f"constructscores{sfx}.csv", fx(f"constructscores{sfx}.csv"),
                df(m.construct_scores), "construct_scores", t)
        compare(f"weights{sfx}.csv", fx(f"weights{sfx}.csv"), df(m.outer_weights),
                "outer_weights", t)

    # test-inner_weighting.R
    for key, scheme, prefix in (("mobi4_path_weighting", "path_weighting", "inner_weights_"),
                                ("mobi4_path_factorial", "path_factorial", "factorial_")):
        m = spec(key, f"test-inner_weighting.R, {scheme}", data="mobi", mm=MOBI4_A, sm=MOBI4_SM,
                 inner_weights=scheme)
        t = f"test-inner_weighting.R ({scheme})"
        scores_name = "inner_weights_constructscores.csv" if prefix == "inner_weights_" \
            else "factorial_scores.csv"
        compare(f"{prefix}coefficients.csv", col(fx(f"{prefix}coefficients.csv"), "Satisfaction"),
                df(m.path_coef), "path_coef[, Satisfaction]", t)
        compare(scores_name, fx(scores_name), df(m.construct_scores), "construct_scores", t)
        compare(f"{prefix}weights.csv", fx(f"{prefix}weights.csv"), df(m.outer_weights),
                "outer_weights", t)

    # test-metric.R (default path_weighting)
    m = fit({"data": "mobi", "mm": MOBI4_A, "sm": MOBI4_SM})
    rsq = df(m.r_squared)
    rsq.index = ["Rsq", "AdjRsq"]
    compare("rsquared1.csv", fx("rsquared1.csv").loc[["Rsq", "AdjRsq"]], rsq,
            "rSquared[Rsq, AdjRsq]", "test-metric.R",
            note="the fixture's BIC row is stale (seminr no longer returns it; test uses rows 1:2)")
    compare("fsquared1.csv", fx("fsquared1.csv"),
            pd.DataFrame([[f_squared(m, "Image", "Satisfaction")]], index=["1"], columns=["x"]),
            "fSquared(Image -> Satisfaction)", "test-metric.R")
    m2 = fit({"data": "mobi", "mm": [MOBI4_A[0], MOBI4_A[3]], "sm": P("Image", "Satisfaction")})
    compare("fsquared2.csv", fx("fsquared2.csv"),
            pd.DataFrame([[f_squared(m2, "Image", "Satisfaction")]], index=["1"], columns=["x"]),
            "fSquared, 2-construct model = R2/(1-R2)", "test-metric.R")

    # test-summary.R / test-validity.R / test-descriptive-stats.R: mode A, path_weighting
    m = spec("mobi4_path_weighting_summary", "test-summary.R / test-validity.R / "
             "test-descriptive-stats.R", data="mobi", mm=MOBI4_A, sm=MOBI4_SM)
    s = summarize(m)
    mc = constructs_in_model(m)
    compare("cross_loadings.csv", fx("cross_loadings.csv"), df(s.validity.cross_loadings),
            "summary$validity$cross_loadings", "test-summary.R",
            note="R test compares round(., 3)")
    compare("reliability.csv", fx("reliability.csv"), df(s.reliability), "summary$reliability",
            "test-summary.R")
    fl = df(fl_criteria_table(m, mc))
    fl.index = [str(i + 1) for i in range(len(fl))]
    compare("fl_table.csv", fx("fl_table.csv", row_names=False), fl,
            "summary$validity$fl_criteria", "test-validity.R")
    vi = item_vifs(m, mc)
    flat = {f"{c}*{i}": v for c, d in vi.items() for i, v in d.items()}
    compare("vifs/flat_item_vifs1.csv", fx("vifs/flat_item_vifs1.csv", row_names=False),
            pd.DataFrame([flat], index=["1"]), "summary$validity$vif_items (flattened)",
            "test-validity.R")
    va = pls_antecedent_vifs(m, mc)
    flat = {f"{c}*{i}": v for c, d in va.items() for i, v in d.items()}
    compare("vifs/flat_vif_antecedents1.csv", fx("vifs/flat_vif_antecedents1.csv", row_names=False),
            pd.DataFrame([flat], index=["1"]), "summary$vif_antecedents (flattened)",
            "test-validity.R")
    desc = s.descriptives
    compare("item_stats.csv", fx("item_stats.csv"), df(desc.statistics.items),
            "descriptives$statistics$items", "test-descriptive-stats.R")
    compare("item_cors.csv", fx("item_cors.csv"), df(desc.correlations.items),
            "descriptives$correlations$items", "test-descriptive-stats.R")
    compare("construct_stats.csv", fx("construct_stats.csv"), df(desc.statistics.constructs),
            "descriptives$statistics$constructs", "test-descriptive-stats.R")
    compare("construct_cors.csv", fx("construct_cors.csv"), df(desc.correlations.constructs),
            "descriptives$correlations$constructs", "test-descriptive-stats.R")

    m = spec("mobi4_value_endogenous", "test-validity.R model2", data="mobi", mm=MOBI4_A,
             sm=MOBI4_SM + P(["Image", "Expectation"], "Value"))
    va = pls_antecedent_vifs(m, constructs_in_model(m))
    flat = {f"{c}*{i}": v for c, d in va.items() for i, v in d.items()}
    compare("vifs/flat_vif_antecedents2.csv", fx("vifs/flat_vif_antecedents2.csv", row_names=False),
            pd.DataFrame([flat], index=["1"]), "summary$vif_antecedents (flattened)",
            "test-validity.R")

    # test-consistent.R: reflective, path_factorial
    m = spec("mobi4_reflective_factorial", "test-consistent.R (PLSc)", data="mobi", mm=MOBI4_C,
             sm=MOBI4_SM, inner_weights="path_factorial")
    compare("rho1.csv", fx("rho1.csv"), df(rho_A(m)), "rho_A()", "test-consistent.R")
    compare("path_coef1.csv", fx("path_coef1.csv"), df(m.path_coef), "path_coef (PLSc)",
            "test-consistent.R")
    compare("loadings1.csv", fx("loadings1.csv"), df(m.outer_loadings),
            "outer_loadings (PLSc)", "test-consistent.R")
    rsq = df(m.r_squared)
    compare("rsquaredplsc.csv", fx("rsquaredplsc.csv").loc[["Rsq", "AdjRsq"]], rsq,
            "rSquared[Rsq, AdjRsq] (PLSc)", "test-consistent.R",
            note="BIC row stale, not compared (test uses rows 1:2)")
    mm = MOBI4_C + [Ix("Image", "Expectation", "orthogonal"), Ix("Image", "Value", "orthogonal")]
    m = spec("mobi4_reflective_orthogonal_factorial", "test-consistent.R rho2 model",
             data="mobi", mm=mm, sm=MOBI_INT_SM, inner_weights="path_factorial")
    compare("rho2.csv", fx("rho2.csv"), df(rho_A(m)), "rho_A()", "test-consistent.R")

    # test-consistent-interactions.R (default path_weighting)
    mm = [C("Image", items("IMAG", 5), "C"), C("Expectation", ["CUEX3"], "C"),
          C("Value", items("PERV", 2), "C"), C("Satisfaction", items("CUSA", 3), "C"),
          Ix("Image", "Expectation", "orthogonal")]
    m = spec("plsc_interaction", "test-consistent-interactions.R", data="mobi", mm=mm,
             sm=P(["Image", "Expectation", "Value", "Image*Expectation"], "Satisfaction"))
    s = summarize(m)
    compare("plsc-interaction-paths.csv", fx("plsc-interaction-paths.csv"), df(s.paths),
            "summary$paths (rounded to 3)", "test-consistent-interactions.R", digits=3)
    compare("plsc-interaction-reliability.csv", fx("plsc-interaction-reliability.csv"),
            df(s.reliability), "summary$reliability", "test-consistent-interactions.R")

    # test-measure.r: mixed reflective / mode B / single item / unit weights
    mm = [C("Image", items("IMAG", 5), "C"), C("Quality", ["PERQ1"], "C"),
          C("Satisfaction", items("CUSA", 3), "B"), C("Complaints", ["CUSCO"], "A"),
          C("Value", items("PERV", 2), "UNIT")]
    m = spec("measure_mixed", "test-measure.r", data="mobi", mm=mm,
             sm=P("Image", "Satisfaction") + P("Quality", "Satisfaction")
             + P("Complaints", "Satisfaction") + P("Value", "Satisfaction"))
    compare("weights3.csv", fx("weights3.csv"), df(m.outer_weights), "outer_weights",
            "test-measure.r", note="R test uses expect_equal's default tolerance 1.5e-8")
    compare("loadings3.csv", fx("loadings3.csv"), df(m.outer_loadings),
            "outer_loadings (Image PLSc)", "test-measure.r",
            note="R test uses expect_equal's default tolerance 1.5e-8")

    # test-hoc.R
    mm = [C("Image", items("IMAG", 5)), C("Expectation", items("CUEX", 3)),
          C("Quality", items("PERQ", 7)), C("Value", items("PERV", 2)),
          H("Satisfaction", ["Image", "Value"]), C("Complaints", ["CUSCO"]),
          C("Loyalty", items("CUSL", 3))]
    m = spec("hoc", "test-hoc.R", data="mobi", mm=mm,
             sm=P(["Expectation", "Quality"], "Satisfaction")
             + P("Satisfaction", ["Complaints", "Loyalty"]))
    compare("hoc-paths.csv", fx("hoc-paths.csv"), df(m.path_coef), "path_coef", "test-hoc.R")
    compare("hoc-loadings.csv", fx("hoc-loadings.csv"), df(m.outer_loadings), "outer_loadings",
            "test-hoc.R")
    compare("hoc-weights.csv", fx("hoc-weights.csv"), df(m.outer_weights), "outer_weights",
            "test-hoc.R")
    mm = [C("Image", items("IMAG", 5)), C("Expectation", items("CUEX", 3)),
          C("Quality", items("PERQ", 5)), C("Loyalty", items("CUSL", 3)),
          C("Value", items("PERV", 2)), H("Nick", ["Quality", "Loyalty"]),
          C("Satisfaction", items("CUSA", 3)), Ix("Image", "Expectation", "two_stage")]
    m = spec("hoc_two_stage_interaction", "test-hoc.R (HOC + two-stage interaction)", data="mobi",
             mm=mm, sm=P(["Image", "Expectation", "Value", "Nick", "Image*Expectation"],
                         "Satisfaction"))
    compare("hoc_2si-paths.csv", fx("hoc_2si-paths.csv"), df(m.path_coef), "path_coef",
            "test-hoc.R")
    compare("hoc_2si-loadings.csv", fx("hoc_2si-loadings.csv"), df(m.outer_loadings),
            "outer_loadings", "test-hoc.R")
    compare("hoc-_2siweights.csv", fx("hoc-_2siweights.csv"), df(m.outer_weights),
            "outer_weights", "test-hoc.R")

    # test-only-sm-composites-evaluated.R
    mm = [C("Comp1", items("IMAG", 5)), C("Comp2", items("CUEX", 3)), C("Comp3", items("CUSA", 3)),
          C("Comp_1_2", items("IMAG", 5) + items("CUEX", 3)),
          H("HOC_1_2", ["Comp1", "Comp2"]), H("HOC_1_3", ["Comp1", "Comp3"])]
    m = spec("only_sm_composites", "test-only-sm-composites-evaluated.R", data="mobi", mm=mm,
             sm=P("Comp3", "Comp1") + P("Comp3", "Comp2"))
    compare("hoc_test_output_paths.csv", fx("hoc_test_output_paths.csv"), df(summarize(m).paths),
            "summary$paths (rounded to 3)", "test-only-sm-composites-evaluated.R", digits=3)
    with (FIXTURES / "hoc_test_output_mm.csv").open(newline="") as fh:
        r_rows = [tuple(r[1:]) for r in list(csv.reader(fh))[1:]]
    port_rows = [(r.construct, r.measurement, r.type) for r in m.mm_matrix.rows]
    same = r_rows == port_rows
    RESULTS.append({"fixture": "hoc_test_output_mm.csv", "compared": "mmMatrix rows (text)",
                    "r_test": "test-only-sm-composites-evaluated.R", "cells": len(r_rows) * 3,
                    "identical": same, "agrees_at_1e-5": same})
    print(f"  [{'ok ' if same else 'DIFF'}] {'hoc_test_output_mm.csv':<45} mmMatrix rows (text)")

    # test_clean_data.R: corp_rep, -99, mean replacement
    mm = [C("COMP", items("comp_", 3)), C("LIKE", items("like_", 3)), C("CUSA", ["cusa"]),
          C("CUSL", items("cusl_", 3))]
    m = spec("corp_rep_simple", "test_clean_data.R", data="corp_rep_data", mm=mm,
             sm=P(["COMP", "LIKE"], ["CUSA", "CUSL"]) + P("CUSA", "CUSL"), missing_value=-99)
    compare("corp_rep_simple_paths.csv", fx("corp_rep_simple_paths.csv"), df(m.path_coef),
            "path_coef", "test_clean_data.R")

    # test-plsc-fsquared.R: two-stage interaction, corp_rep, fSquare
    mm = CORP_REP_EXT_MM[:7] + [C("SC", items("switch_", 4)), CORP_REP_EXT_MM[7],
                                Ix("CUSA", "SC", "two_stage")]
    m = spec("corp_rep_moderation", "test-plsc-fsquared.R", data="corp_rep_data", mm=mm,
             sm=P(["QUAL", "PERF", "CSOR", "ATTR"], ["COMP", "LIKE"])
             + P(["COMP", "LIKE"], ["CUSA", "CUSL"]) + P(["CUSA", "SC", "CUSA*SC"], "CUSL"),
             missing_value=-99)
    compare("interaction_fsquare.csv", fx("interaction_fsquare.csv"), df(model_fsquares(m)),
            "summary$fSquare", "test-plsc-fsquared.R")

    # ---------------- bootstrap fixtures (R resamples replayed) ----------------
    print(" bootstrap fixtures (resamples: set.seed(123 + i); sample.int(n, replace = TRUE)):")
    m = spec("boot_mobi4_factorial", "test-bootstrap.R simple", data="mobi", mm=MOBI4_A,
             sm=MOBI4_SM, inner_weights="path_factorial")
    b = boot(m, 200)
    compare("boostrapmatrix1.csv", fx("boostrapmatrix1.csv"), df(b.paths_descriptives),
            "paths_descriptives (nboot 200)", "test-bootstrap.R")

    mm = [dict(e) for e in MOBI4_A] + [Ix("Image", "Expectation", "orthogonal"),
                                       Ix("Image", "Value", "orthogonal")]
    m = spec("boot_mobi_orthogonal_factorial", "test-bootstrap.R interaction", data="mobi", mm=mm,
             sm=MOBI_INT_SM, inner_weights="path_factorial")
    b = boot(m, 200)
    compare("boostrapmatrix2.csv", fx("boostrapmatrix2.csv"), df(b.paths_descriptives),
            "paths_descriptives (nboot 200)", "test-bootstrap.R")

    m = fit({"data": "mobi", "mm": MOBI4_A, "sm": MOBI4_SM, "inner_weights": "path_factorial"})
    b = boot(m, 200)
    compare("boot_weights.csv", fx("boot_weights.csv"), df(b.weights_descriptives),
            "weights_descriptives (nboot 200)", "test-bootstrap.R")

    m = spec("boot_mobi4_reflective", "test-bootstrap.R loadings/HTMT", data="mobi", mm=MOBI4_C,
             sm=MOBI4_SM)
    b = boot(m, 200)
    compare("boot_loadings.csv", fx("boot_loadings.csv"), df(b.loadings_descriptives),
            "loadings_descriptives (nboot 200, PLSc)", "test-bootstrap.R")
    hd = fx("boot_HTMT.csv")
    compare("boot_HTMT.csv", hd, df(b.htmt_descriptives), "HTMT_descriptives (nboot 200)",
            "test-bootstrap.R",
            note="fixture of 2019-04-29 predates abs() in HTMT (commit 53dc832, 2019-09-16): "
                 "only cells whose resamples never see a negative item correlation agree",
            expect_pass=False)
    compare("boot_HTMT.csv", hd.filter(like="PLS Est."), df(b.htmt_descriptives),
            "HTMT_descriptives, PLS Est. columns only", "test-bootstrap.R")
    compare("boot_HTMT.csv", hd, htmt_descriptives_signed(m, 200),
            "HTMT_descriptives, resamples with signed correlations", "test-bootstrap.R",
            note="seminr before 2019-09-16: HTMT averaged signed item correlations (no abs())")

    mm = MOBI4_A
    m = spec("boot_mobi4_mediation", "test-bootstrap.R confidence intervals", data="mobi", mm=mm,
             sm=MOBI4_SM + P("Image", "Expectation"), inner_weights="path_factorial")
    b = boot(m, 200)
    ci = []
    for through, alpha in ((["Expectation"], 0.05), (["Expectation"], 0.1), ([], 0.05)):
        e = specific_effect_significance(b, from_="Image", to="Satisfaction", through=through,
                                         alpha=alpha)
        ci += [e.ci_lower, e.ci_upper]
    compare("conf_ints.csv", fx("conf_ints.csv"),
            pd.DataFrame({"x": ci}, index=[str(i) for i in range(1, 7)]),
            "specific_effect_significance CIs", "test-bootstrap.R")

    # corp_rep, path_factorial, stopCriterion = 1 (not converged)
    ext = {"data": "corp_rep_data", "mm": CORP_REP_EXT_MM, "sm": CORP_REP_EXT_SM,
           "missing_value": -99, "inner_weights": "path_factorial"}
    m1 = spec("corp_rep_ext_factorial_stop1", "test-bootstrap.R missing values", **ext,
              stopCriterion=1)
    m7 = fit({**ext, "stopCriterion": 7})
    mf = fx("missing_cases_paths.csv")
    b7 = boot(m7, 200)
    table = df(parse_boot_array(m1.path_coef, b7.boot_paths))
    compare("missing_cases_paths.csv", mf, table,
            "bootstrapped_paths: est at stopCriterion 1, resamples at 7", "test-bootstrap.R",
            note="seminr 2.3.1 bootstrap resamples call estimate_pls() with only inner_weights; "
                 "maxIt/stopCriterion revert to 300/7 in every resample, the original "
                 "estimate keeps stopCriterion = 1")
    b1 = boot(m1, 200)
    compare("missing_cases_paths.csv", mf, df(parse_boot_array(m1.path_coef, b1.boot_paths)),
            "same, resamples also at stopCriterion 1", "test-bootstrap.R",
            note="what the port's bootstrap_model does (it passes the model's settings on)",
            expect_pass=False)
    compare("missing_cases_item_descriptives.csv", fx("missing_cases_item_descriptives.csv"),
            df(summarize(m1).descriptives.statistics.items),
            "descriptives$statistics$items (raw data, NA removed)", "test-bootstrap.R")

    # test-summary.R boot summaries (nboot 500)
    m = fit({"data": "mobi", "mm": MOBI4_A, "sm": MOBI4_SM})
    b = boot(m, 500)
    bs = summarize(b)
    for fixture, table, what in (
            ("boot_report_paths.csv", bs.bootstrapped_paths, "bootstrapped_paths"),
            ("boot_report_loadings.csv", bs.bootstrapped_loadings, "bootstrapped_loadings"),
            ("boot_report_weights", bs.bootstrapped_weights, "bootstrapped_weights")):
        compare(fixture, fx(fixture), df(table), f"summary(boot)${what} (nboot 500)",
                "test-summary.R")
    hr = fx("boot_report_htmt.csv")
    port_h = df(bs.bootstrapped_htmt)
    compare("boot_report_htmt.csv", hr, port_h, "bootstrapped_HTMT as the port reports it",
            "test-summary.R", note="port (like later seminr) uses T = (1 - est) / SD",
            expect_pass=False)
    old_t = port_h.copy()
    old_t["T Stat."] = port_h["Original Est."] / port_h["Bootstrap SD"]
    compare("boot_report_htmt.csv", hr, old_t, "bootstrapped_HTMT with T = est / SD",
            "test-summary.R", note="seminr 2.3.1 parse_boot_array: T = est / SD for HTMT too")

    # evaluate_measurement_model: Image, Expectation reflective; Value, Satisfaction mode A
    mm = [C("Image", items("IMAG", 5), "C"), C("Expectation", items("CUEX", 3), "C"),
          C("Value", items("PERV", 2)), C("Satisfaction", items("CUSA", 3))]
    m = spec("measurement_eval_mixed", "test-summary.R evaluate_measurement_model", data="mobi",
             mm=mm, sm=MOBI4_SM)
    rel = df(reliability_table(m))
    compare("factor_reliability.csv", fx("factor_reliability.csv"),
            rel.loc[["Image", "Expectation"], ["AVE", "rhoA"]], "factor_reliability",
            "test-summary.R")
    compare("factor_indicator_reliability.csv", fx("factor_indicator_reliability.csv"),
            df(m.outer_loadings), "factor_indicator_reliability (= PLSc loadings)",
            "test-summary.R", note="seminr reports the loadings themselves, not squared")
    compare("factor_discriminant_validity.csv", fx("factor_discriminant_validity.csv"),
            df(htmt(m)), "factor_discriminant_validity (= HTMT)", "test-summary.R")
    compare("htmt.csv", fx("htmt.csv"), df(htmt(m)), "HTMT", "(no test reads it)",
            note="untested; identical to factor_discriminant_validity.csv")
    compare("composite_indicator_reliability.csv", fx("composite_indicator_reliability.csv"),
            df(m.outer_weights), "composite_indicator_reliability (= outer weights)",
            "test-summary.R")
    vi = item_vifs(m, constructs_in_model(m))
    flat = {f"{c}.{i}": v for c in ("Value", "Satisfaction") for i, v in vi[c].items()}
    compare("composite_collinearity.csv", fx("composite_collinearity.csv"),
            pd.DataFrame({"x": flat}), "composite_collinearity (item VIFs)", "test-summary.R")
    b = boot(m, 500)
    hdesc = df(b.htmt_descriptives)
    names = list(df(htmt(m)).columns)
    mean = hdesc[[f"{c} Boot Mean" for c in names]].set_axis(names, axis=1)
    sd = hdesc[[f"{c} Boot SD" for c in names]].set_axis(names, axis=1)
    t = ((mean - 1) / sd).abs()
    p = pd.DataFrame(2 * scipy.stats.t.sf(t.to_numpy(), df=b.boots - 1), index=t.index,
                     columns=t.columns)
    compare("factor_discriminant_validity_t_values.csv",
            fx("factor_discriminant_validity_t_values.csv"), t,
            "|Boot Mean - 1| / Boot SD", "test-summary.R",
            note="boot_evaluate_measurement_model uses the bootstrap MEAN, not the estimate")
    compare("factor_discriminant_validity_p_values.csv",
            fx("factor_discriminant_validity_p_values.csv"), p,
            "2 * pt(t, nboot - 1, lower = FALSE)", "test-summary.R")
    wdesc = df(b.weights_descriptives)
    cons = list(df(m.outer_weights).columns)
    wmean = wdesc[[f"{c} Boot Mean" for c in cons]].set_axis(cons, axis=1)
    wsd = wdesc[[f"{c} Boot SD" for c in cons]].set_axis(cons, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        wt = (wmean / wsd).abs()
    wp = pd.DataFrame(2 * scipy.stats.t.sf(wt.to_numpy(), df=b.boots - 1), index=wt.index,
                      columns=wt.columns)
    compare("composite_indicator_weights_t_values.csv",
            fx("composite_indicator_weights_t_values.csv"), wt, "|Boot Mean| / Boot SD",
            "test-summary.R", note="again the bootstrap MEAN, not the estimate")
    compare("composite_indicator_weights_p_values.csv",
            fx("composite_indicator_weights_p_values.csv"), wp,
            "2 * pt(t, nboot - 1, lower = FALSE)", "test-summary.R")

    # the unrounded construct-name test (test-structure.r) has a hard-coded value
    mm = [C("Image", items("IMAG", 5)), C("Expectation of", items("CUEX", 3)),
          C("Satisfaction", items("CUSA", 3)), C("Value", items("PERV", 2)),
          Ix("Image", "Expectation of", "orthogonal"), Ix("Image", "Value", "orthogonal")]
    m = fit({"data": "mobi", "mm": mm,
             "sm": P(["Image", "Expectation of", "Value", "Image*Expectation of", "Image*Value"],
                     "Satisfaction")})
    vif = pls_antecedent_vifs(m, constructs_in_model(m))["Satisfaction"]["Image"]
    compare("(test-structure.r literal)", pd.DataFrame({"x": [1.617113]}, index=["Image"]),
            pd.DataFrame({"x": [round(vif, 6)]}, index=["Image"]),
            "round(vif_antecedents$Satisfaction[[1]], 6)", "test-structure.r")

    return models


def main() -> None:
    if _IMPORT_ERROR is not None:
        raise SystemExit(f"run this in the seminr-port venv (see the module docstring): {_IMPORT_ERROR}")
    OUT.mkdir(parents=True, exist_ok=True)
    rng = check_r_indices()
    print("R RNG replica: matches R for", ", ".join(rng))
    for name, m in CASES.items():
        dump(OUT / f"{name}.json", case_json(name, m))
        print("wrote", OUT / f"{name}.json")
    models = replay_fixtures()
    unexpected = [r for r in RESULTS if r.get("UNEXPECTED")]
    dump(OUT / "fixture_agreement.json", {
        "description": "The seminr Python port re-run on the model behind each R seminr 2.3.1 "
                       "fixture (tests/fixtures/V_3_6_0, copied to seminr/fixtures/) and compared "
                       "with it. all_equal_rel_diff is testthat/all.equal's statistic "
                       "sum|R - port| / sum|R|; seminr's tests require <= 1e-5.",
        "generator": generator_info(),
        "r_rng_replica_check": rng,
        "bootstrap_resampling": "indices[i] = set.seed(123 + i); sample.int(n, replace = TRUE), "
                                "i = 1..nboot (replicated in seminr_port.r_sample_int)",
        "results": RESULTS,
        "models": models,
    })
    n_ok = sum(r["agrees_at_1e-5"] for r in RESULTS)
    print(f"{n_ok}/{len(RESULTS)} comparisons agree at 1e-5; {len(unexpected)} unexpected")
    print("wrote", OUT / "fixture_agreement.json")
    if unexpected:
        sys.exit(1)


if __name__ == "__main__":
    main()
