"""`zwgk extract`, and the worked example of docs/profiles.md run as written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zwgk.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "profiles.md"
runner = CliRunner()

TRS_PAGE = (
    '<html><head><meta charset="utf-8"><title>公告</title></head><body>'
    '<div class="xxgk_info"><p><strong>索引号</strong>：X/2024-00001</p>'
    "<p><strong>发布日期</strong>：2024年05月08日</p></div>"
    '<h1 class="article_title">关于开展安全生产大检查的通知</h1>'
    '<div class="TRS_Editor"><p>正文。</p></div></body></html>'
)


def run(*args: str):
    return runner.invoke(app, list(args))


def test_prints_article_json_with_chinese_unescaped(tmp_path):
    page = tmp_path / "a.html"
    page.write_text(TRS_PAGE, encoding="utf-8")
    result = run("extract", str(page), "--profile", "trs", "--url", "http://x.gov.cn/a/t1.html")
    assert result.exit_code == 0
    assert (
        '"title": "关于开展安全生产大检查的通知"' in result.stdout
    )  # ensure_ascii=False, indent 2
    data = json.loads(result.stdout)
    assert (data["index_no"], data["publish_date"], data["date_source"]) == (
        "X/2024-00001",
        "2024-05-08",
        "metadata",
    )


def test_default_url_is_the_file_uri(tmp_path):
    page = tmp_path / "a.html"
    page.write_text(TRS_PAGE, encoding="utf-8")
    assert json.loads(run("extract", str(page)).stdout)["url"] == page.resolve().as_uri()


def test_missing_file_exits_2_naming_it(tmp_path):
    result = run("extract", str(tmp_path / "nope.html"))
    assert (result.exit_code, f"{tmp_path / 'nope.html'}: no such file" in result.output) == (
        2,
        True,
    )


def test_unknown_profile_exits_2(tmp_path):
    page = tmp_path / "a.html"
    page.write_text(TRS_PAGE, encoding="utf-8")
    result = run("extract", str(page), "--profile", "nosuch")
    assert (result.exit_code, "unknown profile 'nosuch'" in result.output) == (2, True)


def test_invalid_profile_exits_2_with_file_and_line(tmp_path):
    page = tmp_path / "a.html"
    page.write_text(TRS_PAGE, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: generic\narticle:\n  body: ['div..x']\n", encoding="utf-8")
    result = run("extract", str(page), "--profile", str(bad))
    assert result.exit_code == 2
    assert f"{bad.resolve()}:4: article.body[0]: bad CSS selector" in result.output


# -- docs/profiles.md, run as written ----------------------------------------------------------
FILE_BLOCK = re.compile(r"<!-- file: (?P<name>[\w.-]+) -->\n```\w*\n(?P<body>.*?)```", re.S)
RUN_BLOCK = re.compile(
    r"```console\n\$ (?P<cmd>zwgk extract [^\n]*)\n```\n```json\n(?P<out>.*?)```", re.S
)


def test_docs_worked_example_output_is_what_the_command_prints(tmp_path, monkeypatch):
    text = DOC.read_text(encoding="utf-8")
    files = {m["name"]: m["body"] for m in FILE_BLOCK.finditer(text)}
    runs = [(m["cmd"], m["out"]) for m in RUN_BLOCK.finditer(text)]
    assert set(files) == {"article.html", "list.html", "yunzheng.yaml"} and len(runs) == 2
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for cmd, expected in runs:
        result = runner.invoke(app, shlex.split(cmd)[1:])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == json.loads(expected), cmd


@pytest.mark.parametrize("kind", ["listing", "directory"])
def test_listing_and_directory_modes_print_json(tmp_path, kind):
    page = tmp_path / "l.html"
    page.write_text(
        '<ul class="xxgk_tree"><li><a href="./tzgg/index.html">通知公告</a></li></ul>'
        '<ul class="list_ul"><li><a href="./202405/t20240501_1.html">关于开展安全检查的通知</a>'
        "<span>2024-05-01</span></li></ul>",
        encoding="utf-8",
    )
    result = run("extract", str(page), "--as", kind, "-p", "trs", "--url", "http://x.gov.cn/a/")
    data = json.loads(result.stdout)
    if kind == "listing":
        assert data["rows"][0]["url"] == "http://x.gov.cn/a/202405/t20240501_1.html"
    else:
        assert data == [
            {
                "name": "通知公告",
                "url": "http://x.gov.cn/a/tzgg/index.html",
                "parent": None,
                "path": [],
                "section": None,
            }
        ]
