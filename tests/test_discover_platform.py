"""A platform in one file: a profile YAML that zwgk does not ship, with its own `unit_list:`,
drives `zwgk units discover` on a hand-made unit list served on 127.0.0.1 — no Python change.

The profile and the page are the worked example of docs/profiles.md, run as written."""

from __future__ import annotations

import http.server
import re
import shlex
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from crawler.profile_model import PROFILE_PATH_ENV, get_profile
from crawler.registry import load_registry
from zwgk.cli import app

runner = CliRunner()
DOC = Path(__file__).resolve().parents[1] / "docs" / "profiles.md"
DOC_HOST = "http://www.qingchuan.gov.cn"
BLOCK = re.compile(
    r"<!-- (?P<kind>file|page): (?P<name>[\w.-]+) -->\n```\w*\n(?P<body>.*?)```", re.S
)
RUN = re.compile(
    r"```console\n\$ (?P<cmd>zwgk units discover [^\n]*)\n```\n```yaml\n(?P<out>.*?)```", re.S
)


def doc() -> tuple[dict[str, str], str, str]:
    """The doc's files and pages by name, and its one `zwgk units discover` run (cmd, output)."""
    text = DOC.read_text(encoding="utf-8")
    blocks = {m["name"]: m["body"] for m in BLOCK.finditer(text)}
    (run,) = [(m["cmd"], m["out"]) for m in RUN.finditer(text)]
    return blocks, *run


@pytest.fixture
def site(tmp_path, monkeypatch) -> Iterator[tuple[str, Path, list[str]]]:
    """The doc's unit list served at /gk/units.html (anything else 404, robots.txt included),
    and a profile directory on ZWGK_PROFILE_PATH holding only the doc's yunzheng.yaml."""
    blocks, _, _ = doc()
    page = blocks["units.html"].encode("utf-8")
    requested: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requested.append(self.path)
            if self.path != "/gk/units.html":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "yunzheng.yaml").write_text(blocks["yunzheng.yaml"], encoding="utf-8")
    monkeypatch.setenv(PROFILE_PATH_ENV, str(profiles))
    get_profile.cache_clear()  # profiles are cached by name; this test's yunzheng is new
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", profiles, requested
    finally:
        server.shutdown()
        server.server_close()
        get_profile.cache_clear()


def discover(*args: str) -> list[tuple[str, str, str, str]]:
    """(id, name, level, entry) of each drafted unit."""
    result = runner.invoke(app, ["units", "discover", *args])
    assert result.exit_code == 0, result.output
    units = yaml.safe_load(result.stdout)["units"]
    return [(u["id"], u["name"], u["level"], u["entry"]) for u in units]


def test_docs_unit_list_example_is_what_discover_prints(site, tmp_path):
    base, _, requested = site
    _, cmd, expected = doc()
    result = runner.invoke(app, shlex.split(cmd.replace(DOC_HOST, base))[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.replace(DOC_HOST, base)
    assert requested == ["/robots.txt", "/gk/units.html"]
    # The draft is a registry zwgk loads, every unit on the new profile.
    out = tmp_path / "units.yaml"
    out.write_text(result.stdout, encoding="utf-8")
    assert {u.profile for u in load_registry(out).units} == {"yunzheng"}


def test_profile_by_path_and_profiles_extending_it_use_its_unit_list(site):
    base, profiles, _ = site
    url = f"{base}/gk/units.html"
    by_name = discover(url, "-p", "yunzheng")
    assert [(i, level) for i, _, level, _ in by_name] == [
        ("qcx", "县区政府"), ("yjj", "县直部门"), ("rmt", "县直部门"), ("qzz", "乡镇街道"),
    ]  # fmt: skip
    assert discover(url, "-p", str(profiles / "yunzheng.yaml")) == by_name
    # A county's variant that extends the platform and says nothing of units inherits the rule.
    (profiles / "yunzheng-qc.yaml").write_text(
        "name: yunzheng-qc\nextends: yunzheng\narticle:\n  body: [div.qc-article]\n",
        encoding="utf-8",
    )
    assert discover(url, "-p", "yunzheng-qc") == by_name
    # One that changes only the heading keeps the entry pattern; levels then come from names.
    (profiles / "yunzheng-flat.yaml").write_text(
        "name: yunzheng-flat\nextends: yunzheng\nunit_list:\n  heading: h1\n", encoding="utf-8"
    )
    flat = discover(url, "-p", "yunzheng-flat")
    assert [(i, n, e) for i, n, _, e in flat] == [(i, n, e) for i, n, _, e in by_name]
    levels = {i: level for i, _, level, _ in flat}
    assert levels["rmt"] == "市直部门"  # guessed from its name 融媒体中心


def test_without_the_platform_rule_the_page_reads_differently(site):
    """The generic rule on the same page: ids from the file name, 乔庄镇 missed — so the units
    above came from yunzheng's unit_list, not from a rule zwgk already had."""
    base, _, _ = site
    generic = discover(f"{base}/gk/units.html", "-p", "generic")
    assert [i for i, *_ in generic] == ["qcx-html", "yjj-html", "rmt-html"]


def test_a_mistake_in_the_new_profile_names_its_file_and_line(site):
    base, profiles, requested = site
    path = profiles / "yunzheng.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("(?P<id>[a-z0-9]+)", "([a-z0-9]+)"),
        encoding="utf-8",
    )
    line = next(
        n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if text.lstrip().startswith("entry_pattern:")
    )  # fmt: skip
    result = runner.invoke(app, ["units", "discover", f"{base}/gk/units.html", "-p", "yunzheng"])
    assert result.exit_code == 2
    assert f"{path}:{line}: unit_list.entry_pattern" in result.output
    assert "(?P<id>" in result.output
    assert requested == []  # refused before any request
