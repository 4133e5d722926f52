"""Named errors for user mistakes: each says what went wrong, where, and how to fix it.

All are ``ValueError`` subclasses so generic callers can catch them; the CLI turns them into
one red line and exit code 2.
"""

from __future__ import annotations


class StickinessError(ValueError):
    """Base class of every error caused by user input (files, data, model syntax, arguments)."""


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
    """A questionnaire file is malformed or inconsistent (file:line, field, hint)."""


class StudyConfigError(LocatedError):
    """A study config (``reports/<study>.yaml``) is malformed or points at something that is not there."""


class ResponseDataError(StickinessError):
    """Response data cannot be read or does not fit the questionnaire (names row, column, item)."""


class EventDataError(ResponseDataError):
    """An event log (app / official-account usage) cannot be read or breaks its schema (names file, row, column)."""


class ModelSpecError(StickinessError):
    """A model syntax is invalid or does not fit the data (unknown variable, bad label, ...)."""


class EstimationError(StickinessError):
    """Estimation failed (no convergence, non-positive-definite matrix, under-identification)."""


class OutputPathError(StickinessError):
    """An output path cannot or must not be written (a directory, under a file, read-only, an input)."""


class ParameterError(StickinessError):
    """A function argument is out of its allowed range.

    Follows one template: *The 'n' parameter of simulate_responses must be an int in the range
    [1, inf). Got -3 instead.*
    """

    def __init__(self, name: str, function: str, expected: str, got: object):
        super().__init__(
            f"The {name!r} parameter of {function} must be {expected}. Got {got!r} instead."
        )


class StickinessWarning(UserWarning):
    """Base class of our warnings: a result is computed, but a user should know something about it."""


class ReliabilityWarning(StickinessWarning):
    """A scale's reliability is computed, but an item works against it (e.g. reverse-worded, not recoded)."""


class StudyWarning(StickinessWarning):
    """A study that runs but whose results need care (too few respondents, screening problems)."""


class QuestionnaireWarning(StickinessWarning):
    """A questionnaire that loads but may cause trouble later (e.g. an under-identified construct)."""


class ScreeningWarning(StickinessWarning):
    """Screening that needs a look: items without variance, a rule that excludes many, a rule not applied."""


class ResponseDataWarning(StickinessWarning):
    """Data that were read but need a look (identifiers replaced by row numbers, ...)."""
