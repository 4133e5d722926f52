"""Every public function's numbers and choices are checked in one place, with one message template.

Each case calls a public function (or a public result's method) with valid inputs and one bad value
of one argument, and expects :class:`sr.ParameterError` worded exactly as
*The 'n' parameter of simulate_responses must be an int in the range [1, inf). Got 0 instead.*
A second test reads the signatures of ``sr.__all__`` so that a new argument cannot go unchecked
silently: every parameter is either checked here or listed as an input (data, files, column names).

Functions under ``sem/`` are owned elsewhere and left out (see ``SEM_OWNED``).
"""

from __future__ import annotations

import inspect
import re
import warnings

import pytest

import stickiness_research as sr
from stickiness_research.report.build import write_report

TEMPLATE = r"The '{name}' parameter of {function} must be .+\. Got .+ instead\."


class Context:
    """Valid inputs for every call, built once."""

    def __init__(self, q: sr.Questionnaire, tmp) -> None:
        self.q = q
        self.tmp = tmp
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.raw = sr.simulate_responses(q, n=200, seed=3)
            self.flags = sr.quality_flags(self.raw, q)
        self.scored = sr.reverse_code(self.raw, q)
        self.scores = sr.scale_scores(self.scored, q)
        self.items = self.scored[[i.id for i in q.items_of("trust")]]
        self.csv = tmp / "answers.csv"
        self.raw.to_csv(self.csv, index=False)
        self.hs = sr.datasets.holzinger_swineford()
        self.hs_items = self.hs[[f"x{i}" for i in range(1, 10)]]
        self.hs_syntax = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

    @property
    def sem(self):
        if not hasattr(self, "_sem"):
            self._sem = sr.fit_sem(self.q.model_syntax(), self.scored)
        return self._sem

    @property
    def events(self):
        if not hasattr(self, "_events"):
            log = sr.simulate_events(self.q, self.raw, days=30, seed=1)
            self._events = sr.read_events(log, key=b"a-key-of-sixteen-bytes")
        return self._events

    @property
    def linked(self):
        if not hasattr(self, "_linked"):
            self._linked = sr.link_survey(self.raw, self.q, sr.user_metrics(self.events), self.events)
        return self._linked

    @property
    def cfa_result(self):
        if not hasattr(self, "_cfa"):
            self._cfa = sr.cfa(self.hs_syntax, self.hs)
        return self._cfa


def _calls(c: Context) -> dict:
    """function name as in the message -> call with keyword overrides (each call valid without them)."""
    return {
        "power": lambda **kw: sr.power(c.q, **({"n": [100], "replications": 1} | kw)),
        "rmsea_power": lambda **kw: sr.rmsea_power(**({"rmsea0": .05, "rmsea_a": .08, "df": 265, "n": 150} | kw)),
        "rmsea_sample_size": lambda **kw: sr.rmsea_sample_size(**({"rmsea0": .05, "rmsea_a": .08, "df": 265} | kw)),
        "sample_size": lambda **kw: sr.sample_size(c.q, **({"n_min": 30, "n_max": 40, "replications": 1} | kw)),
        "run_tasks": lambda **kw: sr.run_tasks(**({"fn": lambda task, seed: task, "tasks": [1], "seed": 1} | kw)),
        "build_classroom": lambda **kw: sr.build_classroom(
            c.q, kw.get("students", 1), kw.get("seed", 1), c.tmp / "class",
            **{k: v for k, v in kw.items() if k in ("n", "vary_effects", "n_jobs", "scheduler")}),
        "grade": lambda **kw: sr.grade({"student_id": "student_01"}, {"students": {}}, **kw),
        "builtin_questionnaire_path": lambda **kw: sr.builtin_questionnaire_path(**kw),
        "builtin_study_path": lambda **kw: sr.builtin_study_path(**kw),
        "cronbach_alpha": lambda **kw: sr.cronbach_alpha(c.items, **kw),
        "item_statistics": lambda **kw: sr.item_statistics(c.items, **kw),
        "reliability": lambda **kw: sr.reliability(c.hs, c.hs_syntax, **({"cfa": False} | kw)),
        "fit_pls": lambda **kw: sr.fit_pls("F =~ x1 + x2 + x3\nG =~ x4 + x5 + x6\nG ~ F", c.hs, **kw),
        "ordinal_reliability": lambda **kw: sr.ordinal_reliability(
            sr.fit_sem("f =~ int1 + int2 + int3 + int4", c.scored, ordered=True), **kw),
        "scale_scores": lambda **kw: sr.scale_scores(c.scored, c.q, **kw),
        "simulate_responses": lambda **kw: sr.simulate_responses(c.q, **({"n": 20} | kw)),
        "population_thresholds": lambda **kw: sr.population_thresholds(c.q, **kw),
        "cfa": lambda **kw: sr.cfa(c.hs_syntax, c.hs, **kw),
        "efa": lambda **kw: sr.efa(c.hs_items, kw.pop("n_factors", 3), **kw),
        "htmt": lambda **kw: sr.htmt(c.hs, c.hs_syntax, **kw),
        "parallel_analysis": lambda **kw: sr.parallel_analysis(c.hs_items, **({"n_iter": 5} | kw)),
        "apply_exclusions": lambda **kw: sr.apply_exclusions(c.raw, c.flags, kw.get("rules", {"attention": True})),
        "quality_flags": lambda **kw: sr.quality_flags(c.raw, c.q, **kw),
        "segment_respondents": lambda **kw: sr.segment_respondents(c.scores, **({"k": 2} | kw)),
        "export_questionnaire": lambda **kw: sr.export_questionnaire(
            c.q, kw.pop("fmt", "codebook"), c.tmp / "codebook.md", **kw),
        "read_responses": lambda **kw: sr.read_responses(c.csv, c.q, **kw),
        "k_anonymity": lambda **kw: sr.k_anonymity(c.raw, c.q, **kw),
        "pseudonymize": lambda **kw: sr.pseudonymize(
            c.raw, kw.get("columns", ["respondent_id"]), kw.get("key", b"a-key-of-sixteen-bytes")),
        "hierarchical": lambda **kw: sr.hierarchical(c.scores, "stickiness", kw.get("blocks", {"a": ["trust"]})),
        "mediation": lambda **kw: sr.mediation(c.scores, "security", "trust", "stickiness",
                                               **({"n_boot": 100} | kw)),
        "moderated_mediation": lambda **kw: sr.moderated_mediation(
            c.scores, "security", "trust", "stickiness", "convenience", **({"n_boot": 100} | kw)),
        "moderation": lambda **kw: sr.moderation(c.scores, "security", "convenience", "stickiness", **kw),
        "ols": lambda **kw: sr.ols(c.scores, "stickiness", ["trust", "security"], **kw),
        "robustness_table": lambda **kw: sr.robustness_table(c.sem, c.scores, **kw),
        # behaviour beside attitude
        "latent_scores": lambda **kw: sr.latent_scores(c.q, **({"n": 10} | kw)),
        "read_events": lambda **kw: sr.read_events(sr.simulate_events(c.q, c.raw.head(20), days=14, seed=1),
                                                   **({"key": b"a-key-of-sixteen-bytes"} | kw)),
        "simulate_events": lambda **kw: sr.simulate_events(c.q, c.raw.head(20), **({"days": 14} | kw)),
        "user_metrics": lambda **kw: sr.user_metrics(c.events, **kw),
        "dau_mau": lambda **kw: sr.dau_mau(c.events, **kw),
        "cohort_retention": lambda **kw: sr.cohort_retention(c.events, **kw),
        "criterion_validity": lambda **kw: sr.criterion_validity(c.linked, **kw),
        "churn_cox": lambda **kw: sr.churn_cox(c.linked, **kw),
        "content_preferences": lambda **kw: sr.content_preferences(
            c.events, c.raw.set_index("respondent_id")["product_type"], **kw),
        "association_rules": lambda **kw: sr.association_rules(
            c.events, c.raw.set_index("respondent_id")["product_type"], **kw),
        "analyze_behaviour": lambda **kw: sr.analyze_behaviour(c.events, c.raw, c.q, **kw),
        # methods of public results, and the report writer
        "SegmentResult.profile": lambda **kw: sr.segment_respondents(c.scores, k=2).profile(
            c.raw[["gender"]], **kw),
        "EFAResult.pattern": lambda **kw: sr.efa(c.hs_items, 3).pattern(**kw),
        "CFAResult.modification_indices": lambda **kw: c.cfa_result.modification_indices(**kw),
        "CFAResult.residual_correlations": lambda **kw: c.cfa_result.residual_correlations(**kw),
        "write_report": lambda **kw: write_report(None, c.tmp / "report", **kw),
    }


# (function, argument, bad value[, the name the message gives when it is not the argument's])
BAD = [
    ("power", "n", [10]), ("power", "n", 100), ("power", "replications", 0), ("power", "seed", -1),
    ("power", "alpha", 1.5), ("power", "n_jobs", 0),
    ("rmsea_power", "rmsea0", -0.01), ("rmsea_power", "rmsea_a", 0.05), ("rmsea_power", "df", 0),
    ("rmsea_power", "n", 1), ("rmsea_power", "alpha", 1.0), ("rmsea_power", "groups", 0),
    ("rmsea_sample_size", "rmsea0", "0.05"), ("rmsea_sample_size", "rmsea_a", -1), ("rmsea_sample_size", "df", "x"),
    ("rmsea_sample_size", "power", 1.0), ("rmsea_sample_size", "alpha", 0), ("rmsea_sample_size", "groups", 1.5),
    ("power", "indirect", "bootstrap"), ("power", "parameters", "yes"), ("power", "model_tests", 1),
    ("power", "scheduler", 8786), ("power", "scheduler", "tcp://127.0.0.1:1"), ("power", "progress", "yes"),
    ("sample_size", "target_power", 1.0), ("sample_size", "hypotheses", ["H99"]), ("sample_size", "hypotheses", []),
    ("sample_size", "criterion", "any"), ("sample_size", "n_min", 20), ("sample_size", "n_max", 30),
    ("sample_size", "step", 0), ("sample_size", "step", 11), ("sample_size", "replications", 0),
    ("sample_size", "seed", -1), ("sample_size", "alpha", 0.0), ("sample_size", "n_jobs", 0),
    ("sample_size", "scheduler", ["tcp://127.0.0.1:8786"]), ("sample_size", "progress", 1),
    ("run_tasks", "fn", 3), ("run_tasks", "tasks", "abc"), ("run_tasks", "seed", -1), ("run_tasks", "n_jobs", 0),
    ("run_tasks", "scheduler", object()), ("run_tasks", "progress", "no"), ("run_tasks", "description", 5),
    ("run_tasks", "prefer", "gpu"),
    ("build_classroom", "students", 0), ("build_classroom", "seed", -1), ("build_classroom", "n", 10),
    ("build_classroom", "vary_effects", "yes"), ("build_classroom", "n_jobs", 0),
    ("build_classroom", "scheduler", 8786), ("build_classroom", "scheduler", "tcp://127.0.0.1:1"),
    ("grade", "student_id", 31),
    ("builtin_questionnaire_path", "name", "no_such_instrument"), ("builtin_study_path", "name", "nope"),
    ("cronbach_alpha", "level", 1.5), ("cronbach_alpha", "ci", "bootstrap"), ("cronbach_alpha", "use", "everything"),
    ("item_statistics", "use", "all"),
    ("reliability", "level", 0), ("reliability", "ci", "bca"), ("reliability", "cfa", "no"), ("reliability", "use", "listwise"),
    ("scale_scores", "min_share", 0), ("scale_scores", "method", "median"),
    ("simulate_responses", "n", 0), ("simulate_responses", "seed", "x"), ("simulate_responses", "careless", 1.0),
    ("simulate_responses", "missing", -0.1), ("simulate_responses", "thresholds", 3),
    ("population_thresholds", "thresholds", 3), ("population_thresholds", "recoded", "yes"),
    ("cfa", "estimator", "WLS"), ("cfa", "missing", "available"), ("cfa", "ordered", 3),
    ("ordinal_reliability", "obs_var", "yes"),
    ("fit_pls", "scheme", "path"), ("fit_pls", "consistent", "yes"), ("fit_pls", "missing", "pairwise"),
    ("fit_pls", "max_iter", 0), ("fit_pls", "stop_criterion", -1.0), ("fit_pls", "missing_value", "NA"),
    ("fit_pls", "interaction", "latent"),
    ("fit_pls", "hoc", "repeated"),
    ("efa", "n_factors", 0), ("efa", "n_factors", 9), ("efa", "rotation", "oblique"), ("efa", "method", "pca"), ("efa", "cor", "spearman"),
    ("htmt", "htmt2", "yes"), ("htmt", "n_boot", -1), ("htmt", "seed", -1), ("htmt", "level", 95),
    ("htmt", "threshold", 0), ("htmt", "n_jobs", 0.5), ("htmt", "scheduler", ["tcp://127.0.0.1:8786"]),
    ("htmt", "scheduler", "tcp://127.0.0.1:1"),
    ("parallel_analysis", "n_iter", 0), ("parallel_analysis", "quantile", 1.0), ("parallel_analysis", "seed", -5),
    ("apply_exclusions", "rules", "all"), ("apply_exclusions", "rules", {"speed": True}),
    ("apply_exclusions", "rules", {"longstring": -1}, "longstring"),
    ("quality_flags", "duration_col", 5), ("quality_flags", "seconds_per_item", -1),
    ("quality_flags", "longstring_max", 0), ("quality_flags", "psychsyn_critval", 1.0),
    ("quality_flags", "mahalanobis_level", 1.0),
    ("segment_respondents", "k", 0), ("segment_respondents", "k_range", (1, 3)),
    ("segment_respondents", "k_range", (4, 3)), ("segment_respondents", "method", "dbscan"),
    ("segment_respondents", "seed", 2**40),
    ("export_questionnaire", "fmt", "pdf"), ("export_questionnaire", "language", "fr"),
    ("read_responses", "source", "surveymonkey"), ("read_responses", "key", b"short"),
    ("k_anonymity", "k", 1),
    ("pseudonymize", "columns", ["no_such_column"]), ("pseudonymize", "key", b""),
    ("hierarchical", "blocks", {}),
    ("mediation", "n_boot", 10), ("mediation", "seed", -1), ("mediation", "level", 1),
    ("moderated_mediation", "n_boot", 10.5), ("moderated_mediation", "seed", "1"),
    ("moderated_mediation", "level", 0),
    ("moderation", "center", 1), ("moderation", "level", 2),
    ("ols", "robust", "HC4"),
    ("robustness_table", "alpha", 0),
    ("SegmentResult.profile", "min_cell", 0),
    ("EFAResult.pattern", "cutoff", -0.1),
    ("CFAResult.modification_indices", "top", 0),
    ("CFAResult.residual_correlations", "threshold", 2),
    ("write_report", "formats", ["pdf"]), ("write_report", "language", "fr"), ("write_report", "force", "yes"),
    ("latent_scores", "n", 0), ("latent_scores", "seed", -1),
    ("read_events", "key", b"short"), ("read_events", "event_types", ["read"]), ("read_events", "columns", "openid"),
    ("read_events", "start", "soon"), ("read_events", "end", 20260101), ("read_events", "memory_limit", "lots"),
    ("read_events", "timezone", "Mars/Olympus"),
    ("simulate_events", "days", 3), ("simulate_events", "seed", -1), ("simulate_events", "model", "default"),
    ("simulate_events", "start", "soon"),
    ("user_metrics", "churn_after", 0), ("dau_mau", "window", 1), ("cohort_retention", "period", "day"),
    ("criterion_validity", "level", 95), ("churn_cox", "standardize", "yes"), ("churn_cox", "level", 0),
    ("content_preferences", "event_type", "open"),
    ("association_rules", "min_support", 0), ("association_rules", "min_confidence", 1.5),
    ("association_rules", "min_lift", -1),
    ("analyze_behaviour", "churn_after", 0), ("analyze_behaviour", "min_support", 2),
    ("analyze_behaviour", "min_lift", -0.5), ("analyze_behaviour", "truth", [1]),
    ("analyze_behaviour", "sem_options", "MLR"),
]


@pytest.fixture(scope="module")
def context(default_q, tmp_path_factory):
    return Context(default_q, tmp_path_factory.mktemp("parameters"))


@pytest.fixture(scope="module")
def calls(context):
    return _calls(context)


def _case_id(case: tuple) -> str:
    """A test id that is the same in every process (an object's repr holds its address; pytest-xdist compares)."""
    value = case[2]
    plain = value is None or isinstance(value, str | bytes | bool | int | float | list | tuple | dict | set)
    return f"{case[0]}-{case[1]}-{repr(value) if plain else type(value).__name__}"


@pytest.mark.parametrize("case", BAD, ids=[_case_id(c) for c in BAD])
def test_a_bad_argument_raises_the_one_template(calls, case):
    function, argument, bad = case[:3]
    named = case[3] if len(case) > 3 else argument
    with pytest.raises(sr.ParameterError) as info:
        calls[function](**{argument: bad})
    message = str(info.value)
    assert re.fullmatch(TEMPLATE.format(name=re.escape(named), function=re.escape(function)), message), message
    assert "\n" not in message


def test_the_key_is_never_shown_in_the_message(calls):
    with pytest.raises(sr.ParameterError) as info:
        calls["pseudonymize"](key=b"secret-short")
    assert "secret" not in str(info.value) and "Got '12 bytes' instead" in str(info.value)
    with pytest.raises(sr.ParameterError, match="Got '6 bytes' instead"):
        calls["pseudonymize"](key=b"secret")


# Parameters that are inputs (data, questionnaires, files, column names, results), not numbers or choices.
INPUTS = {"data", "q", "items", "scores", "res", "sem_result", "flags", "path", "text", "config", "out_dir",
          "questionnaire_path", "student", "outcome", "predictors", "x", "m", "y", "w", "covariates", "progress",
          "command"}
INPUTS_OF = {"grade": {"key"}, "loads_questionnaire": {"source"}, "fit_pls": {"model"}, "cfa": {"model"},
             # behaviour: logs, events, survey frames, segment series, construct and metric names
             "read_events": {"backend"}, "simulate_events": {"responses", "scores"}, "user_metrics": {"events"},
             "segment_metrics": {"metrics", "segments", "events"}, "dau_mau": {"events", "segments"},
             "cohort_retention": {"events"}, "link_survey": {"responses", "metrics", "events"},
             "criterion_validity": {"linked", "construct", "criteria"},
             "behaviour_sem": {"linked", "construct", "fit_options"}, "churn_survival": {"linked", "by"},
             "churn_cox": {"linked"}, "content_preferences": {"events", "segments"},
             "reading_times": {"events", "segments"}, "association_rules": {"events", "segments"},
             "analyze_behaviour": {"events", "responses", "segment", "construct"}}
# Owned by the sem/ maintainers (checked there or listed in the issue), and strategy.py (no numbers or choices).
SEM_OWNED = {"fit_sem", "lavaanify", "factor_scores", "to_semopy", "from_semopy", "partable_to_syntax",
             "invariance", "compare_group_paths", "compare_models", "latent_interaction", "polychoric",
             "hypothesis_table", "importance_performance", "recommendations"}


def test_every_public_parameter_is_checked_or_an_input():
    checked = {(c[0], c[1]) for c in BAD}
    unchecked = []
    for name in sr.__all__:
        obj = getattr(sr, name)
        if not inspect.isfunction(obj) or name in SEM_OWNED:
            continue
        for parameter in inspect.signature(obj).parameters:
            if parameter in INPUTS | INPUTS_OF.get(name, set()):
                continue
            if (name, parameter) not in checked:
                unchecked.append(f"{name}({parameter})")
    assert unchecked == [], f"add a check (and a BAD case) for {unchecked}"


def test_valid_edge_values_pass(context):
    """The checks refuse only what is wrong: edges, numpy scalars, any-case estimator names."""
    import numpy as np

    assert sr.cronbach_alpha(context.items, level=np.float64(0.9), use="complete")["n_items"] == 4
    assert sr.cfa(context.hs_syntax, context.hs, estimator="ml").sem.n_obs == 301
    assert len(sr.segment_respondents(context.scores, k=np.int64(2), seed=2**32 - 1).centers) == 2
    assert sr.scale_scores(context.scored, context.q, min_share=1).shape[1] == len(context.q.constructs)
    assert sr.pseudonymize(context.raw.head(2), "respondent_id", "x" * 16)["respondent_id"].str.len().eq(16).all()
    kept, _ = sr.apply_exclusions(context.raw, context.flags, {"longstring": np.int64(12), "attention": np.True_,
                                                               "missing_share": 1, "speeder": None})
    assert len(kept) > 0
