"""Tell the operator that the nightly crawl or the daily patrol did not end well: an e-mail
and/or a webhook call.

systemd starts it through `zwgk-alert@.service` when `zwgk-crawl.service` fails (`OnFailure=`,
i.e. any non-zero exit: 1 interrupted, 2 bad input, 3 lock held, 4 degraded, 5 failed), or
`zwgk-patrol.service`; the cron variant (`zwgk-crawl-cron.sh`) runs it with `--exit-status` and
`--log-file`, for the crawl (`zwgk-crawl.cron`) and for the patrol after it (`zwgk-patrol.cron`).
The message is in Chinese: host, unit, exit status and what it means (a unit whose name says
patrol is read as `zwgk patrol`'s), Beijing time, what to do, and the last lines of the log
(`journalctl -u UNIT`, or the cron log file).

Standard library only, so that an alert still goes out when the zwgk package in the venv is
what broke. Settings come from /etc/zwgk/alert.env (deploy/alert.env.example lists every key);
a key it does not know, a missing value or a bad port is refused in one sentence naming the
file and line, before anything is sent. docs/operations.md describes the set-up.

    python zwgk_alert.py zwgk-crawl.service           # as zwgk-alert@.service runs it
    python zwgk_alert.py --test zwgk-crawl.service    # a test alert, to check the settings
    python zwgk_alert.py --print --exit-status 4 --log-file /var/log/zwgk/crawl.log zwgk-crawl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import smtplib
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

DEFAULT_CONFIG = Path("/etc/zwgk/alert.env")
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")  # China keeps no summer time
LOG_LINES = 50

# What each exit status of `zwgk crawl` means, and what the operator does about it.
EXIT_MEANING = {
    1: (
        "运行未完成（被中断）",
        "同一天再次启动即可从中断处续跑：systemctl start --no-block zwgk-crawl.service",
    ),
    2: (
        "输入有误或存储不可用",
        "看下方日志中的错误行：登记表、配置文件或数据库地址有误，改正后再启动一次",
    ),
    3: (
        "另一个采集正持有采集锁，今晚未采集",
        "日志写明持锁进程的 pid、主机和开始时间；确认是谁在采集（手工启动的采集、另一台机器共用同一存储）",
    ),
    4: (
        "降级：部分单位或主机未能观测",
        "运行 zwgk status 查看未观测的单位和采集问题；站点恢复后下一晚会补上",
    ),
    5: (
        "失败：没有观测到任何单位，或存储不可达",
        "检查网络和数据库；这次运行不会被 zwgk evaluate 选用",
    ),
}
# What an exit status of `zwgk patrol` means (2: it refused, saying why in one sentence).
PATROL_EXIT_MEANING = {
    1: ("巡查中途出错", "看下方日志中的错误；改正后运行 zwgk patrol（同一次抓取只巡查一次）"),
    2: (
        "巡查未能进行：指标集、登记表、配置或存储有误，或没有可用的抓取",
        "看下方日志中的错误行，改正后运行 zwgk patrol；未发出的提醒用 zwgk patrol --again 补发",
    ),
}
# Largest text each webhook flavour accepts (bytes of UTF-8); the log is cut to fit.
WEBHOOK_LIMIT = {"json": 200_000, "wecom": 2048, "dingtalk": 20_000, "feishu": 18_000}

KEYS = {
    "ALERT_SMTP_HOST",
    "ALERT_SMTP_PORT",
    "ALERT_SMTP_SECURITY",
    "ALERT_SMTP_USER",
    "ALERT_SMTP_PASSWORD",
    "ALERT_SMTP_CA_FILE",
    "ALERT_MAIL_FROM",
    "ALERT_MAIL_TO",
    "ALERT_WEBHOOK_URL",
    "ALERT_WEBHOOK_FORMAT",
    "ALERT_TIMEOUT",
}
SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


class ConfigError(Exception):
    """alert.env is missing, or says something that cannot work."""


class DeliveryError(Exception):
    """The mail server or the webhook refused the alert, or could not be reached."""


@dataclass
class Settings:
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_ca_file: str = ""
    mail_from: str = ""
    mail_to: list[str] = field(default_factory=list)
    webhook_url: str = field(default="", repr=False)  # its key is a secret too
    webhook_format: str = "json"
    timeout: float = 20.0


def read_env_file(path: Path) -> dict[str, tuple[str, int]]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (# comments, optional quotes),
    each value with its line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist: copy deploy/alert.env.example there and fill it in"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    values: dict[str, tuple[str, int]] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
            raise ConfigError(f"{path}:{lineno}: expected KEY=VALUE, got {line[:60]!r}")
        if key not in KEYS:
            raise ConfigError(
                f"{path}:{lineno}: unknown setting {key} (known: {', '.join(sorted(KEYS))})"
            )
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = (value, lineno)
    return values


def load_settings(path: Path) -> Settings:
    """Settings from alert.env, checked whole: at least one way to deliver, each complete."""
    values = read_env_file(path)

    def get(key: str) -> str:
        return values.get(key, ("", 0))[0]

    def where(key: str) -> str:
        return f"{path}:{values[key][1]}" if key in values else str(path)

    s = Settings()
    s.smtp_host, s.smtp_user = get("ALERT_SMTP_HOST"), get("ALERT_SMTP_USER")
    s.smtp_password, s.smtp_ca_file = get("ALERT_SMTP_PASSWORD"), get("ALERT_SMTP_CA_FILE")
    s.mail_from = get("ALERT_MAIL_FROM")
    s.mail_to = [addr for _, addr in getaddresses([get("ALERT_MAIL_TO")]) if addr]
    s.webhook_url = get("ALERT_WEBHOOK_URL")
    s.smtp_security = get("ALERT_SMTP_SECURITY").lower() or "starttls"
    if s.smtp_security not in SECURITY:
        raise ConfigError(
            f"{where('ALERT_SMTP_SECURITY')}: ALERT_SMTP_SECURITY must be one of starttls, ssl, none"
        )
    port = get("ALERT_SMTP_PORT") or str(SECURITY[s.smtp_security])
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"{where('ALERT_SMTP_PORT')}: ALERT_SMTP_PORT must be a port number, got {port!r}"
        )
    s.smtp_port = int(port)
    s.webhook_format = get("ALERT_WEBHOOK_FORMAT").lower() or "json"
    if s.webhook_format not in WEBHOOK_LIMIT:
        raise ConfigError(
            f"{where('ALERT_WEBHOOK_FORMAT')}: ALERT_WEBHOOK_FORMAT must be one of {', '.join(WEBHOOK_LIMIT)}"
        )
    try:
        s.timeout = float(get("ALERT_TIMEOUT") or 20)
    except ValueError:
        s.timeout = -1
    if not 0 < s.timeout <= 300:
        raise ConfigError(
            f"{where('ALERT_TIMEOUT')}: ALERT_TIMEOUT must be seconds between 1 and 300"
        )

    if not s.smtp_host and not s.webhook_url:
        raise ConfigError(
            f"{path}: set ALERT_SMTP_HOST (e-mail) or ALERT_WEBHOOK_URL (webhook), or both"
        )
    if s.smtp_host:
        missing = [k for k in ("ALERT_MAIL_FROM", "ALERT_MAIL_TO") if not get(k)]
        if missing:
            raise ConfigError(f"{path}: e-mail alerts need {' and '.join(missing)}")
        if bool(s.smtp_user) != bool(s.smtp_password):
            raise ConfigError(f"{path}: ALERT_SMTP_USER and ALERT_SMTP_PASSWORD go together")
        if s.smtp_user and s.smtp_security == "none":
            raise ConfigError(
                f"{where('ALERT_SMTP_SECURITY')}: a password is never sent without TLS: use starttls or ssl"
            )
        if s.smtp_ca_file and not Path(s.smtp_ca_file).is_file():
            raise ConfigError(f"{where('ALERT_SMTP_CA_FILE')}: {s.smtp_ca_file} is not a file")
    if s.webhook_url and not re.match(r"https?://[^/\s]+", s.webhook_url):
        raise ConfigError(
            f"{where('ALERT_WEBHOOK_URL')}: ALERT_WEBHOOK_URL must be an http:// or https:// URL"
        )
    return s


# ----------------------------------------------------------------------------- the message


@dataclass
class Failure:
    """What went wrong, as systemd (or the cron script) reports it."""

    unit: str
    exit_status: str  # "4", or a signal name such as "TERM"
    result: str = ""  # systemd's Result=: exit-code, signal, timeout, …
    log: list[str] = field(default_factory=list)
    log_source: str = ""
    test: bool = False


def systemd_failure(unit: str) -> Failure:
    """The failed unit's result and exit status — from the MONITOR_* variables systemd ≥ 251
    gives an OnFailure= unit, else from `systemctl show` — and its last journal lines."""
    status = os.environ.get("MONITOR_EXIT_STATUS", "")
    result = os.environ.get("MONITOR_SERVICE_RESULT", "")
    if not status:
        shown = _run(["systemctl", "show", "--property=Result,ExecMainStatus", unit])
        props = dict(line.partition("=")[::2] for line in shown.splitlines())
        status, result = props.get("ExecMainStatus", "?"), props.get("Result", "")
    command = [
        "journalctl",
        "--unit",
        unit,
        "--lines",
        str(LOG_LINES),
        "--no-pager",
        "--output",
        "short-iso",
    ]
    log = _run(command).splitlines()
    return Failure(unit, status, result, log, f"journalctl -u {unit}")


def file_failure(unit: str, exit_status: str, log_file: Path | None) -> Failure:
    log: list[str] = []
    if log_file is not None:
        try:
            with log_file.open(encoding="utf-8", errors="replace") as f:
                log = list(deque(f, maxlen=LOG_LINES))
        except OSError as exc:
            log = [f"（无法读取 {log_file}：{exc.strerror}）"]
    return Failure(unit, exit_status, "", [line.rstrip("\n") for line in log], str(log_file or ""))


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"（{command[0]} 无法运行：{exc}）"
    return (
        done.stdout
        if done.returncode == 0
        else f"（{' '.join(command[:2])} 出错：{done.stderr.strip()[:200]}）"
    )


_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """Log text as plain characters: terminal escapes and control characters removed (a
    crawled page's text may carry them into the log)."""
    return _CONTROL.sub("", text)


def is_patrol(unit: str) -> bool:
    return "patrol" in unit


def job(unit: str) -> str:
    """What the failed unit does, in the message's words."""
    return "日巡查" if is_patrol(unit) else "夜间采集"


def describe(exit_status: str, unit: str = "zwgk-crawl") -> tuple[str, str, str]:
    """(how the run ended, what it means, what to do) for an exit status or a signal name."""
    if exit_status.isdigit():
        meanings = PATROL_EXIT_MEANING if is_patrol(unit) else EXIT_MEANING
        meaning, todo = meanings.get(int(exit_status), ("未知的退出码", "查看下方日志"))
        return f"退出码 {exit_status}", meaning, todo
    if re.fullmatch(r"[A-Z0-9]+", exit_status):
        todo = "超时（TimeoutStartSec）或被人终止：查看日志；同一天再次启动可续跑"
        return f"信号 SIG{exit_status}", "被信号终止", todo
    return "结束状态不明", "异常结束", "查看下方日志和 systemctl status"


def subject(f: Failure, host: str) -> str:
    if f.test:
        return f"【zwgk 测试告警】{host}：告警设置可用"
    status, meaning, _ = describe(f.exit_status, f.unit)
    return f"【zwgk 告警】{host}：{f.unit} {meaning}（{status}）"


def body(f: Failure, host: str, now: dt.datetime, log_lines: int = LOG_LINES) -> str:
    if f.test:
        head = ["这是一条测试告警：zwgk 夜间采集没有正常结束时，告警会像这样发到这里。", ""]
    else:
        head = [f"zwgk {job(f.unit)}没有正常结束。", ""]
    head += [f"主机：{host}", f"单元：{f.unit}", f"时间：{now:%Y-%m-%d %H:%M:%S} 北京时间"]
    if not f.test:
        status, meaning, todo = describe(f.exit_status, f.unit)
        result = f"（systemd：{f.result}）" if f.result else ""
        head += [f"结果：{status}{result}，{meaning}", f"处理：{todo}"]
    lines = [plain(line) for line in f.log[-log_lines:]] if log_lines else []
    tail = [""]
    if lines:
        cut = "" if len(lines) == len(f.log) else f"，共 {len(f.log)} 行中的最后 {len(lines)} 行"
        tail += [f"最后的日志（{f.log_source}{cut}）：", *lines, ""]
    elif f.log:
        tail += [f"日志太长，未附上：请看 {f.log_source}", ""]
    tail += ["运维手册：docs/operations.md（/opt/zwgk/docs/operations.md）"]
    return "\n".join(head + tail)


def fitted_body(f: Failure, host: str, now: dt.datetime, limit: int) -> str:
    """The body with as many of the last log lines as fit in ``limit`` UTF-8 bytes."""
    count = min(LOG_LINES, len(f.log))
    text = body(f, host, now, count)
    while len(text.encode("utf-8")) > limit and count > 0:
        count = count // 2 if count > 8 else count - 1
        text = body(f, host, now, count)
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


# ----------------------------------------------------------------------------- delivery


def send_mail(s: Settings, title: str, text: str) -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = title, s.mail_from, ", ".join(s.mail_to)
    msg["Date"], msg["Message-ID"] = formatdate(localtime=True), make_msgid(domain="zwgk.alert")
    msg.set_content(text, charset="utf-8")
    context = ssl.create_default_context(cafile=s.smtp_ca_file or None)
    where = f"mail server {s.smtp_host}:{s.smtp_port}"
    try:
        if s.smtp_security == "ssl":
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
        with client:
            if s.smtp_security == "starttls":
                client.starttls(context=context)
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password)
            client.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{where} refused the user name or password ({exc.smtp_code})"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            f"{where} does not offer STARTTLS: set ALERT_SMTP_SECURITY=ssl or none"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, TLS, rejected recipient
        raise DeliveryError(f"{where}: {exc}") from None


def webhook_payload(
    fmt: str, title: str, text: str, f: Failure, host: str, now: dt.datetime
) -> dict:
    """The JSON each kind of webhook expects: 企业微信/政务微信 and 钉钉 group robots, 飞书, or a
    plain object for anything else."""
    content = f"{title}\n\n{text}"
    if fmt in ("wecom", "dingtalk"):
        return {"msgtype": "text", "text": {"content": content}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": content}}
    return {
        "title": title,
        "text": text,
        "host": host,
        "unit": f.unit,
        "exit_status": f.exit_status,
        "result": f.result,
        "test": f.test,
        "time": now.isoformat(timespec="seconds"),
    }


def call_webhook(s: Settings, payload: dict) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        s.webhook_url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "zwgk-alert"},
    )
    where = f"webhook {re.sub(r'[?#].*', '', s.webhook_url)}"  # the query holds the robot's key
    try:
        with urllib.request.urlopen(request, timeout=s.timeout) as response:
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{where} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{where} cannot be reached: {getattr(exc, 'reason', exc)}") from None
    try:  # the chat robots answer 200 with an error code inside: a wrong key, a keyword missing
        reply = json.loads(answer)
    except ValueError:
        return
    code = reply.get("errcode", reply.get("code", 0)) if isinstance(reply, dict) else 0
    if code not in (0, None, "0"):
        raise DeliveryError(f"{where} refused the alert: {str(reply)[:200]}")


def deliver(s: Settings, f: Failure, host: str, now: dt.datetime) -> list[str]:
    """Send on every configured channel; the errors of those that failed (one each)."""
    errors, title = [], subject(f, host)
    if s.smtp_host:
        try:
            send_mail(s, title, body(f, host, now))
        except DeliveryError as exc:
            errors.append(str(exc))
    if s.webhook_url:
        text = fitted_body(f, host, now, WEBHOOK_LIMIT[s.webhook_format] - len(title.encode()) - 2)
        try:
            call_webhook(s, webhook_payload(s.webhook_format, title, text, f, host, now))
        except DeliveryError as exc:
            errors.append(str(exc))
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("unit", help="the unit that failed, e.g. zwgk-crawl.service (%%i)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="default: %(default)s")
    parser.add_argument("--exit-status", help="the exit status, when not run by systemd (cron)")
    parser.add_argument("--log-file", type=Path, help="log whose last lines to attach (cron)")
    parser.add_argument("--test", action="store_true", help="send a test alert")
    parser.add_argument("--print", action="store_true", help="print the alert; send nothing")
    args = parser.parse_args(argv)

    settings = None
    if not args.print:  # a bad alert.env is said before anything else is done
        try:
            settings = load_settings(args.config)
        except ConfigError as exc:
            print(f"zwgk-alert: {exc}", file=sys.stderr)
            return 2
    if args.exit_status is not None or args.log_file is not None or args.test:
        failure = file_failure(args.unit, args.exit_status or "?", args.log_file)
    else:
        failure = systemd_failure(args.unit)
    failure.test = args.test
    host, now = socket.gethostname(), dt.datetime.now(BEIJING)
    if settings is None:
        print(subject(failure, host), body(failure, host, now), sep="\n\n")
        return 0
    errors = deliver(settings, failure, host, now)
    for error in errors:
        print(f"zwgk-alert: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
