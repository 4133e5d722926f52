"""PLSpredict: cross-validated predictions of a PLS path model's endogenous indicators, against a linear-model benchmark.

Shmueli, Ray, Velasquez Estrada & Chatla (2016) and Shmueli et al. (2019), as seminr's
``predict_pls()`` computes them: the model is re-estimated on the training folds, the held-out
rows' indicators are standardized with the training means and SDs, scored with the training
weights, pushed through the structural model (direct or earliest antecedents), turned back into
indicators with the training loadings and unstandardized. A linear regression of each endogenous
indicator on its antecedents' indicators is the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import NON_NEGATIVE_INT, POSITIVE_INT, InstanceOf, Interval, Options, Satisfies, check
from ..errors import EstimationError, ModelSpecError, ParameterError
from .estimate import estimate
from .fit import PLSResult, raw_as_fitted
from .model import PLSModel

TECHNIQUES = ("DA", "EA")
ITEM_COLUMNS = ["construct", "indicator", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae", "q2_predict",
                "pls_rmse_in_sample", "pls_mae_in_sample", "lm_rmse_in_sample", "lm_mae_in_sample"]
CONSTRUCT_COLUMNS = ["construct", "rmse", "mae", "rmse_in_sample", "mae_in_sample", "q2_predict", "overfit_ratio"]
POWER = ("none", "low", "medium", "high")


@dataclass(frozen=True, eq=False)
class PLSPredictResult:
    """Cross-validated predictions of a PLS path model (see :func:`pls_predict`).

    Attributes
    ----------
    items : DataFrame
        One row per indicator of an endogenous construct (q rows), in raw units: construct,
        indicator; out of sample (each row predicted by the model trained without its fold)
        pls_rmse, pls_mae, lm_rmse, lm_mae, q2_predict; in sample (the rows' predictions by the
        models trained with them, averaged) pls_rmse_in_sample, pls_mae_in_sample,
        lm_rmse_in_sample, lm_mae_in_sample.
    constructs : DataFrame
        One row per endogenous construct: rmse, mae (out of sample), rmse_in_sample,
        mae_in_sample of the predicted construct scores against the full-sample scores
        (``PLSResult.construct_scores``), q2_predict, overfit_ratio
        ``(MSE_out - MSE_in) / MSE_in``.
    pls_predictions, lm_predictions : DataFrame
        (n, q) out-of-sample predictions of the endogenous indicators, raw units, rows as
        ``PLSResult.construct_scores``.
    pls_in_sample, lm_in_sample : DataFrame
        (n, q) in-sample predictions (mean over the folds that trained on the row).
    construct_predictions : DataFrame
        (n, c_endogenous) out-of-sample predicted construct scores (standardized).
    actual : DataFrame
        (n, q) the observed endogenous indicators (after the fit's missing-answer handling).
    folds : ndarray of int
        (repetitions, n) the fold of every row in every repetition (0, 1, ...).
    technique : str
        ``"DA"`` or ``"EA"``.
    seed : int or None
        Seed of the fold assignment (``None`` when the folds were given).
    warnings : tuple of str
    """

    items: pd.DataFrame
    constructs: pd.DataFrame
    pls_predictions: pd.DataFrame = field(repr=False)
    lm_predictions: pd.DataFrame = field(repr=False)
    pls_in_sample: pd.DataFrame = field(repr=False)
    lm_in_sample: pd.DataFrame = field(repr=False)
    construct_predictions: pd.DataFrame = field(repr=False)
    actual: pd.DataFrame = field(repr=False)
    folds: np.ndarray = field(repr=False)
    technique: str
    seed: int | None
    warnings: tuple[str, ...] = ()

    @property
    def n_folds(self) -> int:
        """Folds of the first repetition."""
        return len(np.unique(self.folds[0]))

    @property
    def repetitions(self) -> int:
        return len(self.folds)

    def predictive_power(self, construct: str, metric: str = "rmse") -> str:
        """Shmueli et al.'s (2019) verdict on the predictive power of the model for one construct.

        ``"none"`` if an indicator's Q^2_predict is not above 0 or PLS errs more than LM on every
        indicator; otherwise, by the number of indicators on which PLS's out-of-sample RMSE (or
        MAE, for strongly asymmetric prediction errors) exceeds LM's: a majority ``"low"``, a
        minority ``"medium"``, none ``"high"``.

        Parameters
        ----------
        construct : str
            An endogenous construct (normally the model's key target construct).
        metric : {"rmse", "mae"}

        Returns
        -------
        str
            One of ``"none"``, ``"low"``, ``"medium"``, ``"high"``.

        Raises
        ------
        ParameterError
            ``construct`` is not endogenous, or ``metric`` is neither ``"rmse"`` nor ``"mae"``.
        """
        check(construct, "construct", "PLSPredictResult.predictive_power", Options(tuple(self.constructs.construct)))
        check(metric, "metric", "PLSPredictResult.predictive_power", Options(("rmse", "mae")))
        rows = self.items[self.items.construct == construct]
        worse = int((rows[f"pls_{metric}"] > rows[f"lm_{metric}"]).sum())
        if (rows.q2_predict <= 0).any() or worse == len(rows):
            return "none"
        if worse > len(rows) / 2:
            return "low"
        return "medium" if worse else "high"

    def _head(self) -> str:
        how = "given folds" if self.seed is None else f"seed {self.seed}"
        return (f"PLSpredict ({self.technique}): {self.n_folds}-fold cross-validation, {self.repetitions} "
                f"repetition(s), {how}; N = {self.folds.shape[1]}")

    def summary(self) -> str:
        with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
            return "\n".join([self._head(), "", self.items.to_string(index=False), "",
                              self.constructs.to_string(index=False)] + [f"warning: {w}" for w in self.warnings])

    __str__ = summary

    def _repr_html_(self) -> str:
        fmt = {"float_format": lambda v: f"{v:.3f}", "na_rep": ""}
        return (f"<div><p><b>{self._head()}</b></p>" + self.items.to_html(index=False, **fmt)
                + self.constructs.to_html(index=False, **fmt) + "</div>")

    def to_markdown(self) -> str:
        return (f"**{self._head()}**\n\n" + self.items.to_markdown(index=False, floatfmt=".3f") + "\n\n"
                + self.constructs.to_markdown(index=False, floatfmt=".3f"))

    def to_latex(self) -> str:
        return (self.items.to_latex(index=False, float_format="%.3f") + "\n"
                + self.constructs.to_latex(index=False, float_format="%.3f"))


def r_cut_folds(order, n_folds: int) -> np.ndarray:
    """Fold of every row when the rows, taken in ``order``, are cut into ``n_folds`` contiguous blocks.

    seminr's ``predict_pls`` shuffles the rows (``order <- sample(nrow(data), nrow(data))``) and
    gives position ``i`` of the shuffled data fold ``cut(seq(1, n), breaks = noFolds)[i]``;
    R's ``cut`` splits ``[1, n]`` into ``n_folds`` intervals of equal width, right-closed.

    Parameters
    ----------
    order : array of int
        A permutation of the rows, 0-based (R's ``order - 1``).
    n_folds : int
        In ``[2, n]``.

    Returns
    -------
    ndarray of int
        (n,) fold 0, 1, ... of every row in the original order.

    Examples
    --------
    >>> r_cut_folds([6, 0, 1, 4, 3, 5, 2], 3)  # shuffled positions 1-3, 4-5, 6-7 (R: cut(1:7, 3))
    array([0, 0, 2, 1, 1, 2, 0])
    """
    order = np.asarray(order, dtype=int)
    n = len(order)
    check(n_folds, "n_folds", "r_cut_folds", Interval(int, 2, n))
    if sorted(order.tolist()) != list(range(n)):
        raise ParameterError("order", "r_cut_folds", f"a permutation of 0..{n - 1}", order.tolist())
    by = (n - 1) / n_folds
    breaks = 1 + np.arange(n_folds + 1) * by  # seq.int(1, n, length.out = n_folds + 1)
    breaks[0], breaks[-1] = 1 - (n - 1) / 1000, n + (n - 1) / 1000
    by_position = np.searchsorted(breaks, np.arange(1, n + 1), side="left") - 1  # (a, b]
    folds = np.empty(n, dtype=int)
    folds[order] = by_position
    return folds


def _fold_array(value) -> np.ndarray | None:
    """An explicit fold assignment as a (repetitions, n) int array, or None if ``value`` is not one."""
    if isinstance(value, int | np.integer | str | bytes | dict) or isinstance(value, bool):
        return None
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.size == 0 or not (np.issubdtype(arr.dtype, np.integer) or (
            np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))):
        return None
    return arr.astype(int)


def pls_predict(res: PLSResult, data: pd.DataFrame, *, folds=10, repetitions: int = 1, technique: str = "DA",
                seed: int | None = 1) -> PLSPredictResult:
    """PLSpredict: k-fold cross-validated predictions of the endogenous indicators, with an LM benchmark.

    Every repetition assigns the n rows to k folds. For each fold, with ``T`` its training rows
    (all other folds):

    1. standardize ``x[T]`` with its own means ``m_T`` and SDs ``s_T`` (n - 1 denominator) and
       re-estimate the model (``res``'s scheme, PLSc, stop rule) on its correlation matrix: weights
       ``W_T`` (p x c), loadings ``L_T`` (p x c), paths ``B_T`` (c x c, source x target);
    2. for any row ``x``: scores ``y = ((x - m_T) / s_T) W_T``; predicted scores ``y^`` by

       - ``"DA"`` (direct antecedents): ``y^ = y B_T``, exogenous constructs keep ``y``;
       - ``"EA"`` (earliest antecedents): exogenous constructs keep ``y``, endogenous ones are
         predicted in causal order from the predictions of their predecessors, ``y^_j = y^ B_T[:, j]``;

       and the predicted indicators ``x^ = (y^ L_T') * s_T + m_T``;
    3. LM benchmark: each endogenous indicator regressed by OLS with intercept on ``x[T]`` of the
       indicators of the construct's predecessors (``"DA"``) or of all exogenous constructs
       (``"EA"``, Shmueli et al.'s 2019 benchmark), and predicted for any row.

    Out of sample, each row takes the prediction of the fold that held it out; in sample, the
    mean of its k - 1 predictions as a training row. With several repetitions both are averaged
    over repetitions (as seminr does) before the metrics, per endogenous indicator with residuals
    ``e = x - x^``: ``RMSE = sqrt(mean(e^2))``, ``MAE = mean(|e|)`` (raw units) and
    ``Q^2_predict = 1 - sum(e_PLS^2) / sum((x - m_T)^2)``, the naive benchmark predicting each
    held-out row by its training folds' mean (Shmueli et al. 2019; seminr reports no Q^2).
    Construct metrics compare predicted scores with the full-sample scores the same way.

    Fold assignment: ``folds=k`` draws, per repetition, a permutation ``order`` of the rows from
    ``numpy.random.default_rng(seed)`` (one generator for all repetitions) and cuts it into k
    contiguous blocks as seminr does (:func:`r_cut_folds`). ``folds=n`` is leave-one-out (the
    same for every seed). Pass an array to reproduce another program's folds: seminr's
    ``set.seed(s); predict_pls(model, noFolds = k)`` uses ``r_cut_folds(order - 1, k)`` with R's
    ``set.seed(s); order <- sample(n, n)``. (seminr's ``reps`` repeats one shuffle, hence
    identical repetitions; here every repetition reshuffles.)

    Sources: Shmueli, G., Ray, S., Velasquez Estrada, J. M. & Chatla, S. B. (2016). The elephant
    in the room: predictive performance of PLS models. *Journal of Business Research*, 69(10),
    4552-4564. Shmueli, G., Sarstedt, M., Hair, J. F., Cheah, J.-H., Ting, H., Vaithilingam, S. &
    Ringle, C. M. (2019). Predictive model assessment in PLS-SEM: guidelines for using PLSpredict.
    *European Journal of Marketing*, 53(11), 2322-2347. Algorithm: seminr's ``predict_pls``,
    ``predict_DA``, ``predict_EA``, ``generate_lm_predictions`` (R/feature_plspredict.R). The LM on
    the antecedents' indicators is that of seminr's ``predict_pls_v2`` branch (2.3.1.2, October
    2022), its later sources and the seminr Python port; seminr 2.3.1 regressed each endogenous
    indicator on every indicator outside its construct.

    Parameters
    ----------
    res : PLSResult
        A model fitted by :func:`stickiness_research.fit_pls` (PLSc allowed).
    data : DataFrame
        The raw data ``res`` was fitted to (``fit_pls`` keeps only standardized indicators); its
        missing-answer handling is applied again.
    folds : int or array of int
        Number of folds k in ``[2, n]`` (10 as Shmueli et al. 2019 recommend; n for leave-one-out),
        or the fold of every row: an array of n labels, or (repetitions, n) for several repetitions.
    repetitions : int
        Repetitions of k-fold cross-validation with fresh folds (must be 1 when ``folds`` is an array).
    technique : {"DA", "EA"}
        Direct antecedents (seminr's default ``predict_DA``) or earliest antecedents (``predict_EA``;
        SmartPLS's PLSpredict).
    seed : int or None
        Seed of ``numpy.random.default_rng`` for the folds.

    Returns
    -------
    PLSPredictResult
        ``items`` (q, 11), ``constructs`` (c_endogenous, 7), predictions (n, q) and ``folds``
        (repetitions, n).

    Raises
    ------
    ParameterError
        A bad argument.
    ModelSpecError
        ``data`` lacks an indicator; ``"EA"`` for a model with a feedback loop; a model with an
        interaction term or a higher-order construct (no published solution, as seminr's
        ``predict_pls``; with repeated indicators an item would predict itself).
    ResponseDataError
        ``data`` is not the data ``res`` was fitted to.
    EstimationError
        A training set in which an indicator is constant, a formative block is singular, or too
        few rows for the LM benchmark; the message names the fold.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.predict import pls_predict
    >>> mobi = sr.datasets.mobi()
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Complaints =~ CUSCO
    ... Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ... Expectation + Satisfaction + Loyalty ~ Image
    ... Quality + Value + Satisfaction ~ Expectation
    ... Value + Satisfaction ~ Quality
    ... Satisfaction ~ Value
    ... Complaints + Loyalty ~ Satisfaction
    ... Loyalty ~ Complaints''', mobi)
    >>> pred = pls_predict(res, mobi, folds=10, seed=1)
    >>> pred.items.query("construct == 'Loyalty'")[["indicator", "pls_rmse", "lm_rmse", "q2_predict"]].round(3)
       indicator  pls_rmse  lm_rmse  q2_predict
    16     CUSL1     2.376    2.362       0.205
    17     CUSL2     2.841    2.884       0.004
    18     CUSL3     1.662    1.660       0.441
    >>> pred.predictive_power("Loyalty")  # PLS errs more than LM on 2 of 3 indicators
    'low'

    The RMSEs are seminr's for the same folds (the seminr Python port's ``predict_pls(model,
    no_folds=10, ordering=numpy.random.default_rng(1).permutation(250))``: 2.3756, 2.8408, 1.6615
    and LM 2.3617, 2.8842, 1.6604). With R's folds of ``set.seed(123); predict_pls(mobi_pls,
    predict_DA, noFolds = 10)`` (``folds=r_cut_folds(order - 1, 10)`` with R's ``set.seed(123);
    order <- sample(250, 250)``) every RMSE and MAE agrees with R seminr's to 1e-14; see
    tests/test_pls_predict.py.
    """
    fn = "pls_predict"
    check(res, "res", fn, InstanceOf(PLSResult, "a PLSResult (sr.fit_pls)"))
    check(data, "data", fn, InstanceOf(pd.DataFrame, "a pandas DataFrame (the raw data res was fitted to)"))
    n = res.n_obs
    given = _fold_array(folds)
    check(folds, "folds", fn, Interval(int, 2, n),
          Satisfies(lambda v: _fold_array(v) is not None and _fold_array(v).shape[1] == n
                    and all(len(np.unique(r)) >= 2 for r in _fold_array(v)),
                    f"an array of {n} integer fold labels (one row per repetition) with at least 2 folds"))
    check(repetitions, "repetitions", fn, POSITIVE_INT)
    check(technique, "technique", fn, Options(TECHNIQUES))
    check(seed, "seed", fn, NON_NEGATIVE_INT, None)
    model = res.model
    order = _causal_order(model) if technique == "EA" else None
    x, _ = raw_as_fitted(res, data, "pls_predict")
    if given is not None:
        if repetitions != 1:
            raise ParameterError("repetitions", fn, "1 when folds is an array (its rows are the repetitions)",
                                 repetitions)
        fold_ids = np.stack([np.unique(r, return_inverse=True)[1] for r in given])
        seed = None
    else:
        rng = np.random.default_rng(seed)
        fold_ids = np.stack([r_cut_folds(rng.permutation(n), int(folds)) for _ in range(repetitions)])

    items = model.items
    at_item = {v: k for k, v in enumerate(items)}
    names = list(model.constructs)
    at = {c: k for k, c in enumerate(names)}
    endo = list(model.endogenous)
    exo_idx = [at[c] for c in names if c not in endo]
    endo_items = [v for c in endo for v in model.blocks[c]]
    e_idx = [at_item[v] for v in endo_items]
    endo_idx = [at[c] for c in endo]
    lm_specs = []  # (dependent item columns in endo_items, predictor columns in items)
    for c in endo:
        sources = model.predecessors(c) if technique == "DA" else [names[j] for j in exo_idx]
        predictors = list(dict.fromkeys(v for s in sources for v in model.blocks[s]))
        lm_specs.append(([endo_items.index(v) for v in model.blocks[c]], [at_item[v] for v in predictors]))
    settings = {k: res.settings[k] for k in ("scheme", "consistent", "max_iter", "stop_criterion")}
    actual_scores = res.construct_scores.to_numpy()

    q = len(endo_items)
    keys_items = ("pls_out", "pls_in", "lm_out", "lm_in", "naive_out")
    sums = {key: np.zeros((n, q)) for key in keys_items}
    sums |= {key: np.zeros((n, len(names))) for key in ("score_out", "score_in", "score_naive")}
    notes: list[str] = []
    for rep, ids in enumerate(fold_ids):
        k = int(ids.max()) + 1
        acc = {key: np.zeros_like(v) for key, v in sums.items()}
        for f in range(k):
            test = ids == f
            train = ~test
            where = f"fold {f + 1} of {k}" + (f", repetition {rep + 1}" if len(fold_ids) > 1 else "")
            xt = x[train]
            m, s = xt.mean(axis=0), xt.std(axis=0, ddof=1)
            if np.any(s == 0):
                raise EstimationError(f"pls_predict: indicator {items[int(np.argmin(s))]!r} is constant in the "
                                      f"training rows of {where}; use fewer folds.")
            zt = (xt - m) / s
            try:
                sol = estimate(zt.T @ zt / (len(zt) - 1), model, **settings)
            except EstimationError as exc:
                raise EstimationError(f"pls_predict, {where}: {exc}") from exc
            if not sol.converged:
                notes.append(f"{where}: the weights did not converge in {settings['max_iter']} iterations; its "
                             "predictions use the last iteration.")
            # out of sample: the held-out rows' only prediction; in sample: summed over training folds
            for rows, kind in ((test, "out"), (train, "in")):
                scores = _technique(((x[rows] - m) / s) @ sol.weights, sol.paths, exo_idx, order)
                acc[f"score_{kind}"][rows] += scores
                acc[f"pls_{kind}"][rows] += (scores @ sol.loadings.T * s + m)[:, e_idx]
            acc["naive_out"][test] = m[e_idx]
            acc["score_naive"][test] = actual_scores[train].mean(axis=0)
            for dep, pred in lm_specs:
                design = np.column_stack([np.ones(n), x[:, pred]])
                if train.sum() <= design.shape[1] or np.linalg.matrix_rank(design[train]) < design.shape[1]:
                    raise EstimationError(f"pls_predict, {where}: the LM benchmark's predictors are collinear "
                                          f"or outnumber the {int(train.sum())} training rows; use fewer folds.")
                beta = np.linalg.lstsq(design[train], x[np.ix_(train, [e_idx[j] for j in dep])], rcond=None)[0]
                acc["lm_out"][np.ix_(test, dep)] = design[test] @ beta
                acc["lm_in"][np.ix_(train, dep)] += design[train] @ beta
        for key in ("pls_in", "lm_in", "score_in"):
            acc[key] /= k - 1  # every row trains k - 1 of the k models
        for key in sums:
            sums[key] += acc[key]
    means = {key: v / len(fold_ids) for key, v in sums.items()}

    index = res.construct_scores.index
    actual = x[:, e_idx]

    def frame(values: np.ndarray, cols: list[str]) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=cols)

    def rmse(e: np.ndarray) -> np.ndarray:
        return np.sqrt(np.mean(e**2, axis=0))

    def mae(e: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(e), axis=0)

    e = {key: actual - means[key] for key in ("pls_out", "pls_in", "lm_out", "lm_in", "naive_out")}
    item_table = pd.DataFrame({
        "construct": [c for c in endo for _ in model.blocks[c]], "indicator": endo_items,
        "pls_rmse": rmse(e["pls_out"]), "pls_mae": mae(e["pls_out"]), "lm_rmse": rmse(e["lm_out"]),
        "lm_mae": mae(e["lm_out"]),
        "q2_predict": 1 - (e["pls_out"] ** 2).sum(axis=0) / (e["naive_out"] ** 2).sum(axis=0),
        "pls_rmse_in_sample": rmse(e["pls_in"]), "pls_mae_in_sample": mae(e["pls_in"]),
        "lm_rmse_in_sample": rmse(e["lm_in"]), "lm_mae_in_sample": mae(e["lm_in"])}, columns=ITEM_COLUMNS)
    truth = actual_scores[:, endo_idx]
    d_out = truth - means["score_out"][:, endo_idx]
    d_in = truth - means["score_in"][:, endo_idx]
    d_naive = truth - means["score_naive"][:, endo_idx]
    mse_out, mse_in = np.mean(d_out**2, axis=0), np.mean(d_in**2, axis=0)
    construct_table = pd.DataFrame({
        "construct": endo, "rmse": np.sqrt(mse_out), "mae": mae(d_out), "rmse_in_sample": np.sqrt(mse_in),
        "mae_in_sample": mae(d_in), "q2_predict": 1 - (d_out**2).sum(axis=0) / (d_naive**2).sum(axis=0),
        "overfit_ratio": (mse_out - mse_in) / mse_in}, columns=CONSTRUCT_COLUMNS)
    return PLSPredictResult(
        items=item_table, constructs=construct_table, pls_predictions=frame(means["pls_out"], endo_items),
        lm_predictions=frame(means["lm_out"], endo_items), pls_in_sample=frame(means["pls_in"], endo_items),
        lm_in_sample=frame(means["lm_in"], endo_items),
        construct_predictions=frame(means["score_out"][:, endo_idx], endo), actual=frame(actual, endo_items),
        folds=fold_ids, technique=technique, seed=seed, warnings=tuple(dict.fromkeys(notes)))


def _causal_order(model: PLSModel) -> list[int]:
    """Endogenous constructs (as indices) each after all its predecessors; EA needs such an order."""
    at = {c: k for k, c in enumerate(model.constructs)}
    done = {c for c in model.constructs if c not in model.endogenous}
    order: list[int] = []
    pending = list(model.endogenous)
    while pending:
        ready = [c for c in pending if all(p in done for p in model.predecessors(c))]
        if not ready:
            raise ModelSpecError(f"pls_predict: technique='EA' predicts constructs from their earliest antecedents, "
                                 f"but {pending} form a feedback loop; use technique='DA'.")
        for c in ready:
            order.append(at[c])
            done.add(c)
            pending.remove(c)
    return order


def _technique(scores: np.ndarray, paths: np.ndarray, exo_idx: list[int], order: list[int] | None) -> np.ndarray:
    """Predicted construct scores (rows, c) from measured ones: DA (``order`` None) or EA (seminr's
    ``predict_DA`` / ``predict_EA``)."""
    if order is None:
        out = scores @ paths
        out[:, exo_idx] = scores[:, exo_idx]
        return out
    out = np.zeros_like(scores)
    out[:, exo_idx] = scores[:, exo_idx]
    for j in order:
        out[:, j] = out @ paths[:, j]
    return out


