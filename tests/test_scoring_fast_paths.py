"""The fast paths scoring takes over a city's million pages give what the rules they replaced
give, value for value (hypothesis). Each replaced rule is kept here, as it was, as the reference:
a round must not change because it got faster (tests/golden is the whole-round check)."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.checks import _doc_no, _scope, duplicate_keys
from scoring.checks.duplicate_information import (
    DuplicateParams,
    _candidates,
    _printed_doc_nos,
)
from scoring.checks.duplicate_keys import (
    _CORE,
    _NAMED,
    _TAIL_WORDS,
    normalise_titles,
    title_keys,
    untagged,
)
from scoring.checks.interpretation_coverage import _named
from scoring.indicator_model import SuggestionValues, suggestion_values
from scoring.workdays import FIRST_DAY, LAST_DAY, WorkSpan, default_calendar

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Pieces of titles the rules look at (tags, brackets, 关于/印发, endings, spaces, full-width
# forms, NUL) and plain ones, joined at random so that titles hit every branch.
PIECES = ["【通知公告】", "【", "】", "[转]", "[", "]", "转发：", "转载:", "转:", "转", "（全文）",
          "(全文)", "(转载)", "（图文）", "(附全文)", "(原文)", "（2025年）", "关于", "印发", "转发",
          "《", "》", "《江淮市X办法》", "的通知", "的意见", "的函", "江淮市", "人民政府", "Y工作",
          " ", "\u3000", "\xa0", "Ａ", "１", "(", ")", "的", "\x00", "甲"]  # fmt: skip
titles = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
    st.text(alphabet="".join(PIECES), max_size=12),
)


def _rows_containing_before(values: pd.Series, words) -> np.ndarray:
    words = [w for w in dict.fromkeys(words) if w]
    texts = values.to_numpy(dtype=object, na_value="")
    return np.array([any(w in str(t) for w in words) for t in texts], dtype=bool)


def _title_keys_before(titles: pd.Series) -> list[pd.Series]:
    """duplicate_keys.title_keys before it became plain loops (pandas string methods)."""
    values = titles.astype(object).where(titles.notna(), "").astype(str)
    first, last = values.str[:1], values.str[-1:]
    tails = tuple(f"({word})" for word in _TAIL_WORDS)
    tagged = (first.isin(["【", "[", "转"]) | last.eq("】") | values.str.endswith(tails)).to_numpy(
        dtype=bool
    )
    bare = pd.Series(None, index=titles.index, dtype=object)
    if tagged.any():
        stripped = values[tagged].map(untagged)
        bare[tagged] = stripped.where(stripped != values[tagged], None)
    text = bare.where(bare.notna(), values)
    core = pd.Series(None, index=titles.index, dtype=object)
    named = _rows_containing_before(text, ["《"])
    if named.any():
        core[named] = text[named].str.extract(_NAMED, expand=False)
    issued = ~named & _rows_containing_before(text, ["关于"])
    if issued.any():
        core[issued] = text[issued].str.extract(_CORE, expand=False)
    core = core.where(core != values, None)
    return [bare, core]


def _plain(values: pd.Series) -> list:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values]


@SETTINGS
@given(st.lists(st.one_of(titles, st.none()), max_size=40))
def test_title_keys_as_the_pandas_rule(raw):
    series = pd.Series(raw, dtype=object)
    for given_titles in (series, normalise_titles(series)):
        got, want = title_keys(given_titles), _title_keys_before(given_titles)
        for mine, kept in zip(got, want, strict=True):
            assert _plain(mine) == _plain(kept)
            assert list(mine.index) == list(kept.index)


DOC_NOS = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    st.text(alphabet="江政办〔〕[]()（） 2023号\t", max_size=12),
)


def _printed_doc_nos_before(values: pd.Series) -> pd.Series:
    out = pd.Series(None, index=values.index, dtype=object)
    present = values.notna().to_numpy(dtype=bool).copy()
    present[present] = values[present].astype(str).str.strip().ne("").to_numpy(dtype=bool)
    out[present] = values[present].map(_doc_no.normalise)
    return out


@SETTINGS
@given(st.lists(DOC_NOS, max_size=30))
def test_printed_doc_nos_as_before(raw):
    series = pd.Series(raw, dtype=object)
    assert _plain(_printed_doc_nos(series)) == _plain(_printed_doc_nos_before(series))


def _candidates_before(arts: pd.DataFrame, params: DuplicateParams) -> pd.DataFrame:
    """duplicate_information._candidates before: the same pairing, pandas string methods."""
    titles = normalise_titles(arts["title"])
    keys = [("t", titles), *(("t", d) for d in _title_keys_before(titles)),
            ("b", _printed_doc_nos_before(arts["body_doc_no"]))]  # fmt: skip
    pos_of: dict[str, list] = {"t": [], "b": []}
    values_of: dict[str, list] = {"t": [], "b": []}
    for tag, key in keys:
        present = key.notna().to_numpy(dtype=bool).copy()
        if tag == "t":
            present[present] = key[present].str.len().to_numpy() >= params.min_length
        pos_of[tag].append(np.flatnonzero(present))
        values_of[tag].append(key.to_numpy(dtype=object)[present])
    pos_all, codes, offset = [], [], 0
    for tag in ("t", "b"):
        found = pd.factorize(np.concatenate(values_of[tag]))[0].astype("int64")
        pos_all.append(np.concatenate(pos_of[tag]))
        codes.append(found + offset)
        offset += int(found.max(initial=-1)) + 1
    pos_all = np.concatenate(pos_all)
    unit_code = pd.factorize(arts["unit_id"])[0].astype("int64")[pos_all]
    group = np.concatenate(codes) * (int(unit_code.max(initial=0)) + 1) + unit_code
    keyed = pd.DataFrame({"pos": pos_all, "group": group}).drop_duplicates()
    keyed = keyed[keyed["group"].duplicated(keep=False).to_numpy()]
    if keyed.empty:
        return arts.iloc[:0].assign(group=pd.Series(dtype="int64"))
    if params.across_columns:
        column = arts["column_id"].to_numpy()[keyed["pos"].to_numpy()]
        spread = pd.Series(column).groupby(keyed["group"].to_numpy()).nunique()
        keyed = keyed[keyed["group"].isin(spread.index[spread.to_numpy() >= 2]).to_numpy()]
    out = arts.iloc[keyed["pos"].to_numpy()].copy()
    out["group"] = keyed["group"].to_numpy()
    return out


# Few distinct titles, so that pages share keys.
SHORT_TITLES = st.sampled_from(
    ["关于印发《江淮市X办法》的通知", "江淮市X办法", "【通知公告】关于做好Y工作的通知",
     "关于做好Y工作的通知", "转发：关于做好Y工作的通知", "通知", "江淮市 X 办法（全文）", "Ｙ工作"]
)  # fmt: skip
PAGES = st.lists(
    st.tuples(st.one_of(SHORT_TITLES, titles), st.sampled_from(["a", "b"]),
              st.sampled_from([1, 2, 3]), st.sampled_from([None, "江政〔2024〕1号", "江政[2024]1号"])),
    max_size=25,
)  # fmt: skip


@SETTINGS
@given(PAGES, st.booleans(), st.integers(1, 8))
def test_duplicate_candidates_as_before(pages, across, min_length):
    arts = pd.DataFrame(pages, columns=["title", "unit_id", "column_id", "body_doc_no"])
    arts.index = arts.index * 3  # row positions of a slice of data.articles
    params = DuplicateParams(across_columns=across, min_length=min_length)
    pd.testing.assert_frame_equal(_candidates(arts, params), _candidates_before(arts, params))


WORDS = st.lists(st.text(alphabet="ab关于\x00", max_size=3), max_size=4)


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab关于x\x00", max_size=8)), max_size=30),
       WORDS)  # fmt: skip
def test_rows_containing_is_containment(values, words):
    series = pd.Series(values, dtype=object)
    got = _scope.rows_containing(series, words)
    assert got.tolist() == _rows_containing_before(series, words).tolist()


class _Data:
    """What `_scope.member` reads of a CrawlData."""

    def __init__(self, articles: pd.DataFrame) -> None:
        self.articles, self.cache = articles, {}

    def memo(self, key, build):
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.sampled_from("abcd")), max_size=30),
       st.lists(st.sampled_from("abcdz"), max_size=4))  # fmt: skip
def test_member_is_isin(cells, wanted):
    data = _Data(pd.DataFrame({"unit_id": pd.Series(cells, dtype=object)}))
    got = _scope.member(data, "unit_id", wanted)
    assert got.tolist() == data.articles["unit_id"].isin(wanted).tolist()


EVIDENCE_KEYS = ["title", "doc_title", "other_title", "names", "category", "problem", "count",
                 "title_quoted", "names_text"]  # fmt: skip
EVIDENCE_VALUES = st.one_of(
    st.none(), st.integers(0, 3), st.text(alphabet="《》甲乙", max_size=4),
    st.lists(st.text(alphabet="甲乙", max_size=2), max_size=3),
    st.lists(st.one_of(st.integers(0, 2), st.text(alphabet="甲", max_size=1)), max_size=2),
    st.sampled_from(["news", "normative", "unknown_category"]),
)  # fmt: skip
ASKED = st.sampled_from(
    [*EVIDENCE_KEYS, *(f"{k}_quoted" for k in EVIDENCE_KEYS), *(f"{k}_text" for k in EVIDENCE_KEYS),
     "category_name", "basis", "basis_text", "missing", "_quoted", "_text"]
)  # fmt: skip


@SETTINGS
@given(st.dictionaries(st.sampled_from(EVIDENCE_KEYS), EVIDENCE_VALUES, max_size=6),
       st.lists(ASKED, max_size=6))  # fmt: skip
def test_suggestion_values_made_on_demand_are_the_eager_ones(evidence, asked):
    eager, lazy = suggestion_values(evidence), SuggestionValues(evidence)
    eager.setdefault("basis", "依据")
    lazy.setdefault("basis", "依据")
    for key in asked:
        try:
            mine = lazy[key]
        except KeyError:
            assert key not in eager
        else:
            assert eager[key] == mine
    template = "".join(f"{{{k}}}" for k in asked)
    try:
        want = template.format_map(eager)
    except KeyError:
        want = KeyError
    try:
        got = template.format_map(_with_basis(evidence))
    except KeyError:
        got = KeyError
    assert got == want


def _with_basis(evidence: dict) -> SuggestionValues:
    values = SuggestionValues(evidence)
    values.setdefault("basis", "依据")
    return values


def _explain_before(cal, start: dt.date, end: dt.date) -> WorkSpan:
    """WorkCalendar._explain before it used array operations (day by day)."""
    span = WorkSpan(start, end, cal.lag(start, end))
    if end <= start:
        return span
    first, last = max(start + dt.timedelta(days=1), FIRST_DAY), min(end, LAST_DAY)
    if first > last:
        return span
    flags = cal._workday_flags[(first - FIRST_DAY).days : (last - FIRST_DAY).days + 1]
    days = [first + dt.timedelta(days=i) for i in range(len(flags))]
    makeup = [d for d, work in zip(days, flags, strict=True) if work and d.weekday() >= 5]
    runs: list[list] = []
    for day, work in zip(days, flags, strict=True):
        name = None if work else cal.holiday_name(day)
        if name is None:
            continue
        if (
            runs
            and (day - runs[-1][2]).days <= 3
            and not any(
                cal.is_workday(runs[-1][2] + dt.timedelta(days=i))
                for i in range(1, (day - runs[-1][2]).days)
            )  # fmt: skip
        ):
            runs[-1][2] = day
            if name not in runs[-1][0]:
                runs[-1][0].append(name)
        else:
            runs.append([[name], day, day, 0])
        runs[-1][3] += day.weekday() < 5
    holidays = tuple(("、".join(n), a, b) for n, a, b, off in runs if off)
    years = set(range(first.year, last.year + 1))
    return WorkSpan(start, end, span.workdays, tuple(makeup), holidays,
                    bool(years & cal.estimated_years))  # fmt: skip


CAL = default_calendar()
DAYS = st.dates(dt.date(2003, 10, 1), dt.date(2036, 3, 1))


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(-5, 800))
def test_explain_as_day_by_day(start, length):
    end = start + dt.timedelta(days=length)
    if end > dt.date(2036, 3, 1):
        end = dt.date(2036, 3, 1)
    assert CAL._explain(start, end) == _explain_before(CAL, start, end)


def test_explain_across_spring_festival_and_national_day():
    for start, end in [(dt.date(2024, 9, 20), dt.date(2025, 2, 20)),
                       (dt.date(2019, 12, 25), dt.date(2021, 10, 10))]:  # fmt: skip
        span = CAL._explain(start, end)
        assert span == _explain_before(CAL, start, end)
        assert span.holidays and span.makeup


def _named_before(docs: pd.DataFrame, interps: pd.DataFrame) -> set[str]:
    from scoring.checks._interpretation import document_name

    if docs.empty or interps.empty:
        return set()
    titles = interps.groupby("unit_id")["title"].agg(lambda t: "\n".join(t.fillna("")))
    out = set()
    for row in docs.itertuples(index=False):
        name = document_name(_scope.text(row.title))
        if name and f"《{name}》" in titles.get(row.unit_id, ""):
            out.add(row.url)
    return out


NAME_TITLES = st.lists(st.sampled_from(["《", "》", "甲", "乙", "\n", "关于"]), max_size=6).map(
    "".join
)


@SETTINGS
@given(st.data())
def test_named_documents_as_by_substring(data):
    docs = data.draw(st.lists(st.tuples(NAME_TITLES, st.sampled_from("ab")), max_size=8))
    # Interpretation titles naming documents (their titles in 《》, whole or in part) and not.
    named = st.sampled_from([t for t, _ in docs] or ["甲"]).map(lambda t: f"{t[:3]}《{t}》{t[-2:]}")
    interps = data.draw(
        st.lists(st.tuples(st.one_of(st.none(), NAME_TITLES, named), st.sampled_from("ab")),
                 max_size=8)
    )  # fmt: skip
    docs = pd.DataFrame([(f"u{i}", t, u) for i, (t, u) in enumerate(docs)],
                        columns=["url", "title", "unit_id"])  # fmt: skip
    interps = pd.DataFrame(interps, columns=["title", "unit_id"])
    assert _named(docs, interps) == _named_before(docs, interps)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.text(max_size=2))),
                max_size=8))  # fmt: skip
def test_as_dict_answers_as_series_get(pairs):
    series = pd.Series([v for _, v in pairs], index=[k for k, _ in pairs], dtype=object)
    lookup = _scope.as_dict(series)
    for key in range(7):
        mine, kept = lookup.get(key, "-"), series.get(key, "-")
        if isinstance(kept, pd.Series):
            assert lookup is series
        else:
            assert mine is kept or mine == kept or (pd.isna(mine) and pd.isna(kept))


def test_rows_containing_finds_a_word_in_its_row_never_across_two():
    values = pd.Series(["关", "于", "x关于", None, "ab"], dtype=object)
    assert _scope.rows_containing(values, ["关于", "b"]).tolist() == [0, 0, 1, 0, 1]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)),
    st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)),
)
def test_lag_of_two_days_as_the_array_count(start, end):  # fmt: skip
    assert CAL.lag(start, end) == int(CAL.lags([start], [end])[0])


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab关于x\x00", max_size=8)), max_size=30),
       WORDS, st.integers(1, 4))  # fmt: skip
def test_rows_containing_in_chunks_is_containment(values, words, chunk):
    # A city's titles are joined a chunk at a time: every chunk answered, none across two.
    series = pd.Series(values, dtype=object)
    with patch.object(_scope, "CONTAINING_ROWS", chunk):
        got = _scope.rows_containing(series, words)
    assert got.tolist() == _rows_containing_before(series, words).tolist()


def test_rows_containing_answers_every_chunk():
    values = pd.Series(["x关于", "关", "于", "b", None, "关于"], dtype=object)
    with patch.object(_scope, "CONTAINING_ROWS", 2):
        assert _scope.rows_containing(values, ["关于", "b"]).tolist() == [1, 0, 0, 1, 0, 1]


@SETTINGS
@given(st.lists(st.one_of(titles, st.none()), max_size=40), st.integers(1, 5))
def test_normalise_titles_in_chunks_as_title_by_title(raw, chunk):
    series = pd.Series(raw, dtype=object, index=np.arange(len(raw)) * 2)
    with patch.object(duplicate_keys, "_CHUNK", chunk):
        got = normalise_titles(series)
    assert got.tolist() == [duplicate_keys.normalise_title(t) for t in raw]
    assert got.index.equals(series.index)
