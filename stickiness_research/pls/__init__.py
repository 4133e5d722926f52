"""PLS-SEM: partial least squares path modelling with seminr's algorithm and reporting set."""

from .fit import PLSResult, fit_pls
from .groups import MICOMResult, PLSMGAResult, micom, pls_mga
from .ipma import PLSIPMA, ipma
from .model import PLSModel, pls_model
from .predict import PLSPredictResult, pls_predict, r_cut_folds
from .quality import implied_correlation, model_fit, q2_blindfolding

__all__ = ["MICOMResult", "PLSIPMA", "PLSMGAResult", "PLSModel", "PLSPredictResult", "PLSResult", "fit_pls", "implied_correlation", "ipma",
           "micom", "model_fit", "pls_mga", "pls_model", "pls_predict", "q2_blindfolding", "r_cut_folds"]
