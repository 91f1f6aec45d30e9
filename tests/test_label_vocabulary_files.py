"""The label vocabulary as a file: a profile extends or overrides it through the `extends:`
merge, and a mistake — in the vocabulary or in a profile's part of it — names FILE:LINE."""

from __future__ import annotations

import textwrap

import pytest

from crawler.extract import extract_article
from crawler.label_vocabulary import VOCABULARY_FILE, VocabularyError, load_vocabulary
from crawler.profile_model import ProfileError, get_profile, load_profile

URL = "http://www.example.gov.cn/xxgk/art_1_2.html"


def write(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def profile(tmp_path, metadata: str, extends: str = "generic"):
    body = textwrap.indent(textwrap.dedent(metadata).strip(), "    ")
    text = f"name: site\nextends: {extends}\narticle:\n  metadata:\n{body}\n"
    return load_profile(write(tmp_path, "site", text))


def read(rows: str, prof):
    html = (
        f'<html><head><meta charset="utf-8"><title>t</title></head><body>'
        f'<table class="table_suoyin">{rows}</table><div id="zoom"><p>正文。</p></div></body></html>'
    )
    return extract_article(html, URL, prof)


ROW = "<tr><td>{}：</td><td>{}</td></tr>"


# -- a profile extends or overrides the vocabulary ----------------------------------------------
def test_a_label_group_of_its_own_adds_to_the_vocabulary(tmp_path):
    site = profile(tmp_path, "labels:\n  doc_no: {site: [公文编码]}")
    assert read(ROW.format("公文编码", "江发〔2024〕1号"), site).doc_no == "江发〔2024〕1号"
    assert read(ROW.format("文号", "江发〔2024〕2号"), site).doc_no == "江发〔2024〕2号"  # kept
    assert read(ROW.format("公文编码", "x"), get_profile("generic")).doc_no is None


def test_a_plain_list_replaces_a_fields_labels(tmp_path):
    site = profile(tmp_path, "labels:\n  doc_no: [公文编码]")
    assert site.article.metadata.labels["doc_no"] == ["公文编码"]
    assert read(ROW.format("文号", "江发〔2024〕2号"), site).doc_no is None
    assert (
        site.article.metadata.labels["index_no"]
        == get_profile("generic").article.metadata.labels["index_no"]
    )


def test_meanings_say_which_field_a_label_names_on_this_platform(tmp_path):
    rows = ROW.format("生成日期", "2024-06-10") + ROW.format("成文日期", "2024-06-01")
    generic = read(rows, get_profile("generic"))
    assert (str(generic.written_date), generic.publish_date) == ("2024-06-10", None)  # first
    site = read(rows, profile(tmp_path, "meanings:\n  生成日期: publish_date"))
    assert (str(site.written_date), str(site.publish_date)) == ("2024-06-01", "2024-06-10")


def test_a_null_meaning_drops_a_label(tmp_path):
    site = profile(tmp_path, "meanings:\n  主题: null")
    assert read(ROW.format("主题", "综合政务"), site).subject is None
    assert read(ROW.format("主题分类", "综合政务"), site).subject == "综合政务"


def test_a_profile_adds_placeholders_widgets_and_rules_and_switches_one_off(tmp_path):
    site = profile(
        tmp_path,
        """
        placeholders: {site: [未公开]}
        widgets: {site: [听全文]}
        cleaning:
          trailing_date: null
          site_suffix: {fields: [publisher], cut: '（主办）$'}
        """,
    )
    assert read(ROW.format("文号", "未公开"), site).doc_no is None
    assert read(ROW.format("文号", "无"), site).doc_no is None  # the vocabulary's still count
    assert read(ROW.format("来源", "江淮日报 听全文"), site).source == "江淮日报"
    assert read(ROW.format("来源", "江淮日报 2024-06-13"), site).source == "江淮日报 2024-06-13"
    assert read(ROW.format("发布机构", "江淮市教育局（主办）"), site).publisher == "江淮市教育局"
    assert (
        read(ROW.format("来源", "江淮日报 2024-06-13"), get_profile("generic")).source == "江淮日报"
    )


def test_a_grandchild_inherits_its_parents_additions(tmp_path):
    write(
        tmp_path,
        "parent",
        "name: parent\nextends: generic\narticle:\n  metadata:\n    labels: {doc_no: {p: [公文编码]}}\n",
    )
    kid = load_profile(write(tmp_path, "kid", "name: kid\nextends: parent.yaml\n"))
    assert "公文编码" in kid.article.metadata.labels["doc_no"]


def test_a_profile_that_extends_nothing_still_starts_from_the_vocabulary(tmp_path):
    bare = load_profile(write(tmp_path, "bare", "name: bare\n"))
    assert bare.article.metadata.labels == get_profile("generic").article.metadata.labels
    assert read(ROW.format("索引号", "113/2024-00001"), bare).index_no == "113/2024-00001"


@pytest.mark.parametrize("name", ["generic", "lonsun", "trs"])
def test_bundled_profiles_read_the_vocabulary_unchanged(name):
    _, vocabulary = load_vocabulary()
    metadata = get_profile(name).article.metadata
    assert (metadata.labels, metadata.placeholders, metadata.widgets) == (
        vocabulary.labels, vocabulary.placeholders, vocabulary.widgets,
    )  # fmt: skip


# -- mistakes in a profile's part name the profile's FILE:LINE --------------------------------
@pytest.mark.parametrize(
    ("metadata", "line", "message"),
    [
        ("labels:\n  doc_no: {site: [发布机构]}", 6, "'发布机构' is a label of publisher already"),
        ("labels:\n  doc_no: [文号, 索引号]", 6, "'索引号' is a label of index_no already"),
        ("meanings:\n  生成日期: publish_dat", 6, "meanings.生成日期"),
        ("labels:\n  publish_date: {site: [生成日期]}", 6, "'生成日期' is listed under publish_date but meanings gives it written_date"),
        ("cleaning:\n  x: {fields: [title], cut: '(unclosed'}", 6, "cleaning.x.cut: bad regex"),
        ("cleaning:\n  x: {fields: [titel], cut: 'y'}", 6, "cleaning.x.fields"),
        ("cleaning:\n  x: {fields: [title], cut: 'a*'}", 6, "matches the empty string"),
        ("placeholders: {site: {x: 1}}", 5, "placeholders: group 'site'"),
        ("colons: ['::']", 5, "a colon is one punctuation character"),
        ("widgets: ['　']", 5, "is blank"),
    ],
)  # fmt: skip
def test_a_mistake_in_a_profiles_vocabulary_names_its_line(tmp_path, metadata, line, message):
    with pytest.raises(ProfileError) as err:
        profile(tmp_path, metadata)
    assert f"{tmp_path / 'site.yaml'}:{line}: " in str(err.value)
    assert message in str(err.value)


def test_a_label_under_two_fields_of_one_profile_names_both_lines(tmp_path):
    with pytest.raises(ProfileError) as err:
        profile(tmp_path, "labels:\n  doc_no: [公文编码]\n  index_no: [公文编码]")
    path = tmp_path / "site.yaml"
    assert f"{path}:6: '公文编码' is a label of index_no already ({path}:7)" in str(err.value)


# -- mistakes in the vocabulary file name its FILE:LINE ----------------------------------------
def vocabulary(tmp_path, text: str):
    return load_vocabulary(write(tmp_path, "labels", text))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("labels:\n  doc_no: [文号]\nplaceholder: [无]\n", "3: (top level): unknown key 'placeholder'"),
        ("labels:\n  doc_num: [文号]\n", "2: labels.doc_num"),
        ("labels:\n  doc_no: [文号]\n  index_no:\n    a: [索引号]\n    b: [文号]\n", "5: '文号' is a label of doc_no already"),
        ("meanings:\n  生成日期: writen_date\n", "2: meanings.生成日期"),
        ("cleaning:\n  r:\n    fields: [title]\n    cut: '[x'\n", "4: cleaning.r.cut: bad regex"),
        ("cleaning:\n  r:\n    cut: 'x'\n", "2: cleaning.r: missing key 'fields'"),
        ("labels:\n  doc_no: [文号\n", "invalid YAML"),
        ("labels:\n  doc_no: [文号]\nlabels: {}\n", "3: duplicate key 'labels'"),
        ("- 文号\n", "1: a label vocabulary is a mapping"),
        ("placeholders: [无, null]\n", "1: placeholders"),
    ],
)  # fmt: skip
def test_a_mistake_in_the_vocabulary_file_names_its_line(tmp_path, text, where):
    with pytest.raises(VocabularyError) as err:
        vocabulary(tmp_path, text)
    assert str(tmp_path / "labels.yaml") in str(err.value)
    assert where in str(err.value)


def test_the_bundled_vocabulary_is_valid_and_every_colon_required_word_is_a_label():
    _, model = load_vocabulary(VOCABULARY_FILE)
    labels = {w for words in model.labels.values() for w in words}
    assert set(model.colon_required) <= labels


def test_a_broken_vocabulary_makes_every_profile_fail_with_its_line(tmp_path, monkeypatch):
    bad = write(tmp_path, "labels", "labels:\n  doc_no: [文号]\n  docno: [x]\n")
    monkeypatch.setattr("crawler.label_vocabulary.VOCABULARY_FILE", bad)
    with pytest.raises(ProfileError, match=rf"{bad}:3: labels.docno"):
        load_profile(write(tmp_path, "p", "name: p\n"))
