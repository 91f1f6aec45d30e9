"""The test run's own settings that pyproject.toml cannot hold.

The suite runs in parallel: pyproject.toml's `addopts` ask pytest-xdist for one worker per CPU
(`--numprocesses=auto --dist=loadgroup`). A run without xdist — `-p no:xdist`, or a checkout
without the `dev` extra — would refuse those two options as unknown; they are accepted here and
ignored, so the same command then runs the tests one after another. `-n 0` keeps xdist loaded
and runs serially too.

What parallel runs must respect (each xdist worker is a process of its own, with its own
Twisted reactor from pytest-twisted and its own `tmp_path_factory` folder):
- a server listens on a free port (`socket.bind(("127.0.0.1", 0))`), never a fixed one, so two
  workers serving sample portals on the same loopback addresses cannot collide;
- PostgreSQL tests use a schema or database of their own (`store.testing`);
- what is built once and shared by files that may run on different workers is built under a
  lock, in the run's common temporary folder (`conftest_scoring.crawled_sample`);
- a file whose module fixture serves and crawls a portal for minutes is one `xdist_group`, so it
  is built once, on one worker: `loadgroup` hands out those groups first (most tests first),
  then the other tests one by one to whichever worker is free.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.hasplugin("xdist"):
        return
    group = parser.getgroup("xdist (not loaded)", "accepted from addopts and ignored")
    group.addoption("--numprocesses", default=None, help="ignored: pytest-xdist is not loaded")
    group.addoption("--dist", default="no", help="ignored: pytest-xdist is not loaded")
