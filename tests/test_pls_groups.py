"""Group comparisons of PLS path models (stickiness_research.pls.groups).

PLS-MGA against R seminr's own fixture (tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS of seminr's
test-pls-mga.R): R's random draws (the group split, the two bootstrap seeds and every resample) are
regenerated here with a replica of R's Mersenne-Twister / ``sample.int``, itself checked against R's
resamples in tests/reference/seminr/boot_indices_check.json. MICOM (no reference implementation
installed) against an independent computation with fit_pls and pandas on explicit permutations, and
against properties: identical groups, a shifted mean of one construct, determinism for any n_jobs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PLS_ECSI, PLS_MOBI_SIMPLE

import stickiness_research as sr
from stickiness_research.errors import ModelSpecError, ParameterError, ResponseDataError
from stickiness_research.pls.groups import (
    COMPOSITIONAL_COLUMNS,
    EQUALITY_COLUMNS,
    INVARIANCE_COLUMNS,
    MGA_COLUMNS,
    _henseler_p,
    micom,
    pls_mga,
)

REF = Path(__file__).resolve().parent / "reference" / "seminr"
TOL = 1e-10

# seminr's test-pls-mga.R model (mobi_mm / mobi_sm), composites throughout
MOBI_MODEL = PLS_ECSI
SMALL_MODEL = PLS_MOBI_SIMPLE

# readRDS("tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS") of seminr commit ae2524a (printed with %.15g):
# source, target, estimate (full sample), group1_beta, group2_beta, group1_beta_mean, group2_beta_mean, pls_mga_p
SEMINR_MGA = [
    ("Image", "Expectation", 0.50491393362921, 0.459488607509629, 0.554383445215241, 0.494487479863814,
     0.562658576088891, 0.7515),
    ("Image", "Satisfaction", 0.178739500119218, 0.168112440703927, 0.20418035173498, 0.184918311648411,
     0.211464911375296, 0.5868),
    ("Image", "Loyalty", 0.195755333112828, 0.219010431208023, 0.176375654562961, 0.231336219384957,
     0.184303655460882, 0.3857),
    ("Expectation", "Quality", 0.556748962354268, 0.569794738306385, 0.552026697963212, 0.575385453992015,
     0.561810473678425, 0.4433),
    ("Expectation", "Value", 0.049988392535661, -0.101706957164792, 0.169658733362857, -0.0809521566318176,
     0.191982312439052, 0.9549),
    ("Expectation", "Satisfaction", 0.0625228695392281, 0.162444724457679, -0.0159250522595675,
     0.153843062156107, -0.0219546409519394, 0.04),
    ("Quality", "Value", 0.558304379470817, 0.552859447230215, 0.568565932246146, 0.548920269916014,
     0.565704195761235, 0.5246),
    ("Quality", "Satisfaction", 0.512023940041865, 0.408738415383744, 0.55961173105661, 0.396943397638307,
     0.534978240934392, 0.826),
    ("Value", "Satisfaction", 0.194765104190194, 0.225370759150384, 0.194097457767651, 0.225136784570126,
     0.22022852929358, 0.4832),
    ("Satisfaction", "Complaints", 0.528066246257102, 0.321474135586498, 0.679450624771657, 0.339654533096314,
     0.674932971655536, 0.9997),
    ("Satisfaction", "Loyalty", 0.485477623599998, 0.570002240162511, 0.359095439286586, 0.55758855839082,
     0.366864258633064, 0.1165),
    ("Complaints", "Loyalty", 0.066926069028872, 0.0100180720789947, 0.187726869924971, 0.0226985360893437,
     0.187683973136796, 0.9218),
]


class RRandom:
    """R's default generator (R >= 3.6: Mersenne-Twister, sample.kind "Rejection") after ``set.seed(seed)``.

    RNG.c: 50 rounds of ``seed = 69069 seed + 1`` scramble the seed, 625 more fill ``i_seed``
    (``i_seed[0]`` is mti, reset to 624); ``unif_rand() = MT_genrand() = y 2^-32``.
    ``R_unif_index(n)``: ``bits = ceil(log2 n)``, 16-bit chunks ``floor(unif_rand() 65536)``,
    low ``bits`` bits kept, ``v >= n`` rejected.
    """

    def __init__(self, seed: int):
        s = seed & 0xFFFFFFFF
        words = []
        for k in range(50 + 625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            if k >= 50:
                words.append(s)
        self.bits = np.random.MT19937()
        self.bits.state = {"bit_generator": "MT19937",
                           "state": {"key": np.array(words[1:], dtype=np.uint32), "pos": 624}}

    def sample_int(self, n: int, size: int) -> np.ndarray:
        """``sample.int(n, size, replace = TRUE)``, 1-based."""
        bits = math.ceil(math.log2(n))
        out = []
        while len(out) < size:
            v = 0
            for _ in range(bits // 16 + 1):
                v = 65536 * v + math.floor(float(self.bits.random_raw()) * 2.3283064365386963e-10 * 65536)
            v &= (1 << bits) - 1
            if v < n:
                out.append(v + 1)
        return np.array(out)


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return sr.datasets.mobi()


def test_r_random_replica_reproduces_rs_bootstrap_resamples():
    """The replica gives R's own resamples (exported by tests/reference/seminr_export.R with R 4.2)."""
    case = next(c for c in json.loads((REF / "boot_indices_check.json").read_text())["cases"]
                if c["data"] == "mobi")
    for i in ("1", "500"):
        drawn = RRandom(case["seed"] + int(i)).sample_int(case["n"], case["n"])
        assert drawn.tolist() == case["full"][i]


@pytest.fixture(scope="module")
def seminr_mga(mobi):
    """seminr's test-pls-mga.R replayed: set.seed(798234); rand_cond <- sample(c(TRUE, FALSE), 250, TRUE);
    then each bootstrap_model(seed = NULL) draws seed <- sample.int(100000, 1) and resample i uses
    set.seed(seed + i); sample.int(n_group, TRUE)."""
    r = RRandom(798234)
    condition = r.sample_int(2, len(mobi)) == 1  # c(TRUE, FALSE)[index]
    seeds = [int(r.sample_int(100000, 1)[0]) for _ in range(2)]
    sizes = (int(condition.sum()), int((~condition).sum()))
    indices = tuple(np.stack([RRandom(seed + i).sample_int(n, n) - 1 for i in range(1, 101)])
                    for seed, n in zip(seeds, sizes, strict=True))
    return condition, seeds, pls_mga(MOBI_MODEL, mobi, condition, indices=indices)


def test_mga_replays_seminrs_draws(seminr_mga):
    condition, seeds, mga = seminr_mga
    assert seeds == [55790, 34075]  # what R prints for the two sample.int(100000, 1) calls
    assert mga.n_obs == (115, 135) and mga.groups == (True, False)
    assert mga.n_boot == 100 and mga.n_used == 100


@pytest.mark.parametrize("row", SEMINR_MGA, ids=[f"{s}->{t}" for s, t, *_ in SEMINR_MGA])
def test_mga_agrees_with_seminr_fixture(seminr_mga, row):
    source, target, est, g1, g2, m1, m2, p = row
    table = seminr_mga[2].table.set_index(["rhs", "lhs"])
    got = table.loc[(source, target)]
    assert got["est"] == pytest.approx(est, abs=TOL)
    assert got["est_group1"] == pytest.approx(g1, abs=TOL)
    assert got["est_group2"] == pytest.approx(g2, abs=TOL)
    assert got["diff"] == pytest.approx(g1 - g2, abs=TOL)
    assert got["boot_mean_group1"] == pytest.approx(m1, abs=TOL)
    assert got["boot_mean_group2"] == pytest.approx(m2, abs=TOL)
    assert got["pvalue_group1_greater"] == pytest.approx(p, abs=1e-12)  # a count / 100^2: exact
    assert got["pvalue"] == pytest.approx(min(1.0, 2 * min(got["pvalue_group1_greater"],
                                                            got["pvalue_group2_greater"])), abs=1e-15)


def test_henseler_p_counts_seminrs_comparisons_exactly():
    """seminr's expand.grid formula written out, on integer draws (J = 32: every step exact, ties included)."""
    rng = np.random.default_rng(7)
    for _ in range(5):
        half1, half2 = rng.integers(-3, 4, 16), rng.integers(-3, 4, 16)
        b1, b2 = np.r_[half1, -half1].astype(float), np.r_[half2, -half2].astype(float)  # means 0: ties
        m1, m2 = b1.mean(), b2.mean()
        v = 2 * m1 - b1[None, :] - 2 * m2 + b2[:, None]  # every (j, i) pair
        p1, p2 = _henseler_p(b1, b2)
        assert p1 == 1 - (v > 0).sum() / 32**2
        assert p2 == 1 - (v < 0).sum() / 32**2
        assert (v == 0).any()  # the case where p1 + p2 != 1


def test_mga_swapping_groups_swaps_the_one_sided_pvalues(mobi):
    g = mobi["PERQ1"] > mobi["PERQ1"].median()
    rng = np.random.default_rng(3)
    high, low = rng.integers(0, 81, (300, 81)), rng.integers(0, 169, (300, 169))
    a = pls_mga(SMALL_MODEL, mobi, g, indices=(high, low))
    b = pls_mga(SMALL_MODEL, mobi, g.map({True: "high", False: "low"}), levels=("low", "high"), indices=(low, high))
    assert a.groups == (True, False) and b.groups == ("low", "high") and b.n_obs == (169, 81)
    np.testing.assert_allclose(b.table["diff"], -a.table["diff"], atol=1e-14)
    np.testing.assert_array_equal(b.table["pvalue_group1_greater"], a.table["pvalue_group2_greater"])
    np.testing.assert_array_equal(b.table["pvalue_group2_greater"], a.table["pvalue_group1_greater"])
    np.testing.assert_array_equal(b.table["pvalue"], a.table["pvalue"])


def test_mga_finds_a_path_that_exists_in_one_group_only(mobi):
    """Group 2's image answers shuffled across its rows: Image -> Satisfaction vanishes there only."""
    rng = np.random.default_rng(11)
    g = rng.permutation(np.arange(len(mobi)) < 125)
    broken = mobi.copy()
    rows = np.flatnonzero(~g)
    image = [f"IMAG{i}" for i in range(1, 6)]
    broken.loc[broken.index[rows], image] = broken[image].to_numpy()[rng.permutation(rows)]
    mga = pls_mga(SMALL_MODEL, broken, g, n_boot=500, seed=1).table.set_index("rhs")
    row = mga.loc["Image"]
    assert abs(row["est_group2"]) < 0.15 and row["est_group1"] > 0.4
    assert row["pvalue_group1_greater"] < 0.01 and row["pvalue_group2_greater"] > 0.99 and row["significant"]
    assert not mga.loc["Expectation", "significant"]


def test_mga_identical_groups(mobi):
    """The same data twice, the same resamples: no difference, p1 = p2 = 1/2 + 1/(2J), two-sided p = 1."""
    twice = pd.concat([mobi, mobi], ignore_index=True)
    idx = np.random.default_rng(5).integers(0, 250, (200, 250))
    mga = pls_mga(SMALL_MODEL, twice, np.arange(500) < 250, indices=(idx, idx))
    t = mga.table
    assert (t["est_group1"] == t["est_group2"]).all() and (t["diff"] == 0).all()
    np.testing.assert_allclose(t["est"], t["est_group1"], atol=1e-12)
    assert np.allclose(t["pvalue_group1_greater"], 0.5 + 1 / 400) and np.allclose(t["pvalue_group2_greater"],
                                                                                 0.5 + 1 / 400)
    assert (t["pvalue"] == 1).all() and not t["significant"].any()


def test_mga_reuses_a_fitted_results_settings(mobi):
    g = mobi["PERQ1"] > mobi["PERQ1"].median()
    res = sr.fit_pls(SMALL_MODEL, mobi, scheme="factorial", consistent=True)
    from_result = pls_mga(res, mobi, g, n_boot=200, seed=2)
    from_syntax = pls_mga(SMALL_MODEL, mobi, g, n_boot=200, seed=2, scheme="factorial", consistent=True)
    default = pls_mga(SMALL_MODEL, mobi, g, n_boot=200, seed=2)
    pd.testing.assert_frame_equal(from_result.table, from_syntax.table)
    assert not np.allclose(from_result.table["est_group1"], default.table["est_group1"])
    with pytest.raises(ParameterError, match="'scheme' parameter of pls_mga must be left out when a PLSResult"):
        pls_mga(res, mobi, g, scheme="centroid")
    np.testing.assert_allclose(from_result.table["est"], res.estimates.query("op == '~'")["est"], atol=1e-12)


def test_mga_same_seed_same_numbers_for_any_n_jobs(mobi):
    g = mobi["PERQ1"] > mobi["PERQ1"].median()
    one = pls_mga(SMALL_MODEL, mobi, g, n_boot=600, seed=9)
    two = pls_mga(SMALL_MODEL, mobi, g, n_boot=600, seed=9, n_jobs=2)
    other = pls_mga(SMALL_MODEL, mobi, g, n_boot=600, seed=10)
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    assert not np.allclose(one.table["boot_mean_group1"], other.table["boot_mean_group1"])


def test_mga_groups_from_a_column_with_missing_and_other_values(mobi):
    data = mobi.assign(region=np.where(mobi["CUSCO"] > 7, "north", np.where(mobi["CUSCO"] > 4, "south", "west")))
    data.loc[data.index[:10], "region"] = None
    with pytest.raises(ResponseDataError, match="3 distinct value.*levels="):
        pls_mga(SMALL_MODEL, data, "region", n_boot=50)
    mga = pls_mga(SMALL_MODEL, data, "region", levels=("south", "north"), n_boot=50)
    sizes = data["region"].value_counts()
    assert mga.groups == ("south", "north") and mga.n_obs == (sizes["south"], sizes["north"])
    assert any("neither group" in n for n in mga.notes)
    two = data[data["region"].isin(["north", "south"])]
    assert pls_mga(SMALL_MODEL, two, two["region"], n_boot=50).groups == ("north", "south")  # sorted


@pytest.mark.parametrize(("kwargs", "error", "fragment"), [
    ({"n_boot": 0}, ParameterError, "'n_boot' parameter of pls_mga"),
    ({"alpha": 1.5}, ParameterError, "'alpha' parameter of pls_mga"),
    ({"n_jobs": 0}, ParameterError, "'n_jobs'"),
    ({"seed": -1}, ParameterError, "'seed'"),
    ({"levels": ("a", "b")}, ParameterError, "'levels' parameter"),
    ({"indices": (np.zeros((5, 3), dtype=int), np.zeros((5, 3), dtype=int))}, ParameterError, "'indices'"),
    ({"scheme": "nope"}, ParameterError, "'scheme' parameter of fit_pls"),
])
def test_mga_bad_arguments(mobi, kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        pls_mga(SMALL_MODEL, mobi, mobi["PERQ1"] > 6, **kwargs)


def test_mga_bad_groups(mobi):
    with pytest.raises(ModelSpecError, match="'segment' is not a column"):
        pls_mga(SMALL_MODEL, mobi, "segment")
    with pytest.raises(ParameterError, match="one value per row of data"):
        pls_mga(SMALL_MODEL, mobi, [True, False])
    with pytest.raises(ResponseDataError, match="group True .*8 rows"):
        pls_mga(SMALL_MODEL, mobi, np.arange(250) < 8)
    with pytest.raises(ResponseDataError, match="1 distinct"):
        pls_mga(SMALL_MODEL, mobi, np.ones(250, dtype=bool))


def test_mga_reports(mobi):
    mga = pls_mga(SMALL_MODEL, mobi, mobi["PERQ1"] > mobi["PERQ1"].median(), n_boot=100)
    assert list(mga.table.columns) == MGA_COLUMNS
    text = str(mga)
    assert "PLS-MGA" in text and "group 1 = True (N = 81)" in text and "Expectation" in text
    assert "<table" in mga._repr_html_() and "| Satisfaction" in mga.to_markdown()
    assert "\\begin{tabular}" in mga.to_latex()
    back = json.loads(mga.to_json())
    assert back["n_obs"] == [81, 169] and len(back["paths"]) == 3 and back["paths"][0]["lhs"] == "Satisfaction"


# ----- MICOM --------------------------------------------------------------------------------------

def independent_micom(data: pd.DataFrame, g1: np.ndarray, perms: np.ndarray) -> dict[str, np.ndarray]:
    """c, mean difference and log variance ratio of the observed groups (row 0) and each permutation, with
    fit_pls in every group and pandas on the pooled standardized data."""
    items = sr.fit_pls(SMALL_MODEL, data).model.items
    pooled = (data[items] - data[items].mean()) / data[items].std(ddof=1)
    scores = sr.fit_pls(SMALL_MODEL, data).construct_scores
    out = {"c": [], "mean_diff": [], "log_var_ratio": []}
    for member in [g1, *perms]:
        w1 = sr.fit_pls(SMALL_MODEL, data[member]).weights()
        w2 = sr.fit_pls(SMALL_MODEL, data[~member]).weights()
        y1, y2 = pooled @ w1.loc[items], pooled @ w2.loc[items]
        out["c"].append([np.corrcoef(y1[c], y2[c])[0, 1] for c in w1.columns])
        a, b = scores[member], scores[~member]
        out["mean_diff"].append((a.mean() - b.mean()).to_numpy())
        out["log_var_ratio"].append(np.log(a.var(ddof=1).to_numpy()) - np.log(b.var(ddof=1).to_numpy()))
    return {k: np.array(v) for k, v in out.items()}


def test_micom_agrees_with_an_independent_computation(mobi):
    g1 = (mobi["PERQ1"] > mobi["PERQ1"].median()).to_numpy()
    perms = np.random.default_rng(4).permuted(np.tile(g1, (4, 1)), axis=1)
    m = micom(SMALL_MODEL, mobi, g1, permutations=perms)
    ref = independent_micom(mobi, g1, perms)
    np.testing.assert_allclose(m.compositional["c"], ref["c"][0], atol=TOL)
    np.testing.assert_allclose(m.permutations["c"], ref["c"][1:], atol=TOL)
    for key, table in (("mean_diff", m.means), ("log_var_ratio", m.variances)):
        np.testing.assert_allclose(table["diff"], ref[key][0], atol=TOL)
        np.testing.assert_allclose(m.permutations[key], ref[key][1:], atol=TOL)
        np.testing.assert_allclose(table["pvalue"], (np.abs(ref[key][1:]) > np.abs(ref[key][0])).mean(axis=0))
    np.testing.assert_allclose(m.compositional["pvalue"], (ref["c"][1:] <= ref["c"][0]).mean(axis=0))
    assert m.n_permutations == 4 and m.n_obs == (81, 169)


def test_micom_identical_groups_are_fully_invariant(mobi):
    twice = pd.concat([mobi, mobi], ignore_index=True)
    m = micom(SMALL_MODEL, twice, np.arange(500) < 250, n_permutations=200, seed=3)
    np.testing.assert_allclose(m.compositional["c"], 1, atol=1e-12)
    assert (m.compositional["pvalue"] == 1).all()
    np.testing.assert_allclose(m.means["diff"], 0, atol=1e-12)
    np.testing.assert_allclose(m.variances["diff"], 0, atol=1e-12)
    assert (m.means["pvalue"] > 0.95).all() and (m.variances["pvalue"] > 0.95).all()
    assert (m.invariance["invariance"] == "full").all()


def test_micom_shifted_mean_of_one_construct(mobi):
    """Group 2 answers the expectation items two points higher: step 3a rejects for Expectation only."""
    g1 = np.random.default_rng(21).permutation(np.arange(250) < 125)
    plain = micom(SMALL_MODEL, mobi, g1, seed=1)
    assert plain.invariance["invariance"].eq("full").all()  # a random split: no difference
    shifted = mobi.copy()
    cuex = ["CUEX1", "CUEX2", "CUEX3"]
    shifted.loc[~g1, cuex] += 2
    m = micom(SMALL_MODEL, shifted, g1, seed=1).means.set_index("construct")
    assert m.loc["Expectation", "diff"] < -0.5 and m.loc["Expectation", "pvalue"] == 0
    assert not m.loc["Expectation", "equal"] and m.drop("Expectation")["equal"].all()
    v = micom(SMALL_MODEL, shifted, g1, seed=1)
    assert v.variances["equal"].all() and v.compositional["invariant"].all()
    verdict = v.invariance.set_index("construct")["invariance"]
    assert verdict["Expectation"] == "partial" and verdict.drop("Expectation").eq("full").all()


def test_micom_single_indicator_composite_is_compositionally_invariant(mobi):
    model = SMALL_MODEL.replace("Value =~ PERV1 + PERV2", "Value =~ PERV1")
    m = micom(model, mobi, mobi["PERQ1"] > mobi["PERQ1"].median(), n_permutations=100)
    row = m.compositional.set_index("construct").loc["Value"]
    assert row["c"] == pytest.approx(1, abs=1e-12) and row["pvalue"] == 1 and row["invariant"]


def test_micom_same_seed_same_numbers_for_any_n_jobs(mobi):
    g = mobi["PERQ1"] > mobi["PERQ1"].median()
    one = micom(SMALL_MODEL, mobi, g, n_permutations=600, seed=8)  # three chunks of permutations
    two = micom(SMALL_MODEL, mobi, g, n_permutations=600, seed=8, n_jobs=2)
    other = micom(SMALL_MODEL, mobi, g, n_permutations=600, seed=9)
    for name in ("compositional", "means", "variances", "invariance"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)
    assert not np.allclose(one.compositional["perm_mean"], other.compositional["perm_mean"])


def test_micom_reuses_a_fitted_results_settings(mobi):
    g = mobi["PERQ1"] > mobi["PERQ1"].median()
    res = sr.fit_pls(SMALL_MODEL, mobi, scheme="centroid")
    a = micom(res, mobi, g, n_permutations=100)
    b = micom(SMALL_MODEL, mobi, g, n_permutations=100, scheme="centroid")
    c = micom(SMALL_MODEL, mobi, g, n_permutations=100)
    pd.testing.assert_frame_equal(a.compositional, b.compositional)
    assert not np.allclose(a.compositional["c"], c.compositional["c"], rtol=0, atol=1e-9)


def test_micom_errors(mobi):
    g = mobi["PERQ1"] > mobi["PERQ1"].median()
    with pytest.raises(ParameterError, match="'n_permutations' parameter of micom"):
        micom(SMALL_MODEL, mobi, g, n_permutations=0)
    with pytest.raises(ParameterError, match="'permutations' parameter of micom"):
        micom(SMALL_MODEL, mobi, g, permutations=np.ones((3, 250), dtype=bool))
    with pytest.raises(ResponseDataError, match="group True has 9 usable rows for 13 indicators"):
        micom(SMALL_MODEL, mobi, np.arange(250) < 9)
    constant = mobi.copy()
    constant.loc[g, "PERV1"] = 5
    with pytest.raises(ResponseDataError, match="'PERV1' has no variance in group True"):
        micom(SMALL_MODEL, constant, g)
    with pytest.raises(ModelSpecError, match="interaction"):
        micom(SMALL_MODEL.replace("+ Value", "+ Value + Image:Expectation"), mobi, g)


def test_micom_reports(mobi):
    m = micom(SMALL_MODEL, mobi, mobi["PERQ1"] > mobi["PERQ1"].median(), n_permutations=100)
    assert list(m.compositional.columns) == COMPOSITIONAL_COLUMNS
    assert list(m.means.columns) == EQUALITY_COLUMNS == list(m.variances.columns)
    assert list(m.invariance.columns) == INVARIANCE_COLUMNS
    text = str(m)
    for fragment in ("MICOM", "Step 2: compositional invariance", "Step 3a", "Step 3b", "partial"):
        assert fragment in text
    assert m._repr_html_().count("<table") == 4 and m.to_markdown().count("| Satisfaction") == 4
    back = json.loads(m.to_json())
    assert back["n_obs"] == [81, 169] and back["invariance"][3]["invariance"] == "partial"
