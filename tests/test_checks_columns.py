"""Column checks on hand-built crawls: column_freshness, blank_column, required_columns."""

from __future__ import annotations

from conftest_scoring import article, column, crawl_data, run_check, unit

NEWS_2W = {"max_age": "2 weeks"}


def _news(*dates, **col) -> tuple[list[dict], list[dict]]:
    cols = [column(10, "u", "news", **col)]
    arts = [article(i, "u", 10, publish_date=d) for i, d in enumerate(dates, start=1)]
    return cols, arts


def _stale(data, params=NEWS_2W, categories=("news",), **kw) -> list[str]:
    return list(run_check("column_freshness", data, params, categories, **kw)["subject"])


# -- column_freshness --------------------------------------------------------------------------
def test_newest_item_older_than_max_age_is_stale():
    cols, arts = _news("2025-06-15", "2025-05-01")  # as_of 2025-06-30: 15 days
    found = run_check("column_freshness", crawl_data([unit("u")], cols, arts), NEWS_2W, ["news"])
    assert list(found["subject"]) == [cols[0]["url"]]
    assert found["target_url"][0] == cols[0]["url"]
    evidence = found["evidence"][0]
    assert (evidence["newest"], evidence["age_days"], evidence["max_age_zh"]) == (
        "2025-06-15",
        15,
        "2周",
    )
    assert found["weight"][0] == 1.0


def test_exactly_max_age_is_still_fresh():
    cols, arts = _news("2025-06-16")  # 14 days
    assert _stale(crawl_data([unit("u")], cols, arts)) == []


def test_undated_items_are_no_update():
    cols, arts = _news(None, "2025-05-01")  # a fresh-looking item without a date
    assert _stale(crawl_data([unit("u")], cols, arts)) == [cols[0]["url"]]
    only_undated = crawl_data([unit("u")], *_news(None, None))
    assert _stale(only_undated) == [cols[0]["url"]]
    lenient = {**NEWS_2W, "count_undated_as_stale": False}
    assert _stale(only_undated, lenient) == []


def test_empty_column_is_not_stale():
    data = crawl_data([unit("u")], [column(10, "u", "news")], [])
    assert _stale(data) == []


def test_unobserved_column_or_unit_is_never_stale():
    cols, arts = _news("2025-01-01")
    blocked = crawl_data(
        [unit("u")],
        cols,
        arts,
        issues=[{"kind": "anti_bot", "unit_id": "u", "url": cols[0]["url"]}],
    )
    assert _stale(blocked) == []
    uncounted = crawl_data([unit("u")], [{**cols[0], "last_row_count": None}], arts)
    assert _stale(uncounted) == []
    down = crawl_data(
        [unit("u")],
        [{**cols[0], "last_row_count": None}],
        arts,
        issues=[{"kind": "host_unreachable", "unit_id": "u", "url": "http://gov.test/u/"}],
    )
    assert not down.units["observed"].any()
    assert _stale(down) == []


def test_items_after_the_round_day_do_not_count():
    cols, arts = _news("2025-07-02", "2025-05-01")
    assert _stale(crawl_data([unit("u")], cols, arts)) == [cols[0]["url"]]


def test_listing_date_stands_in_for_an_unfetched_article():
    cols = [column(10, "u", "news", last_row_count=1)]
    listing = {"column_id": 10, "unit_id": "u", "url": "http://gov.test/u/x.html",
               "title": "动态", "listed_date": "2025-06-25"}  # fmt: skip
    data = crawl_data([unit("u")], cols, [], listings=[listing])
    assert _stale(data) == []
    assert _stale(data, as_of=__import__("datetime").date(2025, 7, 31)) == [cols[0]["url"]]


def test_a_page_without_a_date_is_dated_by_its_list_row():
    # The newest item's page prints no date; its column's list showed 2025-06-25.
    cols = [column(10, "u", "news")]
    arts = [
        article(1, "u", 10, publish_date=None, listed_date="2025-06-25"),
        article(2, "u", 10, publish_date="2025-05-01", listed_date="2025-05-01"),
    ]
    data = crawl_data([unit("u")], cols, arts)
    assert _stale(data) == []
    # Dated by neither its page nor its list: no update (docs/domain.md §3.1).
    arts[0]["listed_date"] = None
    assert _stale(crawl_data([unit("u")], cols, arts)) == [cols[0]["url"]]
    # A list date after the round's day is the next round's.
    arts[0]["listed_date"] = "2025-07-03"
    assert _stale(crawl_data([unit("u")], cols, arts)) == [cols[0]["url"]]


def test_list_dates_of_pages_read_from_a_store(store_url):
    """`load_crawl` leaves articles.listed_date in the store: the checks read it for the
    undated pages (column freshness, date_sanity's undated items)."""
    from scoring.data import load_crawl
    from store import open_store

    site = "http://gov.test/u"
    with open_store(store_url, create=True) as store:
        store.upsert_units([{"id": "u", "name": "甲局", "level": "市直部门", "profile": "lonsun",
                             "entry_url": f"{site}/"}])  # fmt: skip
        run = store.start_run("full", ["u"])
        ids = store.upsert_columns(
            run, [{"unit_id": "u", "url": f"{site}/news/", "name": "工作动态", "category": "news"}]
        )
        news = ids[f"{site}/news/"]
        store.upsert_articles(
            run,
            [
                {"url": f"{site}/1.html", "unit_id": "u", "column_id": news, "title": "新",
                 "listed_date": "2025-06-25"},
                {"url": f"{site}/2.html", "unit_id": "u", "column_id": news, "title": "旧",
                 "publish_date": "2025-05-01", "listed_date": "2025-05-01"},
            ],
        )  # fmt: skip
        store.record_listings(
            run,
            [
                {"column_id": news, "url": f"{site}/1.html", "title": "新",
                 "listed_date": "2025-06-25"},
                {"column_id": news, "url": f"{site}/2.html", "title": "旧",
                 "listed_date": "2025-05-01"},
            ],
        )  # fmt: skip
        store.set_column_counts(run, {news: 2})
        store.finish_run(run, "finished")
        data = load_crawl(store)
        assert "listed_date" not in data.articles  # read only when a check asks
        assert _stale(data) == []
        assert run_check("date_sanity", data, {"before_written": False, "future": False}).empty


def test_a_published_statement_that_nothing_is_new_is_an_update():
    """本栏目暂无新增信息 published a month ago: the column was looked after (docs/domain.md §2)."""
    cols = [column(10, "u", "plan")]
    arts = [
        article(1, "u", 10, title="关于本栏目暂无新增信息的说明", publish_date="2025-06-02"),
        article(2, "u", 10, title="2023年工作计划", publish_date="2023-02-01"),
    ]
    data = crawl_data([unit("u")], cols, arts)
    assert _stale(data, {"max_age": "1 year"}, ("plan",)) == []
    next_year = __import__("datetime").date(2026, 7, 1)
    assert _stale(data, {"max_age": "1 year"}, ("plan",), as_of=next_year) == [cols[0]["url"]]


def test_working_day_age_skips_the_spring_festival():
    import datetime as dt

    cols, arts = _news("2025-01-24")
    data = crawl_data([unit("u")], cols, arts)
    day = dt.date(2025, 2, 10)  # 17 calendar days later; 7 working days (26 Jan, 8 Feb 调休)
    assert _stale(data, {"max_age": "10 workdays"}, as_of=day) == []
    assert _stale(data, {"max_age": "6 workdays"}, as_of=day) == [cols[0]["url"]]
    assert _stale(data, NEWS_2W, as_of=day) == [cols[0]["url"]]


def test_only_the_indicator_categories_and_units_are_judged():
    cols = [column(10, "u", "news"), column(11, "u", "notice"), column(12, "v", "news")]
    arts = [
        article(1, "u", 10, publish_date="2025-01-01"),
        article(2, "u", 11, publish_date="2024-12-01"),
        article(3, "v", 12, publish_date="2025-01-01"),
    ]
    data = crawl_data([unit("u"), unit("v", "乡镇街道")], cols, arts)
    departments = data.units[data.units["level"] == "市直部门"]
    assert _stale(data, units=departments) == [cols[0]["url"]]
    six = {"max_age": "6 months"}
    assert _stale(data, six, ("notice",)) == [cols[1]["url"]]


# -- blank_column ------------------------------------------------------------------------------
def _blank(data) -> list[str]:
    return list(run_check("blank_column", data)["subject"])


def test_column_with_nothing_is_blank():
    cols = [column(10, "u", "plan"), column(11, "u", "news")]
    data = crawl_data([unit("u")], cols, [article(1, "u", 11, publish_date="2025-06-01")])
    found = run_check("blank_column", data)
    assert list(found["subject"]) == [cols[0]["url"]]
    assert found["evidence"][0]["column_name"] == "plan-10"


def test_unreadable_or_emptied_column_is_not_blank():
    cols = [
        column(10, "u", "plan", last_row_count=None),  # not listed this run
        column(11, "u", "personnel"),  # anti-bot page
        column(12, "u", "news", last_row_count=0),  # listed rows before: a crawl anomaly
    ]
    data = crawl_data(
        [unit("u")],
        cols,
        [],
        listings=[{"column_id": 12, "unit_id": "u", "url": "http://gov.test/u/old.html"}],
        issues=[{"kind": "anti_bot", "unit_id": "u", "url": cols[1]["url"]}],
    )
    assert _blank(data) == []
    # The emptied column's old items say nothing about now: not stale either.
    old = {"column_id": 12, "unit_id": "u", "url": "http://gov.test/u/old.html",
           "listed_date": "2024-01-01"}  # fmt: skip
    emptied = crawl_data([unit("u")], [cols[2]], [], listings=[old])
    assert not emptied.columns["observed"].any()
    assert _stale(emptied) == []


def test_a_column_holding_only_a_published_statement_is_not_blank():
    """本栏目暂无信息 published as an item: the unit answered for the column (docs/domain.md §2)."""
    cols = [column(10, "u", "plan"), column(11, "u", "personnel")]
    statement = article(1, "u", 10, title="关于本栏目暂无信息的说明", publish_date="2025-03-01")
    assert _blank(crawl_data([unit("u")], cols, [statement])) == [cols[1]["url"]]
    # Listed but not fetched: the list row alone is an item too.
    listed = {"column_id": 11, "unit_id": "u", "url": "http://gov.test/u/s.html",
              "title": "关于本栏目暂无信息的说明", "listed_date": "2025-03-01"}  # fmt: skip
    assert _blank(crawl_data([unit("u")], cols, [statement], listings=[listed])) == []


def test_a_folder_of_columns_is_never_blank():
    # 政策文件 holds 规范性文件 and 其他文件; its own page lists nothing.
    cols = [
        column(10, "u", "group", name="政策文件"),
        column(11, "u", "normative", path="政策文件"),
        column(12, "u", "policy", path="政策文件"),
    ]
    arts = [article(1, "u", 11, publish_date="2025-05-01")]
    assert _blank(crawl_data([unit("u")], cols, arts)) == [cols[2]["url"]]


def test_blank_columns_of_unobserved_units_are_not_reported():
    data = crawl_data(
        [unit("u")],
        [column(10, "u", "plan", last_listed_run=0)],  # listed by an earlier run only
        [],
        issues=[{"kind": "host_unreachable", "unit_id": "u", "url": "http://gov.test/u/"}],
    )
    assert _blank(data) == []


# -- required_columns --------------------------------------------------------------------------
BY_LEVEL = {"by_level": {"市直部门": ["news", "budget"], "乡镇街道": ["news", "township_area"]}}


def test_missing_required_category_names_the_unit_entry():
    data = crawl_data(
        [unit("u"), unit("t", "乡镇街道")],
        [column(10, "u", "news"), column(11, "t", "news"), column(12, "t", "township_area")],
    )
    found = run_check("required_columns", data, BY_LEVEL)
    assert list(found["subject"]) == ["missing/budget"]
    assert list(found["unit_id"]) == ["u"]
    assert found["target_url"][0] == "http://gov.test/u/"


def test_a_column_that_could_not_be_read_still_exists():
    cols = [column(10, "u", "news"), column(11, "u", "budget", last_row_count=None)]
    data = crawl_data([unit("u")], cols)
    assert run_check("required_columns", data, BY_LEVEL).empty


def test_unobserved_unit_lacks_nothing():
    data = crawl_data(
        [unit("u"), unit("x", "县直部门")],
        [column(10, "u", "news"), column(11, "u", "budget")],
        issues=[{"kind": "host_unreachable", "unit_id": "u", "url": "http://gov.test/u/"}],
    )
    # u's host is down but its columns were listed? No: u's columns are listed this run, so u
    # is observed; x has no directory at all (never crawled) and its level has no rule.
    assert run_check("required_columns", data, BY_LEVEL).empty
    down = crawl_data(
        [unit("u")],
        [column(10, "u", "news", last_row_count=None)],
        issues=[{"kind": "host_unreachable", "unit_id": "u", "url": "http://gov.test/u/"}],
    )
    assert run_check("required_columns", down, BY_LEVEL).empty
