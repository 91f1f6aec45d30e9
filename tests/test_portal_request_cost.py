"""What a page costs the portal's process beyond its own work: templates read from their files
once per process, and few hand-overs to a worker thread (under load each one is a wait for the
GIL between the event loop and the threads)."""

from __future__ import annotations

import anyio.to_thread
import jinja2.loaders
from portal_fixtures import ROUND
from portal_fixtures import portal_store_fixture as portal_store_fixture  # noqa: F401
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401

from portal.app import make_templates

NAMES = ("problems.html", "base.html", "_eval.html")  # a list page, what it extends and imports


def test_a_template_is_read_once_and_never_looked_at_again(monkeypatch):
    env = make_templates().env
    first = [env.get_template(name) for name in NAMES]

    def no_file_access(*args):
        raise AssertionError(f"a template file was looked at again: {args[-1]}")

    monkeypatch.setattr(jinja2.loaders.os.path, "getmtime", no_file_access)
    monkeypatch.setattr(jinja2.loaders.FileSystemLoader, "get_source", no_file_access)
    assert [env.get_template(name) for name in NAMES] == first


def test_an_evaluator_page_takes_two_thread_hand_overs_the_session_and_the_page(
    portal_store, monkeypatch
):
    """The role check reads nothing and runs on the event loop; the session's lookup and the
    page's own work (both read the store) each take a worker thread."""
    client = portal_store.client_for("eval")
    handed: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        handed.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    for path in (f"/rounds/{ROUND}/problems", f"/rounds/{ROUND}/problems?status=new&page=2"):
        handed.clear()
        assert client.get(path).status_code == 200
        assert len(handed) == 2, handed
