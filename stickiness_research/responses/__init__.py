"""Responses layer: reading survey exports, validation, quality flags, scoring and privacy."""

from .scoring import reverse_code, scale_scores

__all__ = ["reverse_code", "scale_scores"]
