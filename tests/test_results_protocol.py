"""One results protocol (#19): every result type has tables(), a title and notes, and renders through the one
Summary in text, HTML, Markdown, LaTeX and a dict; multi-group matrices come for every group (lavaan's lists)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research._summary import LONG_TABLE_ROWS, Reportable, Summary, protocol_dict

REF = Path(__file__).parent / "reference" / "multigroup" / "resid.json"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"


@pytest.fixture(scope="module")
def study_data():
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=400, seed=3), q)
    return q, data, sr.scale_scores(data, q)


def _results(q, data, scores):
    hs = sr.datasets.holzinger_swineford()
    drivers = ["interaction", "security"]
    return {
        "sem": sr.fit_sem(q.model_syntax(), data),
        "sem_groups": sr.fit_sem(HS_MODEL, hs, group="school", estimator="MLR"),
        "cfa": sr.cfa(q, data),
        "invariance": sr.invariance(q, data, group="product_type"),
        "efa": sr.efa(data, 6, q),
        "parallel": sr.parallel_analysis(data, q, n_iter=20),
        "method_bias": sr.method_bias(data, q),
        "ols": sr.ols(scores, "stickiness", drivers),
        "moderation": sr.moderation(scores, "interaction", "convenience", "stickiness"),
        "mediation": sr.mediation(scores, "interaction", "emotional_attachment", "stickiness", n_boot=200),
        "segments": sr.segment_respondents(scores, k=3),
        "group_paths": sr.compare_group_paths(q, data, "product_type"),
        "bootstrap": sr.fit_sem(q.model_syntax(), data).bootstrap(50, seed=1),
        "pls": sr.fit_pls(q, data),
        "pls_bootstrap": sr.fit_pls(q, data).bootstrap(50, seed=1),
        "latent_interaction": sr.latent_interaction(q, data, "interaction", "security", "stickiness"),
        "sample_size": sr.sample_size(q, 0.8, hypotheses=["H1"], n_min=50, n_max=200, replications=10, seed=1),
        "power": sr.power(q, n=[100], replications=4, seed=1),
    }


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    config = folder / "study.yaml"
    config.write_text(f"""study: {{id: protocol, title: {{en: "Protocol test"}}}}
questionnaire: {sr.builtin_questionnaire_path()}
data: {{simulate: {{n: 300, seed: 2}}}}
analyses: {{efa: false, method_bias: false, bootstrap: 50, htmt_bootstrap: 0, invariance: false, regression: false,
           segments: false, strategy: false}}
events: {{simulate: {{days: 60, seed: 2}}}}
""", encoding="utf-8")
    return sr.run_study(config)


@pytest.fixture(scope="module")
def results(study_data):
    return _results(*study_data)


NAMES = ["sem", "sem_groups", "cfa", "invariance", "efa", "parallel", "method_bias", "ols", "moderation", "mediation",
         "segments", "group_paths", "bootstrap", "pls", "pls_bootstrap", "latent_interaction", "sample_size",
         "power", "study", "behaviour"]
PROTOCOL_KEYS = ["type", "title", "lines", "notes", "meta", "tables"]


@pytest.mark.parametrize("name", NAMES)
def test_every_result_renders_its_tables_in_every_format(results, study, name):
    res = {"study": study, "behaviour": study.behaviour}.get(name) or results[name]
    assert isinstance(res, Reportable)
    tables = res.tables()
    assert tables and all(isinstance(t, pd.DataFrame) and len(t) for t in tables.values()), name
    summary = res.summary()
    assert isinstance(summary, Summary) and str(res) == summary.as_text() and summary.startswith(res.title)
    html, md, latex = res._repr_html_(), res.to_markdown(), res.to_latex()
    for table_name, frame in tables.items():
        assert table_name in summary and table_name in html and f"*{table_name}*" in md
        for column in frame.columns[:3]:
            assert str(column) in md, (table_name, column)
    long = sum(len(t) > LONG_TABLE_ROWS for t in tables.values())
    assert latex.count(r"\begin{tabular}") == len(tables) - long and latex.count(r"\begin{longtable}") == long
    assert r"\toprule" in latex and r"\bottomrule" in latex
    data = json.loads(json.dumps(protocol_dict(res), allow_nan=False))  # JSON as it is: no NaN, no numpy
    assert list(data["tables"]) == list(tables)
    first = next(iter(tables.values()))
    assert len(data["tables"][next(iter(tables))]) == len(first)


@pytest.mark.parametrize("name", NAMES)
def test_every_result_has_the_one_json_shape(results, study, name):
    res = {"study": study, "behaviour": study.behaviour}.get(name) or results[name]
    data = protocol_dict(res)
    assert list(data) == PROTOCOL_KEYS and data["type"] == type(res).__name__ and data["title"] == res.title
    assert isinstance(data["meta"], dict) and isinstance(data["lines"], list) and isinstance(data["notes"], list)
    assert json.dumps(data, allow_nan=False, sort_keys=False) == json.dumps(protocol_dict(res), allow_nan=False)
    if name != "power":  # a PowerTable is a DataFrame: its to_dict stays pandas'
        assert res.to_dict() == data
    for table, frame in res.tables().items():  # every cell of every table, NaN as None
        records = data["tables"][table]
        assert len(records) == len(frame) and all(isinstance(r, dict) for r in records)
        numbers = frame.select_dtypes("number")
        if len(numbers.columns):
            column = numbers.columns[0]
            expected = [None if pd.isna(v) else pytest.approx(float(v)) for v in numbers[column]]
            assert [r[str(column)] for r in records] == expected, (table, column)


def test_the_meta_of_each_result_carries_its_scalars(results, study):
    sem = protocol_dict(results["sem"])["meta"]
    assert sem["n_obs"] == results["sem"].n_obs == 400 and sem["estimator"] == "ML" and sem["groups"] == []
    assert sem["fit_measures"] == pytest.approx(results["sem"].fit_measures.to_dict())  # all, not the headline
    assert "effects" in results["sem"].tables() and "effects" not in results["sem_groups"].tables()
    assert protocol_dict(results["sem_groups"])["meta"]["groups"] == ["Pasteur", "Grant-White"]
    assert protocol_dict(results["bootstrap"])["meta"] == {"n_boot": 50, "n_failed": 0, "seed": 1,
                                                           "ci": "percentile", "level": 0.95}
    assert protocol_dict(results["invariance"])["meta"]["level"] == results["invariance"].level
    assert protocol_dict(results["power"])["meta"] == {"replications": 4, "seed": 1, "alpha": 0.05,
                                                       "indirect": "delta"}
    assert protocol_dict(results["sample_size"])["meta"]["n"] == results["sample_size"].n
    assert protocol_dict(results["segments"])["meta"]["k"] == 3
    assert protocol_dict(results["pls"])["meta"]["settings"]["scheme"] == "path_weighting"
    assert protocol_dict(study)["meta"]["n_read"] == 300 and protocol_dict(study)["meta"]["id"] == "protocol"
    assert protocol_dict(results["mediation"])["meta"] == {"n": 400, "n_boot": 200, "seed": 1}


def test_numbers_in_the_renderings_are_the_table_numbers(results):
    res = results["ols"]
    row = res.table.iloc[1]
    md = res.to_markdown()
    assert f"{row['b']:.3f}" in md if "b" in res.table else f"{row.iloc[1]:.3f}" in md
    latex = results["sem"].to_latex()
    assert "$<$.001" in latex and "0.000 & <" not in latex  # APA: p floored, no bare < in LaTeX text mode


def test_multigroup_renderings_keep_the_group_column(results):
    res = results["sem_groups"]
    md = res.to_markdown()
    assert "| group |" in md.replace("| group | est", "| group |") and "Grant-White" in md and "Pasteur" in md
    assert "2 groups" in res.title and "MLR" in res.title and "MLR" in res._repr_html_()
    r2 = res.tables()["r2"]
    assert list(r2.columns) == ["group", "variable", "r2"] and set(r2["group"]) == {"Pasteur", "Grant-White"}


@pytest.mark.parametrize("missing", ["listwise", "ml", "wlsmv_delta", "wlsmv_theta"])
def test_multigroup_matrices_are_every_groups_as_lavaan(missing):
    ref = json.loads(REF.read_text())[missing]
    hs = sr.datasets.holzinger_swineford()
    if missing.startswith("wlsmv"):  # ordered items as the R script makes them: cut at the quartiles
        for item in [f"x{i}" for i in range(1, 7)]:
            hs[item] = pd.qcut(hs[item], 4, labels=False) + 1
        res = sr.fit_sem(HS_MODEL, hs, group="school", ordered=True, parameterization=missing.split("_")[1])
    else:
        res = sr.fit_sem(HS_MODEL, hs, group="school", missing=missing)
    names = res.observed_variables
    assert list(res.residuals().index.get_level_values(0).unique()) == list(res.groups)
    for group, mats in ref.items():
        for ours, theirs in ((res.sample_cov.loc[group], mats["sample_cov"]),
                             (res.implied_cov.loc[group], mats["implied_cov"]),
                             (res.residuals("raw").loc[group], mats["raw"]),
                             (res.residuals("cor").loc[group], mats["cor"])):
            np.testing.assert_allclose(ours.loc[names, names].to_numpy(), np.array(theirs), atol=1e-5)


def test_summary_renders_alone():
    s = Summary("A table", {"t": pd.DataFrame({"x": [1.0, -2.5], "pvalue": [0.2, 0.0004]})}, notes=["n.b."],
                lines=["line one"])
    assert s.splitlines()[:2] == ["A table", "line one"] and "<.001" in s and "note: n.b." in s
    assert "$-$2.500" in s.as_latex() and r"\textit{Note.} line one n.b." in s.as_latex()
    assert s.as_dict()["tables"]["t"][1] == {"x": -2.5, "pvalue": 0.0004}
    assert "<h4>A table</h4>" in s.as_html() and "*Note.* n.b." in s.as_markdown()


def test_wald_test_equals_lavtestwald():
    ref = json.loads((Path(__file__).parent / "reference" / "lavaan" / "wald_security_by_product.json").read_text())
    script = (Path(__file__).parent / "reference" / "lavaan_wald.R").read_text()
    model = script.split('model <- "')[1].split('"')[0]  # the very model the R script fitted
    data = pd.read_csv(Path(__file__).parent / "reference" / "data" / "stickiness_demo.csv")
    data = data[data["product_type"].isin(["insurance", "fund", "credit"])]
    res = sr.fit_sem(model, data, group="product_type", group_equal=["loadings"])
    test = res.wald_test("s1 == s2\ns2 == s3")
    assert test["stat"] == pytest.approx(ref["wald"], rel=1e-4) and test["df"] == ref["df"]
    assert test["pvalue"] == pytest.approx(ref["pvalue"], rel=1e-3)
    with pytest.raises(sr.ModelSpecError, match="not a label|labels are"):
        res.wald_test("s1 == zz")
    with pytest.raises(sr.ModelSpecError, match="not an equality"):
        res.wald_test("s1 < s2")


def test_conf_int_at_any_level(results):
    res = results["sem"]
    at95 = res.conf_int()
    np.testing.assert_allclose(at95["ci_lower"], res.estimates["ci_lower"], atol=1e-10)
    at90 = res.conf_int(0.9)
    free = res.estimates["se"] > 0
    assert (at90["ci_lower"][free] > at95["ci_lower"][free]).all()
    with pytest.raises(sr.ParameterError, match="'level' parameter of conf_int"):
        res.conf_int(1.5)


def test_power_table_is_still_a_dataframe(results):
    """sr.power's table follows the protocol and stays the DataFrame it always was (to_dict, slicing, equality)."""
    table = results["power"]
    assert isinstance(table, pd.DataFrame) and table.seed == 1 and table.replications == 4
    assert table.to_dict("records")[0]["hypothesis"] == "H1"
    assert type(table[table["n"] == 100]) is pd.DataFrame
    assert "mc_se" in table.tables()["power"] and "mc_se" not in table.columns


def test_long_tables_break_across_pages_in_latex(results):
    """The SEM estimates (more rows than a page holds) are a longtable with its header repeated; short tables stay
    floats; the LaTeX compiles where a TeX engine is installed."""
    latex = results["sem"].to_latex()
    assert len(results["sem"].tables()["estimates"]) > LONG_TABLE_ROWS
    long = latex.split(r"\begin{longtable}")[1].split(r"\end{longtable}")[0]
    assert long.count(r"\toprule") == 2 and r"\endhead" in long and r"\endfirsthead" in long
    assert r"\begin{tabular}" in latex  # the fit table is short: a float
