"""Effect decomposition: each driver's direct, specific indirect and total effect on an outcome.

Effects follow the structural paths (``~`` among latent and observed variables): a specific
indirect effect is the product of the coefficients along one chain, the total effect the sum
over all chains (equal to the entry of (I - B)^-1 - I). Standardized effects scale by
sd(driver) / sd(outcome). Functions work on batches of Beta matrices so the bootstrap can reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EffectPath:
    driver: str
    outcome: str
    chain: tuple[str, ...]  # driver, mediators..., outcome

    @property
    def kind(self) -> str:
        return "direct" if len(self.chain) == 2 else "indirect"

    @property
    def name(self) -> str:
        return " -> ".join(self.chain)


def pure_outcomes(inner: list[str], beta: np.ndarray) -> list[str]:
    """Variables that are predicted but predict nothing (where effects end)."""
    predicted = beta.any(axis=1)
    predicts = beta.any(axis=0)
    return [v for i, v in enumerate(inner) if predicted[i] and not predicts[i]]


def effect_paths(inner: list[str], beta: np.ndarray, outcome: str) -> list[EffectPath]:
    """Every chain of structural paths that ends at ``outcome`` (the model is recursive)."""
    index = {v: i for i, v in enumerate(inner)}
    paths: list[EffectPath] = []

    def walk(node: str, suffix: tuple[str, ...]) -> None:
        for j in np.flatnonzero(beta[index[node]]):
            pred = inner[j]
            chain = (pred, *suffix)
            paths.append(EffectPath(driver=pred, outcome=outcome, chain=chain))
            walk(pred, chain)

    walk(outcome, (outcome,))
    return sorted(paths, key=lambda p: (inner.index(p.driver), len(p.chain), p.chain))


def _totals(paths: list[EffectPath]) -> list[tuple[str, str]]:
    """The (driver, outcome) pairs with a total, in the order of their first path (a total is one driver's effect on
    one outcome: a driver of two outcomes has two)."""
    return list(dict.fromkeys((p.driver, p.outcome) for p in paths))


def effect_labels(paths: list[EffectPath]) -> list[tuple[str, str]]:
    """(path, kind) of each column ``effect_values`` gives for ``paths``: the chains, then the totals as
    ``"driver -> outcome"``."""
    return [(p.name, p.kind) for p in paths] + [(f"{d} -> {o}", "total") for d, o in _totals(paths)]


def model_paths(inner: list[str], beta: np.ndarray) -> list[EffectPath]:
    """Every chain ending at each pure outcome, outcome by outcome (the rows of an effects table); ``beta`` holds the
    regressions only (:func:`structural_paths`) of a recursive model."""
    return [p for outcome in pure_outcomes(inner, beta) for p in effect_paths(inner, beta, outcome)]


def in_loops(beta: np.ndarray) -> np.ndarray:
    """The variables on or behind a feedback loop of the paths ``beta`` (B[i, j] != 0: j -> i), as a boolean mask
    (none: the model is recursive): what is left after taking away, again and again, the variables no remaining
    path points at."""
    edges = beta != 0
    left = np.ones(len(edges), dtype=bool)
    while left.any():
        first = left & ~edges[:, left].any(axis=1)
        if not first.any():
            break
        left &= ~first
    return left


def structural_paths(structure, beta: np.ndarray) -> tuple[list[EffectPath], list[str]]:
    """The chains of a group's regressions (its ``~`` rows in Beta, at their values ``beta``; Beta also holds the
    loadings of higher-order factors and of indicators that are predictors too, which are no paths of an effect),
    and the variables on or behind a feedback loop: a non-recursive model has infinitely many chains, so none are
    given (empty, and the loop's variables named)."""
    regressions = np.zeros(beta.shape, dtype=bool)
    for r in structure.rows:
        if r.op == "~" and r.mat == "beta":
            regressions[r.row, r.col] = True
    beta = np.where(regressions, beta, 0.0)
    looped = in_loops(beta)
    if looped.any():
        return [], [v for v, hit in zip(structure.inner, looped, strict=True) if hit]
    return model_paths(structure.inner, beta), []


def effect_values(inner: list[str], paths: list[EffectPath], beta: np.ndarray,
                  inner_cov: np.ndarray | None = None) -> np.ndarray:
    """Values of each path and each (driver, outcome) total, for a batch of Beta (B, m, m).

    Returns an array (B, n_paths + n_totals), its columns named by :func:`effect_labels`. With ``inner_cov``
    (B, m, m) the values are standardized: a chain's product times sd(driver) / sd(outcome), which is lavaan's
    std.all of the same product written with ``:=`` (the std.all of the paths multiplied).
    """
    index = {v: i for i, v in enumerate(inner)}
    columns = []
    for p in paths:
        value = np.ones(len(beta))
        for a, b in zip(p.chain, p.chain[1:], strict=False):
            value = value * beta[:, index[b], index[a]]
        if inner_cov is not None:
            value = value * np.sqrt(inner_cov[:, index[p.driver], index[p.driver]]
                                    / inner_cov[:, index[p.outcome], index[p.outcome]])
        columns.append(value)
    for driver, outcome in _totals(paths):
        columns.append(np.sum([columns[k] for k, p in enumerate(paths) if (p.driver, p.outcome) == (driver, outcome)],
                              axis=0))
    return np.stack(columns, axis=1) if columns else np.zeros((len(beta), 0))


class ModelEffects:
    """The effects of a fitted model, group by group: each group's chains read from its Beta at the estimates
    ``theta`` (a path fixed at zero in one group is no chain there), so that every refit of a resample reports the
    same effects. ``problem``: a fitted :class:`.Problem` (or its categorical kind), whose ``matrices(g, theta)``
    give each group's Beta and Psi."""

    def __init__(self, problem, theta: np.ndarray):
        groups = problem.groups
        found = [structural_paths(g.structure, problem.matrices(g, theta)["beta"]) for g in groups]
        # a feedback loop in any group: no effects (``SEMResult.effects()`` says why)
        self.loop = next((looped for _, looped in found if looped), [])
        self.paths = [[] if self.loop else paths for paths, _ in found]
        self.labels = [g.label for g in groups] if len(groups) > 1 else [""]
        # (path, kind, group label) per value
        self.names = [(path, kind, label) for paths, label in zip(self.paths, self.labels, strict=True)
                      for path, kind in effect_labels(paths)]

    def values(self, problem, theta: np.ndarray, standardized: bool = False) -> np.ndarray:
        """Every group's effects at ``theta`` (std.all with ``standardized``), in the order of ``names``; ``problem``
        the fitted one or a resample's (a problem of the same layout)."""
        out = []
        for g, paths in zip(problem.groups, self.paths, strict=True):
            if not paths:
                continue
            mats = problem.matrices(g, theta)
            cov = None
            if standardized:
                c = g.structure.inverse_i_minus_b(mats["beta"])
                cov = (c @ mats["psi"] @ c.T)[None]
            out.append(effect_values(g.structure.inner, paths, mats["beta"][None], cov)[0])
        return np.concatenate(out) if out else np.zeros(0)
