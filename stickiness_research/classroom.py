"""Classroom pack: one simulated dataset per student, an exercise sheet, an instructor key and a grader.

Every student gets data from the same population model (optionally with their own true effects), so
the instructor knows the truth behind each dataset and, from fitting the model on it, exactly what a
correct answer looks like. :func:`grade` compares a student's results JSON with that answer under
stated tolerances.

Seeds. Student *k* (1-based) of a class built with ``seed`` uses
``children = numpy.random.SeedSequence(seed).spawn(students)``; ``data, effects = children[k-1].spawn(2)``;
its data seed is ``int(data.generate_state(1)[0])`` (a uint32, recorded in the key and accepted by
``stickiness simulate --seed``) and, with ``vary_effects``, its true paths are drawn by
``numpy.random.default_rng(effects)``. A spawned child depends only on ``seed`` and *k*, so a
student's data do not change when the class grows.
"""

from __future__ import annotations

import copy
import html
import json
import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from ._io import check_output
from ._validation import BOOL, N_JOBS, NON_NEGATIVE_INT, PATH, POSITIVE_INT, STR, Interval, check
from .errors import (
    EstimationError,
    ModelSpecError,
    ParameterError,
    QuestionnaireError,
    ResponseDataError,
)
from .executor import connect, run_tasks
from .questionnaire import Questionnaire, load_questionnaire
from .responses.scoring import reverse_code
from .sem import SEMResult, fit_sem
from .sem.hypotheses import hypothesis_table
from .simulate import population_model, simulate_responses

KEY_FORMAT = "stickiness-classroom-key/1"
DEFAULT_N = 300
MIN_N = 50  # below this the six-construct model often fails to converge
ALPHA = 0.05
FIT_MEASURES = ("cfi", "rmsea", "srmr")
# Absolute tolerances of the grader. A correct answer from lavaan or stickiness_research agrees to
# about 1e-3; these leave room for rounding to two or three decimals, not for a different model.
TOLERANCES = {"beta": 0.02, "p": 0.01, "fit_measures": 0.01, "r2": 0.02, "reverse_keyed_loadings": 0.02}
JITTER = 0.10  # vary_effects: each true path moves by at most this much ...
BETA_RANGE = (0.05, 0.60)  # ... and its size stays within this range (sign kept)
MAX_REDRAWS = 100
SHEET_LANGUAGES = ("en", "zh")  # exercise.md (English) and exercise.zh.md, as the questionnaire allows

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("stickiness_research", "classroom_templates"),
    # HTML is escaped; the Markdown templates are not HTML (their cells are escaped by md_cell instead).
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.filters["md_cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
_TEMPLATES.filters["num"] = lambda v, d=3: "" if v is None else f"{v:.{d}f}"
_TEMPLATES.filters["pnum"] = lambda v: "" if v is None else ("< .001" if v < 0.001 else f"{v:.3f}")


# ----- what a student reports ----------------------------------------------------------------------
def outcomes(q: Questionnaire) -> list[str]:
    """Final outcomes of the hypothesised model: endogenous constructs that predict nothing (stickiness)."""
    predictors = {h.from_ for h in q.direct_hypotheses}
    return [c for c in q.endogenous if c not in predictors]


def answer_from_fit(result: SEMResult, q: Questionnaire) -> dict[str, Any]:
    """The answer a student should hand in for a fit of ``q.model_syntax()`` (the results JSON format).

    Parameters
    ----------
    result : SEMResult
        ML fit of the questionnaire's hypothesised model on reverse-coded data.
    q : Questionnaire

    Returns
    -------
    dict
        ``hypotheses`` (id -> beta = std.all, p = Wald p of the unstandardized estimate, supported =
        expected sign and p < .05), ``fit_measures`` (cfi, rmsea, srmr), ``r2`` (each final outcome)
        and ``reverse_keyed_loadings`` (std.all loading of each reverse-keyed item, after recoding).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.classroom import answer_from_fit
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> res = sr.fit_sem(q.model_syntax(), sr.reverse_code(sr.simulate_responses(q, n=300, seed=1), q))
    >>> answer = answer_from_fit(res, q)
    >>> sorted(answer), answer["hypotheses"]["H1"]["supported"]
    (['fit_measures', 'hypotheses', 'r2', 'reverse_keyed_loadings'], True)
    """
    table = hypothesis_table(result, q, alpha=ALPHA)
    est = result.estimates
    loadings = {}
    for item in q.reverse_items:
        row = est[(est["op"] == "=~") & (est["rhs"] == item)]
        loadings[item] = _r(row["std_all"].iloc[0])
    return {
        "hypotheses": {r.hypothesis: {"beta": _r(r.std_all), "p": _r(r.pvalue), "supported": bool(r.supported)}
                       for r in table.itertuples()},
        "fit_measures": {m: _r(result.fit_measures[m]) for m in FIT_MEASURES},
        "r2": {c: _r(result.r2[c]) for c in outcomes(q)},
        "reverse_keyed_loadings": loadings,
    }


def true_values(q: Questionnaire) -> dict[str, Any]:
    """The population truth a student's data were drawn from (standardized).

    ``paths`` (``"from -> to"``: beta), ``hypotheses`` (id -> beta, the product of the paths along
    an indirect chain, and ``holds``: the effect exists with the expected sign), ``r2`` of the final
    outcomes and ``reverse_keyed_loadings``.
    """
    pop = population_model(q)
    hyps = {}
    for h in q.hypotheses:
        beta = math.prod(pop.paths.get((a, b), 0.0) for a, b in zip(h.chain, h.chain[1:], strict=False))
        hyps[h.id] = {"beta": _r(beta), "holds": bool(beta > 0 if h.sign == "+" else beta < 0)}
    return {
        "paths": {f"{a} -> {b}": _r(v) for (a, b), v in pop.paths.items()},
        "hypotheses": hyps,
        "r2": {c: _r(pop.r2[c]) for c in outcomes(q)},
        "reverse_keyed_loadings": {i: _r(pop.loadings[i]) for i in q.reverse_items},
    }


def _r(v: Any) -> float | None:
    v = float(v)
    return None if math.isnan(v) else round(v, 6)


# ----- seeds and true effects ----------------------------------------------------------------------
def student_ids(students: int) -> list[str]:
    """``student_01`` ... (zero-padded to at least two digits)."""
    width = max(2, len(str(students)))
    return [f"student_{k:0{width}d}" for k in range(1, students + 1)]


def student_seeds(seed: int, students: int) -> list[tuple[int, np.random.SeedSequence]]:
    """(data seed, effect-jitter seed sequence) for each student; see the module docstring."""
    out = []
    for child in np.random.SeedSequence(seed).spawn(students):
        data, effects = child.spawn(2)
        out.append((int(data.generate_state(1)[0]), effects))
    return out


def jitter_effects(q: Questionnaire, rng: np.random.Generator) -> Questionnaire:
    """A copy of ``q`` whose population paths each moved by U(-.10, .10), sizes clipped to [.05, .60].

    Draws again (up to 100 times) when the paths into a construct would explain more than all its
    variance.
    """
    if q.population is None:
        population_model(q)  # raises the questionnaire's own error
    error: QuestionnaireError | None = None
    for _ in range(MAX_REDRAWS):
        new = q.model_copy(deep=True)
        for p in new.population.paths:
            size = float(np.clip(abs(p.beta) + rng.uniform(-JITTER, JITTER), *BETA_RANGE))
            p.beta = round(size if p.beta >= 0 else -size, 3)
        try:
            population_model(new)
            return new
        except QuestionnaireError as exc:
            error = exc
    raise QuestionnaireError(f"no valid jittered population model in {MAX_REDRAWS} draws ({error.problem})",
                             file=q.source, field="population.paths",
                             hint="Build the pack without vary_effects, or make the population paths smaller.")


# ----- the pack ------------------------------------------------------------------------------------
def build_classroom(questionnaire_path: str | Path | Questionnaire, students: int, seed: int,
                    out_dir: str | Path, *, n: int = DEFAULT_N, vary_effects: bool = False, n_jobs: int = 1,
                    scheduler: Any = None, progress: bool = False) -> Path:
    """Write a classroom pack: a dataset per student, an exercise sheet and an instructor key.

    Parameters
    ----------
    questionnaire_path : str, Path or Questionnaire
        The instrument; it needs hypotheses and a population block.
    students : int
        Number of students (>= 1); ids are ``student_01`` ...
    seed : int
        Class seed (>= 0); each student's data seed is derived from it (module docstring).
    out_dir : str or Path
        Folder to write (created if missing; files of an earlier pack are overwritten).
    n : int
        Respondents per dataset (>= 50).
    vary_effects : bool
        Give every student their own true paths: each population path moves by up to ±.10 and
        its size is clipped to [.05, .60]; the key records them.
    n_jobs : int
        Local worker processes simulating and fitting the students' datasets (joblib; -1 = every core); 1 works
        in this process. The pack is byte for byte the same for any value.
    scheduler : dask.distributed.Client, str or None
        Simulate and fit the datasets on a Dask cluster instead: a Client (left open), or the address of a
        running scheduler such as ``"tcp://10.0.0.5:8786"`` (connected to for this call); ``n_jobs`` is then
        ignored. The pack is byte for byte the same as a local one.
    progress : bool
        Show a progress bar (stderr), one step per student, on every backend.

    Returns
    -------
    Path
        ``out_dir``, holding ``data/student_XX.csv``, ``exercise.md``/``.html`` (English) and
        ``exercise.zh.md``/``.html`` (Chinese), ``model.lav``, ``results_template.json`` and
        ``instructor/key.json``, ``key.md``, ``key.html`` (keep this folder from students).

    Raises
    ------
    ParameterError
        students, seed, n or n_jobs out of range, or a ``scheduler`` that is neither a Client nor the address of a
        scheduler answering within 10 seconds.
    QuestionnaireError
        The questionnaire cannot be loaded or has no population block.
    ModelSpecError
        The questionnaire has no hypotheses to test.
    EstimationError
        A student's dataset cannot be fitted (try another seed or a larger n).

    Examples
    --------
    >>> import tempfile, stickiness_research as sr
    >>> from stickiness_research.classroom import build_classroom, load_key
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pack = build_classroom(sr.builtin_questionnaire_path(), 2, 1, tmp, n=150)
    ...     key = load_key(pack / "instructor" / "key.json")
    ...     sorted(p.name for p in (pack / "data").iterdir()), key["students"]["student_01"]["data_seed"]
    (['student_01.csv', 'student_02.csv'], 3023998541)

    Notes
    -----
    The students' datasets are simulated and fitted as tasks of :func:`stickiness_research.executor.run_tasks`,
    student *k* with child *k* of ``SeedSequence(seed)`` (the module docstring's rule), so the pack is byte for
    byte the same in process, in local processes or on a Dask cluster (``n_jobs`` and ``scheduler``).

    References
    ----------
    Each dataset is :func:`~stickiness_research.simulate_responses`' (its population model and paper there) and
    each expected answer :func:`~stickiness_research.fit_sem`'s, the standardized estimates and p-values of
    :func:`~stickiness_research.hypothesis_table` and lavaan's fit measures. A student fitting
    ``lavaan::sem(model, data)`` (the sheet's R code) gets the same numbers: fit_sem agrees with lavaan 0.6.14
    within 1e-3 relative (1e-4 absolute) on the reference battery (tests/test_lavaan_battery.py), far inside
    the grader's tolerances.
    """
    return _build(questionnaire_path, students, seed, out_dir, n=n, vary_effects=vary_effects, n_jobs=n_jobs,
                  scheduler=scheduler, progress=progress)


def _build(questionnaire_path: str | Path | Questionnaire, students: int, seed: int, out_dir: str | Path, *,
           n: int, vary_effects: bool, n_jobs: int = 1, scheduler: Any = None, progress: bool = False) -> Path:
    """:func:`build_classroom`, with the executor's choice of workers (the same pack for any)."""
    check(students, "students", "build_classroom", POSITIVE_INT)
    check(seed, "seed", "build_classroom", NON_NEGATIVE_INT)
    check(n, "n", "build_classroom", Interval(int, MIN_N, None))
    check(vary_effects, "vary_effects", "build_classroom", BOOL)
    check(out_dir, "out_dir", "build_classroom", PATH)
    check(n_jobs, "n_jobs", "build_classroom", *N_JOBS)
    check(progress, "progress", "build_classroom", BOOL)
    # connected first, so that a scheduler that is not there fails before a file is touched; connect() names
    # build_classroom in its errors (run_tasks would name itself)
    with connect(scheduler, "build_classroom") as client:
        source_path = None if isinstance(questionnaire_path, Questionnaire) else questionnaire_path
        check_output(out_dir, inputs=[source_path], kind="dir", option="out_dir")  # before any work
        q, source = _questionnaire(questionnaire_path)
        if not q.hypotheses:
            raise ModelSpecError(f"questionnaire {q.meta.id!r} has no hypotheses, so there is nothing for students "
                                 "to test; add a hypotheses: block.")
        population_model(q)  # fail early, with the questionnaire's own error, when it cannot be simulated
        languages = [lang for lang in SHEET_LANGUAGES if lang in q.meta.languages]
        if not languages:
            raise ModelSpecError(f"questionnaire {q.meta.id!r} has texts in {', '.join(q.meta.languages)}; the "
                                 f"exercise sheet is written in {' or '.join(SHEET_LANGUAGES)}, so one of them is "
                                 "needed.")
        out = Path(out_dir)
        (out / "data").mkdir(parents=True, exist_ok=True)
        (out / "instructor").mkdir(parents=True, exist_ok=True)
        for stale in (out / "data").glob("student_*.csv"):  # an earlier, larger class must not leave datasets behind
            stale.unlink()

        entries: dict[str, dict[str, Any]] = {}
        # one task per student through the executor: task k gets child k of SeedSequence(seed), the seeding
        # rule above, so the pack is the same for any n_jobs or scheduler; files are written here, in order
        done = run_tasks(partial(_student, q, n, vary_effects), student_ids(students), seed=seed, n_jobs=n_jobs,
                         scheduler=client, progress=progress, description="students")
        for sid, (raw, entry) in zip(student_ids(students), done, strict=True):
            path = out / "data" / f"{sid}.csv"
            raw.to_csv(path, index=False)
            entries[sid] = {"data_file": f"data/{sid}.csv", "data_seed": entry.pop("data_seed"),
                            "data_sha256": _sha256(path), **entry}

        key = _key(q, source, seed, n, students, vary_effects, entries)
        (out / "instructor" / "key.json").write_text(json.dumps(key, indent=2, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")
        (out / "model.lav").write_text(q.model_syntax(), encoding="utf-8")
        template = {"student_id": "student_XX", **_placeholder_answer(q)}
        (out / "results_template.json").write_text(_answer_json(template) + "\n", encoding="utf-8")
        sheet = _exercise_context(q, key)
        for lang in languages:
            md = _TEMPLATES.get_template(f"exercise.{lang}.md.j2").render(**sheet, lang=lang)
            _write_pair(out / ("exercise" if lang == "en" else f"exercise.{lang}"), md, sheet["title"][lang], lang)
        md = _TEMPLATES.get_template("key.md.j2").render(**_key_context(q, key))
        _write_pair(out / "instructor" / "key", md, f"Instructor key - {q.meta.title[languages[0]]}", "en")
        return out


def _student(q: Questionnaire, n: int, vary_effects: bool, sid: str,
             child: np.random.SeedSequence) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One student's dataset and key entry (an executor task): ``child`` is the student's SeedSequence."""
    data, effects = child.spawn(2)
    data_seed = int(data.generate_state(1)[0])
    truth_q = jitter_effects(q, np.random.default_rng(effects)) if vary_effects else q
    raw = simulate_responses(truth_q, n=n, seed=data_seed)
    raw = raw.drop(columns=["careless_type"])  # the simulator's answer sheet, not survey data
    try:
        res = fit_sem(q.model_syntax(), reverse_code(raw, q))
    except EstimationError as exc:
        raise EstimationError(f"{sid}'s dataset (data seed {data_seed}) cannot be fitted: {exc} Build the "
                              "pack with another seed or a larger n.") from None
    return raw, {"data_seed": data_seed, "n": n, "true": true_values(truth_q), "expected": answer_from_fit(res, q),
                 "warnings": list(res.warnings)}


def _questionnaire(spec: str | Path | Questionnaire) -> tuple[Questionnaire, Path | None]:
    if isinstance(spec, Questionnaire):
        source = Path(spec.source) if spec.source else None
        return spec, source if source and source.is_file() else None
    return load_questionnaire(spec), Path(spec)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _key(q: Questionnaire, source: Path | None, seed: int, n: int, students: int, vary_effects: bool,
         entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from .study import provenance

    prov = provenance(inputs=[source] if source else [], seed=seed, questionnaire=q,
                      command=f"stickiness classroom --students {students} --seed {seed} -n {n}"
                              + (" --vary-effects" if vary_effects else ""))
    return {
        "format": KEY_FORMAT,
        "questionnaire": {"id": q.meta.id, "version": q.meta.version},
        "seed": seed, "n_students": students, "n": n, "vary_effects": vary_effects,
        "seed_derivation": ("numpy.random.SeedSequence(seed).spawn(students)[k-1].spawn(2) -> (data, effects); "
                            "data seed = int(data.generate_state(1)[0]); true paths (vary_effects) from "
                            "numpy.random.default_rng(effects)"),
        "estimation": "ML (lavaan defaults), listwise deletion, reverse-keyed items recoded",
        "decision_rule": f"supported = expected sign and two-sided Wald p < {ALPHA}",
        "alpha": ALPHA, "tolerances": TOLERANCES,
        "model_syntax": q.model_syntax(),
        "provenance": prov,
        "students": entries,
    }


def _placeholder_answer(q: Questionnaire) -> dict[str, Any]:
    return {
        "hypotheses": {h.id: {"beta": None, "p": None, "supported": None} for h in q.hypotheses},
        "fit_measures": {m: None for m in FIT_MEASURES},
        "r2": {c: None for c in outcomes(q)},
        "reverse_keyed_loadings": {i: None for i in q.reverse_items},
    }


def _answer_json(answer: dict[str, Any]) -> str:
    """Results JSON laid out for reading: one line per hypothesis and per section."""
    lines = ["{"]
    if "student_id" in answer:
        lines.append(f'  "student_id": {json.dumps(answer["student_id"])},')
    sections = [k for k in answer if k != "student_id"]
    for s_no, section in enumerate(sections):
        part = answer[section]
        if section == "hypotheses":
            rows = [f'    {json.dumps(h)}: {json.dumps(v)}' for h, v in part.items()]
            body = "{\n" + ",\n".join(rows) + "\n  }"
        else:
            body = json.dumps(part)
        lines.append(f'  {json.dumps(section)}: {body}' + ("," if s_no < len(sections) - 1 else ""))
    lines.append("}")
    return "\n".join(lines)


def _exercise_context(q: Questionnaire, key: dict[str, Any]) -> dict[str, Any]:
    example = {"student_id": "student_07", **_placeholder_answer(q)}
    for k, h in enumerate(q.hypotheses):
        example["hypotheses"][h.id] = {"beta": round(0.41 - 0.03 * k, 3), "p": 0.0004 if k % 3 else 0.0213,
                                       "supported": True}
    example["fit_measures"] = {"cfi": 0.987, "rmsea": 0.024, "srmr": 0.041}
    example["r2"] = {c: 0.532 for c in outcomes(q)}
    example["reverse_keyed_loadings"] = {i: 0.655 for i in q.reverse_items}
    ids = student_ids(key["n_students"])
    return {
        "title": q.meta.title,
        "q": q,
        "n": key["n"],
        "first_id": ids[0], "last_id": ids[-1],
        "constructs": [{"id": c.id, "name": c.name, "items": q.items_of(c.id)} for c in q.constructs],
        "reverse": [{"id": i, "min": q.response_set_of(q.item(i)).minimum, "max": q.response_set_of(q.item(i)).maximum}
                    for i in q.reverse_items],
        "scale": q.response_sets[q.default_response_set],
        "attention_checks": q.attention_checks,
        "demographics": q.demographics,
        "hypotheses": [{"id": h.id, "label": h.label, "chain": h.chain, "sign": h.sign, "text": h.text,
                        "indirect": h.is_indirect} for h in q.hypotheses],
        "outcomes": outcomes(q),
        "model_syntax": key["model_syntax"],
        "alpha": key["alpha"],
        "tol": key["tolerances"],
        "example_json": _answer_json(example),
        "fit_measures": FIT_MEASURES,
    }


def _key_context(q: Questionnaire, key: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for sid, e in key["students"].items():
        exp, truth = e["expected"], e["true"]
        misses = [h for h, v in exp["hypotheses"].items() if v["supported"] != truth["hypotheses"][h]["holds"]]
        rows.append({"id": sid, "e": e, "misses": misses,
                     "supported": sum(v["supported"] for v in exp["hypotheses"].values())})
    return {"q": q, "key": key, "rows": rows, "hypotheses": q.hypotheses, "outcomes": outcomes(q),
            "fit_measures": FIT_MEASURES, "reverse": q.reverse_items}


def _write_pair(stem: Path, markdown: str, title: str, lang: str) -> None:
    """Write ``stem.md`` and a self-contained HTML rendering of it, ``stem.html``."""
    from markdown_it import MarkdownIt  # a dependency of rich

    (stem.parent / f"{stem.name}.md").write_text(markdown, encoding="utf-8")
    # html=False: raw HTML in the Markdown (e.g. from questionnaire texts) is escaped, not passed through.
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    page = _TEMPLATES.get_template("page.html.j2").render(title=title, lang=lang, body=Markup(body))
    (stem.parent / f"{stem.name}.html").write_text(page, encoding="utf-8")


# ----- grading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GradeItem:
    """One checked value: ``item`` is its JSON path (``H3.supported``, ``fit_measures.cfi``)."""

    item: str
    passed: bool
    got: Any
    expected: Any
    message: str


@dataclass(frozen=True, repr=False)
class GradeResult:
    """Per-item verdicts for one student's results."""

    student_id: str
    items: tuple[GradeItem, ...]

    def __repr__(self) -> str:
        return f"GradeResult(student_id={self.student_id!r}, passed={self.n_passed}/{len(self.items)})"

    @property
    def passed(self) -> bool:
        """True when every item passed."""
        return all(i.passed for i in self.items)

    @property
    def n_passed(self) -> int:
        return sum(i.passed for i in self.items)

    @property
    def score(self) -> float:
        """Share of items passed."""
        return self.n_passed / len(self.items)

    def failures(self) -> list[GradeItem]:
        return [i for i in self.items if not i.passed]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(i) for i in self.items], columns=["item", "passed", "got", "expected", "message"])

    def to_dict(self) -> dict[str, Any]:
        return {"student_id": self.student_id, "passed": self.passed, "n_passed": self.n_passed,
                "n_items": len(self.items), "items": [vars(i) for i in self.items]}

    def summary(self) -> str:
        head = (f"{self.student_id}: {self.n_passed}/{len(self.items)} items correct - "
                + ("PASS" if self.passed else "FAIL"))
        width = max(len(i.item) for i in self.items)
        lines = [f"  {'ok  ' if i.passed else 'FAIL'}  {i.item:<{width}}  {i.message}" for i in self.items]
        return "\n".join([head, *lines])

    __str__ = summary

    def _repr_html_(self) -> str:
        frame = self.to_frame()[["item", "passed", "message"]]
        return (f"<div><p><b>{html.escape(self.student_id)}</b>: {self.n_passed}/{len(self.items)} items correct</p>"
                + frame.to_html(index=False) + "</div>")


def load_key(key: str | Path | dict) -> dict[str, Any]:
    """Read and check an instructor key (``instructor/key.json`` of a pack, or its dict)."""
    data, source = _json(key, "key")
    if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
        raise ResponseDataError(f"{source}: not a classroom key (expected \"format\": \"{KEY_FORMAT}\"); pass "
                                "the instructor/key.json written by build_classroom.")
    for field in ("students", "tolerances", "alpha"):
        if field not in data:
            raise ResponseDataError(f"{source}: the key has no {field!r} field; rebuild the pack.")
    return data


def expected_answer(key: str | Path | dict, student_id: str) -> dict[str, Any]:
    """A key entry as a results JSON (what a fully correct student would submit)."""
    data = load_key(key)
    return {"student_id": student_id, **copy.deepcopy(_entry(data, student_id, "expected_answer")["expected"])}


def grade(student: str | Path | dict, key: str | Path | dict, student_id: str | None = None) -> GradeResult:
    """Check a student's results JSON against that student's expected estimates in the key.

    Each hypothesis' ``beta`` must be within .02 of the expected standardized estimate and ``p``
    within .01; ``supported`` must match exactly, except when the expected p lies within .01 of
    .05, where a verdict that follows from the student's own p (with the sign of the expected estimate) is also
    accepted. CFI,
    RMSEA and SRMR must be within .01, R² and the reverse-keyed loadings within .02 (the key's
    ``tolerances``).

    Parameters
    ----------
    student : str, Path or dict
        The results JSON (file or parsed), in the format of the exercise sheet.
    key : str, Path or dict
        The instructor key.
    student_id : str, optional
        Whose expected answer to compare with; default the JSON's ``student_id``.

    Returns
    -------
    GradeResult

    Raises
    ------
    ParameterError
        Unknown student id (or none given anywhere).
    ResponseDataError
        Malformed JSON, a missing or unknown field, or a value of the wrong type.

    Notes
    -----
    Each item passes when ``|reported - expected| <= tolerance`` (the key's ``tolerances``; an expected
    value the dataset could not estimate is not graded). A ``supported`` verdict passes when it equals the
    expected one or, when ``|p_expected - alpha| <= tol_p``, when it equals ``p_reported < alpha`` and
    ``sign(beta_reported) == sign(beta_expected)``: near the cut-off rounding may flip the verdict, and the
    student's verdict then only has to follow from the student's own numbers.

    References
    ----------
    The expected answers are :func:`~stickiness_research.fit_sem`'s, which agrees with ``lavaan::sem`` within
    1e-3 relative on the reference battery (tests/test_lavaan_battery.py); the tolerances leave room for
    rounding to two or three decimals, not for another model (tests/test_classroom.py).

    Examples
    --------
    >>> import tempfile, stickiness_research as sr
    >>> from stickiness_research.classroom import build_classroom, expected_answer, grade
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     key = build_classroom(sr.builtin_questionnaire_path(), 2, 1, tmp, n=150) / "instructor" / "key.json"
    ...     answer = expected_answer(key, "student_02")
    ...     answer["hypotheses"]["H1"]["beta"] += 0.1
    ...     result = grade(answer, key)
    >>> result.passed, [item.item for item in result.failures()]
    (False, ['H1.beta'])
    """
    check(student_id, "student_id", "grade", STR, None)
    data = load_key(key)
    answer, source = _json(student, "results")
    if not isinstance(answer, dict):
        raise ResponseDataError(f"{source}: the results must be a JSON object ({{...}}); got "
                                f"{type(answer).__name__}. See the format in the exercise sheet.")
    claimed = answer.get("student_id")
    sid = student_id if student_id is not None else claimed
    if sid is None:
        raise ParameterError("student_id", "grade", "a student id such as 'student_01' (or a \"student_id\" "
                             "field in the results)", None)
    entry = _entry(data, sid, "grade")
    if claimed is not None and claimed != sid:
        raise ResponseDataError(f"{source}: the results say \"student_id\": {claimed!r} but are being graded as "
                                f"{sid!r}; fix the field or grade them as {claimed!r}.")
    expected = entry["expected"]
    _check_answer(answer, expected, source)
    tol, alpha = data["tolerances"], data["alpha"]
    items: list[GradeItem] = []
    for hid, exp in expected["hypotheses"].items():
        got = answer["hypotheses"][hid]
        items.append(_close(f"{hid}.beta", got["beta"], exp["beta"], tol["beta"]))
        items.append(_close(f"{hid}.p", got["p"], exp["p"], tol["p"], digits=4))
        items.append(_verdict(f"{hid}.supported", got, exp, tol["p"], alpha))
    for section in ("fit_measures", "r2", "reverse_keyed_loadings"):
        for name, exp in expected[section].items():
            items.append(_close(f"{section}.{name}", answer[section][name], exp, tol[section]))
    return GradeResult(student_id=sid, items=tuple(items))


def _json(spec: str | Path | dict, what: str) -> tuple[Any, str]:
    if isinstance(spec, dict):
        return spec, f"the {what}"
    path = Path(spec)
    if not path.is_file():
        raise ResponseDataError(f"{path}: {what} file not found.")
    try:
        return json.loads(path.read_text(encoding="utf-8")), str(path)
    except json.JSONDecodeError as exc:
        raise ResponseDataError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") \
            from None
    except UnicodeDecodeError:
        raise ResponseDataError(f"{path}: not a UTF-8 text file; save the results as UTF-8 JSON.") from None


def _entry(key: dict[str, Any], sid: str, function: str) -> dict[str, Any]:
    entries = key["students"]
    if sid not in entries:
        ids = list(entries)
        span = f"{ids[0]} ... {ids[-1]}" if len(ids) > 1 else ids[0]
        raise ParameterError("student_id", function, f"one of the key's {len(ids)} students ({span})", sid)
    return entries[sid]


def _check_answer(answer: dict[str, Any], expected: dict[str, Any], source: str) -> None:
    """Every field the key expects is present with the right type; no unknown hypothesis ids."""
    hint = " See the JSON format in the exercise sheet (results_template.json)."

    def fail(msg: str) -> None:
        raise ResponseDataError(f"{source}: {msg}.{hint}")

    for section, want in expected.items():
        if not want:
            continue
        part = answer.get(section)
        if not isinstance(part, dict):
            fail(f"field {section!r} is missing or not an object; it must hold {', '.join(want)}")
        unknown = [k for k in part if k not in want]
        if unknown:
            fail(f"unknown name {unknown[0]!r} in {section!r}; expected {', '.join(want)}")
        for name in want:
            if name not in part:
                fail(f"field '{section}.{name}' is missing")
            if section == "hypotheses":
                h = part[name]
                if not isinstance(h, dict):
                    fail(f"field '{section}.{name}' must be an object with beta, p and supported")
                for f in ("beta", "p", "supported"):
                    if f not in h:
                        fail(f"field '{section}.{name}.{f}' is missing")
                if not isinstance(h["supported"], bool):
                    fail(f"field '{section}.{name}.supported' must be true or false; got {h['supported']!r}")
                _number(h["beta"], f"{section}.{name}.beta", fail)
                if not 0 <= _number(h["p"], f"{section}.{name}.p", fail) <= 1:
                    fail(f"field '{section}.{name}.p' must be a probability in [0, 1]; got {h['p']!r}")
            else:
                _number(part[name], f"{section}.{name}", fail)


def _number(v: Any, where: str, fail) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        fail(f"field {where!r} must be a number (e.g. 0.452, not \"< .001\"); got {v!r}")
    return float(v)


def _close(item: str, got: float, expected: float | None, tol: float, digits: int = 3) -> GradeItem:
    if expected is None:  # not estimable in this dataset: nothing to compare with
        return GradeItem(item, True, got, expected, "not estimable in this dataset; not graded")
    diff = abs(got - expected)
    passed = diff <= tol + 1e-12
    msg = (f"{got:.{digits}f} (expected {expected:.{digits}f} ± {tol:g})" if passed else
           f"got {got:.{digits}f}, expected {expected:.{digits}f} ± {tol:g} (off by {diff:.{digits}f})")
    return GradeItem(item, passed, got, expected, msg)


def _verdict(item: str, got: dict[str, Any], exp: dict[str, Any], tol_p: float, alpha: float) -> GradeItem:
    word = {True: "true", False: "false"}
    if got["supported"] == exp["supported"]:
        return GradeItem(item, True, got["supported"], exp["supported"], word[got["supported"]])
    if abs(exp["p"] - alpha) <= tol_p:
        # Borderline: p within rounding of the cut-off. Accept the verdict the student's own numbers imply.
        own = bool(got["p"] < alpha and (got["beta"] > 0) == (exp["beta"] > 0))
        if got["supported"] == own:
            return GradeItem(item, True, got["supported"], exp["supported"],
                             f"{word[got['supported']]} (borderline: expected p = {exp['p']:.3f} is within "
                             f"{tol_p:g} of {alpha:g}; consistent with the reported p)")
    return GradeItem(item, False, got["supported"], exp["supported"],
                     f"got {word[got['supported']]}, expected {word[exp['supported']]} (expected p = "
                     f"{exp['p']:.4f}, beta = {exp['beta']:.3f}; supported means expected sign and p < {alpha:g})")


# ----- command bodies (cli.py wires them) ------------------------------------------------------------
def classroom_command(students: int, seed: int, output: str | Path, questionnaire: str | Path | None = None,
                      n: int = DEFAULT_N, vary_effects: bool = False, n_jobs: int = 1,
                      scheduler: Any = None) -> str:
    """Build a pack and return what to tell the user."""
    from . import builtin_questionnaire_path

    out = build_classroom(questionnaire or builtin_questionnaire_path(), students, seed, output, n=n,
                          vary_effects=vary_effects, n_jobs=n_jobs, scheduler=scheduler)
    return "\n".join([
        f"wrote a classroom pack for {students} students (n = {n} each, seed {seed}"
        + (", own true effects per student" if vary_effects else "") + f") to {out}",
        f"  hand out:  {out / 'exercise.html'} (zh: exercise.zh.html), {out / 'model.lav'}, "
        f"{out / 'results_template.json'} and each student's {out / 'data'}/student_XX.csv",
        f"  keep:      {out / 'instructor'}/ (key.json, key.md, key.html)",
        f"  grade:     stickiness grade {out / 'instructor' / 'key.json'} RESULTS.json --student student_01",
    ])


def grade_command(key: str | Path, student_json: str | Path, student: str | None = None) -> tuple[str, bool]:
    """Grade one results file; returns the report text and whether every item passed."""
    result = grade(student_json, key, student)
    return result.summary(), result.passed


__all__ = ["GradeItem", "GradeResult", "answer_from_fit", "build_classroom", "classroom_command",
           "expected_answer", "grade", "grade_command", "jitter_effects", "load_key",
           "student_ids", "student_seeds", "true_values"]
