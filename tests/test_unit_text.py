"""Text units read is plain Chinese (issue 12, point 6): `scoring.unit_text` refuses English
words, parameter names, indicator ids, fingerprints and internal words in an indicator's name,
group path, requirement, basis (or description where it has no requirement) and the literal
text of its suggestions — and the loader names FILE:LINE, behind a switch that defaults on.

Hand-built YAML sets; the last test asserts the shipped sets pass. That one fails until the
shipped texts are rewritten (issue 12's evidence work): it is the check that they were."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from scoring import unit_text
from scoring.indicators import (
    IndicatorError,
    load_indicator_set,
    set_from_text,
    shipped_sets,
    unit_text_mode,
)

HEAD = """\
id: t
version: "1"
name: 测试指标
pass_line: 60
indicators:
"""
ENTRY = """\
  - id: timeliness.lag
    name: {name}
    group: [信息发布, 公开时限]
    check: disclosure_lag
    points: 4
    deduct: {{per_problem: 1}}
    suggestion: "{suggestion}"
    description: {description}
    source: 测试
    window: as_of
  - id: columns.blank
    name: 无空白栏目
    group: [栏目建设, 栏目设置]
    check: blank_column
    points: 6
    deduct: {{per_problem: 2}}
    suggestion: "「{{column_name}}」栏目无信息。请发布信息或撤并栏目。"
    description: 空白栏目每个扣2分 [V]。
    source: 测试
    window: as_of
"""
GOOD = {
    "name": "信息公开及时",
    "suggestion": "{title_quoted}超过{max_workdays}个工作日公开。今后请在20个工作日内公开。",
    "description": "信息形成之日起20个工作日内公开，每条扣1分 [V]；可上传 PDF 或 WORD 版本。",
}


def write_set(tmp_path: Path, **texts: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + ENTRY.format(**(GOOD | texts)), encoding="utf-8")
    return path


def refusal(path: Path, mode: str = "strict") -> str:
    with pytest.raises(IndicatorError) as caught:
        load_indicator_set(path, unit_text=mode)
    return str(caught.value)


# -- the rule, token by token ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("HTTP", "English"),
        ("5xx", "English"),
        ("quarter", "English"),
        ("docs/domain.md", None),  # two tokens: see the words() test
        ("986bf524814b0181", "fingerprint"),
        ("freshness.news", "indicator id"),
        ("max_workdays", "parameter name"),
        ("PDF", None),
        ("WORD", None),
        ("Word", None),
        ("OFD", None),
        ("11341702486344515H", None),  # 统一社会信用代码: a unit's own code
        ("2025Q3", None),  # a round
        ("2025", None),
        ("ABCD12", "English"),  # fewer digits than letters: not a code
        ("GB", None),  # GB/T 9704: a national standard a basis may cite
        ("Q3", "English"),  # too short to be a code
    ],
)
def test_each_kind_of_token(token, kind):
    ids, params = {"freshness.news"}, {"max_workdays"}
    if "/" in token:
        assert [w.text for w in unit_text.words(token, ids, params)] == ["docs", "domain.md"]
        return
    assert unit_text.classify(token, ids, params) == kind


def test_internal_words_and_each_word_once():
    found = unit_text.words(
        "阈值为参数 max_workdays，参数可调；HTTP 404、HTTP 500", params={"max_workdays"}
    )
    assert [(w.text, w.kind) for w in found] == [
        ("max_workdays", "parameter name"),
        ("HTTP", "English"),
        ("参数", "internal word"),
    ]


def test_a_template_is_judged_by_its_literal_text_and_tags_are_not_shown():
    template = "{title_quoted}无法打开（{status_code}）。请修复。"
    assert unit_text.literal_text(template) == "无法打开（）。请修复。"
    assert unit_text.shown_text("每条扣1分 [L: 霍邱] [V][?]。") == "每条扣1分。"
    thing = SimpleNamespace(
        name="链接可用", group=("网站运维",), suggestion={"http": "{url}无法打开（HTTP {code}）。"}
    )
    ((loc, message),) = unit_text.indicator_problems(thing)
    assert loc == ("suggestion", "http") and "'HTTP' is English" in message


def test_requirement_and_basis_are_read_where_they_exist_and_then_the_description_is_not():
    """After issue 12 an indicator has `requirement:` and `basis:` for units; its description is
    then notes for the set's authors and may say anything."""
    notes = "阈值为参数 max_workdays（见 docs/indicators.md）"
    old = SimpleNamespace(name="公开及时", group=("信息发布",), description=notes)
    assert {loc for loc, _ in unit_text.indicator_problems(old, params={"max_workdays"})} == {
        ("description",)
    }
    new = SimpleNamespace(
        name="公开及时",
        group=("信息发布",),
        description=notes,
        requirement="信息形成之日起20个工作日内公开 [V]",
        basis="《中华人民共和国政府信息公开条例》第二十六条",
    )
    assert unit_text.indicator_problems(new, params={"max_workdays"}) == []
    bad = SimpleNamespace(
        **vars(new) | {"requirement": "超过 max_workdays 扣分", "basis": "见 config.yaml"}
    )
    assert [loc for loc, _ in unit_text.indicator_problems(bad, params={"max_workdays"})] == [
        ("requirement",),
        ("basis",),
    ]


# -- the loader: FILE:LINE -------------------------------------------------------------------------
def test_a_clean_set_loads(tmp_path):
    indicator_set = load_indicator_set(write_set(tmp_path), unit_text="strict")
    assert [i.id for i in indicator_set.indicators] == ["timeliness.lag", "columns.blank"]


@pytest.mark.parametrize(
    ("texts", "line", "needle"),
    [
        ({"name": "信息公开及时（HTTP）"}, 7, "name: 'HTTP' is English"),
        (
            {"suggestion": "超过 max_workdays 个工作日。请公开。"},
            12,
            "'max_workdays' is a parameter name",
        ),
        ({"description": "与 columns.blank 一并扣分"}, 13, "'columns.blank' is an indicator id"),
        ({"description": "问题 986bf524814b0181 见后"}, 13, "looks like a problem fingerprint"),
        ({"description": "服务器返回 5xx 时扣分"}, 13, "'5xx' is English or an internal code"),
        ({"description": "阈值为参数可调"}, 13, "'参数' is an internal word"),
    ],
)
def test_the_loader_names_the_file_line_and_word(tmp_path, texts, line, needle):
    path = write_set(tmp_path, **texts)
    message = refusal(path)
    assert message.startswith(f"{path}:{line}: indicator timeliness.lag: ")
    assert needle in message and "write it in plain Chinese" in message


def test_the_group_path_and_the_sets_name_are_read_too(tmp_path):
    path = write_set(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("name: 测试指标", "name: Test 指标").replace(
        "[栏目建设, 栏目设置]", "[栏目建设, Columns]"
    )
    path.write_text(text, encoding="utf-8")
    message = refusal(path)
    assert f"{path}:3: set name: 'Test' is English" in message
    assert f"{path}:18: indicator columns.blank: group.1: 'Columns' is English" in message


def test_an_extending_set_is_blamed_for_its_own_text(tmp_path):
    write_set(tmp_path)
    child = tmp_path / "q.yaml"
    child.write_text(
        textwrap.dedent(
            """\
            id: q
            version: "2"
            extends: t.yaml
            indicators:
              - id: columns.blank
                suggestion: "空白栏目，按 per_problem 扣分。请撤并。"
            """
        ),
        encoding="utf-8",
    )
    message = refusal(child)
    assert message.startswith(f"{child}:6: indicator columns.blank: suggestion: 'per_problem'")


def test_warn_logs_and_loads_off_skips_and_the_default_is_strict(tmp_path, monkeypatch, caplog):
    path = write_set(tmp_path, name="HTTP 信息公开及时")
    with caplog.at_level(logging.WARNING, logger="scoring.indicators"):
        loaded = load_indicator_set(path, unit_text="warn")
    assert loaded.indicators[0].name == "HTTP 信息公开及时"
    assert any(f"{path}:7" in r.getMessage() and "'HTTP'" in r.getMessage() for r in caplog.records)
    assert load_indicator_set(path, unit_text="off").id == "t"
    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")
    monkeypatch.delenv("ZWGK_UNIT_TEXT", raising=False)
    assert unit_text_mode() == "strict"
    with pytest.raises(IndicatorError, match="'HTTP' is English"):
        load_indicator_set(path)
    monkeypatch.setenv("ZWGK_UNIT_TEXT", "warn")
    assert unit_text_mode() == "warn" and load_indicator_set(path).id == "t"


def test_the_switch_from_zwgk_toml(tmp_path, monkeypatch):
    monkeypatch.delenv("ZWGK_UNIT_TEXT", raising=False)
    config = tmp_path / "zwgk.toml"
    config.write_text('[indicators]\nunit_text = "warn"\n', encoding="utf-8")
    monkeypatch.setenv("ZWGK_CONFIG", str(config))
    assert unit_text_mode() == "warn"
    config.write_text('[indicators]\nunit_text = "loose"\n', encoding="utf-8")
    from common.config_file import ConfigError

    with pytest.raises(ConfigError, match=r"zwgk.toml:2: indicators.unit_text"):
        unit_text_mode()
    with pytest.raises(ValueError, match="one of strict, warn, off"):
        unit_text_mode("loose")


def test_a_rounds_frozen_set_loads_whatever_its_text(tmp_path):
    """A round made before the check (or under warn) must still read back."""
    path = write_set(tmp_path, description="阈值为参数 max_workdays")
    frozen = load_indicator_set(path, unit_text="off")
    assert set_from_text(frozen.text).sha256 == frozen.sha256


# -- the shipped sets (after the issue 12 texts land) ---------------------------------------------
@pytest.mark.parametrize("path", [p for p, _, _ in shipped_sets()], ids=lambda p: p.name)
def test_every_shipped_set_is_plain_chinese_for_units(path):
    """Fails, listing each FILE:LINE and word, while a shipped text still has English,
    parameter names or codes (they were there before issue 12 rewrote the texts)."""
    load_indicator_set(path, unit_text="strict")
