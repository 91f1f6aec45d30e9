"""The unit registry: the sample portal's file loads, selection follows the unit tree, every kind
of mistake is reported with FILE:LINE, and `zwgk units discover` drafts a registry that loads,
from a live sample portal."""

from __future__ import annotations

import hashlib
import http.server
import re
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from common.vocabulary import LEVELS
from crawler.discover import DiscoverError, fetch, guess_level
from crawler.politeness_limits import POLITE_CONCURRENCY, USER_AGENT
from crawler.registry import (
    RegistryError,
    load_registry,
)
from demo import model as m
from demo import urls
from demo.generate import generate_portal
from demo.registry import write_registry
from demo.server import PortalServer
from demo.site import Site
from zwgk.cli import app

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def portal() -> m.Portal:
    return generate_portal(seed=5, scale="small", port=free_port(), first_address=61)


@pytest.fixture(scope="module")
def sample_registry(portal, tmp_path_factory) -> Path:
    return write_registry(portal, tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def served(portal):
    server = PortalServer(portal, Site(portal))
    server.start()
    yield server
    server.stop()


def write(tmp_path: Path, text: str, name: str = "units.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "version: 1\nname: 测试\nunits:\n"
GOOD_UNIT = """\
  - id: xh
    name: 西河县人民政府
    level: 县区政府
    profile: trs
    entry: http://127.0.0.13:18600/zf/xxgk/index.html
"""


def problems_of(path: Path) -> list[tuple[int | None, str]]:
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}:")
    return caught.value.problems


# -- the sample portal's registry ------------------------------------------------------------
def test_sample_registry_loads_every_unit_with_its_tree(portal, sample_registry):
    reg = load_registry(sample_registry)
    assert [u.id for u in reg.units] == [u.id for u in portal.units]
    for unit in portal.units:
        entry = reg.unit(unit.id)
        assert (entry.name, entry.level, entry.parent) == (unit.name, unit.level, unit.parent)
        assert entry.entry == urls.unit_entry(portal, unit)
        assert entry.profile == portal.index.host[unit.host].platform
    assert reg.hash == hashlib.sha256(sample_registry.read_bytes()).hexdigest()
    # after the comment header, version/name/defaults and owned_hosts (the portal's own hosts)
    first = 8 + len(reg.owned_hosts)
    assert reg.owned_hosts == tuple(sorted({urlsplit(u.entry).hostname for u in reg.units}))
    assert reg.units[0].line == first
    assert reg.where("jh") == f"{sample_registry}:{first}"


def test_select_by_id_level_and_children(sample_registry, portal):
    reg = load_registry(sample_registry)
    county = next(u for u in portal.units if u.level == m.COUNTY_GOV)
    below = [u.id for u in portal.units if u.parent == county.id]
    assert below and [u.id for u in reg.children(county.id)] == below
    assert [u.id for u in reg.select([county.id])] == [county.id]
    assert [u.id for u in reg.select([county.id], include_children=True)] == [county.id, *below]
    townships = reg.select([county.id], [m.TOWNSHIP], include_children=True)
    assert townships and all(u.parent == county.id and u.level == m.TOWNSHIP for u in townships)
    # The city's descendants are everything but the city itself.
    assert len(reg.select(["jh"], include_children=True)) == len(portal.units)
    assert {u.level for u in reg.select(levels=[m.CITY_DEPT])} == {m.CITY_DEPT}
    assert reg.select() == reg.units
    with pytest.raises(KeyError, match="nope"):
        reg.select(["nope"])
    with pytest.raises(ValueError, match="市直单位"):
        reg.select(levels=["市直单位"])
    with pytest.raises(KeyError, match="nope"):
        reg.unit("nope")


def test_settings_resolve_builtins_defaults_and_overrides(tmp_path):
    path = write(
        tmp_path,
        "version: 1\ndefaults: {delay: 2.5, timeout: 10}\nunits:\n"
        + GOOD_UNIT
        + """\
  - id: xh-d01
    name: 西河县教育局
    level: 县直部门
    parent: xh
    profile: trs
    entry: http://127.0.0.13:18600/d01/xxgk/index.html
    overrides:
      robots: ignore
      user_agent: other-agent/1.0
      columns: {"专题专栏": skip, "财务信息": budget}
""",
    )
    reg = load_registry(path)
    county, dept = reg.unit("xh").settings, reg.unit("xh-d01").settings
    assert (county.delay, county.timeout, county.robots) == (2.5, 10.0, "obey")
    assert county.user_agent == USER_AGENT and county.concurrency == POLITE_CONCURRENCY
    assert county.obey_robots and not dept.obey_robots
    assert (dept.delay, dept.user_agent) == (2.5, "other-agent/1.0")
    assert reg.unit("xh-d01").column_overrides == {"专题专栏": "skip", "财务信息": "budget"}
    assert reg.defaults.delay == 2.5


def test_concurrency_above_two_needs_an_explicit_raise(tmp_path):
    too_many = write(
        tmp_path, HEADER.replace("units:", "defaults: {concurrency: 4}\nunits:") + GOOD_UNIT
    )
    ((line, message),) = problems_of(too_many)
    assert line == 3 and "concurrency 4" in message and "raise_concurrency_limit" in message
    agreed = write(
        tmp_path,
        HEADER.replace(
            "units:", "defaults: {concurrency: 4, raise_concurrency_limit: true}\nunits:"
        )
        + GOOD_UNIT,
        "agreed.yaml",
    )
    assert load_registry(agreed).unit("xh").settings.concurrency == 4


# -- mistakes, each with its line -------------------------------------------------------------
SECOND = {  # a second unit on lines 9–14, one key per line
    "id": "  - id: xh-d01\n",
    "name": "    name: 西河县教育局\n",
    "level": "    level: 县直部门\n",
    "parent": "    parent: xh\n",
    "profile": "    profile: trs\n",
    "entry": "    entry: http://127.0.0.13:18600/d01/xxgk/index.html\n",
}


@pytest.mark.parametrize(
    ("key", "value", "line", "needle"),
    [
        ("colour", "red", 15, "units[1]: unknown key 'colour'"),
        ("level", "县直单位", 11, "unknown level '县直单位' (did you mean '县直部门'?)"),
        ("profile", "dedecms", 13, "unknown profile 'dedecms'"),
        ("entry", "ftp://example.gov.cn/", 14, "must start with http:// or https://"),
        ("entry", "http:///public/index.html", 14, "has no host name"),
        ("entry", "http://x.gov.cn/a b", 14, "contains a space"),
        ("entry", "http://x.gov.cn:99999/", 14, "port is not a number"),
        ("parent", "zz", 12, "unit 'xh-d01' names parent 'zz', which is not a unit id"),
        ("name", "''", 10, "units[1].name"),
        ("overrides", "{speed: 3}", 15, "units[1].overrides: unknown key 'speed'"),
        ("overrides", "{robots: sometimes}", 15, "'obey' or 'ignore'"),
        ("overrides", "{columns: {专题: skipp}}", 15, "unknown column category 'skipp'"),
        ("overrides", "{delay: -1}", 15, "units[1].overrides.delay"),
    ],
)
def test_a_bad_field_names_its_line(tmp_path, key, value, line, needle):
    lines = dict(SECOND)
    indent = "  - " if key == "id" else "    "
    lines[key] = f"{indent}{key}: {value}\n"
    problems = problems_of(write(tmp_path, HEADER + GOOD_UNIT + "".join(lines.values())))
    assert any(p_line == line and needle in msg for p_line, msg in problems), problems


def test_tree_mistakes_duplicate_missing_parent_cycle(tmp_path):
    text = HEADER + GOOD_UNIT + GOOD_UNIT  # lines 4 and 9: the same id twice
    text += """\
  - id: a
    name: 甲镇
    level: 乡镇街道
    parent: b
    profile: trs
    entry: http://127.0.0.13:18600/a/xxgk/index.html
  - id: b
    name: 乙镇
    level: 乡镇街道
    parent: a
    profile: trs
    entry: http://127.0.0.13:18600/b/xxgk/index.html
"""
    problems = problems_of(write(tmp_path, text))
    assert (9, "units[1].id: duplicate unit id 'xh' (first used on line 4)") in problems
    assert (17, "units[2].parent: parent cycle a → b → a") in problems
    assert len(problems) == 2  # the cycle is reported once, not once per member


def test_every_problem_is_reported_at_once(tmp_path):
    text = (
        HEADER
        + GOOD_UNIT.replace("县区政府", "省政府")
        + GOOD_UNIT.replace("profile: trs", "profile: nope")
    )
    lines = sorted(line for line, _ in problems_of(write(tmp_path, text)))
    assert lines == [6, 9, 12]  # level, duplicate id, profile


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("version: 1\nunits: [\n", 3, "invalid YAML"),
        ("version: 1\nversion: 1\nunits: []\n", 2, "duplicate key 'version'"),
        ("- a\n- b\n", 1, "a registry is a mapping"),
        ("version: 2\nunits:\n" + GOOD_UNIT, 1, "version"),
        ("version: 1\nunits: []\n", 2, "units"),
        ("version: 1\nunit:\n" + GOOD_UNIT, 2, "unknown key 'unit'"),
        ("version: 1\nunits:\n" + GOOD_UNIT.replace("id: xh", "id: 007"), 3, "put it in quotes"),
        ("version: 1\nunits:\n" + GOOD_UNIT.replace("id: xh", "id: 西河"), 3, "unit id '西河'"),
    ],
)
def test_file_level_mistakes(tmp_path, text, line, needle):
    problems = problems_of(write(tmp_path, text))
    assert any(p_line == line and needle in msg for p_line, msg in problems), problems


def test_unreadable_files(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(RegistryError, match="missing.yaml: cannot read"):
        load_registry(missing)
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("version: 1\nname: 江淮\n".encode("gbk"))
    with pytest.raises(RegistryError, match=r"gbk.yaml:2: not UTF-8"):
        load_registry(gbk)


def test_units_check_command(sample_registry, tmp_path):
    ok = runner.invoke(app, ["units", "check", str(sample_registry)])
    assert ok.exit_code == 0, ok.output
    assert "OK — 35 units" in ok.output and "乡镇街道 12" in ok.output
    bad = write(tmp_path, HEADER + GOOD_UNIT.replace("trs", "dedecms"))
    result = runner.invoke(app, ["units", "check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:7: units[0].profile: unknown profile 'dedecms'" in result.output


# -- discover ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("江淮市人民政府办公室", "市政府"),
        ("江淮市人民政府", "市政府"),
        ("东山区人民政府", "县区政府"),
        ("西河县人民政府办公室", "县区政府"),
        ("江淮市发展和改革委员会", "市直部门"),
        ("江淮市乡村振兴局", "市直部门"),  # 乡 inside a department name is not a township
        ("江淮市城市管理局", "市直部门"),
        ("西河县教育局", "县直部门"),
        ("江淮市东山区民政局", "县直部门"),
        ("西河县七星镇人民政府", "乡镇街道"),
        ("西河县高庙乡人民政府", "乡镇街道"),
        ("东山区大桥街道办事处", "乡镇街道"),
        ("城关镇", "乡镇街道"),
    ],
)
def test_guess_level_from_name(name, level):
    assert guess_level(name) == level


def test_discover_drafts_a_registry_that_loads(served, portal, tmp_path):
    for host in [h for h in portal.hosts if not h.down]:
        out = tmp_path / f"{host.id}.yaml"
        home = urls.platform_home(portal, host.id)
        result = runner.invoke(
            app,
            ["units", "discover", home, "--profile", host.platform, "--out", str(out),
             "--prefix", host.id],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        assert text.startswith("# DRAFT unit registry")
        reg = load_registry(out)
        on_host = portal.index.units_on[host.id]
        assert [(u.name, u.level, u.entry) for u in reg.units] == [
            (u.name, u.level, urls.unit_entry(portal, u)) for u in sorted(
                on_host, key=lambda u: LEVELS.index(u.level))  # the page groups by level
        ]  # fmt: skip
        assert all(u.parent is None and u.profile == host.platform for u in reg.units)
        assert all(u.id.startswith(f"{host.id}-") for u in reg.units)
        # Lonsun ids carry the unit number, TRS ids the path segment, Hanweb ids the column.
        sample = sorted(on_host, key=lambda u: LEVELS.index(u.level))[0]
        key = {
            "lonsun": str(sample.num),
            "hanweb": f"col{urls.hanweb_unit_number(sample)}",
        }.get(host.platform, sample.slug)
        assert reg.units[0].id == f"{host.id}-{key}"
        # The page's level headings agree with the guess from each name.
        assert all(guess_level(u.name) == u.level for u in reg.units)
        assert served.request_count(home) >= 1


def test_generic_rule_finds_the_same_units_by_their_names(served, portal):
    for host in [h for h in portal.hosts if not h.down]:
        home = urls.platform_home(portal, host.id)
        specific = runner.invoke(app, ["units", "discover", home, "-p", host.platform])
        generic = runner.invoke(app, ["units", "discover", home, "-p", "generic"])
        assert specific.exit_code == generic.exit_code == 0, generic.output
        mine, theirs = (
            yaml.safe_load(specific.stdout)["units"],
            yaml.safe_load(generic.stdout)["units"],
        )
        assert [(u["id"], u["name"], u["entry"]) for u in theirs] == [
            (u["id"], u["name"], u["entry"]) for u in mine
        ]


def test_discover_prints_to_stdout_without_out(served, portal):
    lonsun = next(h for h in portal.hosts if h.platform == "lonsun")
    result = runner.invoke(
        app, ["units", "discover", urls.platform_home(portal, lonsun.id), "-p", "lonsun"]
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    first = portal.index.units_on[lonsun.id][0]
    assert data["units"][0]["id"] == f"u{first.num}"  # a bare number would load as an int
    assert data["units"][0]["name"] == first.name


def test_discover_errors_name_the_url(served, portal, tmp_path):
    down = next(h for h in portal.hosts if h.down)
    url = urls.platform_home(portal, down.id)
    result = runner.invoke(app, ["units", "discover", url, "--profile", "trs"])
    assert result.exit_code == 2
    assert url in result.output and "cannot" in result.output
    lonsun = next(h for h in portal.hosts if h.platform == "lonsun")
    missing = lonsun.base_url + "/public/nothing.html"
    result = runner.invoke(app, ["units", "discover", missing, "--profile", "lonsun"])
    assert result.exit_code == 2 and f"{missing}: HTTP 404" in result.output
    blocked = lonsun.base_url + "/admin/units.html"  # the sample's robots.txt disallows /admin/
    result = runner.invoke(app, ["units", "discover", blocked, "--profile", "lonsun"])
    assert result.exit_code == 2 and "robots.txt does not allow" in result.output
    result = runner.invoke(app, ["units", "discover", blocked, "-p", "lonsun", "--ignore-robots"])
    assert result.exit_code == 2 and "HTTP 404" in result.output  # fetched after all
    home = urls.platform_home(portal, lonsun.id)
    result = runner.invoke(app, ["units", "discover", home, "--profile", "dedecms"])
    assert result.exit_code == 2 and "unknown profile 'dedecms'" in result.output
    # A page without unit links is not silently an empty registry (a TRS list read as Lonsun).
    trs = next(h for h in portal.hosts if h.platform == "trs" and not h.down)
    result = runner.invoke(
        app, ["units", "discover", urls.platform_home(portal, trs.id), "--profile", "lonsun"]
    )
    assert result.exit_code == 2 and "no unit links found" in result.output
    # An existing file is never overwritten without --force.
    out = tmp_path / "units.yaml"
    out.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["units", "discover", home, "-p", "lonsun", "--out", str(out)])
    assert result.exit_code == 2 and out.read_text(encoding="utf-8") == "keep me"
    forced = ["units", "discover", home, "-p", "lonsun", "--out", str(out), "--force"]
    assert runner.invoke(app, forced).exit_code == 0
    assert load_registry(out).units


def test_fetch_identifies_zwgk_and_reports_timeouts():
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            # http.server decodes header bytes as latin-1; undo that to read the UTF-8 agent.
            seen.append(self.headers["User-Agent"].encode("latin-1").decode("utf-8"))
            if self.path == "/slow":
                threading.Event().wait(1.0)  # longer than the client waits
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write("<title>单位</title>".encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        body, content_type = fetch(base + "/")
        assert "单位".encode() in body and content_type.startswith("text/html")
        assert seen == [USER_AGENT]
        with pytest.raises(DiscoverError, match=re.escape(base + "/slow: cannot fetch")):
            fetch(base + "/slow", timeout=0.2)
    finally:
        server.shutdown()
        server.server_close()


# -- docs/registry.md -------------------------------------------------------------------------
DOC = Path(__file__).resolve().parent.parent / "docs" / "registry.md"


def doc_block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n", text.index("```", text.index(marker))) + 1
    return text[start : text.index("```", start)]


def test_docs_worked_example_loads_as_described(tmp_path):
    reg = load_registry(write(tmp_path, doc_block("<!-- registry-example -->")))
    assert [(u.id, u.level, u.parent) for u in reg.units] == [
        ("xh", "县区政府", None),
        ("xh-fgw", "县直部门", "xh"),
        ("xh-jyj", "县直部门", "xh"),
        ("xh-qx", "乡镇街道", "xh"),
    ]
    assert [u.id for u in reg.select(["xh"], ["乡镇街道"], include_children=True)] == ["xh-qx"]
    bureau = reg.unit("xh-jyj")
    assert not bureau.settings.obey_robots and bureau.settings.delay == 2
    assert reg.unit("xh").settings.obey_robots
    assert bureau.column_overrides == {"财务信息": "budget", "专题专栏": "skip"}


def test_docs_error_output_is_what_the_check_prints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, doc_block("<!-- registry-broken -->"))
    result = runner.invoke(app, ["units", "check", "units.yaml"])
    assert result.exit_code == 2
    assert result.output == doc_block("<!-- registry-broken-output -->")


# -- the polite limit: one check wherever the value is written ----------------------------------
THREE_UNITS = """\
version: 1
defaults:
  delay: 0.5
  concurrency: 8
units:
  - {id: a, name: 甲, level: 市政府, profile: trs, entry: "http://www.jh.example/a/"}
  - {id: b, name: 乙, level: 市直部门, parent: a, profile: trs, entry: "http://www.jh.example/b/"}
  - {id: c, name: 丙, level: 市直部门, parent: a, profile: trs, entry: "http://c.example/c/"}
"""


def test_defaults_concurrency_above_the_limit_is_refused_once(tmp_path):
    path = write(tmp_path, THREE_UNITS)
    ((line, message),) = problems_of(path)  # one problem for three units
    assert line == 4  # `concurrency: 8` under defaults:
    assert message.startswith("defaults: concurrency 8 is above the polite limit of 2")
    assert "3 unit(s) (a, b, c)" in message and "owned_hosts" in message


def test_owned_hosts_lift_the_limit_for_the_office_sites_only(tmp_path):
    owned = write(tmp_path, THREE_UNITS.replace("units:", "owned_hosts: [www.jh.example]\nunits:"))
    ((line, message),) = problems_of(owned)  # c.example is not the office's
    assert line == 4 and "1 unit(s) (c)" in message
    fixed = THREE_UNITS.replace("units:", "owned_hosts: [WWW.JH.example]\nunits:")
    fixed = fixed.replace(
        '"http://c.example/c/"}', '"http://c.example/c/", overrides: {concurrency: 2}}'
    )
    reg = load_registry(write(tmp_path, fixed, "fixed.yaml"))
    assert reg.owned_hosts == ("www.jh.example",)
    assert [reg.unit(u).settings.concurrency for u in "abc"] == [8, 8, 2]
    # Still bounded: 16 at most, on the office's own hosts too.
    over = write(tmp_path, fixed.replace("concurrency: 8", "concurrency: 17"), "over.yaml")
    ((line, message),) = problems_of(over)
    assert line == 4 and "less than or equal to 16" in message
    # A host no unit is on lifts nothing and says so (a typo would otherwise pass silently).
    typo = write(tmp_path, fixed.replace("[WWW.JH.example]", "[www.jh.exampel]"), "typo.yaml")
    found = problems_of(typo)
    assert any(
        "'www.jh.exampel' is no unit's entry host (did you mean 'www.jh.example'" in m
        for _, m in found
    )


def test_dash_s_cannot_bypass_the_polite_limit(tmp_path):
    from crawler.politeness_limits import PolitenessError, command_line_layer
    from crawler.run import crawl_settings

    registry = write(tmp_path, THREE_UNITS.replace("  concurrency: 8\n", ""))
    # -s is read as the registry's own setting, with its bounds and limit, and refused once.
    for options, expected in (
        ({"CONCURRENT_REQUESTS_PER_DOMAIN": "100"}, "less than or equal to 16"),
        ({"DOWNLOAD_DELAY": "9000"}, "less than or equal to 600"),
        ({"ROBOTSTXT_OBEY": "False"}, "not accepted"),
        ({"CONCURRENT_REQUESTS_PER_IP": "50"}, "not accepted"),
        ({"DOWNLOAD_SLOTS": "{}"}, "not accepted"),
        ({"RETRY_TIMES": "50"}, "from 0 to 2"),
    ):
        with pytest.raises(PolitenessError, match=expected):
            command_line_layer(dict(options))
    options = {"CONCURRENT_REQUESTS_PER_DOMAIN": "8", "ZWGK_BATCH_SIZE": "10"}
    with pytest.raises(RegistryError) as caught:
        load_registry(registry, run=command_line_layer(options))
    ((line, message),) = caught.value.problems
    assert line is None and message.startswith("-s CONCURRENT_REQUESTS_PER_DOMAIN=8 is above")
    assert options == {"ZWGK_BATCH_SIZE": "10"}  # the rest goes to Scrapy as it was
    # Below the limit, -s acts as the run's defaults; a unit's own override still wins.
    slow = registry.read_text(encoding="utf-8").replace(
        '"http://c.example/c/"}', '"http://c.example/c/", overrides: {delay: 3}}'
    )
    options = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    reg = load_registry(write(tmp_path, slow, "slow.yaml"), run=command_line_layer(options))
    settings = crawl_settings(reg, full=False, database_url=None, overrides=options)
    assert (
        settings.getfloat("DOWNLOAD_DELAY") == 0
        and settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    )
    assert settings.getdict("DOWNLOAD_SLOTS") == {"c.example": {"delay": 3.0, "concurrency": 1}}


def test_zwgk_crawl_refuses_dash_s_above_the_limit_before_touching_the_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    registry = write(tmp_path, THREE_UNITS.replace("  concurrency: 8\n", ""))
    # SQLite only: "not touched" is read as "no file made".
    command = ["crawl", "-r", str(registry), "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=100"]
    result = runner.invoke(app, [*command, "--db", f"sqlite:///{tmp_path / 's.sqlite'}"])
    assert result.exit_code == 2
    assert "-s CONCURRENT_REQUESTS_PER_DOMAIN=100" in result.output and "16" in result.output
    assert not (tmp_path / "s.sqlite").exists()
