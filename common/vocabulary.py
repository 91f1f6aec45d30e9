"""The project's vocabulary: the names every folder shares, each defined once.

Unit levels and their order, column categories, article metadata fields with the labels
evaluators know them by, problem statuses with their Chinese names and the groups of them, and
a unit's verdict in words. Stored rows, indicator sets, registries and reports all spell these
the same way, so a name changed here changes everywhere (and may need a migration: the store
keeps statuses, levels and categories as text).
"""

from __future__ import annotations

# -- units ------------------------------------------------------------------------------------
# Unit levels (单位层级), in the order rankings and reports list them.
CITY_GOV, CITY_DEPT, COUNTY_GOV, COUNTY_DEPT, TOWNSHIP = LEVELS = (
    "市政府",
    "市直部门",
    "县区政府",
    "县直部门",
    "乡镇街道",
)

# -- columns ----------------------------------------------------------------------------------
# Column categories (栏目类别): what a disclosure column is judged as. The crawler's column map
# (crawler/columns.yaml) maps column names onto them; indicator sets name them. Each with its
# Chinese name first (what a suggestion's {category_name} says), then what it holds.
COLUMN_CATEGORIES = {
    "news": "动态/要闻 (工作动态, 本地要闻) — stale after 2 weeks",
    "notice": "通知公告 (公示公告) — stale after 6 months",
    "policy": "政策文件 (其他文件, 部门文件) — stale after 6 months",
    "normative": "行政规范性文件 — stale after 6 months; needs 政策解读",
    "interpretation": "政策解读 (图解, 视频解读)",
    "personnel": "人事信息 (人事任免, 招考录用) — stale after 1 year",
    "plan": "规划计划 (发展规划, 工作计划, 工作总结) — stale after 1 year",
    "budget": "财政预决算 (部门预决算, 财政资金)",
    "key_area": "重点领域信息 (空气质量, 饮用水), published monthly or quarterly",
    "consultation": "意见征集 (征求意见)",
    "feedback": "意见反馈 (征集结果, 采纳情况)",
    "annual_report": "政府信息公开年报",
    "guide": "政府信息公开指南",
    "rules": "政府信息公开制度",
    "township_area": "基层政务公开标准目录 areas (国办发〔2019〕54号)",
    "org": "机构职能 (机构信息, 领导信息)",
}
# Two categories decided without the map: a column that only holds other columns, and one an
# override says is not evaluated (专题专栏).
GROUP = "group"
SKIP = "skip"
BUILT_IN_CATEGORIES = (GROUP, SKIP)

# -- articles ---------------------------------------------------------------------------------
# An article's metadata fields as the store and the checks name them, with the label evaluators
# know them by (platforms print several: 生成日期 / 成文日期 / 发文日期 → written_date).
ARTICLE_FIELDS = {
    "title": "名称",
    "index_no": "索引号",
    "publisher": "发布机构",
    "doc_no": "文号",
    "written_date": "成文日期",
    "publish_date": "发布日期",
    "validity": "有效性",
    "subject": "主题分类",
    "keywords": "关键词",
}
# Kept in the article's `extra` and read by the scorer under this name (the page's 组配分类 /
# 信息分类, which extraction calls `category`).
INFO_CATEGORY = ("info_category", "信息分类")
# Every field a platform profile can read from an article page (`crawler.extract`): the stored
# ones, and those kept in `extra` or used only to find others.
PAGE_FIELDS = (
    "title", "index_no", "publisher", "source", "doc_no", "written_date", "publish_date",
    "visible_date", "validity", "subject", "keywords", "category", "effective_date",
    "expiry_date", "disclosure_mode", "summary",
)  # fmt: skip

# -- problems ---------------------------------------------------------------------------------
# Every status a problem can have against the previous round, as the office's documents name it
# (checklists, reports, `zwgk problems`); in this order wherever statuses are listed.
STATUS_ZH = {
    "new": "新发现",
    "open": "未整改",
    "regressed": "反弹",
    "fixed": "已整改",
    "not_comparable": "未能复核",
    "expired": "超出测评期",
}
STATUSES = tuple(STATUS_ZH)
# Found in this round's crawl: the problems that count (deduct, fill the summary's figures).
PRESENT = ("new", "open", "regressed")
# Still to fix: present, or not looked at this time (not_comparable). These carry into the next
# round, a unit answers them in its checklist, 回头看 and the nightly refetch look at them again.
UNRESOLVED = (*PRESENT, "not_comparable")

# What a unit × indicator of a round is (round_scores.state): scored; not evaluated because the
# crawl could not read what the indicator needs (未评: rescaled away, the reason said); not
# applicable (no item to judge, or the set's not_applicable list: rescaled away); or full marks
# where the set says an indicator with nothing to judge is met (the reference's choice).
SCORE_STATE_ZH = {
    "scored": "已评",
    "not_evaluated": "未评",
    "not_applicable": "不适用",
    "full_marks": "无可评内容（按满分计）",
}
SCORE_STATES = tuple(SCORE_STATE_ZH)
# Rescaled away: these points are left out of the unit's applicable points.
RESCALED_AWAY = ("not_evaluated", "not_applicable")

# -- verdicts ---------------------------------------------------------------------------------
PASSED, FAILED, VETOED = "合格", "不合格", "不合格（单项否决）"
NOT_SCORED = "未评分"  # the crawl could not read the unit: no score, no rank
UNSCORED = f"{NOT_SCORED}（网站本轮未能访问）"  # the same, where the reason is read too
NO_VALUE = "—"


def verdict(observed: bool, vetoed: bool, passed: bool | None) -> str:
    """A unit's result in words: 合格 / 不合格 / 不合格（单项否决） / 未评分（网站本轮未能访问）;
    "—" for a unit read but without a total (no indicator applied to it)."""
    if not observed:
        return UNSCORED
    if vetoed:
        return VETOED
    if passed is None:
        return NO_VALUE
    return PASSED if passed else FAILED
