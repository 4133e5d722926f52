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
import ipaddress
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import InstanceOf, Interval, ListOf, Satisfies, check
from ..errors import ResponseDataError
from ..questionnaire import Questionnaire

KEY_ENV = "STICKINESS_HMAC_KEY"
MIN_KEY_BYTES = 16  # below this an attacker can enumerate keys and recompute every pseudonym
# Values that identify a person: mainland mobile numbers (with or without +86), e-mail addresses,
# resident ID-card numbers (17 digits and a check digit or X). IP addresses are parsed by ipaddress.
_PATTERNS = {
    "phone numbers": re.compile(r"(?:\+?86|0086)?1[3-9]\d{9}"),
    "e-mail addresses": re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
    "ID-card numbers": re.compile(r"\d{17}[\dXx]"),
}
_SEPARATORS = re.compile(r"[\s\-()]")
_KEY = Satisfies(lambda k: isinstance(k, bytes | bytearray) and len(k) >= MIN_KEY_BYTES,
                 f"bytes of length at least {MIN_KEY_BYTES} (e.g. from load_key())")


def load_key(key_file: str | Path | None = None) -> bytes:
    """The pseudonymisation key: from ``key_file`` or the ``STICKINESS_HMAC_KEY`` environment variable.

    Raises
    ------
    ResponseDataError
        When neither is set, or the key is shorter than 16 bytes.
    """
    key = find_key(key_file)
    if key is None:
        raise ResponseDataError(f"no pseudonymisation key of at least {MIN_KEY_BYTES} bytes: set {KEY_ENV} or pass "
                                "a key file (e.g. `python -c 'import secrets; print(secrets.token_hex(32))' > "
                                "~/.stickiness_key`).")
    return key


def find_key(key_file: str | Path | None = None) -> bytes | None:
    """The key from ``key_file`` or ``STICKINESS_HMAC_KEY``; ``None`` when neither is set.

    Raises
    ------
    ResponseDataError
        When a key is given but shorter than 16 bytes, or the key file is missing.
    """
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise ResponseDataError(f"key file {path} not found; keep the key outside the repository.")
        key, origin = path.read_bytes().strip(), f"key file {path}"
    else:
        key, origin = os.environ.get(KEY_ENV, "").encode(), KEY_ENV
    if not key:
        return None
    if len(key) < MIN_KEY_BYTES:
        raise ResponseDataError(f"the key in {origin} has {len(key)} bytes; use at least {MIN_KEY_BYTES} "
                                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`).")
    return key


def check_key(key: object, function: str) -> bytes:
    """``key`` as bytes, refusing anything shorter than 16 bytes (an empty key protects nothing)."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    # the message describes a refused key (its length or type), never shows it
    shown = f"{len(key)} bytes" if isinstance(key, bytes | bytearray) else type(key).__name__
    check(key, "key", function, _KEY, shown=shown)
    return bytes(key)


def pseudonym(value: object, key: bytes) -> str:
    """``HMAC-SHA256(key, value)`` as 16 hex characters.

    >>> pseudonym("13800000000", b"0123456789abcdef")
    'e5552a2b5de9e535'
    """
    key = check_key(key, "pseudonym")
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def pseudonym_list(values, key: bytes) -> list[str]:
    """:func:`pseudonym` of many values, the key checked once (``hmac.digest``'s one-shot C path: about a
    microsecond a value, so a million user ids of an event log take a second).

    >>> pseudonym_list(["13800000000"], b"0123456789abcdef") == [pseudonym("13800000000", b"0123456789abcdef")]
    True
    """
    key = check_key(key, "pseudonym_list")
    return [hmac.digest(key, str(v).encode("utf-8"), "sha256").hex()[:16] for v in values]


def pseudonymize(data: pd.DataFrame, columns: list[str], key: bytes) -> pd.DataFrame:
    """Replace each value of ``columns`` by ``HMAC-SHA256(key, value)`` (hex, first 16 characters).

    Returns a copy; missing values stay missing.

    Parameters
    ----------
    data : DataFrame
        Any table.
    columns : list of str
        The identifying columns to replace.
    key : bytes
        Secret HMAC key, at least 16 bytes; the same key gives the same pseudonyms.

    Returns
    -------
    DataFrame
        A copy with ``columns`` replaced by 16-character hex pseudonyms.

    Raises
    ------
    ParameterError
        When ``key`` is shorter than 16 bytes or a column is not in the data.

    Examples
    --------
    >>> import pandas as pd
    >>> out = pseudonymize(pd.DataFrame({"phone": ["13800000000", None]}), ["phone"], b"0123456789abcdef")
    >>> len(out.loc[0, "phone"]), bool(pd.isna(out.loc[1, "phone"]))
    (16, True)
    """
    key = check_key(key, "pseudonymize")
    if isinstance(columns, str):
        columns = [columns]
    names = [str(c) for c in data.columns]
    check(columns, "columns", "pseudonymize", ListOf(Satisfies(lambda c: c in data.columns,
                                                               f"a column of the data ({', '.join(names[:8])}"
                                                               f"{', ...' if len(names) > 8 else ''})"), min_length=0))
    out = data.copy()
    for column in columns:
        out[column] = [None if pd.isna(v) else pseudonym(v, key) for v in data[column]]
    return out


def identifier_kind(values: pd.Series) -> str | None:
    """What kind of personal identifier a column holds (``"phone numbers"``, ...), or ``None``.

    One identifying value is enough: a single phone number copied into the outputs is a leak.

    Examples
    --------
    >>> import pandas as pd
    >>> identifier_kind(pd.Series(["wjx-1", "+86 138-0013-8000"])), identifier_kind(pd.Series(["R_1", "7"]))
    ('phone numbers', None)
    """
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    compact = text.str.replace(_SEPARATORS, "", regex=True)
    for kind, pattern in _PATTERNS.items():
        if (compact if kind != "e-mail addresses" else text).str.fullmatch(pattern).any():
            return kind
    ip_like = text.str.replace(r"\(.*\)$", "", regex=True).str.strip()  # 问卷星: 1.2.3.4(上海-上海)
    ip_like = ip_like[ip_like.str.fullmatch(r"[\d.]{7,15}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")]
    for value in ip_like:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            continue
        return "IP addresses"
    return None


def maybe_identifiers(text) -> np.ndarray:
    """Which values of Arrow text (a pyarrow ChunkedArray without nulls) could be identifiers for
    :func:`identifier_kind`, as a boolean array: those holding ``@``, ``.`` or ``:`` (e-mail and IP addresses need
    one), or no ASCII letter besides ``X`` (phone and ID-card numbers are digits, ``+`` and separators). A superset
    of its hits, found by Arrow (the Python scan of a million ids took 3 s), kept beside the patterns it must cover.

    Examples
    --------
    >>> import pyarrow as pa
    >>> maybe_identifiers(pa.chunked_array([["13800138000", "wjx-12", "a@b.cn"]])).tolist()
    [True, False, True]
    """
    import pyarrow.compute as pc

    return pc.match_substring_regex(text, "^[^A-WYZa-wyz]*$|[@.:]").to_numpy(zero_copy_only=False)


def mask(value: object) -> str:
    """``value`` for an error message: identifiers masked, other values as they are.

    >>> mask("13800138000"), mask("R_12")
    ("'1380…' (masked)", "'R_12'")
    """
    if identifier_kind(pd.Series([value])) is None:
        return repr(value)
    return f"'{str(value)[:4]}…' (masked)"


def k_anonymity(data: pd.DataFrame, q: Questionnaire, k: int = 5) -> pd.DataFrame:
    """Combinations of the questionnaire's quasi-identifiers shared by fewer than ``k`` respondents.

    Parameters
    ----------
    data : DataFrame
        Responses with the demographic columns.
    q : Questionnaire
        Its demographics marked ``quasi_identifier`` are the columns combined.
    k : int
        Smallest acceptable cell size, at least 2 (default 5).

    Returns
    -------
    DataFrame
        One row per risky combination: the quasi-identifier values and ``n``; empty when the data are
        k-anonymous on those columns.

    Raises
    ------
    ParameterError
        ``k`` is not an int of at least 2, or ``q`` is not a Questionnaire.

    Notes
    -----
    Data are k-anonymous when every combination of quasi-identifier values occurs at least k times
    (Sweeney, 2002).

    References
    ----------
    Sweeney, L. (2002). k-anonymity: A model for protecting privacy. *International Journal of
    Uncertainty, Fuzziness and Knowledge-Based Systems*, 10, 557-570.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> risky = sr.k_anonymity(sr.simulate_responses(q, n=200, seed=1), q, k=5)
    >>> list(risky.columns), len(risky)
    (['age_band', 'gender', 'city_tier', 'n'], 48)
    """
    check(k, "k", "k_anonymity", Interval(int, 2, None))
    check(q, "q", "k_anonymity", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    columns = [d.id for d in q.demographics if d.quasi_identifier and d.id in data.columns]
    if not columns:
        return pd.DataFrame(columns=["n"])
    counts = data.groupby(columns, dropna=False).size().rename("n").reset_index()
    return counts[counts["n"] < k].reset_index(drop=True)
