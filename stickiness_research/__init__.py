"""stickiness_research: why users keep coming back, from questionnaire to strategy.

The public API (stable names)::

    import stickiness_research as sr
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    df = sr.simulate_responses(q, n=500, seed=1)
    res = sr.fit_sem(q.model_syntax(), sr.reverse_code(df, q))

One vocabulary: a function that fits a model takes ``(model, data)``, as lavaan's ``cfa(model, data)``
(``fit_sem``, ``cfa``, ``invariance``, ``latent_interaction``, ``fit_pls``); one that describes data takes
``(data, questionnaire)`` (``reliability``, ``htmt``, ``kmo``, ``efa``, ``quality_flags``, ``scale_scores``).
A standardized estimate is ``std_all`` in every table; ``level`` is a confidence level and ``ci`` an
interval's method; inference is a method of the result (``conf_int(level)``, ``wald_test("a == b")``). The
spellings these replaced still work until 0.2, with a FutureWarning naming the new one.
"""

from __future__ import annotations

from importlib import resources as _resources
from pathlib import Path

from ._validation import Options as _Options
from ._validation import check as _check
from .errors import (
    EstimationError,
    EventDataError,
    ModelSpecError,
    OutputPathError,
    ParameterError,
    QuestionnaireError,
    ReliabilityWarning,
    ResponseDataError,
    ResponseDataWarning,
    ScreeningWarning,
    StickinessError,
    StickinessWarning,
    StudyConfigError,
    StudyWarning,
)

# Public names are imported when first used (PEP 562): `stickiness --help` and `import stickiness_research` stay
# fast, and a command loads only the layers it needs. name -> (module, attribute); attribute None: the module.
_LAZY: dict[str, tuple[str, str | None]] = {
    'CFAResult': ('measurement', 'CFAResult'),
    'EFAResult': ('measurement', 'EFAResult'),
    'InvarianceResult': ('sem.invariance', 'InvarianceResult'),
    'LatentInteraction': ('sem.moderation', 'LatentInteraction'),
    'MethodBiasResult': ('measurement', 'MethodBiasResult'),
    'ParTable': ('sem', 'ParTable'),
    'ParallelAnalysis': ('measurement', 'ParallelAnalysis'),
    'Questionnaire': ('questionnaire', 'Questionnaire'),
    'QuestionnaireWarning': ('questionnaire', 'QuestionnaireWarning'),
    'Responses': ('responses.readers', 'Responses'),
    'SEMResult': ('sem', 'SEMResult'),
    'SegmentResult': ('segments', 'SegmentResult'),
    'StudyConfig': ('study_config', 'StudyConfig'),
    'StudyResult': ('study', 'StudyResult'),
    'apply_exclusions': ('responses.quality', 'apply_exclusions'),
    'bartlett_sphericity': ('measurement', 'bartlett_sphericity'),
    'build_classroom': ('classroom', 'build_classroom'),
    'cfa': ('measurement', 'cfa'),
    'compare_group_paths': ('sem.compare', 'compare_group_paths'),
    'compare_models': ('sem.compare', 'compare_models'),
    'construct_reliability': ('measurement', 'construct_reliability'),
    'cronbach_alpha': ('measurement', 'cronbach_alpha'),
    'cross_loadings': ('measurement', 'cross_loadings'),
    'datasets': ('datasets', None),
    'efa': ('measurement', 'efa'),
    'export_questionnaire': ('questionnaire.exporters', 'export_questionnaire'),
    'factor_scores': ('sem.predict', 'factor_scores'),
    'fit_sem': ('sem', 'fit_sem'),
    'fit_pls': ('pls', 'fit_pls'),
    'PLSResult': ('pls', 'PLSResult'),
    'fornell_larcker': ('measurement', 'fornell_larcker'),
    'from_semopy': ('sem.interop', 'from_semopy'),
    'grade': ('classroom', 'grade'),
    'harman_single_factor': ('measurement', 'harman_single_factor'),
    'hierarchical': ('regression', 'hierarchical'),
    'htmt': ('measurement', 'htmt'),
    'hypothesis_table': ('sem.hypotheses', 'hypothesis_table'),
    'importance_performance': ('strategy', 'importance_performance'),
    'invariance': ('sem.invariance', 'invariance'),
    'item_descriptives': ('measurement', 'item_descriptives'),
    'item_statistics': ('measurement', 'item_statistics'),
    'k_anonymity': ('responses.privacy', 'k_anonymity'),
    'kmo': ('measurement', 'kmo'),
    'latent_interaction': ('sem.moderation', 'latent_interaction'),
    'lavaanify': ('sem', 'lavaanify'),
    'load_questionnaire': ('questionnaire', 'load_questionnaire'),
    'load_study_config': ('study_config', 'load_study_config'),
    'loads_questionnaire': ('questionnaire', 'loads_questionnaire'),
    'mardia': ('measurement', 'mardia'),
    'mediation': ('regression', 'mediation'),
    'method_bias': ('measurement', 'method_bias'),
    'moderated_mediation': ('regression', 'moderated_mediation'),
    'moderation': ('regression', 'moderation'),
    'ols': ('regression', 'ols'),
    'ordinal_logit': ('regression', 'ordinal_logit'),
    'parallel_analysis': ('measurement', 'parallel_analysis'),
    'partable_to_syntax': ('sem.interop', 'partable_to_syntax'),
    'polychoric': ('sem.polychoric', 'polychoric'),
    'power': ('planning', 'power'),
    'rmsea_power': ('planning', 'rmsea_power'),
    'rmsea_sample_size': ('planning', 'rmsea_sample_size'),
    'sample_size': ('planning', 'sample_size'),
    'SampleSizeResult': ('planning', 'SampleSizeResult'),
    'PowerTable': ('planning', 'PowerTable'),
    'run_tasks': ('executor', 'run_tasks'),
    'pseudonymize': ('responses.privacy', 'pseudonymize'),
    'quality_flags': ('responses.quality', 'quality_flags'),
    'read_responses': ('responses.readers', 'read_responses'),
    'recommendations': ('strategy', 'recommendations'),
    'reliability': ('measurement', 'reliability'),
    'ordinal_reliability': ('measurement', 'ordinal_reliability'),
    'reverse_code': ('responses.scoring', 'reverse_code'),
    'robustness_table': ('regression', 'robustness_table'),
    'run_study': ('study', 'run_study'),
    'scale_scores': ('responses.scoring', 'scale_scores'),
    'segment_respondents': ('segments', 'segment_respondents'),
    'simulate_responses': ('simulate', 'simulate_responses'),
    'latent_scores': ('simulate', 'latent_scores'),
    'read_events': ('behaviour.events', 'read_events'),
    'Events': ('behaviour.events', 'Events'),
    'simulate_events': ('behaviour.simulate', 'simulate_events'),
    'BehaviourModel': ('behaviour.simulate', 'BehaviourModel'),
    'user_metrics': ('behaviour.metrics', 'user_metrics'),
    'segment_metrics': ('behaviour.metrics', 'segment_metrics'),
    'dau_mau': ('behaviour.metrics', 'dau_mau'),
    'cohort_retention': ('behaviour.metrics', 'cohort_retention'),
    'link_survey': ('behaviour.survey', 'link_survey'),
    'criterion_validity': ('behaviour.survey', 'criterion_validity'),
    'behaviour_sem': ('behaviour.survey', 'behaviour_sem'),
    'churn_survival': ('behaviour.survey', 'churn_survival'),
    'churn_cox': ('behaviour.survey', 'churn_cox'),
    'content_preferences': ('behaviour.rules', 'content_preferences'),
    'reading_times': ('behaviour.rules', 'reading_times'),
    'association_rules': ('behaviour.rules', 'association_rules'),
    'analyze_behaviour': ('behaviour.analysis', 'analyze_behaviour'),
    'BehaviourResult': ('behaviour.analysis', 'BehaviourResult'),
    'population_thresholds': ('simulate', 'population_thresholds'),
    'to_semopy': ('sem.interop', 'to_semopy'),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'stickiness_research' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = importlib.import_module(f".{module}", __name__)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

DEFAULT_QUESTIONNAIRE = "financial_social_media_stickiness"


def _shipped_dir(folder: str) -> Path:
    """A folder of files the package ships: ``questionnaires`` or ``reports``, read as package data.

    In the repository the top-level ``questionnaires/`` and ``reports/`` are the source of truth;
    ``stickiness_research/data/<folder>`` are symlinks to them, which setuptools follows when it builds
    the wheel (real files there) and which an editable install reads through. A checkout where git
    wrote the symlinks as plain files (Windows without symlink support) falls back to the top-level folder.
    """
    shipped = Path(str(_resources.files(__name__).joinpath("data", folder)))
    if not shipped.is_dir():
        shipped = Path(__file__).parent.parent / folder
    return shipped.resolve()


def questionnaires_dir() -> Path:
    """The folder holding the built-in questionnaires.

    ``questionnaires/`` in the repository; package data (``stickiness_research/data/questionnaires``) in an
    installed wheel.

    Returns
    -------
    Path
        An absolute path (symlinks resolved): one YAML file per questionnaire, ``scales/`` with the shared
        scales, and ``questionnaire.schema.json`` (the JSON Schema editors validate the YAML against).

    Notes
    -----
    Found through :mod:`importlib.resources`, so it works from a checkout, an editable install and a wheel alike.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> folder = sr.questionnaires_dir()
    >>> folder.name, folder.is_absolute()
    ('questionnaires', True)
    >>> sorted(p.stem for p in folder.glob("*.yaml"))
    ['financial_social_media_stickiness', 'securities_app_stickiness']
    """
    return _shipped_dir("questionnaires")


def builtin_questionnaire_path(name: str = DEFAULT_QUESTIONNAIRE) -> Path:
    """Path of a built-in questionnaire by id (default: the financial WeChat stickiness instrument).

    Parameters
    ----------
    name : str
        The questionnaire's id, the stem of a YAML file in :func:`questionnaires_dir` (default
        ``"financial_social_media_stickiness"``, :data:`DEFAULT_QUESTIONNAIRE`).

    Returns
    -------
    Path
        ``questionnaires_dir() / f"{name}.yaml"``, ready for :func:`load_questionnaire`.

    Raises
    ------
    ParameterError
        ``name`` is not one of the built-in questionnaires (the message lists them).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> sr.builtin_questionnaire_path().name
    'financial_social_media_stickiness.yaml'
    >>> sr.load_questionnaire(sr.builtin_questionnaire_path("securities_app_stickiness")).id
    'securities_app_stickiness'
    >>> sr.builtin_questionnaire_path("nope")
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ParameterError: The 'name' parameter of builtin_questionnaire_path must be one of \
'financial_social_media_stickiness', 'securities_app_stickiness'. Got 'nope' instead.
    """
    available = tuple(sorted(p.stem for p in questionnaires_dir().glob("*.yaml")))
    _check(name, "name", "builtin_questionnaire_path", _Options(available))
    return questionnaires_dir() / f"{name}.yaml"


def builtin_study_path(name: str = "financial_wechat") -> Path:
    """Path of a study config shipped in ``reports/`` (default: the financial WeChat worked example).

    Parameters
    ----------
    name : str
        The config's name, the stem of a YAML file in ``reports/`` (package data ``stickiness_research/data/reports``
        in a wheel): ``"financial_wechat"`` (CB-SEM, the default), ``"financial_wechat_pls"`` (PLS-SEM) or
        ``"financial_wechat_behaviour"`` (survey and a simulated event log).

    Returns
    -------
    Path
        The YAML file, ready for :func:`load_study_config` or :func:`run_study`.

    Raises
    ------
    ParameterError
        ``name`` is not one of the shipped study configs (the message lists them).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> sr.builtin_study_path().name
    'financial_wechat.yaml'
    >>> sr.load_study_config(sr.builtin_study_path("financial_wechat_pls")).method
    'pls'
    """
    folder = _shipped_dir("reports")
    _check(name, "name", "builtin_study_path", _Options(tuple(sorted(p.stem for p in folder.glob("*.yaml")))))
    return folder / f"{name}.yaml"


__all__ = [
    "DEFAULT_QUESTIONNAIRE", "population_thresholds", "power", "build_classroom", "grade", "hypothesis_table", "EstimationError", "InvarianceResult", "invariance", "compare_group_paths", "compare_models", "LatentInteraction", "latent_interaction", "polychoric", "ModelSpecError", "OutputPathError", "StickinessWarning", "ReliabilityWarning", "ResponseDataWarning", "ScreeningWarning", "StudyWarning", "ParameterError", "Questionnaire",
    "QuestionnaireError", "QuestionnaireWarning", "ResponseDataError", "SEMResult", "StickinessError",
    "ParTable", "lavaanify", "factor_scores", "to_semopy", "from_semopy", "partable_to_syntax",
    "builtin_questionnaire_path", "cronbach_alpha", "item_statistics", "datasets", "fit_sem", "fit_pls", "PLSResult", "load_questionnaire",
    "loads_questionnaire", "questionnaires_dir", "reliability", "reverse_code", "scale_scores",
    "simulate_responses",
    # measurement layer
    "CFAResult", "EFAResult", "MethodBiasResult", "ParallelAnalysis", "bartlett_sphericity", "cfa",
    "construct_reliability", "ordinal_reliability", "cross_loadings", "efa", "fornell_larcker", "harman_single_factor", "htmt",
    "item_descriptives", "kmo", "mardia", "method_bias", "parallel_analysis",
    # responses, segments, strategy, studies
    "apply_exclusions", "quality_flags", "SegmentResult", "segment_respondents", "importance_performance",
    "recommendations", "StudyResult", "run_study", "StudyConfig", "StudyConfigError", "load_study_config",
    "builtin_study_path", "export_questionnaire", "Responses", "read_responses", "k_anonymity", "pseudonymize",
    # regression layer
    "hierarchical", "mediation", "moderated_mediation", "moderation", "ols", "ordinal_logit", "robustness_table",
    # study planning (RMSEA power, Monte Carlo sample size; Monte Carlo power is "power" above; run_tasks: the
    # executor of simulation studies, in process, joblib or Dask)
    "rmsea_power", "rmsea_sample_size", "sample_size", "SampleSizeResult", "PowerTable", "run_tasks",
    # behaviour beside attitude: event logs, behavioural stickiness, retention, churn, content rules
    "EventDataError", "latent_scores", "read_events", "Events", "simulate_events", "BehaviourModel", "user_metrics",
    "segment_metrics", "dau_mau", "cohort_retention", "link_survey", "criterion_validity", "behaviour_sem",
    "churn_survival", "churn_cox", "content_preferences", "reading_times", "association_rules", "analyze_behaviour",
    "BehaviourResult",
]
