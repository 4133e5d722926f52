"""Structural equation models: lavaan syntax in, lavaan-shaped estimates and fit measures out."""

from .fit import fit_sem
from .partable import ParTable
from .result import SEMResult
from .syntax import lavaanify

__all__ = ["ParTable", "SEMResult", "fit_sem", "lavaanify"]
