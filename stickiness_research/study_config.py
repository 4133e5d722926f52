"""Study configs (``reports/<study>.yaml``): what to analyse, how, and what to write — validated with file:line errors.

A study names its questionnaire, where the data come from (a file exported by a survey tool, or a
simulation with a seed), the cleaning rules, the model and its alternatives, the grouping
variables, which analyses to run and the report's language and formats. Relative paths are
resolved against the config file's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import StudyConfigError
from .questionnaire.loader import _from_validation_error, _line_of, _parse_yaml, _plain
from .questionnaire.schema import Identifier, LangText


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StudyMeta(_Strict):
    id: Identifier
    title: LangText
    authors: list[str] = Field(default_factory=list)


class SimulationSpec(_Strict):
    """Simulated respondents from the questionnaire's population model (the known truth)."""

    n: int = Field(ge=20, le=1_000_000)
    seed: int
    careless: float = Field(default=0.0, ge=0, le=0.5)
    missing: float = Field(default=0.0, ge=0, le=0.5)


class DataSpec(_Strict):
    """Either a response file (with its source tool) or a simulation."""

    file: str | None = None
    source: Literal["auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo"] = "auto"
    simulate: SimulationSpec | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        if (self.file is None) == (self.simulate is None):
            raise ValueError("give exactly one of 'file' (a survey export) or 'simulate' (n and seed)")
        return self


class CleaningSpec(_Strict):
    """Which quality flags exclude a respondent (flags are always computed and reported)."""

    attention: bool = True
    speeder: bool = True
    seconds_per_item: float = Field(default=2.0, gt=0)
    longstring: int | None = Field(default=None, ge=2)
    mahalanobis: bool = False
    duplicates: bool = True
    max_missing_share: float = Field(default=0.5, gt=0, le=1)


class AlternativeModel(_Strict):
    """A rival model: explicit syntax, or the hypothesised model without some hypothesised paths."""

    name: Identifier
    description: str | None = None
    syntax: str | None = None
    drop_hypotheses: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_definition(self) -> AlternativeModel:
        if (self.syntax is None) == (not self.drop_hypotheses):
            raise ValueError("give exactly one of 'syntax' or 'drop_hypotheses'")
        return self


class ModelSpec(_Strict):
    syntax: str | None = None  # default: the questionnaire's hypothesised model
    estimator: Literal["ML", "MLR"] = "ML"
    missing: Literal["listwise", "ml"] = "listwise"  # "ml": full-information ML (with estimator ML)
    outcome: str | None = None  # default: the construct no hypothesis leads away from


class AnalysesSpec(_Strict):
    measurement: bool = True
    efa: bool = True
    method_bias: bool = True
    bootstrap: int = Field(default=1000, ge=0, le=100_000)
    ci: Literal["percentile", "bca"] = "percentile"
    htmt_bootstrap: int = Field(default=500, ge=0, le=100_000)
    invariance: bool = True
    regression: bool = True
    segments: bool = True
    max_segments: int = Field(default=5, ge=2, le=10)
    strategy: bool = True
    n_jobs: int = Field(default=1, ge=1, le=64)


class ReportSpec(_Strict):
    language: Literal["en", "zh"] = "en"
    formats: list[Literal["html", "md", "docx", "json"]] = Field(default_factory=lambda: ["html", "md", "docx",
                                                                                         "json"])
    min_cell: int = Field(default=5, ge=1, le=100)  # demographic cells smaller than this are suppressed


class StudyConfig(_Strict):
    """A validated study config; build one with :func:`load_study_config`."""

    study: StudyMeta
    questionnaire: str
    data: DataSpec
    cleaning: CleaningSpec = Field(default_factory=CleaningSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    alternatives: list[AlternativeModel] = Field(default_factory=list)
    groups: list[Identifier] = Field(default_factory=list)
    analyses: AnalysesSpec = Field(default_factory=AnalysesSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)
    seed: int = 1

    _source: Path | None = None

    @property
    def source(self) -> Path | None:
        return self._source

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path)
        return p if p.is_absolute() or self._source is None else (self._source.parent / p)


def load_study_config(path: str | Path) -> StudyConfig:
    """Load and validate a study config.

    Raises
    ------
    StudyConfigError
        With file, line, field and hint for the first problem (also for a questionnaire or data
        file that does not exist, or a hypothesis id in ``drop_hypotheses`` that is not a hypothesis).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> cfg = sr.load_study_config(sr.builtin_study_path())
    >>> cfg.study.id, cfg.data.simulate.n
    ('financial_wechat', 600)
    """
    path = Path(path)
    if not path.is_file():
        raise StudyConfigError("file not found.", file=str(path), hint="Study configs live in reports/<study>.yaml.")
    text = path.read_text(encoding="utf-8")
    tree = _parse_yaml(text, str(path), StudyConfigError)
    if not isinstance(tree, dict):
        raise StudyConfigError("the file must hold a mapping with keys study, questionnaire, data, ...",
                               file=str(path), line=1, hint="Start from reports/financial_wechat.yaml.")
    try:
        cfg = StudyConfig.model_validate(_plain(tree))
    except ValidationError as exc:
        raise _from_validation_error(exc, tree, str(path), StudyConfig, StudyConfigError) from None
    cfg._source = path.resolve()
    _check_paths(cfg, tree, str(path))
    return cfg


def _check_paths(cfg: StudyConfig, tree, source: str) -> None:
    from .questionnaire import load_questionnaire

    q_path = cfg.resolve(cfg.questionnaire)
    if not q_path.is_file():
        raise StudyConfigError(f"questionnaire file {str(q_path)!r} does not exist.", file=source,
                               line=_line_of(tree, ("questionnaire",)), field="questionnaire",
                               hint="Paths are relative to the study config's folder.")
    if cfg.data.file is not None and not cfg.resolve(cfg.data.file).is_file():
        raise StudyConfigError(f"data file {str(cfg.resolve(cfg.data.file))!r} does not exist.", file=source,
                               line=_line_of(tree, ("data", "file")), field="data.file",
                               hint="Paths are relative to the study config's folder.")
    q = load_questionnaire(q_path)
    ids = {h.id for h in q.hypotheses}
    for k, alt in enumerate(cfg.alternatives):
        unknown = [h for h in alt.drop_hypotheses if h not in ids]
        if unknown:
            raise StudyConfigError(f"{unknown[0]!r} is not a hypothesis of {q.meta.id}.", file=source,
                                   line=_line_of(tree, ("alternatives", k, "drop_hypotheses")),
                                   field=f"alternatives[{k}].drop_hypotheses",
                                   hint=f"Hypotheses: {', '.join(sorted(ids))}.")
    known = {d.id for d in q.demographics}
    for k, g in enumerate(cfg.groups):
        if g not in known and cfg.data.simulate is not None:
            raise StudyConfigError(f"group {g!r} is not a demographic question of {q.meta.id}.", file=source,
                                   line=_line_of(tree, ("groups", k)), field=f"groups[{k}]",
                                   hint=f"Demographics: {', '.join(sorted(known))}.")
    if cfg.model.outcome is not None and cfg.model.outcome not in q.construct_ids:
        raise StudyConfigError(f"outcome {cfg.model.outcome!r} is not a construct of {q.meta.id}.", file=source,
                               line=_line_of(tree, ("model", "outcome")), field="model.outcome",
                               hint=f"Constructs: {', '.join(q.construct_ids)}.")
