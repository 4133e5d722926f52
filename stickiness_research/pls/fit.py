"""``fit_pls``: PLS-SEM estimates of a path model with seminr's defaults, and the result they give."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import renamed_arguments
from .._summary import Reportable
from .._validation import BOOL, InstanceOf, Interval, Options, check
from ..errors import EstimationError, ModelSpecError, ParameterError, ResponseDataError, did_you_mean
from .estimate import SCHEMES, PLSSolution, estimate
from .model import PLSModel, pls_model

MISSING = ("mean", "listwise")
INTERACTIONS = ("two_stage", "orthogonal", "product_indicator")
HOC_METHODS = ("two_stage", "repeated_indicators")  # seminr's higher_composite(method = two_stage) and the other


@dataclass(frozen=True, eq=False)
class PLSResult(Reportable):
    r"""A fitted PLS path model.

    Attributes
    ----------
    estimates : DataFrame
        lhs op rhs est: loadings (``=~`` / ``<~`` rows, with the outer ``weight``) and paths
        (``~`` rows, lhs the target as in lavaan).
    r2 : DataFrame
        construct, r2, r2_adj for every endogenous construct.
    construct_scores : DataFrame
        (n, c) standardized construct scores, one row per respondent used.
    n_obs : int
        Respondents used (after the missing-value handling).
    iterations : int
        Iterations of the PLS algorithm until the summed absolute change of the outer weights fell below
        ``10**-stop_criterion``.
    settings : dict
        scheme, consistent, missing, missing_value, max_iter, stop_criterion, interaction, hoc.
    warnings : tuple of str
        What the estimation noticed (missing answers replaced by means, incomplete rows dropped, weights
        that did not converge), shown under the tables.

    Raises
    ------
    ParameterError
        From :meth:`bootstrap`, :meth:`predict`, :meth:`ipma`, :meth:`implied_correlation`,
        :meth:`q2_blindfolding`, :meth:`mga` and :meth:`micom`, for an argument out of range.
    ModelSpecError
        From :meth:`ipma` and :meth:`predict`: an indicator not in ``data``, or a model whose indicators are
        built from the data (an interaction term, a two-stage higher-order construct) that the method cannot use.
    ResponseDataError
        From :meth:`ipma` and :meth:`predict`: ``data`` that are not the data the model was fitted to, or an
        indicator holding text.

    Notes
    -----
    The PLS path algorithm (Lohmöller 1989), as seminr's ``estimate_pls``: starting from unit weights, each
    construct's score is alternately the standardized weighted sum of its indicators (outer estimation; mode A
    weights :math:`w_j \propto \operatorname{cov}(x_j, \tilde\eta)`, mode B the regression weights) and the
    weighted sum of its neighbours' scores (inner estimation: path weighting or factorial scheme), until the
    weights converge. Paths are then the OLS regressions of each endogenous score on its predictors, with
    :math:`R^2` and :math:`R^2_{adj} = 1 - (1 - R^2)(n - 1)/(n - k - 1)`; ``consistent=True`` corrects
    loadings and paths for attenuation with :math:`\rho_A` (PLSc; Dijkstra & Henseler 2015).

    Methods give the reporting set of Hair et al.: :meth:`loadings`, :meth:`weights`, :meth:`paths`,
    :meth:`reliability`, :meth:`htmt`, :meth:`vif`, :meth:`f_squared`, :meth:`effects`, :meth:`bootstrap`,
    :meth:`predict` (PLSpredict), :meth:`ipma`, :meth:`mga`, :meth:`micom`; and the results protocol
    (``tables()``, ``summary()``, ``to_markdown()``, ``to_latex()``, ``_repr_html_``).

    References
    ----------
    Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*. Physica.
    Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling. *MIS Quarterly*,
    39(2), 297-316.
    Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A Primer on Partial Least Squares
    Structural Equation Modeling (PLS-SEM)* (3rd ed.). Sage.
    R: ``seminr::estimate_pls`` (tests/test_pls.py compares weights, paths, scores, rho_A and R^2 with seminr's).

    Examples
    --------
    seminr's ``mobi`` data and its simple model:

    >>> import stickiness_research as sr
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Satisfaction ~ Image + Expectation + Value''', sr.datasets.mobi())
    >>> res.n_obs, res.iterations
    (250, 5)
    >>> res.paths()["Satisfaction"].round(4).to_dict()  # seminr::estimate_pls(mobi, mm, sm)$path_coef
    {'Image': 0.447, 'Expectation': 0.1718, 'Value': 0.3164, 'Satisfaction': 0.0}
    >>> res.r2.round(4)
          construct      r2  r2_adj
    0  Satisfaction  0.5906  0.5856
    >>> res.reliability().round(3)  # doctest: +NORMALIZE_WHITESPACE
                  alpha   rhoC    AVE   rhoA
    construct
    Image         0.723  0.818  0.478  0.745
    Expectation   0.452  0.733  0.481  0.462
    Value         0.824  0.918  0.848  0.858
    Satisfaction  0.779  0.871  0.693  0.784
    """

    estimates: pd.DataFrame
    r2: pd.DataFrame
    construct_scores: pd.DataFrame = field(repr=False)
    n_obs: int
    iterations: int
    settings: dict
    model: PLSModel = field(repr=False)
    solution: PLSSolution = field(repr=False)
    data: pd.DataFrame = field(repr=False)  # the standardized indicators used (n, p), interaction items included
    raw: pd.DataFrame | None = field(default=None, repr=False)  # the model's own indicators after missing handling
    spec: PLSModel | None = field(default=None, repr=False)  # the model as written (before its interaction items
    #                                                           and higher-order stages were built from the data)
    warnings: tuple[str, ...] = ()

    def loadings(self) -> pd.DataFrame:
        """Indicator x construct matrix of loadings (zero outside a construct's block); with higher-order
        constructs also the dimensions' loadings from the first stage (seminr's merged matrix)."""
        return self._matrix("loadings")

    def weights(self) -> pd.DataFrame:
        """Indicator x construct matrix of outer weights (of unit-variance construct scores); with
        higher-order constructs also the dimensions' weights from the first stage."""
        return self._matrix("weights")

    def _matrix(self, what: str) -> pd.DataFrame:
        out = pd.DataFrame(getattr(self.solution, what), index=self.model.items, columns=list(self.model.constructs))
        if self.solution.first_stage is None:
            return out
        first, sol = self.solution.first_stage
        dims = [c for c in first.constructs if c not in self.model.constructs]
        stage1 = pd.DataFrame(getattr(sol, what), index=first.items, columns=list(first.constructs))[dims]
        rows = list(dict.fromkeys(list(out.index) + list(stage1.index)))
        merged = out.reindex(index=rows, columns=list(out.columns) + dims, fill_value=0.0)
        merged.loc[stage1.index, dims] = stage1.to_numpy()
        return merged

    def paths(self) -> pd.DataFrame:
        """Construct x construct matrix of path coefficients (row: source, column: target)."""
        names = list(self.model.constructs)
        return pd.DataFrame(self.solution.paths, index=names, columns=names)

    def indicator_reliability(self) -> pd.DataFrame:
        """Indicator reliability: each indicator's squared loading on its construct (Hair et al.'s checklist:
        at least .50, i.e. a loading of .708), as seminr's ``summary()$loadings^2``.

        Returns
        -------
        DataFrame
            construct, indicator, loading, reliability; one row per measurement relation.
        """
        rows = [(c, op, v, est) for c, op, v, est in self.estimates[self.estimates["op"] != "~"][
            ["lhs", "op", "rhs", "est"]].itertuples(index=False)]
        return pd.DataFrame([(c, v, est, est**2) for c, _, v, est in rows],
                            columns=["construct", "indicator", "loading", "reliability"])

    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha, rho_C, AVE and rho_A per construct, as seminr's ``summary()$reliability``.

        Returns
        -------
        DataFrame
            Indexed by construct: ``alpha`` (of the standardized indicators, as seminr), ``rhoC``
            (composite reliability, Dillon-Goldstein's rho: ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``),
            ``AVE`` (mean squared loading; Fornell & Larcker 1981) and ``rhoA`` (Dijkstra & Henseler
            2015; 1 for mode B). Single-indicator constructs get 1 throughout. Loadings are the
            PLSc ones when ``consistent=True``.
        """
        rows = []
        s = np.corrcoef(self.data.to_numpy(), rowvar=False)
        at = {v: k for k, v in enumerate(self.model.items)}
        for j, con in enumerate(self.model.constructs):
            idx = [at[v] for v in self.model.blocks[con]]
            if len(idx) == 1:
                rows.append((con, 1.0, 1.0, 1.0, 1.0))
                continue
            block = s[np.ix_(idx, idx)]
            k = len(idx)
            alpha = k / (k - 1) * (1 - np.trace(block) / block.sum())
            lam = self.solution.loadings[idx, j]
            rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
            rows.append((con, float(alpha), float(rho_c), float(np.mean(lam**2)), float(self.solution.rho_a[j])))
        return pd.DataFrame(rows, columns=["construct", "alpha", "rhoC", "AVE", "rhoA"]).set_index("construct")

    def _s(self) -> np.ndarray:
        z = self.data.to_numpy()
        return z.T @ z / (len(z) - 1)

    def htmt(self) -> pd.DataFrame:
        """Heterotrait-monotrait ratio of every pair of constructs (Henseler, Ringle & Sarstedt 2015), on
        absolute item correlations as seminr's ``HTMT``; upper triangle (row before column), NaN elsewhere."""
        s = np.abs(self._s())
        at = {v: k for k, v in enumerate(self.model.items)}
        names = list(self.model.constructs)
        out = pd.DataFrame(np.nan, index=names, columns=names)

        def mono(idx: list[int]) -> float:
            if len(idx) == 1:
                return 1.0
            block = s[np.ix_(idx, idx)]
            return float(block[np.triu_indices(len(idx), 1)].mean())

        for a, ca in enumerate(names):
            ia = [at[v] for v in self.model.blocks[ca]]
            for cb in names[a + 1:]:
                ib = [at[v] for v in self.model.blocks[cb]]
                out.loc[ca, cb] = float(s[np.ix_(ia, ib)].mean()) / np.sqrt(mono(ia) * mono(ib))
        return out

    def _score_cor(self) -> np.ndarray:
        """Correlations of the construct scores (uncorrected, also under PLSc, as seminr reports them)."""
        w = self.solution.weights
        return w.T @ self._s() @ w

    def fornell_larcker(self) -> pd.DataFrame:
        """Fornell & Larcker (1981): sqrt(AVE) on the diagonal, construct score correlations below it
        (uncorrected also under PLSc, as seminr's ``fl_criteria``), NaN above."""
        names = list(self.model.constructs)
        c = self._score_cor()
        np.fill_diagonal(c, np.sqrt(self.reliability()["AVE"].reindex(names).to_numpy()))
        c[np.triu_indices(len(names), 1)] = np.nan
        return pd.DataFrame(c, index=names, columns=names)

    def cross_loadings(self) -> pd.DataFrame:
        """Correlations of every indicator with every construct score (p x c)."""
        cross = self._s() @ self.solution.weights
        return pd.DataFrame(cross, index=self.model.items, columns=list(self.model.constructs))

    def vif(self) -> dict[str, pd.Series]:
        """Collinearity: ``items`` (each indicator regressed on the rest of its block; seminr ``item_vifs``)
        and ``antecedents`` (each predictor of an endogenous construct on the others; NaN for a sole
        predictor), both 1 / (1 - R^2), in a dict of Series indexed ``construct: variable``."""
        s = self._s()
        at = {v: k for k, v in enumerate(self.model.items)}
        items: dict[str, float] = {}
        for con in self.model.constructs:
            idx = [at[v] for v in self.model.blocks[con]]
            values = np.diag(np.linalg.inv(s[np.ix_(idx, idx)])) if len(idx) > 1 else np.ones(1)
            items.update({f"{con}: {v}": float(x) for v, x in zip(self.model.blocks[con], values, strict=True)})
        c = self._score_cor()  # seminr: the construct scores' correlations, also under PLSc
        pos = {n: k for k, n in enumerate(self.model.constructs)}
        ante: dict[str, float] = {}
        for target in self.model.endogenous:
            preds = self.model.predecessors(target)
            idx = [pos[x] for x in preds]
            values = np.diag(np.linalg.inv(c[np.ix_(idx, idx)])) if len(idx) > 1 else np.array([np.nan])
            ante.update({f"{target}: {x}": float(v) for x, v in zip(preds, values, strict=True)})
        return {"items": pd.Series(items, name="vif"), "antecedents": pd.Series(ante, name="vif")}

    def f_squared(self) -> pd.DataFrame:
        """Cohen's f^2 of every path: (R^2 with - R^2 without) / (1 - R^2 with), the model re-estimated
        without the path (seminr's ``fSquare``; NaN for the parts of an interaction term, as seminr).
        Columns lhs (target), op, rhs (source), f2."""
        from .model import PLSModel

        s = self._s()
        at = {c: k for k, c in enumerate(self.model.constructs)}
        rows = []
        components = {(part, tgt) for name, parts in self.model.interactions.items() for part in parts
                      for src_, tgt in self.model.paths if src_ == name}
        for src, tgt in self.model.paths:
            if (src, tgt) in components:  # as seminr: dropping a part of an interaction term is not a model
                rows.append((tgt, "~", src, math.nan))
                continue
            r2_with = float(self.solution.r2[at[tgt]])
            rest = tuple(p for p in self.model.paths if p != (src, tgt))
            keep = list(dict.fromkeys([a for a, _ in rest] + [b for _, b in rest]))
            if tgt not in keep or not rest:
                r2_without = 0.0
            else:
                reduced = PLSModel(constructs=tuple(keep), blocks={c: self.model.blocks[c] for c in keep},
                                   modes={c: self.model.modes[c] for c in keep}, paths=rest)
                idx = [self.model.items.index(v) for v in reduced.items]
                st = self.settings
                sol = estimate(s[np.ix_(idx, idx)], reduced, scheme=st["scheme"], consistent=st["consistent"],
                               max_iter=st["max_iter"], stop_criterion=st["stop_criterion"])
                r2_without = float(sol.r2[reduced.constructs.index(tgt)])
                if np.isnan(r2_without):  # the target lost its only predictor
                    r2_without = 0.0
            rows.append((tgt, "~", src, (r2_with - r2_without) / (1 - r2_with)))
        return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "f2"])

    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects between constructs (total = sum over path chains of the
        products of path coefficients: B (I - B)^-1), for every pair joined by a path chain."""
        b = self.solution.paths
        total = b @ np.linalg.inv(np.eye(len(b)) - b)
        names = list(self.model.constructs)
        rows = [(names[j], names[i], float(b[i, j]), float(total[i, j] - b[i, j]), float(total[i, j]))
                for i in range(len(names)) for j in range(len(names)) if abs(total[i, j]) > 0]
        return pd.DataFrame(rows, columns=["target", "source", "direct", "indirect", "total"])

    def ipma(self, data: pd.DataFrame, target: str, *, scale_min=None, scale_max=None):
        """Importance-performance map of the drivers of ``target`` (Ringle & Sarstedt 2016); see
        :func:`stickiness_research.pls.ipma.ipma`. ``data``: the raw answers the model was fitted to."""
        from .ipma import ipma

        return ipma(self, data, target, scale_min=scale_min, scale_max=scale_max)

    def predict(self, data: pd.DataFrame, *, folds=10, repetitions: int = 1, technique: str = "DA",
                seed: int | None = 1):
        """PLSpredict (Shmueli et al. 2019; seminr's ``predict_pls``): k-fold cross-validated predictions of
        the endogenous indicators with the LM benchmark; see :func:`stickiness_research.pls.predict.pls_predict`.
        ``data``: the raw answers the model was fitted to."""
        from .predict import pls_predict

        return pls_predict(self, data, folds=folds, repetitions=repetitions, technique=technique, seed=seed)

    def model_fit(self) -> pd.DataFrame:
        """SRMR, d_ULS and d_G of the saturated and estimated model (rows srmr, d_uls, d_g); see
        :func:`stickiness_research.pls.quality.model_fit`."""
        from .quality import model_fit

        return model_fit(self)

    def implied_correlation(self, structure: str = "saturated") -> pd.DataFrame:
        """The model-implied indicator correlations; see :func:`stickiness_research.pls.quality.implied_correlation`."""
        from .quality import implied_correlation

        return implied_correlation(self, structure)

    def q2_blindfolding(self, omission_distance: int = 7, *, baseline: str = "sample_mean") -> pd.DataFrame:
        """Stone-Geisser Q^2 (cross-validated redundancy) by blindfolding; see
        :func:`stickiness_research.pls.quality.q2_blindfolding`."""
        from .quality import q2_blindfolding

        return q2_blindfolding(self, omission_distance, baseline=baseline)

    def mga(self, data: pd.DataFrame, group, **kwargs):
        """PLS-MGA of every path between two groups of ``data`` (Henseler 2009; seminr's
        ``estimate_pls_mga``), with this model's settings; see :func:`stickiness_research.pls.groups.pls_mga`."""
        from .groups import pls_mga

        return pls_mga(self, data, group, **kwargs)

    def micom(self, data: pd.DataFrame, group, **kwargs):
        """Measurement invariance of composites between two groups of ``data`` (Henseler, Ringle & Sarstedt
        2016), with this model's settings; see :func:`stickiness_research.pls.groups.micom`."""
        from .groups import micom

        return micom(self, data, group, **kwargs)

    # ----- bootstrap ----------------------------------------------------------------------------
    @property
    def _mask(self) -> np.ndarray:
        """Where the measurement model has a loading/weight, as a boolean (p, c) matrix (row-major order)."""
        at = {v: k for k, v in enumerate(self.model.items)}
        mask = np.zeros((len(self.model.items), len(self.model.constructs)), dtype=bool)
        for j, con in enumerate(self.model.constructs):
            mask[[at[v] for v in self.model.blocks[con]], j] = True
        return mask

    @property
    def _path_index(self) -> tuple[np.ndarray, np.ndarray]:
        at = {c: k for k, c in enumerate(self.model.constructs)}
        return (np.array([at[a] for a, _ in self.model.paths], dtype=int),
                np.array([at[b] for _, b in self.model.paths], dtype=int))

    @property
    def _total_index(self) -> tuple[np.ndarray, np.ndarray]:
        b = self.solution.paths
        total = b @ np.linalg.inv(np.eye(len(b)) - b)
        return np.nonzero(np.abs(total) > 0)

    @property
    def _quantity_names(self) -> list[tuple[str, str, str]]:
        """(lhs, op, rhs) of every bootstrapped quantity, in _quantities order."""
        names = list(self.model.constructs)
        items = self.model.items
        ii, jj = np.nonzero(self._mask)
        ops = {c: "=~" if self.model.modes[c] == "A" else "<~" for c in names}
        out = [(names[j], ops[names[j]], items[i]) for i, j in zip(ii, jj, strict=True)]
        out += [(names[j], "weight", items[i]) for i, j in zip(ii, jj, strict=True)]
        out += [(b, "~", a) for a, b in self.model.paths]
        ti, tj = self._total_index
        out += [(names[j], "total", names[i]) for i, j in zip(ti, tj, strict=True)]
        return out

    def bootstrap(self, n_boot: int = 5000, seed: int | None = 1, *, level: float = 0.95, n_jobs: int = 1,
                  indices=None, ci: str = "percentile", sign_change: str = "none", n_inner: int = 50,
                  scheduler=None):
        """Bootstrap standard errors, t values and percentile intervals of loadings, weights, paths and
        total effects (seminr's ``bootstrap_model``). Same seed, same numbers, for any ``n_jobs``.

        Parameters
        ----------
        n_boot : int
            Resamples (5000 is usual for publication).
        seed : int or None
            Seed of ``numpy.random.default_rng`` drawing the resamples.
        level : float
            Confidence level of the percentile intervals.
        n_jobs : int
            Threads of this process running chunks of resamples (numpy releases the GIL).
        scheduler : dask.distributed.Client or str, optional
            Run the chunks on a Dask cluster instead (a Client, or a scheduler address such as
            ``"tcp://127.0.0.1:8786"``); the resamples are drawn up front, so the results are the same
            in process, on threads or on a cluster (:func:`stickiness_research.executor.run_tasks`).
        indices : array of int, optional
            ``(n_boot, n)`` row numbers of each resample instead of drawing them (e.g. R's
            ``set.seed(seed + i); sample.int(n, TRUE)`` to reproduce seminr's replicates).
        ci : {"percentile", "bca", "studentized"}
            Percentile intervals (seminr's), bias-corrected and accelerated ones (Efron 1987; the
            acceleration from the n leave-one-out estimates; needs at least 1,000 resamples and n), or
            studentized (bootstrap-t) ones as SmartPLS offers them (Davison & Hinkley 1997, ch. 5.2,
            eq. 5.7): every outer resample b is itself resampled ``n_inner`` times to give its SE
            ``se*_b``, ``t*_b = (est*_b - est) / se*_b``, and the interval is
            ``[est - SE t*_(1 - alpha/2), est - SE t*_(alpha/2)]`` with SE the (outer) bootstrap SE.
            Resample b draws its inner resamples from ``numpy.random.default_rng(child b)`` of
            ``numpy.random.SeedSequence(seed).spawn(n_boot)``, so they do not depend on ``n_jobs``.
            Cost: ``n_boot * (n_inner + 1)`` model fits, ``n_inner + 1`` times a percentile bootstrap
            (51 times with the default ``n_inner``: about a minute for 5,000 resamples of a
            six-construct model on one core).
        n_inner : int
            Inner resamples per outer resample for ``ci="studentized"`` (default 50; Davison & Hinkley
            find 25-50 enough for a variance estimate); at least 2. Ignored by the other intervals.
        sign_change : {"none", "construct", "individual"}
            Sign indeterminacy of the weights across resamples (Tenenhaus et al. 2005): ``"none"``
            (seminr's and SmartPLS's default), ``"construct"`` (a construct whose weights correlate
            negatively with the full-sample ones is turned around, with its loadings and paths) or
            ``"individual"`` (every replicate of every parameter takes the full-sample sign).

        Returns
        -------
        PLSBootstrap
        """
        from .bootstrap import bootstrap_pls

        return bootstrap_pls(self, n_boot, seed, level=level, n_jobs=n_jobs, indices=indices, ci=ci,
                             sign_change=sign_change, n_inner=n_inner, scheduler=scheduler)

    @property
    def title(self) -> str:
        s = self.settings
        return f"PLS-SEM ({'PLSc, ' if s['consistent'] else ''}{s['scheme']} scheme)"

    def headline(self) -> list[str]:
        return [f"N = {self.n_obs}, {self.iterations} iterations"]

    def fit_line(self) -> str:
        """One line on the model's fit as PLS-SEM reports it: SRMR, d_ULS and d_G of the estimated model (Henseler
        et al. 2014; SmartPLS's "model fit"), and a reminder that the chi-square test, CFI and RMSEA are CB-SEM's.

        Examples
        --------
        >>> import stickiness_research as sr
        >>> res = sr.fit_pls("A =~ CUEX1 + CUEX2 + CUEX3\\nB =~ CUSA1 + CUSA2 + CUSA3\\nB ~ A", sr.datasets.mobi())
        >>> res.fit_line()
        'PLS-SEM (path_weighting scheme), N = 250: SRMR = .024, d_ULS = .012, d_G = .028 (estimated model; χ², CFI and RMSEA are CB-SEM statistics)'
        """
        fit = self.model_fit()["estimated"]
        three = {k: f"{fit[k]:.3f}".replace("0.", ".", 1) if abs(fit[k]) < 1 else f"{fit[k]:.3f}"
                 for k in ("srmr", "d_uls", "d_g")}
        return (f"{self.title}, N = {self.n_obs}: SRMR = {three['srmr']}, d_ULS = {three['d_uls']}, d_G = "
                f"{three['d_g']} (estimated model; \u03c7\u00b2, CFI and RMSEA are CB-SEM statistics)")

    def tables(self) -> dict[str, pd.DataFrame]:
        """``estimates`` (weights, loadings, paths), ``r2``, ``reliability`` (alpha, rhoC, AVE, rhoA) and the rest
        of the PLS-SEM reporting set: ``model_fit`` (SRMR, d_ULS, d_G), ``htmt``, ``fornell_larcker``,
        ``item_vif``, ``inner_vif`` and ``f2`` (effect sizes of the paths)."""
        vif = self.vif()
        out = {"estimates": self.estimates, "r2": self.r2, "reliability": self.reliability(),
               "model_fit": self.model_fit().rename_axis("measure"), "htmt": self.htmt().rename_axis("construct"),
               "fornell_larcker": self.fornell_larcker().rename_axis("construct"),
               "item_vif": vif["items"].rename_axis("item").to_frame(),
               "inner_vif": vif["antecedents"].rename_axis("predictor").to_frame(), "f2": self.f_squared()}
        return {name: table for name, table in out.items() if len(table)}

    def meta(self) -> dict[str, Any]:
        """``method`` ("PLS-SEM"), ``settings`` (scheme, consistent, missing, ...), ``n_obs`` and ``iterations``."""
        return {"method": "PLS-SEM", "settings": dict(self.settings), "n_obs": self.n_obs,
                "iterations": self.iterations}

    def summary_notes(self) -> list[str]:
        return [f"warning: {w}" for w in self.warnings]

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


@renamed_arguments(syntax="model")
def fit_pls(model: str, data: pd.DataFrame, *, scheme: str = "path_weighting", consistent: bool = False,
            missing_value: float | None = None, missing: str = "mean", max_iter: int = 300,
            stop_criterion: float = 7, interaction: str = "two_stage", hoc: str = "two_stage") -> PLSResult:
    """Estimate a PLS path model (PLS-SEM), with seminr's algorithm and defaults.

    Parameters
    ----------
    model : str or Questionnaire
        lavaan-like syntax: ``C =~ x1 + x2`` a mode-A construct (correlation weights; a common factor
        with ``consistent=True``), ``C <~ x1 + x2`` a mode-B composite (regression weights),
        ``C2 ~ C1`` paths, ``C2 ~ C1 + M + C1:M`` an interaction (moderation) term (see
        ``interaction``), ``H =~ C1 + C2`` a second-order construct of two constructs (the two-stage
        approach: the dimensions' first-stage scores are its indicators; seminr's
        ``higher_composite``). A Questionnaire fits its hypothesised model (all constructs mode A).

        .. deprecated:: 0.1.1
            The keyword ``syntax=`` still works, with a FutureWarning, until 0.2: write ``model=``.
    data : DataFrame
        One row per respondent, a numeric column per indicator.
    scheme : {"path_weighting", "factorial", "centroid"}
        Inner weighting scheme (seminr's ``inner_weights``; path weighting is its default).
    consistent : bool
        PLSc (Dijkstra & Henseler 2015): disattenuate the mode-A constructs by their rho_A, giving
        consistent paths, R^2 and loadings for common-factor models (seminr ``reflective()``).
    missing_value : float, optional
        A code that means "no answer" (e.g. -99); treated as missing.
    missing : {"mean", "listwise"}
        Mean replacement (seminr's default ``mean_replacement``) or dropping incomplete rows.
    max_iter : int
        Most iterations (seminr's ``maxIt``, 300).
    stop_criterion : float
        Stop when the summed absolute change of the weights is below ``10^-stop_criterion``
        (seminr's ``stopCriterion``, 7).
    interaction : {"two_stage", "orthogonal", "product_indicator"}
        How an interaction term ``y ~ a + b + a:b`` is measured (seminr's ``interaction_term(method=)``):
        ``two_stage`` (the product of the two constructs' scores from the model without interactions;
        Henseler & Chin 2010, recommended by Becker, Ringle & Sarstedt 2018), ``orthogonal`` (products
        of the standardized indicators, each residualized on all indicators of the two constructs;
        Little, Bovaird & Widaman 2006) or ``product_indicator`` (the products themselves). As
        seminr, the interaction's score is rescaled by the loading-weighted SD of its product items
        (Henseler & Chin 2010), which is the scale of its path coefficient and loadings.
    hoc : {"two_stage", "repeated_indicators"}
        How a higher-order construct ``H =~ D1 + D2`` (or ``H <~ D1 + D2``) is estimated.
        ``two_stage`` (seminr's ``higher_composite(method = two_stage)``, its only method; Becker,
        Klein & Wetzels 2012): the dimensions' scores from a first stage, the model with H replaced
        by its dimensions, are H's indicators. ``repeated_indicators`` (Lohmöller 1989; Becker et al.
        2012; Sarstedt et al. 2019): one model in which H is measured by every indicator of its
        dimensions (each item in two blocks) and H is joined to its dimensions by paths: H -> each
        dimension for ``=~`` (a reflective-type HOC), each dimension -> H for ``<~`` (a formative-type
        HOC, H's block then mode B; the dimensions explain nearly all of H, so paths from H's other
        antecedents to H shrink toward zero, the known caveat of this approach). H's mode is its
        operator's; seminr has no repeated-indicators method, so the check is the seminr port
        estimating the same model with the items written into both blocks.

    Returns
    -------
    PLSResult

    Raises
    ------
    ModelSpecError
        Unreadable syntax or a model PLS cannot estimate (see :func:`.model.pls_model`), a missing
        column.
    ResponseDataError
        A non-numeric or constant indicator, or fewer complete rows than indicators.
    EstimationError
        A singular formative block or collinear predictors.
    ParameterError
        An argument out of range.

    Notes
    -----
    On the indicators' correlation matrix ``S``, from unit weights: the scores ``Y = X W`` rescaled to unit
    variance have correlations ``C``; the inner weights ``E`` are, for the path-weighting scheme, the
    regression weights of a construct on its predecessors and the correlations with its successors
    (factorial: correlations with all neighbours; centroid: their signs); the new weights are the
    indicators' covariances with the standardized proxy ``Y E`` (mode A), or the block's regression
    weights on it, ``S_bb^-1`` times those covariances (mode B), rescaled to unit-variance scores. The
    loop stops when ``sum |W_new - W_old| < 10^-stop_criterion`` or after ``max_iter`` iterations.
    Loadings are ``S W`` (indicator-score correlations); each endogenous construct's paths are
    ``C_pp^-1 C_pj`` over its predecessors p, with ``R^2 = beta' C_pj``. PLSc uses
    ``rho_A = (w'w)^2 w'(S - diag S)w / w'(ww' - diag(ww'))w`` per mode-A block: ``C`` divided by
    ``sqrt(rho_A_i rho_A_j)`` and loadings ``w sqrt(rho_A) / (w'w)``.

    References
    ----------
    Lohmöller (1989), Dijkstra & Henseler (2015) and Hair et al. (2022): the full entries are under
    :class:`PLSResult`.
    Henseler, J., & Chin, W. W. (2010). A comparison of approaches for the analysis of interaction effects
    between latent variables using partial least squares path modeling. *Structural Equation Modeling*,
    17(1), 82-109.
    R: ``seminr::estimate_pls`` (2.3.1): its published test fixtures and the seminr Python port's values
    (tests/test_pls.py, tests/test_pls_port.py; tests/reference/seminr/).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> mobi = sr.datasets.mobi()
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Satisfaction ~ Image + Expectation + Value''', mobi)
    >>> float(round(res.paths().loc["Value", "Satisfaction"], 6))  # seminr::estimate_pls(mobi, mm, sm)$path_coef
    0.316425
    """
    from ..questionnaire import Questionnaire

    syntax = model.model_syntax(labels=False) if isinstance(model, Questionnaire) else model
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", "fit_pls", "a pandas DataFrame", type(data).__name__)
    check(scheme, "scheme", "fit_pls", Options(SCHEMES))
    check(consistent, "consistent", "fit_pls", BOOL)
    check(missing, "missing", "fit_pls", Options(MISSING))
    check(max_iter, "max_iter", "fit_pls", Interval(int, 1, None))
    check(stop_criterion, "stop_criterion", "fit_pls", Interval(float, 0, 16))
    check(missing_value, "missing_value", "fit_pls", InstanceOf((int, float), "a number (the code of a missing answer)"),
          None)
    model = pls_model(syntax)
    items = model.items
    absent = [v for v in items if v not in data.columns]
    if absent:
        raise ModelSpecError(f"indicator {absent[0]!r} is not a column of the data"
                             f"{f' ({len(absent) - 1} more missing)' if len(absent) > 1 else ''}."
                             + did_you_mean(absent[0], data.columns))
    frame = data[items]
    _refuse_non_numeric(frame, items, "fit_pls")
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    if missing_value is not None:
        x = np.where(x == float(missing_value), np.nan, x)
    empty = np.isnan(x).all(axis=0)
    if empty.any():
        raise ResponseDataError(f"indicator {items[int(np.argmax(empty))]!r} has no answers (every row is blank"
                                f"{' or the missing-value code' if missing_value is not None else ''}); drop it.")
    notes = []
    holes = np.isnan(x)
    if holes.any():
        if missing == "mean":  # seminr's mean_replacement: each column's mean of the answers given
            means = np.nanmean(x, axis=0)
            x = np.where(holes, means[None, :], x)
            notes.append(f"{int(holes.sum())} missing answer(s) replaced by their indicator's mean (seminr's "
                         "default); missing='listwise' drops those rows instead.")
        else:
            keep = ~holes.any(axis=1)
            notes.append(f"{int((~keep).sum())} incomplete row(s) dropped listwise.")
            x = x[keep]
    n = len(x)
    if n <= len(items):
        raise ResponseDataError(f"{n} usable rows for {len(items)} indicators; PLS-SEM needs more respondents.")
    sd = x.std(axis=0, ddof=1)
    if np.any(sd == 0) or not np.all(np.isfinite(sd)):
        constant = items[int(np.argmin(np.where(np.isfinite(sd), sd, 0.0)))]
        raise ResponseDataError(f"indicator {constant!r} has no variance; drop it.")
    check(interaction, "interaction", "fit_pls", Options(INTERACTIONS))
    check(hoc, "hoc", "fit_pls", Options(HOC_METHODS))
    settings = {"scheme": scheme, "consistent": consistent, "missing": missing, "missing_value": missing_value,
                "max_iter": max_iter, "stop_criterion": stop_criterion, "interaction": interaction, "hoc": hoc}
    spec = model
    model, z, sol = estimate_raw(model, x, settings)
    if not sol.converged:
        notes.append(f"the weights did not converge in {max_iter} iterations (stop criterion 1e-{stop_criterion:g}); "
                     "estimates are from the last iteration.")
    scale = sol.score_scale if sol.score_scale is not None else 1.0
    scores = pd.DataFrame(z @ sol.weights * scale, index=frame.index[:n] if not holes.any() or
                          missing == "mean" else frame.index[~holes.any(axis=1)], columns=list(model.constructs))
    return PLSResult(estimates=_estimates(model, sol), r2=_r2(model, sol, n), construct_scores=scores, n_obs=n,
                     iterations=sol.iterations, settings=settings, model=model, solution=sol,
                     data=pd.DataFrame(z, columns=model.items), raw=pd.DataFrame(x, columns=items), spec=spec,
                     warnings=tuple(notes))


def estimate_raw(model: PLSModel, x: np.ndarray, settings: dict) -> tuple[PLSModel, np.ndarray, PLSSolution]:
    """Estimate ``model`` on the raw indicators ``x`` (n, p; ``model.items`` order, no missing values):
    the interaction items built from them first (seminr's ``process_interactions``), then the algorithm on
    their correlation matrix, then seminr's rescaling of interaction scores (``adjust_interaction``).

    Returns the model with the interaction constructs' indicators filled in, the standardized indicators
    (n, p') and the solution (``score_scale`` holds each construct's score rescaling, 1 but for
    interactions). Used by :func:`fit_pls` and by the bootstrap of models with interactions, which
    rebuilds the items in every resample as seminr does.
    """
    est = dict(scheme=settings["scheme"], consistent=settings["consistent"], max_iter=settings["max_iter"],
               stop_criterion=settings["stop_criterion"])
    n = len(x)

    def standardize(a: np.ndarray) -> np.ndarray:
        return (a - a.mean(axis=0)) / a.std(axis=0, ddof=1)

    z = standardize(x)
    hoc_stage = None
    if model.higher_order and settings.get("hoc") == "repeated_indicators":  # one model, items in two blocks
        flat = repeated_indicators_model(model)
        at = {v: k for k, v in enumerate(model.items)}
        model, z = flat, z[:, [at[v] for v in flat.items]]
    elif model.higher_order:  # two stages (seminr's prepare_higher_order_model): dimensions' scores first
        model, z, hoc_stage = _higher_order_stage(model, z, est)
    if not model.interactions:
        s = z.T @ z / (n - 1)
        return model, z, replace(estimate(s, model, **est), first_stage=hoc_stage)
    at = {v: k for k, v in enumerate(model.items)}
    blocks = dict(model.blocks)
    columns, names = [], []
    if settings["interaction"] == "two_stage":  # first stage: the model without its interaction terms
        base_paths = tuple(p for p in model.paths if p[0] not in model.interactions)
        keep = list(dict.fromkeys([a for a, _ in base_paths] + [b for _, b in base_paths]))
        first = PLSModel(constructs=tuple(keep), blocks={c: model.blocks[c] for c in keep},
                         modes={c: model.modes[c] for c in keep}, paths=base_paths)
        idx = [at[v] for v in first.items]
        zf = z[:, idx]
        first_sol = estimate(zf.T @ zf / (n - 1), first, **est)
        scores = zf @ first_sol.weights
    for name, (iv, mod) in model.interactions.items():
        if settings["interaction"] == "two_stage":
            product = (scores[:, first.constructs.index(iv)] * scores[:, first.constructs.index(mod)])[:, None]
            item_names = [f"{name}_intxn"]
        else:
            zi, zm = z[:, [at[v] for v in model.blocks[iv]]], z[:, [at[v] for v in model.blocks[mod]]]
            product = (zi[:, :, None] * zm[:, None, :]).reshape(n, -1)  # each iv item with every moderator item
            item_names = [f"{a}*{b}" for a in model.blocks[iv] for b in model.blocks[mod]]
            if settings["interaction"] == "orthogonal":  # residuals on both blocks' items (with an intercept)
                design = np.column_stack([np.ones(n), zi, zm])
                product = product - design @ np.linalg.lstsq(design, product, rcond=None)[0]
        columns.append(product)
        names += item_names
        blocks[name] = tuple(item_names)
    raw_items = np.column_stack(columns)
    sd_items = raw_items.std(axis=0, ddof=1)
    if np.any(sd_items == 0):
        raise EstimationError("an interaction term has no variance; check its two constructs.")
    base_items = model.items
    model = replace(model, blocks=blocks)
    position = {v: k for k, v in enumerate(base_items + names)}
    z = np.column_stack([z, standardize(raw_items)])[:, [position[v] for v in model.items]]  # the model's order
    sol = estimate(z.T @ z / (n - 1), model, **est)
    # seminr's adjust_interaction: an interaction's scores are rescaled by the loading-weighted SD of its raw
    # product items (Henseler & Chin 2010); its loadings and, without PLSc, its outgoing paths follow the scale
    at = {v: k for k, v in enumerate(model.items)}
    sd_of = dict(zip(names, sd_items, strict=True))
    scale = np.ones(len(model.constructs))
    loadings, paths = sol.loadings.copy(), sol.paths.copy()
    for name in model.interactions:
        j = model.constructs.index(name)
        rows = [at[v] for v in blocks[name]]
        lam = np.abs(sol.loadings[rows, j])
        scale[j] = float(np.sum([sd_of[v] for v in blocks[name]] * lam) / lam.sum())
        loadings[rows, j] *= scale[j]
        if not settings["consistent"]:
            paths[j, :] /= scale[j]
    return model, z, replace(sol, loadings=loadings, paths=paths, score_scale=scale, first_stage=hoc_stage)


def repeated_indicators_model(model: PLSModel) -> PLSModel:
    """The repeated-indicators form of a model with higher-order constructs: each HOC measured by all of its
    dimensions' indicators (in the dimensions' order) and joined to its dimensions by paths (HOC -> dimension for a
    mode-A HOC, dimension -> HOC for mode B), the dimensions added as constructs. A model without HOCs is returned
    as it is.

    Examples
    --------
    >>> m = repeated_indicators_model(pls_model("Q =~ A + B\\nA =~ a1 + a2\\nB =~ b1 + b2\\nL =~ l1 + l2\\nL ~ Q"))
    >>> m.blocks["Q"], m.paths
    (('a1', 'a2', 'b1', 'b2'), (('Q', 'L'), ('Q', 'A'), ('Q', 'B')))
    """
    if not model.higher_order:
        return model
    paths = list(model.paths)
    for hoc, dims in model.higher_order.items():
        paths += [(hoc, d) if model.modes[hoc] == "A" else (d, hoc) for d in dims]
    order = list(dict.fromkeys([a for a, _ in paths] + [t for _, t in paths]))  # seminr's construct order
    blocks = {c: (tuple(dict.fromkeys(v for d in model.higher_order[c] for v in model.blocks[d]))
                  if c in model.higher_order else model.blocks[c]) for c in order}
    return PLSModel(constructs=tuple(order), blocks=blocks, modes={c: model.modes[c] for c in order},
                    paths=tuple(paths), interactions=model.interactions)


def _higher_order_stage(model: PLSModel, z: np.ndarray, est: dict):
    """First stage of the two-stage approach: the model with every higher-order construct replaced by its
    dimensions (its antecedents lead to each dimension, each dimension to its outcomes; interaction terms
    left out), estimated; the dimensions' scores become the higher-order constructs' indicators.

    Returns the second-stage model, its standardized indicators and the first-stage (model, solution).
    """
    n = len(z)
    paths = list(model.paths)
    for hoc, dims in model.higher_order.items():
        antecedents = [a for a, t in paths if t == hoc]
        paths = [p for p in paths if p[1] != hoc] + [(a, d) for d in dims for a in antecedents]
        outcomes = [t for a, t in paths if a == hoc]
        paths = [p for p in paths if p[0] != hoc] + [(d, o) for o in outcomes for d in dims]
    paths = [p for p in paths if p[0] not in model.interactions]
    order = list(dict.fromkeys([a for a, _ in paths] + [t for _, t in paths]))
    first = PLSModel(constructs=tuple(order), blocks={c: model.blocks[c] for c in order},
                     modes={c: model.modes[c] for c in order}, paths=tuple(paths))
    at = {v: k for k, v in enumerate(model.items)}
    zf = z[:, [at[v] for v in first.items]]
    first_sol = estimate(zf.T @ zf / (n - 1), first, **est)
    scores = zf @ first_sol.weights  # unit variance
    dims = list(dict.fromkeys(d for ds in model.higher_order.values() for d in ds))
    column = {v: z[:, at[v]] for v in model.items}
    column.update({d: scores[:, first.constructs.index(d)] for d in dims})
    second = PLSModel(constructs=model.constructs, blocks={c: model.blocks[c] for c in model.constructs},
                      modes={c: model.modes[c] for c in model.constructs}, paths=model.paths,
                      interactions=model.interactions)
    z2 = np.column_stack([column[v] for v in second.items])
    return second, z2, (first, first_sol)


def _estimates(model: PLSModel, sol: PLSSolution) -> pd.DataFrame:
    at_item = {v: k for k, v in enumerate(model.items)}
    at = {c: k for k, c in enumerate(model.constructs)}
    rows = []
    for con in model.constructs:
        op = "=~" if model.modes[con] == "A" else "<~"
        for v in model.blocks[con]:
            rows.append((con, op, v, float(sol.loadings[at_item[v], at[con]]), float(sol.weights[at_item[v], at[con]])))
    for s, t in model.paths:
        rows.append((t, "~", s, float(sol.paths[at[s], at[t]]), math.nan))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "weight"])


def _r2(model: PLSModel, sol: PLSSolution, n: int) -> pd.DataFrame:
    at = {c: k for k, c in enumerate(model.constructs)}
    rows = []
    for con in model.endogenous:
        k = len(model.predecessors(con))
        r2 = float(sol.r2[at[con]])
        rows.append((con, r2, 1 - (1 - r2) * (n - 1) / (n - k - 1)))
    return pd.DataFrame(rows, columns=["construct", "r2", "r2_adj"])


# Why an analysis on the raw answers refuses a model whose indicators are built from the data: analysis -> feature ->
# reason (PLSpredict as seminr's predict_pls, which stops for both: "no published solution").
_REFUSALS = {
    "pls_predict": {
        "interactions": "there is no published solution for PLSpredict with moderation (seminr's predict_pls "
                        "refuses it too): the interaction's indicators are products built from every respondent's "
                        "scores, so a held-out fold's answers would enter its own predictors; predict with the model without the "
                        "interaction",
        "two_stage": "there is no published solution for PLSpredict with higher-order constructs (seminr's "
                     "predict_pls refuses them too): the first stage scores every respondent, held-out ones "
                     "included, so their answers would enter the predictors; predict with the model without the "
                     "higher-order construct (its dimensions as constructs)",
        "repeated_indicators": "with repeated indicators an item measures both a dimension and its higher-order "
                               "construct, one of them endogenous, so PLSpredict would predict answers from "
                               "themselves; predict with the model without the higher-order construct",
    },
    "ipma": {
        "interactions": "an interaction term is a product of two scores: it has no 0-100 performance (no scale ends) "
                        "and its importance depends on the moderator's level, so the map leaves moderated models "
                        "out (Ringle & Sarstedt 2016); map the model without the interaction",
        "two_stage": "a two-stage higher-order construct is measured by first-stage scores, not by answers with "
                     "scale ends, so its performance cannot be put on 0-100; fit with hoc='repeated_indicators', "
                     "where it is measured by its dimensions' answers, for the map",
    },
}


def _refuse_built_indicators(res: PLSResult, who: str) -> None:
    """A named refusal, with the reason, when ``res`` has indicators built from the data that ``who`` cannot use."""
    spec = res.spec
    if spec is None:
        return
    reasons = _REFUSALS.get(who.removesuffix("_intervals"), _REFUSALS["pls_predict"])
    hoc = res.settings.get("hoc", "two_stage")
    for present, feature, what in ((spec.interactions, "interactions", "interaction term(s) "
                                    f"{', '.join(spec.interactions)}"),
                                   (spec.higher_order, hoc, f"higher-order construct(s) "
                                    f"{', '.join(spec.higher_order)} ({hoc.replace('_', ' ')})")):
        if present and feature in reasons:
            raise ModelSpecError(f"{who}: the model has {what}; {reasons[feature]}.")


def raw_as_fitted(res: PLSResult, data: pd.DataFrame, who: str) -> tuple[np.ndarray, str]:
    """The raw indicators of the rows ``res`` used (n, p), after its missing-answer handling (checked against
    ``res.data``), and a note on that handling ("" without missing answers). ``who`` names the caller in errors
    (IPMA and PLSpredict report in the answers' own units, which the standardized ``res.data`` has lost); a model
    whose indicators are built from the data is refused with the reason it does not fit ``who``."""
    _refuse_built_indicators(res, who)
    items = res.model.items
    absent = [v for v in items if v not in data.columns]
    if absent:
        raise ModelSpecError(f"{who}: indicator {absent[0]!r} is not a column of the data; pass the data the model "
                             "was fitted to." + did_you_mean(absent[0], data.columns))
    frame = data[items]
    _refuse_non_numeric(frame, items, who)
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    code = res.settings["missing_value"]
    if code is not None:
        x = np.where(x == float(code), np.nan, x)
    holes = np.isnan(x)
    note = ""
    if holes.any():
        if res.settings["missing"] == "mean":  # as fit_pls: each column's mean of the answers given
            x = np.where(holes, np.nanmean(x, axis=0)[None, :], x)
            note = (f"{int(holes.sum())} missing answer(s) replaced by their indicator's mean, as in the fit; "
                    "performance is the mean of the answers given.")
        else:
            dropped = int(holes.any(axis=1).sum())
            x = x[~holes.any(axis=1)]
            note = f"{dropped} incomplete row(s) dropped listwise, as in the fit."
    fitted = res.data.to_numpy()
    same = x.shape == fitted.shape
    if same:
        with np.errstate(all="ignore"):
            z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
        same = bool(np.allclose(z, fitted, rtol=0, atol=1e-8))
    if not same:
        raise ResponseDataError(f"{who}: these data ({len(x)} usable rows) are not the data the model was fitted to "
                                f"({res.n_obs} rows); pass the same DataFrame as to fit_pls.")
    return x, note


def _refuse_non_numeric(frame: pd.DataFrame, items: list[str], who: str) -> None:
    """Refuse an indicator that is not a numeric column, naming the first cell that is not a number (row and
    value, as the survey readers do) or, when every cell reads as a number, saying the column holds text."""
    dtypes = frame.dtypes  # one lookup for all columns (per-column indexing dominated small fits)
    bad = [v for v, t in zip(items, dtypes, strict=True)
           if not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t)]
    if not bad:
        return
    from ..responses.scoring import checked_numbers

    checked_numbers(frame[[bad[0]]], who)  # raises for the first cell that is neither blank nor a number
    raise ResponseDataError(f"{who}: indicator {bad[0]!r} holds its numbers as text (dtype {dtypes[bad[0]]}); "
                            "convert the column with pandas.to_numeric, or read the file with sr.read_responses.")
