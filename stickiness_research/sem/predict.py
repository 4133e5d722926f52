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
        ``"ML"``); case-insensitive.
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

    Raises
    ------
    ModelSpecError
        An unknown method, ``data`` without a model variable or the group column, a non-numeric
        model variable, or a group label the model was not fitted on.

    Notes
    -----
    Per group, with ``L`` the loadings, ``C = (I - B)^-1``, ``V = C Psi C'`` the latent covariance matrix and
    ``Sigma^+`` the pseudo-inverse of the model-implied covariance matrix:

    - regression (Thurstone): ``eta_i = E(eta) + V L' Sigma^+ (y_i - E(y))``
    - Bartlett: ``eta_i = E(eta) + (L' Sigma^+ L)^+ L' Sigma^+ (y_i - E(y))``, which equals
      ``(L' Theta^-1 L)^-1 L' Theta^-1 (y_i - E(y))`` plus the mean when ``Theta`` is invertible.

    Without a mean structure ``E(y)`` and ``E(eta)`` come from the sample means, as lavaan's
    (the module docstring has lavaan's rules for observed variables of the structural part).

    References
    ----------
    Thurstone, L. L. (1935). *The Vectors of Mind*. University of Chicago Press.
    Bartlett, M. S. (1937). The statistical conception of mental factors. *British Journal of Psychology*,
    28(1), 97-104.
    R: ``lavaan::lavPredict(fit, method = "regression")`` and ``method = "Bartlett"`` for nine models
    (tests/test_predict.py; tests/reference/lavaan_predict.R).

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
    blocks = []
    for g, (label, frame) in zip(problem.groups, parts, strict=True):
        scores = _group_scores(problem, g, theta, frame[observed].to_numpy(dtype=float), METHODS[key], fiml)
        lv = [v for v in g.structure.inner if v in g.structure.latent]
        block = pd.DataFrame(scores[:, :len(lv)], index=frame.index, columns=lv)
        if multi:
            block.insert(0, "group", label)
        blocks.append(block)
    out = pd.concat(blocks).sort_index(kind="stable") if multi else blocks[0]
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
                 and set(data[c].dropna().astype(str)) <= set(labels)]
        if len(found) != 1:
            raise ModelSpecError("the model has several groups: pass group='<column with the group labels>'.")
        group = found[0]
    if group not in data.columns:
        raise ModelSpecError(f"group column {group!r} is not in the data.")
    values = data[group].astype(str).where(data[group].notna())
    unknown = set(values.dropna()) - set(labels)
    if unknown:
        raise ModelSpecError(f"group {sorted(unknown)[0]!r} was not in the fitted data; the model has groups "
                             f"{', '.join(labels)}.")
    return [(label, data[values == label]) for label in labels]


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
