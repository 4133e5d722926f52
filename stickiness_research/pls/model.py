"""A PLS path model read from lavaan-like syntax: constructs with their indicators and mode, and paths.

``=~`` declares a mode-A construct (correlation weights; a common factor under PLSc), ``<~`` a
mode-B composite (regression weights), ``~`` structural paths. The statements are read by the
project's one syntax reader (:func:`stickiness_research.sem.syntax.parse_syntax`); PLS takes no
modifiers (labels, fixed values), no covariances and no defined parameters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelSpecError
from ..sem.syntax import parse_syntax


@dataclass(frozen=True)
class PLSModel:
    """The model's constructs, indicators and paths.

    Attributes
    ----------
    constructs : tuple of str
        In seminr's order (``construct_names``): the paths' sources as written, then their targets.
    blocks : dict of str to tuple of str
        Construct -> its indicators, in the order written.
    modes : dict of str to str
        Construct -> ``"A"`` (``=~``) or ``"B"`` (``<~``).
    paths : tuple of (str, str)
        (source, target) of every structural path.
    interactions : dict of str to (str, str)
        Interaction construct (seminr's name ``"iv*moderator"``, written ``iv:moderator`` in the
        syntax) -> (iv, moderator); its indicators are made from the data by :func:`.fit.fit_pls`.
    higher_order : dict of str to tuple of str
        Higher-order construct -> its dimensions (constructs measured by items), written
        ``HOC =~ Dim1 + Dim2``; estimated in two stages (seminr's ``higher_composite``): the
        dimensions' scores from a first stage become the indicators of the HOC.
    """

    constructs: tuple[str, ...]
    blocks: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    paths: tuple[tuple[str, str], ...]
    interactions: dict[str, tuple[str, str]] = field(default_factory=dict)
    higher_order: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def items(self) -> list[str]:
        """Every indicator once, block by block in construct order (a higher-order construct's indicators are
        its dimensions' items, whose scores the first stage turns into the HOC's indicators)."""
        out: list[str] = []
        for c in self.constructs:
            for i in self.blocks[c]:
                for item in (self.blocks[i] if c in self.higher_order else (i,)):
                    if item not in out:
                        out.append(item)
        return out

    @property
    def endogenous(self) -> list[str]:
        """Constructs with an incoming path, in construct order."""
        targets = {t for _, t in self.paths}
        return [c for c in self.constructs if c in targets]

    def predecessors(self, construct: str) -> list[str]:
        return [s for s, t in self.paths if t == construct]

    def path_matrix(self) -> np.ndarray:
        """P[i, j] = 1 for a path from construct i to construct j."""
        at = {c: k for k, c in enumerate(self.constructs)}
        p = np.zeros((len(self.constructs),) * 2)
        for s, t in self.paths:
            p[at[s], at[t]] = 1.0
        return p


def pls_model(syntax: str) -> PLSModel:
    """Read a PLS path model from lavaan-like syntax (cached per syntax: a bootstrap or simulation
    refits the same model many times).

    Raises
    ------
    ModelSpecError
        Unreadable syntax; an operator PLS does not estimate (``~~``, ``:=``, thresholds, ...);
        modifiers; a construct measured twice or without indicators; a path to or from a
        construct without indicators; an indicator that is also a construct; a model without paths.
    """
    return _pls_model(syntax)


@functools.lru_cache(maxsize=256)
def _pls_model(syntax: str) -> PLSModel:
    formulas, definitions = parse_syntax(syntax, composites=True)
    if definitions:
        d = definitions[0]
        raise ModelSpecError(f"model line {d.line}: PLS-SEM takes constructs ('=~', '<~') and paths ('~'); "
                             f"'{d.name} {d.op} ...' is not estimated (indirect effects are reported for every path "
                             "chain anyway).")
    blocks: dict[str, list[str]] = {}
    modes: dict[str, str] = {}
    paths: list[tuple[str, str]] = []
    for f in formulas:
        m = f.modifiers
        if m.fixed is not None or m.label is not None or m.start is not None:
            raise ModelSpecError(f"model line {f.line}: PLS-SEM estimates every weight and path freely; remove the "
                                 f"modifier in '{f.lhs} {f.op} ...{f.rhs}'.")
        if f.op in ("=~", "<~"):
            mode = "A" if f.op == "=~" else "B"
            if modes.setdefault(f.lhs, mode) != mode:
                raise ModelSpecError(f"model line {f.line}: {f.lhs!r} is declared with both '=~' and '<~'; a construct "
                                     "has one measurement mode.")
            blocks.setdefault(f.lhs, []).append(f.rhs)
        elif f.op == "~":
            paths.append((f.rhs.replace(":", "*"), f.lhs))  # an interaction a:b is seminr's construct "a*b"
        else:
            raise ModelSpecError(f"model line {f.line}: '{f.lhs} {f.op} {f.rhs}': PLS-SEM takes constructs "
                                 "('=~' reflective/mode A, '<~' composite/mode B) and paths ('~') only.")
    if not paths:
        raise ModelSpecError("the model has no structural path ('~'); PLS-SEM estimates a path model. For a "
                             "measurement model alone use sr.cfa.")
    interactions: dict[str, tuple[str, str]] = {}
    for s, t in paths:
        if "*" in s:
            iv, moderator = s.split("*")
            for c in (iv, moderator):
                if c not in blocks:
                    raise ModelSpecError(f"the interaction {iv}:{moderator} needs {c!r} to be a construct with "
                                         f"indicators, e.g. '{c} =~ item1 + item2'.")
            if iv == moderator:
                raise ModelSpecError(f"the interaction {iv}:{moderator} multiplies a construct by itself; a quadratic "
                                     "effect is not supported.")
            if t in (iv, moderator):
                raise ModelSpecError(f"the interaction {iv}:{moderator} predicts one of its own parts ({t!r}).")
            interactions[s] = (iv, moderator)
    for s, t in paths:
        for c in (s, t):
            if c not in blocks and c not in interactions:
                raise ModelSpecError(f"{c!r} is in a path but has no indicators; declare it, e.g. '{c} =~ item1 + "
                                     f"item2' (or '{c} =~ {c}' for a single observed variable).")
    higher: dict[str, tuple[str, ...]] = {}
    for c, members in blocks.items():
        dims = [i for i in members if i in blocks and i != c]
        if not dims:
            continue
        if len(dims) != len(members):
            raise ModelSpecError(f"{c!r} is measured by constructs ({', '.join(dims)}) and by items; a higher-order "
                                 "construct takes constructs only (its dimensions), e.g. 'HOC =~ Dim1 + Dim2'.")
        nested = [d for d in dims if any(i in blocks for i in blocks[d])]
        if nested:
            raise ModelSpecError(f"{nested[0]!r} is itself higher-order; only second-order constructs are supported.")
        if len(dims) < 2:
            raise ModelSpecError(f"the higher-order construct {c!r} needs two or more dimensions.")
        higher[c] = tuple(dims)
    order = list(dict.fromkeys([s for s, _ in paths] + [t for _, t in paths]))  # seminr's construct_names
    dimensions = {d for dims in higher.values() for d in dims}
    unused = [c for c in blocks if c not in order and c not in dimensions]
    if unused:
        raise ModelSpecError(f"construct {unused[0]!r} is in no path; PLS-SEM estimates a construct through its "
                             "paths. Add a path or drop it (sr.cfa fits measurement models).")
    if higher:  # the dimensions' own blocks are kept (the first stage estimates them)
        extra = [d for d in blocks if d in dimensions and d not in order]
        return PLSModel(constructs=tuple(order), blocks={c: tuple(blocks.get(c, ())) for c in order + extra},
                        modes={c: modes.get(c, "A") for c in order + extra}, paths=tuple(paths),
                        interactions=interactions, higher_order=higher)
    return PLSModel(constructs=tuple(order), blocks={c: tuple(blocks.get(c, ())) for c in order},
                    modes={c: modes.get(c, "A") for c in order}, paths=tuple(paths), interactions=interactions)
