"""deploy/: the systemd units, the cron job, logrotate and sysusers files parse and do what
deploy/README.md and docs/operations.md promise — a --jobdir per date, removed only after a run
that ended, an alert after any other exit, a hardened service.

The units are checked with configparser everywhere and, where systemd-analyze is installed, with
`systemd-analyze verify` and `systemd-analyze security` as well. The shell lines run here with a
stub in place of zwgk, after the unescaping systemd ($$, %%) applies to them. The alert script
itself is tested in tests/test_deploy_alert.py.
"""

from __future__ import annotations

import configparser
import datetime as dt
import grp
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
ZWGK_BIN = "/opt/zwgk/venv/bin/zwgk"
VENV_PYTHON = "/opt/zwgk/venv/bin/python"
# The crawl service before it was hardened (deploy: systemd oneshot service + timer …).
UNHARDENED = "96836d482df99c293a2e26ee192195d13fdb77eb"

# Records its arguments and environment, creates the --jobdir as the crawl does, exits $STUB_EXIT
# (`zwgk patrol`: $STUB_PATROL_EXIT).
STUB = """#!/bin/sh
echo "args: $*" >> "$STUB_LOG"
echo "config: $ZWGK_CONFIG" >> "$STUB_LOG"
if [ "$1" = patrol ]; then
  echo "patrol summary"
  exit "${STUB_PATROL_EXIT:-0}"
fi
while [ $# -gt 0 ]; do
  if [ "$1" = --jobdir ]; then mkdir -p "$2"; fi
  shift
done
echo "summary table"
exit "${STUB_EXIT:-0}"
"""

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed: only the configparser tests check the units",
)


def unit_file(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(delimiters=("=",), strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    assert parser.read(DEPLOY / name, encoding="utf-8"), f"deploy/{name} is missing"
    return parser


def beijing_today() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


@pytest.fixture
def stub(tmp_path) -> Path:
    path = tmp_path / "zwgk-stub"
    path.write_text(STUB)
    path.chmod(0o755)
    return path


def test_unit_files_have_the_keys_the_nightly_crawl_needs():
    service = unit_file("zwgk-crawl.service")
    assert service["Unit"]["Description"]
    assert service["Unit"]["OnFailure"] == "zwgk-alert@%n.service"
    s = service["Service"]
    assert s["Type"] == "oneshot"
    assert s["WorkingDirectory"] == "/opt/zwgk"
    assert s["Environment"] == "ZWGK_CONFIG=/etc/zwgk/zwgk.toml"  # the store, the registry
    assert int(s["Nice"]) > 0 and s["IOSchedulingClass"] == "idle"
    assert f"exec {ZWGK_BIN} crawl" in s["ExecStart"] and "--jobdir" in s["ExecStart"]
    assert s["StateDirectory"] == "zwgk"
    # No SuccessExitStatus=: exit 3 (lock held) and 4 (degraded) must reach the operator.
    assert "SuccessExitStatus" not in s and "ExecStartPost" not in s

    timer = unit_file("zwgk-crawl.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 01:30:00 Asia/Shanghai"
    assert timer["RandomizedDelaySec"] and timer["Persistent"] == "true"
    assert timer["Unit"] == "zwgk-crawl.service"
    assert unit_file("zwgk-crawl.timer")["Install"]["WantedBy"] == "timers.target"

    alert = unit_file("zwgk-alert@.service")["Service"]
    assert alert["Type"] == "oneshot" and alert["User"] == "zwgk"
    assert alert["ExecStart"] == f"{VENV_PYTHON} /opt/zwgk/deploy/zwgk_alert.py %i"
    assert alert["SupplementaryGroups"] == "systemd-journal"  # to read the crawl's journal


@pytest.mark.parametrize(
    "name",
    ["zwgk-crawl.service", "zwgk-alert@.service", "zwgk-worker.service", "zwgk-patrol.service"],
)
def test_services_are_hardened_but_keep_what_they_need(name):
    s = unit_file(name)["Service"]
    assert s["ProtectSystem"] == "strict" and s["ProtectHome"] == "yes"
    assert s["PrivateTmp"] == "yes" and s["NoNewPrivileges"] == "yes"
    assert s["CapabilityBoundingSet"] == ""
    assert s["SystemCallFilter"] == "@system-service"
    assert s["LockPersonality"] == "yes"
    assert all(s[f"ProtectKernel{k}"] == "yes" for k in ("Tunables", "Modules", "Logs"))
    # The web and local sockets (journal, D-Bus, PostgreSQL's /run/postgresql): nothing else.
    assert s["RestrictAddressFamilies"].split() == ["AF_INET", "AF_INET6", "AF_UNIX"]
    assert "ReadWritePaths" not in s  # StateDirectory= is the only place the crawl writes
    if name in ("zwgk-crawl.service", "zwgk-worker.service"):  # the worker's jobs are crawls
        assert "MemoryDenyWriteExecute" not in s  # see test_tls_callbacks_need_write_execute
        assert "ProcSubset" not in s  # the crawl lock reads /proc/stat
    else:
        assert s["MemoryDenyWriteExecute"] == "yes"


def test_the_patrol_runs_after_the_crawl_and_alerts_like_it():
    unit = unit_file("zwgk-patrol.service")
    assert "zwgk-crawl.service" in unit["Unit"]["After"].split()
    assert unit["Unit"]["OnFailure"] == "zwgk-alert@%n.service"
    assert unit["Service"]["ExecStart"] == f"{VENV_PYTHON} -m zwgk patrol"
    assert unit["Service"]["Environment"] == "ZWGK_CONFIG=/etc/zwgk/zwgk.toml"
    timer = unit_file("zwgk-patrol.timer")["Timer"]
    assert timer["Unit"] == "zwgk-patrol.service" and timer["Persistent"] == "true"
    assert timer["OnCalendar"] == "*-*-* 06:30:00 Asia/Shanghai"  # after the crawl of 01:30


def installed_copy(tmp_path: Path) -> Path:
    """The units as `systemd-analyze verify` can load them here: the venv's python, which
    verify requires to exist, replaced by this interpreter."""
    folder = tmp_path / "units"
    folder.mkdir()
    for name in ("zwgk-crawl.service", "zwgk-crawl.timer", "zwgk-alert@.service",
                 "zwgk-patrol.service", "zwgk-patrol.timer"):  # fmt: skip
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace(VENV_PYTHON, sys.executable), encoding="utf-8")
    return folder


@needs_systemd_analyze
def test_systemd_analyze_verifies_the_units_and_the_timer_fires_at_0130_beijing(tmp_path):
    folder = installed_copy(tmp_path)
    for units in (
        ["zwgk-crawl.service", "zwgk-crawl.timer"],
        ["zwgk-alert@.service"],
        ["zwgk-patrol.service", "zwgk-patrol.timer"],
    ):
        verify = subprocess.run(
            ["systemd-analyze", "verify", *units],
            cwd=folder,
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


def exposure(path: Path) -> float:
    """`systemd-analyze security --offline=true`'s overall exposure (0 safe … 10 unsafe)."""
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "--offline" in done.stderr and done.returncode != 0:
        pytest.skip(f"this systemd-analyze has no --offline: {done.stderr.strip()}")
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout)
    assert found, done.stdout + done.stderr
    return float(found.group(1))


@needs_systemd_analyze
def test_the_hardened_crawl_service_is_less_exposed_than_before(tmp_path, capsys):
    old = subprocess.run(
        ["git", "show", f"{UNHARDENED}:deploy/zwgk-crawl.service"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if old.returncode != 0:
        pytest.skip(f"the unhardened unit is not in this checkout's history: {old.stderr}")
    (tmp_path / "old").mkdir()
    before_file = tmp_path / "old" / "zwgk-crawl.service"
    before_file.write_text(old.stdout, encoding="utf-8")
    folder = installed_copy(tmp_path)
    before, after = exposure(before_file), exposure(folder / "zwgk-crawl.service")
    alert = exposure(folder / "zwgk-alert@.service")
    with capsys.disabled():
        print(
            f"\nsystemd-analyze security (0 safe … 10 unsafe): zwgk-crawl.service {before} "
            f"before hardening, {after} now; zwgk-alert@.service {alert}"
        )
    assert after < before / 2
    assert alert < before / 2


PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
# Linux ≥ 6.3 refuses memory both writable and executable to a process that asks it to
# (prctl PR_SET_MDWE), as systemd's MemoryDenyWriteExecute=yes does with a seccomp filter.
MDWE_PROBE = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:
    sys.exit(77)
from OpenSSL import SSL
try:
    SSL.Context(SSL.TLS_METHOD).set_info_callback(lambda *a: None)  # as Twisted's TLS does
except MemoryError as exc:
    print(exc)
    sys.exit(3)
"""


def test_tls_callbacks_need_write_execute_so_the_crawl_cannot_deny_it():
    """Why zwgk-crawl.service has no MemoryDenyWriteExecute=yes. If this starts failing,
    pyOpenSSL no longer needs W+X memory: turn the setting on."""
    done = subprocess.run(
        [sys.executable, "-c", MDWE_PROBE], capture_output=True, text=True, timeout=60
    )
    if done.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux ≥ 6.3)")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "write+execute memory for ffi.callback()" in done.stdout


def systemd_command(value: str, stub: Path) -> list[str]:
    """An Exec line as systemd runs it: `$$` → `$`, `%%` → `%`, then split into words (a
    leading `-`, "failure ignored", dropped)."""
    assert not re.search(r"(?<!%)%(?!%)", value), "an unescaped % is a systemd specifier"
    words = shlex.split(value.removeprefix("-").replace("$$", "$").replace("%%", "%"))
    return [w.replace(ZWGK_BIN, str(stub)) for w in words]


@pytest.mark.parametrize(
    ("exit_code", "kept"),
    [(0, False), (1, True), (3, True), (4, False), (5, True)],
    ids=["finished", "interrupted", "lock-held", "degraded", "failed"],
)
def test_service_crawls_into_a_dated_jobdir_removed_only_after_a_run_that_ended(
    tmp_path, stub, exit_code, kept
):
    service = unit_file("zwgk-crawl.service")["Service"]
    state = tmp_path / "state"
    log = tmp_path / "stub.log"
    env = {
        "PATH": os.environ["PATH"],
        "STATE_DIRECTORY": str(state),  # set by systemd from StateDirectory=
        "ZWGK_CONFIG": "/etc/zwgk/zwgk.toml",
        "STUB_LOG": str(log),
    }
    jobdir = state / "jobs" / beijing_today()
    stale, recent = state / "jobs" / "2000-01-01", state / "jobs" / "yesterday"
    for folder in (stale, recent):
        folder.mkdir(parents=True)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(stale, (ten_days_ago, ten_days_ago))

    start = systemd_command(service["ExecStart"], stub)
    done = subprocess.run(start, env={**env, "STUB_EXIT": str(exit_code)}, timeout=30)
    assert done.returncode == exit_code
    assert jobdir.is_dir()
    args = log.read_text()
    assert f"args: crawl --quiet --jobdir {jobdir}\n" in args
    assert "config: /etc/zwgk/zwgk.toml\n" in args

    # systemd runs ExecStopPost= after every run, telling it how the main process ended.
    post = systemd_command(service["ExecStopPost"], stub)
    ended = {"EXIT_CODE": "exited", "EXIT_STATUS": str(exit_code), "SERVICE_RESULT": "x"}
    subprocess.run(post, env={**env, **ended}, timeout=30, check=True)
    assert jobdir.is_dir() == kept
    assert not stale.exists()
    assert recent.is_dir()  # a week's grace for a folder someone may still resume by hand


def test_service_keeps_the_jobdir_of_a_crawl_killed_by_a_signal(tmp_path, stub):
    post = systemd_command(unit_file("zwgk-crawl.service")["Service"]["ExecStopPost"], stub)
    jobdir = tmp_path / "jobs" / beijing_today()
    jobdir.mkdir(parents=True)
    env = {"PATH": os.environ["PATH"], "STATE_DIRECTORY": str(tmp_path)}
    subprocess.run(post, env={**env, "EXIT_CODE": "killed", "EXIT_STATUS": "KILL"}, check=True)
    assert jobdir.is_dir()


# ----------------------------------------------------------------------------- cron

CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def cron_job() -> tuple[dict[str, str], list[str], str]:
    text = (DEPLOY / "zwgk-crawl.cron").read_text(encoding="utf-8")
    assert text.endswith("\n"), "cron ignores a last line without a newline"
    env, jobs = {}, []
    for line in text.splitlines():
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


def test_cron_file_is_a_valid_cron_d_entry_that_mails_only_when_something_is_wrong():
    env, fields, command = cron_job()
    assert fields == ["30", "1", "*", "*", "*", "zwgk"]
    for value, (low, high) in zip(fields[:5], CRON_RANGES, strict=True):
        assert CRON_FIELD.match(value), value
        assert all(low <= int(n) <= high for n in re.findall(r"\d+", value.split("/")[0]))
    assert set(env) == {"SHELL", "PATH", "MAILTO", "ZWGK_CONFIG"}
    assert env["MAILTO"] and env["ZWGK_CONFIG"] == "/etc/zwgk/zwgk.toml"
    assert command == "/opt/zwgk/deploy/zwgk-crawl-cron.sh"
    assert "flock" not in command  # the store's crawl lock refuses a second run
    assert not re.search(r"(?<!\\)%", command)  # cron turns an unescaped % into a newline
    assert os.access(DEPLOY / "zwgk-crawl-cron.sh", os.X_OK)


def run_cron_script(tmp_path: Path, stub: Path, exit_code: int, **extra: str):
    env, _, _ = cron_job()
    state, logs = tmp_path / "lib", tmp_path / "log"
    state.mkdir(exist_ok=True)
    logs.mkdir(exist_ok=True)
    run_env = {
        **env,
        "PATH": f"{env['PATH']}:{os.environ['PATH']}",
        "STUB_LOG": str(tmp_path / "stub.log"),
        "STUB_EXIT": str(exit_code),
        "ZWGK_BIN": str(stub),
        "ZWGK_PYTHON": sys.executable,
        "ZWGK_ALERT": str(DEPLOY / "zwgk_alert.py"),
        "ZWGK_ALERT_ENV": str(tmp_path / "no-alert.env"),
        "ZWGK_STATE": str(state),
        "ZWGK_LOG": str(logs / "crawl.log"),
        **extra,
    }
    done = subprocess.run(
        [env["SHELL"], str(DEPLOY / "zwgk-crawl-cron.sh")],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, state / "jobs" / beijing_today(), logs / "crawl.log"


@pytest.mark.parametrize(
    ("exit_code", "kept"),
    [(0, False), (1, True), (3, True), (4, False), (5, True)],
    ids=["finished", "interrupted", "lock-held", "degraded", "failed"],
)
def test_cron_script_logs_cleans_up_and_prints_only_when_something_is_wrong(
    tmp_path, stub, exit_code, kept
):
    stale = tmp_path / "lib" / "jobs" / "2000-01-01"
    stale.mkdir(parents=True)
    os.utime(stale, (time.time() - 10 * 86400,) * 2)
    done, jobdir, log = run_cron_script(tmp_path, stub, exit_code)
    assert done.returncode == exit_code

    stub_log = (tmp_path / "stub.log").read_text()
    assert f"args: crawl --quiet --jobdir {jobdir}\n" in stub_log
    assert "config: /etc/zwgk/zwgk.toml\n" in stub_log
    logged = log.read_text()
    assert "summary table" in logged and f"Beijing: exit {exit_code}\n" in logged
    assert jobdir.is_dir() == kept
    assert not stale.exists()
    if exit_code == 0:
        assert done.stdout == "" and done.stderr == ""  # cron mails nothing
    else:  # cron mails this to MAILTO
        assert "zwgk-crawl.cron" in done.stdout and f"退出码 {exit_code}" in done.stdout
        assert "summary table" in done.stdout  # the log's tail
        assert done.stderr == ""


@pytest.mark.parametrize(
    ("exit_code", "patrolled"),
    [(0, True), (1, False), (2, False), (3, False), (4, True), (5, False)],
    ids=["finished", "interrupted", "bad-input", "lock-held", "degraded", "failed"],
)
def test_cron_script_patrols_only_after_a_run_that_ended(tmp_path, stub, exit_code, patrolled):
    done, _, log = run_cron_script(tmp_path, stub, exit_code)
    assert done.returncode == exit_code
    calls = [line for line in (tmp_path / "stub.log").read_text().splitlines() if "args:" in line]
    if patrolled:
        assert calls[1:] == ["args: patrol"]  # after the crawl, with zwgk.toml's [patrol]
        logged = log.read_text()
        assert logged.index(f"exit {exit_code}\n") < logged.index("Beijing: zwgk patrol\n")
        assert "patrol summary\n" in logged and "Beijing: patrol exit 0\n" in logged
    else:
        assert calls[1:] == []  # nothing new to judge
    assert "zwgk-patrol.cron" not in done.stdout  # a patrol that succeeded is not news


@pytest.mark.parametrize("exit_code", [0, 4], ids=["finished", "degraded"])
def test_cron_script_reports_a_failed_patrol_in_its_output_and_exit_status(
    tmp_path, stub, exit_code
):
    done, jobdir, log = run_cron_script(tmp_path, stub, exit_code, STUB_PATROL_EXIT="2")
    # A failed patrol after a finished crawl is not a quiet night; after a degraded one the
    # crawl's own status stays (both are mailed).
    assert done.returncode == (2 if exit_code == 0 else 4)
    assert "Beijing: patrol exit 2\n" in log.read_text()
    assert "zwgk-patrol.cron" in done.stdout and "日巡查没有正常结束" in done.stdout
    assert "巡查未能进行" in done.stdout and "patrol summary" in done.stdout  # the log's tail
    assert ("zwgk-crawl.cron" in done.stdout) == (exit_code == 4)
    assert done.stderr == ""
    assert not jobdir.exists()  # the run ended: its job folder goes, whatever the patrol did


# ----------------------------------------------------------------------------- zwgk.toml, logrotate, user


def test_the_shipped_zwgk_toml_names_the_services_store_and_registry():
    import tomllib

    with (DEPLOY / "zwgk.toml").open("rb") as f:
        parsed = tomllib.load(f)
    assert parsed["store"]["url"] == "sqlite:////var/lib/zwgk/zwgk.sqlite"  # StateDirectory
    assert parsed["crawl"]["registry"] == "/etc/zwgk/units.yaml"
    try:
        from common.config_file import load_config_file
    except ImportError:
        pytest.skip("no common.config_file in this checkout: only the TOML syntax is checked")
    loaded = load_config_file(DEPLOY / "zwgk.toml")  # zwgk's own validation: keys, types
    assert loaded.values["store.url"] == parsed["store"]["url"]
    assert loaded.values["crawl.registry"] == Path("/etc/zwgk/units.yaml")


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is not installed")
def test_logrotate_rotates_the_crawl_log_and_creates_a_fresh_one(tmp_path):
    me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "crawl.log").write_text("=== a night\n")
    text = (DEPLOY / "zwgk.logrotate").read_text(encoding="utf-8")
    assert "/var/log/zwgk/*.log {" in text and "su zwgk zwgk" in text
    conf = tmp_path / "zwgk.logrotate"
    conf.write_text(text.replace("/var/log/zwgk", str(logs)).replace("zwgk zwgk", f"{me} {group}"))
    conf.chmod(0o644)  # logrotate ignores a configuration others may write
    state = tmp_path / "state"
    debug = subprocess.run(
        ["logrotate", "--debug", "--state", str(state), str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert debug.returncode == 0 and "error" not in debug.stderr.lower(), debug.stderr
    forced = subprocess.run(
        ["logrotate", "--force", "--state", str(state), str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert forced.returncode == 0, forced.stderr
    assert (logs / "crawl.log.1").read_text() == "=== a night\n"  # delaycompress: plain
    assert (logs / "crawl.log").read_text() == ""  # create: a fresh file for tonight
    assert oct((logs / "crawl.log").stat().st_mode & 0o777) == "0o640"


@pytest.mark.skipif(shutil.which("systemd-sysusers") is None, reason="no systemd-sysusers")
def test_sysusers_file_creates_the_zwgk_system_user_without_a_login(tmp_path):
    (tmp_path / "etc").mkdir()
    done = subprocess.run(
        ["systemd-sysusers", f"--root={tmp_path}", str(DEPLOY / "zwgk.sysusers")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    users = (tmp_path / "etc" / "passwd").read_text().splitlines()
    zwgk = next(line.split(":") for line in users if line.startswith("zwgk:"))
    assert int(zwgk[2]) < 1000  # a system user
    assert zwgk[5:] == ["/var/lib/zwgk", "/usr/sbin/nologin"]
    assert any(
        line.startswith("zwgk:") for line in (tmp_path / "etc" / "group").read_text().splitlines()
    )
