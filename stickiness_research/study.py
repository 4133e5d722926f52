"""Run a study end to end: config -> data -> cleaning -> measurement -> structural -> groups -> segments -> strategy.

The result holds raw numbers only; the report layer formats them. Every random step takes its
seed from the config, so the same config and inputs give the same numbers.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from ._summary import Reportable
from ._validation import PATH, InstanceOf, check
from .errors import ModelSpecError, StudyWarning, did_you_mean
from .measurement import (
    CFAResult,
    MethodBiasResult,
    ParallelAnalysis,
    cfa,
    efa,
    htmt,
    item_descriptives,
    mardia,
    method_bias,
    parallel_analysis,
)
from .questionnaire import Questionnaire, load_questionnaire
from .responses.scoring import reverse_code, scale_scores
from .segments import SegmentResult, segment_respondents
from .sem import SEMResult, fit_sem
from .sem.bootstrap import BootstrapResult
from .sem.compare import GroupPathComparison, compare_group_paths, compare_models, fit_columns
from .sem.hypotheses import hypothesis_table
from .sem.invariance import InvarianceResult, invariance
from .simulate import population_model, simulate_responses
from .strategy import (
    Recommendation,
    adjustment_sets,
    importance_performance,
    recommendations,
    segment_priorities,
    total_effects_from_bootstrap,
)
from .study_config import AnalysesSpec, StudyConfig, load_study_config

DEMO_N = 500
DEMO_SEED = 20261124
DEMO_BOOTSTRAP = 1000
MIN_N = 100  # below this (or 5 respondents per item) SEM estimates and p values are unstable
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class GroupAnalysis:
    """Measurement invariance and per-group paths for one grouping variable."""

    group: str
    invariance: InvarianceResult | None
    paths: GroupPathComparison | None
    error: str | None = None  # why the group analysis could not run (e.g. a group too small)


@dataclass(frozen=True, eq=False)
class StudyResult(Reportable):
    r"""Everything a report needs, as raw numbers (formatting happens in the report layer).

    Attributes
    ----------
    config : StudyConfig
        The config the study ran.
    questionnaire : Questionnaire
        The instrument (from the config).
    raw, exclusions, scored : DataFrame
        The responses as read (n x columns), the quality flags and exclusion of each respondent, and the kept
        responses with reverse-keyed items recoded.
    scores : DataFrame
        Scale scores (item means) of the kept respondents, one column per construct.
    outcome : str
        The outcome construct (the config's ``model.outcome``, else the questionnaire's).
    sem : SEMResult or PLSResult
        The structural model (the PLSResult when the config's method is ``pls``).
    hypotheses, effects : DataFrame
        The hypothesis table (estimate, interval, support) and the bootstrapped direct, indirect and total
        effects (empty without a bootstrap).
    bootstrap : BootstrapResult or None
        The structural model's bootstrap (``analyses.bootstrap`` resamples).
    truth : dict
        For simulated data, the population value of each path (``"cause -> effect"``), to compare with.
    descriptives, mardia, cfa, htmt, parallel, efa_loadings, method_bias, alternatives, groups
        The measurement, rival-model and group analyses the config asked for; ``None`` (or empty) for those it
        did not.
    segments, segment_profile, segment_priorities, ipma, recommendations, regression
        The segment, strategy and regression analyses, likewise.
    pls, pls_bootstrap, planning, behaviour
        The PLS-SEM model and its bootstrap (``method: both`` or ``pls``), the power section and the behaviour
        section (a config's ``power`` and ``events``), likewise.
    provenance : dict
        Command, time, Python and package versions, input SHA-256s, questionnaire id and version, seed, git commit.
    screening : dict
        Warnings and cleaning rules not applied, for the report.

    Notes
    -----
    A frozen result of the results protocol: :meth:`tables` gives the main tables by name; ``summary()``,
    ``str(res)``, ``to_markdown()``, ``to_latex()`` and Jupyter's ``_repr_html_`` render them, and the report
    layer (``stickiness report``) writes every analysis. Each analysis' method and the R function it was
    checked against are in the docstring of the function that made it (:func:`~stickiness_research.fit_sem`:
    ``lavaan::sem``, :func:`~stickiness_research.cfa`, ...).

    References
    ----------
    As :func:`run_study`, which lists the R function each of its steps is checked against.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import stickiness_research as sr
    >>> path = pathlib.Path(tempfile.mkdtemp(), "study.yaml")
    >>> _ = path.write_text("\n".join([  # a quick study: simulated answers, the structural model only
    ...     "study: {id: demo, title: {en: Demo}}",
    ...     f"questionnaire: {sr.builtin_questionnaire_path()}",
    ...     "data: {simulate: {n: 300, seed: 1}}",
    ...     "analyses: {measurement: false, efa: false, method_bias: false, bootstrap: 0, invariance: false,",
    ...     "           regression: false, segments: false, strategy: false}"]))
    >>> res = sr.run_study(path)
    >>> res
    StudyResult('demo', n = 300, outcome 'stickiness')
    >>> res.headline()[1]
    'chisq(265) = 235.932, p = 0.9002, CFI = 1.000, TLI = 1.011, RMSEA = 0.000 [0.000, 0.011], SRMR = 0.036'
    >>> h1 = res.hypotheses.set_index("hypothesis").loc["H1"]
    >>> h1["path"], round(float(h1["est"]), 3), bool(h1["supported"])
    ('interaction -> emotional_attachment', 0.499, True)
    >>> res.truth["interaction -> emotional_attachment"]  # the population value the data were drawn from
    0.5
    """

    config: StudyConfig
    questionnaire: Questionnaire
    raw: pd.DataFrame
    exclusions: pd.DataFrame
    scored: pd.DataFrame
    scores: pd.DataFrame
    outcome: str
    sem: Any  # the structural model: SEMResult (CB-SEM), or the PLSResult itself when the config's method is "pls"
    hypotheses: pd.DataFrame
    effects: pd.DataFrame
    bootstrap: BootstrapResult | None
    truth: dict[str, float]
    descriptives: pd.DataFrame | None = None
    mardia: pd.Series | None = None
    cfa: CFAResult | None = None
    htmt: pd.DataFrame | None = None
    parallel: ParallelAnalysis | None = None
    efa_loadings: pd.DataFrame | None = None
    method_bias: MethodBiasResult | None = None
    alternatives: pd.DataFrame | None = None
    groups: tuple[GroupAnalysis, ...] = ()
    segments: SegmentResult | None = None
    segment_profile: pd.DataFrame | None = None
    segment_priorities: pd.DataFrame | None = None
    ipma: pd.DataFrame | None = None
    recommendations: tuple[Recommendation, ...] = ()
    regression: Any = None
    pls: Any = None  # PLSResult when the config's method is "both" or "pls"
    planning: dict | None = None  # the config's power section: power table, sample size, RMSEA power
    behaviour: Any = None  # BehaviourResult when the config has an events section
    pls_bootstrap: Any = None  # its PLSBootstrap
    provenance: dict = field(default_factory=dict)
    screening: dict = field(default_factory=dict)  # warnings and rules not applied, for the report

    @property
    def title(self) -> str:
        title = self.config.study.title
        return title.get(self.config.report.language) or next(iter(title.values()))

    @property
    def method(self) -> str:
        """``cbsem``, ``pls`` or ``both``: the config's method (for a PLS-only study ``sem`` is the PLSResult)."""
        return self.config.method

    def headline(self) -> list[str]:
        estimator = "PLS-SEM" if self.method == "pls" else self.sem.estimator
        return [f"{self.config.study.id}: {len(self.raw)} respondents read, {self.sem.n_obs} in the model "
                f"({estimator}); outcome {self.outcome}", self.sem.fit_line()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``hypotheses``, ``effects`` (bootstrapped), ``reliability`` and ``exclusions`` by rule, as far as the
        study computed them; the report shows everything else."""
        out = {"hypotheses": self.hypotheses, "effects": self.effects,
               "reliability": self.reliability if self.reliability is not None else pd.DataFrame(),
               "exclusions": (self.exclusions.groupby("rule").size().rename("respondents").reset_index()
                              if len(self.exclusions) and "rule" in self.exclusions else pd.DataFrame())}
        if self.behaviour is not None:  # the usage log's tables, named as the behaviour section's
            out |= {f"behaviour: {name}": table for name, table in self.behaviour.tables().items()}
        return {name: table for name, table in out.items() if len(table)}

    def summary_notes(self) -> list[str]:
        return list(self.screening.get("warnings", []))

    def meta(self) -> dict[str, Any]:
        """The study in numbers: ``id``, ``questionnaire`` and ``questionnaire_version``, ``n_read`` (rows read),
        ``n_excluded`` (respondents excluded), ``n_analysed`` (kept), ``n_model`` (in the structural model),
        ``outcome``, ``method`` (cbsem, pls or both), ``estimator`` and ``seed``."""
        q = self.questionnaire
        pls_only = self.method == "pls"
        return {"id": self.config.study.id, "questionnaire": q.meta.id, "questionnaire_version": q.meta.version,
                "n_read": len(self.raw),
                "n_excluded": int(self.exclusions["respondent_id"].nunique()) if len(self.exclusions) else 0,
                "n_analysed": len(self.scored) if pls_only else self.sem.n_obs + self.sem.n_dropped,
                "n_model": self.sem.n_obs, "outcome": self.outcome, "method": self.method,
                "estimator": "PLS-SEM" if pls_only else self.sem.estimator, "seed": self.config.seed}

    def __repr__(self) -> str:  # the dataclass repr would print every data frame
        return f"StudyResult({self.config.study.id!r}, n = {self.sem.n_obs}, outcome {self.outcome!r})"

    @property
    def reliability(self) -> pd.DataFrame | None:
        return None if self.cfa is None else self.cfa.reliability()


def outcome_of(q: Questionnaire) -> str:
    """The construct the hypotheses lead to and never away from (the last one if several)."""
    sources = {h.from_ for h in q.direct_hypotheses}
    sinks = [c for c in q.endogenous if c not in sources]
    return sinks[-1] if sinks else q.construct_ids[-1]


def structural_paths(sem: SEMResult, constructs: list[str]) -> list[tuple[str, str]]:
    """The fitted model's regressions among ``constructs`` as (cause, effect) pairs, in the model's order."""
    est = sem.estimates
    reg = est[(est["op"] == "~") & est["lhs"].isin(constructs) & est["rhs"].isin(constructs)]
    return list(dict.fromkeys(zip(reg["rhs"], reg["lhs"], strict=True)))


def _reaches(paths: list[tuple[str, str]], outcome: str) -> bool:
    try:
        adjustment_sets(paths, outcome)
    except ModelSpecError:
        return False
    return True


def segment_basis(paths: list[tuple[str, str]], outcome: str, constructs: list[str]) -> list[str]:
    """The scores respondents are clustered on: the outcome's drivers that nothing in the model explains.

    Not the outcome, and not a mediator: a segment chosen by the outcome, or by a consequence of a
    driver, selects respondents on what the drivers explain, and within-segment effects of those
    drivers are then biased toward zero (selection on the dependent variable; see
    :func:`~stickiness_research.strategy.segment_priorities`). Clustering on the exogenous drivers
    selects on explanatory variables only, which leaves within-segment regressions unbiased.
    Without a structural path to the outcome, every construct but the outcome is used.

    Examples
    --------
    >>> segment_basis([("interaction", "attachment"), ("attachment", "stickiness"),
    ...                ("convenience", "stickiness")], "stickiness",
    ...               ["interaction", "attachment", "convenience", "stickiness"])
    ['interaction', 'convenience']
    """
    if _reaches(paths, outcome):
        drivers = adjustment_sets(paths, outcome)
        explained = {effect for _, effect in paths}
        basis = [c for c in constructs if c in drivers and c not in explained]
        if basis:
            return basis
    return [c for c in constructs if c != outcome]


def model_without(q: Questionnaire, dropped: list[str]) -> str:
    """The hypothesised model's syntax without some direct hypotheses (and indirect ones using them)."""
    gone = {h.id for h in q.direct_hypotheses if h.id in dropped}
    gone_pairs = {(h.from_, h.to) for h in q.direct_hypotheses if h.id in gone}
    keep = []
    for h in q.hypotheses:
        if h.id in gone:
            continue
        if h.is_indirect and any(p in gone_pairs for p in zip(h.chain, h.chain[1:], strict=False)):
            continue
        keep.append(h)
    return q.model_copy(update={"hypotheses": keep}).model_syntax()


def run_study(config: StudyConfig | str | Path, *, progress: Progress | None = None,
              command: str | None = None) -> StudyResult:
    r"""Run every analysis a study config asks for.

    Parameters
    ----------
    config : StudyConfig, str or Path
        A loaded config, or the path of ``reports/<study>.yaml`` (loaded with
        :func:`~stickiness_research.load_study_config`).
    progress : callable, optional
        Called with a short message before each step (the CLI shows it as a spinner).
    command : str, optional
        The command line recorded in provenance.

    Returns
    -------
    StudyResult
        Every analysis the config asks for, as raw numbers, with provenance.

    Raises
    ------
    ParameterError
        ``config`` is neither a StudyConfig nor a path.
    StudyConfigError
        The config is invalid; a grouping variable is not a column of the data; fewer respondents are left
        after cleaning than the model has items.
    QuestionnaireError, ResponseDataError
        The questionnaire or the data file cannot be read.
    ModelSpecError, EstimationError
        From :func:`~stickiness_research.fit_sem`: the model cannot be specified or estimated.

    Notes
    -----
    The steps, as far as the config asks for them: read (or simulate) -> screen and exclude careless
    respondents -> reverse-code and score -> measurement model (descriptives, Mardia, CFA, HTMT, EFA, method
    bias) -> structural model and its bootstrap -> hypotheses -> alternative models -> PLS-SEM -> power ->
    behaviour -> regression -> groups (invariance, group paths) -> segments -> importance-performance map and
    recommendations (with ``method: pls``, PLS-SEM replaces the CB-SEM steps). Every random step takes the config's ``seed``: the same config and
    inputs give the same numbers. A step the data do not allow is reported in the result, not raised.

    References
    ----------
    Each step's papers are in the docstring of the function that computes it. The R functions those are
    checked against: ``psych::describe`` and ``psych::mardia`` (:func:`~stickiness_research.item_descriptives`,
    :func:`~stickiness_research.mardia`), ``lavaan::cfa`` / ``lavaan::sem`` (:func:`~stickiness_research.cfa`,
    :func:`~stickiness_research.fit_sem`), ``psych::alpha`` (:func:`~stickiness_research.cronbach_alpha`),
    ``semTools::compRelSEM`` and ``AVE`` (:func:`~stickiness_research.construct_reliability`),
    ``semTools::htmt`` (:func:`~stickiness_research.htmt`), ``psych::fa`` (:func:`~stickiness_research.efa`),
    ``lavaan::cfa(group.equal = )`` (:func:`~stickiness_research.invariance`), ``lavaan::lavTestWald``
    (:func:`~stickiness_research.compare_group_paths`), ``seminr::estimate_pls``
    (:func:`~stickiness_research.fit_pls`), ``lm`` with ``sandwich::vcovHC`` (:func:`~stickiness_research.ols`),
    ``semTools::findRMSEApower`` (:func:`~stickiness_research.rmsea_power`) and, for the behaviour section,
    ``cor.test`` and ``survival::coxph`` (:func:`~stickiness_research.analyze_behaviour`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import stickiness_research as sr
    >>> path = pathlib.Path(tempfile.mkdtemp(), "study.yaml")
    >>> _ = path.write_text("\n".join([  # a quick study: simulated answers, the structural model only
    ...     "study: {id: demo, title: {en: Demo}}",
    ...     f"questionnaire: {sr.builtin_questionnaire_path()}",
    ...     "data: {simulate: {n: 300, seed: 1}}",
    ...     "analyses: {measurement: false, efa: false, method_bias: false, bootstrap: 0, invariance: false,",
    ...     "           regression: false, segments: false, strategy: false}"]))
    >>> res = sr.run_study(path)
    >>> res.sem.n_obs, res.outcome, list(res.tables())
    (300, 'stickiness', ['hypotheses'])

    The steps as the CLI's spinner shows them:

    >>> steps = []
    >>> _ = sr.run_study(path, progress=steps.append)
    >>> steps
    ['reading data', 'screening for careless responding', 'structural model']
    """
    check(config, "config", "run_study", InstanceOf(StudyConfig, "a StudyConfig"), PATH)
    cfg = config if isinstance(config, StudyConfig) else load_study_config(config)
    step = progress or (lambda _msg: None)
    todo: AnalysesSpec = cfg.analyses
    q_path = cfg.resolve(cfg.questionnaire)
    q = cfg.loaded_questionnaire()  # the load that checked the config, not a second parse
    inputs = [q_path] + ([cfg.source] if cfg.source else [])

    step("reading data")
    raw, data_provenance = _read_data(cfg, q)
    if cfg.data.file is not None:
        inputs.append(cfg.resolve(cfg.data.file))
    _check_groups(raw, cfg)
    step("screening for careless responding")
    kept, exclusions, screening = _clean(raw, q, cfg)
    screening["warnings"] = list(data_provenance.get("warnings", [])) + screening["warnings"]
    screening["warnings"] += _check_sample_size(len(raw), len(kept), q, cfg)
    scored = reverse_code(kept, q)
    scores = scale_scores(scored, q)
    outcome = cfg.model.outcome or outcome_of(q)
    result: dict[str, Any] = {}

    if cfg.method == "pls":  # no covariance-based model: PLS-SEM's own measurement and structural reporting set
        return _run_pls_study(cfg, q, raw, exclusions, kept, scored, scores, outcome, screening, data_provenance,
                              inputs, step, command)
    if todo.measurement:
        step("measurement model: descriptives, reliability, validity")
        result["descriptives"] = item_descriptives(scored, q)
        result["mardia"] = mardia(scored, q)
        result["cfa"] = cfa(q, scored, estimator=cfg.model.estimator, missing=cfg.model.missing,
                            ordered=cfg.model.ordered_items)
        result["htmt"] = htmt(scored, q, n_boot=todo.htmt_bootstrap, seed=cfg.seed)
    _item_level_checks_into(result, scored, q, cfg, step)

    step("structural model")
    syntax = cfg.model.syntax or q.model_syntax()
    sem = fit_sem(syntax, scored, estimator=cfg.model.estimator, missing=cfg.model.missing,
                  ordered=cfg.model.ordered_items)
    boot = None
    if todo.bootstrap:
        step(f"bootstrapping {todo.bootstrap} resamples")
        boot = sem.bootstrap(todo.bootstrap, seed=cfg.seed, ci=todo.ci, n_jobs=todo.n_jobs, progress=False)
    hyp = hypothesis_table(sem, q, bootstrap=boot, language=cfg.report.language) if cfg.model.syntax is None \
        else pd.DataFrame()
    effects = boot.effects() if boot is not None else pd.DataFrame()
    if cfg.alternatives:
        step("alternative models")
        rows, fits = [], {"hypothesised": sem}
        for alt in cfg.alternatives:
            alt_syntax = alt.syntax or model_without(q, alt.drop_hypotheses)
            fit = fits[alt.name] = fit_sem(alt_syntax, scored, estimator=cfg.model.estimator, missing=cfg.model.missing,
                                           ordered=cfg.model.ordered_items)
            # each rival against the hypothesised model (not against each other: they need not be nested)
            pair = compare_models({"hypothesised": sem, alt.name: fit}).set_index("model")
            if not rows:
                rows.append(pair.loc["hypothesised"].rename("hypothesised"))
            rows.append(pair.loc[alt.name].rename(alt.name))
        table = pd.DataFrame(rows).rename_axis("model").reset_index()
        shown = fit_columns(fits)  # one kind of index for every row (each pair chose its own)
        for column in ("chisq", "pvalue", "cfi", "tli", "rmsea"):
            table[column] = [shown[name][column] for name in table["model"]]
        table.loc[0, [c for c in table.columns if c.startswith("delta_")]] = float("nan")
        table["delta_aic"] = table["aic"] - table.loc[0, "aic"]
        table["delta_bic"] = table["bic"] - table.loc[0, "bic"]
        result["alternatives"] = table

    if cfg.method == "both":
        step("PLS-SEM beside CB-SEM")
        from .errors import StickinessError
        from .pls import fit_pls

        pls_syntax = cfg.model.syntax or q.model_syntax(labels=False)
        frames = sem._state.data if len(sem.groups) == 0 else None
        used = frames[0][1].index if frames and hasattr(frames[0][1], "index") else scored.index
        pls_data = scored.loc[used]
        try:  # the rows CB-SEM used, so that the two methods see the same respondents
            result["pls"] = fit_pls(pls_syntax, pls_data, missing="listwise")
            if todo.bootstrap:
                result["pls_bootstrap"] = result["pls"].bootstrap(todo.bootstrap, seed=cfg.seed, n_jobs=todo.n_jobs)
        except StickinessError as exc:  # e.g. a custom model with labels PLS does not take: said in the report
            warnings.warn(f"PLS-SEM was not estimated: {exc}", StudyWarning, stacklevel=2)

    if cfg.power is not None:
        step("planning: power of each hypothesis")
        result["planning"] = _planning(q, sem, cfg)

    if cfg.events is not None:
        step("behaviour: event logs beside the survey")
        result["behaviour"] = _behaviour(cfg, q, kept)

    if todo.regression:
        step("regression robustness check")
        from .regression import robustness_table

        result["regression"] = robustness_table(sem, scores)

    groups = []
    for g in cfg.groups:
        if not todo.invariance:
            break
        step(f"groups: {g}")
        groups.append(_group_analysis(scored, q, g, syntax, cfg.model.ordered_items,
                                      cfg.model.missing if cfg.model.ordered_items is not None else "listwise"))
    result["groups"] = tuple(groups)

    paths = structural_paths(sem, list(scores.columns))
    if todo.segments:
        step("segments")
        _segments_into(result, scores, paths, outcome, q, cfg, kept)
    if todo.strategy and result.get("pls_bootstrap") is not None:  # with PLS-SEM the playbook follows its IPMA
        step("strategy")
        _pls_strategy_into(result, result["pls"], result["pls_bootstrap"], pls_data, scores, paths, outcome, q, cfg)
    if todo.strategy and boot is not None and "ipma" not in result:  # CB-SEM's map (or PLS's could not be drawn)
        step("strategy")
        ipma = importance_performance(total_effects_from_bootstrap(effects, outcome), scores, q)
        result["ipma"] = ipma
        result["recommendations"] = tuple(recommendations(ipma))
        _segment_priorities_into(result, scores, paths, outcome, q, cfg)

    prov = _provenance(cfg, q, inputs, command, data_provenance, screening, boot, result)
    return StudyResult(config=cfg, questionnaire=q, raw=raw, exclusions=exclusions, scored=scored, scores=scores,
                       outcome=outcome, sem=sem, hypotheses=hyp, effects=effects, bootstrap=boot,
                       truth=_truth(cfg, q), provenance=prov, screening=screening, **result)


def _item_level_checks_into(result: dict, scored: pd.DataFrame, q: Questionnaire, cfg: StudyConfig,
                            step: Progress) -> None:
    """Exploratory factor analysis and common method bias, as the config asks (either method)."""
    if cfg.analyses.efa:
        step("exploratory factor analysis")
        result["parallel"] = parallel_analysis(scored, q, seed=cfg.seed)
        result["efa_loadings"] = efa(scored, len(q.constructs), q).loadings
    if cfg.analyses.method_bias:
        step("common method bias")
        result["method_bias"] = method_bias(scored, q)


def _segments_into(result: dict, scores: pd.DataFrame, paths: list[tuple[str, str]], outcome: str,
                   q: Questionnaire, cfg: StudyConfig, kept: pd.DataFrame) -> None:
    """Respondent segments on the outcome's exogenous drivers, described on every construct and profiled."""
    basis = segment_basis(paths, outcome, list(scores.columns))
    seg = segment_respondents(scores[basis], k_range=(2, cfg.analyses.max_segments), seed=cfg.seed)
    seg = replace(seg, centers=seg.centers_of(scores))  # described on every construct, the outcome too
    result["segments"] = seg
    demo_cols = [d.id for d in q.demographics if d.id in kept.columns]
    result["segment_profile"] = seg.profile(kept[demo_cols], min_cell=cfg.report.min_cell)


def _segment_priorities_into(result: dict, scores: pd.DataFrame, paths: list[tuple[str, str]], outcome: str,
                             q: Questionnaire, cfg: StudyConfig) -> None:
    if "segments" in result and _reaches(paths, outcome):
        result["segment_priorities"] = segment_priorities(scores, result["segments"].labels, q, outcome=outcome,
                                                          paths=paths, min_n=cfg.report.min_cell)


def _pls_strategy_into(result: dict, pls: Any, boot: Any, scored: pd.DataFrame, scores: pd.DataFrame,
                       paths: list[tuple[str, str]], outcome: str, q: Questionnaire, cfg: StudyConfig) -> None:
    """The playbook ranked by the PLS importance-performance map (IPMA) of the outcome's drivers; a map that cannot
    be drawn (e.g. a negative outer weight) is said in a warning (a study with CB-SEM then uses CB-SEM's map)."""
    from .errors import StickinessError
    from .strategy import pls_importance_performance

    try:
        ipma = pls_importance_performance(pls, scored, boot, q, outcome)
    except StickinessError as exc:
        warnings.warn(f"the PLS importance-performance map was not drawn: {exc}", StudyWarning, stacklevel=3)
        return
    result["ipma"] = ipma
    result["recommendations"] = tuple(recommendations(ipma))
    _segment_priorities_into(result, scores, paths, outcome, q, cfg)


def _truth(cfg: StudyConfig, q: Questionnaire) -> dict[str, float]:
    """The population model's true paths when the data are simulated (none for collected data)."""
    if cfg.data.simulate is None:
        return {}
    return {f"{a} -> {b}": beta for (a, b), beta in population_model(q).paths.items()}


def _provenance(cfg: StudyConfig, q: Questionnaire, inputs: list[Path], command: str | None, data_provenance: dict,
                screening: dict, boot: Any, result: dict) -> dict:
    return provenance(inputs=inputs, seed=cfg.seed, questionnaire=q,
                      command=command or f"stickiness report {cfg.source or cfg.study.id}",
                      extra={"study": cfg.study.id, "method": cfg.method, "data": data_provenance,
                             "screening": screening,
                             "bootstrap": {"n_boot": cfg.analyses.bootstrap, "seed": cfg.seed,
                                           "n_failed": boot.n_failed if boot is not None else None}}
                      | ({"events": result["behaviour"].events.provenance} if "behaviour" in result else {}))


def _run_pls_study(cfg: StudyConfig, q: Questionnaire, raw: pd.DataFrame, exclusions: pd.DataFrame,
                   kept: pd.DataFrame, scored: pd.DataFrame, scores: pd.DataFrame, outcome: str, screening: dict, data_provenance: dict,
                   inputs: list[Path], step: Progress, command: str | None) -> StudyResult:
    """A PLS-only study (``method: pls``): the questionnaire's model (or the config's syntax) estimated by
    :func:`~stickiness_research.pls.fit_pls` on the complete rows, its hypotheses tested by its bootstrap, the
    playbook ranked by the PLS importance-performance map. No CFA, no covariance-based fit, no CB-SEM rivals,
    groups or power (the config refuses those)."""
    from .pls import fit_pls
    from .pls.hypotheses import pls_effects, pls_hypothesis_table

    todo = cfg.analyses
    result: dict[str, Any] = {}
    if todo.measurement:
        step("item descriptives")
        result["descriptives"] = item_descriptives(scored, q)
    _item_level_checks_into(result, scored, q, cfg, step)
    step("PLS-SEM")
    pls = fit_pls(cfg.model.syntax or q.model_syntax(labels=False), scored, missing="listwise")
    step(f"bootstrapping {todo.bootstrap} resamples (PLS-SEM)")
    boot = pls.bootstrap(todo.bootstrap, seed=cfg.seed, ci=todo.ci, n_jobs=todo.n_jobs)
    hyp = (pls_hypothesis_table(pls, boot, q, language=cfg.report.language) if cfg.model.syntax is None
           else pd.DataFrame())
    effects = pls_effects(pls, boot)
    effects = effects[effects["lhs"].str.endswith(f" -> {outcome}")].reset_index(drop=True)  # as CB-SEM's: on the outcome
    if cfg.events is not None:
        step("behaviour: event logs beside the survey")
        result["behaviour"] = _behaviour(cfg, q, kept)
    paths = [(a, b) for a, b in pls.model.paths if a in scores.columns and b in scores.columns]
    if todo.segments:
        step("segments")
        _segments_into(result, scores, paths, outcome, q, cfg, kept)
    if todo.strategy:
        step("strategy")
        _pls_strategy_into(result, pls, boot, scored, scores, paths, outcome, q, cfg)
    prov = _provenance(cfg, q, inputs, command, data_provenance, screening, boot, result)
    return StudyResult(config=cfg, questionnaire=q, raw=raw, exclusions=exclusions, scored=scored, scores=scores,
                       outcome=outcome, sem=pls, hypotheses=hyp, effects=effects, bootstrap=None,
                       truth=_truth(cfg, q), provenance=prov, screening=screening, pls=pls, pls_bootstrap=boot,
                       **result)


def _read_data(cfg: StudyConfig, q: Questionnaire) -> tuple[pd.DataFrame, dict]:
    sim = cfg.data.simulate
    if sim is not None:
        data = simulate_responses(q, n=sim.n, seed=sim.seed, careless=sim.careless, missing=sim.missing)
        return data, {"simulated": True, "n": sim.n, "seed": sim.seed, "careless": sim.careless,
                      "missing": sim.missing}
    from .responses.readers import read_responses

    responses = read_responses(cfg.resolve(cfg.data.file), q, source=cfg.data.source)
    return responses.data, dict(responses.provenance)


def _clean(raw: pd.DataFrame, q: Questionnaire, cfg: StudyConfig) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Flag careless responding and drop the respondents the config's rules exclude (each logged).

    Returns the kept data, the exclusions audit, and the screening notes the report shows: warnings
    (items without variance, rules excluding > 20 %, rules not applied) and ``not_applied`` reasons.
    """
    from .responses.quality import ScreeningWarning, apply_exclusions, quality_flags

    rules = cfg.cleaning
    rule_map = {"attention": rules.attention, "speeder": rules.speeder, "duplicate": rules.duplicates,
                "identical_answers": rules.identical_answers, "mahalanobis": rules.mahalanobis,
                "missing_share": rules.max_missing_share, "longstring": rules.longstring}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScreeningWarning)
        flags = quality_flags(raw, q, seconds_per_item=rules.seconds_per_item)
        result = apply_exclusions(raw, flags, rule_map)
    notes = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, ScreeningWarning)))
    for note in notes:  # shown where the study runs (CLI, notebook) and kept for the report
        warnings.warn(note, ScreeningWarning, stacklevel=3)
    return result.kept, result.audit, {"warnings": notes, "not_applied": result.not_applied}


def _check_groups(raw: pd.DataFrame, cfg: StudyConfig) -> None:
    """Each grouping variable is a column of the data with answers (else the group analysis would vanish)."""
    for k, group in enumerate(cfg.groups):
        if group not in raw.columns or raw[group].isna().all():
            what = "is not a column of" if group not in raw.columns else "has no answers in"
            raise cfg.error(f"group {group!r} {what} the data ({cfg.data.file or 'simulated'}).", f"groups[{k}]",
                            hint=(did_you_mean(group, raw.columns).strip() if group not in raw.columns else "")
                            or "Remove it from groups, or export the data with that question.")


def _check_sample_size(n_read: int, n_kept: int, q: Questionnaire, cfg: StudyConfig) -> list[str]:
    """Refuse fewer respondents than items (no covariance matrix); warn below 100 or 5 per item."""
    key = "data.file" if cfg.data.file is not None else "data.simulate.n"
    n_items = len(q.items)
    source = cfg.data.file or f"simulate n = {n_read}"
    if n_kept <= n_items:
        raise cfg.error(f"{source}: {n_kept} respondent(s) left ({n_read} read) for {n_items} items; the models need "
                        f"more respondents than items, and at least {max(MIN_N, 5 * n_items)} for stable estimates.",
                        key, hint="Point data.file at the full export, collect more responses, or relax the "
                        "cleaning rules if they excluded most respondents.")
    if n_kept >= max(MIN_N, 5 * n_items):
        return []
    note = (f"only {n_kept} respondents for {n_items} items: too few for this model (at least "
            f"{max(MIN_N, 5 * n_items)}: 100 and 5 per item); estimates, p values and intervals are unstable, "
            "so treat 'supported' as provisional.")
    warnings.warn(note, StudyWarning, stacklevel=3)
    return [note]


def _planning(q: Questionnaire, sem: SEMResult, cfg: StudyConfig) -> dict:
    """The power section: Monte Carlo power per hypothesis (the questionnaire's population as the truth),
    the smallest N for the target power, and the RMSEA power of the fitted model's df at its N."""
    from .planning import power, rmsea_power, rmsea_sample_size, sample_size

    spec = cfg.power
    out: dict[str, Any] = {"spec": spec.model_dump(),
                           "power": power(q, n=spec.n, replications=spec.replications, seed=cfg.seed,
                                          n_jobs=cfg.analyses.n_jobs)}
    if spec.target is not None:
        out["sample_size"] = sample_size(q, spec.target, replications=spec.replications, seed=cfg.seed,
                                         n_jobs=cfg.analyses.n_jobs)
    df = int(sem.fit_measures["df"])
    if df > 0:
        out["rmsea"] = {"df": df, "n": sem.n_obs, "rmsea0": spec.rmsea0, "rmsea_a": spec.rmsea_a,
                        "power": rmsea_power(rmsea0=spec.rmsea0, rmsea_a=spec.rmsea_a, df=df, n=sem.n_obs),
                        "n_for_80": rmsea_sample_size(rmsea0=spec.rmsea0, rmsea_a=spec.rmsea_a, df=df, power=0.8)}
    return out


def _behaviour(cfg: StudyConfig, q: Questionnaire, kept: pd.DataFrame) -> Any:
    """The events section: the log (read, or simulated from the respondents with its seed), analysed beside the
    survey. A simulated log follows the true latent scores when the survey data are simulated too."""
    import math

    from .behaviour.analysis import analyze_behaviour
    from .behaviour.events import read_events
    from .behaviour.simulate import BehaviourModel, preferred_content, simulate_events
    from .simulate import latent_scores

    spec = cfg.events
    outcome = cfg.model.outcome or outcome_of(q)  # behaviour follows the model's outcome (stickiness)
    ordered = cfg.model.ordered_items
    options = {"estimator": cfg.model.estimator, "missing": cfg.model.missing,
               "ordered": list(q.item_ids) if ordered is True else ordered}
    analyse = {"segment": spec.segment, "outcome": spec.outcome, "construct": outcome, "churn_after": spec.churn_after,
               "min_support": spec.min_support, "min_lift": spec.min_lift, "sem_options": options}
    if spec.file is not None:
        events = read_events(str(cfg.resolve(spec.file)), columns=spec.columns or None,
                             event_types=spec.event_types or None)
        return analyze_behaviour(events, kept, q, **analyse)
    sim = spec.simulate
    segment = spec.segment or "product_type"
    model = BehaviourModel(driver=outcome, push_every=sim.push_every)
    scores = (latent_scores(q, n=cfg.data.simulate.n, seed=cfg.data.simulate.seed)
              if cfg.data.simulate is not None else None)
    events = read_events(simulate_events(q, kept, days=sim.days, seed=sim.seed, scores=scores, model=model))
    truth = {"scores": "true latent scores" if scores is not None else "observed scale scores",
             "driver": model.driver, "days": sim.days, "seed": sim.seed, "push_every": model.push_every,
             "churn_hr": math.exp(model.churn_log_hr), "visit_logit_slope": model.visit_slope,
             "preferences": {str(seg): preferred_content(seg) for seg in sorted(kept[segment].dropna().unique())
                             if preferred_content(seg)} if segment in kept.columns else {}}
    return analyze_behaviour(events, kept, q, truth=truth, **analyse)


def _group_analysis(data: pd.DataFrame, q: Questionnaire, group: str, syntax: str,
                    ordered: bool | list[str] | None = None, missing: str = "listwise") -> GroupAnalysis:
    from .errors import StickinessError

    try:
        if ordered is None:
            inv = invariance(q, data, group, levels=("configural", "metric", "scalar"))
        else:  # Wu & Estabrook's sequence for ordered items: configural, thresholds, metric, scalar
            inv = invariance(q, data, group, ordered=ordered, missing=missing)
        paths = compare_group_paths(syntax, data, group, ordered=ordered, missing=missing)
    except StickinessError as exc:
        return GroupAnalysis(group, None, None, str(exc))
    return GroupAnalysis(group, inv, paths)


def demo_config(questionnaire: str | Path, *, n: int = DEMO_N, seed: int = DEMO_SEED,
                n_boot: int = DEMO_BOOTSTRAP, language: str = "en") -> StudyConfig:
    """The demo study: simulated answers to a questionnaire, every analysis on."""
    # read before loading (see StudyConfig._remember_questionnaire); anything but a file is left to the loader
    is_file = isinstance(questionnaire, (str, Path)) and Path(questionnaire).is_file()
    file_bytes = Path(questionnaire).read_bytes() if is_file else None
    q = load_questionnaire(questionnaire)
    cfg = StudyConfig.model_validate({
        "study": {"id": "demo", "title": q.meta.title},
        "questionnaire": str(Path(questionnaire).resolve()),
        "data": {"simulate": {"n": n, "seed": seed, "careless": 0.05}},
        "groups": [d.id for d in q.demographics[:1]],
        "analyses": {"bootstrap": n_boot},
        "report": {"language": language},
        "seed": seed,
        "events": {"simulate": {"days": 90, "seed": seed}},  # and their usage log: the behaviour section
    })
    if file_bytes is not None:
        cfg._remember_questionnaire(q, file_bytes)  # run_study reuses this load instead of parsing the file again
    return cfg


def run_demo(questionnaire: str | Path, *, n: int = DEMO_N, seed: int = DEMO_SEED, n_boot: int = DEMO_BOOTSTRAP,
             language: str = "en", progress: Progress | None = None) -> StudyResult:
    """Simulate ``n`` respondents from the questionnaire's population model and run the full study on them."""
    return run_study(demo_config(questionnaire, n=n, seed=seed, n_boot=n_boot, language=language),
                     progress=progress, command=f"stickiness demo --n {n} --seed {seed}")


def provenance(*, inputs: list[Path], seed: int | None, questionnaire: Questionnaire, command: str,
               extra: dict | None = None) -> dict:
    """Package versions, input SHA-256s, questionnaire id/version, seed, git commit, time."""
    packages = {}
    for name in ("stickiness_research", "numpy", "pandas", "scipy", "semopy", "statsmodels", "pingouin",
                 "scikit-learn", "pydantic", "jinja2", "matplotlib"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "packages": packages,
        "inputs": {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in inputs},
        "questionnaire": {"id": questionnaire.meta.id, "version": questionnaire.meta.version},
        "seed": seed,
        "git_commit": _git_commit(),
        **(extra or {}),
    }


def _git_commit() -> str:
    """The package's git commit, with "-dirty" when its source files differ from it (the numbers then come
    from code no commit holds); "unknown" outside a git checkout (an installed wheel)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, cwd=here)
        commit = out.stdout.strip()
        if not commit:
            return "unknown"
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", str(here)],
                                 capture_output=True, text=True, timeout=5, cwd=here)
        return commit + ("-dirty" if changed.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
