"""Lay out an estimation problem: groups, sample moments, lavaan's default mean structure, and the
global parameter vector that ties groups together (labels and ``group_equal``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelSpecError
from .engine import ModelStructure
from .problem import EQUALITY_TYPES, Group, MeanParameter, Problem, parameter_type
from .syntax import ParsedModel


def build_problem(parsed: ParsedModel, frames: list[tuple[str, pd.DataFrame]], *, group_equal: tuple[str, ...],
                  meanstructure: bool) -> Problem:
    unknown = [t for t in group_equal if t not in EQUALITY_TYPES]
    if unknown:
        raise ModelSpecError(f"group_equal {unknown[0]!r} is not a lavaan group.equal type; use "
                             f"{', '.join(EQUALITY_TYPES)}.")
    groups: list[Group] = []
    names: list[str] = []
    index: dict[str, int] = {}
    starts: list[float] = []

    def global_index(name: str, start: float) -> int:
        if name not in index:
            index[name] = len(names)
            names.append(name)
            starts.append(start)
        return index[name]

    multi = len(frames) > 1
    for g_no, (label, frame) in enumerate(frames):
        structure = ModelStructure(parsed)
        values = frame[structure.observed].to_numpy(dtype=float)
        s = np.cov(values, rowvar=False, bias=True)
        structure.load(frame, s, len(frame))
        group = Group(label=label, structure=structure, s=s, m=values.mean(axis=0), n=len(frame),
                      logdet_s=float(np.linalg.slogdet(s)[1]))
        local_names = structure.free_names
        types = {}
        for row in structure.rows:
            if row.free is not None:
                types.setdefault(row.free, parameter_type(structure, row))
        cov_map = []
        for k, name in enumerate(local_names):
            shared = not name.startswith("_") or types.get(k) in group_equal or not multi
            key = name if shared else f"{name}@{label}"
            cov_map.append(global_index(key, float(structure.model.param_vals[k])))
        group.cov_map = np.array(cov_map, dtype=int)
        if meanstructure:
            _add_means(group, g_no, group_equal, global_index)
        groups.append(group)
    return Problem(groups, names, np.array(starts), meanstructure)


def _add_means(group: Group, g_no: int, group_equal: tuple[str, ...], global_index) -> None:
    """lavaan defaults: observed intercepts free; latent means fixed at 0, except in groups after the
    first when intercepts are held equal (and means are not), so that latent means are identified."""
    st = group.structure
    for i, var in enumerate(st.observed):
        if var in st.inner:
            continue
        key = f"nu:{var}" if "intercepts" in group_equal else f"nu:{var}@{group.label}"
        group.means.append(MeanParameter("nu", i, var, True))
        group.mean_map.append(global_index(key, float(group.m[i])))
    for j, var in enumerate(st.inner):
        if var in st.latent:
            free = g_no > 0 and "intercepts" in group_equal and "means" not in group_equal
            group.means.append(MeanParameter("alpha", j, var, free))
            group.mean_map.append(global_index(f"alpha:{var}@{group.label}", 0.0) if free else None)
        else:  # an observed variable in the structural part: its mean/intercept lives in alpha
            i = st.observed.index(var)
            key = f"alpha:{var}" if "intercepts" in group_equal else f"alpha:{var}@{group.label}"
            group.means.append(MeanParameter("alpha", j, var, True))
            group.mean_map.append(global_index(key, float(group.m[i])))
