"""nginx in front of the benchmarked portal, with deploy/nginx-zwgk-portal.conf's own
``location /`` block (plain HTTP on loopback instead of its TLS server): what evaluators reach
in the deployed portal.

It matters to the figures, not only to realism. Straight to uvicorn, each benchmark client keeps
one connection, and a connection stays with the worker process that accepted it: 20 clients
split unevenly over 2 workers (measured: one worker 78% busy, the other 35%), and the busier
one's queue sets the p95. nginx as deploy/ configures it opens a connection to the portal for
each request (no upstream keep-alive), which whichever worker is free accepts.
"""

from __future__ import annotations

import getpass
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

DEPLOY_CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx-zwgk-portal.conf"
PORTAL_UPSTREAM = "http://127.0.0.1:8000"  # where deploy/'s location block sends requests


def nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None
    )


def location_block(portal_port: int) -> str:
    """deploy/'s ``location / { … }`` with its upstream moved to ``portal_port``."""
    conf = DEPLOY_CONF.read_text(encoding="utf-8")
    start = conf.index("    location / {")
    end = conf.index("\n    }\n", start) + len("\n    }\n")
    block = conf[start:end]
    if PORTAL_UPSTREAM not in block:
        raise SystemExit(
            f"{DEPLOY_CONF}: the location block no longer proxies to {PORTAL_UPSTREAM}"
        )
    return block.replace(PORTAL_UPSTREAM, f"http://127.0.0.1:{portal_port}")


def wait_for_login_page(
    process: subprocess.Popen, base: str, what: str, log: Path, within: float
) -> None:
    """Until ``base``/login answers; `SystemExit` with the end of ``log`` if ``process`` ends
    or ``within`` seconds pass first."""
    deadline = time.monotonic() + within
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            httpx.get(f"{base}/login", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)


@contextmanager
def behind_nginx(portal_port: int, port: int, folder: Path) -> Iterator[tuple[str, int]]:
    """nginx (one worker process) on ``port`` in front of the portal; yields its base URL and
    the master's PID (its worker is a child: their CPU is the proxy's share)."""
    binary = nginx()
    if binary is None:
        raise SystemExit("nginx is not installed (apt-get install nginx-light), or use --direct")
    folder.mkdir(parents=True, exist_ok=True)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in kinds)
    conf = folder / "nginx.conf"
    conf.write_text(
        # nginx started by root runs its worker as nobody, who cannot write to this folder.
        f"user {getpass.getuser()};\nworker_processes 1;\ndaemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log off;\n  {temp}\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n    client_max_body_size 10m;\n"
        f"{location_block(portal_port)}  }}\n}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(folder)])
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_login_page(process, base, "nginx", folder / "error.log", within=20)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
