"""Latent moderation: an interaction construct measured by product indicators.

Double mean centering (Lin, Wen, Marsh & Lin, 2010): centre the items of both constructs, form
products, centre the products. Matched pairs (the i-th item of one construct times the i-th of
the other, items ordered by questionnaire position) keep the model small; ``pairs="all"`` uses
every product with residual covariances between products that share an item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._deprecation import model_first
from .._summary import Reportable
from ..errors import ModelSpecError, did_you_mean
from .fit import fit_sem
from .result import SEMResult


@dataclass(frozen=True, eq=False)
class LatentInteraction(Reportable):
    """A fitted latent interaction model and its simple slopes.

    Returned by :func:`latent_interaction`.

    Attributes
    ----------
    result : SEMResult
        The fitted SEM with the product construct.
    x, moderator, outcome : str
        The construct ids.
    term : str
        Name of the product (interaction) construct, ``"<x>_x_<moderator>"``.
    slopes : DataFrame
        Simple slopes: moderator_sd, moderator_value, slope, se, z, pvalue, ci_lower, ci_upper.
    interaction : Series
        The estimates row of ``outcome ~ term`` (a property).

    Notes
    -----
    The product construct is measured by double-mean-centred products of the two constructs' items,
    ``(x_i - mean x_i)(m_j - mean m_j)`` centred again. With ``b_x`` and ``b_xm`` the unstandardized paths of
    ``x`` and of the product on the outcome and ``w = k sqrt(var(moderator))`` for k = -1, 0, +1, each row of
    ``slopes`` is ``slope = b_x + b_xm w`` with ``se = sqrt(var(b_x) + w^2 var(b_xm) + 2 w cov(b_x, b_xm))``
    (delta method, from the fit's ``vcov``), ``z = slope / se`` and the normal 95 % interval. :meth:`plot`
    draws the standardized (std_all) version of the same lines.

    References
    ----------
    Marsh, Wen & Hau (2004) and Lin, Wen, Marsh & Lin (2010); the full entries are under
    :func:`latent_interaction`. The model is fitted by :func:`~stickiness_research.fit_sem` (lavaan's
    ``sem`` definitions); the interaction itself is checked by recovering a simulated one
    (tests/test_moderation.py), not against R.

    Examples
    --------
    A product construct of convenience and trust predicting stickiness, on simulated answers:

    >>> import stickiness_research as sr
    >>> questionnaire = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> answers = sr.reverse_code(sr.simulate_responses(questionnaire, n=150, seed=2), questionnaire)
    >>> li = sr.latent_interaction(questionnaire, answers, "convenience", "trust", "stickiness")
    >>> li.term, list(li.tables()), li.interaction["op"]
    ('convenience_x_trust', ['paths', 'simple slopes'], '~')
    """

    result: SEMResult
    x: str
    moderator: str
    outcome: str
    term: str  # name of the interaction construct
    slopes: pd.DataFrame  # moderator_sd, moderator_value, slope, se, z, pvalue, ci_lower, ci_upper

    @property
    def interaction(self) -> pd.Series:
        est = self.result.estimates
        return est[(est["op"] == "~") & (est["lhs"] == self.outcome) & (est["rhs"] == self.term)].iloc[0]

    @property
    def title(self) -> str:
        return f"Latent interaction: {self.x} x {self.moderator} -> {self.outcome} (product indicators)"

    def headline(self) -> list[str]:
        return [self.result.fit_line()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``paths`` (the structural model with the interaction term) and ``simple slopes`` of x at the
        moderator's -1, 0 and +1 SD."""
        return {"paths": self.result.paths(), "simple slopes": self.slopes}

    def summary_notes(self) -> list[str]:
        return [f"warning: {w}" for w in self.result.warnings]

    def plot(self, labels: dict[str, str] | None = None):
        """Interaction plot: predicted outcome (latent SD units) against x at the moderator's -1, 0, +1 SD.

        A matplotlib Figure of its own (no pyplot): the session's backend and rcParams stay as they were.
        """
        from .._canvas import new_figure

        names = labels or {}
        fig = new_figure(5.5, 4)
        ax = fig.subplots()
        xs = np.linspace(-2, 2, 50)
        std = self.result.estimates.set_index(["lhs", "op", "rhs"])["std_all"]
        b_x = std[(self.outcome, "~", self.x)]
        b_m = std[(self.outcome, "~", self.moderator)]
        b_xm = std[(self.outcome, "~", self.term)]
        for level, style in ((-1, "--"), (0, "-"), (1, ":")):
            ax.plot(xs, (b_x + b_xm * level) * xs + b_m * level, style, color="#2b4c7e",
                    label=f"{names.get(self.moderator, self.moderator)} {level:+d} SD" if level else "mean")
        ax.set_xlabel(f"{names.get(self.x, self.x)} (SD)")
        ax.set_ylabel(f"{names.get(self.outcome, self.outcome)} (SD)")
        ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return fig


@model_first("q")
def latent_interaction(model, data: pd.DataFrame, x: str, moderator: str, outcome: str, *, pairs: str = "matched",
                       controls: tuple[str, ...] = ()) -> LatentInteraction:
    """Fit outcome ~ x + moderator + x:moderator with a latent product term.

    The model comes first and the data second, as lavaan's ``sem(model, data)``.

    .. deprecated:: 0.1.1
        ``latent_interaction(data, q, ...)`` (the data first) and the keyword ``q=`` still work,
        with a FutureWarning, until 0.2: call ``latent_interaction(model, data, ...)``.

    Parameters
    ----------
    model : Questionnaire or str
        Where the constructs' items come from (a Questionnaire or lavaan ``=~`` syntax).
    data : DataFrame
        Item answers (reverse-keyed items recoded).
    x, moderator, outcome : str
        Construct ids.
    pairs : {"matched", "all"}
        Matched-pair or all-pairs product indicators.
    controls : tuple of str
        Other constructs that also predict the outcome.

    Returns
    -------
    LatentInteraction
        ``result`` (the SEM), ``interaction`` (the product term's row), ``slopes`` (effect of x at
        the moderator's -1, 0, +1 SD, with delta-method SEs) and ``plot()``.

    Raises
    ------
    ModelSpecError
        A construct with no items in the model, ``pairs`` not "matched" or "all", an item column
        not in the data, or syntax without an ``=~`` line.
    EstimationError
        The interaction model cannot be estimated.

    Notes
    -----
    Products of mean-centred items (``x_i * m_j``, centred again: double-mean-centring; matched pairs
    by default) measure the product construct (Marsh, Wen & Hau, 2004; Lin et al., 2010). The simple slope of ``x`` at moderator value ``w``
    is ``b_x + b_xm w`` with SE ``sqrt(var(b_x) + w^2 var(b_xm) + 2 w cov(b_x, b_xm))``.

    References
    ----------
    Marsh, H. W., Wen, Z., & Hau, K.-T. (2004). Structural equation models of latent interactions:
    Evaluation of alternative estimation strategies and indicator construction.
    *Psychological Methods*, 9, 275-300.
    Lin, G.-C., Wen, Z., Marsh, H. W., & Lin, H.-S. (2010). Structural equation models of latent
    interactions: Clarification of orthogonalizing and double-mean-centering strategies.
    *Structural Equation Modeling*, 17, 374-391.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> data = sr.reverse_code(sr.simulate_responses(q, n=200, seed=1), q)
    >>> li = sr.latent_interaction(q, data, "security", "trust", "stickiness")
    >>> li.slopes[["moderator_sd", "slope", "se"]].round(3).values.tolist()
    [[-1.0, 0.311, 0.142], [0.0, 0.421, 0.119], [1.0, 0.532, 0.149]]
    """
    from ..measurement import scales_of

    scales = scales_of(model)
    for name in (x, moderator, outcome, *controls):
        if name not in scales:
            raise ModelSpecError(f"construct {name!r} has no items in the model; known: {', '.join(scales)}.")
    if pairs not in ("matched", "all"):
        raise ModelSpecError(f"pairs must be 'matched' or 'all'; got {pairs!r}.")
    items_x, items_m = scales[x], scales[moderator]
    missing = [i for i in (*items_x, *items_m) if i not in data.columns]
    if missing:
        raise ModelSpecError(f"item column {missing[0]!r} is not in the data." + did_you_mean(missing[0], data.columns))
    frame = data.copy()
    centred = {i: frame[i].astype(float) - frame[i].astype(float).mean() for i in (*items_x, *items_m)}
    combos = (list(zip(items_x, items_m, strict=False)) if pairs == "matched"
              else [(a, b) for a in items_x for b in items_m])
    term = f"{x}_x_{moderator}"
    products = []
    for a, b in combos:
        name = f"{a}_x_{b}"
        product = centred[a] * centred[b]
        frame[name] = product - product.mean()
        products.append(name)
    lines = [f"{c} =~ " + " + ".join(scales[c]) for c in dict.fromkeys((x, moderator, outcome, *controls))]
    lines.append(f"{term} =~ " + " + ".join(products))
    lines.append(f"{outcome} ~ " + " + ".join([x, moderator, term, *controls]))
    if pairs == "all":  # products sharing an item have correlated residuals
        for i, (a1, b1) in enumerate(combos):
            for a2, b2 in combos[i + 1:]:
                if a1 == a2 or b1 == b2:
                    lines.append(f"{a1}_x_{b1} ~~ {a2}_x_{b2}")
    res = fit_sem("\n".join(lines), frame)
    return LatentInteraction(result=res, x=x, moderator=moderator, outcome=outcome, term=term,
                             slopes=_simple_slopes(res, x, moderator, outcome, term))


def _simple_slopes(res: SEMResult, x: str, moderator: str, outcome: str, term: str) -> pd.DataFrame:
    est = res.estimates
    vcov = res.vcov
    rows = res._state.rows
    names = res._state.problem.names

    def index(lhs: str, op: str, rhs: str) -> str:
        row = next(r for r in rows if (r.lhs, r.op, r.rhs) == (lhs, op, rhs))
        return names[row.free]

    i_x, i_xm = index(outcome, "~", x), index(outcome, "~", term)
    var_m = float(est[(est["op"] == "~~") & (est["lhs"] == moderator) & (est["rhs"] == moderator)]["est"].iloc[0])
    b = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    b_x, b_xm = b[(outcome, "~", x)], b[(outcome, "~", term)]
    out = []
    for sd in (-1.0, 0.0, 1.0):
        w = sd * np.sqrt(var_m)
        slope = b_x + b_xm * w
        var = vcov.loc[i_x, i_x] + w**2 * vcov.loc[i_xm, i_xm] + 2 * w * vcov.loc[i_x, i_xm]
        se = float(np.sqrt(var))
        z = slope / se
        out.append({"moderator_sd": sd, "moderator_value": w, "slope": slope, "se": se, "z": z,
                    "pvalue": 2 * stats.norm.sf(abs(z)), "ci_lower": slope - 1.959964 * se,
                    "ci_upper": slope + 1.959964 * se})
    return pd.DataFrame(out)
