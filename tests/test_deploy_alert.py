"""deploy/zwgk_alert.py: the alert after a failed night reaches a real mail server (aiosmtpd,
plain and STARTTLS with a password) and a real webhook (a local HTTP server), in Chinese, with
the exit status explained and the log's tail; a wrong alert.env is refused in one sentence
naming the file and line, and nothing is sent; a server that does not answer costs a timeout,
not a hung unit.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import test_deploy as deploy_tests

aiosmtpd = pytest.importorskip("aiosmtpd", reason="pip install aiosmtpd (the dev extra)")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402
from smtp_fixtures import Inbox, free_port  # noqa: E402
from smtp_fixtures import plain_smtp as plain_smtp  # noqa: E402, F401

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "zwgk_alert.py"
_spec = importlib.util.spec_from_file_location("zwgk_alert", SCRIPT)
alert = importlib.util.module_from_spec(_spec)
sys.modules["zwgk_alert"] = alert  # dataclasses look their module up
_spec.loader.exec_module(alert)

CRAWL_LOG = [f"2025-07-01 02:{i:02d}:00 unit u{i}: host down" for i in range(70)]


def run_alert(tmp_path: Path, *args: str, env: dict | None = None, timeout: int = 60):
    log = tmp_path / "crawl.log"
    log.write_text("\n".join([*CRAWL_LOG, "\x1b[31mcolour\x1b[0m and a bell\x07"]) + "\n")
    command = [sys.executable, str(SCRIPT), *args, "--log-file", str(log), "zwgk-crawl.service"]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )


def write_env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alert.env"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- e-mail


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with cryptography (a Scrapy dependency)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "mail.pem", tmp_path / "mail.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_smtp(tmp_path):
    """A mail server that requires STARTTLS and a password (zwgk / s3cret)."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"zwgk" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # False: answer 535 on failure

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    yield inbox, controller.port, cert
    controller.stop()


def smtp_env(port: int, **extra: str) -> str:
    lines = {
        "ALERT_SMTP_HOST": "127.0.0.1",
        "ALERT_SMTP_PORT": str(port),
        "ALERT_SMTP_SECURITY": "none",
        "ALERT_MAIL_FROM": "zwgk@example.gov.cn",
        "ALERT_MAIL_TO": "运维 <ops@example.gov.cn>, duty@example.gov.cn",
        **extra,
    }
    return "# test settings\n" + "".join(f"{k}={v}\n" for k, v in lines.items())


def test_a_degraded_night_is_mailed_in_chinese_with_the_log_tail(tmp_path, plain_smtp):
    inbox, port = plain_smtp
    config = write_env(tmp_path, smtp_env(port))
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "4")
    assert done.returncode == 0, done.stderr
    (message,) = inbox.messages
    assert inbox.envelopes[0].rcpt_tos == ["ops@example.gov.cn", "duty@example.gov.cn"]
    assert message["Subject"] == (
        f"【zwgk 告警】{socket.gethostname()}：zwgk-crawl.service 降级：部分单位或主机未能观测"
        "（退出码 4）"
    )
    text = message.get_content()
    assert f"主机：{socket.gethostname()}" in text and "北京时间" in text
    assert "处理：运行 zwgk status" in text
    assert "u69: host down" in text and "u21: host down" in text  # the last 50 lines …
    assert "u20: host down" not in text  # … and no more
    assert "colour and a bell" in text and "\x1b" not in text and "\x07" not in text


def test_starttls_with_a_password_and_the_office_ca(tmp_path, tls_smtp):
    inbox, port, cert = tls_smtp
    settings = {
        "ALERT_SMTP_SECURITY": "starttls",
        "ALERT_SMTP_USER": "zwgk",
        "ALERT_SMTP_PASSWORD": '"s3cret"',  # quotes as systemd's EnvironmentFile= allows
        "ALERT_SMTP_CA_FILE": str(cert),
    }
    config = write_env(tmp_path, smtp_env(port, **settings))
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "5")
    assert done.returncode == 0, done.stderr
    assert "失败：没有观测到任何单位" in inbox.messages[0]["Subject"]

    wrong = write_env(tmp_path, smtp_env(port, **{**settings, "ALERT_SMTP_PASSWORD": "nope"}))
    refused = run_alert(tmp_path, "--config", str(wrong), "--exit-status", "5")
    assert refused.returncode == 1
    assert refused.stderr == (
        f"zwgk-alert: mail server 127.0.0.1:{port} refused the user name or password (535)\n"
    )
    untrusted = write_env(tmp_path, smtp_env(port, **{**settings, "ALERT_SMTP_CA_FILE": ""}))
    unverified = run_alert(tmp_path, "--config", str(untrusted), "--exit-status", "5")
    assert unverified.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in unverified.stderr
    assert len(inbox.messages) == 1


def test_the_alert_unit_can_deny_write_execute_memory(tmp_path, tls_smtp):
    """zwgk-alert@.service sets MemoryDenyWriteExecute=yes: a STARTTLS mail goes out under
    Linux's equivalent (prctl PR_SET_MDWE)."""
    inbox, port, cert = tls_smtp
    config = write_env(
        tmp_path,
        smtp_env(
            port,
            ALERT_SMTP_SECURITY="starttls",
            ALERT_SMTP_USER="zwgk",
            ALERT_SMTP_PASSWORD="s3cret",
            ALERT_SMTP_CA_FILE=str(cert),
        ),
    )
    wrapper = (
        "import ctypes, runpy, sys\n"
        "if ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0: sys.exit(77)\n"
        f"sys.argv = [{str(SCRIPT)!r}, '--config', {str(config)!r}, '--exit-status', '1', "
        "'zwgk-crawl.service']\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=60
    )
    if done.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux ≥ 6.3)")
    assert done.returncode == 0, done.stderr
    assert "运行未完成" in inbox.messages[0]["Subject"]


# ----------------------------------------------------------------------------- webhook


class Hook(BaseHTTPRequestHandler):
    received: list[dict]
    answer: tuple[int, bytes] = (200, b'{"errcode":0,"errmsg":"ok"}')
    delay: float = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"path": self.path, "type": self.headers["Content-Type"], "raw": body})
        time.sleep(self.delay)
        status, answer = self.answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    handler = type("TestHook", (Hook,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=SECRET"
    server.shutdown()
    server.server_close()


def test_a_webhook_gets_json_with_the_exit_status_and_the_log(tmp_path, webhook):
    hook, url = webhook
    config = write_env(tmp_path, f"ALERT_WEBHOOK_URL={url}\n")
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "3")
    assert done.returncode == 0, done.stderr
    (call,) = hook.received
    assert call["path"] == "/cgi-bin/webhook/send?key=SECRET"
    assert call["type"] == "application/json; charset=utf-8"
    payload = json.loads(call["raw"])
    assert payload["exit_status"] == "3" and payload["unit"] == "zwgk-crawl.service"
    assert payload["host"] == socket.gethostname() and payload["test"] is False
    assert dt.datetime.fromisoformat(payload["time"]).utcoffset() == dt.timedelta(hours=8)
    assert "另一个采集正持有采集锁" in payload["title"]
    assert "u69: host down" in payload["text"]


def test_a_wecom_robot_gets_text_cut_to_its_2048_bytes(tmp_path, webhook):
    hook, url = webhook
    config = write_env(tmp_path, f"ALERT_WEBHOOK_URL={url}\nALERT_WEBHOOK_FORMAT=wecom\n")
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "4")
    assert done.returncode == 0, done.stderr
    payload = json.loads(hook.received[0]["raw"])
    assert payload["msgtype"] == "text"
    content = payload["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048
    assert content.startswith("【zwgk 告警】") and "退出码 4" in content
    assert "and a bell" in content  # the newest lines are the ones kept
    assert "共 50 行中的最后" in content and "运维手册" in content


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((200, b'{"errcode":93000,"errmsg":"invalid webhook url"}'), "refused the alert"),
        ((500, b"oops"), "answered HTTP 500"),
    ],
)
def test_a_webhook_that_refuses_is_an_error_without_its_key(tmp_path, webhook, answer, error):
    hook, url = webhook
    hook.answer = answer
    config = write_env(tmp_path, f"ALERT_WEBHOOK_URL={url}\nALERT_WEBHOOK_FORMAT=wecom\n")
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "4")
    assert done.returncode == 1
    assert error in done.stderr and "SECRET" not in done.stderr


def test_a_server_that_does_not_answer_costs_the_timeout_and_mail_still_goes(
    tmp_path, webhook, plain_smtp
):
    hook, url = webhook
    hook.delay = 5
    inbox, port = plain_smtp
    config = write_env(tmp_path, smtp_env(port) + f"ALERT_WEBHOOK_URL={url}\nALERT_TIMEOUT=1\n")
    started = time.monotonic()
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "4")
    assert time.monotonic() - started < 4.5
    assert done.returncode == 1 and "timed out" in done.stderr
    assert len(inbox.messages) == 1  # one channel failing does not stop the other


def test_a_test_alert_says_it_is_a_test(tmp_path, webhook):
    hook, url = webhook
    config = write_env(tmp_path, f"ALERT_WEBHOOK_URL={url}\n")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--config", str(config), "--test", "zwgk-crawl.service"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(hook.received[0]["raw"])
    assert payload["test"] is True and "测试告警" in payload["title"]


# ----------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (None, "alert.env does not exist: copy deploy/alert.env.example there"),
        ("ALERT_SMTP_HOTS=mail\n", "alert.env:1: unknown setting ALERT_SMTP_HOTS"),
        ("# nothing\n", "set ALERT_SMTP_HOST (e-mail) or ALERT_WEBHOOK_URL (webhook)"),
        ("ALERT_SMTP_HOST=mail\nALERT_MAIL_FROM=a@b\n", "e-mail alerts need ALERT_MAIL_TO"),
        ("ALERT_WEBHOOK_URL=x\n\nALERT_SMTP_PORT=smtp\n", "alert.env:3: ALERT_SMTP_PORT must be"),
        ("ALERT_WEBHOOK_URL=ftp://x/\n", "alert.env:1: ALERT_WEBHOOK_URL must be an http://"),
        ("ALERT_WEBHOOK_URL=http://x/\nALERT_WEBHOOK_FORMAT=slack\n", "must be one of json"),
        ("ALERT_WEBHOOK_URL=http://x/\nALERT_TIMEOUT=0\n", "ALERT_TIMEOUT must be seconds"),
        ("just words\n", "alert.env:1: expected KEY=VALUE"),
        (
            "ALERT_SMTP_HOST=m\nALERT_MAIL_FROM=a@b\nALERT_MAIL_TO=c@d\nALERT_SMTP_USER=u\n",
            "ALERT_SMTP_USER and ALERT_SMTP_PASSWORD go together",
        ),
        (
            "ALERT_SMTP_HOST=m\nALERT_MAIL_FROM=a@b\nALERT_MAIL_TO=c@d\nALERT_SMTP_USER=u\n"
            "ALERT_SMTP_PASSWORD=p\nALERT_SMTP_SECURITY=none\n",
            "alert.env:6: a password is never sent without TLS",
        ),
    ],
)
def test_a_wrong_alert_env_is_refused_in_one_sentence_before_anything_is_sent(
    tmp_path, webhook, text, error
):
    hook, _ = webhook
    config = tmp_path / "alert.env"
    if text is not None:
        config.write_text(text)
    done = run_alert(tmp_path, "--config", str(config), "--exit-status", "4")
    assert done.returncode == 2
    assert error in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert str(config) in done.stderr
    assert hook.received == []


# ----------------------------------------------------------------------------- under systemd


def fake_systemd(tmp_path: Path) -> dict[str, str]:
    """`journalctl` and `systemctl` on PATH that record how they were called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "journalctl").write_text(
        f'#!/bin/sh\necho "journalctl $*" >> {calls}\necho "07-01 02:00 crawl run 7 is degraded"\n'
    )
    (bin_dir / "systemctl").write_text(
        f'#!/bin/sh\necho "systemctl $*" >> {calls}\nprintf "Result=exit-code\\nExecMainStatus=5\\n"\n'
    )
    for tool in ("journalctl", "systemctl"):
        (bin_dir / tool).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.parametrize("monitor", [True, False], ids=["systemd-251+", "older-systemd"])
def test_under_systemd_it_reads_the_failed_units_status_and_journal(tmp_path, monitor):
    env = fake_systemd(tmp_path)
    for name in [n for n in env if n.startswith("MONITOR_")]:
        del env[name]
    if monitor:  # what systemd ≥ 251 gives an OnFailure= unit
        env.update(MONITOR_EXIT_STATUS="4", MONITOR_SERVICE_RESULT="exit-code")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--print", "zwgk-crawl.service"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "journalctl --unit zwgk-crawl.service --lines 50 --no-pager --output short-iso" in calls
    status = "4" if monitor else "5"
    assert f"结果：退出码 {status}（systemd：exit-code）" in done.stdout
    assert (
        "systemctl show --property=Result,ExecMainStatus zwgk-crawl.service" in calls
    ) != monitor
    assert (
        "最后的日志（journalctl -u zwgk-crawl.service）：\n07-01 02:00 crawl run 7 is degraded"
        in (done.stdout)
    )


def test_a_crawl_killed_by_a_signal_is_described_as_such():
    failure = alert.Failure("zwgk-crawl.service", "TERM", "timeout")
    now = dt.datetime(2025, 7, 1, 11, 30, tzinfo=alert.BEIJING)
    assert "被信号终止（信号 SIGTERM）" in alert.subject(failure, "h")
    text = alert.body(failure, "h", now)
    assert "时间：2025-07-01 11:30:00 北京时间" in text and "TimeoutStartSec" in text


def test_the_cron_script_sends_the_alert_when_alert_env_exists(tmp_path, webhook):
    hook, url = webhook
    config = write_env(tmp_path, f"ALERT_WEBHOOK_URL={url}\n")
    stub = tmp_path / "zwgk-stub"
    stub.write_text(deploy_tests.STUB)
    stub.chmod(0o755)
    done, _, _ = deploy_tests.run_cron_script(tmp_path, stub, 5, ZWGK_ALERT_ENV=str(config))
    assert done.returncode == 5 and done.stderr == ""
    assert "退出码 5" in done.stdout  # for MAILTO
    payload = json.loads(hook.received[0]["raw"])
    assert payload["unit"] == "zwgk-crawl.cron" and payload["exit_status"] == "5"
    assert "summary table" in payload["text"]
