"""Screening at scale (issue 15): the vectorised reader, quality indices and scoring against plain
per-respondent definitions, Arrow's CSV parse against pandas', row blocks, and Parquet in and out.

The references below are written for clarity, one respondent (or one cell) at a time; the library computes
the same numbers for all respondents at once. Discrete results must agree exactly, continuous ones to 1e-10.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stickiness_research as sr
from stickiness_research.errors import OutputPathError
from stickiness_research.questionnaire.exporters import choices_of, field_order
from stickiness_research.questionnaire.schema import Demographic
from stickiness_research.responses import ScreeningWarning, quality, readers
from stickiness_research.responses.readers import write_parquet

DISCRETE = ["longstring", "longstring_flag", "speeder", "attention_failed", "duplicate", "identical_answers",
            "mahalanobis_flag", "missing_share", "longstring_mean", "seconds_per_item"]
CONTINUOUS = ["irv", "even_odd", "psychsyn", "mahalanobis_d2"]


# ----- per-respondent references ---------------------------------------------------------------------
def ref_longstring(row: np.ndarray) -> tuple[float, float]:
    longest = current = runs = 1
    for before, after in zip(row[:-1], row[1:], strict=True):
        if before == after:  # NaN never equals anything: a missing answer ends a run
            current += 1
        else:
            current, runs = 1, runs + 1
        longest = max(longest, current)
    return float(longest), len(row) / runs


def ref_irv(row: np.ndarray) -> float:
    answered = row[~np.isnan(row)]
    return float(np.std(answered, ddof=1)) if len(answered) > 1 else np.nan


def ref_correlation(a: np.ndarray, b: np.ndarray, min_pairs: int) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    if len(a) < min_pairs or a.min() == a.max() or b.min() == b.max():
        return np.nan
    return float(np.clip(np.corrcoef(a, b)[0, 1], -1, 1))


def ref_even_odd(row: np.ndarray, scales: list[list[int]]) -> float:
    def mean(values):
        values = values[~np.isnan(values)]
        return values.mean() if len(values) else np.nan

    halves = [(mean(row[items[0::2]]), mean(row[items[1::2]])) for items in scales if len(items) >= 2]
    r = ref_correlation(np.array([h[0] for h in halves]), np.array([h[1] for h in halves]), 2)
    if np.isnan(r):
        return np.nan
    return -max(2 * r / (1 + r) if r > -1 else -1.0, -1.0)


def ref_flags(data: pd.DataFrame, q, seconds_per_item: float = 2.0) -> pd.DataFrame:
    """quality_flags, one respondent at a time (item pairs for psychsyn chosen by pandas' correlations,
    as careless chooses them with R's cor(use = "pairwise"))."""
    items = [i for i in q.item_ids if i in data.columns]
    x = data[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    recoded = x.copy()
    for j, item in enumerate(items):
        if item in q.reverse_items:
            rs = q.response_set_of(q.item(item))
            recoded[:, j] = rs.minimum + rs.maximum - x[:, j]
    scales = [[items.index(i.id) for i in q.items_of(c) if i.id in items] for c in q.construct_ids]
    r = pd.DataFrame(recoded).corr().to_numpy()
    pairs = [(i, j) for i in range(len(items)) for j in range(i + 1, len(items)) if r[i, j] > 0.6]
    complete = [k for k in range(len(x)) if not np.isnan(x[k]).any()]
    if len(complete) > len(items):
        mean = recoded[complete].mean(axis=0)
        inv = np.linalg.pinv(np.cov(recoded[complete], rowvar=False))
    from scipy import stats

    cut = stats.chi2.ppf(0.99, len(items))
    ids = data["respondent_id"].tolist() if "respondent_id" in data.columns else list(data.index)
    rows, seen_ids, seen_answers, seen_keys = [], set(), set(), {c: set() for c in ("ip_group", "submitted_at")}
    for k in range(len(x)):
        longest, mean_run = ref_longstring(x[k])
        d2 = np.nan
        if k in complete and len(complete) > len(items):
            d2 = float((recoded[k] - mean) @ inv @ (recoded[k] - mean))
        duration = data["duration_seconds"].iloc[k] if "duration_seconds" in data.columns else np.nan
        per_item = float(duration) / len(items) if pd.notna(duration) else np.nan
        failed = np.nan
        checks = [c for c in q.attention_checks if c.id in data.columns]
        if checks:
            failed = sum(not (pd.notna(data[c.id].iloc[k]) and float(data[c.id].iloc[k]) == c.expected) for c in checks)
        answers = tuple(x[k])
        is_complete = k in complete
        rid = ids[k]
        duplicate = rid in seen_ids and pd.notna(rid) and str(rid).strip() != ""
        seen_ids.add(rid)
        for column, seen in seen_keys.items():
            if column in data.columns:
                key = (str(data[column].iloc[k]), answers)
                duplicate |= is_complete and key in seen and pd.notna(data[column].iloc[k])
                seen.add(key)
        identical = is_complete and answers in seen_answers
        if is_complete:
            seen_answers.add(answers)
        rows.append({
            "respondent_id": rid, "longstring": longest, "longstring_mean": mean_run, "irv": ref_irv(x[k]),
            "even_odd": ref_even_odd(recoded[k], scales),
            "psychsyn": ref_correlation(recoded[k, [p[0] for p in pairs]], recoded[k, [p[1] for p in pairs]], 3)
            if pairs else np.nan,
            "mahalanobis_d2": d2, "mahalanobis_flag": bool(d2 > cut), "seconds_per_item": per_item,
            "speeder": bool(per_item < seconds_per_item), "attention_failed": failed, "duplicate": duplicate,
            "identical_answers": identical, "missing_share": float(np.isnan(x[k]).mean()),
            "longstring_flag": longest > max(2, len(items) // 2)})
    out = pd.DataFrame(rows, index=data.index)
    if len(items) < quality.MIN_ITEMS_IDENTICAL_ANSWERS:
        out["identical_answers"] = pd.NA
    if "respondent_id" not in data.columns and not any(c in data.columns for c in seen_keys):
        out["duplicate"] = pd.NA
    return out


def assert_flags_match(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    for column in DISCRETE:
        got = ours[column].astype(object).where(ours[column].notna(), None).tolist()
        want = reference[column].astype(object).where(reference[column].notna(), None).tolist()
        assert got == want, column
    for column in CONTINUOUS:
        np.testing.assert_allclose(ours[column].to_numpy(dtype=float), reference[column].to_numpy(dtype=float),
                                   rtol=1e-10, atol=1e-12, err_msg=column)
    assert ours["respondent_id"].tolist() == reference["respondent_id"].tolist()


def varied(q, n: int, seed: int, missing: float) -> pd.DataFrame:
    """Simulated answers with what real exports hold: careless respondents, gaps, respondents who skipped
    everything or answered once, repeated submissions (same id; same answers from one IP or at one time),
    blank ids, a missing attention answer."""
    data = sr.simulate_responses(q, n=n, seed=seed, careless=0.2, missing=missing)
    items = q.item_ids
    data.loc[3, items] = pd.NA  # skipped everything
    data.loc[4, items[1:]] = pd.NA  # one answer
    data["ip_group"] = [f"ip-{k % 40}" for k in range(len(data))]
    data["submitted_at"] = [f"2026-11-{1 + k % 28:02d}" for k in range(len(data))]
    again = data.index[data[items].notna().all(axis=1)][5:8]
    data = pd.concat([data, data.loc[again]], ignore_index=True)  # resubmitted
    data.loc[len(data) - 1, "respondent_id"] = "R-new"  # the same answers from the same IP, under a new id
    data.loc[20, "respondent_id"] = ""
    data.loc[21, "respondent_id"] = ""
    attention = [c.id for c in q.attention_checks]
    data.loc[5, attention] = pd.NA
    return data


@pytest.fixture(scope="module")
def minimal_q():
    return sr.load_questionnaire(FIXTURES / "minimal.yaml")


@pytest.mark.parametrize(("seed", "missing"), [(1, 0.0), (2, 0.05), (3, 0.3)])
def test_quality_flags_match_per_respondent_definitions(default_q, seed, missing):
    data = varied(default_q, 300, seed, missing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanstd of one answer: NaN, as the reference
        ours = sr.quality_flags(data, default_q)
        reference = ref_flags(data, default_q)
    assert_flags_match(ours, reference)
    if missing < 0.2:  # with 30 % of answers missing no row is complete, so none repeats another
        assert ours["duplicate"].sum() >= 3 and ours["identical_answers"].sum() >= 3  # the repeats are found


def test_quality_flags_match_on_a_short_scale_and_text_codes(minimal_q):
    data = varied(minimal_q, 200, 4, 0.1).drop(columns=["ip_group", "submitted_at"])
    for item in ("d1", "d3", "o2"):  # as text, with blanks and spaces (d3 is reverse-keyed)
        data[item] = data[item].astype(object).map(lambda v: "" if pd.isna(v) else f" {v} ")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = sr.quality_flags(data, minimal_q)
        reference = ref_flags(data.replace({i: {"": np.nan} for i in ("d1", "d3", "o2")}), minimal_q)
    reference["missing_share"] = data[minimal_q.item_ids].isna().mean(axis=1)  # "" is an answered cell there
    assert_flags_match(ours, reference)
    assert ours["identical_answers"].isna().all()


def test_a_missing_attention_answer_counts_as_failed(default_q):
    data = sr.simulate_responses(default_q, n=50, seed=1)
    data.loc[0, "attn1"] = pd.NA  # this raised "cannot convert NA to integer" before
    flags = sr.quality_flags(data, default_q)
    assert flags.loc[0, "attention_failed"] == 1 and flags["attention_failed"].dtype == np.int64


def test_row_blocks_do_not_change_any_value(default_q, monkeypatch):
    data = varied(default_q, 300, 5, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        whole = sr.quality_flags(data, default_q, psychsyn_critval=0.3)
        monkeypatch.setattr(quality, "ROW_BLOCK_CELLS", 7)  # blocks of two or three rows
        blocked = sr.quality_flags(data, default_q, psychsyn_critval=0.3)
    # Mahalanobis sums its means and cross-products block by block: equal to rounding, not to the bit
    pd.testing.assert_frame_equal(whole.drop(columns="mahalanobis_d2"), blocked.drop(columns="mahalanobis_d2"),
                                  check_exact=True)
    np.testing.assert_allclose(whole["mahalanobis_d2"], blocked["mahalanobis_d2"], rtol=1e-12)


# ----- the pieces that replace pandas' slower routines -------------------------------------------------
def test_item_correlations_choose_pandas_pairs():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, (400, 8)).astype(float)
    x[:, 1] = np.clip(x[:, 0] + rng.integers(-1, 2, 400), 1, 5)
    x[rng.random(x.shape) < 0.15] = np.nan
    x[:, 5] = 3.0  # no variance
    x[:, 6] = np.nan  # no answers
    x[:390, 7] = np.nan  # ten answers
    exact = pd.DataFrame(x).corr().to_numpy()
    fast = quality._item_correlations(x, 0.6)
    defined = ~np.isnan(exact)
    assert np.array_equal(defined, ~np.isnan(fast))
    np.testing.assert_allclose(fast[defined], exact[defined], rtol=1e-9)
    # a pair right at the cut-off is pandas' own number, so '> cut' decides as pandas would
    cut = exact[0, 1]
    assert quality._item_correlations(x, cut)[0, 1] == exact[0, 1]


@pytest.mark.parametrize(("points", "width", "text"), [(5, 25, False), (7, 40, False), (5, 12, True)])
def test_duplicated_rows_equal_pandas(points, width, text):
    rng = np.random.default_rng(points * width)
    answers = pd.DataFrame(rng.integers(1, points + 1, (500, width)), dtype="Int64")
    answers.iloc[100:150] = answers.iloc[0:50].to_numpy()
    answers = answers.mask(rng.random(answers.shape) < 0.01)
    if text:
        answers = answers.astype(object)
    key = pd.Series(rng.choice(["a", "b", "c"], 500))
    complete = answers.notna().all(axis=1).to_numpy()
    x = quality._matrix(answers)
    for k in (None, key):
        frame = answers if k is None else pd.concat([k.rename("__key__"), answers], axis=1)
        expected = frame.duplicated(keep="first").to_numpy() & complete
        assert np.array_equal(quality._duplicated_rows(answers, x, complete, k), expected)
        assert expected.sum() > 0
    words = quality._packed_rows(answers, x, np.flatnonzero(complete))
    if text:
        assert words is None  # text codes are compared by pandas
    else:  # 5**25 < 2**62 fits one word; 40 seven-point answers need two
        assert len(words) == {25: 1, 40: 2}[width]


# ----- reading: each cell as a plain mapping would read it --------------------------------------------
def ref_cell(q, question, cell: str):
    """The code (or option value) of one cell: the reader's documented rules, one cell at a time."""
    text = cell.strip()
    if text in ("", "nan", "None", "<NA>", "-2", "-3", "(跳过)", "(空)"):
        return None
    labels = {label.strip(): code for lang in q.meta.languages for code, label in choices_of(q, question, lang)}
    if isinstance(question.source, Demographic):
        labels.update({o.value: o.code for o in question.source.options})
    try:
        code = int(float(text))
    except ValueError:
        code = labels[text]
    if isinstance(question.source, Demographic):
        return {o.code: o.value for o in question.source.options}[code]
    return code


def test_reader_maps_every_cell_as_the_per_cell_rules(default_q, tmp_path):
    rng = np.random.default_rng(8)
    questions = field_order(default_q)
    frame = {"respondent_id": [f"R{k}" for k in range(400)]}
    for question in questions:
        options = choices_of(default_q, question, "zh") + choices_of(default_q, question, "en")
        spellings = [str(c) for c, _ in options] + [f" {c} " for c, _ in options] + [f"{c}.0" for c, _ in options]
        spellings += [label for _, label in options] + ["", "nan", "-3", "(跳过)"]
        if isinstance(question.source, Demographic):
            spellings += [o.value for o in question.source.options]
        frame[f"{question.number}、{question.text('zh')}"] = rng.choice(spellings, 400)
    frame["所用时间"] = [f"{m}分{s}秒" for m, s in rng.integers(0, 10, (400, 2))]
    raw = pd.DataFrame(frame)
    path = tmp_path / "wjx.csv"
    raw.to_csv(path, index=False, encoding="gb18030")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    read = sr.read_responses(path, default_q)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # only read
    for question, column in zip(questions, raw.columns[1:], strict=False):
        expected = [ref_cell(default_q, question, cell) for cell in raw[column]]
        got = read.data[question.id].astype(object).where(read.data[question.id].notna(), None).tolist()
        assert got == expected, question.id


@pytest.mark.parametrize(("cells", "message"), [
    ({4: "7", 30: "7", 9: "9"}, r"row 6, column 'int3' \(int3\): code 7 is outside"),
    ({40: "3.5", 12: "maybe", 60: "3.5"}, r"row 14, column 'int3' \(int3\): 'maybe' is not an option"),
    ({7: " 2.5 ", 8: "2.5"}, r"row 9, column 'int3' \(int3\): '2.5' is not an answer code"),
])
def test_an_error_names_the_first_bad_row(default_q, tmp_path, cells, message):
    data = sr.simulate_responses(default_q, n=80, seed=2).astype({"int3": object, "int4": object})
    for row, value in cells.items():
        data.loc[row, "int3"] = value
    data.loc[70, "int4"] = "x"  # a later column: not the one reported
    path = tmp_path / "bad.csv"
    data.to_csv(path, index=False)
    with pytest.raises(sr.ResponseDataError, match=message):
        sr.read_responses(path, default_q)


# ----- Arrow's CSV parse agrees with pandas' wherever it is used ----------------------------------------
CELL = st.text(alphabet=["a", "1", " ", ",", '"', "\n", "\r", "中", ";", "\t", "|"], max_size=5)


@st.composite
def tables(draw):
    """Mostly rectangular tables (where Arrow is used), now and then a ragged row (where it must stand back)."""
    width = draw(st.sampled_from([1, 2, 3, 3, 4, 4]))
    plain = draw(st.integers(0, 3)) > 0  # mostly names pandas keeps as they are: unique, not blank
    header = draw(st.lists(st.text(alphabet=["a", "b", " ", '"', ","], min_size=int(plain), max_size=3),
                           min_size=width, max_size=width, unique=plain))
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=6))
    if rows and draw(st.booleans()) and draw(st.booleans()):
        rows[-1] = rows[-1][:-1] if draw(st.booleans()) else rows[-1] + ["x"]
    return header, rows


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), quote=st.booleans(), ending=st.sampled_from(["\n", "\r\n", "\r"]),
       tail=st.sampled_from(["", "", "", "\n", "  \n", ",", "\n\n", "\t\n"]),
       delimiter=st.sampled_from(readers.DELIMITERS))
def test_arrow_parse_equals_pandas(table, quote, ending, tail, delimiter):
    pytest.importorskip("pyarrow")
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote else csv.QUOTE_MINIMAL,
                        lineterminator=ending)
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue() + tail  # a blank or whitespace-only last line: pandas skips those
    data = text.encode("utf-8")
    try:
        width = len(next(iter(readers._first_rows(text, delimiter, 1)), []))  # the header, as the reader finds it
    except csv.Error:
        return  # refused before either parser runs
    arrow = readers._arrow_csv(data, delimiter, width)
    if arrow is None:
        return  # pandas reads (or refuses) it, as before
    expected = pd.read_csv(io.BytesIO(data), sep=delimiter, dtype=readers.TEXT, keep_default_na=False,
                           encoding="utf-8")
    pd.testing.assert_frame_equal(arrow, expected, check_exact=True)


@settings(max_examples=200, deadline=None)
@given(table=tables(), ending=st.sampled_from(["\n", "\r\n", "\r"]), count=st.integers(1, 4),
       size=st.integers(1, 12), delimiter=st.sampled_from(readers.DELIMITERS))
def test_first_rows_from_a_prefix_equal_the_whole_text(table, ending, count, size, delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows([table[0], *table[1]])
    text = out.getvalue()
    try:
        whole = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), count))
    except csv.Error:
        with pytest.raises(csv.Error):
            readers._first_rows(text, delimiter, count, size=size)
        return
    assert readers._first_rows(text, delimiter, count, size=size) == whole


def test_arrow_and_pandas_read_the_same_export(default_q, tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    data = sr.simulate_responses(default_q, n=300, seed=6, careless=0.1, missing=0.1)
    data.loc[3, "careless_type"] = 'says "hi",\nthen leaves'  # quotes and a newline inside a value
    path = tmp_path / "export.csv"
    data.to_csv(path, index=False)
    fast = sr.read_responses(path, default_q)
    monkeypatch.setattr(readers, "_arrow_csv", lambda *args: None)
    plain = sr.read_responses(path, default_q)
    pd.testing.assert_frame_equal(fast.data, plain.data, check_exact=True)
    assert fast.provenance == plain.provenance


# ----- Parquet in and out ---------------------------------------------------------------------------------
@pytest.fixture()
def parquet():
    return pytest.importorskip("pyarrow.parquet")


def test_parquet_reads_as_the_csv_of_the_same_data(default_q, tmp_path, parquet):
    data = sr.simulate_responses(default_q, n=200, seed=9, careless=0.1, missing=0.1)
    data.to_csv(tmp_path / "a.csv", index=False)
    data.to_parquet(tmp_path / "a.parquet", index=False)
    from_csv = sr.read_responses(tmp_path / "a.csv", default_q)
    from_parquet = sr.read_responses(tmp_path / "a.parquet", default_q)
    pd.testing.assert_frame_equal(from_parquet.data, from_csv.data, check_exact=True)
    assert from_parquet.provenance["source"] == "parquet"
    bad = tmp_path / "b.parquet"
    bad.write_text("not parquet", encoding="utf-8")
    with pytest.raises(sr.ResponseDataError, match="not a readable Parquet file"):
        sr.read_responses(bad, default_q)


def test_cleaned_data_round_trip_through_parquet(default_q, tmp_path, parquet):
    import json

    raw = sr.simulate_responses(default_q, n=300, seed=10, careless=0.15)
    raw["respondent_id"] = [f"138{k:08d}" for k in range(300)]  # phone numbers as ids
    path = tmp_path / "raw.csv"
    raw.to_csv(path, index=False)
    before = path.read_bytes()
    responses = sr.read_responses(path, default_q, key=b"k" * 32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScreeningWarning)
        flags = sr.quality_flags(responses.data, default_q)
        kept, _ = sr.apply_exclusions(responses.data, flags, {"attention": True, "speeder": True})
    out = write_parquet(kept, tmp_path / "out" / "kept.parquet", inputs=[path],
                        provenance=responses.provenance)
    assert path.read_bytes() == before
    table = parquet.read_table(out)
    written = table.column("respondent_id").to_pylist()
    assert table.num_rows == len(kept) and all(v.startswith("p-") for v in written)
    assert not set(written) & set(raw["respondent_id"])  # pseudonyms only
    stored = json.loads(table.schema.metadata[readers.PROVENANCE_KEY])
    assert stored["sha256"] == hashlib.sha256(before).hexdigest()
    again = sr.read_responses(out, default_q)
    pd.testing.assert_frame_equal(again.data, kept.reset_index(drop=True), check_exact=True)
    assert [p.name for p in out.parent.iterdir()] == ["kept.parquet"]  # no temporary file left


def test_write_parquet_refuses_identifiers_and_inputs(default_q, tmp_path, parquet, monkeypatch):
    data = sr.simulate_responses(default_q, n=20, seed=1)
    with pytest.raises(sr.ResponseDataError, match="column 'contact' holds phone numbers"):
        write_parquet(data.assign(contact="13800138000"), tmp_path / "x.parquet")
    with pytest.raises(sr.ResponseDataError, match="column '手机' is an identifying column"):
        write_parquet(data.assign(**{"手机": "n/a"}), tmp_path / "x.parquet")
    source = tmp_path / "raw.parquet"
    data.to_parquet(source)
    responses = sr.read_responses(source, default_q)
    with pytest.raises(OutputPathError, match="is an input"):
        write_parquet(responses, source)
    target = tmp_path / "kept.parquet"
    write_parquet(data, target)
    previous = target.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(parquet, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        write_parquet(data.iloc[:5], target)
    assert target.read_bytes() == previous and sorted(p.name for p in tmp_path.iterdir()) == [
        "kept.parquet", "raw.parquet"]


# ----- scoring ------------------------------------------------------------------------------------------
def test_scores_match_per_respondent_means(default_q):
    data = sr.reverse_code(varied(default_q, 200, 11, 0.2), default_q)
    scores = sr.scale_scores(data, default_q)
    for c in default_q.construct_ids:
        items = [i.id for i in default_q.items_of(c)]
        for k in range(len(data)):
            answered = [float(v) for v in data.loc[k, items] if pd.notna(v)]
            expected = np.mean(answered) if len(answered) >= 0.5 * len(items) else np.nan
            assert scores.loc[k, c] == pytest.approx(expected, nan_ok=True, rel=1e-12), (c, k)


def test_reverse_code_leaves_its_input_alone(default_q):
    data = sr.simulate_responses(default_q, n=10, seed=1)
    before = data.copy()
    out = sr.reverse_code(data, default_q)
    out.loc[0, "int1"] = 99
    out.loc[0, "con4"] = 99
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow is installed")
def test_without_pyarrow_parquet_is_a_named_error(default_q, tmp_path):
    data = sr.simulate_responses(default_q, n=30, seed=2)
    (tmp_path / "a.parquet").write_bytes(b"PAR1")
    with pytest.raises(sr.ResponseDataError, match="reading Parquet needs the pyarrow package"):
        sr.read_responses(tmp_path / "a.parquet", default_q)
    with pytest.raises(sr.ResponseDataError, match="writing Parquet needs the pyarrow package"):
        write_parquet(data, tmp_path / "b.parquet")
