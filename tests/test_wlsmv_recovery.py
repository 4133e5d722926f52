"""WLSMV recovers the population model from skewed, few-category Likert items; ML on the same items does not.

A Monte Carlo-lite study with fixed seeds: the built-in questionnaire is simulated with skewed 5-point items
and, rewritten to a 3-point response set, with skewed 3-point items; each of ``REPLICATIONS`` data sets of
``N`` respondents is fitted by WLSMV (``ordered=True``) and by ML (items treated as continuous). The truth is
the population model (:func:`stickiness_research.simulate.population_model`): the standardized loadings of
the items' continuous latent responses and the standardized structural paths. "Bias" is the mean estimate
over the replications minus the truth, per parameter.

Measured (seeds 1-10, N = 1000; within .005 of these over seeds 11-40):

=========================  ============  ============  ==========  ==========
condition                  WLSMV |bias|  WLSMV |bias|  ML bias     ML bias
                           loadings      paths         loadings    paths
=========================  ============  ============  ==========  ==========
5 points, skewed           .006          .006          -.060       -.011
3 points, skewed           .010          .011          -.131       -.012
=========================  ============  ============  ==========  ==========

ML's standardized loadings are biased downward on every item (Pearson correlations of coarse, skewed
items understate the latent correlations), by about ten times WLSMV's error; its standardized paths are
hardly biased, because attenuation shrinks every loading of a factor alike and the factor correlations
survive (Rhemtulla, Brosseau-Liard & Savalei, 2012, Psychological Methods 17(3), 354-373).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.simulate import population_model

N = 1000
REPLICATIONS = 10
FIRST_SEED = 1
N_LOADINGS = 25
N_PATHS = 7


def three_point_questionnaire(directory: Path) -> sr.Questionnaire:
    """The built-in questionnaire with its agree5 response set (and attention check) cut to 3 points."""
    text = Path(sr.builtin_questionnaire_path()).read_text(encoding="utf-8")
    replacements = {
        "agree5": "agree3",
        "points: 5": "points: 3",
        "[非常不同意, 不同意, 一般, 同意, 非常同意]": "[不同意, 一般, 同意]",
        "[Strongly disagree, Disagree, Neutral, Agree, Strongly agree]": "[Disagree, Neutral, Agree]",
        "expected: 4": "expected: 3",
    }
    for old, new in replacements.items():
        assert old in text, old  # the built-in file changed: update this rewrite
        text = text.replace(old, new)
    path = directory / "three_point.yaml"
    path.write_text(text, encoding="utf-8")
    q = sr.load_questionnaire(path)
    assert {q.response_set_of(item).points for item in q.items} == {3}
    return q


@dataclass(frozen=True)
class Study:
    """Estimates of every replication (columns) beside the truth (index: parameter), per estimator."""

    points: int
    category_shares: pd.DataFrame  # item x category, pooled over the replications
    truth_loadings: pd.Series
    truth_paths: pd.Series
    loadings: dict[str, pd.DataFrame]  # "WLSMV" / "ML" -> parameter x replication
    paths: dict[str, pd.DataFrame]
    n_thresholds: dict[str, int]  # estimator -> rows with op "|" in the first replication

    def bias(self, kind: str, estimator: str) -> pd.Series:
        table, truth = (self.loadings, self.truth_loadings) if kind == "loadings" else (self.paths, self.truth_paths)
        return table[estimator].mean(axis=1) - truth


def std_all(res: sr.SEMResult, op: str) -> pd.Series:
    rows = res.estimates[res.estimates["op"] == op]
    key = rows["rhs"] if op == "=~" else rows["rhs"] + " -> " + rows["lhs"]  # path: from -> to
    return pd.Series(rows["std_all"].to_numpy(), index=key.to_numpy())


def run_study(q: sr.Questionnaire) -> Study:
    pop = population_model(q)
    truth_loadings = pd.Series(pop.loadings)
    truth_paths = pd.Series({f"{a} -> {b}": beta for (a, b), beta in pop.paths.items()})
    items = [item.id for item in q.items]
    syntax = q.model_syntax()
    loadings: dict[str, list] = {"WLSMV": [], "ML": []}
    paths: dict[str, list] = {"WLSMV": [], "ML": []}
    n_thresholds = {}
    shares = []
    for seed in range(FIRST_SEED, FIRST_SEED + REPLICATIONS):
        data = sr.reverse_code(sr.simulate_responses(q, n=N, seed=seed, thresholds="skewed"), q)
        shares.append(data[items].apply(lambda s: s.value_counts()).fillna(0))
        for estimator, res in (("WLSMV", sr.fit_sem(syntax, data, ordered=True)), ("ML", sr.fit_sem(syntax, data))):
            assert res.estimator == estimator
            loadings[estimator].append(std_all(res, "=~"))
            paths[estimator].append(std_all(res, "~"))
            n_thresholds.setdefault(estimator, int((res.estimates["op"] == "|").sum()))
    pooled = sum(shares)
    return Study(points=q.response_set_of(q.items[0]).points,
                 category_shares=(pooled / pooled.sum()).T,
                 truth_loadings=truth_loadings, truth_paths=truth_paths,
                 loadings={k: pd.concat(v, axis=1).loc[truth_loadings.index] for k, v in loadings.items()},
                 paths={k: pd.concat(v, axis=1).loc[truth_paths.index] for k, v in paths.items()},
                 n_thresholds=n_thresholds)


@pytest.fixture(scope="module", params=[5, 3], ids=["5_points_skewed", "3_points_skewed"])
def study(request, default_q, tmp_path_factory) -> Study:
    q = default_q if request.param == 5 else three_point_questionnaire(tmp_path_factory.mktemp("q3"))
    return run_study(q)


def test_the_items_are_coarse_and_skewed(study):
    """The conditions the study claims: few categories, answers piled up at the agree end."""
    shares = study.category_shares
    assert list(shares.columns) == list(range(1, study.points + 1))
    assert len(shares) == N_LOADINGS
    # skewed preset plus the 0.5 agreement shift, measured: 5 points .6/3.0/12/38/46 %, 3 points .6/53/46 %
    assert (shares[1] < 0.02).all()
    top_two = shares[study.points] + shares[study.points - 1]
    assert (top_two > 0.80).all()
    # WLSMV estimated one threshold per category boundary; ML none
    assert study.n_thresholds == {"WLSMV": N_LOADINGS * (study.points - 1), "ML": 0}


def test_every_parameter_was_compared(study):
    for table in (*study.loadings.values(), *study.paths.values()):
        assert table.shape[1] == REPLICATIONS and table.notna().all().all()
    assert len(study.truth_loadings) == N_LOADINGS and len(study.truth_paths) == N_PATHS


def test_wlsmv_recovers_standardized_loadings_and_paths(study):
    loading_bias = study.bias("loadings", "WLSMV")
    path_bias = study.bias("paths", "WLSMV")
    # measured mean |bias|: loadings .006 (5 points) / .010 (3 points), paths .006 / .011
    assert loading_bias.abs().mean() < 0.02, loading_bias.round(3).to_dict()
    assert path_bias.abs().mean() < 0.025, path_bias.round(3).to_dict()
    # no single parameter far off (largest measured: .019 / .030 loadings, .014 / .023 paths)
    assert loading_bias.abs().max() < 0.05, loading_bias.round(3).to_dict()
    assert path_bias.abs().max() < 0.05, path_bias.round(3).to_dict()
    # per replication, too (mean absolute error of one fit's loadings, averaged: .017 / .023)
    per_fit = (study.loadings["WLSMV"].sub(study.truth_loadings, axis=0)).abs().mean()
    assert per_fit.mean() < 0.03, per_fit.round(3).tolist()


def test_ml_loadings_on_the_same_items_are_biased_downward(study):
    ml = study.bias("loadings", "ML")
    wlsmv = study.bias("loadings", "WLSMV")
    # measured mean bias -.060 (5 points) / -.131 (3 points); coarser items, more attenuation
    expected_at_least = {5: 0.04, 3: 0.10}[study.points]
    assert ml.mean() < -expected_at_least, ml.round(3).to_dict()
    assert (ml < 0).all(), ml[ml >= 0].round(3).to_dict()  # every item, not on average only
    # and by clearly more than WLSMV's error: 10x measured on 5 points, 13x on 3
    assert ml.abs().mean() > 4 * wlsmv.abs().mean()
    assert ml.abs().mean() - wlsmv.abs().mean() > 0.035


def test_ml_paths_are_attenuated_only_slightly(study):
    """Why the table above reports loadings: ML's structural paths survive coarse items fairly well."""
    ml = study.bias("paths", "ML")
    # measured mean bias -.011 (5 points) / -.012 (3 points): small, and toward zero
    assert -0.03 < ml.mean() < 0.0, ml.round(3).to_dict()
