"""`zwgk portal --workers N`: N processes serve one port over one store, a session made in one
is good in every other (one signing key, made once before they start), and Ctrl-C / SIGTERM
stops them all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from portal_fixtures import PASSWORDS, ROUND
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts processes in /proc")


def workers(pid: int) -> list[int]:
    """The worker processes uvicorn spawned (not multiprocessing's resource tracker)."""
    found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in found if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_two_workers_serve_one_port_and_share_sessions(portal_template, tmp_path, free_tcp_port):
    store = tmp_path / "portal.sqlite"
    store.write_bytes(portal_template.read_bytes())
    port = free_tcp_port
    (tmp_path / "zwgk.toml").write_text("", "utf-8")  # no [portal] secret_key
    env = {**os.environ, "ZWGK_CONFIG": str(tmp_path / "zwgk.toml")}
    env.pop("ZWGK_PORTAL_SECRET", None)
    command = [sys.executable, "-m", "zwgk", "portal", "--db", f"sqlite:///{store}"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "the portal did not answer within 60 s"
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert len(workers(server.pid)) == 2
        assert (tmp_path / "portal-secret").is_file()  # made once, before the workers
        with httpx.Client(base_url=base, timeout=30) as client:
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]*)"', form.text).group(1)
            signed = client.post(
                "/login",
                data={"login": "eval", "password": PASSWORDS["eval"], "csrf_token": token},
            )
            assert signed.status_code == 303
            # New connections, so both workers answer some: each must know the session.
            for _ in range(12):
                with httpx.Client(base_url=base, cookies=client.cookies, timeout=30) as fresh:
                    # (not a page that loads the round's set: its check type is the fixture's)
                    page = fresh.get("/rounds")
                    assert page.status_code == 200 and ROUND in page.text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0, output
    assert "2 worker processes" in output
