"""Hypothesis verdicts and effect tables from a bootstrapped PLS path model, in the CB-SEM tables' shape.

A PLS-only study (config ``method: pls``) reports its hypotheses with the columns of
:func:`stickiness_research.sem.hypotheses.hypothesis_table`, so the report, the CLI and results.json
read one shape whatever the method. PLS-SEM has no analytic standard errors: every SE, interval and
p value here is the bootstrap's (seminr's ``bootstrap_model``; p from t = est / SE on n_boot - 1 df).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ModelSpecError
from ..questionnaire import Questionnaire
from .bootstrap import PLSBootstrap
from .fit import PLSResult

ALPHA = 0.05
COLUMNS = ["hypothesis", "path", "expected_sign", "est", "se", "ci_lower", "ci_upper", "ci_method", "std_all",
           "pvalue", "supported", "text"]
EFFECT_COLUMNS = ["lhs", "op", "rhs", "est", "se", "ci_lower", "ci_upper", "std_all", "std_ci_lower",
                  "std_ci_upper"]


def pls_hypothesis_table(res: PLSResult, boot: PLSBootstrap, q: Questionnaire, *, alpha: float = ALPHA,
                         language: str | None = None) -> pd.DataFrame:
    """One row per hypothesis of ``q``: PLS path (or product of paths), bootstrap SE, interval, p and verdict.

    The rule is the CB-SEM table's: supported when the estimate has the expected sign, p < ``alpha``
    and the bootstrap interval excludes zero on the expected side. A direct hypothesis reads its
    path's bootstrap row (the bootstrap's interval type); an indirect one the product of its paths
    in every resample (:meth:`PLSBootstrap.specific_effect`, a percentile interval). ``est`` and
    ``std_all`` are the same number: PLS paths relate standardized construct scores.

    Parameters
    ----------
    res : PLSResult
        The model fitted to the questionnaire's hypothesised model.
    boot : PLSBootstrap
        ``res.bootstrap(...)``.
    q : Questionnaire
    alpha : float
    language : str, optional
        Language of the hypothesis texts (default: the questionnaire's).

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS`.

    Raises
    ------
    ModelSpecError
        A hypothesis names a path the fitted model does not have.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> data = sr.reverse_code(sr.simulate_responses(q, n=300, seed=3), q)
    >>> res = sr.fit_pls(q, data)
    >>> table = pls_hypothesis_table(res, res.bootstrap(200, seed=1), q)
    >>> list(table.columns[:4]), len(table) == len(q.hypotheses)
    (['hypothesis', 'path', 'expected_sign', 'est'], True)
    """
    lang = language or q.meta.language
    table = boot.table
    paths = table[table["op"] == "~"].set_index(["rhs", "lhs"])
    df = max(len(boot.draws) - 1, 1)
    rows = []
    for h in q.hypotheses:
        if not h.is_indirect:
            if (h.from_, h.to) not in paths.index:
                raise ModelSpecError(f"hypothesis {h.id} ({h.from_} -> {h.to}) is not a path of the PLS model; fit "
                                     "the questionnaire's model.")
            r = paths.loc[(h.from_, h.to)]
            est, se, lo, hi, p = (float(r[c]) for c in ("est", "boot_se", "ci_lower", "ci_upper", "pvalue"))
            method = f"bootstrap {boot.ci} ({boot.n_boot})"
        else:
            s = boot.specific_effect(h.chain[0], h.chain[-1], list(h.chain[1:-1]))
            est, se, lo, hi = (float(s[c]) for c in ("est", "boot_se", "ci_lower", "ci_upper"))
            p = float(2 * stats.t.sf(abs(est / se), df)) if se > 0 else float("nan")
            method = f"bootstrap percentile ({boot.n_boot})"
        sign_ok = est > 0 if h.sign == "+" else est < 0
        side_ok = lo > 0 if h.sign == "+" else hi < 0
        rows.append({"hypothesis": h.id, "path": " -> ".join(h.chain), "expected_sign": h.sign, "est": est,
                     "se": se, "ci_lower": lo, "ci_upper": hi, "ci_method": method, "std_all": est, "pvalue": p,
                     "supported": bool(sign_ok and p < alpha and side_ok),
                     "text": h.text.get(lang, next(iter(h.text.values())))})
    return pd.DataFrame(rows, columns=COLUMNS)


def pls_effects(res: PLSResult, boot: PLSBootstrap) -> pd.DataFrame:
    """Direct, indirect and total effects of every construct on every construct it reaches, with bootstrap
    intervals, in the shape of ``BootstrapResult.effects()`` (lhs ``"source -> target"``, op ``effect``,
    rhs ``direct``/``indirect``/``total``). The direct and total effects carry the bootstrap table's
    intervals (its ``ci`` method: the same numbers as the path table); the indirect effect is total minus
    direct in every resample, with the percentile interval. ``std_*`` repeat the estimates (standardized
    scores).
    """
    draws = boot.draws
    level = boot.level
    q_lo, q_hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    table = boot.table
    interval = {(t.lhs, t.op, t.rhs): (float(t.ci_lower), float(t.ci_upper)) for t in table.itertuples()}
    rows = []
    for r in table[table["op"] == "total"].itertuples():
        source, target = r.rhs, r.lhs
        total = draws[f"{target} total {source}"].to_numpy()
        direct_col = f"{target} ~ {source}"
        direct = draws[direct_col].to_numpy() if direct_col in draws else np.zeros(len(total))
        direct_est = float(res.paths().loc[source, target])
        for kind, est, values in (("direct", direct_est, direct), ("indirect", float(r.est) - direct_est,
                                                                    total - direct), ("total", float(r.est), total)):
            if kind != "total" and not np.any(values):
                continue  # no such route (no direct path, or no chain through a mediator)
            key = (target, "~" if kind == "direct" else "total", source)
            lo, hi = interval[key] if kind != "indirect" and key in interval else np.percentile(values, [q_lo, q_hi])
            se = float(np.std(values, ddof=1))
            rows.append((f"{source} -> {target}", "effect", kind, est, se, float(lo), float(hi), est, float(lo),
                         float(hi)))
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
