"""Same inputs, same bytes, in any process: fits and study builds under different PYTHONHASHSEEDs.

Set and dict iteration over names depends on the hash seed; a rebuild in one process cannot see that,
so these run the CLI in fresh subprocesses.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], seed: str, threads: str = "1") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
    cli = Path(sys.executable).parent / "stickiness"
    return subprocess.run([str(cli), *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=600, check=True)


@pytest.mark.parametrize("extra", [[], ["--estimator", "MLR"], ["--bootstrap", "200", "--seed", "3"]])
def test_fit_json_is_identical_across_hash_seeds(extra):
    args = ["fit", "--model", "tests/reference/models/stickiness_default.lav",
            "--data", "tests/reference/data/stickiness_demo.csv", "--json", *extra]
    outputs = {_run(args, seed, threads).stdout for seed, threads in (("0", "1"), ("12345", "2"))}
    assert len(outputs) == 1


@pytest.mark.slow
def test_study_results_are_identical_across_hash_seeds(tmp_path):
    digests = set()
    for seed in ("0", "4242"):
        out = tmp_path / f"build{seed}"
        _run(["report", "reports/financial_wechat.yaml", "-o", str(out)], seed)
        digests.add(tuple(hashlib.sha256((out / name).read_bytes()).hexdigest()
                          for name in ("results.json", "report.md", "index.html")))
    assert len(digests) == 1
