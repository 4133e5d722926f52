"""A model's covariance structure laid out by semopy, with its parameter table in lavaan's shape.

semopy parses the syntax and lays out the LISREL-type matrices (Beta, Lambda, Psi, Theta) with
analytic derivatives of Sigma; estimation itself is ours (problem.py), on lavaan's ML
discrepancy, because semopy's optimiser stops early (PoliticalDemocracy's variances came out
0.3 % off lavaan's) and has no cross-group constraints.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import semopy

from ..errors import ModelSpecError
from .syntax import ParsedModel



@dataclass(frozen=True)
class ParameterRow:
    """One row of the parameter table: a free parameter (``free`` is its index) or a fixed one."""

    lhs: str
    op: str
    rhs: str
    label: str
    free: int | None
    matrix: str  # beta, lambda, psi, theta
    index: tuple[int, int]


class ModelStructure:
    """A parsed model laid out in matrices, with its parameter table in lavaan's shape and order."""

    def __init__(self, parsed: ParsedModel):
        self.parsed = parsed
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.model = semopy.Model(parsed.estimable)
        except Exception as exc:  # semopy raises bare Exceptions for syntax it cannot read
            raise ModelSpecError(f"the model syntax cannot be read: {exc}") from None
        self.observed: list[str] = list(self.model.vars["observed"])
        self.inner: list[str] = list(self.model.names_beta[0])
        self.latent: set[str] = set(self.model.vars["latent"])

    def load(self, data: pd.DataFrame, cov: np.ndarray, n_obs: int) -> None:
        cov_df = pd.DataFrame(cov, index=self.observed, columns=self.observed)
        logging.getLogger().disabled, was = True, logging.getLogger().disabled
        try:
            self.model.load(data=data[self.observed], cov=cov_df, n_samples=n_obs)
        finally:
            logging.getLogger().disabled = was
        self.rows = self._parameter_rows()

    @property
    def n_free(self) -> int:
        return len(self.model.param_vals)

    @property
    def free_names(self) -> list[str]:
        return [n for n, p in self.model.parameters.items() if p.active]

    # ----- parameter table -------------------------------------------------------------------
    def _parameter_rows(self) -> list[ParameterRow]:
        m = self.model
        names = self.free_names
        by_position: dict[tuple[str, int, int], int] = {}
        self.locations: list[list[tuple[str, int, int]]] = [[] for _ in names]
        matrix_names = {id(mx): key for key, mx in zip(("beta", "lambda", "psi", "theta"), m.matrices[:4],
                                                       strict=True)}
        for k, name in enumerate(names):
            for loc in m.parameters[name].locations:
                key = matrix_names[id(loc.matrix)]
                i, j = loc.indices
                by_position[(key, i, j)] = k
                self.locations[k].append((key, i, j))
                if loc.symmetric:
                    by_position[(key, j, i)] = k
        rows: list[ParameterRow] = []

        def add(op: str, lhs: str, rhs: str, key: str, i: int, j: int, value: float) -> None:
            free = by_position.get((key, i, j))
            if free is None and value == 0.0:
                return  # structural zero
            label = names[free] if free is not None and not names[free].startswith("_") else ""
            rows.append(ParameterRow(lhs, op, rhs, label, free, key, (i, j)))

        beta, lamb, psi, theta = m.matrices[:4]
        for j, lat in enumerate(self.inner):
            if lat not in self.latent:
                continue
            for i, ov in enumerate(self.observed):
                add("=~", lat, ov, "lambda", i, j, lamb[i, j])
        for i, lhs in enumerate(self.inner):
            for j, rhs in enumerate(self.inner):
                add("~", lhs, rhs, "beta", i, j, beta[i, j])
        for i, a in enumerate(self.observed):
            for j in range(i, len(self.observed)):
                add("~~", a, self.observed[j], "theta", i, j, theta[i, j])
        for i, a in enumerate(self.inner):
            for j in range(i, len(self.inner)):
                add("~~", a, self.inner[j], "psi", i, j, psi[i, j])
        return self._lavaan_order(rows)

    def _lavaan_order(self, rows: list[ParameterRow]) -> list[ParameterRow]:
        order = {v: k for k, v in enumerate(self.parsed.variables)}
        written = set()
        for stmt in self.parsed.estimable.splitlines():
            if "~~" in stmt:
                lhs, rhs = stmt.split("~~", 1)
                for term in rhs.split("+"):
                    written.add(frozenset((lhs.strip(), term.split("*")[-1].strip())))
        ops = {"=~": 0, "~": 1, "~~": 2}

        def key(r: ParameterRow) -> tuple:
            lhs, rhs = order.get(r.lhs, 10**6), order.get(r.rhs, 10**6)
            if r.op != "~~":
                return (ops[r.op], lhs, rhs)
            if frozenset((r.lhs, r.rhs)) in written:
                kind = 0
            elif r.lhs == r.rhs:
                kind = 1 if r.lhs not in self.latent else 2
            else:
                kind = 3
            if kind == 1 and r.lhs in self.inner:
                kind = 2
            return (ops[r.op], kind, lhs, rhs)

        return sorted(rows, key=key)

    # ----- model-implied moments ---------------------------------------------------------------
    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sigma(theta) and its derivative with respect to each free parameter."""
        m = self.model
        m.update_matrices(theta)
        sigma, (lc, c) = m.calc_sigma()
        return sigma, [np.asarray(g, dtype=float) for g in m.calc_sigma_grad(lc, c)]

    def matrices(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        self.model.update_matrices(theta)
        beta, lamb, psi, th = (np.array(x, dtype=float) for x in self.model.matrices[:4])
        return {"beta": beta, "lambda": lamb, "psi": psi, "theta": th}
