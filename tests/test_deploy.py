"""deploy/: the systemd units and the cron line parse, and their shell lines do what
deploy/README.md promises — a --jobdir per date, removed only after a finished run.

The units are checked with configparser everywhere and, where systemd-analyze is installed, with
`systemd-analyze verify` as well. The shell lines run here with a stub in place of zwgk, after
the unescaping systemd ($$, %%) or cron (\\%) applies to them.
"""

from __future__ import annotations

import configparser
import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
ZWGK_BIN = "/opt/zwgk/venv/bin/zwgk"

# Records its arguments and environment, creates the --jobdir as Scrapy would, exits $STUB_EXIT.
STUB = """#!/bin/sh
echo "args: $*" >> "$STUB_LOG"
echo "db: $ZWGK_DATABASE_URL" >> "$STUB_LOG"
while [ $# -gt 0 ]; do
  if [ "$1" = --jobdir ]; then mkdir -p "$2"; fi
  shift
done
echo "summary table"
exit "${STUB_EXIT:-0}"
"""


def unit_file(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(delimiters=("=",), strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    assert parser.read(DEPLOY / name, encoding="utf-8"), f"deploy/{name} is missing"
    return parser


@pytest.fixture
def stub(tmp_path) -> Path:
    path = tmp_path / "zwgk-stub"
    path.write_text(STUB)
    path.chmod(0o755)
    return path


def test_unit_files_have_the_keys_the_nightly_crawl_needs():
    service = unit_file("zwgk-crawl.service")
    assert service["Unit"]["Description"]
    s = service["Service"]
    assert s["Type"] == "oneshot"
    assert s["WorkingDirectory"] == "/opt/zwgk"
    assert "ZWGK_DATABASE_URL=sqlite:////var/lib/zwgk/zwgk.sqlite" in s["Environment"].split()
    assert int(s["Nice"]) > 0 and s["IOSchedulingClass"] == "idle"
    assert f"exec {ZWGK_BIN} crawl" in s["ExecStart"] and "--jobdir" in s["ExecStart"]
    assert s["StateDirectory"] == "zwgk"

    timer = unit_file("zwgk-crawl.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 01:30:00 Asia/Shanghai"
    assert timer["RandomizedDelaySec"] and timer["Persistent"] == "true"
    assert timer["Unit"] == "zwgk-crawl.service"
    assert unit_file("zwgk-crawl.timer")["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed: only the configparser test checks the units",
)
def test_systemd_analyze_verifies_the_units_and_the_timer_fires_at_0130_beijing():
    verify = subprocess.run(
        ["systemd-analyze", "verify", "zwgk-crawl.service", "zwgk-crawl.timer"],
        cwd=DEPLOY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 on unknown keys and unparsable values; it only warns on stderr.
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    spec = unit_file("zwgk-crawl.timer")["Timer"]["OnCalendar"]
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", spec],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        timeout=60,
    )
    assert calendar.returncode == 0, calendar.stderr
    assert re.search(r"Next elapse: \w+ \d{4}-\d\d-\d\d 17:30:00 UTC", calendar.stdout)


def systemd_command(value: str, stub: Path) -> list[str]:
    """An Exec line as systemd runs it: `$$` → `$`, `%%` → `%`, then split into words."""
    assert not re.search(r"(?<!%)%(?!%)", value), "an unescaped % is a systemd specifier"
    words = shlex.split(value.replace("$$", "$").replace("%%", "%"))
    return [w.replace(ZWGK_BIN, str(stub)) for w in words]


def test_service_crawls_into_a_dated_jobdir_and_removes_it_only_after_a_finished_run(
    tmp_path, stub
):
    service = unit_file("zwgk-crawl.service")["Service"]
    state = tmp_path / "state"
    log = tmp_path / "stub.log"
    env = {
        "PATH": os.environ["PATH"],
        "STATE_DIRECTORY": str(state),  # set by systemd from StateDirectory=
        "ZWGK_REGISTRY": "/etc/zwgk/units.yaml",
        "ZWGK_DATABASE_URL": "sqlite:////var/lib/zwgk/zwgk.sqlite",
        "STUB_LOG": str(log),
    }
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    jobdir = state / "jobs" / today
    start = systemd_command(service["ExecStart"], stub)
    post = systemd_command(service["ExecStartPost"], stub)

    # An interrupted run exits 1: systemd skips ExecStartPost, so the queue stays for a resume.
    failed = subprocess.run(start, env={**env, "STUB_EXIT": "1"}, timeout=30)
    assert failed.returncode == 1
    assert jobdir.is_dir()
    args = log.read_text()
    assert f"args: crawl --quiet --registry /etc/zwgk/units.yaml --jobdir {jobdir}\n" in args

    stale, recent = state / "jobs" / "2000-01-01", state / "jobs" / "yesterday"
    stale.mkdir()
    recent.mkdir()
    ten_days_ago = time.time() - 10 * 86400
    os.utime(stale, (ten_days_ago, ten_days_ago))
    finished = subprocess.run(start, env=env, timeout=30)
    assert finished.returncode == 0
    subprocess.run(post, env=env, timeout=30, check=True)
    assert not jobdir.exists() and not stale.exists()
    assert recent.is_dir()  # a week's grace for a folder someone may still resume by hand


def cron_job() -> tuple[dict[str, str], list[str], str]:
    env, jobs = {}, []
    for line in (DEPLOY / "zwgk-crawl.cron").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            env[name] = value
        else:
            jobs.append(line)
    assert len(jobs) == 1, jobs
    *schedule, user, command = jobs[0].split(maxsplit=6)
    return env, [*schedule, user], command


@pytest.mark.parametrize("exit_code", [0, 1])
def test_cron_line_runs_nightly_logs_to_a_file_and_keeps_the_jobdir_of_a_stopped_run(
    tmp_path, stub, exit_code
):
    env, fields, command = cron_job()
    assert fields == ["30", "1", "*", "*", "*", "zwgk"]
    assert env["ZWGK_DATABASE_URL"] == "sqlite:////var/lib/zwgk/zwgk.sqlite"
    assert "flock" not in command  # the store's crawl lock refuses a second run
    # cron turns an unescaped % into a newline: every % must be written \%.
    assert not re.search(r"(?<!\\)%", command)
    assert command.endswith('>> /var/log/zwgk/crawl.log 2>&1 && rm -rf "$J"')

    roots = {"/opt/zwgk": tmp_path / "opt", "/var/lib/zwgk": tmp_path / "lib"}
    roots["/var/log/zwgk"] = tmp_path / "log"
    runnable = command.replace("\\%", "%").replace(ZWGK_BIN, str(stub))
    for real, fake in roots.items():
        fake.mkdir()
        runnable = runnable.replace(real, str(fake))
    stub_log = tmp_path / "stub.log"
    run_env = {**env, "STUB_LOG": str(stub_log), "STUB_EXIT": str(exit_code)}
    run_env["PATH"] = f"{env['PATH']}:{os.environ['PATH']}"
    if "TZ" in os.environ:  # `date` in the job and strftime here must agree on the date
        run_env["TZ"] = os.environ["TZ"]
    done = subprocess.run([env["SHELL"], "-c", runnable], env=run_env, timeout=30)
    assert done.returncode == exit_code

    jobdir = roots["/var/lib/zwgk"] / "jobs" / time.strftime("%Y-%m-%d")
    assert f"--jobdir {jobdir}\n" in stub_log.read_text()
    assert "db: sqlite:////var/lib/zwgk/zwgk.sqlite" in stub_log.read_text()
    assert "summary table" in (roots["/var/log/zwgk"] / "crawl.log").read_text()
    assert jobdir.is_dir() == (exit_code != 0)  # kept for a resume only if the run stopped
