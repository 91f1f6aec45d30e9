"""Checklist files kept ready in the store (portal/checklist_files.py): a download reads the
kept file while nothing it is made from has changed, and makes it again — with the change —
when anything has: an answer, the publication's dates, the round rewritten in place, the
office's notice; publishing makes every unit's XLSX ready."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_eval_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_fixtures import EARLIER, ROUND
from portal_fixtures import portal_store_fixture as portal_store_fixture  # noqa: F401
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from portal_unit_fixtures import mark_published
from portal_unit_fixtures import published_fixture as published_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import func, select

import portal.checklist_files as checklist_files
from portal import lifecycle
from portal.answers import answer_online
from reports.wording import cn_date, today_in_beijing
from store.rounds import (
    CHECKLIST_FILES,
    replace_unit_results,
    round_scores_frame,
    round_totals_frame,
    update_problems,
)


def kept(store, unit_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(CHECKLIST_FILES)
    if unit_id is not None:
        stmt = stmt.where(CHECKLIST_FILES.c.unit_id == unit_id)
    with store.engine.connect() as conn:
        return int(conn.scalar(stmt))


@pytest.fixture(name="writes")
def writes_fixture(monkeypatch) -> list[str]:
    """Every checklist file written (unit id, format), counted as the writer is called."""
    made: list[str] = []
    real = checklist_files.write_checklist

    def counting(checklist, folder, formats):
        made.extend(f"{checklist.unit_id}.{f}" for f in formats)
        return real(checklist, folder, formats)

    monkeypatch.setattr(checklist_files, "write_checklist", counting)
    return made


def get(world, fmt: str = "csv", unit: str = "dept1"):
    response = world.client_for(f"u_{unit}").get(f"/my/{ROUND}/checklist.{fmt}")
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html"])
def test_a_second_download_reads_the_kept_file(published, writes, fmt):
    first = get(published, fmt)
    second = get(published, fmt)
    assert second.content == first.content
    assert second.headers["content-disposition"] == first.headers["content-disposition"]
    assert writes == [f"dept1.{fmt}"]
    assert kept(published.store) == 1


def test_an_answer_makes_the_next_download_carry_it(published, writes):
    fingerprint = _a_problem_of(published, "dept1")
    before = get(published).content.decode("utf-8-sig")
    answer_online(published.store, ROUND, "dept1", fingerprint, "rectified", "已在栏目补发", by="u")
    after = get(published).content.decode("utf-8-sig")
    assert "已在栏目补发" in after and "已在栏目补发" not in before
    assert writes == ["dept1.csv", "dept1.csv"]
    # Another unit's kept file is not touched by dept1's answer.
    get(published, unit="t1")
    get(published, unit="t1")
    assert writes.count("t1.csv") == 1


def test_new_publication_dates_make_a_new_file(published, writes):
    first = get(published, "html").text
    later = today_in_beijing() + dt.timedelta(days=45)
    mark_published(published.store, deadline=later)
    second = get(published, "html").text
    assert cn_date(later) in second and cn_date(later) not in first
    assert len(writes) == 2


def test_another_office_notice_makes_a_new_file(published, writes, tmp_path, monkeypatch):
    get(published, "html")
    office = tmp_path / "office.yaml"
    office.write_text("sender: 江淮市人民政府办公室\nnotice_no: 江政办〔2025〕9号\n", "utf-8")
    monkeypatch.setenv("ZWGK_OFFICE", str(office))
    assert "江政办〔2025〕9号" in get(published, "html").text
    assert len(writes) == 2


@pytest.mark.parametrize("rewrite", ["recheck", "unit results", "evaluated again"])
def test_rewriting_the_round_drops_its_files(publishable, writes, rewrite):
    store = publishable.store
    mark_published(store)
    get(publishable)
    assert kept(store) == 1
    if rewrite == "recheck":
        update_problems(store, ROUND, [])
    elif rewrite == "unit results":
        totals = round_totals_frame(store, ROUND)
        scores = round_scores_frame(store, ROUND)
        replace_unit_results(store, ROUND, scores.drop(columns="round", errors="ignore"),
                             totals.drop(columns="round", errors="ignore"))  # fmt: skip
    else:
        lifecycle.reevaluate(store, ROUND)  # the fixture's re-scoring: save_round again
    assert kept(store) == 0
    get(publishable)
    assert len(writes) == 2


def test_a_published_file_stays_current_the_next_day_a_drafts_does_not(
    published, writes, monkeypatch
):
    store = published.store
    days = iter(today_in_beijing() + dt.timedelta(days=n) for n in range(4))
    monkeypatch.setattr(checklist_files, "today_in_beijing", lambda: day)
    day = next(days)
    published_state = lifecycle.state(store, ROUND)
    checklist_files.checklist_file(store, ROUND, "dept1", "csv", published_state)
    day = next(days)
    checklist_files.checklist_file(store, ROUND, "dept1", "csv", published_state)
    assert len(writes) == 1  # the next day, the published round's file is read
    draft_state = lifecycle.RoundState(ROUND, "draft")
    checklist_files.checklist_file(store, ROUND, "dept1", "html", draft_state)
    day = next(days)
    checklist_files.checklist_file(store, ROUND, "dept1", "html", draft_state)
    assert len(writes) == 3  # a draft's 印发日期 is today: the next day it is made again


def test_a_file_of_another_version_is_never_served(published, writes):
    get(published)
    with published.store.engine.begin() as conn:
        conn.execute(CHECKLIST_FILES.update().values(content=b"stale", version="0" * 64))
    assert get(published).content != b"stale"
    assert len(writes) == 2


def test_preparing_a_round_makes_every_units_xlsx_once(published, writes):
    store = published.store
    state = lifecycle.state(store, ROUND)
    made = checklist_files.prepare_round(store, ROUND, state)
    units = len(round_totals_frame(store, ROUND))
    assert made == units == kept(store) == len(writes)
    assert checklist_files.prepare_round(store, ROUND, state) == 0
    get(published, "xlsx")
    assert len(writes) == units  # the download read the prepared file


def test_publishing_makes_every_units_checklist_ready(publishable, writes):
    client = publishable.client_for("eval")
    deadline = (today_in_beijing() + dt.timedelta(days=20)).isoformat()
    done = client.post(
        f"/rounds/{ROUND}/publish", data={"csrf_token": client.csrf_token, "deadline": deadline}
    )
    assert done.status_code == 200  # TestClient runs the background task before returning
    store = publishable.store
    assert kept(store) == len(round_totals_frame(store, ROUND)) == len(writes)
    get(publishable, "xlsx")
    assert len(writes) == kept(store)


def test_a_failed_preparation_is_logged_not_raised(published, monkeypatch, caplog):
    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(checklist_files, "write_checklist", broken)
    checklist_files.prepare_published(published.store, ROUND)
    assert "checklist files could not be made ready" in caplog.text
    assert kept(published.store) == 0


def _a_problem_of(world, unit_id: str) -> str:
    from store.rounds import PROBLEMS

    with world.store.engine.connect() as conn:
        return conn.scalar(
            select(PROBLEMS.c.fingerprint)
            .where(PROBLEMS.c.round == ROUND, PROBLEMS.c.unit_id == unit_id)
            .where(PROBLEMS.c.rectifiable.is_not(False))
            .limit(1)
        )


def test_the_previous_round_evaluated_again_makes_a_new_file(published, writes):
    """The 得分变化说明 prints the previous round's total: its evaluation is part of the file's
    version (evaluating it again drops only its own files)."""
    from sqlalchemy import update

    from store.rounds import ROUNDS
    from store.types import utcnow

    get(published, "html")
    get(published, "html")
    with published.store.engine.begin() as conn:
        conn.execute(update(ROUNDS).where(ROUNDS.c.id == EARLIER).values(evaluated_at=utcnow()))
    get(published, "html")
    assert writes == ["dept1.html", "dept1.html"]


def test_the_portals_address_makes_a_new_html_file(published, writes, monkeypatch):
    """The HTML links each problem to its snapshot only when the portal's address is set."""
    first = get(published, "html").text
    get(published, "html")
    monkeypatch.setenv("ZWGK_PORTAL_URL", "https://zwgk.example.gov.cn")
    get(published, "html")
    assert "https://zwgk.example.gov.cn/snapshot/" not in first
    assert writes == ["dept1.html", "dept1.html"]  # made again with the address, not served
