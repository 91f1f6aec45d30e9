"""deploy/zwgk-portal.service and deploy/nginx-zwgk-portal.conf: the portal as a hardened
service on loopback behind an HTTPS proxy whose forwarded headers it believes from there only.

Parsed with configparser everywhere; `systemd-analyze verify` / `security` where installed; the
service's command line is checked against `zwgk portal --help`, so an option renamed in the code
breaks this test, not the server at night; `nginx -t` where nginx is installed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_deploy import DEPLOY, exposure, needs_systemd_analyze, unit_file
from typer.testing import CliRunner

from zwgk.cli import app

ZWGK_BIN = "/opt/zwgk/venv/bin/zwgk"


def test_the_portal_service_serves_on_loopback_with_the_shared_configuration():
    service = unit_file("zwgk-portal.service")
    s = service["Service"]
    command = shlex.split(s["ExecStart"])
    assert command[:2] == [ZWGK_BIN, "portal"]
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert options["--host"] == "127.0.0.1"  # only the proxy reaches it
    assert options["--forwarded-allow-ips"] == "127.0.0.1"
    assert s["Environment"] == "ZWGK_CONFIG=/etc/zwgk/zwgk.toml"  # the crawl's store
    assert s["User"] == "zwgk" and s["StateDirectory"] == "zwgk"
    assert s["Restart"] == "on-failure"
    assert service["Install"]["WantedBy"] == "multi-user.target"
    # Hardened like the crawl, and stricter: no write+execute memory.
    assert s["ProtectSystem"] == "strict" and s["PrivateTmp"] == "yes"
    assert s["NoNewPrivileges"] == "yes" and s["CapabilityBoundingSet"] == ""
    assert s["MemoryDenyWriteExecute"] == "yes"
    assert s["RestrictAddressFamilies"].split() == ["AF_INET", "AF_INET6", "AF_UNIX"]


def test_every_option_of_the_service_is_one_zwgk_portal_accepts():
    command = shlex.split(unit_file("zwgk-portal.service")["Service"]["ExecStart"])
    shown = CliRunner().invoke(app, ["portal", "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    for option in command[2::2]:
        assert option in shown.output, f"zwgk portal has no {option}"


def test_the_proxy_speaks_https_and_passes_what_the_portal_believes():
    conf = (DEPLOY / "nginx-zwgk-portal.conf").read_text(encoding="utf-8")
    service = unit_file("zwgk-portal.service")["Service"]["ExecStart"]
    port = re.search(r"--port (\d+)", service).group(1)
    assert f"proxy_pass http://127.0.0.1:{port};" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # not a client's list
    assert re.search(r"listen 443 ssl( http2)?;", conf) and "return 301 https://" in conf
    assert re.search(r"client_max_body_size \d+m;", conf)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    conf = (DEPLOY / "nginx-zwgk-portal.conf").read_text(encoding="utf-8")
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=zwgk.test", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    conf = conf.replace("/etc/ssl/zwgk/fullchain.pem", str(cert))
    conf = conf.replace("/etc/ssl/zwgk/privkey.pem", str(key))
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{conf}\n}}\n",
        encoding="utf-8",
    )
    tested = subprocess.run(
        ["nginx", "-t", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stderr


@needs_systemd_analyze
def test_systemd_analyze_verifies_the_portal_service_and_rates_it_hardened(tmp_path, capsys):
    folder = tmp_path / "units"
    folder.mkdir()
    text = (DEPLOY / "zwgk-portal.service").read_text(encoding="utf-8")
    (folder / "zwgk-portal.service").write_text(text.replace(ZWGK_BIN, sys.executable))
    verify = subprocess.run(
        ["systemd-analyze", "verify", "zwgk-portal.service"],
        cwd=folder, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    level = exposure(folder / "zwgk-portal.service")
    with capsys.disabled():
        print(f"\nsystemd-analyze security: zwgk-portal.service {level}")
    assert level < 3.0


def test_the_deploy_readme_lists_the_portal_files():
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "zwgk-portal.service" in readme and "nginx-zwgk-portal.conf" in readme
    assert Path(DEPLOY / "nginx-zwgk-portal.conf").exists()
