"""deploy/zwgk-worker.service and deploy/zwgk-crawl-distributed.conf: a crawl worker on each
machine, hardened as the nightly crawl is, and the nightly crawl turned into the coordinator of
`zwgk crawl --distributed` by a drop-in.

Parsed with configparser everywhere; `systemd-analyze verify` / `security` where installed; the
command lines are checked against `zwgk worker --help` and `zwgk crawl --help`, so an option
renamed in the code breaks this test, not a night.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

from test_deploy import DEPLOY, exposure, needs_systemd_analyze, unit_file
from typer.testing import CliRunner

from zwgk.cli import app

ZWGK_BIN = "/opt/zwgk/venv/bin/zwgk"
# What the worker's hardening must share with the crawl's: the jobs are crawls.
HARDENING = (
    "UMask", "NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities", "ProtectSystem",
    "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
    "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock",
    "ProtectHostname", "ProtectProc", "RestrictNamespaces", "RestrictRealtime",
    "RestrictSUIDSGID", "LockPersonality", "RemoveIPC", "RestrictAddressFamilies",
    "SystemCallArchitectures", "SystemCallFilter", "SystemCallErrorNumber",
)  # fmt: skip


def options_shown(*command: str) -> str:
    shown = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    return shown.output


def test_the_worker_runs_zwgk_worker_with_the_shared_configuration_until_stopped():
    service = unit_file("zwgk-worker.service")
    s = service["Service"]
    command = shlex.split(s["ExecStart"])
    assert command[:2] == [ZWGK_BIN, "worker"]
    shown = options_shown("worker")
    for option in command[2::2]:
        assert option in shown, f"zwgk worker has no {option}"
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert options["--jobs"].startswith("/var/lib/zwgk/")  # its StateDirectory, writable
    assert s["StateDirectory"] == "zwgk" and s["User"] == "zwgk"
    assert s["Environment"] == "ZWGK_CONFIG=/etc/zwgk/zwgk.toml"  # store, broker, registry
    assert s["Restart"] == "on-failure" and s["KillSignal"] == "SIGTERM"
    assert service["Install"]["WantedBy"] == "multi-user.target"


def test_the_worker_is_hardened_as_the_nightly_crawl():
    worker, crawl = unit_file("zwgk-worker.service")["Service"], unit_file("zwgk-crawl.service")
    for key in HARDENING:
        assert worker[key] == crawl["Service"][key], key
    assert "MemoryDenyWriteExecute" not in worker  # its crawls speak HTTPS through pyOpenSSL
    assert "ReadWritePaths" not in worker


def test_the_drop_in_makes_the_night_a_distributed_crawl():
    # systemd's drop-in syntax repeats a key (configparser refuses it): an empty ExecStart=
    # first, or the oneshot service would run both commands.
    text = (DEPLOY / "zwgk-crawl-distributed.conf").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "[Service]"
    starts = [line.split("=", 1)[1] for line in lines if line.startswith("ExecStart=")]
    assert starts[0] == "" and len(starts) == 2
    command = shlex.split(starts[1])
    assert command[:3] == [ZWGK_BIN, "crawl", "--distributed"]
    shown = options_shown("crawl")
    assert all(option in shown for option in command[2:])
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "zwgk-worker.service" in readme and "zwgk-crawl-distributed.conf" in readme


@needs_systemd_analyze
def test_systemd_analyze_verifies_the_worker_and_the_crawl_with_its_drop_in(tmp_path, capsys):
    folder = tmp_path / "units"
    (folder / "zwgk-crawl.service.d").mkdir(parents=True)
    for name in ("zwgk-worker.service", "zwgk-crawl.service", "zwgk-alert@.service"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace(ZWGK_BIN, sys.executable), encoding="utf-8")
    drop_in = (DEPLOY / "zwgk-crawl-distributed.conf").read_text(encoding="utf-8")
    (folder / "zwgk-crawl.service.d" / "distributed.conf").write_text(
        drop_in.replace(ZWGK_BIN, sys.executable), encoding="utf-8"
    )
    for unit in ("zwgk-worker.service", "zwgk-crawl.service"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", unit],
            cwd=folder, capture_output=True, text=True, timeout=60,
            env={"SYSTEMD_UNIT_PATH": f"{folder}:"},
        )  # fmt: skip
        assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    level = exposure(folder / "zwgk-worker.service")
    with capsys.disabled():
        print(f"\nsystemd-analyze security: zwgk-worker.service {level}")
    assert level <= exposure(folder / "zwgk-crawl.service")
