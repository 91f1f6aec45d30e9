"""The job folder of `zwgk crawl --jobdir` without a crawl: what is resumed, what is refused.

The end-to-end cases (kill -9 and SIGTERM mid-crawl, then resume) are in test_crawl_resume.py.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from crawler import jobdir as jobs
from crawler.jobdir import Job, JobError
from store import open_store
from store import runs as run_store

UNITS = ["jh", "jh-d01"]


@pytest.fixture
def store(store_url):
    with open_store(store_url, create=True) as store:
        yield store


def unit_row(unit_id: str) -> dict:
    entry = f"http://127.0.0.11:18600/{unit_id}/index.html"
    return {
        "id": unit_id,
        "name": unit_id,
        "level": "市直部门",
        "profile": "trs",
        "entry_url": entry,
    }


def started_job(store, folder: Path, files: dict | None = None) -> Job:
    run_id = store.start_run("incremental", UNITS, "h" * 64)
    started = next(r.started_at for r in store.runs() if r.id == run_id)
    job = Job(run_id, started.isoformat(), "h" * 64, UNITS, False)
    jobs.create_job(folder, store, job, files or {})
    return job


def test_no_folder_an_empty_one_or_a_set_up_cut_short_is_a_new_job(tmp_path):
    assert jobs.read_job(tmp_path / "absent") is None
    (tmp_path / "empty").mkdir()
    assert jobs.read_job(tmp_path / "empty") is None
    cut = tmp_path / "cut"  # killed while writing the article index, before job.json
    cut.mkdir()
    (cut / "seen.json.gz.tmp").write_bytes(b"\x1f\x8b")
    assert jobs.read_job(cut) is None


def test_a_started_job_is_read_back_and_its_index_is_the_store_at_the_start(store, tmp_path):
    store.upsert_units([unit_row("jh")])
    run0 = store.start_run("incremental", ["jh"], "h" * 64)
    store.upsert_articles(
        run0,
        [{"url": "http://x/1.html", "unit_id": "jh", "title": "一", "listed_date": "2025-01-02"}],
    )
    store.finish_run(run0, "finished", {})
    folder = tmp_path / "job"
    job = started_job(store, folder)
    assert jobs.read_job(folder) == job
    seen = jobs.load_seen(folder / jobs.SEEN)
    assert seen.state("http://x/1.html", "一", dt.date(2025, 1, 2)) == "same"
    assert len(seen) == 1
    jobs.check_matches(job, folder, "h" * 64, list(reversed(UNITS)), False)  # order is no matter
    with pytest.raises(JobError, match="crawls 2 units, not the 1 units"):
        jobs.check_matches(job, folder, "h" * 64, ["jh"], False)
    with pytest.raises(JobError, match=r"not the 2 units \(--full\)"):
        jobs.check_matches(job, folder, "h" * 64, UNITS, True)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda f: (f / "job.json").write_text("{", encoding="utf-8"), "job.json cannot be read"),
        (lambda f: (f / "job.json").write_bytes(b"\xff\xfe"), "job.json cannot be read"),
        (lambda f: (f / "seen.json.gz").unlink(), "seen.json.gz is missing"),
        (
            lambda f: (f / "job.json").write_text(json.dumps({"run_id": "7"}), encoding="utf-8"),
            "job.json cannot be read",
        ),
        (
            lambda f: (f / "job.json").write_text(
                json.dumps(json.loads((f / "job.json").read_text()) | {"format": 99}),
                encoding="utf-8",
            ),
            "format 99",
        ),
    ],
    ids=["truncated", "binary", "no index", "wrong fields", "newer format"],
)
def test_a_damaged_job_is_refused_naming_the_folder(store, tmp_path, damage, words):
    folder = tmp_path / "job"
    started_job(store, folder)
    damage(folder)
    with pytest.raises(JobError) as err:
        jobs.read_job(folder)
    message = str(err.value)
    assert message.startswith(f"--jobdir {folder}: ") and words in message
    assert "cannot be resumed" in message and "\n" not in message


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    (tmp_path / "job").write_text("x", encoding="utf-8")
    with pytest.raises(JobError, match="not a folder"):
        jobs.read_job(tmp_path / "job")


def test_a_job_whose_run_finished_or_was_followed_by_another_is_refused(store, tmp_path):
    folder = tmp_path / "job"
    job = started_job(store, folder)
    store.finish_run(job.run_id, "interrupted", {})
    jobs.check_resumable(store, job, folder)  # interrupted: resumable
    later = store.start_run("incremental", UNITS, "h" * 64)
    with pytest.raises(JobError, match=f"crawl run {later} started after it"):
        jobs.check_resumable(store, job, folder)
    store.finish_run(job.run_id, "finished", {})
    with pytest.raises(JobError, match="finished .* nothing to resume"):
        jobs.check_resumable(store, job, folder)


def test_resuming_reopens_the_same_run_and_plans_only_what_is_missing(store, tmp_path):
    store.upsert_units([unit_row("jh"), unit_row("jh-d01")])
    folder = tmp_path / "job"
    refetch = tmp_path / "open.jsonl"
    refetch.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in (
                {
                    "url": "http://x/old.html",
                    "unit_id": "jh",
                    "column_url": "c",
                    "listed_date": None,
                },
                {"url": "http://x/gone.pdf", "unit_id": "jh", "kind": "link"},
                {
                    "url": "http://x/done.html",
                    "unit_id": "jh",
                    "column_url": "c",
                    "listed_date": None,
                },
            )
        ),
        encoding="utf-8",
    )
    job = started_job(store, folder, {"ZWGK_REFETCH": str(refetch)})
    links = [
        {"url": "http://x/a.pdf", "kind": "attachment", "text": "附件", "on_site": True},
        {"url": "http://x/b.pdf", "kind": "attachment", "text": "附件", "on_site": True},
    ]
    store.upsert_articles(
        job.run_id,
        [{"url": "http://x/done.html", "unit_id": "jh", "title": "已读", "links": links}],
    )
    store.record_link_checks(
        job.run_id, [{"url": "http://x/a.pdf", "outcome": "ok", "status_code": 200}]
    )
    # kill -9 here: the run stays 'running' and the lock row stays behind
    settings, progress = jobs.resume_job(folder, store, job)
    (run,) = store.runs()
    assert run.id == job.run_id and run.status == "running"
    assert progress.seen == {"http://x/done.html"} == progress.fetched
    assert progress.checked == {"http://x/a.pdf"}
    assert progress.unchecked == [("http://x/b.pdf", "jh")]
    planned = [json.loads(line) for line in Path(settings["ZWGK_REFETCH"]).read_text().splitlines()]
    assert [r["url"] for r in planned] == [
        "http://x/old.html",
        "http://x/gone.pdf",
        "http://x/b.pdf",
    ]
    state = json.loads(Path(settings["ZWGK_RESUME"]).read_text())
    assert state == {"seen": ["http://x/done.html"], "checked": ["http://x/a.pdf"]}
    assert settings["ZWGK_SEEN"] == str(folder / jobs.SEEN)


def test_resume_run_refuses_a_finished_run_and_interrupts_other_running_ones(store):
    first = store.start_run("incremental", UNITS, "h")
    store.finish_run(first, "finished", {})
    with store.engine.begin() as conn, pytest.raises(ValueError, match="nothing to resume"):
        run_store.resume_run(conn, first)
    killed = store.start_run("incremental", UNITS, "h")
    with store.engine.begin() as conn:
        run_store.resume_run(conn, killed)
    assert [r.status for r in store.runs()] == ["finished", "running"]


def test_a_finished_job_is_cleared_and_a_clear_cut_short_starts_a_new_job(store, tmp_path):
    folder = tmp_path / "job"
    started_job(store, folder)
    (folder / "notes.txt").write_text("the operator's own file", encoding="utf-8")
    (folder / "job.json").unlink()  # killed right after clear_job removed job.json
    with pytest.raises(JobError, match="not a zwgk job folder"):
        jobs.read_job(folder)  # not ours: the operator's file is never removed …
    (folder / "notes.txt").unlink()
    assert jobs.read_job(folder) is None  # … ours only: a new job is set up in it
    started_job(store, folder)
    jobs.clear_job(folder)
    assert folder.is_dir() and list(folder.iterdir()) == []
