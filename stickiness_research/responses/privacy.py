"""Privacy: keyed pseudonyms for identifiers and a k-anonymity check on quasi-identifiers.

Direct identifiers (IP, names, phone, e-mail, user ids) are dropped by the readers; when a study
needs to link records (e.g. waves of a panel), they can be replaced by HMAC-SHA256 pseudonyms whose
key lives outside the repository: the same key gives the same pseudonym, without the key nobody can
reverse or recompute it. Quasi-identifiers (age band, gender, city tier) are kept for analysis but
combinations shared by fewer than k respondents are reported, so small cells can be suppressed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

from ..errors import ParameterError, ResponseDataError
from ..questionnaire import Questionnaire

KEY_ENV = "STICKINESS_HMAC_KEY"


def load_key(key_file: str | Path | None = None) -> bytes:
    """The pseudonymisation key: from ``key_file`` or the ``STICKINESS_HMAC_KEY`` environment variable.

    Raises
    ------
    ResponseDataError
        When neither is set, or the key is shorter than 16 bytes.
    """
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise ResponseDataError(f"key file {path} not found; keep the key outside the repository.")
        key = path.read_bytes().strip()
    else:
        key = os.environ.get(KEY_ENV, "").encode()
    if len(key) < 16:
        raise ResponseDataError(f"no pseudonymisation key of at least 16 bytes: set {KEY_ENV} or pass a key file "
                                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))' > ~/.stickiness_key`).")
    return key


def pseudonymize(data: pd.DataFrame, columns: list[str], key: bytes) -> pd.DataFrame:
    """Replace each value of ``columns`` by ``HMAC-SHA256(key, value)`` (hex, first 16 characters).

    Returns a copy; missing values stay missing.

    Examples
    --------
    >>> import pandas as pd
    >>> out = pseudonymize(pd.DataFrame({"phone": ["13800000000", None]}), ["phone"], b"0123456789abcdef")
    >>> len(out.loc[0, "phone"]), bool(pd.isna(out.loc[1, "phone"]))
    (16, True)
    """
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ParameterError("columns", "pseudonymize", f"columns of the data {list(data.columns)[:8]}", missing)
    out = data.copy()
    for column in columns:
        out[column] = [None if pd.isna(v) else hmac.new(key, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:16]
                       for v in data[column]]
    return out


def k_anonymity(data: pd.DataFrame, q: Questionnaire, k: int = 5) -> pd.DataFrame:
    """Combinations of the questionnaire's quasi-identifiers shared by fewer than ``k`` respondents.

    Returns
    -------
    DataFrame
        One row per risky combination: the quasi-identifier values and ``n``; empty when the data are
        k-anonymous on those columns.
    """
    if not isinstance(k, int) or k < 2:
        raise ParameterError("k", "k_anonymity", "an int in the range [2, inf)", k)
    columns = [d.id for d in q.demographics if d.quasi_identifier and d.id in data.columns]
    if not columns:
        return pd.DataFrame(columns=["n"])
    counts = data.groupby(columns, dropna=False).size().rename("n").reset_index()
    return counts[counts["n"] < k].reset_index(drop=True)
