"""The notice (整改通知) that carries a unit's checklist: 文号, title, salutation, what the round
found and what the unit is asked to do by when, the points lost by 一级指标, the indicators not
evaluated, why the score changed since the previous round (得分变化说明,
`reports.checklist.change`), contact, signature block and date — as text, placed by the XLSX
notice sheet and the HTML page alike.

A unit whose site could not be read gets a notice saying so (未能评估，未予评分), what the crawl
met there and what to check, instead of an empty list. One-time events (今后注意) are said apart:
the unit is not asked to answer them.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.checklist import change as score_change
from reports.checklist.data import Checklist
from reports.checklist.result import CHECK_ITEMS
from reports.wording import cn_date, points

SUMMARY_HEADERS = ("一级指标", "分值", "扣分", "扣分问题")
NOT_EVALUATED_HEADERS = ("一级指标", "指标", "未能评估的原因")
CHANGE_HEADERS = score_change.HEADERS  # 得分变化说明: 变化原因, 指标, 分值变化
ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Notice:
    number: str  # 文号, "" when the office file has none
    title: str
    salutation: str
    paragraphs: tuple[str, ...]
    summary: tuple[tuple[str, ...], ...]  # rows under SUMMARY_HEADERS, 合计 last; () unscored
    summary_note: str
    not_evaluated: tuple[tuple[str, ...], ...]  # rows under NOT_EVALUATED_HEADERS
    change: tuple[str, ...]  # 得分变化说明: the totals and parts, a flip — or one sentence
    change_rows: tuple[tuple[str, ...], ...]  # rows under CHANGE_HEADERS
    contact: str
    signature: tuple[str, ...]
    date: str
    attachment: str

    @property
    def change_headers(self) -> tuple[str, ...]:
        return CHANGE_HEADERS


def _workdays(cl: Checklist) -> int:
    from scoring.workdays import default_calendar

    return default_calendar().lag(cl.issued, cl.deadline)


def _due(cl: Checklist) -> str:
    return f"{cn_date(cl.deadline)}前（{_workdays(cl)}个工作日内）"


def _result(cl: Checklist) -> str:
    opening = (
        f"根据{cl.round_label}政务公开测评工作安排，以{cn_date(cl.as_of)}为评估日，"
        "对你单位政府网站政务公开情况进行了测评。"
    )
    if cl.total is None:
        return opening + "本轮没有适用于你单位的计分指标，未计分。"
    rank = ""
    if cl.rank_position is not None:
        at, of = cl.rank_position
        rank = (
            f"，在{cl.level}中排名第{at}（共{of}家）"
            if of > 1
            else f"，{cl.level}仅你单位1家，不作排名"
        )
    return opening + f"你单位本轮得分{points(cl.total)}分{rank}，测评结果为{cl.verdict}。"


def _asks(cl: Checklist) -> list[str]:
    out = []
    if cl.to_answer:
        out.append(
            f"现将测评发现的问题反馈给你单位（见附件整改清单），其中{cl.to_answer}个问题需要整改。"
            f"请逐条对照整改，于{_due(cl)}在整改清单的“整改情况”“整改说明”两列填写后报回。"
        )
    if cl.for_the_future:
        out.append(
            f"另有{cl.for_the_future}个问题为已经发生、无法整改的一次性问题（如信息公开超出时限），"
            "已在本轮扣分，清单中列为“今后注意”，无需答复，请今后注意避免。"
        )
    if not cl.to_answer and not cl.for_the_future:
        out.append("本轮未发现需要你单位整改的问题，请继续保持。")
    return out


def _unread(cl: Checklist) -> list[str]:
    out = [
        f"根据{cl.round_label}政务公开测评工作安排，以{cn_date(cl.as_of)}为评估日开展测评时，"
        "你单位网站未能正常访问，本轮未能评估，未予评分。"
    ]
    if cl.unreachable:
        out.append("测评时遇到的情况：" + "；".join(cl.unreachable) + "。")
    items = "".join(f"（{ORDINALS[i]}）{item}；" for i, item in enumerate(CHECK_ITEMS))
    out.append(f"请于{_due(cl)}检查以下事项，并将检查和处理结果告知我办：{items[:-1]}。")
    if cl.to_answer:
        out.append(
            f"此前指出的{cl.to_answer}个问题本轮未能复核，仍列入附件整改清单，请一并填写整改情况后报回。"
        )
    return out


def _summary(cl: Checklist) -> tuple[tuple[tuple[str, ...], ...], str]:
    if not cl.observed or not cl.groups:
        return (), ""
    rows = [(g.group1, points(g.points), points(g.lost), str(g.problems)) for g in cl.groups]
    total = [sum(g.points for g in cl.groups), sum(g.lost for g in cl.groups)]
    rows.append(
        ("合计", points(total[0]), points(total[1]), str(sum(g.problems for g in cl.groups)))
    )
    note = ""
    if cl.points is not None and cl.total is not None and abs(cl.points - 100) > 0.005:
        note = (
            f"注：本轮适用于你单位的指标合计{points(cl.points)}分（不适用和未能评估的指标不计入），"
            f"实得{points(cl.score)}分，按百分制折算后得{points(cl.total)}分。"
        )
    return tuple(rows), note


def build_notice(cl: Checklist) -> Notice:
    office = cl.office
    paragraphs = _unread(cl) if not cl.observed else [_result(cl), *_asks(cl)]
    summary, note = _summary(cl)
    contact = ""
    if office.contact is not None:
        c = office.contact
        contact = f"联系人：{c.name}，电话：{c.phone}" + (
            f"，电子邮箱：{c.email}" if c.email else ""
        )
    return Notice(
        number=office.notice_no,
        title=office.notice_title(cl.round_label),
        salutation=f"{cl.unit_name}：",
        paragraphs=tuple(paragraphs),
        summary=summary,
        summary_note=note,
        not_evaluated=tuple((n.group1, n.name, n.reason) for n in cl.not_evaluated),
        change=score_change.sentences(cl.change),
        change_rows=score_change.table_rows(cl.change),
        contact=contact,
        signature=office.signature_lines,
        date=cn_date(cl.issued),
        attachment=f"附件：{cl.unit_name}政务公开整改清单（{cl.round_label}）",
    )
