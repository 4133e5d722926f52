"""Which rows modification indices score, as lavaan's modindices() (tests/reference/lavaan_modindices_candidates.R):
fixed rows (0* covariances, a fixed variance, scale factors of ordered items) and absent rows of lavaan's full
table, regressions only among the variables of '~'; covariates held at their sample moments (fixed.x) leave those
moments out of the information. Every candidate lavaan lists and no other, MI, EPC and standardized EPCs at 1e-3
(relative above 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import stickiness_research as sr

ROOT = Path(__file__).parent.parent
REFERENCE = json.loads((ROOT / "tests" / "reference" / "lavaan" / "modindices_candidates.json").read_text())


def _close(mine: float, theirs: float | None) -> bool:
    if theirs is None:  # lavaan's NA sepc.all of a covariates' covariance whose EPC is 0 to rounding; ours ~1e-16
        return abs(mine) < 1e-8
    return abs(mine - theirs) <= 1e-3 * max(1.0, abs(theirs))


@pytest.mark.parametrize("case", sorted(REFERENCE))
def test_the_candidates_and_their_indices_are_lavaans(case):
    ref = REFERENCE[case]
    args = {k.replace(".", "_"): tuple(v) if isinstance(v, list) else (v,) if k == "group.equal" else v
            for k, v in (ref["args"] or {}).items()}  # JSON unboxes a one-element group.equal
    res = sr.fit_sem(ref["model"], pd.read_csv(ROOT / ref["data"]), model_type="cfa", **args)
    groups = list(res.groups)
    table = res.modification_indices()
    mine = {(r["lhs"], r["op"], r["rhs"], r.get("group", "")): r for r in table.to_dict("records")}
    theirs = {(m["lhs"], m["op"], m["rhs"], groups[m["group"] - 1] if groups else ""): m for m in ref["modindices"]}
    assert set(mine) == set(theirs), (sorted(set(mine) - set(theirs))[:5], sorted(set(theirs) - set(mine))[:5])
    bad = [f"{key} {col}: ours {mine[key][col]!r} lavaan {m[other]!r}" for key, m in theirs.items()
           for col, other in (("mi", "mi"), ("epc", "epc"), ("sepc_lv", "sepc.lv"), ("sepc_all", "sepc.all"))
           if not _close(mine[key][col], m[other])]
    assert not bad, "; ".join(bad[:5])
