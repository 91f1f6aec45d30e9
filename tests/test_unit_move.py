"""A unit whose site moves (网站迁移, `zwgk units move`): its problems keep their history.

Between two rounds a unit's site changes address. Without the move recorded, its open problems
become 未能复核 and come back as new under the new URLs (the control test shows it); with it,
the still-present ones stay open with their first round and decision, the fixed ones are fixed.
Rounds run on hand-made findings (tests/round_fixtures.py) in a SQLite store; the URLs each case
expects are written out here, not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pytest
from round_fixtures import (
    HandMadeCrawl,
    HandMadeIndicator,
    HandMadeSet,
    columns,
    planted,
    planted_check,  # noqa: F401 (fixture)
    units,
)
from sqlalchemy import inspect
from typer.testing import CliRunner

from scoring.recheck import apply_recheck
from scoring.round import evaluate_data
from scoring.scorer import fingerprint
from store import Store, downgrade, make_engine, migrate, open_store
from store import moves as unit_moves
from store import rounds as round_store
from store.migrate import current_revision, head_revision
from store.refetch import broken_link_rows, open_problem_rows
from store.testing import backend_url
from zwgk.cli import app

pytestmark = pytest.mark.usefixtures("planted_check")
SET = HandMadeSet([HandMadeIndicator("i1", points=20, per_problem=2)])
R1, R2, R3 = dt.date(2025, 6, 30), dt.date(2025, 9, 30), dt.date(2025, 12, 31)


@dataclass(frozen=True)
class Site:
    """A unit's site: its entry, two columns, and the subjects of its problems."""

    entry: str
    column1: str
    column2: str
    article: str  # in column 1
    fixed_article: str  # in column 2, fixed by the second round

    def subjects(self) -> dict[str, str]:
        """name → subject: an article, a field of it, a column, a column's missing month, a
        broken attachment, a subject that holds no URL — and the one to be fixed."""
        return {
            "article": self.article,
            "field": f"{self.article}#validity",
            "column": self.column2,
            "month": f"{self.column1}/2025-03",
            "attachment": self.article.rsplit("/", 1)[0] + "/files/1.pdf",
            "annual": "annual_report/2024",
            "fixed": self.fixed_article,
        }


def trs(host: str, prefix: str = "") -> Site:
    base = f"{host}{prefix}/xxgk"
    return Site(
        f"{base}/index.html", f"{base}/c1/", f"{base}/c2/", f"{base}/c1/t1.html",
        f"{base}/c2/t2.html",
    )  # fmt: skip


def lonsun(host: str, unit_number: str) -> Site:
    return Site(
        f"{host}/public/column/{unit_number}?type=4&action=list",
        f"{host}/public/column/{unit_number}?type=4&catId=11&action=list",
        f"{host}/public/column/{unit_number}?type=4&catId=12&action=list",
        f"{host}/public/{unit_number}/889.html",
        f"{host}/public/{unit_number}/890.html",
    )


CASES = {
    # The host changes (and http becomes https); paths stay.
    "host": (trs("http://old.example.gov.cn"), trs("https://new.example.gov.cn"), []),
    # The host and the path prefix change: /site9/xxgk/… becomes /xxgk/….
    "host+prefix": (
        trs("http://old.example.gov.cn", "/site9"),
        trs("http://www.new.example.gov.cn"),
        [],
    ),
    # A platform whose paths change: Lonsun unit 123 becomes 456 on the new host; the default
    # rule alone would keep /public/123/ in article URLs, so a pattern says how.
    "explicit pattern": (
        lonsun("http://old.example.gov.cn", "123"),
        lonsun("http://xxgk.new.example.gov.cn", "456"),
        [r"http://old\.example\.gov\.cn/public/(column/)?123=http://xxgk.new.example.gov.cn/public/\g<1>456"],
    ),
}  # fmt: skip


@pytest.fixture
def store(tmp_path) -> Store:
    s = open_store(f"sqlite:///{tmp_path}/moves.sqlite", create=True)
    yield s
    s.close()


def crawl_of(store: Store, site: Site, found: list[str], left: Site | None = None) -> HandMadeCrawl:
    """A finished crawl run of unit u at ``site`` (both columns read) finding ``found``; the
    columns of the site it ``left`` are known to the store but not read any more."""
    run = store.start_run("full")
    store.finish_run(run)
    subjects = site.subjects()
    return HandMadeCrawl(
        run_id=run,
        units=units(("u", "市直部门", None, True), ("v", "市直部门", None, True)),
        columns=columns(
            (1, "u", site.column1, True),
            (2, "u", site.column2, True),
            (3, "v", "http://v.example.gov.cn/c/", True),
            *([(4, "u", left.column1, False), (5, "u", left.column2, False)] if left else []),
        ),
        planted=planted(
            *[("i1", "u", subjects[name], {"what": name}) for name in found],
            ("i1", "v", "http://v.example.gov.cn/c/", {"what": "another unit"}),
        ),
        articles=pd.DataFrame(
            {
                "url": [site.article, site.fixed_article]
                + ([left.article, left.fixed_article] if left else []),
                "column_id": [1, 2] + ([4, 5] if left else []),
            }
        ),
    )


def record(store: Store, old: Site, new: Site, patterns: list[str]) -> unit_moves.UnitMove:
    rules = [unit_moves.parse_rule(p) for p in patterns]
    return unit_moves.record_move(
        store, "u", old.entry, new.entry, rules=rules, moved_on=dt.date(2025, 8, 1)
    )


STILL = ["article", "field", "column", "month", "attachment", "annual"]


def first_round(store: Store, old: Site) -> pd.DataFrame:
    result = evaluate_data(store, "R1", R1, SET, crawl_of(store, old, [*STILL, "fixed"]))
    problems = result.problems.set_index("subject")
    round_store.record_decision(
        store, problems.loc[old.article, "fingerprint"], "dismissed", by="张三",
        reason="该文件已按规定公开，系误报",
    )  # fmt: skip
    return problems


@pytest.mark.parametrize("case", list(CASES))
def test_a_moved_units_problems_keep_their_history(store: Store, case: str):
    old, new, patterns = CASES[case]
    before = first_round(store, old)
    record(store, old, new, patterns)

    after = evaluate_data(store, "R2", R2, SET, crawl_of(store, new, STILL, old)).problems
    mine = after[after["unit_id"] == "u"].set_index("subject")
    new_subjects, old_subjects = new.subjects(), old.subjects()
    # Every problem is named at its new address, once; nothing at the old one.
    assert set(mine.index) == set(new_subjects.values())
    for name in STILL:
        row = mine.loc[new_subjects[name]]
        assert row["status"] == "open", name
        assert row["first_seen_round"] == "R1", name
    assert mine.loc[new.fixed_article, "status"] == "fixed"
    assert not set(after["status"]) & {"new", "not_comparable"}
    # The evaluator's dismissal follows the problem to its new fingerprint: it still costs
    # nothing, and the row names the fingerprint it had.
    moved_article = mine.loc[new.article]
    assert moved_article["decision"] == "dismissed" and moved_article["deduction"] == 0
    assert moved_article["moved_from"] == before.loc[old.article, "fingerprint"]
    assert moved_article["fingerprint"] == fingerprint("u", "i1", new.article)
    assert (
        mine.loc["annual_report/2024", "fingerprint"]
        == before.loc["annual_report/2024", "fingerprint"]
    ), "a subject without a URL keeps its fingerprint"
    assert pd.isna(mine.loc["annual_report/2024", "moved_from"])
    scores = round_store.round_scores_frame(store, "R2").set_index("unit_id")
    assert scores.loc["u", "deduction"] == 2 * (len(STILL) - 1)  # the dismissed one is free
    assert old_subjects["article"] not in set(after["subject"])

    # The round after: no move in between, the problems stay open from R1.
    third = evaluate_data(store, "R3", R3, SET, crawl_of(store, new, STILL, old)).problems
    third = third[third["unit_id"] == "u"].set_index("subject")
    assert set(third["status"]) == {"open"} and set(third["first_seen_round"]) == {"R1"}
    assert third["moved_from"].isna().all()
    assert third.loc[new.article, "decision"] == "dismissed"


def test_a_round_evaluated_again_after_a_move_gives_the_same_rows(store: Store):
    old, new, patterns = CASES["host+prefix"]
    first_round(store, old)
    record(store, old, new, patterns)
    data = crawl_of(store, new, STILL, old)
    once = evaluate_data(store, "R2", R2, SET, data).problems
    again = evaluate_data(store, "R2", R2, SET, data).problems
    columns = ["fingerprint", "subject", "status", "first_seen_round", "decision", "moved_from"]
    key = ["fingerprint"]
    assert (
        once[columns].sort_values(key).reset_index(drop=True).astype(str)
        .equals(again[columns].sort_values(key).reset_index(drop=True).astype(str))
    )  # fmt: skip
    # A move recorded later (after R2's crawl) does not change R2 evaluated again.
    unit_moves.record_move(store, "u", new.entry, "http://third.example.gov.cn/xxgk/index.html",
                           moved_on=dt.date(2025, 10, 1))  # fmt: skip
    later = evaluate_data(store, "R2", R2, SET, data).problems
    assert sorted(later["fingerprint"]) == sorted(once["fingerprint"])


def test_without_the_move_recorded_problems_become_not_comparable_and_new(store: Store):
    """The failure the move prevents (so the test above can fail)."""
    old, new, _ = CASES["host"]
    first_round(store, old)
    after = evaluate_data(store, "R2", R2, SET, crawl_of(store, new, STILL, old)).problems
    mine = after[after["unit_id"] == "u"]
    # Old subjects point at columns this crawl did not read: not comparable, and the same
    # problems at the new addresses are new (the URL-free annual report stays open).
    assert (mine["status"] == "new").sum() == len(STILL) - 1
    assert (mine["status"] == "not_comparable").sum() >= 3
    assert list(mine.loc[mine["status"] == "open", "subject"]) == ["annual_report/2024"]


def test_a_site_that_moved_twice_maps_through_both_moves(store: Store):
    first, second = trs("http://a.example.gov.cn"), trs("http://b.example.gov.cn", "/gk")
    third = trs("https://c.example.gov.cn")
    first_round(store, first)
    record(store, first, second, [])
    crawl_of(store, second, [])  # a crawl at the second address, no round on it
    record(store, second, third, [])
    after = evaluate_data(store, "R2", R2, SET, crawl_of(store, third, STILL)).problems
    mine = after[after["unit_id"] == "u"].set_index("subject")
    assert mine.loc[third.article, "status"] == "open"
    assert mine.loc[third.fixed_article, "status"] == "fixed"
    assert not set(mine["status"]) & {"new", "not_comparable"}


def test_a_recheck_after_a_move_looks_at_the_new_addresses(store: Store):
    old, new, patterns = CASES["explicit pattern"]
    first_round(store, old)
    record(store, old, new, patterns)
    problems = round_store.problems_frame(store, "R1", ["u"])
    outcome = apply_recheck(store, "R1", problems, crawl_of(store, new, STILL, old), R2,
                            indicator_set=SET)  # fmt: skip
    after = outcome.changes.set_index("subject")["after"]
    assert after[old.fixed_article] == "fixed"
    assert set(after.drop(old.fixed_article)) == {"open"}
    assert outcome.changes["rechecked"].all()


def test_the_refetch_of_open_problems_asks_at_the_new_address(store: Store):
    old, new, patterns = CASES["explicit pattern"]
    run = store.start_run("full")
    store.upsert_units([{"id": "u", "name": "单位u", "level": "市直部门", "profile": "lonsun",
                         "entry_url": old.entry}])  # fmt: skip
    ids = store.upsert_columns(
        run, [{"unit_id": "u", "url": old.column1, "name": "政策文件", "category": "policy"}]
    )
    pdf = old.subjects()["attachment"]
    store.upsert_articles(run, [{"url": old.article, "unit_id": "u", "title": "文件",
                                 "column_id": ids[old.column1],
                                 "links": [{"url": pdf, "kind": "attachment"}]}])  # fmt: skip
    store.record_link_checks(run, [{"url": pdf, "outcome": "confirmed_broken"}])
    store.finish_run(run)
    data = crawl_of(store, old, ["field"])
    evaluate_data(store, "R1", R1, SET, HandMadeCrawl(**{**data.__dict__, "run_id": run}))
    assert [r["url"] for r in open_problem_rows(store, ["u"])] == [old.article]
    record(store, old, new, patterns)
    assert open_problem_rows(store, ["u"]) == [
        {"url": new.article, "unit_id": "u", "column_url": new.column1, "listed_date": None}
    ]
    assert broken_link_rows(store, ["u"]) == [
        {"url": new.subjects()["attachment"], "unit_id": "u", "kind": "link"}
    ]


# -- the URL map --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old, new, url, expected",
    [
        ("http://a.gov.cn/xxgk/index.html", "https://b.gov.cn/xxgk/index.html",
         "http://a.gov.cn/xxgk/c1/t.html#validity", "https://b.gov.cn/xxgk/c1/t.html#validity"),
        # https of the old host moved too; the host is matched in any case
        ("http://a.gov.cn/xxgk/index.html", "https://b.gov.cn/xxgk/index.html",
         "https://A.gov.cn/files/1.pdf", "https://b.gov.cn/files/1.pdf"),
        ("http://a.gov.cn/site9/xxgk/index.html", "http://b.gov.cn/xxgk/index.html",
         "http://a.gov.cn/site9/xxgk/c1/2025-03", "http://b.gov.cn/xxgk/c1/2025-03"),
        # outside the moved prefix, another host, not a URL: unchanged
        ("http://a.gov.cn/site9/xxgk/index.html", "http://b.gov.cn/xxgk/index.html",
         "http://a.gov.cn/site8/x.html", "http://a.gov.cn/site8/x.html"),
        ("http://a.gov.cn/index.html", "http://b.gov.cn/index.html",
         "http://www.gov.cn/x.html", "http://www.gov.cn/x.html"),
        ("http://a.gov.cn/index.html", "http://b.gov.cn/index.html", "dup/1a2b", "dup/1a2b"),
        ("http://a.gov.cn/", "http://b.gov.cn/", "http://a.gov.cn", "http://b.gov.cn"),
    ],
)  # fmt: skip
def test_the_default_rule_maps_the_old_host_and_path_prefix(old, new, url, expected):
    move = unit_moves.UnitMove(1, "u", dt.date(2025, 8, 1), 0, old, new)
    assert move.map_url(url) == expected


def test_an_explicit_pattern_comes_before_the_default_rule():
    rules = (
        unit_moves.parse_rule(r"http://a\.gov\.cn/art/(\d+)/=>http://b.gov.cn/article?id=\1&x="),
    )
    move = unit_moves.UnitMove(1, "u", dt.date(2025, 8, 1), 0, "http://a.gov.cn/index.html",
                               "http://b.gov.cn/index.html", rules)  # fmt: skip
    assert move.map_url("http://a.gov.cn/art/77/p.html") == "http://b.gov.cn/article?id=77&x=p.html"
    assert move.map_url("http://a.gov.cn/col/1/") == "http://b.gov.cn/col/1/"


@pytest.mark.parametrize(
    "text, says",
    [
        ("no separator", "must be OLD=NEW"),
        ("=http://b/", "must be OLD=NEW"),
        ("(unclosed=http://b/", "is not a regular expression"),
        (r"http://a/(\d+)=http://b/\2", "names group '2'"),
    ],
)
def test_a_bad_pattern_is_refused_in_one_sentence(text, says):
    with pytest.raises(unit_moves.MoveError, match=r"^[^\n]*$") as caught:
        unit_moves.parse_rule(text)
    assert says in str(caught.value)


# -- the command ----------------------------------------------------------------------------------
REGISTRY = """\
# 江淮市 单位名录 (hand-kept)
version: 1
name: 测试名录
units:
- id: u            # 市发改委
  name: 市发展和改革委员会
  level: 市直部门
  profile: trs
  entry: http://old.example.gov.cn/site9/xxgk/index.html   # 旧址，2025年8月迁移
- id: w
  name: 市教育局
  level: 市直部门
  profile: trs
  entry: "http://w.example.gov.cn/xxgk/index.html"
"""


def zwgk(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_units_move_edits_the_entry_line_only_and_records_the_move(store_url, tmp_path):
    registry = tmp_path / "units.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    db = store_url
    open_store(db, create=True).close()  # a store the first crawl made
    code, out = zwgk("units", "move", "u", "https://www.new.example.gov.cn/xxgk/index.html",
                     "-r", str(registry), "--db", db, "--on", "2025-08-01")  # fmt: skip
    assert code == 0, out
    assert "http://old.example.gov.cn/site9/… → https://www.new.example.gov.cn/…" in out
    expected = REGISTRY.replace(
        "http://old.example.gov.cn/site9/xxgk/index.html",
        "https://www.new.example.gov.cn/xxgk/index.html",
    )
    assert registry.read_text(encoding="utf-8") == expected  # comments and layout kept
    code, out = zwgk("units", "move", "w", "http://w2.example.gov.cn/gk/index.html",
                     "--pattern", r"http://w\.example\.gov\.cn/xxgk/=http://w2.example.gov.cn/gk/",
                     "-r", str(registry), "--db", db)  # fmt: skip
    assert code == 0, out
    assert 'entry: "http://w2.example.gov.cn/gk/index.html"' in registry.read_text("utf-8")
    with open_store(db) as store:
        moves = unit_moves.list_moves(store)
    assert [(m.unit_id, m.old_entry, m.new_entry) for m in moves] == [
        ("u", "http://old.example.gov.cn/site9/xxgk/index.html",
         "https://www.new.example.gov.cn/xxgk/index.html"),
        ("w", "http://w.example.gov.cn/xxgk/index.html", "http://w2.example.gov.cn/gk/index.html"),
    ]  # fmt: skip
    assert moves[0].moved_on == dt.date(2025, 8, 1) and moves[0].after_run == 0
    assert moves[1].rules == (
        (r"http://w\.example\.gov\.cn/xxgk/", "http://w2.example.gov.cn/gk/"),
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (["nobody", "http://n.example.gov.cn/"], "no unit with id 'nobody'"),
        (["u", "ftp://n.example.gov.cn/"], "NEW_ENTRY 'ftp://n.example.gov.cn/' is not a usable"),
        (["u", "http://n.example.gov.cn/a b"], "it contains a space"),
        (["u", "http://old.example.gov.cn/site9/xxgk/index.html"], "is already the entry"),
        (["u", "http://n.example.gov.cn/", "--pattern", "("], "must be OLD=NEW"),
        (["u", "http://n.example.gov.cn/", "--on", "2025-13-01"], "is not a date"),
        (["u", "http://n.example.gov.cn/", "--after-run", "5"], "crawl runs are 1 to 0"),
    ],
)
def test_a_move_that_cannot_be_made_is_refused_in_one_sentence(store_url, tmp_path, args, says):
    registry = tmp_path / "units.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    db = store_url
    open_store(db, create=True).close()  # a store the first crawl made
    code, out = zwgk("units", "move", *args, "-r", str(registry), "--db", db)
    assert code == 2
    error = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and says in error[0], out
    assert registry.read_text(encoding="utf-8") == REGISTRY
    with open_store(db) as store:
        assert unit_moves.list_moves(store) == []


def test_an_entry_the_command_cannot_edit_safely_is_printed_not_rewritten(store_url, tmp_path):
    text = REGISTRY.replace(
        "  entry: http://old.example.gov.cn/site9/xxgk/index.html   # 旧址，2025年8月迁移",
        "  entry: >-\n    http://old.example.gov.cn/site9/xxgk/index.html",
    )
    registry = tmp_path / "units.yaml"
    registry.write_text(text, encoding="utf-8")
    open_store(store_url, create=True).close()
    code, out = zwgk("units", "move", "u", "http://n.example.gov.cn/index.html",
                     "-r", str(registry), "--db", store_url)  # fmt: skip
    assert code == 0, out
    assert "not edited (its entry is not written on one line)" in out
    assert "entry: http://n.example.gov.cn/index.html" in out
    assert registry.read_text(encoding="utf-8") == text


def test_a_registry_edited_by_hand_first_takes_the_old_entry_from_the_store(store_url, tmp_path):
    registry = tmp_path / "units.yaml"
    new_entry = "http://n.example.gov.cn/xxgk/index.html"
    registry.write_text(
        REGISTRY.replace("http://old.example.gov.cn/site9/xxgk/index.html", new_entry), "utf-8"
    )
    db = store_url
    with open_store(db, create=True) as store:  # the last crawl read the old address
        run = store.start_run("full")
        store.upsert_units([{"id": "u", "name": "u", "level": "市直部门", "profile": "trs",
                             "entry_url": "http://old.example.gov.cn/xxgk/index.html"}])  # fmt: skip
        store.finish_run(run)
    code, out = zwgk("units", "move", "u", new_entry, "-r", str(registry), "--db", db)
    assert code == 0, out
    assert "the registry names the new entry already" in out
    with open_store(db) as store:
        (move,) = unit_moves.list_moves(store)
    assert move.old_entry == "http://old.example.gov.cn/xxgk/index.html" and move.after_run == run


# -- the migration --------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        yield u


def test_migration_0008_up_and_down_keeps_the_rounds(url: str):
    with open_store(url, create=True) as store:
        old, new, patterns = CASES["host"]
        first_round(store, old)
        record(store, old, new, patterns)
        evaluate_data(store, "R2", R2, SET, crawl_of(store, new, STILL, old))
        problems = len(round_store.problems_frame(store, "R2"))
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        downgrade(engine, "0007")  # to before 0008, through any later revision
        schema = inspect(engine)
        assert "unit_moves" not in schema.get_table_names()
        assert "moved_from" not in {c["name"] for c in schema.get_columns("problems")}
        with engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT count(*) FROM problems WHERE round = 'R2'")
            assert kept.scalar_one() == problems
        migrate(engine)
        schema = inspect(engine)
        assert "unit_moves" in schema.get_table_names()
        assert "moved_from" in {c["name"] for c in schema.get_columns("problems")}
    finally:
        engine.dispose()


def test_units_move_finds_the_registry_and_store_zwgk_toml_names(tmp_path, store_url, monkeypatch):
    """No -r and no --db: the registry and the store are those of the configuration file, as
    for `zwgk crawl` (an operator following docs/operations.md runs it this way)."""
    registry = tmp_path / "etc" / "units.yaml"
    registry.parent.mkdir()
    registry.write_text(REGISTRY, encoding="utf-8")
    db = store_url
    open_store(db, create=True).close()
    config = tmp_path / "etc" / "zwgk.toml"
    config.write_text(f'[store]\nurl = "{db}"\n[crawl]\nregistry = "units.yaml"\n',
                      encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("ZWGK_CONFIG", str(config))
    monkeypatch.delenv("ZWGK_DATABASE_URL", raising=False)
    monkeypatch.delenv("ZWGK_REGISTRY", raising=False)
    monkeypatch.chdir(tmp_path)  # no units.yaml here
    code, out = zwgk("units", "move", "u", "https://www.new.example.gov.cn/xxgk/index.html")
    assert code == 0, out
    assert "https://www.new.example.gov.cn/xxgk/index.html" in registry.read_text("utf-8")
    with open_store(db) as store:
        assert [m.unit_id for m in unit_moves.list_moves(store)] == ["u"]
