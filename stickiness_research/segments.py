"""Respondent segments: clusters on construct scores, profiled by demographics (scikit-learn).

A firm does not have one user: some come for the interaction, others stay for convenience. Segments
group respondents by their pattern of construct scores so each group's priorities can be read off.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._summary import Reportable
from ._validation import POSITIVE_INT, SEED_32, InstanceOf, Interval, Options, Satisfies, check
from .errors import ResponseDataError
from .responses.scoring import numeric_answers

_INT_2 = Interval(int, 2, None)
_K_RANGE = Satisfies(lambda r: len(r) == 2 and all(v in _INT_2 for v in r) and r[0] <= r[1],
                     "a pair (low, high) of ints with 2 <= low <= high")


@dataclass(frozen=True)
class SegmentResult(Reportable):
    """Cluster labels, the model-selection table and a profile of each segment.

    Attributes
    ----------
    labels : Series
        Segment number (1..k, largest segment first) per respondent, indexed like the input.
    selection : DataFrame
        k, bic (Gaussian mixture; smaller is better), silhouette (k-means; larger is better), chosen.
    centers : DataFrame
        Mean construct score per segment (rows: segment, columns: constructs), plus ``n`` and ``share``;
        :meth:`centers_of` gives the same for scores the clusters were not formed on.
    method : str
        ``"kmeans"`` or ``"gmm"``.
    k : int
    seed : int or None
    on : tuple of str
        The scores the clusters were formed on.

    Raises
    ------
    ParameterError
        :meth:`centers_of` with ``scores`` not a DataFrame, :meth:`profile` with ``min_cell`` not a positive int.
    ResponseDataError
        :meth:`centers_of` with a score column holding text that is not a number.

    Notes
    -----
    ``centers`` are the segments' means of the unstandardized scores, ``n`` their sizes and ``share = n /``
    (respondents labelled). :meth:`profile` gives, per demographic category and segment,
    ``100 x (respondents of the segment in the category) / (respondents of the segment with an answer)``,
    blank where the count is below ``min_cell`` (a small cell would identify people). How the clusters and
    ``k`` are found: :func:`segment_respondents`.

    References
    ----------
    MacQueen (1967), Rousseeuw (1987) and Schwarz (1978): the full entries are under
    :func:`segment_respondents`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import stickiness_research as sr
    >>> rng = np.random.default_rng(0)
    >>> scores = pd.DataFrame(np.vstack([rng.normal([2, 4], 0.3, (100, 2)), rng.normal([4, 2], 0.3, (60, 2))]),
    ...                       columns=["trust", "convenience"])
    >>> res = sr.segment_respondents(scores, seed=1)
    >>> res.method, res.on, res.labels.value_counts().to_dict()
    ('kmeans', ('trust', 'convenience'), {1: 100, 2: 60})
    """

    labels: pd.Series
    selection: pd.DataFrame
    centers: pd.DataFrame
    method: str
    k: int
    seed: int | None
    on: tuple[str, ...] = ()

    def centers_of(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Mean of every column of ``scores`` per segment, plus ``n`` and ``share`` (as ``centers``).

        Use it to describe segments by scores they were not formed on (e.g. the outcome).
        """
        check(scores, "scores", "SegmentResult.centers_of", InstanceOf(pd.DataFrame, "a DataFrame"))
        labels = self.labels.reindex(scores.index).dropna().astype(int)
        numeric = numeric_answers(scores, list(scores.columns), "SegmentResult.centers_of").loc[labels.index]
        centers = numeric.groupby(labels).mean()
        centers["n"] = labels.value_counts().sort_index()
        centers["share"] = centers["n"] / len(labels)
        centers.index.name = "segment"
        return centers

    def profile(self, demographics: pd.DataFrame, min_cell: int = 5) -> pd.DataFrame:
        """Share (%) of each demographic category within each segment; cells under ``min_cell`` are suppressed.

        Returns
        -------
        DataFrame
            variable, category, then one column per segment (percent, NaN when suppressed).
        """
        check(min_cell, "min_cell", "SegmentResult.profile", POSITIVE_INT)
        rows = []
        for column in demographics.columns:
            counts = pd.crosstab(demographics[column], self.labels.reindex(demographics.index))
            shares = 100 * counts / counts.sum(axis=0)
            shares = shares.where(counts >= min_cell)
            for category, values in shares.iterrows():
                rows.append({"variable": column, "category": category, **{int(k): v for k, v in values.items()}})
        return pd.DataFrame(rows)

    @property
    def title(self) -> str:
        on = f", on {', '.join(self.on)}" if self.on else ""
        return f"{self.k} segments ({self.method}, seed {self.seed}{on})"

    def tables(self) -> dict[str, pd.DataFrame]:
        """``centers`` (mean scores, size and share per segment) and ``selection`` (the criteria for each k)."""
        return {"centers": self.centers.rename_axis("segment"), "selection": self.selection}

    def meta(self) -> dict:
        """``k`` segments, ``method``, ``on`` (the scores clustered), ``seed`` and ``sizes`` (respondents per
        segment)."""
        return {"k": self.k, "method": self.method, "on": list(self.on), "seed": self.seed,
                "sizes": {str(k): int(v) for k, v in self.labels.value_counts().sort_index().items()}}

    def summary_notes(self) -> list[str]:
        return []


def segment_respondents(scores: pd.DataFrame, *, k: int | None = None, k_range: tuple[int, int] = (2, 6),
                        method: str = "kmeans", seed: int | None = 1) -> SegmentResult:
    """Cluster respondents on their (standardized) construct scores.

    The number of segments is chosen, when ``k`` is not given, by the silhouette for k-means and
    by BIC for a Gaussian mixture; the table of both criteria for every k is kept in ``selection``.
    Scores are z-standardized before clustering so that no construct dominates by its spread;
    centres are reported on the original scale. Respondents with a missing score are left out
    (label NaN).

    Parameters
    ----------
    scores : DataFrame
        One column per construct (e.g. :func:`scale_scores`).
    k : int, optional
        Fixed number of segments.
    k_range : (int, int)
        Smallest and largest k tried when ``k`` is None.
    method : {"kmeans", "gmm"}
    seed : int or None
        ``random_state`` of scikit-learn, in [0, 2**32 - 1].

    Returns
    -------
    SegmentResult

    Raises
    ------
    ParameterError
        ``k``, ``k_range``, ``method`` or ``seed`` out of range.
    ResponseDataError
        A score column holds text that is not a number, fewer than ``max(10, 2 x k_range[1])`` respondents
        have every score, or a score is the same for everyone.

    Notes
    -----
    Each score is standardized, ``z = (x - mean) / sd`` (divisor n), over the complete respondents. For every
    candidate k the clustering is fitted (k-means with 10 starts, or a full-covariance Gaussian mixture with
    5) and two criteria are recorded: the mean silhouette of the clustering,
    ``s_i = (b_i - a_i) / max(a_i, b_i)`` with ``a_i`` the mean distance to the own cluster and ``b_i`` to the
    nearest other one (larger is better), and the BIC of a Gaussian mixture with k components,
    ``-2 log L + (parameters) log n`` (smaller is better). k-means keeps the k of the largest silhouette, the
    mixture the k of the smallest BIC. Segments are numbered by size, 1 the largest.

    References
    ----------
    MacQueen, J. (1967). Some methods for classification and analysis of multivariate observations. In
    *Proceedings of the Fifth Berkeley Symposium on Mathematical Statistics and Probability* (Vol. 1,
    pp. 281-297). University of California Press.
    Rousseeuw, P. J. (1987). Silhouettes: A graphical aid to the interpretation and validation of cluster
    analysis. *Journal of Computational and Applied Mathematics*, 20, 53-65.
    Schwarz, G. (1978). Estimating the dimension of a model. *The Annals of Statistics*, 6(2), 461-464.
    Computed with scikit-learn (``KMeans``, ``GaussianMixture``, ``silhouette_score``); not compared with an
    R function.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal([2, 4], 0.3, (100, 2)); b = rng.normal([4, 2], 0.3, (60, 2))
    >>> res = segment_respondents(pd.DataFrame(np.vstack([a, b]), columns=["x", "y"]), seed=1)
    >>> res.k, res.centers["n"].tolist()
    (2, [100, 60])
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    from ._blas import one_blas_thread

    check(k, "k", "segment_respondents", POSITIVE_INT, None)
    check(k_range, "k_range", "segment_respondents", _K_RANGE)
    check(method, "method", "segment_respondents", Options(("kmeans", "gmm")))
    check(seed, "seed", "segment_respondents", SEED_32, None)
    lo, hi = k_range
    complete = numeric_answers(scores, list(scores.columns), "segment_respondents").dropna()
    if len(complete) < max(10, 2 * hi):
        raise ResponseDataError(f"segmenting needs at least {max(10, 2 * hi)} respondents with every construct "
                                f"score; got {len(complete)}.")
    constant = [str(c) for c in complete.columns if complete[c].nunique() < 2]
    if constant:
        raise ResponseDataError(f"segment_respondents: score {constant[0]!r} is the same for every respondent, so it "
                                "cannot separate segments; drop the column.")
    x = complete.to_numpy(dtype=float)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=0)

    def fit(n_clusters: int) -> np.ndarray:
        if method == "kmeans":
            return KMeans(n_clusters=n_clusters, n_init=10, random_state=seed).fit_predict(z)
        return GaussianMixture(n_components=n_clusters, n_init=5, random_state=seed).fit(z).predict(z)

    rows = []
    fitted: dict[int, np.ndarray] = {}
    candidates = [k] if k is not None else list(range(lo, hi + 1))
    # One thread: a few hundred respondents in a handful of dimensions are too small to share out, and
    # OpenMP/BLAS threads waiting for a busy core made this step several times slower on a loaded 2-core machine.
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="openmp"), one_blas_thread():
        warnings.simplefilter("ignore")  # sklearn convergence chatter on tiny data; the table shows the outcome
        for n_clusters in candidates:
            labels = fitted[n_clusters] = fit(n_clusters)
            gmm = GaussianMixture(n_components=n_clusters, n_init=3, random_state=seed).fit(z)
            sil = silhouette_score(z, labels) if 1 < len(set(labels)) < len(z) else np.nan
            rows.append({"k": n_clusters, "bic": gmm.bic(z), "silhouette": sil})
    selection = pd.DataFrame(rows)
    criterion = "silhouette" if method == "kmeans" else "bic"
    best = int(selection.loc[selection[criterion].idxmax() if criterion == "silhouette"
                             else selection[criterion].idxmin(), "k"])
    selection["chosen"] = selection["k"] == best
    raw = fitted[best]  # the clustering the criterion chose, not a refit of it
    # Number segments by size (1 = largest) so the labels do not depend on the algorithm's internal order.
    sizes = pd.Series(raw).value_counts()
    relabel = {old: new for new, old in enumerate(sorted(sizes.index, key=lambda c: (-sizes[c], c)), start=1)}
    labels = pd.Series([relabel[c] for c in raw], index=complete.index, name="segment")
    centers = complete.groupby(labels).mean()
    centers["n"] = labels.value_counts().sort_index()
    centers["share"] = centers["n"] / len(labels)
    centers.index.name = "segment"
    return SegmentResult(labels.reindex(scores.index), selection, centers, method, best, seed,
                         tuple(str(c) for c in complete.columns))
