"""Responses layer: reading survey exports, validation, quality flags, scoring and privacy."""

from .quality import ExclusionResult, ScreeningWarning
from .readers import ResponseDataWarning, write_parquet
from .scoring import reverse_code, scale_scores

__all__ = ["ExclusionResult", "ResponseDataWarning", "ScreeningWarning", "reverse_code", "scale_scores",
           "write_parquet"]
