"""Run a study end to end: questionnaire -> data -> measurement -> structural model -> report inputs.

Today this runs the demo study (simulated data from a questionnaire's population model); study
configs (``reports/<study>.yaml``) will build on the same steps.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from .measurement import reliability
from .questionnaire import Questionnaire, load_questionnaire
from .responses.scoring import reverse_code, scale_scores
from .sem import SEMResult, fit_sem
from .sem.hypotheses import hypothesis_table
from .simulate import population_model, simulate_responses

DEMO_N = 500
DEMO_SEED = 20261124
DEMO_BOOTSTRAP = 1000


@dataclass(frozen=True)
class StudyResult:
    """Everything a report needs, as raw numbers (formatting happens in the report layer)."""

    questionnaire: Questionnaire
    raw: pd.DataFrame
    scored: pd.DataFrame
    scores: pd.DataFrame
    reliability: pd.DataFrame
    sem: SEMResult
    hypotheses: pd.DataFrame
    effects: pd.DataFrame
    truth: dict[str, float]
    provenance: dict = field(default_factory=dict)


def run_demo(questionnaire: str | Path, *, n: int = DEMO_N, seed: int = DEMO_SEED, n_boot: int = DEMO_BOOTSTRAP,
             progress: Callable[[str], None] | None = None) -> StudyResult:
    """Simulate ``n`` respondents from the questionnaire's population model and analyse them."""
    step = progress or (lambda _msg: None)
    step("loading questionnaire")
    q = load_questionnaire(questionnaire)
    step(f"simulating {n} respondents (seed {seed})")
    raw = simulate_responses(q, n=n, seed=seed)
    scored = reverse_code(raw, q)
    step("scoring scales and reliability")
    rel = reliability(scored, q)
    scores = scale_scores(scored, q)
    step("fitting the structural equation model")
    sem = fit_sem(q.model_syntax(), scored)
    step(f"bootstrapping {n_boot} resamples for effects")
    boot = sem.bootstrap(n_boot, seed=seed)
    hyp = hypothesis_table(sem, q, bootstrap=boot)
    truth = {f"{a} -> {b}": beta for (a, b), beta in population_model(q).paths.items()}
    return StudyResult(questionnaire=q, raw=raw, scored=scored, scores=scores, reliability=rel, sem=sem,
                       hypotheses=hyp, effects=boot.effects(), truth=truth,
                       provenance=provenance(inputs=[Path(questionnaire)], seed=seed, questionnaire=q,
                                             command=f"stickiness demo --n {n} --seed {seed}",
                                             extra={"bootstrap": {"n_boot": n_boot, "seed": seed,
                                                                  "n_failed": boot.n_failed}}))


def provenance(*, inputs: list[Path], seed: int | None, questionnaire: Questionnaire, command: str,
               extra: dict | None = None) -> dict:
    """Package versions, input SHA-256s, questionnaire id/version, seed, git commit, time."""
    packages = {}
    for name in ("stickiness_research", "numpy", "pandas", "scipy", "semopy", "statsmodels", "pingouin",
                 "pydantic", "jinja2", "matplotlib"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "packages": packages,
        "inputs": {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs},
        "questionnaire": {"id": questionnaire.meta.id, "version": questionnaire.meta.version},
        "seed": seed,
        "git_commit": _git_commit(),
        **(extra or {}),
    }


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
