"""distributed/ without a crawl: the host lock, the run's board, how parts add up, how units
are grouped, the reachability probe and the planning simulation. Real Redis, database 13 (the
distributed crawl tests' own; these flush only their keys' prefix)."""

from __future__ import annotations

import json
import socket
import time
from types import SimpleNamespace

import pytest
import redis

from crawler.jobdir import read_job
from distributed.board import Board, JobState
from distributed.coordinator import combine, hosts_of
from distributed.hostlock import HostLock
from distributed.plan import Night, one_process, simulate
from distributed.tasks import host_address, reachable

BROKER = "redis://127.0.0.1:6379/13"


@pytest.fixture
def client(request):
    r = redis.Redis.from_url(BROKER)
    try:
        r.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"zwgk-test-{request.node.name[:40]}-{time.monotonic_ns()}"
    yield r, prefix
    for key in r.scan_iter(f"*{prefix}*"):
        r.delete(key)
    r.close()


def test_one_job_holds_a_host_until_it_lets_go_or_stops_renewing(client):
    r, prefix = client
    first, second = HostLock(r, f"{prefix}-h", 1.0), HostLock(r, f"{prefix}-h", 1.0)
    assert first.acquire() and not second.acquire()
    time.sleep(0.6)
    assert first.renew() and not second.acquire()  # renewed: a full second again
    time.sleep(0.6)
    assert not second.acquire()
    time.sleep(0.6)  # no renewal for 1.2 s: lapsed, as after kill -9
    assert second.acquire()
    assert not first.renew() and first.lost.is_set()
    first.release()  # not its own any more: the holder keeps it
    assert HostLock(r, f"{prefix}-h", 1.0).acquire() is False
    second.release()
    assert HostLock(r, f"{prefix}-h", 1.0).acquire()


def test_a_job_folder_is_made_on_any_machine_from_the_board(client, tmp_path):
    r, prefix = client
    board = Board(r, prefix)
    folder = tmp_path / "prepared"
    folder.mkdir()
    job = {"run_id": 7, "started_at": "2026-12-05T01:30:00", "registry_hash": "ab" * 32,
           "units": ["u1", "u2"], "full": False, "format": 1}  # fmt: skip
    (folder / "job.json").write_text(json.dumps(job))
    (folder / "seen.json.gz").write_bytes(b"not sent per host")
    (folder / "open.jsonl").write_text('{"url": "http://a/1", "unit_id": "u1"}\n')
    board.publish(b"the run's index", {"h": folder}, {"h": ["u1", "u2"]})
    assert board.states() == {"h": JobState(units=["u1", "u2"], since=board.get("h").since)}

    elsewhere = tmp_path / "other-machine" / "h"
    board.make_folder("h", elsewhere)
    assert read_job(elsewhere).units == ["u1", "u2"]
    assert (elsewhere / "seen.json.gz").read_bytes() == b"the run's index"
    assert (elsewhere / "open.jsonl").read_text() == (folder / "open.jsonl").read_text()
    (elsewhere / "resume.json").write_text("{}")
    board.make_folder("h", elsewhere)  # made already: what a run here left is kept
    assert (elsewhere / "resume.json").exists()

    board.update("h", state="done", status="finished")
    assert board.get("h").ended and not board.alive()
    board.beat()
    assert board.alive()
    board.clear()
    assert not list(r.scan_iter(f"{prefix}*"))
    with pytest.raises(LookupError, match="has no job for host h"):
        board.make_folder("h", tmp_path / "late")


def test_the_run_adds_up_its_parts_counts_and_finishes_only_if_every_part_did():
    done = JobState(state="done", status="finished", attempts=1)
    done.stats = {"downloader/request_count": 10, "zwgk/articles_fetched": 4,
                  "elapsed_time_seconds": 50.0, "finish_reason": "finished", "zwgk/resumed": 1}  # fmt: skip
    again = JobState(state="done", status="finished", attempts=2)
    again.stats = {"downloader/request_count": 5, "zwgk/articles_fetched": 3}
    status, stats = combine({"a": done, "b": again}, elapsed=12.5)
    assert status == "finished"
    assert stats["downloader/request_count"] == 15 and stats["zwgk/articles_fetched"] == 7
    assert stats["elapsed_time_seconds"] == 12.5 and "zwgk/resumed" not in stats
    assert "finish_reason" not in stats
    assert stats["zwgk/distributed/jobs_resumed"] == 1
    failed = JobState(state="failed", status=None, attempts=4)
    assert combine({"a": done, "b": failed}, 1.0)[0] == "interrupted"


def test_units_are_grouped_by_the_host_name_of_their_entry():
    units = [
        SimpleNamespace(id="a", entry="http://www.x.gov.cn/a/"),
        SimpleNamespace(id="b", entry="https://WWW.X.gov.cn:8443/b/"),
        SimpleNamespace(id="c", entry="http://y.gov.cn/"),
    ]
    grouped = {h: [u.id for u in us] for h, us in hosts_of(units).items()}
    assert grouped == {"www.x.gov.cn": ["a", "b"], "y.gov.cn": ["c"]}
    assert host_address("https://y.gov.cn/x") == "y.gov.cn:443"
    assert host_address("http://127.0.0.9:8080/") == "127.0.0.9:8080"


def test_a_host_is_reachable_while_it_listens():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"127.0.0.1:{server.getsockname()[1]}"
        assert reachable(address, timeout=2)
    assert not reachable(address, timeout=2)


def test_the_planning_simulation_is_bound_by_politeness_then_by_machines():
    night = Night(hosts=16, units=3200, new_articles=20000)
    per_host = (3200 * 23 + 20000 * 2) / 16  # requests, one a second
    assert simulate(night, workers=1) == pytest.approx(per_host)  # 16 slots: all hosts at once
    assert simulate(night, workers=1, slots=4) == pytest.approx(4 * per_host)
    assert simulate(night, workers=4, slots=4) == pytest.approx(per_host)
    big = Night(hosts=1600, units=16000, new_articles=100000)
    assert simulate(big, workers=8) < simulate(big, workers=4) < simulate(big, workers=1)
    # One process is bound by its pages a second once the hosts outnumber them.
    assert one_process(big) == pytest.approx(1600 * (10 * 23 + 62.5 * 2) / 40)
