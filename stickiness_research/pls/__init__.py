"""PLS-SEM: partial least squares path modelling with seminr's algorithm and reporting set."""

from .fit import PLSResult, fit_pls
from .ipma import PLSIPMA, ipma
from .model import PLSModel, pls_model

__all__ = ["PLSIPMA", "PLSModel", "PLSResult", "fit_pls", "ipma", "pls_model"]
