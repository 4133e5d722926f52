"""Pydantic schema of a questionnaire definition (the YAML files in ``questionnaires/``).

The schema checks the shape of each block; cross-references between blocks (an item naming an
unknown construct, duplicate ids, ...) are checked in :mod:`.rules`, where each problem can be
traced back to its line in the YAML file.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
# A human-readable text in every declared language: {"zh": "...", "en": "..."}.
LangText = dict[str, Annotated[str, StringConstraints(min_length=1)]]


class _Strict(BaseModel):
    # Unknown keys are errors: a typo such as `revers: true` must not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class Meta(_Strict):
    id: Identifier
    version: str
    title: LangText
    description: LangText | None = None
    languages: list[str] = Field(min_length=1)
    default_language: str | None = None
    authors: list[str] = Field(default_factory=list)
    citation: str | None = None
    intro: LangText | None = None

    @property
    def language(self) -> str:
        """The language used when none is asked for."""
        return self.default_language or self.languages[0]


class ResponseSet(_Strict):
    """A closed answer scale. Likert sets are ordinal, coded 1..points."""

    type: Literal["likert", "nominal"] = "likert"
    points: int = Field(ge=2, le=11)
    labels: dict[str, list[str]]

    @property
    def ordinal(self) -> bool:
        return self.type == "likert"

    @property
    def codes(self) -> list[int]:
        return list(range(1, self.points + 1))

    @property
    def minimum(self) -> int:
        return 1

    @property
    def maximum(self) -> int:
        return self.points


class Construct(_Strict):
    id: Identifier
    name: LangText
    definition: LangText | None = None
    source: str | None = None


with warnings.catch_warnings():
    # `construct` is the natural name for an item's construct; it shadows pydantic's deprecated
    # BaseModel.construct(), which this project never calls.
    warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)

    class Item(_Strict):
        id: Identifier
        construct: str
        text: LangText
        response_set: str | None = None
        reverse: bool = False
        required: bool = True
        source: str | None = None


class AttentionCheck(_Strict):
    """An instructed-response item: respondents paying attention give ``expected``."""

    id: Identifier
    text: LangText
    response_set: str | None = None
    expected: int
    after: str | None = None


class Option(_Strict):
    code: int
    value: Identifier
    label: LangText
    weight: float | None = Field(default=None, ge=0, le=1)


class Demographic(_Strict):
    """A categorical demographic or behaviour question."""

    id: Identifier
    kind: Literal["demographic", "behaviour"] = "demographic"
    text: LangText
    options: list[Option] = Field(min_length=2)
    required: bool = True
    quasi_identifier: bool = False
    depends_on: str | None = None
    conditional_weights: dict[str, list[float]] | None = None


class Hypothesis(_Strict):
    """A directed hypothesis: a direct path, or an indirect one ``from -> via... -> to``."""

    id: Annotated[str, StringConstraints(pattern=r"^H[0-9]+[a-z]?$")]
    from_: str = Field(alias="from")
    to: str
    via: list[str] = Field(default_factory=list)
    sign: Literal["+", "-"] = "+"
    text: LangText

    @property
    def is_indirect(self) -> bool:
        return bool(self.via)

    @property
    def label(self) -> str:
        """Parameter label used in model syntax (lavaan labels are case-sensitive; keep them lower)."""
        return self.id.lower()

    @property
    def chain(self) -> list[str]:
        return [self.from_, *self.via, self.to]


class LoadingRange(_Strict):
    min: float = Field(default=0.70, gt=0, lt=1)
    max: float = Field(default=0.88, gt=0, lt=1)


class Correlation(_Strict):
    between: tuple[str, str]
    r: float = Field(gt=-1, lt=1)


class PopulationPath(_Strict):
    from_: str = Field(alias="from")
    to: str
    beta: float = Field(ge=-1, le=1)


class ResponseStyle(_Strict):
    # Positive values shift latent responses towards agreement, giving the left skew typical of
    # satisfaction-type Likert data (means around 3.6-3.9 on 5 points).
    mean_shift: float = Field(default=0.5, ge=-2, le=2)


# Named sets of cut points; their values are computed by stickiness_research.simulate.likert_thresholds.
THRESHOLD_PRESETS = ("symmetric", "skewed", "sparse_top", "sparse_bottom")
# A preset name for every item, or item / response-set id -> preset name or cut points (lowest first).
ThresholdSpec = str | dict[str, str | list[float]]
ThresholdProblem = tuple[tuple[str, ...], str, Any]  # (location below `thresholds`, message, offending value)


def normalize_thresholds(spec: Any) -> tuple[Any, list[ThresholdProblem]]:
    """Check the shape of a thresholds spec (no cross-references); return it with cut points as floats.

    Each problem is ``(location, message, value)``: the location below ``thresholds`` (``()`` for the
    whole spec, ``(key,)`` for one entry), a message naming the key, and the offending value.
    """
    presets = ", ".join(THRESHOLD_PRESETS)
    if isinstance(spec, str):
        if spec not in THRESHOLD_PRESETS:
            return spec, [((), f"unknown threshold preset {spec!r}; use one of {presets}, or map item or "
                           "response-set ids to cut points", spec)]
        return spec, []
    if not isinstance(spec, dict):
        return spec, [((), f"thresholds must be a preset name ({presets}) or a mapping of item or response-set "
                       "ids to cut points", spec)]
    out: dict[str, str | list[float]] = {}
    problems: list[ThresholdProblem] = []
    for key, value in spec.items():
        if not isinstance(key, str):
            problems.append(((str(key),), f"threshold key {key!r} must be an item or response-set id (text)", key))
        elif isinstance(value, str):
            if value not in THRESHOLD_PRESETS:
                problems.append(((key,), f"unknown threshold preset {value!r} for {key!r}; use one of {presets}, "
                                 "or a list of cut points", value))
            out[key] = value
        elif not isinstance(value, list | tuple) or not value or \
                not all(isinstance(v, Real) and not isinstance(v, bool) for v in value):
            problems.append(((key,), f"thresholds of {key!r} must be a preset name or a non-empty list of numbers "
                             "(cut points, lowest first)", value))
        elif not all(math.isfinite(v) for v in value):
            problems.append(((key,), f"thresholds of {key!r} must be finite numbers", list(value)))
        elif any(b <= a for a, b in zip(value, value[1:], strict=False)):
            problems.append(((key,), f"thresholds of {key!r} must be strictly increasing (lowest cut first)",
                             list(value)))
        else:
            out[key] = [float(v) for v in value]
    return out, problems


def threshold_reference_problems(spec: Any, items: list[Item], response_sets: dict[str, ResponseSet]
                                 ) -> list[ThresholdProblem]:
    """Keys of a (shape-valid) thresholds spec that name no item or response set, or lists of the wrong length.

    An item id is looked up before a response-set id (an item's own thresholds win over its set's).
    """
    if not isinstance(spec, dict):
        return []
    default = next(iter(response_sets), None)
    by_item = {it.id: it.response_set or default for it in items}
    problems: list[ThresholdProblem] = []
    for key, value in spec.items():
        if key in by_item:
            set_id = by_item[key]
            if set_id not in response_sets:  # an unknown response set: reported by the rules
                continue
            what = f"item {key!r} answers on {set_id!r}, which has"
        elif key in response_sets:
            set_id, what = key, f"response set {key!r} has"
        else:
            problems.append(((key,), f"threshold key {key!r} is neither an item nor a response set; known items: "
                             f"{', '.join(by_item) or '(none)'}; response sets: "
                             f"{', '.join(response_sets) or '(none)'}", key))
            continue
        points = response_sets[set_id].points
        if isinstance(value, list) and len(value) != points - 1:
            problems.append(((key,), f"{what} {points} points, so give {points - 1} cut points, not "
                             f"{len(value)}", value))
    return problems


def raise_threshold_problems(problems: list[ThresholdProblem], prefix: tuple[str, ...] = ()) -> None:
    """Raise the problems as one pydantic ValidationError (the loader turns it into a QuestionnaireError)."""
    if problems:
        raise ValidationError.from_exception_data("thresholds", [
            InitErrorDetails(type=PydanticCustomError("thresholds", "{message}", {"message": message}),
                             loc=prefix + loc, input=value) for loc, message, value in problems])


class Population(_Strict):
    """Standardized population model used by the simulator (the known truth).

    ``thresholds`` sets the Likert cut points (default: ``symmetric`` for every item): a preset name
    for every item, or a mapping of item ids and response-set ids (an item's entry wins over its
    set's) to a preset name or ``points - 1`` strictly increasing cut points. Cuts apply to the
    continuous response after ``response_style.mean_shift`` is added, so the thresholds on the
    standardized response are ``cut - mean_shift``; see
    :func:`stickiness_research.simulate.population_thresholds`.
    """

    loadings: LoadingRange = Field(default_factory=LoadingRange)
    item_loadings: dict[str, Annotated[float, Field(gt=0, lt=1)]] = Field(default_factory=dict)
    correlations: list[Correlation] = Field(default_factory=list)
    paths: list[PopulationPath] = Field(default_factory=list)
    response_style: ResponseStyle = Field(default_factory=ResponseStyle)
    thresholds: ThresholdSpec | None = None

    @field_validator("thresholds", mode="before")
    @classmethod
    def _thresholds_shape(cls, value: Any) -> Any:
        if value is None:
            return None
        value, problems = normalize_thresholds(value)
        raise_threshold_problems(problems)
        return value


class Questionnaire(_Strict):
    """A validated questionnaire: the instrument, its hypotheses and its population model.

    Build one with :func:`stickiness_research.load_questionnaire`; construct ids, item ids and
    hypothesis ids are the names used everywhere downstream (data columns, model syntax, reports).

    Attributes
    ----------
    meta : Meta
        Id, version, title, language and citation of the instrument.
    response_sets : dict
        Response-set id -> its options (e.g. a 1..5 Likert scale).
    constructs : list of Construct
        The latent constructs, in model order.
    items : list of Item
        Every item: id, construct, wording, response set, ``reverse``.
    attention_checks : list of AttentionCheck
        Instructed-response items and their correct answers.
    demographics : list of Demographic
        Demographic questions (``quasi_identifier`` marks those :func:`~stickiness_research.k_anonymity` combines).

    Raises
    ------
    KeyError
        :meth:`construct`, :meth:`item` or :meth:`demographic` with an id the questionnaire does not have.
    ParameterError, OutputPathError
        From :meth:`export` (see :func:`~stickiness_research.export_questionnaire`).
    pydantic.ValidationError
        When constructed directly from invalid fields; :func:`~stickiness_research.load_questionnaire`
        reports the same problems as a :class:`~stickiness_research.QuestionnaireError` with file and line.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> q.construct_ids
    ['interaction', 'emotional_attachment', 'security', 'trust', 'convenience', 'stickiness']
    >>> print(q.model_syntax().splitlines()[1])
    interaction =~ int1 + int2 + int3 + int4
    """

    meta: Meta
    response_sets: dict[Identifier, ResponseSet] = Field(min_length=1)
    constructs: list[Construct] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    attention_checks: list[AttentionCheck] = Field(default_factory=list)
    demographics: list[Demographic] = Field(default_factory=list)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    population: Population | None = None

    _source: str | None = PrivateAttr(default=None)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @field_validator("population")
    @classmethod
    def _population_thresholds_known(cls, pop: Population | None, info: ValidationInfo) -> Population | None:
        # Threshold keys name items or response sets, so they are checked here, where both are known;
        # skipped when either block failed its own validation (that error is reported instead).
        if pop is not None and pop.thresholds is not None and {"items", "response_sets"} <= info.data.keys():
            raise_threshold_problems(threshold_reference_problems(pop.thresholds, info.data["items"],
                                                                  info.data["response_sets"]), ("thresholds",))
        return pop

    # ----- lookups -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def source(self) -> str | None:
        """Path of the YAML file this questionnaire was loaded from."""
        return self._source

    @property
    def warnings(self) -> list[str]:
        """Non-fatal problems found while loading (e.g. a construct with fewer than 3 items)."""
        return list(self._warnings)

    @property
    def construct_ids(self) -> list[str]:
        return [c.id for c in self.constructs]

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def construct(self, construct_id: str) -> Construct:
        for c in self.constructs:
            if c.id == construct_id:
                return c
        raise KeyError(construct_id)

    def items_of(self, construct_id: str) -> list[Item]:
        """Items measuring one construct, in questionnaire order."""
        return [i for i in self.items if i.construct == construct_id]

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def response_set_of(self, item: Item | AttentionCheck) -> ResponseSet:
        name = item.response_set or self.default_response_set
        return self.response_sets[name]

    @property
    def default_response_set(self) -> str:
        """The response set used by items that name none: the first one declared."""
        return next(iter(self.response_sets))

    @property
    def reverse_items(self) -> list[str]:
        return [i.id for i in self.items if i.reverse]

    def demographic(self, question_id: str) -> Demographic:
        for d in self.demographics:
            if d.id == question_id:
                return d
        raise KeyError(question_id)

    @property
    def direct_hypotheses(self) -> list[Hypothesis]:
        return [h for h in self.hypotheses if not h.is_indirect]

    @property
    def indirect_hypotheses(self) -> list[Hypothesis]:
        return [h for h in self.hypotheses if h.is_indirect]

    @property
    def endogenous(self) -> list[str]:
        """Constructs predicted by at least one direct hypothesis, in questionnaire order."""
        targets = {h.to for h in self.direct_hypotheses}
        return [c for c in self.construct_ids if c in targets]

    @property
    def exogenous(self) -> list[str]:
        endo = set(self.endogenous)
        return [c for c in self.construct_ids if c not in endo]

    def name_of(self, construct_id: str, language: str | None = None) -> str:
        """Display name of a construct in a language (default: the questionnaire's)."""
        return self.construct(construct_id).name[language or self.meta.language]

    # ----- derived artefacts -----------------------------------------------------------------
    def model_syntax(self, *, structural: bool = True, indirect: bool = True, labels: bool = True) -> str:
        """lavaan-style syntax of the hypothesised model.

        Measurement part from the constructs' items; structural part from the direct hypotheses,
        each path labelled with its hypothesis id in lower case (``h1``); each indirect
        hypothesis becomes a defined parameter (``h8 := h1*h2``). ``labels=False`` leaves out the
        labels and the defined parameters (PLS-SEM's syntax: :func:`stickiness_research.fit_pls`).
        """
        from .syntax import build_model_syntax

        return build_model_syntax(self, structural=structural, indirect=indirect, labels=labels)

    def to_partable(self, *, structural: bool = True, **options):
        """The hypothesised model as a parameter table, with lavaan's ``sem()`` rules.

        Parameters
        ----------
        structural : bool
            Include the hypothesised paths (False: the measurement model only, as ``cfa()``).
        **options
            Rule switches of :class:`stickiness_research.sem.syntax.Options` (``std_lv``,
            ``meanstructure``, ``ngroups``, ``group_equal``, ...).

        Returns
        -------
        ParTable

        Examples
        --------
        >>> import stickiness_research as sr
        >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
        >>> pt = q.to_partable()
        >>> sum(r.op == "=~" for r in pt) == len(q.items)  # In R: lavaanify(q.model_syntax(), auto = TRUE)
        True
        """
        from ..sem.syntax import Options, lavaanify

        return lavaanify(self.model_syntax(structural=structural), Options(**options))

    def _repr_html_(self) -> str:
        """Constructs with their items and the hypotheses, for Jupyter."""
        from html import escape

        lang = self.meta.language
        rows = "".join(
            f"<tr><td>{escape(c.id)}</td><td>{escape(c.name.get(lang, c.id))}</td>"
            f"<td>{', '.join(escape(i.id) + ('<sup>R</sup>' if i.reverse else '') for i in self.items_of(c.id))}</td></tr>"
            for c in self.constructs)
        hyps = "".join(f"<li><b>{escape(h.id)}</b> {escape(' → '.join(h.chain))} ({h.sign})</li>" for h in self.hypotheses)
        return (f"<p><b>{escape(self.meta.title.get(lang, self.meta.id))}</b> <code>{escape(self.meta.id)} "
                f"{escape(self.meta.version)}</code>: {len(self.items)} items, {len(self.attention_checks)} attention "
                f"checks, {len(self.demographics)} demographic questions, languages {', '.join(self.meta.languages)}"
                f"</p><table><thead><tr><th>construct</th><th>name</th><th>items (<sup>R</sup> reverse-keyed)</th>"
                f"</tr></thead><tbody>{rows}</tbody></table><ul>{hyps}</ul>")

    def export(self, fmt: str, path, *, language: str | None = None):
        """Write this questionnaire as ``fmt`` (xlsform, wjx, codebook, html, sav, lavaan); see
        :func:`stickiness_research.questionnaire.exporters.export_questionnaire`."""
        from .exporters import export_questionnaire

        return export_questionnaire(self, fmt, path, language=language)

    def __repr__(self) -> str:
        return (f"Questionnaire(id={self.meta.id!r}, version={self.meta.version!r}, "
                f"constructs={len(self.constructs)}, items={len(self.items)}, "
                f"hypotheses={len(self.hypotheses)})")

    __str__ = __repr__
