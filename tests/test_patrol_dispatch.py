"""Dispatch of the patrol's digests (issue 14, point 2): each unit with something new gets one
digest, by e-mail to its registry contacts through a real SMTP server (aiosmtpd) and as signed
JSON to a local webhook receiver; a refused delivery is tried again and recorded; a digest is
never delivered twice to one recipient, however often the dispatch runs."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from smtp_fixtures import free_port
from smtp_fixtures import plain_smtp as plain_smtp  # noqa: F401
from typer.testing import CliRunner

from crawler.registry import RegistryError, load_registry
from patrol.digest import digests
from patrol.dispatch import Channels, DispatchError, dispatch, signature
from patrol.run import load_result
from store import open_store
from store.patrols import FINDING_COLUMNS, deliveries, write_patrol

SECRET = "an-office-webhook-key"
NAMES = {"a": "西河县教育局", "b": "西河县民政局", "c": "西河县财政局"}
INDICATORS = {"fresh": "动态要闻类栏目更新及时", "fields": "元数据完整"}


class Receiver:
    """A webhook receiver: answers each POST with the next status of ``statuses`` (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()


def finding(fp, kind, unit, indicator="fresh", due=None, suggestion="请及时更新"):
    return {"fingerprint": fp, "kind": kind, "unit_id": unit, "indicator_id": indicator,
            "subject": f"http://{unit}/{fp}", "target_url": f"http://{unit}/{fp}",
            "evidence": {}, "suggestion": suggestion, "deduction": 1.0, "due": due}  # fmt: skip


@pytest.fixture
def patrolled(store_url):
    """Two patrols: unit a gets a new problem and a warning, b a problem gone, c nothing new."""
    store = open_store(store_url, create=True)
    store.upsert_units([
        {"id": u, "name": n, "level": "县直部门", "profile": "trs", "entry_url": f"http://{u}/"}
        for u, n in NAMES.items()
    ])  # fmt: skip
    indicator_set = type("Set", (), {"id": "t", "version": "1", "sha256": "0" * 64})
    first = [finding("b1", "problem", "b"), finding("c1", "problem", "c")]
    second = [
        finding("c1", "problem", "c"),
        finding("a1", "problem", "a", "fields", suggestion="《通知》缺少<script>关键词</script>"),
        finding("a2", "warning", "a", due=dt.date(2025, 7, 3)),
    ]
    for day, rows in ((dt.date(2025, 6, 30), first), (dt.date(2025, 7, 1), second)):
        write_patrol(store, as_of=day, crawl_run=1, indicator_set=indicator_set,
                     within="5 workdays", findings=pd.DataFrame(rows, columns=FINDING_COLUMNS),
                     stats={"units_not_observed": []})  # fmt: skip
    yield store, load_result(store)
    store.close()


def made(result):
    return digests(result, NAMES, INDICATORS)


def test_a_digest_only_for_units_with_something_new(patrolled):
    _, result = patrolled
    by_unit = {d.unit_id: d for d in made(result)}
    assert set(by_unit) == {"a", "b"}
    a, b = by_unit["a"], by_unit["b"]
    assert [i.indicator for i in a.new] == ["元数据完整"]
    assert [(i.indicator, i.due) for i in a.warnings] == [("动态要闻类栏目更新及时", "2025-07-03")]
    assert b.gone == 1 and not b.new and not b.warnings
    assert a.subject == "【政务公开日巡查】西河县教育局 2025-07-01：新发现问题1个，预警1个"
    assert "<script>" not in a.html() and "&lt;script&gt;" in a.html()
    assert "2025-07-03前 动态要闻类栏目更新及时：请及时更新" in a.text()
    # Sections are numbered as they come: a unit with a problem gone and nothing else new
    # reads "一、", not "三、".
    assert "\n一、较上次巡查已整改问题1个。\n" in b.text() and "三、" not in b.text()
    assert "<p>一、较上次巡查已整改问题1个。</p>" in b.html()
    assert [h for h, _ in a.sections()] == [
        "一、新发现问题（1个）",
        "二、预警（1个：如不处理，将于所列日期成为问题）",
    ]


def test_email_goes_to_each_contact_once_whatever_the_dispatch_runs(patrolled, plain_smtp):
    store, result = patrolled
    inbox, port = plain_smtp
    channels = Channels(smtp_host="127.0.0.1", smtp_port=port, mail_from="zwgk@jh.example.gov.cn")
    contacts = {"a": ["a1@xh.example.gov.cn", "a2@xh.example.gov.cn"]}
    done = dispatch(store, made(result), contacts, channels)
    assert (done.sent, done.failed, done.without_contact) == (2, 0, ["b"])
    assert sorted(m["To"] for m in inbox.messages) == contacts["a"]
    message = inbox.messages[0]
    assert message["Subject"].startswith("【政务公开日巡查】西河县教育局")
    parts = {p.get_content_type(): p.get_content() for p in message.iter_parts()}
    assert "一、新发现问题（1个）" in parts["text/plain"] and "<ol>" in parts["text/html"]
    again = dispatch(store, made(result), contacts, channels)
    assert (again.sent, again.already) == (0, 2) and len(inbox.messages) == 2
    rows = deliveries(store, result.patrol.id)
    assert list(rows["state"]) == ["sent", "sent"] and list(rows["attempts"]) == [1, 1]


def test_the_webhook_is_signed_over_timestamp_and_body(patrolled, receiver):
    store, result = patrolled
    hook = receiver()
    channels = Channels(webhook_url=hook.url, webhook_secret=SECRET)
    assert dispatch(store, made(result), {}, channels).sent == 2
    for headers, body in hook.requests:
        stamp = headers["X-Zwgk-Timestamp"]
        assert hmac.compare_digest(headers["X-Zwgk-Signature"], signature(SECRET, stamp, body))
        assert not hmac.compare_digest(
            headers["X-Zwgk-Signature"], signature(SECRET, str(int(stamp) + 1), body)
        )
    payloads = {json.loads(b)["unit_id"]: json.loads(b) for _, b in hook.requests}
    assert payloads["a"]["new"][0]["indicator"] == "元数据完整" and payloads["b"]["gone"] == 1


def test_a_refused_delivery_is_tried_again_then_recorded_failed_and_retried_later(
    patrolled, receiver
):
    store, result = patrolled
    pauses: list[float] = []
    flaky = receiver([500, 503])  # two refusals, then yes: the third attempt delivers
    channels = Channels(webhook_url=flaky.url, webhook_secret=SECRET)
    done = dispatch(store, made(result)[:1], {}, channels, sleep=pauses.append)
    assert (done.sent, done.failed) == (1, 0) and pauses == [2.0, 4.0]
    assert deliveries(store, result.patrol.id)["attempts"].tolist() == [3]

    down = receiver([500] * 3)
    channels = Channels(webhook_url=down.url, webhook_secret=SECRET)
    done = dispatch(store, made(result)[1:], {}, channels, sleep=pauses.append)
    assert (done.sent, done.failed) == (0, 1)
    row = deliveries(store, result.patrol.id).set_index("target").loc[down.url]
    assert (row["state"], row["attempts"], row["last_error"]) == (
        "failed",
        3,
        f"Refused: HTTP 500 from {down.url}",
    )
    done = dispatch(store, made(result)[1:], {}, channels, sleep=pauses.append)  # it answers now
    assert (done.sent, done.already) == (1, 0)
    assert deliveries(store, result.patrol.id).set_index("target").loc[down.url, "state"] == "sent"


def test_a_mail_server_that_is_down_is_recorded_with_its_error(patrolled):
    store, result = patrolled
    channels = Channels(smtp_host="127.0.0.1", smtp_port=free_port(), mail_from="z@jh.gov.cn")
    done = dispatch(
        store, made(result)[:1], {"a": ["a1@xh.gov.cn"]}, channels, sleep=lambda s: None
    )
    assert done.failed == 1
    row = deliveries(store, result.patrol.id).iloc[0]
    assert row["state"] == "failed" and "ConnectionRefusedError" in row["last_error"]


def test_channels_come_from_zwgk_toml_and_refuse_half_a_setup(monkeypatch):
    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")
    assert not Channels.configured().any
    monkeypatch.setenv("ZWGK_SMTP_HOST", "smtp.jh.example.gov.cn")
    with pytest.raises(DispatchError, match="mail_from"):
        Channels.configured()
    monkeypatch.setenv("ZWGK_MAIL_FROM", "zwgk@jh.example.gov.cn")
    monkeypatch.setenv("ZWGK_WEBHOOK_URL", "https://im.example.gov.cn/hook")
    with pytest.raises(DispatchError, match="webhook_secret"):
        Channels.configured()


REGISTRY = """\
version: 1
units:
  - id: xh-jy
    name: 西河县教育局
    level: 县直部门
    profile: trs
    entry: http://127.0.0.13:18600/jy/xxgk/index.html
    contacts: [{contacts}]
"""


def test_registry_contacts_are_single_addresses_refused_with_their_line(tmp_path):
    path = tmp_path / "units.yaml"
    path.write_text(REGISTRY.format(contacts="jy@xh.example.gov.cn"), encoding="utf-8")
    assert load_registry(path).units[0].contacts == ["jy@xh.example.gov.cn"]
    for bad in ("李明 <jy@xh.gov.cn>", "'a@xh.gov.cn, b@xh.gov.cn'", "jy.xh.gov.cn"):
        path.write_text(REGISTRY.format(contacts=bad), encoding="utf-8")
        with pytest.raises(RegistryError) as refused:
            load_registry(path)
        assert refused.value.line == 8 and "not one e-mail address" in str(refused.value)


def test_the_command_dispatches_the_latest_patrol_again_without_patrolling(
    patrolled, receiver, monkeypatch
):
    store, result = patrolled
    hook = receiver()
    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")
    monkeypatch.setenv("ZWGK_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("ZWGK_WEBHOOK_SECRET", SECRET)
    from zwgk.cli import app

    url = store.engine.url.render_as_string(hide_password=False)
    done = CliRunner().invoke(app, ["patrol", "--again", "--db", url])
    assert done.exit_code == 0, done.output
    assert "每日提醒：发送2份" in done.output and len(hook.requests) == 2
    done = CliRunner().invoke(app, ["patrol", "--again", "--db", url])
    assert "每日提醒：发送0份，2份此前已发送" in done.output and len(hook.requests) == 2
