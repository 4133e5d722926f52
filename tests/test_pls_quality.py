"""Model fit (SRMR, d_ULS, d_G) and blindfolding Q^2 of PLS path models (stickiness_research.pls.quality).

References, frozen below by name:

- ``CSEM_FIT``: R cSEM's own ``fit()`` (R/csem_fit.R) and ``calculateSRMR`` / ``calculateDL`` /
  ``calculateDG`` (R/helper_assess.R), cSEM commit 1aa2be5 (2026-04-23), sourced into R 4 and run on
  the estimates of ``sr.fit_pls`` (indicator correlations, loadings, paths, construct correlations),
  with ``construct_type`` "Composite" for every construct under PLS and "Common factor" for the
  mode-A ones under PLSc. cSEM's d_G uses log10; the values are multiplied by (ln 10)^2.
- ``SEMPLS_Q2``: semPLS 1.0-10 (CRAN, Monecke & Leisch 2012) ``qSquared(fit, d = 7, impfun = meanrep,
  dlines = FALSE)`` after ``sempls(wscheme = "pathWeighting", maxit = 300, tol = 1e-10)``, on the same
  data (corp_rep: -99 replaced by the indicator mean first): a separate implementation of blindfolding
  with the column-by-column omission pattern and SSO around the kept cells' mean.

Everything else is recomputed here with numpy/pandas or from populations whose implied matrix is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.errors import ModelSpecError, ParameterError
from stickiness_research.pls.quality import (
    Q2_COLUMNS,
    blindfolding_pattern,
    implied_correlation,
    model_fit,
    q2_blindfolding,
)

MOBI_MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Value ~ Expectation
Satisfaction ~ Image + Expectation + Value
Loyalty ~ Satisfaction + Image"""
# Hair et al.'s (2017) extended corporate reputation model, seminr's corp_rep_data (-99 = missing)
CORP_MODEL = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP + LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA"""
CORP_DATA = "tests/reference/seminr/data/corp_rep_data.csv"

# rows srmr, d_uls, d_g; (saturated, estimated)
CSEM_FIT = {
    ("mobi", False): [(0.0495237089910631, 0.0881063120938964), (0.3335532943034856, 1.0557302233870423),
                      (0.6878068343983516, 0.9970757870844047)],
    ("mobi", True): [(0.0493905373270664, 0.0558328693695181), (0.3317618241340622, 0.4239540650765794),
                     (0.7172920650456003, 0.7843971652626042)],
    ("corp", False): [(0.0492968434498958, 0.0532167253168077), (1.2053686719652759, 1.4046818473085052),
                      (1.9607470772457234, 2.0362311511367608)],
    ("corp", True): [(0.0466521739345853, 0.0483903634454112), (1.0795069650801106, 1.1614471280919785),
                     (2.1421420757466194, 2.1955608003449423)],
}
SEMPLS_Q2 = {
    "mobi": {"Expectation": 0.115765177504078, "Value": 0.104030545759213, "Satisfaction": 0.383788547563761,
             "Loyalty": 0.214197942239594},
    "corp": {"COMP": 0.407653263264973, "LIKE": 0.398106283836122, "CUSA": 0.274146291943643,
             "CUSL": 0.404181078729669},
}


@pytest.fixture(scope="module")
def mobi():
    return sr.datasets.mobi()


@pytest.fixture(scope="module")
def corp():
    return pd.read_csv(CORP_DATA)


def fitted(name, consistent, mobi, corp):
    if name == "mobi":
        return sr.fit_pls(MOBI_MODEL, mobi, consistent=consistent)
    return sr.fit_pls(CORP_MODEL, corp, consistent=consistent, missing_value=-99)


@pytest.fixture(scope="module")
def mobi_pls(mobi):
    return sr.fit_pls(MOBI_MODEL, mobi)


# ----- the implied correlation matrix --------------------------------------------------------------


def implied_by_pairs(res, structure_cor: np.ndarray) -> np.ndarray:
    """Sigma element by element: composites' own blocks observed, factors' lambda_i lambda_k, across blocks
    lambda_i phi_ab lambda_k; unit diagonal."""
    model = res.model
    s = res._s()
    items = model.items
    block_of = {v: c for c in model.constructs for v in model.blocks[c]}
    lam = res.loadings()
    at = {c: k for k, c in enumerate(model.constructs)}
    composite = {c: (not res.settings["consistent"]) or model.modes[c] == "B" for c in model.constructs}
    out = np.empty((len(items),) * 2)
    for i, vi in enumerate(items):
        for k, vk in enumerate(items):
            a, b = block_of[vi], block_of[vk]
            if i == k:
                out[i, k] = 1.0
            elif a == b and composite[a]:
                out[i, k] = s[i, k]
            else:
                out[i, k] = lam.loc[vi, a] * structure_cor[at[a], at[b]] * lam.loc[vk, b]
    return out


@pytest.mark.parametrize("consistent", [False, True], ids=["pls", "plsc"])
@pytest.mark.parametrize("name", ["mobi", "corp"])
def test_saturated_implied_matrix_element_by_element(name, consistent, mobi, corp):
    res = fitted(name, consistent, mobi, corp)
    expected = implied_by_pairs(res, res.solution.construct_cor)
    np.testing.assert_allclose(implied_correlation(res, "saturated").to_numpy(), expected, atol=1e-12)


def test_composite_between_blocks_formula(mobi_pls):
    """Composite model: Sigma_ab = S_aa w_a r_ab w_b' S_bb (the composites carry all covariance between
    blocks), for every pair of blocks."""
    res = mobi_pls
    s, w = res._s(), res.solution.weights
    sigma = implied_correlation(res).to_numpy()
    items = res.model.items
    names = list(res.model.constructs)
    for a, ca in enumerate(names):
        ia = [items.index(v) for v in res.model.blocks[ca]]
        for b, cb in enumerate(names):
            if a == b:
                continue
            ib = [items.index(v) for v in res.model.blocks[cb]]
            wa, wb = w[ia, a], w[ib, b]
            r_ab = wa @ s[np.ix_(ia, ib)] @ wb
            expected = np.outer(s[np.ix_(ia, ia)] @ wa, s[np.ix_(ib, ib)] @ wb) * r_ab
            np.testing.assert_allclose(sigma[np.ix_(ia, ib)], expected, atol=1e-12)


def test_estimated_chain_follows_the_tracing_rule(mobi):
    """A -> B -> C: the paths imply r_AC = r_AB r_BC; the other correlations are the observed ones."""
    res = sr.fit_pls("""Image =~ IMAG1 + IMAG2 + IMAG3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Image
Loyalty ~ Satisfaction""", mobi)
    c = res.solution.construct_cor.copy()
    names = list(res.model.constructs)
    i, s, lo = names.index("Image"), names.index("Satisfaction"), names.index("Loyalty")
    c[i, lo] = c[lo, i] = c[i, s] * c[s, lo]
    expected = implied_by_pairs(res, c)
    np.testing.assert_allclose(implied_correlation(res, "estimated").to_numpy(), expected, atol=1e-12)
    assert abs(res.solution.construct_cor[i, lo] - c[i, lo]) > 0.01  # the restriction does something here


@pytest.mark.parametrize("consistent", [False, True], ids=["pls", "plsc"])
def test_saturated_structural_model_fits_as_saturated(consistent, mobi):
    """Every pair of constructs joined by a path: the estimated model is the saturated one."""
    res = sr.fit_pls("""Image =~ IMAG1 + IMAG2 + IMAG3
Expectation =~ CUEX1 + CUEX2 + CUEX3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Loyalty ~ Image + Expectation""", mobi, consistent=consistent)
    fit = model_fit(res)
    np.testing.assert_allclose(fit["estimated"], fit["saturated"], rtol=1e-12)
    np.testing.assert_allclose(implied_correlation(res, "estimated"), implied_correlation(res), atol=1e-12)


# ----- SRMR, d_ULS, d_G -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "consistent"), list(CSEM_FIT), ids=[f"{n}-{'plsc' if c else 'pls'}"
                                                                      for n, c in CSEM_FIT])
def test_fit_matches_csem_code(name, consistent, mobi, corp):
    fit = model_fit(fitted(name, consistent, mobi, corp))
    expected = pd.DataFrame(CSEM_FIT[(name, consistent)], index=["srmr", "d_uls", "d_g"],
                            columns=["saturated", "estimated"])
    pd.testing.assert_frame_equal(fit, expected, rtol=1e-9, atol=0)


@pytest.mark.parametrize("consistent", [False, True], ids=["pls", "plsc"])
@pytest.mark.parametrize("name", ["mobi", "corp"])
def test_fit_measures_recomputed(name, consistent, mobi, corp):
    """SRMR over the p(p+1)/2 lower-triangle elements with the diagonal; d_ULS the sum of squared residuals
    below the diagonal; d_G with natural logarithms of the eigenvalues of S^-1 Sigma."""
    res = fitted(name, consistent, mobi, corp)
    s = res._s()
    p = len(s)
    fit = model_fit(res)
    for structure in ("saturated", "estimated"):
        sigma = implied_correlation(res, structure).to_numpy()
        resid = s - sigma
        below = resid[np.tril_indices(p, -1)]
        assert np.allclose(np.diag(resid), 0, atol=1e-12)
        srmr = np.sqrt(np.sum(below**2) / (p * (p + 1) / 2))
        assert fit.loc["srmr", structure] == pytest.approx(srmr, rel=1e-12)
        assert fit.loc["d_uls", structure] == pytest.approx(np.sum(below**2), rel=1e-12)
        eig = np.linalg.eigvals(np.linalg.solve(s, sigma)).real
        assert fit.loc["d_g", structure] == pytest.approx(0.5 * np.sum(np.log(eig) ** 2), rel=1e-9)


@pytest.mark.parametrize("consistent", [False, True], ids=["pls", "plsc"])
@pytest.mark.parametrize("name", ["mobi", "corp"])
def test_saturated_fits_no_worse_than_estimated(name, consistent, mobi, corp):
    fit = model_fit(fitted(name, consistent, mobi, corp))
    assert (fit["saturated"] < fit["estimated"]).all()
    assert (fit > 0).all().all()


def exact_data(s: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n rows whose sample correlation matrix is exactly s."""
    z = np.random.default_rng(seed).standard_normal((n, len(s)))
    z -= z.mean(axis=0)
    vals, vecs = np.linalg.eigh(z.T @ z / (n - 1))
    white = z @ vecs @ np.diag(vals**-0.5) @ vecs.T
    vals, vecs = np.linalg.eigh(s)
    return white @ vecs @ np.diag(vals**0.5) @ vecs.T


CHAIN = """A {op} a1 + a2 + a3
B {op} b1 + b2 + b3 + b4
C {op} c1 + c2 + c3
B ~ A
C ~ B"""
CHAIN_ITEMS = ["a1", "a2", "a3", "b1", "b2", "b3", "b4", "c1", "c2", "c3"]
CHAIN_BLOCKS = [slice(0, 3), slice(3, 7), slice(7, 10)]
CHAIN_R = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.6], [0.3, 0.6, 1.0]])  # r_AC = r_AB r_BC: the chain fits


def test_composite_population_fits_exactly():
    """Data whose correlations are a composite model with mode-B weights: PLS recovers the weights, and both
    structures reproduce S (SRMR, d_ULS, d_G all 0)."""
    rng = np.random.default_rng(5)
    s = np.zeros((10, 10))
    weights = []
    for blk in CHAIN_BLOCKS:
        k = blk.stop - blk.start
        a = rng.uniform(0.3, 0.6, (k, k))
        cov = a @ a.T + np.eye(k)  # some positive definite block correlation
        block = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
        w = rng.uniform(0.2, 1.0, k)
        w /= np.sqrt(w @ block @ w)
        s[blk, blk] = block
        weights.append(w)
    for i, bi in enumerate(CHAIN_BLOCKS):
        for j, bj in enumerate(CHAIN_BLOCKS):
            if i != j:
                s[bi, bj] = np.outer(s[bi, bi] @ weights[i], s[bj, bj] @ weights[j]) * CHAIN_R[i, j]
    data = pd.DataFrame(exact_data(s, 300, 1), columns=CHAIN_ITEMS)
    res = sr.fit_pls(CHAIN.format(op="<~"), data)
    np.testing.assert_allclose(res.solution.weights[:3, 0], weights[0], atol=1e-6)
    np.testing.assert_allclose(model_fit(res).to_numpy(), 0, atol=1e-10)


def factor_population() -> np.ndarray:
    lam = [np.array([0.8, 0.7, 0.6]), np.array([0.9, 0.75, 0.6, 0.5]), np.array([0.85, 0.7, 0.65])]
    big = np.zeros((10, 3))
    for j, (blk, lj) in enumerate(zip(CHAIN_BLOCKS, lam, strict=True)):
        big[blk, j] = lj
    s = big @ CHAIN_R @ big.T
    np.fill_diagonal(s, 1.0)
    return s


def test_factor_population_fits_exactly_under_plsc():
    """Data whose correlations are a common-factor model: PLSc is consistent, so its implied matrix
    Lambda Phi Lambda' + Theta is S (all measures 0), while the composite reading of plain PLS is not."""
    data = pd.DataFrame(exact_data(factor_population(), 300, 2), columns=CHAIN_ITEMS)
    plsc = model_fit(sr.fit_pls(CHAIN.format(op="=~"), data, consistent=True))
    np.testing.assert_allclose(plsc.to_numpy(), 0, atol=1e-7)
    pls = model_fit(sr.fit_pls(CHAIN.format(op="=~"), data))
    assert (pls.loc["srmr"] > 1e-3).all()


def test_d_g_is_nan_without_a_positive_definite_sigma():
    """An implied matrix with a negative eigenvalue (e.g. a PLSc Heywood case) has no geodesic distance."""
    from stickiness_research.pls.quality import _d_g

    s = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert np.isnan(_d_g(s, np.array([[1.0, 1.2], [1.2, 1.0]])))
    assert _d_g(s, s) == pytest.approx(0.0, abs=1e-15)


def test_fit_table_shape(mobi_pls):
    fit = model_fit(mobi_pls)
    assert list(fit.index) == ["srmr", "d_uls", "d_g"]
    assert list(fit.columns) == ["saturated", "estimated"]


# ----- blindfolding --------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "k", "d"), [(250, 3, 7), (344, 1, 7), (13, 4, 5), (10, 2, 3)])
def test_blindfolding_pattern(n, k, d):
    pattern = blindfolding_pattern(n, k, d)
    assert pattern.shape == (n, k)
    expected = np.empty((n, k), dtype=int)
    t = 0
    for col in range(k):  # down each indicator's column, then the next
        for row in range(n):
            expected[row, col] = t % d
            t += 1
    np.testing.assert_array_equal(pattern, expected)
    counts = np.bincount(pattern.ravel(), minlength=d)
    assert counts.max() - counts.min() <= 1  # every cell once, rounds of equal size
    if k > 1:  # n not a multiple of d: no round omits a case's whole block
        assert not any((pattern[row] == pattern[row, 0]).all() for row in range(n))


def independent_q2(syntax: str, raw: pd.DataFrame, omission_distance: int, **fit_args) -> pd.Series:
    """Blindfolding through the public API: blank the cells in the raw data, refit sr.fit_pls with mean
    replacement, predict from its construct scores, paths and loadings, undo its standardization."""
    res = sr.fit_pls(syntax, raw, **fit_args)
    raw = raw[res.model.items].astype(float)
    n = len(raw)
    out = {}
    for target in res.model.endogenous:
        block = list(res.model.blocks[target])
        preds = res.model.predecessors(target)
        counter = np.arange(n * len(block)).reshape(len(block), n).T % omission_distance
        sd_pop = raw[block].std(ddof=0)
        sse = sso = 0.0
        for d in range(omission_distance):
            omitted = counter == d
            blinded = raw.copy()
            blinded[block] = blinded[block].mask(omitted)
            refit = sr.fit_pls(syntax, blinded, missing="mean", **fit_args)
            eta = refit.construct_scores[preds] @ refit.paths().loc[preds, target]
            filled = blinded.fillna(blinded.mean())
            for c, v in enumerate(block):
                pred = eta * refit.loadings().loc[v, target] * filled[v].std() + filled[v].mean()
                keep = omitted[:, c]
                sse += float((((raw[v] - pred) / sd_pop[v])[keep] ** 2).sum())
                sso += float((((raw[v] - raw[v].mean()) / sd_pop[v])[keep] ** 2).sum())
        out[target] = 1 - sse / sso
    return pd.Series(out)


@pytest.mark.parametrize("consistent", [False, True], ids=["pls", "plsc"])
def test_q2_matches_refitting_the_blinded_data(consistent, mobi):
    res = sr.fit_pls(MOBI_MODEL, mobi, consistent=consistent)
    q2 = q2_blindfolding(res).set_index("construct").q2
    expected = independent_q2(MOBI_MODEL, mobi, 7, consistent=consistent)
    pd.testing.assert_series_equal(q2, expected, check_names=False, rtol=1e-8)


@pytest.mark.parametrize("name", ["mobi", "corp"])
def test_q2_kept_mean_matches_sempls(name, mobi, corp):
    q2 = q2_blindfolding(fitted(name, False, mobi, corp), baseline="kept_mean").set_index("construct").q2
    pd.testing.assert_series_equal(q2, pd.Series(SEMPLS_Q2[name]), check_names=False, rtol=1e-7)


def test_q2_table(corp):
    res = sr.fit_pls(CORP_MODEL, corp, missing_value=-99)
    q2 = q2_blindfolding(res)
    assert list(q2.columns) == Q2_COLUMNS
    assert list(q2.construct) == ["COMP", "LIKE", "CUSA", "CUSL"]  # endogenous; CUSA a single item
    np.testing.assert_allclose(q2.sso, 344 * q2.indicators)  # SmartPLS: SSO = n k
    np.testing.assert_allclose(q2.q2, 1 - q2.sse / q2.sso)
    assert ((q2.q2 > 0) & (q2.q2 < 1)).all()


def test_q2_no_predictive_power_is_near_zero():
    """A target predicted by pure noise has Q^2 about 0 or below; one predicted by a real cause well above."""
    rng = np.random.default_rng(11)
    n = 400
    cause = rng.standard_normal(n)
    noise = rng.standard_normal(n)
    effect = 0.7 * cause + np.sqrt(1 - 0.49) * rng.standard_normal(n)
    unrelated = rng.standard_normal(n)
    cols = {}
    for name, latent in [("x", cause), ("z", noise), ("y", effect), ("u", unrelated)]:
        for i in range(1, 4):
            cols[f"{name}{i}"] = 0.8 * latent + 0.6 * rng.standard_normal(n)
    data = pd.DataFrame(cols)
    res = sr.fit_pls("""X =~ x1 + x2 + x3
Z =~ z1 + z2 + z3
Y =~ y1 + y2 + y3
U =~ u1 + u2 + u3
Y ~ X
U ~ Z""", data)
    q2 = q2_blindfolding(res).set_index("construct").q2
    assert q2["U"] < 0.01
    assert q2["Y"] > 0.2


def test_q2_skips_formative_endogenous(mobi):
    syntax = MOBI_MODEL.replace("Satisfaction =~", "Satisfaction <~")
    q2 = q2_blindfolding(sr.fit_pls(syntax, mobi))
    assert list(q2.construct) == ["Expectation", "Value", "Loyalty"]
    only_formative = """Image =~ IMAG1 + IMAG2 + IMAG3
Satisfaction <~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image"""
    with pytest.raises(ModelSpecError, match="formative"):
        q2_blindfolding(sr.fit_pls(only_formative, mobi))


# ----- bad arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [1, 0, -7, 7.0, True, "7", None, 5, 10, 250, 251])
def test_q2_refuses_bad_omission_distance(bad, mobi_pls):  # n = 250: 5 and 10 divide it
    message = (r"'omission_distance' parameter of q2_blindfolding must be an int in the range \[2, 249\] "
               "that does not divide the 250 cases")
    with pytest.raises(ParameterError, match=message):
        q2_blindfolding(mobi_pls, omission_distance=bad)


def test_bad_arguments_are_named_errors(mobi_pls):
    with pytest.raises(ParameterError, match="'baseline' parameter of q2_blindfolding"):
        q2_blindfolding(mobi_pls, baseline="mean")
    with pytest.raises(ParameterError, match="'structure' parameter of implied_correlation"):
        implied_correlation(mobi_pls, "full")
    for function in (model_fit, q2_blindfolding, implied_correlation):
        with pytest.raises(ParameterError, match="'res' parameter .* must be a PLSResult"):
            function(mobi_pls.estimates)
    with pytest.raises(ParameterError, match="'omission_distance' parameter of blindfolding_pattern"):
        blindfolding_pattern(10, 2, 1)
