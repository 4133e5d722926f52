"""Named errors for user mistakes: each says what went wrong, where, and how to fix it.

All are ``ValueError`` subclasses so generic callers can catch them; the CLI turns them into
one red line and exit code 2.
"""

from __future__ import annotations


class StickinessError(ValueError):
    """Base class of every error caused by user input (files, data, model syntax, arguments).

    Catch it to handle any user mistake at once; the CLI prints its message as one line and exits
    with code 2.

    Attributes
    ----------
    args : tuple
        ``(message,)``: what went wrong, where and how to fix it.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> try:
    ...     sr.cronbach_alpha(hs[["x1"]])
    ... except sr.StickinessError as exc:
    ...     print(type(exc).__name__, "-", exc)
    ResponseDataError - alpha needs at least two items.
    """


class LocatedError(StickinessError):
    """A problem at a place in a text file (file:line, field), with a hint on how to fix it.

    Attributes
    ----------
    file, line, field, hint
        Where the problem is and how to fix it; ``line`` is 1-based, ``None`` when unknown.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None):
        self.problem = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint
        where = ""
        if file:
            where = f"{file}:{line}" if line else str(file)
        parts = [f"{where}: " if where else ""]
        if field:
            parts.append(f"{field}: ")
        parts.append(message)
        if hint:
            parts.append(f" Hint: {hint}")
        super().__init__("".join(parts))


class QuestionnaireError(LocatedError):
    """A questionnaire file is malformed or inconsistent (file:line, field, hint).

    Raised by :func:`~stickiness_research.load_questionnaire` and
    :func:`~stickiness_research.loads_questionnaire`.

    Attributes
    ----------
    problem : str
        The problem without its location.
    file, line, field, hint
        Where the problem is (``line`` 1-based, None when unknown) and how to fix it.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> try:
    ...     sr.loads_questionnaire("id: x\\n")
    ... except sr.QuestionnaireError as exc:
    ...     print(exc.field, "|", exc)
    meta | <string>:1: meta: required key 'meta' is missing. (4 more problem(s) after this one.) Hint: Add `meta:` here.
    """


class StudyConfigError(LocatedError):
    """A study config (``reports/<study>.yaml``) is malformed or points at something that is not there.

    Raised by :func:`~stickiness_research.load_study_config` and
    :func:`~stickiness_research.run_study`.

    Attributes
    ----------
    problem, file, line, field, hint
        As :class:`QuestionnaireError`'s: the problem, the config file, the 1-based line (None when
        unknown), the YAML key and a hint.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> try:
    ...     sr.load_study_config("/nonexistent.yaml")
    ... except sr.StudyConfigError as exc:
    ...     print(exc)
    /nonexistent.yaml: file not found. Hint: Study configs live in reports/<study>.yaml.
    """


class ResponseDataError(StickinessError):
    """Response data cannot be read or does not fit the questionnaire (names row, column, item).

    Attributes
    ----------
    args : tuple
        ``(message,)`` naming the file, row, column or item.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> sr.cronbach_alpha(hs[["x1"]])
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ResponseDataError: alpha needs at least two items.
    """


class EventDataError(ResponseDataError):
    """An event log (app / official-account usage) cannot be read or breaks its schema (names file, row, column).

    A :class:`ResponseDataError`, raised by :func:`~stickiness_research.read_events` and the
    behaviour layer.

    Attributes
    ----------
    args : tuple
        ``(message,)`` naming the file, row or column.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> sr.read_events("/nonexistent.csv")
    Traceback (most recent call last):
    ...
    stickiness_research.errors.EventDataError: read_events: /nonexistent.csv: no such event file; give a Parquet or CSV file, a glob such as logs/*.parquet, or a list of them.
    """


class ModelSpecError(StickinessError):
    """A model syntax is invalid or does not fit the data (unknown variable, bad label, ...).

    Attributes
    ----------
    args : tuple
        ``(message,)`` naming the model line or variable.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> sr.fit_sem("f =~ x1 + nope", hs)
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ModelSpecError: model variable 'nope' is not a column of the data.
    """


class EstimationError(StickinessError):
    """Estimation failed (no convergence, non-positive-definite matrix, under-identification).

    Attributes
    ----------
    args : tuple
        ``(message,)`` naming the parameter or matrix, and what to change.

    Examples
    --------
    A method factor on every item of a three-indicator CFA is not identified:

    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9\\n"
    ...            "method =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9\\n"
    ...            "method ~~ 0*visual + 0*textual + 0*speed", hs)
    Traceback (most recent call last):
    ...
    stickiness_research.errors.EstimationError: the model is not identified: the information matrix is singular, so visual =~ x3 cannot be estimated separately. Fix a loading per construct to 1, or add constraints or indicators.
    """


class OutputPathError(StickinessError):
    """An output path cannot or must not be written (a directory, under a file, read-only, an input).

    Raised before anything is written, by the report builder and the CLI's output options.

    Attributes
    ----------
    args : tuple
        ``(message,)`` naming the path and the option to change.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> raise sr.OutputPathError("out: is a directory, not a file; give a file name with -o.")
    Traceback (most recent call last):
    ...
    stickiness_research.errors.OutputPathError: out: is a directory, not a file; give a file name with -o.
    """


class ParameterError(StickinessError):
    """A function argument is out of its allowed range.

    Follows one template: *The 'n' parameter of simulate_responses must be an int in the range
    [1, inf). Got -3 instead.*

    Parameters
    ----------
    name : str
        The argument's name.
    function : str
        The function it was given to.
    expected : str
        What it must be (e.g. ``"an int in the range [0, inf)"``).
    got : object
        The value given.

    Attributes
    ----------
    args : tuple
        ``(message,)`` in the template above.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> sr.htmt(hs, "a =~ x1 + x2\\nb =~ x3 + x4", n_boot=-3)
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ParameterError: The 'n_boot' parameter of htmt must be an int in the range [0, inf). Got -3 instead.
    """

    def __init__(self, name: str, function: str, expected: str, got: object):
        super().__init__(
            f"The {name!r} parameter of {function} must be {expected}. Got {got!r} instead."
        )


class StickinessWarning(UserWarning):
    """Base class of our warnings: a result is computed, but a user should know something about it.

    Attributes
    ----------
    args : tuple
        ``(message,)``: what to look at, naming the item, rule or file.

    Examples
    --------
    Make it an error while checking a pipeline:

    >>> import warnings
    >>> import stickiness_research as sr
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", sr.StickinessWarning)
    ...     try:
    ...         warnings.warn("a result to read with care", sr.StickinessWarning)
    ...     except sr.StickinessWarning as w:
    ...         print(w)
    a result to read with care
    """


def _warn_at_caller(message: str, category: type[Warning] = StickinessWarning) -> None:
    """``warnings.warn`` attributed to the first frame outside this package (the user's line, not a wrapper of
    ours); Python 3.12's ``skip_file_prefixes`` does this, 3.11 has no such option."""
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__))
    level, frame = 2, sys._getframe(1)  # stacklevel 2 is the frame that called this function
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level)


def did_you_mean(name: object, choices) -> str:
    """" Did you mean a, b?" with up to three of ``choices`` close to ``name`` (difflib's ratio >= 0.6), or ""; the
    one wording of every "not a column" / "not a variable" error."""
    import difflib

    near = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3)
    return f" Did you mean {', '.join(near)}?" if near else ""


class ReliabilityWarning(StickinessWarning):
    """A scale's reliability is computed, but an item works against it (e.g. reverse-worded, not recoded).

    Warned by :func:`~stickiness_research.reliability` for an item with a negative item-rest correlation.

    Attributes
    ----------
    args : tuple
        ``(message,)`` naming the item, its scale, its item-rest r and alpha without it.

    Examples
    --------
    >>> import warnings
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> hs["x2"] = -hs["x2"]  # a reverse-keyed item left as answered
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = sr.reliability(hs, "visual =~ x1 + x2 + x3", cfa=False)
    >>> print(caught[0].category.__name__, caught[0].message)
    ReliabilityWarning item 'x2' of scale 'visual' correlates negatively with the rest of the scale (item-rest r = -0.375; alpha without it 0.612): it is probably reverse-worded and not recoded, or does not measure the construct.
    """


class StudyWarning(StickinessWarning):
    """A study that runs but whose results need care (too few respondents, screening problems).

    Warned by :func:`~stickiness_research.run_study` (e.g. "PLS-SEM was not estimated: ...").

    Attributes
    ----------
    args : tuple
        ``(message,)``: what to look at, naming the item, rule or file.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> issubclass(sr.StudyWarning, sr.StickinessWarning), issubclass(sr.StudyWarning, UserWarning)
    (True, True)
    """


class QuestionnaireWarning(StickinessWarning):
    """A questionnaire that loads but may cause trouble later (e.g. an under-identified construct).

    Warned by :func:`~stickiness_research.load_questionnaire`; ``stickiness validate`` lists them.

    Attributes
    ----------
    args : tuple
        ``(message,)``: what to look at, naming the item, rule or file.

    Examples
    --------
    >>> import warnings
    >>> import stickiness_research as sr
    >>> warnings.simplefilter("error", sr.QuestionnaireWarning)  # a questionnaire must load clean
    >>> warnings.resetwarnings()
    """


class ScreeningWarning(StickinessWarning):
    """Screening that needs a look: items without variance, a rule that excludes many, a rule not applied.

    Warned by :func:`~stickiness_research.quality_flags` and :func:`~stickiness_research.apply_exclusions`.

    Attributes
    ----------
    args : tuple
        ``(message,)``: what to look at, naming the item, rule or file.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> [c.__name__ for c in sr.ScreeningWarning.__mro__[:3]]
    ['ScreeningWarning', 'StickinessWarning', 'UserWarning']
    """


class ResponseDataWarning(StickinessWarning):
    """Data that were read but need a look (identifiers replaced by row numbers, ...).

    Warned by :func:`~stickiness_research.read_responses`.

    Attributes
    ----------
    args : tuple
        ``(message,)``: what to look at, naming the item, rule or file.

    Examples
    --------
    >>> import warnings
    >>> import stickiness_research as sr
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("no id column: respondents are numbered by row", sr.ResponseDataWarning)
    >>> caught[0].category is sr.ResponseDataWarning
    True
    """
