"""Bootstrap of a PLS path model: resampled correlation matrices, the algorithm rerun on each.

A resample is a vector of counts (how often each respondent was drawn), so its indicator moments
are two matrix products for a whole chunk of resamples (as the CB-SEM bootstrap does); each
resample's correlation matrix then goes through :func:`.estimate.estimate`. Resample indices are
drawn up front from ``numpy.random.default_rng(seed)`` (or given, e.g. R's
``set.seed(seed + i); sample.int(n, TRUE)`` to reproduce seminr's replicates cell for cell), so the
results do not depend on the number of workers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._summary import Reportable
from .._validation import N_JOBS, NON_NEGATIVE_INT, POSITIVE_INT, Interval, Options, check
from ..errors import EstimationError, ParameterError
from ..executor import map_chunks
from .estimate import estimate_batch

CHUNK = 250
N_INNER = 50  # inner resamples per outer resample for the studentized interval (Davison & Hinkley 1997, ch. 5.2)
# bootstrap sign-change options (Tenenhaus et al. 2005; SmartPLS's "no sign changes" is seminr's default)
SIGN_CHANGES = ("none", "construct", "individual")


@dataclass(frozen=True, eq=False)
class PLSBootstrap(Reportable):
    """Bootstrap summaries of every loading, weight, path and total effect.

    Attributes
    ----------
    table : DataFrame
        lhs op rhs (``=~``/``<~`` loadings, ``weight`` rows, ``~`` paths, ``total`` effects), est
        (the full-sample estimate), boot_mean, boot_se (SD of the replicates), t (est / boot_se),
        pvalue (two-sided, t distribution with n_boot - 1 df, as seminr), ci_lower, ci_upper
        (percentile).
    draws : DataFrame
        (n_ok, k) the replicates of every quantity.
    n_boot, n_failed, seed, level
    resamples : ndarray
        (n_ok, n) the respondents (row numbers of the fitted data) drawn by each successful resample, in
        ``draws`` order: statistics built on the replicates (e.g. the IPMA's importance) resample the same rows.
    """

    table: pd.DataFrame
    draws: pd.DataFrame
    n_boot: int
    n_failed: int
    seed: int | None
    level: float
    ci: str = "percentile"
    resamples: np.ndarray | None = field(default=None, repr=False)

    def specific_effect(self, source: str, target: str, through: list[str] | tuple[str, ...] = (),
                        level: float | None = None) -> pd.Series:
        """A specific (serial) indirect effect ``source -> through... -> target`` with its bootstrap summary, as
        seminr's ``specific_effect_significance`` (the product of the paths in every replicate).

        Parameters
        ----------
        source, target : str
            Constructs; with no ``through``, the direct path.
        through : sequence of str
            The mediators, in order.
        level : float, optional
            Confidence level of the percentile interval (default: the bootstrap's).

        Returns
        -------
        Series
            est, boot_mean, boot_se, t (est / boot_se), ci_lower, ci_upper.

        Raises
        ------
        ModelSpecError
            A link of the chain is not a path of the model.
        """
        from ..errors import ModelSpecError

        level = self.level if level is None else level
        check(level, "level", "PLSBootstrap.specific_effect", Interval(float, 0, 1, closed="neither"))
        chain = [source, *through, target]
        table = self.table
        est, draws = 1.0, np.ones(len(self.draws))
        for a, b in zip(chain, chain[1:], strict=False):
            row = table[(table["op"] == "~") & (table["lhs"] == b) & (table["rhs"] == a)]
            if not len(row):
                raise ModelSpecError(f"{a} -> {b} is not a path of the model; name a chain of paths.")
            est *= float(row["est"].iloc[0])
            draws = draws * self.draws[f"{b} ~ {a}"].to_numpy()
        se = float(np.std(draws, ddof=1))
        lower, upper = np.percentile(draws, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
        return pd.Series({"est": est, "boot_mean": float(draws.mean()), "boot_se": se, "t": est / se,
                          "ci_lower": float(lower), "ci_upper": float(upper)}, name=" -> ".join(chain))

    title = "PLS bootstrap"

    def headline(self) -> list[str]:
        return [f"{self.n_boot} resamples ({self.n_failed} failed), seed {self.seed}, {self.ci} {self.level:.0%} "
                "intervals"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``estimates``: every weight, loading, path and total effect with bootstrap SE, t, p and interval."""
        return {"estimates": self.table}

    def meta(self) -> dict[str, Any]:
        """``n_boot``, ``n_failed``, ``seed``, ``ci`` (the interval method) and ``level``."""
        return {"n_boot": self.n_boot, "n_failed": self.n_failed, "seed": self.seed, "ci": self.ci,
                "level": self.level}

    def summary_notes(self) -> list[str]:
        return []


def _quantities(res, sol) -> np.ndarray:
    """One vector per solution: block loadings, block weights, paths, total effects (fixed order)."""
    mask = res._mask
    b = sol.paths
    total = b @ np.linalg.inv(np.eye(len(b)) - b)
    return np.concatenate([sol.loadings[mask], sol.weights[mask], b[res._path_index], total[res._total_index]])


def _check_batch_equals_single(res, s: np.ndarray) -> float:
    """Largest difference between the batched and the one-at-a-time estimates of one matrix (tests)."""
    from .estimate import estimate

    st = res.settings
    one = estimate(s, res.model, scheme=st["scheme"], consistent=st["consistent"], max_iter=st["max_iter"],
                   stop_criterion=st["stop_criterion"])
    many = estimate_batch(s[None], res.model, scheme=st["scheme"], consistent=st["consistent"],
                          max_iter=st["max_iter"], stop_criterion=st["stop_criterion"])
    return float(max(np.abs(one.paths - many["paths"][0]).max(), np.abs(one.loadings - many["loadings"][0]).max()))


def sample_correlations(z: np.ndarray, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrices (B, p, p) of the samples ``chunk`` (B, m) of rows of ``z`` (n, p), and which are
    usable (no constant column). A sample is a vector of counts, so its moments are two matrix products for
    the whole chunk; m is n for a bootstrap resample and n - 1 for a leave-one-out (jackknife) sample."""
    n, p = z.shape
    b, m = chunk.shape
    rows, cols = np.tril_indices(p)
    counts = np.zeros((b, n))
    np.add.at(counts, (np.repeat(np.arange(b), m), chunk.ravel()), 1.0)
    means = counts @ z / m
    moment = counts @ (z[:, rows] * z[:, cols]) / m - means[:, rows] * means[:, cols]
    cov = np.empty((b, p, p))
    cov[:, rows, cols] = moment
    cov[:, cols, rows] = moment
    sd = np.sqrt(np.einsum("bii->bi", cov))
    fine = (sd > 0).all(axis=1)
    with np.errstate(all="ignore"):
        s = cov / (sd[:, :, None] * sd[:, None, :])
    s[~fine] = np.eye(p)
    return s, fine


def _inner_seeds(seed: int | None, n_boot: int) -> list[np.random.SeedSequence]:
    """One seed per outer resample (``SeedSequence(seed).spawn(n_boot)``): resample b draws its inner resamples from
    ``default_rng(child b)`` wherever and in whatever batch it runs, so the intervals do not depend on ``n_jobs``."""
    return np.random.SeedSequence(seed).spawn(n_boot)


def _inner_se(runner, point: np.ndarray, sign_change: str, indices: np.ndarray, ok: np.ndarray, seed: int | None,
              n_inner: int, n_jobs: int, scheduler) -> np.ndarray:
    """(n_ok, k) bootstrap SE of every quantity within every successful outer resample, from ``n_inner`` resamples of
    its rows (resample b: ``indices[b][default_rng(child b).integers(0, n, (n_inner, n))]``); NaN where fewer than
    two inner resamples succeeded."""
    children = _inner_seeds(seed, len(indices))
    outer = np.flatnonzero(ok)
    per_batch = max(1, CHUNK // n_inner)
    groups = [outer[i:i + per_batch] for i in range(0, len(outer), per_batch)]
    task = functools.partial(_inner_sd, runner, point, sign_change, indices, children, n_inner)
    parts = map_chunks(task, groups, n_jobs=n_jobs, scheduler=scheduler, description="inner bootstrap")
    return np.concatenate(parts) if parts else np.empty((0, 0))


def _inner_sd(runner, point: np.ndarray, sign_change: str, indices: np.ndarray, children: list, n_inner: int,
              group: np.ndarray) -> np.ndarray:
    """The inner bootstraps of a group of outer resamples (an executor task; its draws come from ``children``)."""
    n = indices.shape[1]
    rows = np.concatenate([indices[b][np.random.default_rng(children[b]).integers(0, n, size=(n_inner, n))]
                           for b in group])
    values, fine = runner(rows)
    values = _signed(values, point, sign_change)
    values[~fine] = np.nan
    values = values.reshape(len(group), n_inner, -1)
    with np.errstate(all="ignore"):
        sd = np.nanstd(values, axis=1, ddof=1)
    sd[np.isfinite(values).sum(axis=1) < 2] = np.nan
    return sd


def _signed(v: np.ndarray, point: np.ndarray, sign_change: str) -> np.ndarray:
    """``sign_change="individual"``: every replicate takes the sign of the full-sample estimate."""
    if sign_change == "individual":
        return np.abs(v) * np.where(point < 0, -1.0, 1.0)[None, :]
    return v


def _fast_chunk(res, sign_change: str, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The quantities of a chunk of resamples (B, n) by the batched algorithm on their correlation matrices, and
    which succeeded (an executor task: the resamples are drawn up front)."""
    st = res.settings
    s, fine = sample_correlations(res.data.to_numpy(), chunk)
    fit = estimate_batch(s, res.model, scheme=st["scheme"], consistent=st["consistent"],
                         max_iter=st["max_iter"], stop_criterion=st["stop_criterion"])
    ok = fit["ok"] & fine
    if sign_change == "construct":  # a construct whose weights point the other way is turned around
        flip = np.where(np.einsum("bpc,pc->bc", fit["weights"], res.solution.weights) < 0, -1.0, 1.0)
        fit["weights"] = fit["weights"] * flip[:, None, :]
        fit["loadings"] = fit["loadings"] * flip[:, None, :]
        fit["paths"] = fit["paths"] * flip[:, :, None] * flip[:, None, :]
    b_mat = fit["paths"]
    with np.errstate(all="ignore"):
        total = b_mat @ np.linalg.inv(np.eye(b_mat.shape[1]) - b_mat)
    pi, pj = res._path_index
    ti, tj = res._total_index
    mask = res._mask
    out = np.concatenate([fit["loadings"][:, mask], fit["weights"][:, mask], b_mat[:, pi, pj], total[:, ti, tj]],
                         axis=1)
    out[~ok] = np.nan
    return out, ok


def _staged_chunk(res, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As ``_fast_chunk``, one resample at a time from the raw items: seminr rebuilds interaction items and
    higher-order stages in every resample, and so do we."""
    from .fit import estimate_raw

    raw = res.raw.to_numpy()
    k = len(_quantities(res, res.solution))
    out = np.full((len(chunk), k), np.nan)
    ok = np.zeros(len(chunk), dtype=bool)
    for r, rows_b in enumerate(chunk):
        x = raw[rows_b]
        if np.any(x.std(axis=0, ddof=1) == 0):
            continue
        try:
            with np.errstate(all="ignore"):
                _, _, sol = estimate_raw(res.spec, x, res.settings)
        except (EstimationError, np.linalg.LinAlgError):
            continue
        if np.all(np.isfinite(sol.paths)):
            out[r], ok[r] = _quantities(res, sol), True
    return out, ok


def _studentized(draws: np.ndarray, inner_se: np.ndarray, point: np.ndarray, se: np.ndarray,
                 alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap-t limits (Davison & Hinkley 1997, eq. 5.7): ``t*_b = (theta*_b - theta^) / se*_b`` and
    ``[theta^ - se t*_(1 - alpha/2), theta^ - se t*_(alpha/2)]``, ``se`` the outer bootstrap SE and the t*
    quantiles numpy's (linear interpolation) over the resamples with a finite t*. A quantity that does not vary
    (e.g. the loading of a single indicator) gets the point as both limits."""
    import warnings

    with np.errstate(all="ignore"):
        t = (draws - point[None, :]) / inner_se
    t[~np.isfinite(t)] = np.nan
    with warnings.catch_warnings():  # an all-NaN column (a constant quantity) is handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        q_hi = np.nanpercentile(t, 100 * (1 - alpha / 2), axis=0)
        q_lo = np.nanpercentile(t, 100 * alpha / 2, axis=0)
    fixed = ~(se > 0)
    lower = np.where(fixed, point, point - se * q_hi)
    upper = np.where(fixed, point, point - se * q_lo)
    return lower, upper


def bootstrap_pls(res, n_boot: int = 5000, seed: int | None = 1, *, level: float = 0.95, n_jobs: int = 1,
                  indices: np.ndarray | None = None, ci: str = "percentile",
                  sign_change: str = "none", n_inner: int = N_INNER, scheduler=None) -> PLSBootstrap:
    """Nonparametric bootstrap of a :class:`.fit.PLSResult` (see :meth:`PLSResult.bootstrap`)."""
    from scipy import stats

    check(sign_change, "sign_change", "PLSResult.bootstrap", Options(SIGN_CHANGES))
    from ..sem.bootstrap import MIN_BCA, _bca

    check(ci, "ci", "PLSResult.bootstrap", Options(("percentile", "bca", "studentized")))
    check(n_inner, "n_inner", "PLSResult.bootstrap", Interval(int, 2, None))
    check(n_boot, "n_boot", "PLSResult.bootstrap", POSITIVE_INT)
    check(seed, "seed", "PLSResult.bootstrap", NON_NEGATIVE_INT, None)
    check(level, "level", "PLSResult.bootstrap", Interval(float, 0, 1, closed="neither"))
    check(n_jobs, "n_jobs", "PLSResult.bootstrap", *N_JOBS)
    z = res.data.to_numpy()
    n = len(z)
    if indices is None:
        indices = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    else:
        indices = np.asarray(indices)
        if indices.ndim != 2 or indices.shape[1] != n or indices.min() < 0 or indices.max() >= n:
            raise ParameterError("indices", "PLSResult.bootstrap", f"an (n_boot, {n}) array of row numbers 0..{n - 1}",
                                 f"shape {indices.shape}")
        n_boot = len(indices)
    point = _quantities(res, res.solution)
    staged = res.spec is not None and (res.spec.interactions or (res.spec.higher_order and
                                                                   res.settings.get("hoc") != "repeated_indicators"))
    # a module-level task with its arguments bound: picklable, so the chunks can also run on a Dask cluster
    runner = functools.partial(_staged_chunk, res) if staged else functools.partial(_fast_chunk, res, sign_change)
    chunks = [indices[i:i + CHUNK] for i in range(0, n_boot, CHUNK)]
    outputs = map_chunks(runner, chunks, n_jobs=n_jobs, scheduler=scheduler, description="PLS bootstrap")
    values = np.concatenate([o[0] for o in outputs])
    ok = np.concatenate([o[1] for o in outputs])
    draws = _signed(values[ok], point, sign_change)
    alpha = 1 - level
    if ci == "bca":  # Efron's bias-corrected and accelerated interval; acceleration from the jackknife
        check(len(draws), "n_boot", "PLSResult.bootstrap", Interval(int, max(MIN_BCA, n), None),
              when=f"when ci='bca' (at least {MIN_BCA} successful resamples and no fewer than the {n} respondents)")
        leave_one_out = np.array([np.delete(np.arange(n), i) for i in range(n)])
        jack_values, jack_ok = [], []
        for start in range(0, n, CHUNK):  # the same machinery on the n leave-one-out samples
            v, o = runner(leave_one_out[start:start + CHUNK])
            jack_values.append(v)
            jack_ok.append(o)
        jack = np.concatenate(jack_values)
        jack[~np.concatenate(jack_ok)] = np.nan
    se = draws.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, point / se, np.nan)
    pvalue = 2 * stats.t.sf(np.abs(t), df=max(len(draws) - 1, 1))
    if ci == "bca":
        lower, upper = _bca(draws, point, jack, alpha)
    elif ci == "studentized":
        inner_se = _inner_se(runner, point, sign_change, indices, ok, seed, n_inner, n_jobs, scheduler)
        lower, upper = _studentized(draws, inner_se, point, se, alpha)
    else:
        lower, upper = np.percentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    table = pd.DataFrame(res._quantity_names, columns=["lhs", "op", "rhs"])
    table["est"], table["boot_mean"], table["boot_se"] = point, draws.mean(axis=0), se
    table["t"], table["pvalue"], table["ci_lower"], table["ci_upper"] = t, pvalue, lower, upper
    names = [f"{a} {op} {b}" for a, op, b in res._quantity_names]
    return PLSBootstrap(table=table, draws=pd.DataFrame(draws, columns=names), n_boot=n_boot,
                        n_failed=int((~ok).sum()), seed=seed, level=level, ci=ci,
                        resamples=indices[ok].astype(np.int32 if n < 2**31 else np.int64))
