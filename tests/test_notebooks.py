"""Every analysis in analyses/ (jupytext py:percent) runs top to bottom in a fresh python3 kernel."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import jupytext  # dev extras: a missing package must fail here, not skip
import nbclient
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "analyses").glob("[0-9]*.py"))
KERNEL = "python3"
# A hang guard only, not a speed test: wall-clock time depends on the machine and its load, so no test
# asserts it (benchmarks/ measure speed as ratios within one run).
CELL_TIMEOUT = 600  # seconds per cell
# `make test` sets this to the docs' notebook cache (docs/_build/.jupyter_cache): each executed notebook is
# stored there, and the docs build that follows renders its outputs without executing it a second time.
NOTEBOOK_CACHE = os.environ.get("STICKINESS_NOTEBOOK_CACHE")


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Make sure a kernel spec named python3 exists; register one in a temporary prefix if not."""
    from jupyter_client.kernelspec import find_kernel_specs

    if KERNEL in find_kernel_specs():
        yield
        return
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernels")
    install(prefix=str(prefix), kernel_name=KERNEL)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        yield


def test_the_analyses_are_all_found():
    stems = {p.stem for p in NOTEBOOKS}
    assert {"01_design_questionnaire", "02_simulate_and_screen", "03_measurement_model", "04_structural_model",
            "05_power_and_sample_size", "06_classroom"} <= stems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, kernel_env):
    notebook = jupytext.read(path)
    assert any("parameters" in c.metadata.get("tags", []) for c in notebook.cells), "no parameters cell"
    client = nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(ROOT)}})
    # Without MPLBACKEND the kernel uses its inline backend, as in Jupyter: figures become outputs (the docs
    # show them), whatever backend the test process itself runs with.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    started = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError, naming the cell, on the first error
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)
    if NOTEBOOK_CACHE:
        sys.path.insert(0, str(ROOT / "docs" / "_ext"))
        from stickiness_docs import cache_executed_notebook

        cache_executed_notebook(ROOT / NOTEBOOK_CACHE, path, notebook, time.perf_counter() - started)
