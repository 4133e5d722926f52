"""PLS-SEM: partial least squares path modelling with seminr's algorithm and reporting set."""

from .fit import PLSResult, fit_pls
from .model import PLSModel, pls_model

__all__ = ["PLSModel", "PLSResult", "fit_pls", "pls_model"]
