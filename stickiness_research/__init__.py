"""stickiness_research: why users keep coming back, from questionnaire to strategy.

The public API (stable names)::

    import stickiness_research as sr
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    df = sr.simulate_responses(q, n=500, seed=1)
    res = sr.fit_sem(q.model_syntax(), sr.reverse_code(df, q))
"""

from __future__ import annotations

from pathlib import Path

from . import datasets
from ._validation import Options as _Options
from ._validation import check as _check
from .classroom import build_classroom, grade
from .errors import (
    EstimationError,
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
from .measurement import (
    CFAResult,
    EFAResult,
    MethodBiasResult,
    ParallelAnalysis,
    bartlett_sphericity,
    cfa,
    construct_reliability,
    cronbach_alpha,
    cross_loadings,
    efa,
    fornell_larcker,
    harman_single_factor,
    htmt,
    item_descriptives,
    item_statistics,
    kmo,
    mardia,
    method_bias,
    parallel_analysis,
    reliability,
)
from .power import power
from .questionnaire import Questionnaire, QuestionnaireWarning, load_questionnaire, loads_questionnaire
from .questionnaire.exporters import export_questionnaire
from .regression import (
    hierarchical,
    mediation,
    moderated_mediation,
    moderation,
    ols,
    ordinal_logit,
    robustness_table,
)
from .responses.privacy import k_anonymity, pseudonymize
from .responses.quality import apply_exclusions, quality_flags
from .responses.readers import Responses, read_responses
from .responses.scoring import reverse_code, scale_scores
from .segments import SegmentResult, segment_respondents
from .sem import ParTable, SEMResult, fit_sem, lavaanify
from .sem.compare import compare_group_paths, compare_models
from .sem.hypotheses import hypothesis_table
from .sem.interop import from_semopy, partable_to_syntax, to_semopy
from .sem.invariance import InvarianceResult, invariance
from .sem.moderation import LatentInteraction, latent_interaction
from .sem.polychoric import polychoric
from .sem.predict import factor_scores
from .simulate import simulate_responses
from .strategy import importance_performance, recommendations
from .study import StudyResult, run_study
from .study_config import StudyConfig, load_study_config

__version__ = "0.1.0"

DEFAULT_QUESTIONNAIRE = "financial_social_media_stickiness"


def questionnaires_dir() -> Path:
    """The folder holding the built-in questionnaires (``questionnaires/`` in the repository)."""
    return Path(__file__).resolve().parent.parent / "questionnaires"


def builtin_questionnaire_path(name: str = DEFAULT_QUESTIONNAIRE) -> Path:
    """Path of a built-in questionnaire by id (default: the financial WeChat stickiness instrument).

    Raises
    ------
    ParameterError
        ``name`` is not one of the built-in questionnaires (the message lists them).
    """
    available = tuple(sorted(p.stem for p in questionnaires_dir().glob("*.yaml")))
    _check(name, "name", "builtin_questionnaire_path", _Options(available))
    return questionnaires_dir() / f"{name}.yaml"


def builtin_study_path(name: str = "financial_wechat") -> Path:
    """Path of a study config shipped in ``reports/`` (default: the financial WeChat worked example).

    Raises
    ------
    ParameterError
        ``name`` is not one of the shipped study configs (the message lists them).
    """
    folder = questionnaires_dir().parent / "reports"
    _check(name, "name", "builtin_study_path", _Options(tuple(sorted(p.stem for p in folder.glob("*.yaml")))))
    return folder / f"{name}.yaml"


__all__ = [
    "DEFAULT_QUESTIONNAIRE", "power", "build_classroom", "grade", "hypothesis_table", "EstimationError", "InvarianceResult", "invariance", "compare_group_paths", "compare_models", "LatentInteraction", "latent_interaction", "polychoric", "ModelSpecError", "OutputPathError", "StickinessWarning", "ReliabilityWarning", "ResponseDataWarning", "ScreeningWarning", "StudyWarning", "ParameterError", "Questionnaire",
    "QuestionnaireError", "QuestionnaireWarning", "ResponseDataError", "SEMResult", "StickinessError",
    "ParTable", "lavaanify", "factor_scores", "to_semopy", "from_semopy", "partable_to_syntax",
    "builtin_questionnaire_path", "cronbach_alpha", "item_statistics", "datasets", "fit_sem", "load_questionnaire",
    "loads_questionnaire", "questionnaires_dir", "reliability", "reverse_code", "scale_scores",
    "simulate_responses",
    # measurement layer
    "CFAResult", "EFAResult", "MethodBiasResult", "ParallelAnalysis", "bartlett_sphericity", "cfa",
    "construct_reliability", "cross_loadings", "efa", "fornell_larcker", "harman_single_factor", "htmt",
    "item_descriptives", "kmo", "mardia", "method_bias", "parallel_analysis",
    # responses, segments, strategy, studies
    "apply_exclusions", "quality_flags", "SegmentResult", "segment_respondents", "importance_performance",
    "recommendations", "StudyResult", "run_study", "StudyConfig", "StudyConfigError", "load_study_config",
    "builtin_study_path", "export_questionnaire", "Responses", "read_responses", "k_anonymity", "pseudonymize",
    # regression layer
    "hierarchical", "mediation", "moderated_mediation", "moderation", "ols", "ordinal_logit", "robustness_table",
]
