"""`zwgk evaluate` on every legitimate state of the store (issue 9, point 1 and the evaluate half
of point 8): no articles, no unit observed, every host down, an as-of before any article, a killed
crawl run; the validation of --as-of and of round ids; the other scoring commands on an empty,
unreachable or unknown store; and a round killed with SIGKILL while it is being evaluated.

Stores are written through the store API (no HTTP). The test that runs every registered check
type reads them back with `load_crawl` — the store's own path, with the lazily read metadata
fields — and with hand-built frames, so a check type added later is covered without a line here.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest_scoring import article, column, crawl_data, unit
from pydantic import ValidationError
from typer.testing import CliRunner

from scoring.checks.base import FINDING_COLUMNS, CheckContext, available_checks, get_check
from scoring.data import load_crawl
from scoring.indicators import SHIPPED_DIR, load_indicator_set, newest_set
from scoring.round import AS_OF_FLOOR, RoundError, evaluate, load_result
from scoring.workdays import default_calendar
from store import Store, open_store
from store import rounds as round_store
from store.testing import backend_url
from zwgk.cli import app

AS_OF = dt.date(2025, 6, 30)
UNITS = ("u0", "u1", "u2")
CATEGORIES = ("news", "notice", "normative", "policy", "interpretation", "personnel", "plan",
              "budget", "annual_report", "key_area", "consultation", "feedback")  # fmt: skip


# -- stores in the states a real night leaves ---------------------------------------------------
def _units(store: Store) -> None:
    levels = ("市政府", "市直部门", "乡镇街道")
    store.upsert_units(
        [
            {"id": u, "name": f"单位{u}", "level": lvl, "parent": None, "profile": "lonsun",
             "entry_url": f"http://{u}.test/"}
            for u, lvl in zip(UNITS, levels, strict=True)
        ]
    )  # fmt: skip


def _columns(store: Store, run: int, units=UNITS) -> dict[str, int]:
    return store.upsert_columns(
        run,
        [
            {"unit_id": u, "url": f"http://{u}.test/c/{c}/", "name": c, "category": c}
            for u in units
            for c in CATEGORIES
        ],
    )


def _articles(store: Store, run: int, ids: dict[str, int], units=UNITS) -> dict[int, int]:
    """Three articles per column in March–May 2025, with the metadata the checks read."""
    rows = []
    for u in units:
        for c in CATEGORIES:
            for k in range(3):
                rows.append(
                    {"url": f"http://{u}.test/a/{c}{k}.html", "unit_id": u,
                     "column_id": ids[f"http://{u}.test/c/{c}/"], "title": f"关于{c}第{k}号的通知",
                     "publish_date": f"2025-0{k + 3}-10", "written_date": f"2025-0{k + 3}-01",
                     "doc_no": f"甲〔2025〕{k}号", "index_no": f"11340000/2025-0000{k}",
                     "publisher": "单位办公室", "validity": "有效", "body_text": "正文",
                     "extra": {"related": [{"url": f"http://{u}.test/a/policy{k}.html",
                                            "text": "文件", "kind": "document"}]}}
                )  # fmt: skip
    store.upsert_articles(run, rows)
    counts: dict[int, int] = {}
    for r in rows:
        counts[r["column_id"]] = counts.get(r["column_id"], 0) + 1
    return counts


def state_nothing_crawled(store: Store) -> None:
    """A finished run that read nothing (killed before the first directory, then closed)."""
    _units(store)
    store.finish_run(store.start_run("full", list(UNITS)))


def state_every_host_down(store: Store) -> None:
    _units(store)
    run = store.start_run("full", list(UNITS))
    store.record_crawl_issues(
        run, [{"kind": "host_unreachable", "unit_id": u, "url": f"http://{u}.test/"} for u in UNITS]
    )
    store.finish_run(run)


def state_no_articles(store: Store) -> None:
    """Every directory read, every column list empty."""
    _units(store)
    run = store.start_run("full", list(UNITS))
    store.set_column_counts(run, {i: 0 for i in _columns(store, run).values()})
    store.finish_run(run)


def state_articles(store: Store) -> None:
    _units(store)
    run = store.start_run("full", list(UNITS))
    ids = _columns(store, run)
    store.set_column_counts(run, _articles(store, run, ids))
    store.finish_run(run)


def state_partly_down(store: Store) -> None:
    """u0 read; u1 and u2 unreachable."""
    _units(store)
    run = store.start_run("full", list(UNITS))
    ids = _columns(store, run, ["u0"])
    store.set_column_counts(run, _articles(store, run, ids, ["u0"]))
    store.record_crawl_issues(
        run, [{"kind": "host_unreachable", "unit_id": u, "url": f"http://{u}.test/"}
              for u in ("u1", "u2")]
    )  # fmt: skip
    store.finish_run(run)


def state_killed_after_a_finished_run(store: Store) -> None:
    """A finished run, then a run killed half-way (still 'running') that read other articles."""
    state_articles(store)
    run = store.start_run("full", list(UNITS))
    ids = _columns(store, run, ["u0"])
    store.upsert_articles(
        run, [{"url": "http://u0.test/a/late.html", "unit_id": "u0",
               "column_id": ids["http://u0.test/c/news/"], "title": "未完成的采集",
               "publish_date": "2025-06-01"}]
    )  # fmt: skip


STATES = {
    "nothing_crawled": state_nothing_crawled,
    "every_host_down": state_every_host_down,
    "no_articles": state_no_articles,
    "articles": state_articles,
    "partly_down": state_partly_down,
    "killed_after_a_finished_run": state_killed_after_a_finished_run,
}
NOTHING_OBSERVED = {"nothing_crawled", "every_host_down"}


@pytest.fixture
def url(store_url) -> str:
    return store_url


def stored(url: str, state: str) -> str:
    with open_store(url, create=True) as store:
        STATES[state](store)
    return url


# -- every registered check type on empty scopes ------------------------------------------------
def check_runs() -> list[tuple[str, object, frozenset[str] | None]]:
    """(check, params, categories) for every registered check type: each indicator of the shipped
    sets that uses it, else its default params. A new check type without defaults and without a
    shipped indicator fails here, asking for one."""
    sets = [
        load_indicator_set(str(SHIPPED_DIR / "base.yaml")),
        load_indicator_set(str(newest_set())),
    ]
    runs: list[tuple[str, object, frozenset[str] | None]] = []
    for name in available_checks():
        if name == "veto_count":  # counts other indicators' problems: scored by the round
            continue
        used = [i for s in sets for i in s.indicators if i.check == name]
        for indicator in used:
            cats = indicator.applies_to.categories
            runs.append((name, indicator.params, frozenset(cats) if cats else None))
        if not used:
            try:
                runs.append((name, get_check(name).Params(), None))
            except ValidationError:
                pytest.fail(
                    f"check type {name} has required params and no shipped indicator uses it: "
                    "add its parameters to this test's check_runs()"
                )
    return runs


def _run_every_check(data, as_of: dt.date) -> list[pd.DataFrame]:
    out = []
    for name, params, categories in check_runs():
        ctx = CheckContext(
            as_of=as_of, calendar=default_calendar(), units=data.units, categories=categories,
            indicator_id=f"t.{name}",
        )  # fmt: skip
        check = get_check(name)
        found = check.run(data, params, ctx)
        assert list(found.columns) == list(FINDING_COLUMNS), name
        observed = set(data.units.loc[data.units["observed"].astype(bool), "id"])
        assert set(found["unit_id"]) <= observed, f"{name} judged a unit it did not observe"
        # Tracking asks each check which earlier problems it still judges: also on none.
        still = check.in_scope(found.iloc[:0], params, ctx)
        assert len(still) == 0, name
        out.append(found)
    return out


@pytest.mark.parametrize("state", sorted(set(STATES) - {"killed_after_a_finished_run"}))
@pytest.mark.parametrize(
    "as_of", [AS_OF, AS_OF_FLOOR, dt.date(2004, 1, 1), dt.date(2099, 12, 31)], ids=str
)
def test_every_check_type_runs_on_every_state_of_a_stored_crawl(url, state, as_of):
    """AS_OF_FLOOR and 2004 lie before every article; 2099 after every calendar table."""
    with open_store(stored(url, state), create=True) as store:
        data = load_crawl(store)
    found = _run_every_check(data, as_of)
    if state in NOTHING_OBSERVED:
        assert all(f.empty for f in found)


@pytest.mark.parametrize(
    "frames",
    [
        {},  # no unit at all
        {"units": [unit("u1")]},  # a unit without directory
        {"units": [unit("u1")], "columns": [column(1, "u1", "news")]},  # an empty column
        {
            "units": [unit("u1")],
            "columns": [column(1, "u1", "normative")],
            "articles": [article(1, "u1", 1, publish_date="2025-03-01", written_date="1900-01-01")],
            "issues": [
                {"kind": "host_unreachable", "url": "http://gov.test/u1/"},
                {"kind": "http_error", "url": "http://gov.test/u1/col/1/"},
            ],
        },  # fmt: skip
    ],
    ids=["no_units", "no_columns", "empty_column", "nothing_observed"],
)
def test_every_check_type_runs_on_hand_built_empty_scopes(frames):
    data = crawl_data(
        frames.get("units", []),
        frames.get("columns", []),
        frames.get("articles", []),
        issues=frames.get("issues", []),
    )
    found = _run_every_check(data, AS_OF)
    if not data.units["observed"].any():
        assert all(f.empty for f in found)


def test_a_check_that_fails_stops_the_round_with_one_sentence_naming_it(url, monkeypatch):
    """A bug in a check meets some crawl one night: the evaluator reads which indicator failed,
    nothing is stored, and -v gives the traceback for the report."""
    broken = get_check("blank_column")

    def fail(*_args):
        raise KeyError("unexpected")

    monkeypatch.setattr(type(broken), "find", fail)
    stored(url, "articles")
    out = cli("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", "--db", url)
    assert out.exit_code == 2
    assert_one_sentence(out.output, "check blank_column failed", "KeyError")
    with open_store(url, create=True) as store:
        assert set(_count_rows(store).values()) == {0}


def test_articles_dated_outside_every_calendar_are_judged_not_crashed_on():
    """1900, 2099 and 9999 are typos a page may carry: the lag is counted, never wraps round."""
    arts = [
        article(1, "u1", 1, written_date="1900-01-01", publish_date="2025-03-03"),
        article(2, "u1", 1, written_date="2099-01-01", publish_date="2025-03-03"),
        article(3, "u1", 1, written_date="2025-03-01", publish_date="2025-03-03"),
    ]
    data = crawl_data([unit("u1")], [column(1, "u1", "normative")], arts)
    check = get_check("disclosure_lag")
    ctx = CheckContext(as_of=AS_OF, calendar=default_calendar(), units=data.units)
    found = check.run(data, check.Params(), ctx)
    assert [e["written"] for e in found["evidence"]] == ["1900-01-01"]
    assert found["evidence"][0]["workdays"] > 30_000  # 125 years of Mondays to Fridays


# -- evaluate on each state ----------------------------------------------------------------------
def _count_rows(store: Store) -> dict[str, int]:
    from sqlalchemy import func, select

    counts = {}
    with store.engine.connect() as conn:
        for table in (round_store.ROUNDS, round_store.SCORES, round_store.TOTALS,
                      round_store.PROBLEMS):  # fmt: skip
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
    return counts


@pytest.mark.parametrize("state", sorted(NOTHING_OBSERVED))
def test_a_crawl_that_observed_no_unit_is_refused_and_nothing_is_stored(url, state):
    with open_store(stored(url, state), create=True) as store:
        with pytest.raises(RoundError, match="observed none of its 3 unit"):
            evaluate(store, "2025Q2", AS_OF, load_indicator_set(str(newest_set())))
        assert set(_count_rows(store).values()) == {0}
    out = cli("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", "--db", url)
    assert out.exit_code == 2
    assert_one_sentence(out.output, "无可评分单位")


@pytest.mark.parametrize("state", ["no_articles", "articles", "partly_down",
                                   "killed_after_a_finished_run"])  # fmt: skip
@pytest.mark.parametrize("as_of", [AS_OF, AS_OF_FLOOR], ids=str)
def test_a_round_is_computed_over_what_was_observed(url, state, as_of):
    """AS_OF_FLOOR is before every article: the round is computed (columns look empty)."""
    with open_store(stored(url, state), create=True) as store:
        result = evaluate(store, "2025Q2", as_of, load_indicator_set(str(newest_set())))
        totals = result.totals.set_index("unit_id")
        unread = totals[~totals["observed"].astype(bool)]
        assert unread["total"].isna().all() and unread["rank_in_level"].isna().all()
        assert unread["passed"].isna().all()
        assert not set(result.problems["unit_id"]) & set(unread.index)
        if state == "partly_down":
            assert sorted(unread.index) == ["u1", "u2"]
            assert totals.loc["u0", "total"] == totals.loc["u0", "total"]  # a number
        if state == "killed_after_a_finished_run":
            assert result.info.crawl_run == 1  # the finished run, not the killed one
        # Stored whole and read back the same.
        again = load_result(store, "2025Q2")
        assert len(again.problems) == len(result.problems)
        assert len(again.totals) == len(UNITS)
    out = cli("problems", "--round", "2025Q2", "--format", "json", "--db", url)
    assert out.exit_code == 0, out.output


def test_a_killed_run_judges_no_unit_it_did_not_list(url):
    """`--run` naming a run killed half-way: it recorded no column list (counts are written when
    a run finishes), so it observed no unit — refused, nothing stored; judged, every unit would
    have lacked every required column. Units a finished run did not reach are 未评分."""
    with open_store(stored(url, "killed_after_a_finished_run"), create=True) as store:
        indicators = load_indicator_set(str(newest_set()))
        with pytest.raises(RoundError, match="crawl run 2 observed none"):
            evaluate(store, "2025Q2", AS_OF, indicators, run_id=2)
        assert set(_count_rows(store).values()) == {0}
        state = store.start_run("full", ["u0"])  # a later run that read u0's lists only
        ids = _columns(store, state, ["u0"])
        store.set_column_counts(state, dict.fromkeys(ids.values(), 3))
        store.finish_run(state)
        result = evaluate(store, "2025Q2", AS_OF, indicators, run_id=state)
    totals = result.totals.set_index("unit_id")
    assert totals["observed"].to_dict() == {"u0": True, "u1": False, "u2": False}
    assert totals.loc[["u1", "u2"], "total"].isna().all()
    assert set(result.problems["unit_id"]) <= {"u0"}


def test_recheck_refuses_an_as_of_before_the_floor(url):
    out = cli("recheck", "--round", "2025Q2", "--as-of", "2001-01-01", "--db", url)
    assert out.exit_code == 2
    assert_one_sentence(out.output, "before 2008-05-01")


def test_crawled_text_that_looks_like_markup_is_printed_as_it_is(url):
    """A title "[/red]…" reached `zwgk problems` as rich markup and stopped it (MarkupError)."""
    with open_store(url, create=True) as store:
        state_articles(store)
        run = store.start_run("full", list(UNITS))
        ids = _columns(store, run)
        counts = _articles(store, run, ids)
        store.upsert_articles(
            run, [{"url": "http://u0.test/a/x.html", "unit_id": "u0", "title": "通知[/red][bold",
                   "column_id": ids["http://u0.test/c/normative/"]}]
        )  # fmt: skip
        store.set_column_counts(run, counts)
        store.finish_run(run)
    out = cli("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", "--db", url)
    assert out.exit_code == 0, out.output
    wide = {"COLUMNS": "1000"}  # the table folds long cells otherwise
    listed = CliRunner().invoke(app, ["problems", "--round", "2025Q2", "--db", url], env=wide)
    assert listed.exit_code == 0, listed.output
    assert "[/red][bold" in listed.output
    decided = cli("problems", "decide", "--by", "[/b]张三", "--confirm", "--db", url,
                  _fingerprint_of(url, "http://u0.test/a/x.html"))  # fmt: skip
    assert decided.exit_code == 0 and "[/b]张三" in decided.output


def _fingerprint_of(url: str, target: str) -> str:
    with open_store(url, create=True) as store:
        problems = round_store.problems_frame(store, "2025Q2")
    return str(problems.loc[problems["target_url"] == target, "fingerprint"].iloc[0])


def test_units_not_observed_show_as_not_scored_in_the_ranking_and_summary(url):
    out = cli("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30",
              "--db", stored(url, "partly_down"))  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "未评分" in out.output and "未予评分" in out.output


# -- the command line: validation and one sentence, never a traceback ----------------------------
def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_one_sentence(output: str, *parts: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for part in parts:
        assert part in lines[0], output


@pytest.mark.parametrize(
    ("as_of", "extra", "message"),
    [
        ("2025-13-01", [], "is not a date"),
        ("30/06/2025", [], "is not a date"),
        ("", [], "is not a date"),
        ("2005-06-30", [], "before 2008-05-01"),
        ("0001-01-01", ["--allow-future"], "before 2008-05-01"),
        ("2999-06-30", [], "after crawl run 1 ended"),
    ],
)
def test_as_of_is_a_real_date_not_before_the_floor_nor_after_the_crawl(url, as_of, extra, message):
    out = cli("evaluate", "--round", "2025Q2", "--as-of", as_of, *extra,
              "--db", stored(url, "articles"))  # fmt: skip
    assert out.exit_code == 2
    assert_one_sentence(out.output, message)
    with open_store(url, create=True) as store:
        assert set(_count_rows(store).values()) == {0}


def test_allow_future_evaluates_after_the_crawl_and_far_away(url):
    stored(url, "articles")
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    refused = cli("evaluate", "--round", "2025Q2", "--as-of", tomorrow, "--db", url)
    assert refused.exit_code == 2 and "--allow-future" in refused.output
    for round_id, day in (("F1", tomorrow), ("F2", "2099-12-31"), ("F3", "9999-12-31")):
        out = cli("evaluate", "--round", round_id, "--as-of", day, "--allow-future", "--db", url)
        assert out.exit_code == 0, out.output
    # Evaluated again, a stored round keeps its own date without --allow-future.
    again = cli("evaluate", "--round", "F3", "--db", url)
    assert again.exit_code == 0 and "evaluated again" in again.output


@pytest.mark.parametrize(
    ("round_id", "message"),
    [
        ("", "cannot be empty"),
        ("x" * 33, "at most 32"),
        ("2025 Q2", "only letters, digits"),
        ("../2025Q2", "only letters, digits"),
        ("2025Q2\x1b[31m", "only letters, digits"),
        ("-2025Q2", "beginning with a letter or digit"),
    ],
)
def test_a_bad_round_id_is_refused_in_one_sentence(url, round_id, message):
    out = cli("evaluate", "--round", round_id, "--as-of", "2025-06-30",
              "--db", stored(url, "articles"))  # fmt: skip
    assert out.exit_code == 2
    assert_one_sentence(out.output, message)
    assert "\x1b" not in out.output


def test_an_unreadable_calendar_or_indicator_file_is_one_sentence(url, tmp_path):
    stored(url, "articles")
    for option in ("--calendar", "--indicators"):
        missing = str(tmp_path / "missing.yaml")
        out = cli("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", option, missing,
                  "--db", url)  # fmt: skip
        assert out.exit_code == 2
        assert_one_sentence(out.output, "missing.yaml")


@pytest.mark.parametrize("round_id", ["2025Q2", "2021-hk1", "2024_special.2", "R1", "x" * 32])
def test_round_ids_of_the_documented_pattern_are_accepted(round_id):
    assert round_store.check_round_id(round_id) == round_id


@pytest.mark.parametrize(
    "args",
    [
        ["problems", "--round", "2025Q9"],
        ["problems", "decide", "0123456789abcdef", "--confirm", "--by", "张三"],
        ["recheck", "--round", "2025Q9"],
        ["evaluate", "--round", "2025Q2", "--as-of", "2025-06-30"],
        ["evaluate", "--round", "2025Q2"],
        ["report", "round", "--round", "2025Q2", "--out", "reports"],
        ["report", "checklist", "--round", "2025Q2", "--out", "reports"],
        ["responses", "list", "--round", "2025Q2"],
    ],
    ids=[
        "problems",
        "decide",
        "recheck",
        "evaluate",
        "evaluate_without_as_of",
        "report_round",
        "report_checklist",
        "responses_list",
    ],  # fmt: skip
)
@pytest.mark.parametrize(
    "where", ["empty", "empty_file", "newer_schema", "not_a_database", "unreachable", "bad_url"]
)
def test_scoring_commands_on_an_empty_or_unusable_store_say_one_sentence(tmp_path, args, where):
    # SQLite files on purpose (empty, zero bytes, not a database), whatever the suite's backend.
    db = {
        "empty": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        "empty_file": f"sqlite:///{tmp_path / 'zero.sqlite'}",
        "newer_schema": f"sqlite:///{tmp_path / 'old.sqlite'}",
        "not_a_database": f"sqlite:///{tmp_path / 'notes.txt'}",
        "unreachable": "postgresql://zwgk:secret@127.0.0.1:9/none",
        "bad_url": "nosuchdb://x",
    }[where]
    (tmp_path / "zero.sqlite").write_bytes(b"")  # never migrated: created on first use
    (tmp_path / "notes.txt").write_text("这不是数据库\n" * 200, encoding="utf-8")
    if where == "newer_schema":
        import sqlite3

        with sqlite3.connect(tmp_path / "old.sqlite") as conn:  # a file that is no zwgk store
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            conn.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    out = cli(*args, "--db", db)
    assert out.exit_code == 2, out.output
    assert_one_sentence(out.output)
    assert "secret" not in out.output


# -- kill -9 -------------------------------------------------------------------------------------
def _evaluate_process(url: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    return subprocess.Popen(
        [sys.executable, "-m", "zwgk", "-v", "evaluate", "--round", "2025Q2",
         "--as-of", "2025-06-30", "--db", url, *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _kill_when(process: subprocess.Popen[str], marker: str) -> bool:
    """SIGKILL the process as soon as its log shows `marker`; True if it was still running."""
    assert process.stderr is not None
    for line in process.stderr:
        if marker in line:
            alive = process.poll() is None
            process.send_signal(signal.SIGKILL)
            process.wait(30)
            return alive
    process.wait(30)
    return False


def _numbers(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    totals = round_store.round_totals_frame(store, "2025Q2")[["unit_id", "total", "rank_in_level"]]
    problems = round_store.problems_frame(store, "2025Q2", evidence=False)
    return totals, problems[["fingerprint", "status", "deduction"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory) -> tuple[Path, tuple[pd.DataFrame, pd.DataFrame]]:
    """A store of ~42,000 articles (evaluate takes a few seconds) and the numbers of round 2025Q2
    evaluated on a copy without interruption."""
    import shutil

    from benchmarks.score import build

    folder = tmp_path_factory.mktemp("big")
    build(f"sqlite:///{folder / 'big.sqlite'}", 60, 40_000)
    shutil.copy(folder / "big.sqlite", folder / "reference.sqlite")
    done = _evaluate_process(f"sqlite:///{folder / 'reference.sqlite'}")
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err[-2000:]
    with open_store(f"sqlite:///{folder / 'reference.sqlite'}", create=True) as store:
        return folder / "big.sqlite", _numbers(store)


@pytest.mark.slow
@pytest.mark.parametrize(
    "marker",
    ["loaded in", "in one transaction"],  # the checks running; the round's rows being written
    ids=["while_checking", "while_storing"],
)
def test_a_round_killed_mid_way_leaves_nothing_half_written_and_the_next_run_completes(
    big_store, store_urls, marker
):
    built, want = big_store
    url = store_urls.copy_of(built, "big")

    # Killed mid-way: no round, and none of its rows, is left behind.
    process = _evaluate_process(url)
    assert _kill_when(process, marker), "evaluate ended before it could be killed"
    assert process.returncode == -signal.SIGKILL
    with open_store(url, create=True) as store:
        counts = _count_rows(store)
        assert set(counts.values()) == {0}, counts

    # Run again: it completes with the uninterrupted run's numbers.
    again = _evaluate_process(url)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-2000:]
    with open_store(url, create=True) as store:
        got = _numbers(store)
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1])

    # Killed while replacing the stored round (--replace): the old round stays whole.
    process = _evaluate_process(url, "--replace")
    assert _kill_when(process, marker)
    with open_store(url, create=True) as store:
        kept = _numbers(store)
        assert _count_rows(store)["rounds"] == 1
    pd.testing.assert_frame_equal(kept[0], want[0])
    pd.testing.assert_frame_equal(kept[1], want[1])


@pytest.mark.slow
def test_a_real_night_with_every_host_down_is_refused_in_one_sentence(tmp_path, store_url):
    """`zwgk crawl` of the sample portal with no server answering, then `zwgk evaluate`."""
    from conftest_scoring import FAST, _free_port

    from demo.generate import make_sample, write_portal

    write_portal(tmp_path, *make_sample(seed=11, port=_free_port(), first_address=231))
    url = store_url
    env = dict(os.environ, ZWGK_DATABASE_URL=url,
               PYTHONPATH=str(Path(__file__).resolve().parent.parent))  # fmt: skip
    zwgk = [sys.executable, "-m", "zwgk"]
    crawled = subprocess.run(
        [*zwgk, "crawl", "-r", str(tmp_path / "units.yaml"), "-q", *FAST, "-s", "RETRY_TIMES=0"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    with open_store(url, create=True) as store:
        run = store.latest_run()
        assert run is not None and run.status == "finished", crawled.stderr[-2000:]
        issues = store.crawl_issues_frame(run.id)
        assert set(issues["kind"]) == {"host_unreachable"}
    out = subprocess.run(
        [*zwgk, "evaluate", "--round", "2025Q2", "--as-of", "2025-06-30"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 2
    assert_one_sentence(out.stdout + out.stderr, "无可评分单位")
    with open_store(url, create=True) as store:
        assert set(_count_rows(store).values()) == {0}


@pytest.mark.postgres
def test_a_refused_round_stores_nothing_on_postgresql(tmp_path):
    with backend_url("postgresql", tmp_path) as pg, open_store(pg, create=True) as store:
        state_every_host_down(store)
        with pytest.raises(RoundError, match="observed none"):
            evaluate(store, "2025Q2", AS_OF, load_indicator_set(str(newest_set())))
        assert set(_count_rows(store).values()) == {0}
        with pytest.raises(RoundError, match="before 2008-05-01"):
            evaluate(store, "2025Q2", dt.date(2001, 1, 1), load_indicator_set(str(newest_set())))
