"""Structural equation models: lavaan syntax in, lavaan-shaped estimates and fit measures out."""

from .fit import fit_sem
from .result import SEMResult
from .syntax import parse_model

__all__ = ["SEMResult", "fit_sem", "parse_model"]
