"""The faster paths of reading, screening and scoring (issue #15) give what the plain ones gave, to the bit.

Each shortcut is compared with the expression it replaces: pandas' row means, the zero-filled column sums, the
row extremes, Python's strip and the full identifier scan, and the reader with and without threads (same
frame, provenance and errors, in the same order).
"""

from __future__ import annotations

import hashlib
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stickiness_research as sr
from stickiness_research.responses import quality, readers, scoring
from stickiness_research.responses.privacy import identifier_kind


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def random_matrix(rng: np.random.Generator, n: int, k: int, trial: int) -> np.ndarray:
    kind = trial % 4
    if kind == 0:
        x = rng.normal(size=(n, k)) * 10.0 ** rng.integers(-3, 5)
    elif kind == 1:
        x = rng.integers(1, 6, (n, k)).astype(float)
    elif kind == 2:
        x = rng.choice([0.1, 0.2, 0.3, -0.0, 1e16, 1.0, -1e16, 3.3], (n, k))
    else:
        x = rng.standard_cauchy((n, k))
    x[rng.random((n, k)) < rng.choice([0.0, 0.0, 0.05, 0.5, 1.0])] = np.nan
    return x


# ----- scoring ----------------------------------------------------------------------------------------
@pytest.mark.skipif(scoring._COPY_ON_WRITE, reason="pandas 3 scores with its own row means")
def test_row_means_are_pandas_row_means_to_the_bit(monkeypatch):
    rng = np.random.default_rng(15)
    for trial in range(400):
        n, k = int(rng.choice([1, 2, 3, 5, 17, 300])), int(rng.integers(1, 12))
        frame = pd.DataFrame(random_matrix(rng, n, k, trial), columns=[f"c{j}" for j in range(k)])
        block = scoring.numeric_answers(frame, list(frame.columns), "test")  # what scale_scores averaged
        monkeypatch.setattr(scoring, "ROW_BLOCK_CELLS", int(rng.choice([3, 7, 40, 1 << 20])))  # lone rows too
        count, mean = scoring._row_means(scoring.checked_numbers(frame, "test"))
        assert np.array_equal(count, block.notna().sum(axis=1).to_numpy())
        assert same_bits(mean, block.mean(axis=1).to_numpy()), trial


def test_scale_scores_of_fractional_answers_are_pandas_means(default_q):
    rng = np.random.default_rng(3)
    data = pd.DataFrame({i: rng.normal(3, 1, 400) for i in default_q.item_ids})
    data = data.mask(rng.random(data.shape) < 0.2)
    for method in ("mean", "sum", "pomp"):
        scores = sr.scale_scores(data, default_q, min_share=0.6, method=method)
        for c in default_q.construct_ids:
            items = [i.id for i in default_q.items_of(c)]
            block = data[items]
            mean = block.mean(axis=1).where(block.notna().sum(axis=1) >= 0.6 * len(items))
            if method == "sum":
                mean = mean * len(items)
            elif method == "pomp":
                rs = default_q.response_set_of(default_q.items_of(c)[0])
                mean = 100 * (mean - rs.minimum) / (rs.maximum - rs.minimum)
            assert same_bits(scores[c].to_numpy(), mean.to_numpy()), (method, c)


def test_answer_columns_are_the_selection_itself():
    data = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": [1.5, 2.0, 3.0], "c": ["x", "y", "z"]},
                        index=[7, 7, 9])
    data.columns.name = "item"
    for columns in (["a", "c"], ["b", "a"], [], ["a", "a"]):
        got, expected = scoring.answer_columns(data, columns), data[columns]
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert got.columns.name == expected.columns.name
    if not scoring._COPY_ON_WRITE:  # pandas 2 would have copied the answers
        assert scoring.answer_columns(data, ["a"])["a"].array is data["a"].array
    with pytest.raises(KeyError):
        scoring.answer_columns(data, ["a", "absent"])


# ----- quality ----------------------------------------------------------------------------------------
def test_column_sums_are_the_zero_filled_sums_to_the_bit():
    rng = np.random.default_rng(4)
    for trial in range(200):
        x = random_matrix(rng, int(rng.choice([1, 2, 9, 1000])), int(rng.integers(1, 30)), trial)
        for order in "CF":
            y = np.array(x, order=order)
            answered = ~np.isnan(y)
            assert same_bits(quality._column_sums(y, answered), np.add.reduce(np.where(answered, y, 0.0), axis=0))


def test_constant_rows_are_those_whose_extremes_meet():
    rng = np.random.default_rng(6)
    for trial in range(200):
        x = random_matrix(rng, int(rng.choice([1, 3, 500])), int(rng.integers(1, 8)), trial)
        x[rng.random(x.shape) < 0.3] = 2.0  # rows of equal answers
        ok = ~np.isnan(x) & (rng.random(x.shape) < 0.9)
        expected = np.where(ok, x, -np.inf).max(axis=1) == np.where(ok, x, np.inf).min(axis=1)
        assert np.array_equal(quality._constant(x, ok), expected)


def test_longstring_counts_runs_as_before():
    rng = np.random.default_rng(7)
    x = rng.integers(1, 4, (2000, 12)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    current, longest, runs = np.ones(len(x)), np.ones(len(x)), np.ones(len(x))
    for j in range(1, x.shape[1]):
        same = x[:, j] == x[:, j - 1]
        current = np.where(same, current + 1, 1.0)
        longest = np.maximum(longest, current)
        runs += ~same
    got_longest, got_mean = quality._longstring(x)
    assert same_bits(got_longest, longest) and same_bits(got_mean, x.shape[1] / runs)


# ----- reading ----------------------------------------------------------------------------------------
def test_whitespace_is_what_str_strip_removes():
    assert set(readers._WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


TEXT = st.text(alphabet=["a", "R", "x", "X", "1", "3", "8", "\uff11", "\u0663", "@", ".", ":", "(", ")", "-", "+",
                         " ", "\t", "\n", "\x1c", "\x85", "\u3000", "\x00", "中"], max_size=14)
IDENTIFIERS = ["13800138000", " +86 138-0013-8000 ", "a@b.cn", "11010519491231002X", "1.2.3.4(上海)", "fe80::1",
               "\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10", "R_1", "", "  "]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(TEXT, st.sampled_from(IDENTIFIERS)), min_size=1, max_size=30),
       many=st.booleans())
def test_arrow_shortcuts_equal_the_python_paths(values, many):
    pytest.importorskip("pyarrow")
    if many:  # more distinct values than the sample's cut-off: the scan filters before taking distinct values
        values = values + [f"R{k:05d}" for k in range(5000)]
    column = pd.Series(values, dtype=readers.TEXT)
    stripped = column.astype(str).str.strip()  # how the ids were stripped
    pd.testing.assert_series_equal(readers._stripped(column), stripped, check_exact=True)
    assert readers._identifier_kind(column) == identifier_kind(stripped) == identifier_kind(column)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet=["a", "1", " ", ",", ";", '"', "\n", "\t"], max_size=4),
                              min_size=1, max_size=4), min_size=1, max_size=8),
       size=st.integers(1, 16))
def test_ascii_text_reads_as_the_decoded_text(rows, size):
    raw = "\n".join(",".join(row) for row in rows).encode("ascii")
    text, ascii_text = raw.decode("utf-8-sig"), readers._AsciiText(raw)
    assert readers._sniff_delimiter(ascii_text) == readers._sniff_delimiter(text)
    for count in (1, 3):
        try:
            expected = readers._first_rows(text, ",", count, size=size)
        except Exception as exc:  # csv.Error: refused the same way
            with pytest.raises(type(exc)):
                readers._first_rows(ascii_text, ",", count, size=size)
            continue
        assert readers._first_rows(ascii_text, ",", count, size=size) == expected


@pytest.fixture(params=["inline", "threads"])
def threads(request, monkeypatch):
    """The reader as a small file is read (one thread) and as a large one is (worker threads)."""
    if request.param == "threads":
        monkeypatch.setattr(readers, "THREADED_ROWS", 0)
    return request.param


def test_threads_read_the_same_responses(default_q, tmp_path, monkeypatch, threads):
    monkeypatch.delenv("STICKINESS_HMAC_KEY", raising=False)  # without a key the phone number warns
    data = sr.simulate_responses(default_q, n=300, seed=11, careless=0.1, missing=0.1)
    data["respondent_id"] = [f" 1380013{k:04d} " if k == 7 else f"R{k}" for k in range(300)]  # one phone number
    path = tmp_path / "export.csv"
    data.to_csv(path, index=False)
    with pytest.warns(sr.ResponseDataWarning, match="holds phone numbers"):
        read = sr.read_responses(path, default_q)
    monkeypatch.setattr(readers, "THREADED_ROWS", 10**12)
    with pytest.warns(sr.ResponseDataWarning, match="holds phone numbers"):
        inline = sr.read_responses(path, default_q)
    pd.testing.assert_frame_equal(read.data, inline.data, check_exact=True)
    assert read.provenance == inline.provenance
    assert read.provenance["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("cells", "message"), [
    ({("respondent_id", 9): "R3", ("int3", 4): "7"}, r"row 11, column 'respondent_id'.*appears more than once"),
    ({("int4", 2): "9", ("int3", 30): "maybe"}, r"row 32, column 'int3' \(int3\): 'maybe' is not an option"),
    ({("duration_seconds", 1): "-5", ("int4", 50): "2.5"}, r"row 52, column 'int4' \(int4\): '2.5' is not an answer"),
    ({("duration_seconds", 40): "soon"}, r"row 42, column 'duration_seconds': 'soon' is not a duration"),
])
def test_errors_come_in_the_order_they_did(default_q, tmp_path, threads, cells, message):
    data = sr.simulate_responses(default_q, n=80, seed=2).astype(object)
    data["respondent_id"] = [f"R{k}" for k in range(80)]
    for (column, row), value in cells.items():
        data.loc[row, column] = value
    path = tmp_path / "bad.csv"
    data.to_csv(path, index=False)
    with pytest.raises(sr.ResponseDataError, match=message):
        sr.read_responses(path, default_q)
