"""Measurement quality: descriptives, reliability, validity, EFA, CFA and common method bias.

Functions take data whose reverse-keyed items are already recoded (:func:`reverse_code`) and a
Questionnaire or lavaan syntax naming which items measure which construct.
"""

from .cfa import CFAResult, cfa, measurement_syntax
from .descriptives import item_descriptives, mardia
from .efa import EFAResult, ParallelAnalysis, bartlett_sphericity, efa, kmo, parallel_analysis
from .method_bias import MethodBiasResult, harman_single_factor, method_bias, ulmc_syntax
from .reliability import cronbach_alpha, item_statistics, ordinal_reliability, reliability, scales_of
from .validity import construct_reliability, cross_loadings, fornell_larcker, htmt, latent_correlations

__all__ = ["CFAResult", "EFAResult", "MethodBiasResult", "ParallelAnalysis", "bartlett_sphericity", "cfa",
           "construct_reliability", "cronbach_alpha", "item_statistics", "cross_loadings", "efa", "fornell_larcker",
           "harman_single_factor", "htmt", "item_descriptives", "kmo", "latent_correlations", "mardia",
           "measurement_syntax", "method_bias", "ordinal_reliability", "parallel_analysis", "reliability", "scales_of", "ulmc_syntax"]
