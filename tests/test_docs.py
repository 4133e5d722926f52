"""The documentation helpers (docs/_ext/stickiness_docs.py): generated API and CLI pages, the notebook cache.

`make test` builds the whole site with warnings as errors; these tests check what the generated pages must
contain and that a notebook executed by the tests is found by MyST-NB's cache.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import textwrap
import types
from pathlib import Path

import jupyter_cache
import nbformat
import pytest
from myst_nb.core.config import NbParserConfig
from myst_nb.core.read import create_nb_reader
from myst_parser.config.main import MdParserConfig

import stickiness_research as sr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import stickiness_docs as docs  # noqa: E402


def test_every_public_name_gets_a_page_with_the_right_directive():
    entries = {e.name: e for e in docs.api_entries(sr)}
    assert list(entries) == list(sr.__all__)
    assert entries["fit_sem"].directive == "autofunction"
    assert entries["SEMResult"].directive == "autoclass"
    assert entries["QuestionnaireError"].directive == "autoexception"
    assert entries["datasets"] == docs.ApiEntry("datasets", "automodule", "stickiness_research.datasets", "datasets")
    assert entries["DEFAULT_QUESTIONNAIRE"].directive == "autodata"
    assert entries["fit_sem"].layer == "sem" and entries["cfa"].layer == "measurement"


def _fake_package(**modules: str) -> types.ModuleType:
    """A package whose public functions are defined in the given (dotted) modules."""
    package = types.ModuleType("stickiness_research")
    for name, module in modules.items():
        function = types.FunctionType((lambda: None).__code__, {}, name)
        function.__module__ = module
        setattr(package, name, function)
    package.__all__ = list(modules)
    return package


def test_layers_follow_the_data_flow_and_a_new_layer_is_listed_after_them():
    package = _fake_package(loyalty_index="stickiness_research.loyalty.index",
                            fit_sem="stickiness_research.sem.fit",
                            load_questionnaire="stickiness_research.questionnaire.loader",
                            Alpha="stickiness_research.questionnaire.schema")
    groups = docs.grouped(docs.api_entries(package))
    assert [title for title, _ in groups] == ["Questionnaires", "Structural models (CB-SEM)", "Loyalty"]
    assert [e.name for e in groups[0][1]] == ["Alpha", "load_questionnaire"]
    index = docs.index_page(docs.api_entries(package))
    assert index.index("Questionnaires") < index.index("Structural models") < index.index("Loyalty")
    assert "   generated/loyalty_index" in index


def test_api_pages_are_rewritten_only_when_changed_and_stale_pages_removed(tmp_path):
    package = _fake_package(fit_sem="stickiness_research.sem.fit", cfa="stickiness_research.measurement.cfa")
    written = docs.write_api_pages(package, tmp_path)
    assert {p.name for p in written} == {"index.rst", "fit_sem.rst", "cfa.rst"}
    assert (tmp_path / "generated" / "fit_sem.rst").read_text() == (
        "fit_sem\n=======\n\n.. autofunction:: stickiness_research.fit_sem\n")
    assert docs.write_api_pages(package, tmp_path) == []  # unchanged: Sphinx rereads nothing
    package.__all__ = ["fit_sem"]
    assert [p.name for p in docs.write_api_pages(package, tmp_path)] == ["index.rst"]
    assert not (tmp_path / "generated" / "cfa.rst").exists()


def test_the_cli_page_documents_every_command_argument_and_option():
    command = docs.click_command()
    page = docs.cli_page(command, "stickiness")
    assert {"fit", "report", "classroom", "power"} <= set(command.commands)
    for name, sub in command.commands.items():
        section = page.split(f".. program:: stickiness {name}\n")[1].split(".. program::")[0]
        options = [line.removeprefix(".. option:: ") for line in section.splitlines()
                   if line.startswith(".. option:: ")]
        for param in sub.params:
            if getattr(param, "hidden", False):  # a deprecated alias (reliability's --ci) is not taught
                continue
            if param.param_type_name == "argument":
                assert param.name.upper() in options
            else:
                names = {part.split()[0] for option in options for part in option.split(", ")}
                assert set(param.opts) | set(param.secondary_opts) <= names, (name, param.opts)
    assert "   stickiness grade [OPTIONS] KEY STUDENT_JSON\n" in page
    assert "   stickiness power [OPTIONS] [QUESTIONNAIRE]\n" in page
    assert ".. option:: --mahalanobis, --no-mahalanobis\n" in page


@pytest.mark.parametrize(("text", "rst"), [
    ("a*x,\n  b", r"a\*x, b"),
    ("`code` | pipe", r"\`code\` \| pipe"),
    ("name_ and path_weighting_", r"name\_ and path_weighting\_"),
    ("path_weighting", "path_weighting"),
    (None, ""),
])
def test_help_text_is_escaped_for_restructuredtext(text, rst):
    assert docs._rst_text(text) == rst


NOTEBOOK = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A notebook

# %% tags=["parameters"]
N = 3

# %%
print(N * 2)
"""


def _executed(path: Path) -> nbformat.NotebookNode:
    """The notebook as nbclient leaves it: outputs, counts, timing metadata and language_info added."""
    notebook = docs.read_notebook(path)
    for count, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"out {count}\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def test_a_notebook_executed_by_the_tests_is_found_by_myst_nb(tmp_path):
    path = tmp_path / "01_example.py"
    path.write_text(NOTEBOOK, encoding="utf-8")
    docs.cache_executed_notebook(tmp_path / "cache", path, _executed(path), seconds=1.5)

    # read as the docs build reads it (conf.py's nb_custom_formats), then look it up as MyST-NB does
    config = NbParserConfig(custom_formats={k: tuple(v) + (False,) for k, v in docs.NOTEBOOK_FORMATS.items()})
    text = path.read_text(encoding="utf-8")
    notebook = create_nb_reader(str(path), MdParserConfig(), config, text).read(text)
    cache = jupyter_cache.get_cache(str(tmp_path / "cache"))
    record = cache.match_cache_notebook(notebook)
    assert record.data["execution_seconds"] == 1.5
    _, merged = cache.merge_match_into_notebook(notebook)
    code = [c for c in merged.cells if c.cell_type == "code"]
    assert [c.outputs[0]["text"] for c in code] == ["out 1\n", "out 2\n"]

    path.write_text(NOTEBOOK.replace("N * 2", "N * 3"), encoding="utf-8")  # edited: no longer a match
    edited = create_nb_reader(str(path), MdParserConfig(), config, text).read(path.read_text(encoding="utf-8"))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(edited)


def test_an_executed_notebook_of_other_code_is_refused(tmp_path):
    path = tmp_path / "01_example.py"
    path.write_text(NOTEBOOK, encoding="utf-8")
    executed = _executed(path)
    path.write_text(NOTEBOOK.replace("N * 2", "N * 3"), encoding="utf-8")
    with pytest.raises(ValueError, match="does not have the code cells of"):
        docs.cache_executed_notebook(tmp_path / "cache", path, executed)


# --- every example in the guides runs as written ---------------------------------------------------------
DOCS = ROOT / "docs"
GENERATED = ("_build", "reference", "analyses")  # generated pages and the notebooks (tests/test_notebooks.py)
PAGES = sorted(p for p in DOCS.rglob("*.md") if p.relative_to(DOCS).parts[0] not in GENERATED)
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)(?P=fence) *$",
                   re.MULTILINE | re.DOTALL)


def examples(text: str) -> list[tuple[str, str]]:
    """The page's runnable blocks in order: ("python", code) and ("console", one ``stickiness ...`` line).

    ``make ...`` lines of a console block are not run here (they are what `make test` itself is); blocks in
    other languages (yaml, text) are shown, not run.
    """
    out = []
    for block in FENCE.finditer(text):
        info = block["info"].strip().strip("{}").split()
        language = info[-1] if info else ""
        body = textwrap.dedent(block["body"])
        if language == "python":
            out.append(("python", body))
        elif language == "console":
            out += [("console", line.strip()) for line in body.splitlines() if line.strip().startswith("stickiness ")]
    return out


def test_examples_are_found_in_python_and_console_blocks():
    page = ("Text\n\n```python\nx = 1\n```\n\n```console\nmake demo\nstickiness validate q.yaml  # check\n```\n\n"
            "```yaml\na: 1\n```\n\n:::{note}\n```python\ny = x\n```\n:::\n")
    assert examples(page) == [("python", "x = 1\n"), ("console", "stickiness validate q.yaml  # check"),
                              ("python", "y = x\n")]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A scratch folder holding copies of questionnaires/, reports/*.yaml and the docs' YAML examples, as a
    clone's root does (the examples run from the repository's root)."""
    shutil.copytree(ROOT / "questionnaires", tmp_path / "questionnaires")
    for example in DOCS.rglob("*.yaml"):
        if example.relative_to(DOCS).parts[0] not in GENERATED:
            target = tmp_path / "docs" / example.relative_to(DOCS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(example, target)
    (tmp_path / "reports").mkdir()
    for config in (ROOT / "reports").glob("*.yaml"):
        shutil.copy(config, tmp_path / "reports")
    for schema in (ROOT / "reports").glob("*.json"):
        shutil.copy(schema, tmp_path / "reports")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_the_examples_of_a_page_run_as_written(page, workspace):
    from typer.testing import CliRunner

    from stickiness_research.cli import app

    namespace: dict = {"__name__": "__docs__"}
    for language, code in examples(page.read_text(encoding="utf-8")):
        if language == "python":
            exec(compile(code, f"{page.name} example", "exec"), namespace)  # noqa: S102 - the docs' own code
        else:
            args = shlex.split(code, comments=True)[1:]
            result = CliRunner().invoke(app, args, catch_exceptions=False)
            assert result.exit_code == 0, f"{page.name}: `{code}` exited {result.exit_code}:\n{result.output}"
