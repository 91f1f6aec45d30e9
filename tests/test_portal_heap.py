"""A serving portal process freezes what it holds once its app is made (`portal.cli.settle_heap`),
so the collector's full collections stop walking the imported modules and the app: with one
worker (the app made in `zwgk portal`) and with several (each made by `app_from_environment`).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest
import uvicorn
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from typer.testing import CliRunner

from portal import cli as portal_cli
from zwgk.cli import app

# The modules and the app a portal process holds number some 285,000 objects; a process that
# froze nothing has 0 frozen. Far below the one, far above the other.
FROZEN_AT_LEAST = 50_000


@pytest.fixture
def store_url(portal_template, tmp_path) -> str:
    store = tmp_path / "portal.sqlite"
    store.write_bytes(portal_template.read_bytes())
    return f"sqlite:///{store}"


def test_one_worker_freezes_its_heap_before_serving(store_url, monkeypatch):
    seen: dict[str, object] = {}

    def run(served, **options):
        seen["frozen"] = gc.get_freeze_count()
        seen["app"] = served

    monkeypatch.setattr(uvicorn, "run", run)
    gc.unfreeze()
    try:
        done = CliRunner().invoke(app, ["portal", "--db", store_url])
    finally:
        gc.unfreeze()  # the test process's own objects back to the collector
    assert done.exit_code == 0, done.output
    assert type(seen["app"]).__name__ == "FastAPI"
    assert seen["frozen"] >= FROZEN_AT_LEAST


def test_each_worker_of_several_freezes_its_heap(store_url):
    """`app_from_environment` is what uvicorn calls in every worker it spawns."""
    script = (
        "import gc\n"
        "from portal.cli import app_from_environment\n"
        "before = gc.get_freeze_count()\n"
        "app_from_environment()\n"
        "print(before, gc.get_freeze_count())\n"
    )
    env = {
        **os.environ,
        portal_cli.DB_ENV: store_url,
        portal_cli.HTTPS_ENV: "",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before == 0
    assert after >= FROZEN_AT_LEAST
