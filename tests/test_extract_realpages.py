"""Extraction on the saved real government pages in ../shared/realpages/ (not copied here).

Expected values were read from each page by hand and are written out below, one assertion per
field. Every article page is read with `generic` (a platform it has never seen must still work)
and, where the family is known, with its own profile too.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from crawler.extract import extract_article, is_anti_bot, parse_directory, parse_listing
from crawler.extract.dom import parse_document
from crawler.profile_model import get_profile

REALPAGES = Path(
    os.environ.get("ZWGK_REALPAGES", Path(__file__).resolve().parents[2] / "shared" / "realpages")
)

GOVCN = "govcn_zhengce_content_5353307_guofa2018-43.detail-fragment.html"
FZGG = "fzgg-gansu-govcn_tzgg_trs_with-jiedu-links.detail.html"
JYT = "jyt-gansu-govcn_zwgk-wjtz_trs.list.html"
FGW_ZJ = "fgw-zj-govcn_art_hanweb-jcms.detail.html"
SHANXI = "shanxi-govcn_yw_trs.detail.html"
GONGBAO = "govcn_gongbao_2007-23_trs.detail.html"
JYT_ZJ = "jyt-zj-govcn_art_hanweb-xxgk.detail.html"
CT_ZJ = "ct-zj-govcn_art_hanweb-collapse.detail.html"
MOE = "moe-govcn_xxgk_policy-item.detail.html"

URLS = {
    GOVCN: "http://www.gov.cn/zhengce/content/2018-12/29/content_5353307.htm",
    FZGG: "http://fzgg.gansu.gov.cn/fzgg/tzgg/202502/174084153.shtml",
    JYT: "http://jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml",
    FGW_ZJ: "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
    SHANXI: "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
    GONGBAO: "https://www.gov.cn/gongbao/content/2007/content_711039.htm",
    JYT_ZJ: "https://jyt.zj.gov.cn/art/2024/10/21/art_1543973_58942886.html",
    CT_ZJ: "https://ct.zj.gov.cn/art/2020/12/29/art_1229678763_4982889.html",
    MOE: "http://www.moe.gov.cn/srcsite/A12/moe_1407/s3008/202406/t20240613_1135415.html",
}


def _page_bytes(name: str) -> bytes:
    path = REALPAGES / name
    if not path.is_file():
        pytest.skip(
            f"{path} is absent: the real pages live in ../shared/realpages beside the clone"
        )
    return path.read_bytes()


@cache
def _article(name: str, profile: str):
    return extract_article(_page_bytes(name), URLS[name], get_profile(profile))


def test_every_saved_page_has_a_test_here():
    if not REALPAGES.is_dir():
        pytest.skip(f"{REALPAGES} is absent")
    saved = {p.name for p in REALPAGES.glob("*.html")}
    assert saved == set(URLS), "a page was added to realpages/: give it expected values here"


# -- gov.cn policy page (metadata table.bd1, ideographic spaces in labels) -------------------
GOVCN_FIELDS = {
    "title": "国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施"
    "《中华人民共和国药品管理法实施条例》有关规定的决定",
    "index_no": "000014349/2018-00222",
    "publisher": "国务院",
    "doc_no": "国发〔2018〕43号",
    "written_date": dt.date(2018, 12, 21),
    "publish_date": dt.date(2018, 12, 29),
    "date_source": "metadata",
    "subject": r"卫生、体育\\医药管理",
    "keywords": None,  # 主 题 词： is printed with an empty cell
    "validity": None,
    "body_doc_no": "国发〔2018〕43号",
    "attachments": [],
    "related": [],
    "repealed": False,
}


@pytest.mark.parametrize("profile", ["generic", "trs", "govcn"])
@pytest.mark.parametrize("field, expected", GOVCN_FIELDS.items())
def test_govcn_fragment(field, expected, profile):
    assert getattr(_article(GOVCN, profile), field) == expected


@pytest.mark.parametrize("profile", ["generic", "govcn"])
def test_govcn_body_is_the_ucap_content_cell(profile):
    body = _article(GOVCN, profile).body_text
    assert body.startswith("国务院关于在海南博鳌乐城国际医疗旅游先行区")
    assert body.endswith("（此件公开发布）")
    assert "索引号" not in body  # the metadata table is not body


def test_govcn_labels_are_kept_as_printed_without_padding():
    assert _article(GOVCN, "generic").metadata["索引号"] == "000014349/2018-00222"


# -- fzgg.gansu: visible date vs PubDate, relative PDF, hidden 相关链接, $_ts script --------
FZGG_FIELDS = {
    "title": "甘肃省发展和改革委员会等部门关于印发《甘肃省关于加力支持工业企业设备更新的若干措施》的通知",
    "publish_date": dt.date(2025, 2, 26),  # <meta name="PubDate"> says 2025-03-27
    "date_source": "visible",
    "source": "产业处",  # the visible 来源 is empty; <meta name="ContentSource">
    "index_no": None,
    "doc_no": None,
    "publisher": None,
    "repealed": False,
}


@pytest.mark.parametrize("profile", ["generic", "trs"])
@pytest.mark.parametrize("field, expected", FZGG_FIELDS.items())
def test_fzgg(field, expected, profile):
    assert getattr(_article(FZGG, profile), field) == expected


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_fzgg_pdf_under_files_is_resolved_against_the_page(profile):
    [pdf] = _article(FZGG, profile).attachments
    assert (pdf.url, pdf.type, pdf.text) == (
        "http://fzgg.gansu.gov.cn/fzgg/tzgg/202502/174084153/files/5e0f97363d1d413c968a35078e0a7fcf.pdf",
        "pdf",
        "《甘肃省关于加力支持工业企业设备更新的若干措施》",
    )


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_fzgg_hidden_related_block_keeps_both_interpretations(profile):
    related = [(r.url, r.kind) for r in _article(FZGG, profile).related]
    assert related == [
        ("http://fzgg.gansu.gov.cn/fzgg/c106109/202502/174084157.shtml", "interpretation"),
        ("http://fzgg.gansu.gov.cn/fzgg/c106109/202503/174089499.shtml", "interpretation"),
    ]


def test_fzgg_body_leaves_out_qr_code_and_related_block():
    body = _article(FZGG, "generic").body_text
    assert body.startswith("各市、自治州人民政府、兰州新区管委会")
    assert "扫一扫" not in body
    assert "相关链接" not in body


def test_fzgg_inline_anti_bot_script_does_not_make_it_an_anti_bot_page():
    html = _page_bytes(FZGG)
    assert b"$_ts" in html  # the challenge script is really there
    assert is_anti_bot(html) is False


# -- jyt.gansu list: 20 rows inside a comment, createPageHTML('page_div', 10, 1, …) ----------
@cache
def _jyt(profile: str):
    return parse_listing(_page_bytes(JYT), URLS[JYT], get_profile(profile))


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_jyt_reads_the_20_rows_kept_inside_a_comment(profile):
    assert len(_jyt(profile).rows) == 20


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_jyt_first_row(profile):
    row = _jyt(profile).rows[0]
    assert (row.url, row.title, row.date) == (
        "http://jyt.gansu.gov.cn/jyt/c110634/202511/174240943.shtml",
        "关于开展2024年全域全员全过程使用智慧教育平台专项研究课题结项工作的通知",
        dt.date(2025, 11, 17),
    )


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_jyt_last_row(profile):
    row = _jyt(profile).rows[-1]
    assert (row.url, row.date) == (
        "http://jyt.gansu.gov.cn/jyt/c110634/202506/174155064.shtml",
        dt.date(2025, 6, 9),
    )


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_jyt_page_count(profile):
    assert _jyt(profile).page_count == 10


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_jyt_next_page_follows_the_pager_names(profile):
    assert _jyt(profile).next_url == "http://jyt.gansu.gov.cn/jyt/c110634/zwgklist_1.shtml"


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_jyt_all_later_pages(profile):
    urls = _jyt(profile).page_urls
    assert urls == [f"http://jyt.gansu.gov.cn/jyt/c110634/zwgklist_{n}.shtml" for n in range(1, 10)]


def test_jyt_side_menu_is_a_column_directory_with_groups():
    columns = parse_directory(_page_bytes(JYT), URLS[JYT], get_profile("trs"))
    by_name = {c.name: c for c in columns}
    assert (by_name["政策解读"].url, by_name["政策解读"].parent) == (
        "http://jyt.gansu.gov.cn/jyt/c107274/zwgklist.shtml",
        "政府文件",
    )
    assert by_name["通知公告"].parent == "法定主动公开内容"  # heading split by <br>
    assert by_name["规章"].parent is None  # 规　　章: padding removed
    assert "助企纾困" not in by_name  # off-site link


# -- fgw.zj (Hanweb): p.con-title, 发布日期 in div.small-title, #zoom among 198 KB of CSS -----
FGW_FIELDS = {
    "title": "1-10月德清县固定资产投资结构趋稳趋优",
    "publish_date": dt.date(2016, 11, 22),
    "date_source": "visible",
    "source": "省发改委",
    "index_no": None,
    "attachments": [],
}


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
@pytest.mark.parametrize("field, expected", FGW_FIELDS.items())
def test_fgw_zj(field, expected, profile):
    assert getattr(_article(FGW_ZJ, profile), field) == expected


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
def test_fgw_zj_body_is_zoom_without_style_noise(profile):
    body = _article(FGW_ZJ, profile).body_text
    assert body.startswith("1-10月，全县固定资产投资完成246.79亿元")
    assert body.endswith("（德清县发改局）")
    assert "{" not in body and "simpread" not in body


# -- shanxi (TRS news): 时间：… (an alt attribute says 2017), 来源：山西日报, .TRS_Editor ----------
SHANXI_FIELDS = {
    "title": "山西品牌丝路行（南美站）正式启动",
    "publish_date": dt.date(2019, 9, 18),
    "date_source": "visible",
    "source": "山西日报",
    "publisher": None,
    "attachments": [],  # inline photos are not attachments
}


@pytest.mark.parametrize("profile", ["generic", "trs"])
@pytest.mark.parametrize("field, expected", SHANXI_FIELDS.items())
def test_shanxi(field, expected, profile):
    assert getattr(_article(SHANXI, profile), field) == expected


def test_shanxi_body_is_the_trs_editor():
    body = _article(SHANXI, "trs").body_text
    assert body.startswith("图为山西品牌丝路行（南美站）启动仪式。（刘通摄）")
    assert body.endswith("（张巨峰）")
    assert "createPageHTML" not in body


# -- gov.cn gongbao: malformed, #UCAP-CONTENT outside <html>, date only in a <meta> -----------
GONGBAO_FIELDS = {
    "title": "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007 年末国债余额限额的决议",
    "publish_date": dt.date(2007, 8, 20),
    "date_source": "meta",  # <meta name="firstpublishedtime" content="2007-08-20-23:59:59">
    "index_no": None,
    "attachments": [],
}


@pytest.mark.parametrize("profile", ["generic", "trs", "govcn"])
@pytest.mark.parametrize("field, expected", GONGBAO_FIELDS.items())
def test_gongbao(field, expected, profile):
    assert getattr(_article(GONGBAO, profile), field) == expected


def test_gongbao_content_really_lies_outside_the_root_element():
    doc = parse_document(_page_bytes(GONGBAO), URLS[GONGBAO])
    in_root = etree.XPath("descendant::*[@id='UCAP-CONTENT']")(doc.root)
    assert in_root == [] and len(doc.tops) > 1


@pytest.mark.parametrize("profile", ["generic", "trs", "govcn"])
def test_gongbao_body_found_outside_html(profile):
    body = _article(GONGBAO, profile).body_text
    assert body.startswith("全国人民代表大会常务委员会")
    assert "批准2007年末国债余额限额调整为53365.53亿元" in body


# -- jyt.zj (Hanweb xxgk): "label: value" cells in table.xxgk, 文件编号 empty, photo links -------
JYT_ZJ_FIELDS = {
    "title": "全省教育系统师德师风建设专题培训班举办",
    "index_no": "002482082/2024-00332",
    "doc_no": None,  # 文件编号: printed with nothing after it
    "publisher": "省教育厅",
    "written_date": dt.date(2024, 10, 21),  # 生成日期
    "subject": "教育",  # 主题分类
    "disclosure_mode": "主动公开",  # 公开方式
    "publish_date": dt.date(2024, 10, 21),
    "source": "新闻办",  # the 浏览次数 and 字体：[大 中 小] cells beside it are not part of it
    "category": None,
    "keywords": None,
    "validity": None,
    # four photos in the body, each linked to its full size: pictures, not 附件
    "attachments": [],
    "repealed": False,
}


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
@pytest.mark.parametrize("field, expected", JYT_ZJ_FIELDS.items())
def test_jyt_zj(field, expected, profile):
    assert getattr(_article(JYT_ZJ, profile), field) == expected


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
def test_jyt_zj_photo_links_are_checked_as_body_links(profile):
    links = _article(JYT_ZJ, profile).body_links
    assert [link.url for link in links] == [
        f"https://jyt.zj.gov.cn/picture/0/{n}.jpg"
        for n in (2410211246031653119, 2410211246033929740, 2410211246035606910,
                  2410211248572207767)
    ]  # fmt: skip


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
def test_jyt_zj_body(profile):
    body = _article(JYT_ZJ, profile).body_text
    assert body.startswith(
        "10月17日，浙江省教育系统师德师风建设专题培训班在浙江大学紫金港校区举办。"
    )
    assert body.endswith("共计230人参加培训。")
    assert "索引号" not in body and "字体" not in body


# -- ct.zj (Hanweb): table.collapse_table, 文号/公开分类/主题词 printed empty, 510 KB of style --------
CT_ZJ_FIELDS = {
    "title": "浙江省文化和旅游厅关于2020年度文物博物、图书资料、群众文化、艺术、艺术系列美术专业"
    "中、高级专业技术职务任职资格评审结果的公示",
    "index_no": "002482330/2020-10091",
    "publisher": "省文化和旅游厅",
    "written_date": dt.date(2020, 12, 29),  # 成文日期
    "publish_date": dt.date(2020, 12, 29),  # 发布时间：2020-12-29 11:07
    "source": "省文化和旅游厅",  # the first 来源： is an empty template placeholder
    "doc_no": None,  # 文　　号: empty cell
    "category": None,  # 公开分类: empty cell
    "keywords": None,  # 主题词: empty cell
    "subject": None,
    "attachments": [],
    "repealed": False,
}


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
@pytest.mark.parametrize("field, expected", CT_ZJ_FIELDS.items())
def test_ct_zj(field, expected, profile):
    assert getattr(_article(CT_ZJ, profile), field) == expected


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
def test_ct_zj_empty_cells_take_nothing_from_their_neighbours(profile):
    metadata = _article(CT_ZJ, profile).metadata
    assert metadata == {
        "索引号": "002482330/2020-10091",
        "发布机构": "省文化和旅游厅",
        "成文日期": "2020-12-29",
        "发布时间": "2020-12-29 11:07",
        "来源": "省文化和旅游厅",
    }


@pytest.mark.parametrize("profile", ["generic", "hanweb"])
def test_ct_zj_body(profile):
    body = _article(CT_ZJ, profile).body_text
    assert body.startswith("根据《浙江省职称评审管理实施办法》")
    assert body.endswith("浙江省文化和旅游厅\n2020年12月29日")


# -- moe.gov.cn: 信息索引 (not 索引号), 发文字号, 信息类别, 内容概述; 来源 beside 下载/收藏 widgets ------
MOE_FIELDS = {
    "title": "教育部办公厅关于举办2024年高校“礼敬中华优秀传统文化”宣传教育活动的通知",
    "index_no": "360A12-07-2024-0008-1",  # 信息索引
    "written_date": dt.date(2024, 6, 4),  # 生成日期
    "publisher": "教育部办公厅",  # 发文机构
    "doc_no": "教思政厅函〔2024〕10号",  # 发文字号
    "category": "高等教育",  # 信息类别
    "summary": "教育部办公厅关于举办2024年高校“礼敬中华优秀传统文化”宣传教育活动的通知",
    "publish_date": dt.date(2024, 6, 13),
    "date_source": "visible",
    "source": "教育部",  # followed on its line by the 下载 and 收藏 buttons
    "body_doc_no": "教思政厅函〔2024〕10号",
    "repealed": False,
}


@pytest.mark.parametrize("profile", ["generic", "govcn"])
@pytest.mark.parametrize("field, expected", MOE_FIELDS.items())
def test_moe(field, expected, profile):
    assert getattr(_article(MOE, profile), field) == expected


@pytest.mark.parametrize("profile", ["generic", "govcn"])
def test_moe_attachments_are_the_three_numbered_docx(profile):
    attachments = [(a.url, a.type, a.text) for a in _article(MOE, profile).attachments]
    base = "http://www.moe.gov.cn/srcsite/A12/moe_1407/s3008/202406/"
    assert attachments == [
        (base + "W020240613556663716813.docx", "docx", "知识竞答工作要求"),
        (base + "W020240613556663720310.docx", "docx", "数字微展览、工作案例、视频微课等作品报送要求"),
        (base + "W020240613556663730435.docx", "docx",
         "2024年高校“礼敬中华优秀传统文化”宣传教育活动成果征集表"),
    ]  # fmt: skip


@pytest.mark.parametrize("profile", ["generic", "govcn"])
def test_moe_body(profile):
    body = _article(MOE, profile).body_text
    assert body.startswith("教育部办公厅关于举办\n2024年高校")
    assert body.endswith("教育部办公厅\n2024年5月30日")
    assert "信息索引" not in body


@pytest.mark.parametrize("name", list(URLS))
def test_no_real_page_is_taken_for_an_anti_bot_page(name):
    assert is_anti_bot(_page_bytes(name)) is False
