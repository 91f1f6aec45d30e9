"""`zwgk units probe` on the sample portal's hosts: the platform it detects, the columns and
categories it reports, the pagination it checks and the sample articles it reads agree with the
portal's model; a host that is down, an anti-bot wall and robots.txt end with exit 3 and one
sentence; `--write` drafts a registry that loads, `--save` keeps the pages as fixtures; the
probe stays within its request budget and its delay."""

from __future__ import annotations

import json
import math
import os
import socket
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import demo.site
from crawler.extract.dom import parse_document
from crawler.extract.fingerprints import fingerprint_hits, score
from crawler.probe_fetch import MAX_REQUESTS
from crawler.profile_model import PROFILE_PATH_ENV, ProfileError, get_profile, load_profile
from crawler.registry import load_registry
from demo import hazards as hz
from demo import urls
from demo.generate import make_sample
from demo.model import GROUP
from demo.render.common import column_path
from demo.server import PortalServer
from demo.site import Site
from zwgk.cli import app

runner = CliRunner()
# Beside the clone, as tests/test_extract_realpages.py finds them.
REALPAGES = Path(
    os.environ.get("ZWGK_REALPAGES", Path(__file__).resolve().parents[2] / "shared" / "realpages")
)
FIELDS = ("title", "index_no", "publisher", "doc_no", "written_date", "publish_date", "validity",
          "subject", "keywords", "category")  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def portal():
    portal, _ = make_sample(seed=4, scale="small", port=free_port(), first_address=121)
    return portal


@pytest.fixture(scope="module")
def served(portal):
    server = PortalServer(portal, Site(portal), timed_log=True)
    server.start()
    yield server
    server.stop()


def probe(url: str, *args: str, allow: str | None = None):
    """Run the command; JSON unless asked otherwise, no delay unless given."""
    allowed = ["--allow-address", allow] if allow else []
    delay = [] if "--delay" in args else ["--delay", "0"]
    return runner.invoke(app, ["units", "probe", url, *allowed, *delay, *args])


def report(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def unit_on(portal, platform: str, *, not_hazard: bool = True):
    """A unit on a live host of the platform whose pages no hazard spoils."""
    spoiled = {h["unit_id"] for h in portal.hazards}
    for unit in portal.units:
        host = portal.index.host[unit.host]
        if host.platform == platform and not host.down and not (not_hazard and unit.id in spoiled):
            return unit, host
    raise AssertionError(f"no {platform} unit")


def expected_fields(portal, article) -> dict[str, str]:
    """What the sample article's page shows, field by field (the model is the truth)."""
    blank = set(article.blank_fields)
    column = portal.index.column[article.column_id]
    values = {
        "title": article.title,
        "index_no": None if "index_no" in blank else article.index_no,
        "publisher": None if "publisher" in blank else article.publisher,
        "doc_no": None if "doc_no" in blank else article.doc_no,
        "written_date": None if "written" in blank else article.written,
        "publish_date": article.published,
        "validity": None if "validity" in blank else article.validity,
        "subject": None if "subject" in blank else article.subject,
        "keywords": None if "keywords" in blank else article.keywords,
        "category": None if "category_path" in blank else column_path(portal, column),
    }
    return {k: v if isinstance(v, str) else v.isoformat() for k, v in values.items() if v}


def check_against_model(portal, unit, data: dict) -> None:
    host = portal.index.host[unit.host]
    columns = [c for c in portal.index.columns_of[unit.id] if not c.hidden and c.category != GROUP]
    assert data["profile"] == host.platform and data["detected"] is True
    # Every column of the directory, in page order, with the model's category; none unmatched.
    assert sorted((c["name"], c["category"]) for c in data["columns"]) == sorted(
        (c.name, c.category) for c in columns
    )
    assert data["unmatched"] == []
    assert data["unit_name"] == unit.name
    by_name = {c.name: c for c in columns}
    size = {  # rows a list page (a Hanweb record group) holds
        "lonsun": urls.LONSUN_PAGE_SIZE, "trs": urls.TRS_PAGE_SIZE, "hanweb": urls.HANWEB_RECORDS,
        "govcn": urls.GOVCN_PAGE_SIZE,
    }[host.platform]  # fmt: skip
    # Pages claimed are the model's; a later page fetched lists new rows.
    for record in data["pagination"]:
        column = by_name[record["column"]]
        listed = len(portal.index.articles_of.get(column.id, ()))
        if host.platform in ("trs", "govcn") or record["claimed"] is not None:
            assert record["claimed"] == max(1, math.ceil(listed / size)), record
        assert record["rows"] == min(listed, size)
        if record["other_url"] is not None:
            assert record["works"] is True
            assert record["other_rows"] == listed - size * (record["other_page"] - 1)
    assert any(r["works"] for r in data["pagination"]), "no pagination checked"
    # One sample per category, each field as the model has it, each with its source.
    articles = {urls.article_url(portal, a): a for a in portal.articles if a.unit_id == unit.id}
    categories = {s["category"] for s in data["samples"]}
    assert len(categories) == len(data["samples"]) >= 5
    for sample in data["samples"]:
        article = articles[sample["url"]]
        assert portal.index.column[article.column_id].category == sample["category"]
        got = {f["field"]: f["value"] for f in sample["fields"] if f["field"] in FIELDS}
        assert got == expected_fields(portal, article), sample["url"]
        sources = {f["field"]: f["source"] for f in sample["fields"]}
        assert sources["title"].startswith("selector ")
        if "index_no" in sources:
            assert sources["index_no"] == "label 索引号"
        assert "?" not in sources.values()
    assert {f["problem"] for f in data["failures"]} <= {"budget"}


def test_lonsun_host_report_matches_the_model(served, portal):
    unit, host = unit_on(portal, "lonsun")
    served.reset_counts()
    data = report(probe(urls.unit_entry(portal, unit), "--json", "--max-requests", "60",
                        allow=host.address))  # fmt: skip
    check_against_model(portal, unit, data)
    assert data["not_sampled"] == []
    lonsun = next(t for t in data["trials"] if t["profile"] == "lonsun")
    assert lonsun["score"] >= 6 and data["trials"][0]["profile"] == "lonsun"
    # Every request the server saw is one the report lists, robots.txt first.
    asked = [f["url"] for f in data["fetches"] if f["requested"]]
    assert asked[0] == host.base_url + "/robots.txt"
    assert served.request_count() == len(asked) <= 60


def test_trs_host_report_matches_the_model(served, portal):
    unit, host = unit_on(portal, "trs")
    data = report(probe(urls.unit_entry(portal, unit), "--json", "--max-requests", "60",
                        allow=host.address))  # fmt: skip
    check_against_model(portal, unit, data)


def test_hanweb_host_report_matches_the_model(served, portal):
    unit, host = unit_on(portal, "hanweb")
    data = report(probe(urls.unit_entry(portal, unit), "--json", "--max-requests", "60",
                        allow=host.address))  # fmt: skip
    check_against_model(portal, unit, data)
    assert data["trials"][0]["profile"] == "hanweb"


def test_govcn_host_report_matches_the_model(served, portal):
    unit, host = unit_on(portal, "govcn")
    data = report(probe(urls.unit_entry(portal, unit), "--json", "--max-requests", "60",
                        allow=host.address))  # fmt: skip
    check_against_model(portal, unit, data)
    assert data["trials"][0]["profile"] == "govcn"


def test_default_budget_is_kept_and_the_rest_is_named(served, portal):
    unit, host = unit_on(portal, "lonsun")
    served.reset_counts()
    data = report(probe(urls.unit_entry(portal, unit), "--json", allow=host.address))
    assert served.request_count() == sum(f["requested"] for f in data["fetches"]) == MAX_REQUESTS
    assert data["not_sampled"]  # a Lonsun list costs two requests: not every category fits
    assert [f["problem"] for f in data["failures"]] == ["budget"]
    sampled = [s["category"] for s in data["samples"]]
    assert sampled[:2] == ["news", "notice"]  # what is judged most often comes first


def test_delay_between_requests(served, portal):
    unit, host = unit_on(portal, "trs")
    served.reset_counts()
    result = probe(urls.unit_entry(portal, unit), "--json", "--delay", "0.3", "--max-requests",
                   "4", allow=host.address)  # fmt: skip
    report(result)
    times = [t for t, _, _ in served.requests.times()]
    assert len(times) == 4
    assert all(b - a >= 0.29 for a, b in zip(times, times[1:], strict=False))


def test_anti_bot_column_and_page_exit_3(served, portal):
    wall = next(h for h in portal.hazards if h["kind"] == hz.ANTI_BOT)
    unit = portal.index.unit[wall["unit_id"]]
    host = portal.index.host[unit.host]
    result = probe(urls.unit_entry(portal, unit), "--json", "--max-requests", "60",
                   allow=host.address)  # fmt: skip
    assert result.exit_code == 3
    data = json.loads(result.stdout)  # the report is made all the same
    assert {"anti_bot": wall["url"]}.items() <= {
        f["problem"]: f["url"] for f in data["failures"]
    }.items()
    assert "anti-bot" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = probe(wall["url"], allow=host.address)
    assert result.exit_code == 3 and "anti-bot challenge page" in result.stderr


def test_host_down_and_closed_port_exit_3(portal):
    down = next(h for h in portal.hazards if h["kind"] == hz.HOST_DOWN)
    address = down["url"].split("//")[1].split(":")[0]
    result = probe(down["url"], allow=address)
    assert result.exit_code == 3
    assert "down or unreachable" in result.stderr and down["url"] in result.stderr
    closed = f"http://127.0.0.1:{free_port()}/xxgk/index.html"
    result = probe(closed, "--json", allow="127.0.0.1")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [f["problem"] for f in data["failures"]] == ["unreachable"]
    assert [f["requested"] for f in data["fetches"]] == [True, False]  # robots.txt only


def test_robots_txt_is_obeyed(served, portal, monkeypatch):
    unit, host = unit_on(portal, "lonsun")
    blocked = host.base_url + "/admin/units.html"  # the sample's robots.txt disallows /admin/
    served.reset_counts()
    result = probe(blocked, allow=host.address)
    assert result.exit_code == 3 and "robots.txt does not allow" in result.stderr
    assert served.request_count(blocked) == 0
    # A robots.txt for zwgk alone that keeps it from the list endpoint: the lists are not read.
    monkeypatch.setattr(demo.site, "ROBOTS_TXT", b"User-agent: zwgk\nDisallow: /site/label/\n")
    served.reset_counts()
    data = report(probe(urls.unit_entry(portal, unit), "--json", allow=host.address))
    refused = [f for f in data["failures"] if f["problem"] == "robots"]
    assert refused and all("/site/label/" in f["url"] for f in refused)
    assert not [u for (_, u) in served.requests.snapshot() if "/site/label/" in u]
    assert data["columns"]  # the directory was read


def test_write_drafts_a_registry_that_loads(served, portal, tmp_path):
    unit, host = unit_on(portal, "trs")
    out = tmp_path / "units.yaml"
    result = probe(urls.unit_entry(portal, unit), "--write", str(out), allow=host.address)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# DRAFT unit registry")
    (entry,) = load_registry(out).units
    assert (entry.id, entry.name, entry.level, entry.profile, entry.entry) == (
        unit.slug,
        unit.name,
        unit.level,
        "trs",
        urls.unit_entry(portal, unit),
    )
    # Never overwritten without --force.
    out.write_text("keep me", encoding="utf-8")
    result = probe(urls.unit_entry(portal, unit), "--write", str(out), allow=host.address)
    assert result.exit_code == 2 and out.read_text(encoding="utf-8") == "keep me"
    result = probe(urls.unit_entry(portal, unit), "--write", str(out), "--force",
                   allow=host.address)  # fmt: skip
    assert result.exit_code == 0 and load_registry(out).units[0].profile == "trs"


def test_save_keeps_every_page_with_an_index(served, portal, tmp_path):
    unit, host = unit_on(portal, "lonsun")
    entry = urls.unit_entry(portal, unit)
    saved = tmp_path / "pages"
    result = probe(entry, "--save", str(saved), "--max-requests", "6", allow=host.address)
    assert result.exit_code == 0, result.output
    index = json.loads((saved / "index.json").read_text(encoding="utf-8"))
    assert [i["kind"] for i in index][:2] == ["robots", "entry"] and len(index) >= 6
    assert all(i["fetched_at"].endswith("+08:00") for i in index if i.get("status"))
    first = index[1]
    assert (first["url"], first["status"]) == (entry, 200)
    assert first["content_type"].startswith("text/html")
    path, query = entry.split(host.base_url)[1].split("?")
    assert (saved / first["file"]).read_bytes() == Site(portal).respond(host.id, path, query).body
    assert all((saved / i["file"]).is_file() for i in index if "file" in i)
    result = probe(entry, "--save", str(saved), allow=host.address)
    assert result.exit_code == 2 and "already exists" in result.output


def test_plain_report_off_a_terminal(served, portal):
    unit, host = unit_on(portal, "trs")
    result = probe(urls.unit_entry(portal, unit), "--max-requests", "8", allow=host.address)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "平台 profile: trs (detected by fingerprints)" in text
    for column in portal.index.columns_of[unit.id][:3]:
        assert column.name in text
    assert "样例文章 sample article" in text and "label 索引号" in text
    assert not set("│─┃━┏") & set(text)  # no box drawing in a log or a pipe


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ftp://example.gov.cn/x"], "not an http(s) URL"),
        (["http://127.0.0.1:9/x", "--profile", "hanweb-old"], "unknown profile"),
        (["http://127.0.0.1:9/x"], "--allow-address"),
        (["http://10.1.2.3/x"], "内网地址"),
        (["http://127.0.0.1:9/x", "--allow-address", "localhost"], "not an IP address"),
    ],
)
def test_bad_input_exits_2(args, needle):
    result = runner.invoke(app, ["units", "probe", *args])
    assert result.exit_code == 2 and needle in result.output


# -- fingerprints -----------------------------------------------------------------------------
def test_fingerprint_needs_exactly_one_test_and_is_not_inherited(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: generic\nfingerprints:\n  - {url: 'a', html: 'b'}\n",
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(ProfileError, match=r"bad\.yaml:4: .*exactly one of url, link"):
        load_profile(bad)
    variant = tmp_path / "city.yaml"
    variant.write_text("name: city\nextends: lonsun\n", encoding="utf-8")
    assert load_profile(variant).fingerprints == []
    assert get_profile("lonsun").fingerprints


@pytest.mark.parametrize(
    ("page", "platform"),
    [
        ("jyt-gansu-govcn_zwgk-wjtz_trs.list.html", "trs"),
        ("shanxi-govcn_yw_trs.detail.html", "trs"),
        ("jyt-zj-govcn_art_hanweb-xxgk.detail.html", "hanweb"),
        ("ct-zj-govcn_art_hanweb-collapse.detail.html", "hanweb"),
        ("fgw-zj-govcn_art_hanweb-jcms.detail.html", "hanweb"),
        ("govcn_zhengce_content_5353307_guofa2018-43.detail-fragment.html", "govcn"),
        ("moe-govcn_xxgk_policy-item.detail.html", "govcn"),
    ],
)
def test_real_pages_show_their_platform(page, platform):
    path = REALPAGES / page
    if not path.is_file():
        pytest.skip(f"{path} not present")
    doc = parse_document(path.read_bytes(), "http://www.example.gov.cn/xxgk/index.html")
    scores = {
        p: score(fingerprint_hits(doc, get_profile(p)))
        for p in ("lonsun", "trs", "hanweb", "govcn")
    }
    assert scores[platform] > 0 and scores[platform] == max(scores.values()), scores


def test_a_new_platform_is_detected_by_its_yaml_alone(served, portal, tmp_path, monkeypatch):
    """The design a third family uses: a profile whose fingerprints the pages show wins."""
    unit, host = unit_on(portal, "trs")
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "yunzheng.yaml").write_text(
        "name: yunzheng\nextends: trs\nfingerprints:\n"
        "  - {selector: 'ul.xxgk_tree', weight: 10, note: the tree}\n", encoding="utf-8",
    )  # fmt: skip
    monkeypatch.setenv(PROFILE_PATH_ENV, str(folder))
    get_profile.cache_clear()
    try:
        data = report(probe(urls.unit_entry(portal, unit), "--json", "--max-requests", "4",
                            allow=host.address))  # fmt: skip
    finally:
        get_profile.cache_clear()
    assert data["profile"] == "yunzheng"
    assert [t["profile"] for t in data["trials"]][:2] == ["yunzheng", "trs"]
    assert yaml.safe_load(yaml.safe_dump(data["columns"]))  # columns read through its rules


def test_a_name_resolving_to_a_private_address_is_refused_at_connect():
    """The address checked is the one the connection uses (no rebinding in between)."""
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if not address.startswith("127."):
        pytest.skip(f"{name} resolves to {address}, not to loopback")
    result = runner.invoke(app, ["units", "probe", f"http://{name}:{free_port()}/x"])
    assert result.exit_code == 2 and "本机回环地址" in result.output
    assert "--allow-address" in result.output
