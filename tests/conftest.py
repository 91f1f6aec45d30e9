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
- a test makes its store through ``store_url`` / ``store_urls`` (``module_store_urls`` for a
  module's): a SQLite file in its folder, or — the suite run with ``ZWGK_DATABASE_URL`` set to
  a PostgreSQL URL — a database of its own on that server (`store.testing.StoreUrls`). The
  variable is taken away at start, so nothing reaches that database by default;
- what is built once and shared by files that may run on different workers is built under a
  lock, in the run's common temporary folder (`conftest_scoring.crawled_sample`);
- a file whose module fixture serves and crawls a portal for minutes is one `xdist_group`, so it
  is built once, on one worker: `loadgroup` hands out those groups first (most tests first),
  then the other tests one by one to whichever worker is free;
- a test that times what a crawl does to the millisecond is marked `alone`: while it runs, the
  other workers start no test — they finish the one they are in, then wait. A fixture that
  times only some of its work holds the machine for that part (`machine_share.alone()`:
  `test_faults.py` times its reference night and night 1 against each other, and the gaps
  between a host's requests on night 4).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from machine_share import held_for_test

from store.testing import SUITE_URL_ENV, StoreUrls, drop_templates


def pytest_configure(config: pytest.Config) -> None:
    """The suite's backend comes from ``ZWGK_DATABASE_URL`` (see the module's docstring)."""
    url = os.environ.pop("ZWGK_DATABASE_URL", None)
    if url:
        os.environ[SUITE_URL_ENV] = url


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_templates()  # each process's PostgreSQL template databases (store.testing)


STORE_FIXTURES = {"store_urls", "module_store_urls"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--store-tests-only``: deselect the tests that make no store through the fixtures."""
    if not config.getoption("store_tests_only"):
        return
    uses = [bool(STORE_FIXTURES & set(getattr(i, "fixturenames", ()))) for i in items]
    config.hook.pytest_deselected(items=[i for i, use in zip(items, uses, strict=True) if not use])
    items[:] = [i for i, use in zip(items, uses, strict=True) if use]


@pytest.fixture
def store_urls(tmp_path: Path) -> Iterator[StoreUrls]:
    """Fresh store URLs on the suite's backend for one test: ``store_urls.new(name)``,
    ``store_urls.copy_of(template.sqlite)``."""
    urls = StoreUrls(tmp_path)
    yield urls
    urls.close()


@pytest.fixture
def store_url(store_urls: StoreUrls) -> str:
    """An empty store's URL on the suite's backend, for one test."""
    return store_urls.new()


@pytest.fixture(scope="module")
def module_store_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreUrls]:
    """Fresh store URLs on the suite's backend shared by one module's tests."""
    urls = StoreUrls(tmp_path_factory.mktemp("stores"))
    yield urls
    urls.close()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    parser.addoption(
        "--store-tests-only",
        action="store_true",
        help="run only the tests that make their store through store_url/store_urls/"
        "module_store_urls (a second backend's leg: the others ran on the first)",
    )
    if pluginmanager.hasplugin("xdist"):
        return
    group = parser.getgroup("xdist (not loaded)", "accepted from addopts and ignored")
    group.addoption("--numprocesses", default=None, help="ignored: pytest-xdist is not loaded")
    group.addoption("--dist", default="no", help="ignored: pytest-xdist is not loaded")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Under xdist, each test (its fixtures' setup and teardown included) holds the run's lock:
    shared, or exclusive for a test marked `alone`."""
    # A worker's basetemp is …/pytest-N/popen-gwK; …/pytest-N is the run's, shared by all.
    basetemp = item.config.getoption("basetemp")
    if not hasattr(item.config, "workerinput") or basetemp is None:
        return (yield)  # one process: nothing runs beside the test
    exclusive = item.get_closest_marker("alone") is not None
    with held_for_test(Path(basetemp).parent, exclusive):
        return (yield)
