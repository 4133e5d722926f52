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

from ._validation import PATH, KeyedValueError, check
from .errors import ModelSpecError, StudyConfigError, did_you_mean
from .questionnaire.loader import _from_validation_error, _line_of, _parse_yaml, _plain, read_text
from .questionnaire.schema import Identifier, LangText, Questionnaire
from .responses.quality import MIN_ITEMS_IDENTICAL_ANSWERS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StudyMeta(_Strict):
    id: Identifier
    title: LangText
    authors: list[str] = Field(default_factory=list)


class SimulationSpec(_Strict):
    """Simulated respondents from the questionnaire's population model (the known truth)."""

    n: int = Field(ge=20, le=1_000_000, strict=True)  # strict: `n: true` or `n: "300"` is a mistake, not 1 or 300
    seed: int = Field(ge=0, strict=True)
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
    longstring: int | None = Field(default=None, ge=2, strict=True)
    mahalanobis: bool = False
    duplicates: bool = True  # repeated submissions: same respondent id, or same IP / timestamp and answers
    identical_answers: bool = False  # opt-in: identical answer vectors (needs >= 10 items)
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
    # WLSMV: the Likert items as ordered categories (lavaan ordered = + estimator = "WLSMV")
    estimator: Literal["ML", "MLR", "WLSMV"] = "ML"
    # "ml": full-information ML (ML/MLR); "pairwise": WLSMV's pairwise-present statistics
    missing: Literal["listwise", "ml", "pairwise"] = "listwise"
    ordered: Literal["all"] | list[Identifier] | None = None  # with WLSMV; default then: all items
    outcome: str | None = None  # default: the construct no hypothesis leads away from

    @model_validator(mode="after")
    def _ordered_with_wlsmv(self) -> ModelSpec:
        if self.ordered is not None and self.estimator != "WLSMV":
            raise ValueError("ordered items are estimated by WLSMV: add 'estimator: WLSMV' (or remove 'ordered')")
        if self.estimator == "WLSMV" and self.missing == "ml":
            raise ValueError("WLSMV uses listwise-complete rows (lavaan's default for ordered items) or "
                             "'missing: pairwise'; 'missing: ml' is full-information ML")
        if self.estimator != "WLSMV" and self.missing == "pairwise":
            raise ValueError("'missing: pairwise' is for ordered items (estimator: WLSMV); use 'missing: ml' with ML")
        return self

    @property
    def ordered_items(self) -> bool | list[str] | None:
        """fit_sem's ``ordered=``: True for all items (the default with WLSMV), a list, or None (ML/MLR)."""
        if self.estimator != "WLSMV":
            return None
        return True if self.ordered in (None, "all") else list(self.ordered)


class AnalysesSpec(_Strict):
    measurement: bool = True
    efa: bool = True
    method_bias: bool = True
    bootstrap: int = Field(default=1000, ge=0, le=100_000, strict=True)
    ci: Literal["percentile", "bca", "studentized"] = "percentile"
    htmt_bootstrap: int = Field(default=500, ge=0, le=100_000, strict=True)
    invariance: bool = True
    regression: bool = True
    segments: bool = True
    max_segments: int = Field(default=5, ge=2, le=10, strict=True)
    strategy: bool = True
    n_jobs: int = Field(default=1, ge=1, le=64, strict=True)


class PowerSpec(_Strict):
    """A planning section: Monte Carlo power of each hypothesis at some sample sizes (sr.power), optionally the
    smallest N reaching a target power (sr.sample_size), and the RMSEA power of the fitted model's df."""

    n: list[int] = Field(default_factory=lambda: [200, 300, 500])
    replications: int = Field(default=200, ge=10, le=100_000, strict=True)
    target: float | None = Field(default=None, gt=0, lt=1)  # e.g. 0.8: search the N reaching it
    rmsea0: float = Field(default=0.05, ge=0, lt=1)  # RMSEA power: close fit (.05) against not close (.08)
    rmsea_a: float = Field(default=0.08, ge=0, lt=1)

    @model_validator(mode="after")
    def _sizes(self) -> PowerSpec:
        if not self.n or any(x < 30 for x in self.n):
            raise ValueError("n must list sample sizes of at least 30, e.g. [200, 300, 500]")
        if self.rmsea0 == self.rmsea_a:
            raise ValueError("rmsea0 and rmsea_a must differ (the RMSEA of the null and of the alternative)")
        return self


class EventSimulationSpec(_Strict):
    """An event log simulated from the respondents' constructs (the true latent scores when the survey data are
    simulated too, their scale scores otherwise): behaviour with a known truth."""

    days: int = Field(default=90, ge=14, le=3660, strict=True)
    seed: int = Field(ge=0, strict=True)
    push_every: float = Field(default=2.5, gt=0, le=30)  # days between pushes, the lever of the simulation


class EventsSpec(_Strict):
    """A behaviour section: the respondents' usage logs (a Parquet/CSV file or glob, or a simulation)."""

    file: str | None = None  # Parquet or CSV, or a glob such as logs/*.parquet (relative to this config)
    simulate: EventSimulationSpec | None = None
    columns: dict[str, str] = Field(default_factory=dict)  # our column names -> the log's (user_id: openid)
    event_types: dict[str, str] = Field(default_factory=dict)  # the log's event names -> ours (article_view: read)
    segment: Identifier | None = None  # default product_type when the questionnaire asks it
    outcome: Literal["visits_per_week", "active_days", "active_share", "lifetime_days", "read_completion",
                     "share_rate", "sessions"] = "visits_per_week"  # the behaviour the SEM predicts
    churn_after: int = Field(default=14, ge=1, le=365, strict=True)  # days without activity that count as churn
    min_support: float = Field(default=0.05, gt=0, le=1)  # association rules
    min_lift: float = Field(default=1.2, ge=0)

    @model_validator(mode="after")
    def _one_source(self) -> EventsSpec:
        if (self.file is None) == (self.simulate is None):
            raise ValueError("give exactly one of 'file' (an event log) or 'simulate' (days and seed)")
        return self


class ReportSpec(_Strict):
    language: Literal["en", "zh"] = "en"
    formats: list[Literal["html", "md", "docx", "json"]] = Field(default_factory=lambda: ["html", "md", "docx",
                                                                                         "json"])
    min_cell: int = Field(default=5, ge=1, le=100, strict=True)  # demographic cells smaller than this are suppressed


class StudyConfig(_Strict):
    """A validated study config; build one with :func:`load_study_config`.

    Attributes
    ----------
    study : StudyMeta
        ``id`` (an identifier, used in output names), ``title`` (text per language) and ``authors``.
    questionnaire : str
        Path of the questionnaire YAML, relative to the config file's folder.
    data : DataSpec
        ``file`` (a survey export) with its ``source`` tool, or ``simulate`` (``n``, ``seed``, ``careless``,
        ``missing``).
    cleaning : CleaningSpec
        Which quality flags exclude a respondent (attention, speeder, straightlining, ...).
    model : ModelSpec
        ``syntax`` (default: the questionnaire's hypothesised model), ``estimator`` (``ML``, ``MLR``, ``WLSMV``),
        ``missing``, ``ordered``.
    alternatives : list of AlternativeModel
        Rival models compared with the hypothesised one.
    groups : list of str
        Grouping variables for measurement invariance and group path comparisons.
    analyses : AnalysesSpec
        Which analyses run (measurement, EFA, method bias, invariance, regression, segments, strategy) and the
        bootstrap settings (``bootstrap`` resamples, ``ci``, ``htmt_bootstrap``, ``n_jobs``).
    report : ReportSpec
        ``language`` (``en`` or ``zh``), ``formats`` (html, md, docx, json) and ``min_cell`` (smallest
        demographic cell shown).
    seed : int
        Seed of every random step of the study (0 to 2**32 - 1; default 1).
    method : {"cbsem", "pls", "both"}
        Covariance-based SEM, PLS-SEM alone, or PLS-SEM beside CB-SEM (default ``cbsem``).
    power : PowerSpec or None
        A planning section (Monte Carlo and RMSEA power); none by default.
    events : EventsSpec or None
        A behaviour section (usage logs beside the survey); none by default.

    Raises
    ------
    QuestionnaireError
        From :meth:`loaded_questionnaire`, when the questionnaire file cannot be loaded.
    pydantic.ValidationError
        When constructed directly from invalid fields (an unknown key, a value out of range, a setting
        ``method: pls`` refuses); :func:`load_study_config` reports the same problems as a
        :class:`~stickiness_research.StudyConfigError` with file and line.

    Notes
    -----
    Unknown keys are refused (a misspelt key is an error, not silently ignored). With ``method: pls`` the
    CB-SEM-only settings (``model.estimator``, ``model.ordered``, ``model.missing``, ``alternatives``, ``groups``,
    ``power``) are refused and ``analyses.bootstrap`` must be positive. The format's JSON Schema is
    ``reports/study.schema.json`` (``stickiness schema study``).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> cfg = sr.load_study_config(sr.builtin_study_path())
    >>> cfg.method, cfg.groups, cfg.model.estimator, cfg.analyses.bootstrap
    ('both', ['product_type'], 'MLR', 1000)
    >>> cfg.resolve(cfg.questionnaire).name
    'financial_social_media_stickiness.yaml'
    """

    study: StudyMeta
    questionnaire: str
    data: DataSpec
    cleaning: CleaningSpec = Field(default_factory=CleaningSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    alternatives: list[AlternativeModel] = Field(default_factory=list)
    groups: list[Identifier] = Field(default_factory=list)
    analyses: AnalysesSpec = Field(default_factory=AnalysesSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)
    # scikit-learn (segments) takes 32-bit seeds; a larger one is refused here, with the config's line
    seed: int = Field(default=1, ge=0, le=2**32 - 1, strict=True)
    # cbsem: covariance-based SEM (lavaan's); pls: PLS-SEM (seminr's) alone; both: PLS-SEM beside CB-SEM in the report
    method: Literal["cbsem", "pls", "both"] = "cbsem"
    power: PowerSpec | None = None  # a planning section (Monte Carlo and RMSEA power) in the report
    events: EventsSpec | None = None  # a behaviour section: usage logs beside the survey

    @model_validator(mode="after")
    def _studentized_is_pls(self) -> StudyConfig:
        """Studentized (bootstrap-t) intervals exist for the PLS bootstrap only."""
        if self.analyses.ci == "studentized" and self.method != "pls":
            raise KeyedValueError("analyses.ci: studentized (bootstrap-t) intervals are available for PLS-SEM "
                                  "(method: pls); for CB-SEM use 'percentile' or 'bca'", ("analyses", "ci"))
        return self

    @model_validator(mode="after")
    def _pls_only(self) -> StudyConfig:
        """A PLS-only study has no covariance-based model: refuse the settings that only CB-SEM uses."""
        if self.method != "pls":
            return self
        cb_only = [(self.model.estimator != "ML", ("model", "estimator"), "model.estimator (an estimator of CB-SEM)"),
                   (self.model.ordered is not None, ("model", "ordered"), "model.ordered (WLSMV's ordered items)"),
                   (self.model.missing != "listwise", ("model", "missing"),
                    "model.missing (PLS-SEM uses complete rows here)"),
                   (bool(self.alternatives), ("alternatives",),
                    "alternatives (chi-square/AIC/BIC comparisons of CB-SEM models)"),
                   (bool(self.groups), ("groups",), "groups (CB-SEM measurement invariance and group path tests; "
                                                    "with PLS use sr.fit_pls(...).micom / .mga)"),
                   (self.power is not None, ("power",),
                    "power (Monte Carlo power of the CB-SEM estimates and RMSEA power)")]
        found = [(key, what) for bad, key, what in cb_only if bad]
        if found:
            raise KeyedValueError(f"method: pls estimates PLS-SEM only, so {found[0][1]} does not apply; remove it, "
                                  "or use 'method: both' for CB-SEM beside PLS-SEM", found[0][0])
        if self.analyses.bootstrap == 0:
            raise KeyedValueError("method: pls tests the hypotheses by bootstrap (PLS-SEM has no analytic standard "
                                  "errors); set analyses.bootstrap to a number of resamples (5000 for publication)",
                                  ("analyses", "bootstrap"))
        return self

    _source: Path | None = None
    _lines: dict[str, int] = {}  # line of each key a later check may name
    _shown: str | None = None  # the path as the user gave it
    # (path, file bytes, Questionnaire) loaded while checking the config; run_study reuses it (see loaded_questionnaire)
    _questionnaire: tuple | None = None

    @property
    def source(self) -> Path | None:
        return self._source

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path)
        return p if p.is_absolute() or self._source is None else (self._source.parent / p)

    def loaded_questionnaire(self) -> Questionnaire:
        """The config's questionnaire, loaded from its file (a fresh copy on every call).

        Loading a questionnaire (YAML with line numbers, validation, rules) takes a few hundred
        milliseconds, and checking the config has already done it once: while the file is unchanged
        (same path, same bytes) a deep copy of that load is returned instead of parsing it again.

        Returns
        -------
        Questionnaire

        Raises
        ------
        QuestionnaireError
            The file cannot be loaded.

        Examples
        --------
        >>> import stickiness_research as sr
        >>> cfg = sr.load_study_config(sr.builtin_study_path())
        >>> cfg.loaded_questionnaire().meta.id
        'financial_social_media_stickiness'
        """
        from .questionnaire import load_questionnaire

        path = self.resolve(self.questionnaire)
        if self._questionnaire is not None:
            loaded_path, loaded_bytes, q = self._questionnaire
            if loaded_path == path and path.is_file() and path.read_bytes() == loaded_bytes:
                return q.model_copy(deep=True)  # a copy: results must not share one mutable questionnaire
        return load_questionnaire(path)

    def _remember_questionnaire(self, q: Questionnaire, file_bytes: bytes) -> None:
        """Keep ``q``, loaded from this config's questionnaire file, for :meth:`loaded_questionnaire`.

        ``file_bytes`` are the file's bytes read *before* loading it: should the file change in between,
        they do not match it and the next call reloads, rather than reuse a copy of older content.
        """
        self._questionnaire = (self.resolve(self.questionnaire), file_bytes, q)

    def error(self, message: str, field: str, hint: str | None = None) -> StudyConfigError:
        """A :class:`StudyConfigError` located at ``field`` (e.g. ``groups[0]``) of this config's file."""
        return StudyConfigError(message, file=self._shown or (str(self._source) if self._source else None),
                                line=self._lines.get(field), field=field, hint=hint)


def load_study_config(path: str | Path) -> StudyConfig:
    r"""Load and validate a study config.

    Parameters
    ----------
    path : str or Path
        The YAML file (``reports/<study>.yaml``; :func:`~stickiness_research.builtin_study_path` for the
        shipped ones). Relative paths inside it are resolved against its folder.

    Returns
    -------
    StudyConfig
        Validated, with defaults filled in; the questionnaire it names has been loaded and checked once (kept
        for :meth:`StudyConfig.loaded_questionnaire`).

    Raises
    ------
    ParameterError
        ``path`` is not a str or Path.
    StudyConfigError
        With file, line, field and hint for the first problem (also for a questionnaire or data
        file that does not exist, or a hypothesis id in ``drop_hypotheses`` that is not a hypothesis).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> cfg = sr.load_study_config(sr.builtin_study_path())
    >>> cfg.study.id, cfg.data.simulate.n
    ('financial_wechat', 600)

    A mistake is reported with its file and line:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp(), "study.yaml")
    >>> _ = path.write_text("\n".join(["study: {id: demo, title: {en: Demo}}",
    ...                                 f"questionnaire: {sr.builtin_questionnaire_path()}",
    ...                                 "data:", "  simulate: {n: 10, seed: 1}"]))
    >>> try:
    ...     sr.load_study_config(path)
    ... except sr.StudyConfigError as exc:
    ...     print(str(exc).split("study.yaml")[1])
    :4: data.simulate.n: Input should be greater than or equal to 20 (got 10).
    """
    check(path, "path", "load_study_config", PATH)
    path = Path(path)
    text, _ = read_text(path, StudyConfigError, hint_missing="Study configs live in reports/<study>.yaml.")
    tree = _parse_yaml(text, str(path), StudyConfigError)
    if not isinstance(tree, dict):
        raise StudyConfigError("the file must hold a mapping with keys study, questionnaire, data, ...",
                               file=str(path), line=1, hint="Start from reports/financial_wechat.yaml.")
    try:
        cfg = StudyConfig.model_validate(_plain(tree))
    except ValidationError as exc:
        raise _from_validation_error(exc, tree, str(path), StudyConfig, StudyConfigError) from None
    cfg._source, cfg._shown = path.resolve(), str(path)
    cfg._lines = {f"groups[{k}]": _line_of(tree, ("groups", k)) for k in range(len(cfg.groups))}
    cfg._lines |= {key: _line_of(tree, tuple(key.split("."))) for key in ("data.file", "data.simulate.n",
                                                                            "model.syntax")}
    _check_paths(cfg, tree, str(path))
    return cfg


def _check_paths(cfg: StudyConfig, tree, source: str) -> None:
    from .questionnaire import load_questionnaire

    for key, label, rel in (("questionnaire", "questionnaire file", cfg.questionnaire),
                            ("data.file", "data file", cfg.data.file)):
        target = None if rel is None else cfg.resolve(rel)
        if target is not None and not target.is_file():
            what = "is a directory, not a file" if target.is_dir() else "does not exist"
            raise StudyConfigError(f"{label} {str(target)!r} {what}.", file=source,
                                   line=_line_of(tree, tuple(key.split("."))), field=key,
                                   hint="Paths are relative to the study config's folder.")
    q_file = cfg.resolve(cfg.questionnaire)
    q_bytes = q_file.read_bytes()
    q = load_questionnaire(q_file)
    cfg._remember_questionnaire(q, q_bytes)  # run_study reuses this load while the file is unchanged
    ids = {h.id for h in q.hypotheses}
    seen: set[str] = set()
    for k, alt in enumerate(cfg.alternatives):
        if alt.name in seen or alt.name == "hypothesised":  # the table's rows are keyed by these names
            raise StudyConfigError(f"alternative model name {alt.name!r} is "
                                   + ("used twice" if alt.name in seen else "the hypothesised model's") + ".",
                                   file=source, line=_line_of(tree, ("alternatives", k, "name")),
                                   field=f"alternatives[{k}].name", hint="Give each alternative its own name.")
        seen.add(alt.name)
        unknown = [h for h in alt.drop_hypotheses if h not in ids]
        if unknown:
            raise StudyConfigError(f"{unknown[0]!r} is not a hypothesis of {q.meta.id}.", file=source,
                                   line=_line_of(tree, ("alternatives", k, "drop_hypotheses")),
                                   field=f"alternatives[{k}].drop_hypotheses",
                                   hint=f"Hypotheses: {', '.join(sorted(ids))}.")
    known = {d.id for d in q.demographics}
    for k, g in enumerate(cfg.groups):
        if g not in known:  # the readers keep only the questionnaire's columns, so a group must be one of them
            raise StudyConfigError(f"group {g!r} is not a demographic question of {q.meta.id}, so the data "
                                   "have no such column.", file=source, line=_line_of(tree, ("groups", k)),
                                   field=f"groups[{k}]", hint=f"Demographics: {', '.join(sorted(known))}.")
    if cfg.cleaning.identical_answers and len(q.items) < MIN_ITEMS_IDENTICAL_ANSWERS:
        raise StudyConfigError(f"identical_answers needs at least {MIN_ITEMS_IDENTICAL_ANSWERS} items; "
                               f"{q.meta.id} has {len(q.items)}, and on so few items attentive respondents often "
                               "give the same answers.", file=source,
                               line=_line_of(tree, ("cleaning", "identical_answers")),
                               field="cleaning.identical_answers", hint="Set it to false.")
    columns = set(q.item_ids) | known | {a.id for a in q.attention_checks}
    _check_syntax(cfg.model.syntax, ("model", "syntax"), columns, tree, source)
    for k, alt in enumerate(cfg.alternatives):
        _check_syntax(alt.syntax, ("alternatives", k, "syntax"), columns, tree, source)
    if cfg.events is not None and cfg.events.file is not None:
        import glob

        pattern = str(cfg.resolve(cfg.events.file))
        found = glob.glob(pattern) if any(ch in pattern for ch in "*?[") else [pattern] * Path(pattern).is_file()
        if not found:
            raise StudyConfigError(f"event log {pattern!r} does not exist (no file matches).", file=source,
                                   line=_line_of(tree, ("events", "file")), field="events.file",
                                   hint="Paths are relative to the study config's folder; a glob such as "
                                        "logs/*.parquet reads several files.")
    if cfg.events is not None and cfg.events.segment is not None and cfg.events.segment not in known:
        raise StudyConfigError(f"segment {cfg.events.segment!r} is not a demographic question of {q.meta.id}.",
                               file=source, line=_line_of(tree, ("events", "segment")), field="events.segment",
                               hint=f"Demographics: {', '.join(sorted(known))}.")
    if cfg.model.outcome is not None and cfg.model.outcome not in q.construct_ids:
        raise StudyConfigError(f"outcome {cfg.model.outcome!r} is not a construct of {q.meta.id}.", file=source,
                               line=_line_of(tree, ("model", "outcome")), field="model.outcome",
                               hint=f"Constructs: {', '.join(q.construct_ids)}.")


def _check_syntax(syntax: str | None, loc: tuple, columns: set[str], tree, source: str) -> None:
    """Model syntax that parses, and whose observed variables are columns the data will have."""
    from .sem.syntax import parse_syntax, variable_names

    if syntax is None:
        return
    field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))
    where = {"file": source, "line": _line_of(tree, loc), "field": field}
    try:
        names = variable_names(parse_syntax(syntax)[0])
    except ModelSpecError as exc:
        raise StudyConfigError(str(exc), **where) from None
    unknown = [v for v in names.ov if v not in columns]
    if unknown:
        near = did_you_mean(unknown[0], sorted(columns | set(names.lv))).strip()
        raise StudyConfigError(f"model variable {unknown[0]!r} is neither a latent variable defined with '=~' nor "
                               "an item or demographic of the questionnaire"
                               + (f" ({len(unknown) - 1} more)" if len(unknown) > 1 else "") + ".",
                               hint=near or "Define it with '=~' or "
                               "use item ids.", **where)
