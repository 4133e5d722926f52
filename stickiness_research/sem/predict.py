"""Factor scores as lavaan's ``lavPredict()``, by hand: no library computes them from our parameter table.

lavaan's scores depend on its own rules for the means of a model without mean structure and for the
observed variables of the structural part; those rules (lavaan 0.6.14) are followed here.

Per group, with all inner variables eta (latent variables and the observed variables of the structural
part, lavaan's "dummy" latent variables), C = (I - B)^-1, V = C Psi C' and Sigma^+ the pseudo-inverse of
the implied covariance (lavaan 0.6.14, ``lav_predict_eta_normal`` / ``lav_predict_eta_bartlett``):

    regression (Thurstone):  eta_i = E(eta) + V L' Sigma^+ (y_i - E(y))
    Bartlett:                eta_i = E(eta) + (L' Sigma^+ L)^+ L' Sigma^+ (y_i - E(y))

(Bartlett equals (L' Theta^-1 L)^-1 L' Theta^-1 when Theta is invertible; lavaan's Sigma form also
covers observed variables in the structural part, whose Theta is zero.) L is lavaan's ``computeLAMBDA``:
the row of an observed endogenous variable of the structural part is its row of Beta. Without a mean
structure lavaan takes E(y) and E(eta) from the sample means: alpha is zero except for the dummy
variables, whose alpha reproduces their sample means; nu is the sample means, or (with exogenous covariates)
the sample means minus L E(eta), zero on the dummies' rows.

For ordered items (a WLSMV, DWLS or ULSMV fit) there is no closed form: lavaan's ``lavPredict`` takes each
respondent's posterior mode (empirical Bayes modal, "EBM", its default; "ML" the likelihood's mode under a vague
prior), found here by Newton's method on every distinct answer pattern at once (lavaan: one BFGS run per row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelSpecError

METHODS = {"regression": False, "ebm": False, "bartlett": True, "bartlet": True, "ml": True}
GINV_TOL = float(np.sqrt(np.finfo(float).eps))  # MASS::ginv's tolerance, as lavaan uses


def factor_scores(result, data: pd.DataFrame | None = None, method: str = "regression", *,
                  group: str | None = None) -> pd.DataFrame:
    """Factor scores of every respondent, as lavaan's ``lavPredict(fit, method=)``.

    Parameters
    ----------
    result : SEMResult
        A model fitted by :func:`fit_sem`.
    data : DataFrame, optional
        Respondents to score with the fitted parameters (the fitted sample means stand in for the
        means of a model without mean structure, as in lavaan). Default: the data the model was
        fitted on.
    method : {"regression", "Bartlett"}
        ``"regression"`` (Thurstone, lavaan's default; alias ``"EBM"``) or ``"Bartlett"`` (alias
        ``"ML"``); case-insensitive. For a fit of ordered items, as in lavaan, ``"regression"``/``"EBM"`` gives
        the posterior modes and ``"Bartlett"``/``"ML"`` the likelihood's modes (Notes).
    group : str, optional
        For new data and a multi-group result: the column holding the group labels. Default: the one
        column of ``data`` whose values are all fitted group labels. Rows without a label get NaN.

    Returns
    -------
    DataFrame
        One column per latent variable (in the model's order), indexed as the data; for a multi-group
        result a first column ``group`` and the groups' rows in their original order. With
        ``data=None`` the rows used in the fit (incomplete rows dropped listwise are absent, as in
        lavaan). With new data one row per row of ``data``: a row missing a model variable gets NaN
        scores (lavaan drops it), except after ``missing="ml"``, where scores use the observed
        variables of each row, as lavaan does for FIML fits (NaN if none is observed, and Bartlett
        scores of a factor the observed variables do not identify).
        In a higher-order model lavaan 0.6.14's Bartlett scores of a second-order factor (which has no
        indicators of its own) are its mean, 0 without a mean structure; they are reproduced.
        For ordered items a listwise fit scores complete rows (NaN otherwise) and a ``missing="pairwise"`` fit
        every row with an answer, from the items answered (lavaan's ``na.rm``).

    Raises
    ------
    ModelSpecError
        An unknown method, ``data`` without a model variable or the group column, a non-numeric
        model variable, or a group label the model was not fitted on. For ordered items also: an answer
        that is not one of the item's fitted codes (naming item, value and row), a residual variance that
        is not positive (a Heywood case), a latent covariance matrix that is not positive definite
        (``"regression"``/EBM only), or an observed variable in the structural part (not available yet).
    EstimationError
        Ordered items: a posterior mode that does not converge (not seen; the objective is convex).

    Notes
    -----
    Per group, with ``L`` the loadings, ``C = (I - B)^-1``, ``V = C Psi C'`` the latent covariance matrix and
    ``Sigma^+`` the pseudo-inverse of the model-implied covariance matrix:

    - regression (Thurstone): ``eta_i = E(eta) + V L' Sigma^+ (y_i - E(y))``
    - Bartlett: ``eta_i = E(eta) + (L' Sigma^+ L)^+ L' Sigma^+ (y_i - E(y))``, which equals
      ``(L' Theta^-1 L)^-1 L' Theta^-1 (y_i - E(y))`` plus the mean when ``Theta`` is invertible.

    Without a mean structure ``E(y)`` and ``E(eta)`` come from the sample means, as lavaan's
    (the module docstring has lavaan's rules for observed variables of the structural part).

    Ordered items (lavaan's ``lav_predict_eta_ebm_ml``): with the items independent given eta (residual
    covariances unused, as in lavaan), ``P(y_j = k | eta) = Phi((tau_k - nu_j - lambda_j' eta) / s_j) -
    Phi((tau_{k-1} - nu_j - lambda_j' eta) / s_j)`` (``tau`` the raw thresholds, ``s_j`` the residual SD; a normal
    density for a continuous indicator), the EBM score minimises
    ``(eta - E eta)' V^-1 (eta - E eta) / 2 - sum_j log P(y_j | eta)``, the ML score the same with ``V^-1``
    replaced by lavaan's vague prior ``1e-5 I``. Both objectives are strictly convex, so their one minimum is
    found to 1e-10 (lavaan's BFGS with ``reltol = 1e-8`` stops within about 1e-3; for ML, where a factor's
    answers are all in its items' bottom or top category, the objective is so flat that lavaan ends far from the
    optimum, past it as often as short of it: by up to 14 in a reviewer's fits, with a higher objective).
    lavaan 0.6.14 scales the thresholds and the mean by the scale factors but not the SDs, and scores
    every group with the first group's loadings; later lavaan, and this function, use the raw thresholds of each
    group. The two agree where every scale factor is 1, without latent means, in the first group.

    References
    ----------
    Thurstone, L. L. (1935). *The Vectors of Mind*. University of Chicago Press.
    Bartlett, M. S. (1937). The statistical conception of mental factors. *British Journal of Psychology*,
    28(1), 97-104.
    Skrondal, A., & Rabe-Hesketh, S. (2004). *Generalized Latent Variable Modeling*, ch. 7 (empirical Bayes modal
    prediction). Chapman & Hall/CRC.
    R: ``lavaan::lavPredict(fit, method = "regression")`` and ``method = "Bartlett"`` for nine models
    (tests/test_predict.py; tests/reference/lavaan_predict.R); for ordered items ``lavPredict(fit)`` and
    ``method = "ML"`` of nine WLSMV/DWLS fits, with the modes recomputed in R by ``optim()``
    (tests/test_wlsmv.py; tests/reference/lavaan_wlsmv_predict.R).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.sem.predict import factor_scores
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> fs = factor_scores(res)  # In R: lavPredict(cfa(HS.model, HolzingerSwineford1939))
    >>> fs.iloc[0].round(4).tolist()
    [-0.8177, -0.1375, 0.0615]
    >>> factor_scores(res, method="Bartlett").iloc[0].round(4).tolist()  # In R: ... method = "Bartlett"
    [-1.3695, -0.0995, 0.2318]
    """
    key = str(method).lower()
    if key not in METHODS:
        raise ModelSpecError(f"unknown factor score method {method!r}; use 'regression' or 'Bartlett'.")
    state = result._state
    problem, theta = state.problem, state.solution.theta
    fiml = hasattr(problem, "xs")  # FimlProblem: score each row from its observed variables
    multi = len(problem.groups) > 1
    observed = list(problem.groups[0].structure.observed)
    if data is None:
        parts = state.data  # (label, rows used in the fit) per group, indexed as the fitted data
    else:
        labels = [g.label for g in problem.groups] if multi else None
        parts = _split(data.reset_index(drop=True), observed, labels, group)
    ordered = hasattr(problem, "parameterization")  # CategoricalProblem: posterior modes of ordered items
    pairwise = ordered and problem.groups[0].stats.missing == "pairwise"  # one missing= for every group
    blocks = []
    for g, (label, frame) in zip(problem.groups, parts, strict=True):
        if ordered:
            scores = _ordinal_group_scores(problem, g, theta, frame[observed], METHODS[key], pairwise,
                                           data.index if data is not None else None)
        else:
            scores = _group_scores(problem, g, theta, frame[observed].to_numpy(dtype=float), METHODS[key], fiml)
        lv = [v for v in g.structure.inner if v in g.structure.latent]
        block = pd.DataFrame(scores[:, :len(lv)], index=frame.index, columns=lv)
        if multi:
            block.insert(0, "group", label)
        blocks.append(block)
    if not multi:
        out = blocks[0]
    elif data is None and state.order is not None:  # the fitted rows in their data order (not sorted by label)
        out = pd.concat(blocks).iloc[state.order]
    else:  # new data: _split kept positions as the index
        out = pd.concat(blocks).sort_index(kind="stable")
    if data is not None:
        out = out.reindex(range(len(data)))  # rows without a group label: NaN
        out.index = data.index
    return out


def _split(data: pd.DataFrame, observed: list[str], labels: list[str] | None,
           group: str | None) -> list[tuple[str, pd.DataFrame]]:
    """New data as (label, rows) per fitted group, after checking columns and types."""
    missing = [v for v in observed if v not in data.columns]
    if missing:
        raise ModelSpecError(f"model variable {missing[0]!r} is not a column of the data"
                             f"{f' ({len(missing) - 1} more missing)' if len(missing) > 1 else ''}.")
    for col in observed:
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ModelSpecError(f"column {col!r} is not numeric (dtype {data[col].dtype}); code answers as "
                                 "numbers.")
    if labels is None:
        return [("", data)]
    if group is None:
        found = [c for c in data.columns if c not in observed and data[c].notna().any()
                 and set(_label_strings(data[c], labels).dropna()) <= set(labels)]
        if not found:  # one column holding some fitted labels (and some unknown ones, refused below by name)
            found = [c for c in data.columns
                     if c not in observed and set(_label_strings(data[c], labels).dropna()) & set(labels)]
        if len(found) != 1:
            raise ModelSpecError("the model has several groups: pass group='<column with the group labels>'.")
        group = found[0]
    if group not in data.columns:
        raise ModelSpecError(f"group column {group!r} is not in the data.")
    values = _label_strings(data[group], labels)
    unknown = set(values.dropna()) - set(labels)
    if unknown:
        raise ModelSpecError(f"group {sorted(unknown)[0]!r} was not in the fitted data; the model has groups "
                             f"{', '.join(labels)}.")
    return [(label, data[values == label]) for label in labels]


def _label_strings(column: pd.Series, labels: list[str]) -> pd.Series:
    """Group labels as the fit names them (``str`` of the fitted column's values), NaN where missing. A whole
    number may be written 1 in one data set and 1.0 in the other (a missing value turns integers into floats):
    where its own form is not a fitted label, the other form is used."""
    own = column.astype(str)
    other = own
    if pd.api.types.is_float_dtype(column):
        present = column.dropna()
        if len(present) and np.all(np.isfinite(present)) and np.all(present == np.round(present)):
            other = column.astype("Int64").astype(str)
    elif pd.api.types.is_integer_dtype(column):
        other = column.astype(float).astype(str)
    return own.where(own.isin(labels) | ~other.isin(labels), other).where(column.notna())


def _group_scores(problem, g, theta: np.ndarray, y: np.ndarray, bartlett: bool, fiml: bool) -> np.ndarray:
    """Scores (n, m) of all inner variables of one group; rows that cannot be scored are NaN."""
    st = g.structure
    mats = problem.matrices(g, theta)
    lam, beta = mats["lambda"], mats["beta"]
    c = st.inverse_i_minus_b(beta)
    veta = c @ mats["psi"] @ c.T
    sigma = lam @ veta @ lam.T + mats["theta"]
    dummy = [k for k, v in enumerate(st.inner) if v not in st.latent]
    ov = [st.observed.index(st.inner[k]) for k in dummy]
    x_dummy = [st.inner[k] in problem.partable.ov_x for k in dummy]
    eeta, ey = _expectations(problem, g, lam, c, mats, dummy, ov, any(x_dummy))
    # lavaan's computeLAMBDA: the row of an observed endogenous dummy is its Beta row
    lam_fs = lam.copy()
    for k, i, is_x in zip(dummy, ov, x_dummy, strict=True):
        if not is_x:
            lam_fs[i] = beta[k]
    out = np.full((len(y), st.m), np.nan)
    present = ~np.isnan(y)
    patterns, inverse = np.unique(present, axis=0, return_inverse=True)
    for n, obs in enumerate(patterns):
        if not obs.any() or not (obs.all() or fiml):
            continue
        sinv = np.linalg.pinv(sigma[np.ix_(obs, obs)], rcond=GINV_TOL, hermitian=True)
        lt_sinv = lam_fs[obs].T @ sinv
        left = np.linalg.pinv(lt_sinv @ lam_fs[obs], rcond=GINV_TOL, hermitian=True) if bartlett else veta
        fsc = left @ lt_sinv
        rows = inverse.ravel() == n
        out[rows] = (y[rows][:, obs] - ey[obs]) @ fsc.T + eeta
        if fiml and bartlett:  # lavaan: a factor these variables do not identify has no score
            out[np.ix_(rows, ~fsc.any(axis=1))] = np.nan
    return out


def _expectations(problem, g, lam: np.ndarray, c: np.ndarray, mats: dict, dummy: list[int], ov: list[int],
                  x_dummy: bool) -> tuple[np.ndarray, np.ndarray]:
    """E(eta) and E(y) as lavaan's computeEETA/computeEY (sample means without a mean structure)."""
    if problem.meanstructure:
        alpha, nu = mats["alpha"], mats["nu"]
    else:
        alpha, nu = np.zeros(g.structure.m), g.m.copy()
        if dummy:
            alpha[dummy] = np.linalg.solve((lam @ c)[np.ix_(ov, dummy)], g.m[ov])
            if x_dummy:  # lavaan adjusts nu only when there are exogenous covariates among the dummies
                nu = g.m - lam @ c @ alpha
                nu[ov] = 0.0
    eeta = c @ alpha
    return eeta, nu + lam @ eeta


# ----- ordered items: posterior modes (lavaan's lav_predict_eta_ebm_ml) ----------------------------------------
ML_PRIOR = 1e-5  # lavaan's "vague prior" precision of its ML scores of ordered items (keeps all-top patterns finite)
MAX_NEWTON = 100


def _ordinal_group_scores(problem, g, theta: np.ndarray, frame: pd.DataFrame, ml: bool, pairwise: bool,
                          labels: pd.Index | None) -> np.ndarray:
    """Scores (n, m) of the latent variables of one group of a fit of ordered items: per respondent the mode of
    ``-log p(eta) - sum_j log P(y_j | eta)`` (EBM; ``ml``: lavaan's ML with the prior precision ``ML_PRIOR``).

    ``P(y_j = k | eta) = Phi((tau_k - nu_j - lambda_j' eta) / s_j) - Phi((tau_{k-1} - ...) / s_j)`` for an ordered
    item and the normal density of ``nu_j + lambda_j' eta`` for a continuous one, ``s_j`` the residual SD; the
    items are independent given eta (residual covariances are not used, as in lavaan). The raw thresholds and
    residual variances are used (lavaan after 0.6.14, which scaled thresholds and the mean by the scale factors
    but not the SDs: the same scores whenever every scale factor is 1 and the model has no latent means).
    The objective is strictly convex (the probit likelihood is log-concave), so Newton's method with step
    halving finds its one minimum; lavaan's BFGS (``reltol = 1e-8``, numerical gradient) stops near it.
    """
    from ..errors import EstimationError

    st = g.structure
    covariates = {st.observed[j] for j in g.exo_idx}  # conditional.x: the prior of eta is given them
    if any(v not in st.latent and v not in covariates for v in st.inner):
        raise ModelSpecError("factor scores of a model of ordered items with observed variables in its structural "
                             "part are not available yet (covariates that only predict are); score the measurement "
                             "model (the latent variables' indicators only).")
    mats = problem.matrices(g, theta)
    c = st.inverse_i_minus_b(mats["beta"])
    inner_cov, inner_mean = c @ mats["psi"] @ c.T, c @ mats["alpha"]
    lv = np.array([k for k, v in enumerate(st.inner) if v in st.latent], dtype=int)
    xs = np.array([k for k, v in enumerate(st.inner) if v in covariates], dtype=int)
    items = np.array([j for j, v in enumerate(st.observed) if v not in covariates], dtype=int)
    veta, eeta = inner_cov[np.ix_(lv, lv)], inner_mean[lv]
    lam = mats["lambda"][np.ix_(items, lv)]
    nu = mats["nu"][items]
    resid = np.diag(mats["theta"])[items].copy()
    observed = [st.observed[j] for j in items]
    x_values = None
    if len(xs):  # eta | x ~ N(E eta + V_ex V_xx^-1 (x - E x), V_ee - V_ex V_xx^-1 V_xe), each respondent's own mean
        regress = inner_cov[np.ix_(lv, xs)] @ np.linalg.inv(inner_cov[np.ix_(xs, xs)])
        veta = veta - regress @ inner_cov[np.ix_(xs, lv)]
        x_names = [st.inner[k] for k in xs]
        x_values = frame[x_names].to_numpy(dtype=float) - inner_mean[xs]
        frame = frame[observed]
    bad = [(observed[j], float(resid[j])) for j in np.flatnonzero(~(resid > 0))]
    if bad:
        raise ModelSpecError(f"factor scores need positive residual variances, but {bad[0][0]!r} has {bad[0][1]:.4g} "
                             "(a Heywood case, see the fit's warnings); lavaan gives no scores either. Respecify the "
                             "model (e.g. merge sparse categories or drop the item) before scoring.")
    sd = np.sqrt(resid)
    prior = np.eye(len(eeta)) * ML_PRIOR if ml else _inverse_pd(veta)
    taus = g.tau_c + g.tau_k @ theta
    codes, ordered_cols = _category_numbers(g, frame, observed, labels)
    # per item and respondent the interval (lo, hi] of its latent response (ordered) or its value (continuous)
    n, p = codes.shape
    lo, hi = np.full((n, p), -np.inf), np.full((n, p), np.inf)
    for j in ordered_cols:
        cuts = np.concatenate([[-np.inf], taus[[k for k, r in enumerate(g.tau_rows) if r.lhs == observed[j]]],
                               [np.inf]])
        seen = ~np.isnan(codes[:, j])
        k = codes[seen, j].astype(int)
        lo[seen, j], hi[seen, j] = cuts[k - 1], cuts[k]
    continuous = np.array([j not in set(ordered_cols) for j in range(p)])
    seen = ~np.isnan(codes)
    usable = seen.all(axis=1) if not pairwise else seen.any(axis=1)
    if x_values is not None:
        usable &= ~np.isnan(x_values).any(axis=1)
    out = np.full((n, len(eeta)), np.nan)
    if not usable.any():
        return out
    # respondents with the same answers (and covariates) have the same mode: solve once per pattern
    key = np.where(seen, codes, -np.inf)
    if x_values is not None:
        key = np.hstack([key, x_values])
    key = key[usable]
    patterns, inverse = np.unique(key, axis=0, return_inverse=True)
    rep = np.zeros(len(patterns), dtype=int)
    rep[inverse.ravel()] = np.arange(len(key))
    rows = np.flatnonzero(usable)[rep]
    lo_p, hi_p, y_p, w = lo[rows], hi[rows], np.nan_to_num(codes[rows]), seen[rows].astype(float)
    center = eeta if x_values is None else eeta + x_values[rows] @ regress.T  # the prior's mean per pattern
    scale = lam / sd[:, None]  # d(z_j) / d(eta) = -lambda_j / s_j

    def terms(eta):
        """Objective, gradient and Hessian per pattern."""
        lin = nu + eta @ lam.T  # (P, p)
        dev = eta - center
        f = 0.5 * np.einsum("pi,ij,pj->p", dev, prior, dev)
        grad = dev @ prior
        a, b = (lo_p - lin) / sd, (hi_p - lin) / sd
        log_p = _log_interval(a, b)
        ratio_b = np.exp(-0.5 * np.square(b) - 0.5 * np.log(2 * np.pi) - log_p)  # phi(b) / P (0 at +/- inf)
        ratio_a = np.exp(-0.5 * np.square(a) - 0.5 * np.log(2 * np.pi) - log_p)
        first = ratio_b - ratio_a  # d(-log P) / d(shift), shift = lambda' eta / s
        xb = np.where(np.isfinite(b), b, 0.0) * ratio_b
        xa = np.where(np.isfinite(a), a, 0.0) * ratio_a
        second = xb - xa + first * first
        z = (y_p - lin) / sd  # continuous items: -log density = z^2 / 2 + const
        first = np.where(continuous, -z, first) * w
        second = np.where(continuous, 1.0, second) * w
        f = f + np.sum(np.where(continuous, 0.5 * z * z, -log_p) * w, axis=1)
        grad = grad + first @ scale
        hess = prior + np.einsum("pj,ji,jk->pik", second, scale, scale)
        return f, grad, hess

    eta = np.broadcast_to(center, (len(patterns), len(eeta))).copy()
    f, grad, hess = terms(eta)
    for _ in range(MAX_NEWTON):
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        if np.max(np.abs(step)) < 1e-10:
            break
        t = np.ones(len(eta))
        while True:
            trial = eta - t[:, None] * step
            f_new, g_new, h_new = terms(trial)
            worse = ~(f_new <= f + 1e-12 * np.abs(f)) & (t > 1e-10)
            if not worse.any():
                break
            t[worse] /= 2
        eta, f, grad, hess = trial, f_new, g_new, h_new
    else:
        raise EstimationError("the factor scores (posterior modes) did not converge in "
                              f"{MAX_NEWTON} Newton steps; check the model's estimates.")
    if not np.all(np.isfinite(eta)):
        raise EstimationError("a factor score (posterior mode) is not finite; check the model's estimates.")
    out[usable] = eta[inverse.ravel()]
    return out


def _log_interval(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for a < b, without cancellation in either tail (reflected when a > 0)."""
    from scipy import special

    flip = a > 0
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    log_hi, log_lo = special.log_ndtr(hi), special.log_ndtr(lo)
    with np.errstate(divide="ignore"):
        return log_hi + np.log1p(-np.exp(log_lo - log_hi))


def _inverse_pd(matrix: np.ndarray) -> np.ndarray:
    """The inverse of the latent variables' covariance matrix (the prior's precision), or a named error."""
    try:
        root_inv = np.linalg.inv(np.linalg.cholesky(matrix))
    except np.linalg.LinAlgError:
        raise ModelSpecError("factor scores of ordered items by method='regression' (EBM) need a positive definite "
                             "covariance matrix of the latent variables (their prior); this model's is not, an "
                             "improper solution (the fit's warnings say where). Respecify the model; "
                             "method='Bartlett' (ML) does not use the prior.") from None
    return root_inv.T @ root_inv


def _category_numbers(g, frame: pd.DataFrame, observed: list[str],
                      labels: pd.Index | None) -> tuple[np.ndarray, list[int]]:
    """The answers as category numbers 1..K of each ordered item (its fitted codes, in order), continuous
    variables as they are; NaN where missing. Raises ModelSpecError for an answer that is not a fitted code, naming
    its row by ``labels`` (the caller's index; ``frame`` is indexed by position) or by ``frame``'s index."""
    values = frame.to_numpy(dtype=float)
    codes = values.copy()
    ordered_cols = []
    for j, item in enumerate(observed):
        if item not in g.stats.categories:
            continue
        ordered_cols.append(j)
        known = np.asarray(g.stats.categories[item], dtype=float)
        col = values[:, j]
        seen = ~np.isnan(col)
        at = np.searchsorted(known, col[seen])
        hit = (at < len(known)) & (known[np.minimum(at, len(known) - 1)] == col[seen])
        if not hit.all():
            row = frame.index[np.flatnonzero(seen)[np.flatnonzero(~hit)[0]]]
            row = labels[row] if labels is not None else row
            value = col[seen][~hit][0]
            raise ModelSpecError(f"ordered item {item!r} has the answer {value:g} in row {row!r}, which is not one of "
                                 f"its categories in the fitted data ({', '.join(f'{v:g}' for v in known)}); recode "
                                 "it or leave it missing.")
        codes[seen, j] = at + 1
    return codes, ordered_cols
