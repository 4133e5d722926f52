"""Study planning: how many respondents a study needs, analytically (RMSEA) or by simulation.

* :func:`rmsea_power` and :func:`rmsea_sample_size`: power of the RMSEA tests of exact, close and not-close
  fit from the noncentral chi-square (MacCallum, Browne & Sugawara, 1996), as semTools' ``findRMSEApower``
  and ``findRMSEAsamplesize`` compute it; instant, and need only the model's degrees of freedom.
* :func:`power`: Monte Carlo power of each hypothesis. For every sample size, ``replications`` datasets are
  simulated from the questionnaire's population model (the assumed truth), the hypothesised model is
  fitted, and each hypothesis' verdict is recorded (expected sign and Wald p < alpha).
* :func:`sample_size`: the smallest N whose simulated power reaches a target (bisection over N), with the
  Monte Carlo error of every estimate and the power curve (:class:`SampleSizeResult`).

The replications run through :func:`stickiness_research.executor.run_tasks`: in process, in local processes
(``n_jobs``) or on a Dask cluster (``scheduler``). Their seeds are spawned from one
``numpy.random.SeedSequence(seed)``, so results do not depend on ``n_jobs`` or on the backend.

Speed: the model is compiled once per call (:class:`~stickiness_research.sem.replicate.ReplicationModel`:
fit_sem's ParTable and layout, solved per replication from its sample moments, started at the population
values, no pandas tables), and a replication draws only the item answers
(:class:`~stickiness_research.simulate.AnswerSampler`, the same numbers ``simulate_responses`` gives for the
seed). What that path cannot fit as fit_sem would is refitted by ``fit_sem``. 1,000 replications of the default
model at N 300: about 7-9 s in one process, against 42 s with one ``fit_sem`` per replication
(``benchmarks/power.py``).
"""

from __future__ import annotations

import warnings
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._blas import one_blas_thread
from ._summary import Reportable
from ._validation import (
    BOOL,
    N_JOBS,
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    PROBABILITY_OPEN,
    InstanceOf,
    Interval,
    ListOf,
    Options,
    Satisfies,
    check,
)
from .errors import EstimationError, ModelSpecError, StickinessWarning
from .executor import connect, run_tasks, task_seeds
from .questionnaire import Questionnaire
from .sem import SEMResult, fit_sem
from .sem.fit import defined_values
from .sem.replicate import ReplicationFit, ReplicationModel, fit_partable
from .simulate import AnswerSampler, answer_sampler, population_model


def power(q: Questionnaire | SEMResult, n: list[int] | tuple[int, ...] = (200, 300, 500), replications: int = 200,
          seed: int = 1, *, alpha: float = 0.05, indirect: str = "delta", parameters: bool = False,
          model_tests: bool = False, n_jobs: int = 1, scheduler: Any = None,
          progress: bool = False) -> pd.DataFrame:
    """Power of each hypothesis (and optionally each parameter and the model tests) by simulation.

    Parameters
    ----------
    q : Questionnaire or SEMResult
        The assumed truth. A Questionnaire with a population block and hypotheses: its items are simulated and
        its hypothesised model fitted. Or a fitted model (a pilot study's :func:`~stickiness_research.fit_sem`
        result, one group): multivariate normal data with its model-implied covariance matrix are simulated and
        the same syntax is fitted; its labelled parameters and defined parameters (``:=``) are the hypotheses,
        with the pilot estimates' signs as the expected ones.
    n : sequence of int
        Sample sizes to try.
    replications : int
        Simulated datasets per sample size (200 gives power within about +-.035).
    seed : int or None
        Seed (>= 0) of the whole study. Sample size ``n[i]`` takes child ``i`` of ``SeedSequence(seed)`` and its
        replication ``j`` that child's child ``j``, whatever runs it.
    alpha : float
        Significance level of each test.
    indirect : {"delta", "montecarlo"}
        How indirect effects (defined parameters) are judged: the Wald test with the delta-method SE, or the
        Monte Carlo confidence interval (MacKinnon, Lockwood & Williams 2004; 5,000 draws of the labelled
        estimates from their asymptotic normal distribution): supported when the interval excludes 0. The
        Monte Carlo interval is the faster stand-in for the bootstrap, whose resamples per replication would
        multiply the cost by thousands.
    parameters : bool
        Add a row per free parameter (loadings, paths, covariances, variances): the share of replications in
        which its Wald p < ``alpha``.
    model_tests : bool
        Add the whole-model tests: the share of replications rejecting exact fit (chi-square p < ``alpha``) and
        close fit (RMSEA <= .05, ``rmsea.pvalue`` < ``alpha``). With a correct model these are the tests' type I
        error rates.
    n_jobs : int
        Local processes fitting replications in parallel (joblib); results are identical for any value.
    scheduler : dask.distributed.Client, str or None
        Fit the replications on a Dask cluster instead: a Client, or a scheduler address such as
        ``"tcp://10.0.0.5:8786"`` (``n_jobs`` is then ignored); results are identical to a local run.
    progress : bool
        Show a progress bar (stderr) per sample size.

    Returns
    -------
    DataFrame
        n, hypothesis, path, true_beta, power, mean_estimate (standardized), replications, failed (replications
        that did not converge; left out of the power), and ``kind`` ("hypothesis", "parameter" or "model")
        when parameters or model tests are asked for.

    Raises
    ------
    ParameterError
        A sample size under 30, ``replications``, ``seed``, ``alpha``, ``indirect`` or ``n_jobs`` out of range,
        or a ``scheduler`` that is neither a Client nor the address of a running scheduler.
    ModelSpecError
        A questionnaire without hypotheses, or a multi-group or ordinal pilot model.

    See Also
    --------
    sample_size : the smallest N whose simulated power reaches a target.
    stickiness_research.executor.run_tasks : the executor (in process, joblib or Dask).

    Notes
    -----
    The power of a hypothesis at N is the share of the converged replications (``replications`` in the table)
    in which its estimate has the expected sign and its Wald p < ``alpha``; an indirect effect judged by
    ``"montecarlo"`` is supported when the (1 - ``alpha``) interval of 5,000 draws of the labelled estimates
    from N(est, vcov) lies on the expected side of 0. ``mean_estimate`` is the mean standardized (std_all)
    estimate and ``true_beta`` the population value (for an indirect effect, the product of its paths). A
    power p from R replications has Monte Carlo standard error ``sqrt(p (1 - p) / R)``.

    Each call compiles the model once and fits every replication with
    :class:`~stickiness_research.sem.replicate.ReplicationModel` (``sem/replicate.py``): fit_sem's own
    parameter table for the syntax, the sample moments of the replication's data, the same Fisher scoring /
    Newton solve started at the population values (the estimates from one sample of 5,000 respondents; a
    pilot's own estimates), SEs from the expected information and the delta method for ``:=`` parameters, as
    ``fit_sem`` computes them, without building its tables. Replications that path declines (inequality
    constraints, a singular covariance matrix, no convergence, an unidentified solution) are refitted with
    ``fit_sem`` and counted as failed only when it fails too. The data of replication ``j`` are exactly those
    of ``reverse_code(simulate_responses(q, n, seed_j), q)``, drawn without the demographics frame
    (:class:`~stickiness_research.simulate.AnswerSampler`); ``tests/test_power_fast.py`` checks estimates, SEs
    and p-values against ``fit_sem`` on the same data (1e-6 relative) and the power tables against the
    one-``fit_sem``-per-replication implementation. ``benchmarks/power.py`` times 1,000 replications.

    References
    ----------
    Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample size and
    determine power. *Structural Equation Modeling*, 9(4), 599-620.
    MacKinnon, D. P., Lockwood, C. M., & Williams, J. (2004). Confidence limits for the indirect effect:
    Distribution of the product and resampling methods. *Multivariate Behavioral Research*, 39(1), 99-128.
    Not compared with an R simulator (simsem): each replication's fit is :func:`~stickiness_research.fit_sem`'s
    (lavaan's definitions; tests/test_power_fast.py), and the power of a pilot's regression slope agrees with
    the analytic power of its Wald test (tests/test_power_more.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> table = sr.power(q, n=[300], replications=3, seed=1)
    >>> sorted(table.columns)[:3]
    ['failed', 'hypothesis', 'mean_estimate']

    A pilot study's estimates as the truth (in R: ``simsem::sim(model = fit, n = 300)``-style Monte Carlo):

    >>> pilot = sr.fit_sem("y ~ b*x", sr.simulate_responses(q, n=120, seed=2).rename(columns={"int1": "x",
    ...                    "sti1": "y"})[["x", "y"]].astype(float))
    >>> sr.power(pilot, n=[100], replications=4, seed=1)["hypothesis"].tolist()
    ['b']
    """
    _check_monte_carlo("power", q, replications, seed, alpha, n_jobs, progress)
    check(n, "n", "power", ListOf(Interval(int, 30, None)))
    check(indirect, "indirect", "power", Options(("delta", "montecarlo")))
    check(parameters, "parameters", "power", BOOL)
    check(model_tests, "model_tests", "power", BOOL)
    sizes = [int(x) for x in n]
    plan = _Plan(q, replications, alpha, indirect=indirect, parameters=parameters, model_tests=model_tests)
    children = task_seeds(seed, len(sizes))
    with connect(scheduler, "power") as client:
        rows = [row for size, child in zip(sizes, children, strict=True)
                for row in plan.rows(size, child, n_jobs, client, progress)]
    table = PowerTable(rows)
    table.replications, table.seed, table.alpha, table.indirect = replications, seed, alpha, indirect
    return table


class PowerTable(Reportable, pd.DataFrame):
    """:func:`power`'s table: a DataFrame (one row per N and hypothesis, parameter or model test) that also
    follows the results protocol: ``print(table)``, Jupyter, ``summary()``, ``to_markdown()`` and ``to_latex()``
    render it with its title, settings and the Monte Carlo standard error of each power.

    ``to_dict()`` stays pandas' (the table is a DataFrame); ``table.summary().as_dict()`` is the protocol's
    dict. Slices and computations on the table are plain DataFrames.

    Attributes
    ----------
    replications : int
    seed : int or None
    alpha : float
    indirect : str
        How indirect effects were judged: "delta" (Sobel z) or "montecarlo" (Monte Carlo intervals).

    Notes
    -----
    Each ``power`` is a share of ``replications`` simulated samples (see :func:`power`); :meth:`tables` adds
    its Monte Carlo standard error ``mc_se = sqrt(power (1 - power) / replications)``.

    References
    ----------
    Muthén & Muthén (2002): the full entry is under :func:`power`.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> table = sr.power(q, n=[300], replications=3, seed=1)
    >>> table.summary().splitlines()[0]
    'Monte Carlo power'
    >>> isinstance(table[table["hypothesis"] == "H1"], sr.PowerTable)
    False
    """

    _metadata = ["replications", "seed", "alpha", "indirect"]
    title = "Monte Carlo power"

    def to_dict(self, *args: Any, **kwargs: Any) -> Any:
        """``pandas.DataFrame.to_dict`` (the table stays a DataFrame; the protocol's dict is
        ``summary().as_dict()``)."""
        return pd.DataFrame.to_dict(self, *args, **kwargs)

    @property
    def _constructor(self):
        return pd.DataFrame

    def headline(self) -> str:
        return (f"{getattr(self, 'replications', '?')} replications per N, seed {getattr(self, 'seed', None)}, "
                f"alpha {getattr(self, 'alpha', 0.05):g}; indirect effects by "
                f"{'Monte Carlo intervals' if getattr(self, 'indirect', 'delta') == 'montecarlo' else 'delta-method z'}")

    def tables(self) -> dict[str, pd.DataFrame]:
        """``power``: the rows with the Monte Carlo SE of each power, sqrt(p (1 - p) / R)."""
        frame = pd.DataFrame(self)
        if "power" in frame and "replications" in frame:
            frame = frame.assign(mc_se=_mc_se(frame["power"], frame["replications"]))
        return {"power": frame}

    def summary_notes(self) -> list[str]:
        return ["power is the share of replications in which a hypothesis is supported (the right sign and p < alpha); "
                "its Monte Carlo SE shrinks with more replications."]

    def meta(self) -> dict[str, Any]:
        """``replications`` per N, ``seed``, ``alpha`` and ``indirect`` (how indirect effects were judged)."""
        return {"replications": getattr(self, "replications", None), "seed": getattr(self, "seed", None),
                "alpha": getattr(self, "alpha", None), "indirect": getattr(self, "indirect", None)}


def _check_monte_carlo(function: str, q: Questionnaire | SEMResult, replications: int, seed: int | None,
                       alpha: float, n_jobs: int, progress: bool) -> None:
    """The checks power and sample_size share."""
    check(q, "q", function, InstanceOf((Questionnaire, SEMResult),
                                       "a Questionnaire (from sr.load_questionnaire) or a fitted pilot model"))
    check(replications, "replications", function, POSITIVE_INT)
    check(seed, "seed", function, NON_NEGATIVE_INT, None)
    check(alpha, "alpha", function, PROBABILITY_OPEN)
    check(n_jobs, "n_jobs", function, *N_JOBS)
    check(progress, "progress", function, BOOL)
    if isinstance(q, SEMResult):
        if q.groups or q._state is None or q.estimator not in ("ML", "MLR"):
            raise ModelSpecError("power from a pilot model needs a single-group ML or MLR fit of continuous data "
                                 f"(this one: {q.estimator}, {len(q.groups) or 1} group(s)).")
        return
    if not q.hypotheses:
        raise ModelSpecError(f"questionnaire {q.meta.id!r} has no hypotheses; power is computed for each "
                             "hypothesis, so add a hypotheses: block.")


MC_DRAWS = 5000  # Monte Carlo interval draws per indirect effect and replication
REFERENCE_N = 5000  # respondents of the one large sample whose estimates start every replication's solve
REFERENCE_SEED = 0
PILOT_ROWS = ("~", "=~", "~~")


@dataclass(frozen=True)
class _Pilot:
    """A fitted model as a population: what a replication needs (small, so it travels to workers cheaply)."""

    syntax: str
    names: tuple[str, ...]
    chol: np.ndarray  # Cholesky factor of the model-implied covariance matrix
    truth: pd.DataFrame  # the pilot's labelled '~' and ':=' rows: hypothesis, path, est, std_all

    def draw(self, n: int, seed: int, columns: list[str]) -> np.ndarray:
        """Multivariate normal data at the implied covariance, as ``columns`` (the model's variables)."""
        data = np.random.default_rng(seed).standard_normal((n, len(self.names))) @ self.chol.T
        return data[:, [self.names.index(c) for c in columns]]


@dataclass(frozen=True)
class _Items:
    """A questionnaire as a population: its answers as ``simulate_responses`` draws them, reverse-keyed items
    recoded as ``reverse_code`` recodes them, only the model's columns (no demographics frame, no pandas)."""

    sampler: AnswerSampler
    columns: np.ndarray  # the model's variables as positions among the questionnaire's items
    flip: np.ndarray  # (model variables,) minimum + maximum of a reverse-keyed item's response set, else 0

    @classmethod
    def of(cls, q: Questionnaire, observed: list[str]) -> _Items:
        items = [i.id for i in q.items]
        flip = [q.response_set_of(q.item(v)).minimum + q.response_set_of(q.item(v)).maximum
                if v in set(q.reverse_items) else 0 for v in observed]
        return cls(answer_sampler(q), np.array([items.index(v) for v in observed], dtype=int),
                   np.array(flip, dtype=float))

    def draw(self, n: int, seed: int, columns: list[str]) -> np.ndarray:
        codes = self.sampler.draw(n, np.random.default_rng(seed))[2][:, self.columns].astype(float)
        return np.where(self.flip > 0, self.flip - codes, codes)


@dataclass(frozen=True)
class _Replicator:
    """One replication as an executor task (``run_tasks`` calls it with N and the task's SeedSequence): draw the
    data, fit (the compiled fast path, else ``fit_sem``), judge every hypothesis. Picklable and small: the
    population's arrays, the syntax and the start values travel to the workers; each worker compiles the model
    once from its own caches (see :class:`~stickiness_research.sem.replicate.ReplicationModel`)."""

    population: _Items | _Pilot
    syntax: str
    observed: tuple[str, ...]
    model: ReplicationModel | None  # None: fit_sem for every replication
    alpha: float
    indirect: str
    details: bool
    labels: tuple[str, ...] | None  # questionnaire: each hypothesis' label; pilot: None (its labelled rows)
    signs: np.ndarray  # +1 / -1 per hypothesis
    defined: tuple[tuple[int, str], ...]  # (hypothesis position, defined parameter) judged as indirect effects

    def __call__(self, n: int, seed: np.random.SeedSequence) -> dict | None:
        """Replication's outcome; its data seed is the first 32-bit word of its SeedSequence."""
        with one_blas_thread():  # 25 x 25 products: BLAS threads cost more than they save (as in fit_sem)
            return self.replicate(n, int(seed.generate_state(1)[0]))

    def fit(self, x: np.ndarray) -> ReplicationFit | None:
        """The fast path's fit, or ``fit_sem``'s on the same data when the fast path declines; None when the
        model cannot be fitted (a failed replication, as before)."""
        fast = self.model.fit(x) if self.model is not None else None
        if fast is not None:
            return fast
        try:
            return ReplicationFit.from_result(fit_sem(self.syntax, pd.DataFrame(x, columns=list(self.observed))))
        except EstimationError:
            return None

    def replicate(self, n: int, seed: int) -> dict | None:
        fit = self.fit(self.population.draw(n, seed, list(self.observed)))
        if fit is None:
            return None
        rows = self.hypothesis_rows(fit)
        est, pvalue = fit.est[rows], fit.pvalue[rows]
        supported = (np.sign(est) == self.signs) & (pvalue < self.alpha)
        if self.indirect == "montecarlo" and self.defined:
            rng = np.random.default_rng([seed, 1])  # its own stream: the data's draws stay as they were
            for k, name in self.defined:
                lower, upper = _monte_carlo_interval(fit, self.syntax, name, rng, 1 - self.alpha)
                supported[k] = bool((lower > 0) if self.signs[k] > 0 else (upper < 0))
        out = {"supported": supported, "std_all": fit.std_all[rows]}
        if self.details:
            # loadings, paths and covariances: a variance's test against 0 says nothing a planner needs
            keep = (fit.se > 0) & (np.isin(fit.op, ["=~", "~"]) | ((fit.op == "~~") & (fit.lhs != fit.rhs)))
            out["parameters"] = ([f"{a} {o} {b}" for a, o, b in zip(fit.lhs[keep], fit.op[keep], fit.rhs[keep],
                                                                    strict=True)],
                                 fit.pvalue[keep], fit.std_all[keep])
            out["fit"] = (fit.chisq_p, fit.close_p)
        return out

    def hypothesis_rows(self, fit: ReplicationFit) -> np.ndarray:
        """Positions of the hypotheses' rows: a questionnaire's by label (the first '~' or ':=' row carrying it,
        as ``hypothesis_table``), a pilot's labelled rows and defined parameters in table order."""
        if self.labels is None:
            return np.flatnonzero((np.isin(fit.op, PILOT_ROWS) & (fit.label != "")) | (fit.op == ":="))
        first: dict[str, int] = {}
        for k, (label, op) in enumerate(zip(fit.label, fit.op, strict=True)):
            if op in ("~", ":=") and label and label not in first:
                first[label] = k
        return np.array([first[label] for label in self.labels], dtype=int)


class _Plan:
    """One Monte Carlo power study: the truth, the model, and how to run one sample size."""

    def __init__(self, q: Questionnaire | SEMResult, replications: int, alpha: float, *, indirect: str = "delta",
                 parameters: bool = False, model_tests: bool = False) -> None:
        self.q, self.replications, self.alpha = q, replications, alpha
        self.indirect, self.parameters, self.model_tests = indirect, parameters, model_tests
        if isinstance(q, SEMResult):
            est = q.estimates
            rows = est[(est["op"].isin(PILOT_ROWS) & (est["label"] != "")) | (est["op"] == ":=")]
            if rows.empty:
                raise ModelSpecError("power from a pilot model tests its labelled parameters and defined "
                                     "parameters; label the paths of interest (y ~ b*x) or define effects (:=).")
            truth = pd.DataFrame({"hypothesis": [r.label or r.lhs for r in rows.itertuples()],
                                  "path": [r.rhs if r.op == ":=" else f"{r.rhs} -> {r.lhs}" if r.op == "~"
                                           else f"{r.lhs} {r.op} {r.rhs}" for r in rows.itertuples()],
                                  "est": rows["est"].to_numpy(), "std_all": rows["std_all"].to_numpy()})
            if any("negative" in w for w in q.warnings):
                warnings.warn("the pilot model has a negative variance estimate (" + "; ".join(
                    w for w in q.warnings if "negative" in w) + "): a population with it is not plausible; fix the "
                    "model or the pilot data first.", StickinessWarning, stacklevel=3)
            try:
                chol = np.linalg.cholesky(q.implied_cov.to_numpy())
            except np.linalg.LinAlgError:
                raise ModelSpecError("the pilot model's implied covariance matrix is not positive definite, so no "
                                     "data can be drawn from it; fix the model or the pilot data.") from None
            est_all = q.estimates
            self.pilot_std = {f"{r.lhs} {r.op} {r.rhs}": float(r.std_all) for r in est_all.itertuples()}
            self.source = _Pilot(q.syntax, tuple(q.observed_variables), chol, truth)
            self.hypotheses = list(truth["hypothesis"])
            signs = np.sign(truth["est"].to_numpy())
            defined = tuple((k, r.lhs) for k, r in enumerate(rows.itertuples()) if r.op == ":=")
            labels = None
        else:
            self.truth = population_model(q)
            self.source = q
            self.hypotheses = [h.id for h in q.hypotheses]
            signs = np.array([1.0 if h.sign == "+" else -1.0 for h in q.hypotheses])
            defined = tuple((k, h.label) for k, h in enumerate(q.hypotheses) if h.is_indirect)
            labels = tuple(h.label for h in q.hypotheses)
        self.syntax = q.syntax if isinstance(q, SEMResult) else q.model_syntax()
        observed = list(fit_partable(self.syntax).ov_names)
        population = self.source if isinstance(self.source, _Pilot) else _Items.of(q, observed)
        self.job = _Replicator(population, self.syntax, tuple(observed), _compile(population, self.syntax, observed),
                               alpha, indirect, parameters or model_tests, labels, signs, defined)

    def parameter_truth(self) -> dict[str, float]:
        """Standardized population value of each parameter row, where the population states it: a pilot's
        std.all, or the questionnaire's loadings and paths."""
        if isinstance(self.source, _Pilot):
            return self.pilot_std
        out = {f"{item.construct} =~ {item.id}": self.truth.loadings[item.id] for item in self.q.items}
        out |= {f"{b} ~ {a}": beta for (a, b), beta in self.truth.paths.items()}
        return out

    def rows(self, size: int, seed: np.random.SeedSequence, n_jobs: int, client: Any, progress: bool) -> list[dict]:
        """sr.power's rows at one sample size; replication j takes child j of ``seed``."""
        outcomes = run_tasks(self.job, [size] * self.replications, seed=seed, n_jobs=n_jobs, scheduler=client,
                             progress=progress, description=f"N = {size}")
        ok = [o for o in outcomes if o is not None]
        extra = self.parameters or self.model_tests
        supported = np.array([o["supported"] for o in ok], dtype=bool).reshape(len(ok), len(self.hypotheses))
        standardized = np.array([o["std_all"] for o in ok], dtype=float).reshape(supported.shape)
        rows = []
        for k, hid in enumerate(self.hypotheses):
            if isinstance(self.source, _Pilot):
                path, beta = self.source.truth.loc[k, "path"], float(self.source.truth.loc[k, "std_all"])
            else:
                h = self.q.hypotheses[k]
                path, beta = " -> ".join(h.chain), _true_beta(self.truth.paths, h.chain)
            rows.append({"n": size, "hypothesis": hid, "path": path, "true_beta": beta,
                         "power": float(np.mean(supported[:, k].copy())) if ok else np.nan,
                         "mean_estimate": float(np.mean(standardized[:, k].copy())) if ok else np.nan,
                         "replications": len(ok), "failed": self.replications - len(ok)}
                        | ({"kind": "hypothesis"} if extra else {}))
        if self.parameters and ok:
            table = pd.DataFrame({"parameter": [name for o in ok for name in o["parameters"][0]],
                                  "pvalue": np.concatenate([o["parameters"][1] for o in ok]),
                                  "std_all": np.concatenate([o["parameters"][2] for o in ok])})
            truth = self.parameter_truth()
            for key, part in table.groupby("parameter", sort=False):
                rows.append({"n": size, "hypothesis": key, "path": "parameter", "true_beta": truth.get(key, np.nan),
                             "power": float((part["pvalue"] < self.alpha).mean()),
                             "mean_estimate": float(part["std_all"].mean()), "replications": len(part),
                             "failed": self.replications - len(ok), "kind": "parameter"})
        if self.model_tests and ok:
            # rejection rates: with a correct model (a pilot's own implied covariance) the tests' type I error
            for name, column in (("rejects exact fit (chi-square)", 0), ("rejects close fit (RMSEA <= .05)", 1)):
                values = np.array([o["fit"][column] for o in ok], dtype=float)
                rows.append({"n": size, "hypothesis": name, "path": "model", "true_beta": np.nan,
                             "power": float(np.mean(values < self.alpha)), "mean_estimate": np.nan,
                             "replications": len(ok), "failed": self.replications - len(ok), "kind": "model"})
        return rows


def _compile(population: _Items | _Pilot, syntax: str, observed: list[str]) -> ReplicationModel | None:
    """The compiled model, started at the population values: the estimates from one large sample
    (``REFERENCE_N`` respondents; for a pilot, data whose covariance matrix is exactly the implied one, so
    these are the pilot's own values). None when even that sample cannot be fitted (each replication then
    goes through fit_sem, which says why it fails)."""
    if isinstance(population, _Pilot):
        z = np.random.default_rng(REFERENCE_SEED).standard_normal((REFERENCE_N, len(population.names)))
        z = (z - z.mean(axis=0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
        x = (z @ population.chol.T)[:, [population.names.index(c) for c in observed]]
    else:
        x = population.draw(REFERENCE_N, REFERENCE_SEED, observed)
    try:
        reference = fit_sem(syntax, pd.DataFrame(x, columns=observed))
    except (EstimationError, ModelSpecError):
        return None
    return ReplicationModel(syntax, reference._state.solution.theta)


def _true_beta(paths: dict[tuple[str, str], float], chain: list[str]) -> float:
    value = 1.0
    for a, b in zip(chain, chain[1:], strict=False):
        value *= paths.get((a, b), 0.0)
    return value


def _monte_carlo_interval(fit: ReplicationFit, syntax: str, name: str, rng: np.random.Generator,
                          level: float) -> tuple[float, float]:
    """Monte Carlo interval of the defined parameter ``name``: the labelled estimates drawn from N(est, vcov),
    the definition evaluated on each draw (MacKinnon, Lockwood & Williams 2004)."""
    partable = fit_partable(syntax)
    first: dict[str, float] = {}
    for label, value in zip(fit.label, fit.est, strict=True):
        first.setdefault(label, float(value))
    labels = [k for k in fit.theta_names if k in first]
    index = [fit.theta_names.index(k) for k in labels]
    mean = np.array([first[k] for k in labels])
    cov = fit.vcov[np.ix_(index, index)]
    draws = rng.multivariate_normal(mean, cov, size=MC_DRAWS, method="cholesky" if np.all(np.linalg.eigvalsh(cov)
                                                                                           > 0) else "eigh")
    names = [d.lhs for d in partable.definitions()]
    values = np.array(defined_values(partable, dict(zip(labels, draws.T, strict=True))), dtype=float)
    column = values[names.index(name)]
    return tuple(np.quantile(column, [(1 - level) / 2, (1 + level) / 2]))


# --- Sample size by simulation --------------------------------------------------------------------------

CRITERIA = ("all", "each")


@dataclass(frozen=True)
class SampleSizeResult(Reportable):
    r"""The smallest N whose simulated power reaches a target, with the power curve the search measured.

    Attributes
    ----------
    n : int or None
        The N found: with ``criterion="all"`` the smallest N on the grid at which every chosen hypothesis reaches
        the target; with ``"each"`` the largest of the per-hypothesis Ns. None when ``n_max`` is not enough.
    target_power : float
    criterion : str
        "all" (the minimum power across the chosen hypotheses) or "each" (one search per hypothesis).
    sample_sizes : DataFrame
        One row per search ("all", or each hypothesis): hypothesis, n (None if not reached), power at n, mc_se
        (its Monte Carlo standard error), n_below (the grid point below n), power_below, mc_se_below, reached.
    search : DataFrame
        Every step of each search, in order: hypothesis ("all" or the hypothesis id), step, n, power, mc_se,
        reached (power >= target).
    curve : DataFrame
        :func:`power`'s rows at every N the searches evaluated, sorted by n: n, hypothesis, path, true_beta, power,
        mc_se, mean_estimate, replications, failed.
    hypotheses : tuple of str
        The hypotheses searched over.
    replications, seed, alpha, step, n_min, n_max
        The settings of the search.
    notes : tuple of str
        Caveats of the search, shown under its tables.

    Notes
    -----
    The power at N is the share of the ``replications`` simulated samples of size N in which a hypothesis is
    supported at ``alpha``; its Monte Carlo standard error is :math:`\sqrt{p (1 - p) / R}`. ``n`` is the first
    grid point whose power reaches the target while the point ``step`` below does not (bisection over the grid,
    common random numbers at every N; see :func:`~stickiness_research.sample_size`). In the results protocol:
    ``tables()`` gives "sample sizes", "power curve" and "search"; ``summary()``, ``str()``, ``to_markdown()``,
    ``to_latex()`` and ``_repr_html_`` render them.

    References
    ----------
    Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample size and
    determine power. *Structural Equation Modeling*, 9(4), 599-620.

    Examples
    --------
    4 replications per N only to keep the example fast (use the default 200):

    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> result = sr.sample_size(q, 0.8, hypotheses=["H1"], n_min=30, n_max=60, step=10, replications=4, seed=1)
    >>> result.headline()
    'Sample size for power >= 0.8 (every one of H1; alpha 0.05; 4 replications per N, seed 1): N = 50'
    >>> result.sample_sizes[["hypothesis", "n", "power", "n_below", "power_below", "reached"]]
      hypothesis   n  power  n_below  power_below  reached
    0        all  50    1.0       40          0.5     True
    >>> result.power_table()
        n    H1   all
    0  30  0.75  0.75
    1  40  0.50  0.50
    2  50  1.00  1.00
    3  60  1.00  1.00
    >>> list(result.tables())
    ['sample sizes', 'power curve', 'search']
    """

    n: int | None
    target_power: float
    criterion: str
    sample_sizes: pd.DataFrame
    search: pd.DataFrame
    curve: pd.DataFrame
    hypotheses: tuple[str, ...]
    replications: int
    seed: int | None
    alpha: float
    step: int
    n_min: int
    n_max: int
    notes: tuple[str, ...] = field(default=())

    def headline(self) -> str:
        """One line: the N found (or not) and the search's settings."""
        what = (f"every one of {', '.join(self.hypotheses)}" if self.criterion == "all"
                else f"each of {', '.join(self.hypotheses)} separately")
        found = (f"N = {self.n}" if self.n is not None
                 else f"not reached by N = {self.n_max} (raise n_max)")
        return (f"Sample size for power >= {self.target_power:g} ({what}; alpha {self.alpha:g}; "
                f"{self.replications} replications per N, seed {self.seed}): {found}")

    def power_table(self) -> pd.DataFrame:
        """The power curve wide: one row per evaluated N, one column per hypothesis (and "all", the minimum)."""
        wide = self.curve.pivot(index="n", columns="hypothesis", values="power")[list(self.hypotheses)]
        wide["all"] = wide.min(axis=1)
        return wide.reset_index().rename_axis(columns=None)

    title = "Monte Carlo sample-size search"

    def tables(self) -> dict[str, pd.DataFrame]:
        """``sample sizes`` (the N found per hypothesis), ``power curve`` (power at each N evaluated; the Monte
        Carlo SE of a power p from R replications is sqrt(p (1 - p) / R)) and ``search`` (every step of each
        search)."""
        return {"sample sizes": self.sample_sizes, "power curve": self.power_table(), "search": self.search}

    def meta(self) -> dict[str, Any]:
        """``n`` (the N found, None when not reached), ``target_power``, ``criterion``, ``hypotheses`` and the
        search's settings (``replications``, ``seed``, ``alpha``, ``step``, ``n_min``, ``n_max``)."""
        return {"n": self.n, "target_power": self.target_power, "criterion": self.criterion,
                "hypotheses": list(self.hypotheses), "replications": self.replications, "seed": self.seed,
                "alpha": self.alpha, "step": self.step, "n_min": self.n_min, "n_max": self.n_max}

    def figure(self):
        """The power curve (matplotlib Figure): power by N per hypothesis with +-2 Monte Carlo SE bars, the
        target as a dashed line and the N found as a dotted one. A Figure of its own (no pyplot): the session's
        backend and rcParams stay as they were."""
        from ._canvas import new_figure

        fig = new_figure(6.4, 4.2)
        ax = fig.subplots()
        for hypothesis in self.hypotheses:
            rows = self.curve[self.curve["hypothesis"] == hypothesis]
            low = (rows["power"] - (rows["power"] - 2 * rows["mc_se"]).clip(lower=0)).to_numpy()
            high = ((rows["power"] + 2 * rows["mc_se"]).clip(upper=1) - rows["power"]).to_numpy()
            ax.errorbar(rows["n"], rows["power"], yerr=[low, high], marker="o", markersize=3, capsize=2,
                        linewidth=1, label=hypothesis)
        ax.axhline(self.target_power, color="black", linestyle="--", linewidth=0.8)
        if self.n is not None:
            ax.axvline(self.n, color="black", linestyle=":", linewidth=0.8)
            ax.annotate(f"N = {self.n}", (self.n, 0.02), xytext=(4, 0), textcoords="offset points", fontsize=8)
        ax.set_xlabel("sample size N")
        ax.set_ylabel(f"power (alpha = {self.alpha:g}; +-2 Monte Carlo SE)")
        ax.set_ylim(0, 1.02)
        ax.legend(frameon=False, fontsize=8, ncol=2 if len(self.hypotheses) > 5 else 1)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return fig


def sample_size(q: Questionnaire, target_power: float = 0.8, *, hypotheses: list[str] | None = None,
                criterion: str = "all", n_min: int = 50, n_max: int = 5000, step: int = 10,
                replications: int = 200, seed: int = 1, alpha: float = 0.05, n_jobs: int = 1,
                scheduler: Any = None, progress: bool = False) -> SampleSizeResult:
    """The smallest sample size whose simulated power reaches ``target_power``, by bisection over N.

    The candidate sizes are the grid ``n_min, n_min + step, ..., n_max``. The search evaluates :func:`power` at
    ``n_min``, doubles N until the power reaches the target (or ``n_max`` is tried), then bisects the grid between
    the last N below the target and the first at or above it, so it needs about ``2 log2(n / n_min) + 2``
    evaluations of ``replications`` fits each. It returns the first grid point N at which the estimated power
    reaches the target while the grid point below it (``N - step``) does not. With ``criterion="all"`` the power is
    the minimum over the chosen hypotheses (every hypothesis must be supported often enough); with ``"each"`` one
    search runs per hypothesis (sharing the evaluated Ns).

    Every N is simulated from the same seeds: replication ``j`` at any N takes child ``j`` of the first child of
    ``SeedSequence(seed)`` (common random numbers), so the power at N equals
    ``sr.power(q, n=[N], replications=replications, seed=seed)``, does not depend on the path of the search, and
    is the same for any ``n_jobs`` or ``scheduler``. A power estimate p from R replications has Monte Carlo
    standard error sqrt(p (1 - p) / R) (about .028 at p = .8 with R = 200), reported beside every estimate; the
    bisection assumes the power rises with N, which the estimates only follow up to that error.

    Parameters
    ----------
    q : Questionnaire
        With a population block (the assumed truth) and hypotheses.
    target_power : float
        The power to reach, in (0, 1).
    hypotheses : list of str or None
        Hypothesis ids to plan for (default: all of the questionnaire's).
    criterion : {"all", "each"}
        "all": one N at which the smallest power among ``hypotheses`` reaches the target; "each": an N per
        hypothesis.
    n_min, n_max : int
        The range of N searched (n_min >= 30, n_max > n_min).
    step : int
        Spacing of the grid of N (>= 1): the answer is exact to ``step`` respondents.
    replications : int
        Simulated datasets per evaluated N.
    seed : int or None
        Seed (>= 0) of the search.
    alpha : float
        Significance level of each hypothesis test.
    n_jobs : int
        Local processes fitting replications in parallel (joblib); results are identical for any value.
    scheduler : dask.distributed.Client, str or None
        Fit the replications on a Dask cluster (a Client or a scheduler address); results are identical.
    progress : bool
        Show a progress bar (stderr) per evaluated N.

    Returns
    -------
    SampleSizeResult
        ``.n``, ``.sample_sizes`` (N found, its power and Monte Carlo SE, and the same for N - step), ``.search``
        (every step), ``.curve`` (power per hypothesis at every evaluated N), ``.power_table()``, ``.figure()``.

    Raises
    ------
    ParameterError
        An argument out of range, an unknown hypothesis id, or a ``scheduler`` that is not there.
    ModelSpecError
        The questionnaire has no hypotheses.

    See Also
    --------
    power : the power at given sample sizes.
    rmsea_sample_size : the N for the RMSEA test of fit (analytic, instant).

    Notes
    -----
    With ``p(N)`` the simulated power at N (:func:`power`; with ``criterion="all"`` the minimum over the
    hypotheses), the answer is the grid point ``N`` with ``p(N) >= target_power > p(N - step)`` that the
    bisection brackets; with ``"each"`` one such N per hypothesis, and ``n`` the largest of them. Each
    power comes with its Monte Carlo standard error ``sqrt(p (1 - p) / R)``.

    References
    ----------
    Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample size and
    determine power. *Structural Equation Modeling*, 9(4), 599-620.
    Not compared with an R function: the power at each N equals :func:`power`'s with the same seed
    (tests/test_sample_size.py).

    Examples
    --------
    The N at which the direct effect H1 (beta .50) is supported in at least 80% of samples (4 replications
    per N only to keep the example fast; use the default 200):

    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> result = sr.sample_size(q, 0.8, hypotheses=["H1"], n_min=30, n_max=60, step=10, replications=4, seed=1)
    >>> result.n
    50
    >>> result.search[["n", "power", "reached"]].to_dict("list")  # the search's steps
    {'n': [30, 60, 40, 50], 'power': [0.75, 1.0, 0.5, 1.0], 'reached': [False, True, False, True]}
    >>> result.sample_sizes.columns.tolist()[:4]
    ['hypothesis', 'n', 'power', 'mc_se']
    """
    function = "sample_size"
    _check_monte_carlo(function, q, replications, seed, alpha, n_jobs, progress)
    check(target_power, "target_power", function, PROBABILITY_OPEN)
    known = [h.id for h in q.hypotheses]
    check(hypotheses, "hypotheses", function, ListOf(Options(tuple(known))), None)
    check(criterion, "criterion", function, Options(CRITERIA))
    check(n_min, "n_min", function, Interval(int, 30, None))
    check(n_max, "n_max", function, Interval(int, n_min + 1, None), when="(above n_min)")
    check(step, "step", function, Interval(int, 1, n_max - n_min))
    chosen = tuple(dict.fromkeys(hypotheses)) if hypotheses is not None else tuple(known)
    grid = list(range(n_min, n_max, step)) + [n_max]
    plan = _Plan(q, replications, alpha)
    common = task_seeds(seed, 1)[0]  # sr.power(q, n=[N], seed=seed)'s seed for its one N, at every N
    evaluated: dict[int, pd.DataFrame] = {}
    steps: list[dict] = []

    with connect(scheduler, function) as client:
        def power_at(index: int, label: str) -> tuple[float, float]:
            size = grid[index]
            if size not in evaluated:
                table = pd.DataFrame(plan.rows(size, common, n_jobs, client, progress)).set_index("hypothesis")
                table["mc_se"] = _mc_se(table["power"], table["replications"])
                evaluated[size] = table
            rows = evaluated[size].loc[list(chosen) if label == "all" else [label]]
            weakest = rows["power"].fillna(-1.0).to_numpy().argmin()  # a power nobody could estimate counts as 0
            value, se = float(rows["power"].iloc[weakest]), float(rows["mc_se"].iloc[weakest])
            steps.append({"hypothesis": label, "step": sum(s["hypothesis"] == label for s in steps) + 1,
                          "n": size, "power": value, "mc_se": se, "reached": bool(value >= target_power)})
            return value, se

        labels = ["all"] if criterion == "all" else list(chosen)
        found = {label: _bisect(grid, lambda i, label=label: power_at(i, label)[0] >= target_power)
                 for label in labels}

    summary_rows = []
    for label, index in found.items():
        def at(i: int | None, label: str = label) -> tuple[float, float]:
            if i is None or i < 0:
                return np.nan, np.nan
            rows = evaluated[grid[i]].loc[list(chosen) if label == "all" else [label]]
            weakest = rows["power"].fillna(-1.0).to_numpy().argmin()
            return float(rows["power"].iloc[weakest]), float(rows["mc_se"].iloc[weakest])

        below = None if index is None or index == 0 else index - 1
        power_n, se_n = at(index)
        power_below, se_below = at(below)
        summary_rows.append({"hypothesis": label, "n": None if index is None else grid[index], "power": power_n,
                             "mc_se": se_n, "n_below": None if below is None else grid[below],
                             "power_below": power_below, "mc_se_below": se_below, "reached": index is not None})
    sample_sizes = pd.DataFrame(summary_rows).astype({"n": "Int64", "n_below": "Int64"})
    reached = sample_sizes["n"]
    n = None if reached.isna().any() else int(reached.max())
    notes = []
    for row in summary_rows:
        if row["reached"] and abs(row["power"] - target_power) < 2 * row["mc_se"]:
            notes.append(f"{row['hypothesis']}: the power at N = {row['n']} ({row['power']:.3f}) is within 2 Monte "
                         f"Carlo SE ({row['mc_se']:.3f}) of the target; more replications would pin N down.")
        if row["n"] == n_min and row["reached"]:
            notes.append(f"{row['hypothesis']}: the target is already reached at n_min = {n_min}; a smaller "
                         "n_min may suffice.")
    curve = pd.concat([evaluated[size].reset_index() for size in sorted(evaluated)], ignore_index=True)
    curve = curve[curve["hypothesis"].isin(chosen)][["n", "hypothesis", "path", "true_beta", "power", "mc_se",
                                                     "mean_estimate", "replications", "failed"]]
    return SampleSizeResult(n=n, target_power=target_power, criterion=criterion, sample_sizes=sample_sizes,
                            search=pd.DataFrame(steps), curve=curve.reset_index(drop=True), hypotheses=chosen,
                            replications=replications, seed=seed, alpha=alpha, step=step, n_min=n_min,
                            n_max=n_max, notes=tuple(notes))


def _mc_se(power: pd.Series, replications: pd.Series) -> pd.Series:
    """Monte Carlo standard error of a proportion p from R replications: sqrt(p (1 - p) / R)."""
    return np.sqrt(power * (1 - power) / replications.where(replications > 0))


def _bisect(grid: list[int], reaches) -> int | None:
    """Index of the first grid point that ``reaches(index)`` is true for, assuming it rises with N: doubling N from
    grid[0] to bracket, then bisection. None when even the last point does not reach it."""
    if reaches(0):
        return 0
    low = 0
    while True:
        upper = max(bisect_left(grid, min(2 * grid[low], grid[-1])), low + 1)
        if reaches(upper):
            break
        if upper == len(grid) - 1:
            return None
        low = upper
    while upper - low > 1:
        middle = (low + upper) // 2
        low, upper = (low, middle) if reaches(middle) else (middle, upper)
    return upper


# --- RMSEA-based power (MacCallum, Browne & Sugawara, 1996) ------------------------------------------------

RMSEA = Interval(float, 0, None)
DEGREES_OF_FREEDOM = Interval(float, 0, None, closed="neither")
LARGEST_N = 10**9  # rmsea_sample_size gives up beyond this: the two RMSEAs are too close to tell apart


def rmsea_power(*, rmsea0: float, rmsea_a: float, df: float | SEMResult, n: int, alpha: float = 0.05,
                groups: int | None = None) -> float:
    r"""Power of the RMSEA test of exact, close or not-close fit at sample size ``n``.

    MacCallum, Browne & Sugawara (1996): under :math:`H_0: \varepsilon = \varepsilon_0` the model's
    likelihood-ratio statistic follows a noncentral chi-square with ``df`` degrees of freedom and
    noncentrality :math:`\lambda_0`, under the alternative :math:`\varepsilon = \varepsilon_a` one with
    :math:`\lambda_a`, where for :math:`G` groups of :math:`N` respondents in all

    .. math:: \lambda_0 = (N - 1)\, df\, \varepsilon_0^2 / G, \qquad \lambda_a = (N - 1)\, df\, \varepsilon_a^2 / G

    (a multi-group RMSEA is :math:`\sqrt{G}` times the one-group formula, as in lavaan). Then

    * close fit (:math:`\varepsilon_0 < \varepsilon_a`, e.g. .05 against .08) and exact fit
      (:math:`\varepsilon_0 = 0`): reject when :math:`T > c = \chi^2_{df,\lambda_0;\,1-\alpha}`;
      power :math:`= P(\chi^2_{df,\lambda_a} > c)`;
    * not-close fit (:math:`\varepsilon_0 > \varepsilon_a`, e.g. .05 against .01): reject when
      :math:`T < c = \chi^2_{df,\lambda_0;\,\alpha}`; power :math:`= P(\chi^2_{df,\lambda_a} < c)`.

    This is ``semTools::findRMSEApower(rmsea0, rmseaA, df, n, alpha, group)`` (semTools 0.5.6): the same
    formulas, with ``N - 1``; the two agree to about 1e-13 (frozen references in ``tests/reference/rmsea_power``).

    Parameters
    ----------
    rmsea0 : float
        RMSEA under the null hypothesis, >= 0 (0 for the test of exact fit, .05 for close fit).
    rmsea_a : float
        RMSEA under the alternative, >= 0 and different from ``rmsea0`` (equal values leave the power at
        ``alpha`` for every N). Above ``rmsea0``: a test of (close or exact) fit; below: of not-close fit.
    df : float or SEMResult
        The model's degrees of freedom (> 0), or a fitted model (``sr.fit_sem`` or ``sr.cfa``) whose own
        df is used.
    n : int
        Total sample size (all groups together), >= 2.
    alpha : float
        Significance level, in (0, 1).
    groups : int or None
        Number of groups, >= 1. None: 1, or the fitted model's number of groups when ``df`` is a fit.

    Returns
    -------
    float
        The probability of rejecting :math:`H_0` when the population RMSEA is ``rmsea_a``.

    Raises
    ------
    ParameterError
        An argument out of range, ``rmsea_a`` equal to ``rmsea0``, or a fitted model with df 0 (saturated).

    See Also
    --------
    rmsea_sample_size : the smallest N reaching a power.
    power : Monte Carlo power of each hypothesis.

    Notes
    -----
    The quantile ``c`` and the tail probabilities are scipy's noncentral chi-square (``scipy.stats.ncx2``;
    for the test of exact fit ``lambda_0 = 0``, the central chi-square). With ``rmsea_a`` equal to ``rmsea0``
    both distributions coincide and the power is ``alpha`` at every N, which is why equal values are refused.

    References
    ----------
    MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and determination of sample
    size for covariance structure modeling. *Psychological Methods*, 1(2), 130-149.

    Examples
    --------
    Power of the test of close fit (.05 against .08) of the stickiness model (df 265) with 150 respondents:

    >>> import stickiness_research as sr
    >>> round(sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=265, n=150), 6)
    0.997154
    >>> # In R: semTools::findRMSEApower(rmsea0 = .05, rmseaA = .08, df = 265, n = 150)  # 0.9971540

    Not-close fit (.05 against .01) of a two-group model, and exact fit (0 against .05):

    >>> round(sr.rmsea_power(rmsea0=.05, rmsea_a=.01, df=24, n=400, alpha=.01, groups=2), 6)
    0.135753
    >>> # In R: semTools::findRMSEApower(.05, .01, df = 24, n = 400, alpha = .01, group = 2)  # 0.1357532
    >>> round(sr.rmsea_power(rmsea0=0, rmsea_a=.05, df=24, n=400), 6)
    0.832062

    A fitted model brings its own df (here 24), so the power of its test of close fit at its N is:

    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    >>> round(sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=res, n=res.n_obs), 6)
    0.701594
    >>> # In R: fit <- lavaan::cfa(model, HolzingerSwineford1939)
    >>> #       semTools::findRMSEApower(.05, .08, fitMeasures(fit)["df"], nobs(fit))  # 0.7015941
    """
    df, groups = _planning_args("rmsea_power", rmsea0, rmsea_a, df, alpha, groups)
    check(n, "n", "rmsea_power", Interval(int, 2, None))
    return float(_rmsea_power_at(n, rmsea0, rmsea_a, df, alpha, groups))


def rmsea_sample_size(*, rmsea0: float, rmsea_a: float, df: float | SEMResult, power: float = 0.80,
                      alpha: float = 0.05, groups: int | None = None) -> int:
    r"""The smallest total sample size at which the RMSEA test of fit reaches ``power``.

    Searches N (>= 2) for the first :math:`N` with :func:`rmsea_power` :math:`\ge` ``power`` (the power rises
    with N; the search brackets by doubling, then bisects, so it takes about 2 log2 N evaluations).

    Agrees with ``semTools::findRMSEAsamplesize(rmsea0, rmseaA, df, power, alpha, group)`` (semTools 0.5.6)
    multiplied by ``group``, with three deliberate differences. semTools scans the total N in blocks (5-500,
    505-1000, 1005-1500, ...) for the first power above the target and returns N / group, a per-group size
    that may be fractional (150.5); we return the total N itself, the ``n`` that :func:`rmsea_power` takes.
    Its blocks skip N = 501-504, 1001-1004, ..., so when the answer lies there semTools gives the next
    block's first N (505 for a power of .80 reached at 503 in the test of exact fit against .05 with df 24
    and alpha .01); we give the smallest N. It answers "Sample Size <= 5" when N = 5 is already enough;
    we give that N (2 to 5). (semTools asks for power strictly above the target and we for power reaching
    it; the two differ only when the power at some N equals the target exactly.)

    Parameters
    ----------
    rmsea0 : float
        RMSEA under the null hypothesis, >= 0 (0: exact fit; below ``rmsea_a``: close fit; above: not-close fit).
    rmsea_a : float
        RMSEA under the alternative, >= 0 and different from ``rmsea0``.
    df : float or SEMResult
        The model's degrees of freedom (> 0), or a fitted model whose own df is used.
    power : float
        Target power, in (0, 1).
    alpha : float
        Significance level, in (0, 1).
    groups : int or None
        Number of groups, >= 1. None: 1, or the fitted model's number of groups when ``df`` is a fit.

    Returns
    -------
    int
        The total sample size N (all groups together); ``N / groups`` respondents per group.

    Raises
    ------
    ParameterError
        An argument out of range, ``rmsea_a`` equal to ``rmsea0``, or a fitted model with df 0.
    EstimationError
        The power is not reached by N = 10^9 (the two RMSEAs are too close to tell apart).

    See Also
    --------
    rmsea_power : the power at a given N (MacCallum, Browne & Sugawara, 1996; formulas there).

    Notes
    -----
    The answer is ``min{N >= 2 : rmsea_power(N) >= power}``, found by doubling N from 2 until the power is
    reached and bisecting the last interval, which assumes the power rises with N (tests/test_rmsea_power.py
    checks that it does for N from 2 to 6,000).

    References
    ----------
    MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and determination of sample
    size for covariance structure modeling. *Psychological Methods*, 1(2), 130-149.
    R: ``semTools::findRMSEAsamplesize`` (0.5.6) times ``group``, on 300 cases, exactly but for the
    differences above (tests/test_rmsea_power.py; tests/reference/semtools_rmsea_power.R).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=265, power=.80)
    71
    >>> # In R: semTools::findRMSEAsamplesize(rmsea0 = .05, rmseaA = .08, df = 265, power = .80)  # 71

    With two groups semTools gives a size per group, we give the total:

    >>> sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=24, power=.90, groups=2)
    982
    >>> # In R: semTools::findRMSEAsamplesize(.05, .08, df = 24, power = .90, group = 2)  # 491 per group
    """
    df, groups = _planning_args("rmsea_sample_size", rmsea0, rmsea_a, df, alpha, groups)
    check(power, "power", "rmsea_sample_size", PROBABILITY_OPEN)

    def reaches(n: int) -> bool:
        return bool(_rmsea_power_at(n, rmsea0, rmsea_a, df, alpha, groups) >= power)

    low, high = 1, 2  # the power at `low` is below the target (low = 1 only marks the start: N >= 2)
    while not reaches(high):
        if high >= LARGEST_N:
            reached = float(_rmsea_power_at(high, rmsea0, rmsea_a, df, alpha, groups))
            raise EstimationError(
                f"rmsea_sample_size: a power of {power:g} is not reached by N = {LARGEST_N:,} (power there "
                f"{reached:.3f}); rmsea0 = {rmsea0} and rmsea_a = {rmsea_a} are too close to tell apart, "
                "so choose values further apart.")
        low, high = high, min(2 * high, LARGEST_N)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return int(high)


def _planning_args(function: str, rmsea0: float, rmsea_a: float, df: float | SEMResult, alpha: float,
                   groups: int | None) -> tuple[float, int]:
    """Check the arguments rmsea_power and rmsea_sample_size share; return (df, groups) as numbers."""
    check(rmsea0, "rmsea0", function, RMSEA)
    check(rmsea_a, "rmsea_a", function, Satisfies(
        lambda v: v in RMSEA and v != rmsea0,
        f"{RMSEA} other than rmsea0 ({rmsea0:g}), since equal values leave the power at alpha for every N"))
    check(alpha, "alpha", function, PROBABILITY_OPEN)
    check(groups, "groups", function, POSITIVE_INT, None)
    fitted = getattr(df, "sem", None) if not isinstance(df, SEMResult) else df  # a CFAResult holds its fit in .sem
    if isinstance(fitted, SEMResult):
        model_df = float(fitted.fit_measures["df"])
        check(model_df, "df", function, DEGREES_OF_FREEDOM,
              when="(the fitted model's degrees of freedom; a saturated model has no test of fit to plan)")
        return model_df, groups if groups is not None else max(len(fitted.groups), 1)
    shown = df if df is None or isinstance(df, int | float | str | np.number) else f"a {type(df).__name__}"
    check(df, "df", function, DEGREES_OF_FREEDOM, InstanceOf(SEMResult, "a fitted SEMResult (its own df)"),
          shown=shown)
    return float(df), groups if groups is not None else 1


def _rmsea_power_at(n: int | np.ndarray, rmsea0: float, rmsea_a: float, df: float, alpha: float,
                    groups: int) -> np.ndarray:
    """semTools::findRMSEApower's formulas (N - 1; a multi-group RMSEA carries sqrt(groups)); n may be an array."""
    from scipy.stats import ncx2

    scale = (np.asarray(n, dtype=float) - 1) * df / groups
    ncp0, ncp_a = scale * rmsea0**2, scale * rmsea_a**2
    if rmsea0 < rmsea_a:  # close or exact fit: reject for a large statistic
        critical = ncx2.isf(alpha, df, ncp0)
        return ncx2.sf(critical, df, ncp_a)
    critical = ncx2.ppf(alpha, df, ncp0)  # not-close fit: reject for a small statistic
    return ncx2.cdf(critical, df, ncp_a)
