"""Questionnaire layer: schema, YAML loading with file:line errors, and model syntax."""

from .loader import QuestionnaireWarning, load_questionnaire, loads_questionnaire
from .schema import Questionnaire

__all__ = ["Questionnaire", "QuestionnaireWarning", "load_questionnaire", "loads_questionnaire"]
