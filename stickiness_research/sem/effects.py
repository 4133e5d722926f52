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


def effect_values(inner: list[str], paths: list[EffectPath], beta: np.ndarray,
                  inner_cov: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Values of each path and each driver's total, for a batch of Beta (B, m, m).

    Returns an array (B, n_paths + n_drivers) and the column names (path names, then
    ``"total: driver -> outcome"``). With ``inner_cov`` (B, m, m) the values are standardized.
    """
    index = {v: i for i, v in enumerate(inner)}
    columns, names = [], []
    for p in paths:
        value = np.ones(len(beta))
        for a, b in zip(p.chain, p.chain[1:], strict=False):
            value = value * beta[:, index[b], index[a]]
        if inner_cov is not None:
            value = value * np.sqrt(inner_cov[:, index[p.driver], index[p.driver]]
                                    / inner_cov[:, index[p.outcome], index[p.outcome]])
        columns.append(value)
        names.append(p.name)
    drivers = list(dict.fromkeys(p.driver for p in paths))
    for d in drivers:
        members = [k for k, p in enumerate(paths) if p.driver == d]
        columns.append(np.sum([columns[k] for k in members], axis=0))
        names.append(f"total: {d} -> {paths[members[0]].outcome}")
    return np.stack(columns, axis=1) if columns else np.zeros((len(beta), 0)), names
