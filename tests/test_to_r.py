"""Reproduce in R: the script written by SEMResult.to_r / ``stickiness fit --to-r`` refits the model in lavaan.

Where Rscript and lavaan are installed the scripts run and lavaan's estimates, standard errors, standardized
estimates and fit measures are compared with ours; elsewhere those cases are skipped with the reason. The
files written (what the data CSV holds, where, and that inputs are never overwritten) are tested everywhere.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, assert_refused
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
DEMOCRACY = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ b*dem60 + c*ind60
y1 ~~ y5
indirect := a*b
total := c + a*b
"""
ORDINAL_MODEL = """interaction =~ int1 + int2 + int3 + int4
trust =~ tru1 + tru2 + tru3 + tru4
stickiness =~ sti1 + sti2 + sti3 + sti4 + sti5
trust ~ a*interaction
stickiness ~ b*trust + interaction
via_trust := a*b
"""
COMPARED_OPS = ("=~", "~", "~~", "~1", "|", "~*~", ":=")
FIT_MEASURES = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq.scaled", "cfi.robust", "rmsea.robust")


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / name)


CASES = {
    "ml_single_group": lambda: sr.fit_sem(HS_MODEL, _data("HolzingerSwineford1939.csv")),
    "mlr": lambda: sr.fit_sem(HS_MODEL, _data("HolzingerSwineford1939.csv"), estimator="MLR"),
    "multi_group_partial": lambda: sr.fit_sem(HS_MODEL, _data("HolzingerSwineford1939.csv"), group="school",
                                              group_equal=["loadings", "intercepts"], group_partial=["x3 ~ 1"]),
    "wlsmv_ordered": lambda: sr.fit_sem(ORDINAL_MODEL, _data("stickiness_demo.csv"), ordered=True),
    "wlsmv_two_groups_theta": lambda: sr.fit_sem(
        "interaction =~ int1 + int2 + int3 + int4\nconvenience =~ con1 + con2 + con3 + con4",
        _data("stickiness_demo.csv").query("product_type in ['fund', 'insurance']"),
        group="product_type", ordered=True, parameterization="theta", group_equal=["loadings", "thresholds"]),
    "fiml": lambda: sr.fit_sem(HS_MODEL, _data("HolzingerSwineford1939_mcar10.csv"), missing="ml"),
    "mlr_fiml_std_lv": lambda: sr.fit_sem(HS_MODEL, _data("HolzingerSwineford1939_mcar10.csv"), missing="ml",
                                          estimator="MLR", std_lv=True),
    "defined_parameters": lambda: sr.fit_sem(DEMOCRACY, _data("PoliticalDemocracy.csv")),
}


@functools.cache
def _lavaan_missing() -> str | None:
    """Why the R cases cannot run here, or None when Rscript with lavaan is available."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not installed (Debian: apt-get install r-base r-cran-lavaan)"
    proc = subprocess.run([rscript, "-e", "suppressPackageStartupMessages(library(lavaan))"], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        return "the R package lavaan is not installed (in R: install.packages('lavaan'))"
    return None


def _run_script(script, prefix) -> str:
    reason = _lavaan_missing()
    if reason:
        pytest.skip(reason)
    proc = subprocess.run([shutil.which("Rscript"), str(script), str(prefix)], capture_output=True, text=True,
                          timeout=300, cwd="/")  # from another folder: the script finds its CSV itself
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _compared(res: sr.SEMResult, lavaan: pd.DataFrame) -> pd.DataFrame:
    ours = res.estimates[res.estimates["op"].isin(COMPARED_OPS)].copy()
    ours["rhs"] = ours["rhs"].str.replace(" ", "")
    lavaan = lavaan.assign(rhs=lavaan["rhs"].astype(str).str.replace(" ", "").replace("nan", ""))
    keys = ["lhs", "op", "rhs"]
    if res.groups:
        number = {label: k + 1 for k, label in enumerate(res.groups)}
        ours["group"] = [number.get(g, 0) for g in ours["group"]]
        keys.append("group")
    merged = ours.merge(lavaan, on=keys, how="left", suffixes=("", "_lavaan"), indicator=True)
    unmatched = merged.loc[merged["_merge"] != "both", keys]
    assert unmatched.empty, f"rows lavaan does not have:\n{unmatched}"
    return merged


@pytest.mark.parametrize("case", list(CASES))
def test_r_script_reproduces_the_fit_in_lavaan(tmp_path, case):
    res = CASES[case]()
    script = res.to_r(tmp_path / "refit.R")
    stdout = _run_script(script, tmp_path / "lavaan")
    lavaan = pd.read_csv(tmp_path / "lavaan_estimates.csv", keep_default_na=False, na_values=["NA"])
    merged = _compared(res, lavaan)
    for ours, theirs in (("est", "est_lavaan"), ("se", "se_lavaan"), ("std_all", "std.all")):
        diff = np.abs(merged[ours].to_numpy(float) - merged[theirs].to_numpy(float))
        assert np.nanmax(diff) < 1e-3, (case, ours, merged.loc[diff >= 1e-3, ["lhs", "op", "rhs", ours, theirs]])
        assert np.isnan(diff).sum() == 0 or ours == "std_all", (case, ours)
    fit = pd.read_csv(tmp_path / "lavaan_fit.csv").set_index("measure")["value"]
    for name in FIT_MEASURES:
        if name in res.fit_measures and name in fit and np.isfinite(fit[name]):
            assert res.fit_measures[name] == pytest.approx(fit[name], rel=1e-3, abs=1e-4), (case, name)
    matched = len(merged)
    assert f"{matched} of {matched} parameters matched" in stdout  # the script's own comparison agrees


def test_the_script_carries_the_fit_options(tmp_path):
    res = CASES["wlsmv_two_groups_theta"]()
    text = res.to_r(tmp_path / "refit.R").read_text(encoding="utf-8")
    call = " ".join(text.split("fit <- ", 1)[1].split("\n\n", 1)[0].split())
    assert call.startswith('sem(model, data = data, estimator = "WLSMV", ordered = c("int1", "int2"')
    for part in ('parameterization = "theta"', 'group = "group"', 'group.label = c("insurance", "fund")',
                 'group.equal = c("loadings", "thresholds")', "meanstructure = TRUE"):
        assert part in call, part
    fiml = CASES["mlr_fiml_std_lv"]().to_r(tmp_path / "fiml.R").read_text(encoding="utf-8")
    assert 'estimator = "MLR", missing = "ml", std.lv = TRUE' in " ".join(fiml.split())


def test_the_data_csv_holds_only_the_rows_and_columns_the_fit_used(tmp_path):
    raw = _data("stickiness_demo.csv")
    assert "respondent_id" in raw
    res = CASES["wlsmv_two_groups_theta"]()
    res.to_r(tmp_path / "refit.R")
    written = pd.read_csv(tmp_path / "refit_data.csv")
    observed = list(res._state.partable.ov_names)
    assert list(written.columns) == [*observed, "group"]  # no respondent_id, no other answers
    assert len(written) == res.n_obs and list(pd.unique(written["group"])) == ["insurance", "fund"]
    assert all(pd.api.types.is_integer_dtype(written[c]) for c in observed)  # Likert codes stay whole numbers
    fiml = CASES["fiml"]()
    fiml.to_r(tmp_path / "fiml.R")
    data = pd.read_csv(tmp_path / "fiml_data.csv")
    assert len(data) == fiml.n_obs and data.isna().any().any()  # FIML keeps the incomplete rows


def test_to_r_refuses_bad_paths_before_writing(tmp_path):
    res = CASES["ml_single_group"]()
    with pytest.raises(sr.OutputPathError, match="is a directory"):
        res.to_r(tmp_path)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(sr.OutputPathError, match="is a file, not a folder"):
        res.to_r(tmp_path / "file" / "refit.R")
    (tmp_path / "refit_data.csv").mkdir()
    with pytest.raises(sr.OutputPathError, match="refit_data.csv: is a directory"):
        res.to_r(tmp_path / "refit.R")
    assert not (tmp_path / "refit.R").exists()  # nothing written when one of the two cannot be


def test_cli_fit_to_r(tmp_path):
    runner = CliRunner()
    model = REFERENCE / "models" / "holzinger_swineford_cfa.lav"
    data = REFERENCE / "data" / "HolzingerSwineford1939.csv"
    result = runner.invoke(app, ["fit", "--model", str(model), "--data", str(data), "--estimator", "MLR",
                                 "--json", "--to-r", str(tmp_path / "hs.R")])
    assert result.exit_code == 0, result.output
    assert sr.fit_sem(model.read_text(), pd.read_csv(data), estimator="MLR").fit_measures["chisq"] == \
        pytest.approx(__import__("json").loads(result.stdout)["result"]["meta"]["fit_measures"]["chisq"])  # JSON
    assert "wrote" in result.stderr and (tmp_path / "hs_data.csv").is_file()
    assert 'estimator = "MLR"' in (tmp_path / "hs.R").read_text(encoding="utf-8")
    copy = tmp_path / "mine_data.csv"
    copy.write_bytes(data.read_bytes())
    refused = runner.invoke(app, ["fit", "--model", str(model), "--data", str(copy), "--to-r",
                                  str(tmp_path / "mine.R")])
    assert_refused(refused, "mine_data.csv: is an input of this command", "--to-r")  # mine.R's CSV is the data
    assert copy.read_bytes() == data.read_bytes() and not (tmp_path / "mine.R").exists()
