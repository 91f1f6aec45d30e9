"""Article body text (正文), generated from the article's seed so a model renders the same bytes.

Each column category gets paragraphs of its own kind: a notice, a policy document with its 文号
printed at the top (article.body_doc_no — it differs from the metadata 文号 when that defect is
planted), an interpretation in its form (text, 图解 image, video, 负责人解读), a consultation with
its 征求意见时间 and channels, a feedback naming the consultation it answers, an annual report,
key-area items naming their period.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from demo import model as m
from demo import urls
from demo.model import Article, Attachment, Column, Portal, Unit
from demo.render.annual import annual_report_body
from demo.render.common import cn_date, esc

MediaHref = Callable[[Attachment], str]

_TOPICS = (
    "优化营商环境",
    "安全生产",
    "乡村振兴",
    "数字政府建设",
    "生态环境保护",
    "民生实事",
    "招商引资",
    "防汛抗旱",
    "城市更新",
    "就业创业",
)
_ADDRESSEES = {
    m.CITY_GOV: "各县区人民政府，市政府各部门、各直属机构",
    m.COUNTY_GOV: "各乡镇人民政府、街道办事处，县政府各部门",
    m.TOWNSHIP: "各村（社区），镇直各单位",
}
_DEPT_ADDRESSEE = "各有关单位，机关各科室、直属各单位"
_QUARTERS = {"1": "一", "2": "二", "3": "三", "4": "四"}


def _p(text: str) -> str:
    return f'<p style="text-indent:2em;">{text}</p>'


def _quoted(title: str) -> str:
    """The document a title names — the 《…》 part, or X of 关于印发X的通知 — else the title."""
    found = re.search(r"《([^》]+)》", title) or re.search(r"关于印发(.+)的通知$", title)
    return found.group(1) if found else title


def period_text(period: str) -> str:
    """'2024-05' → 2024年5月; '2024Q2' → 2024年第二季度."""
    if "Q" in period:
        year, quarter = period.split("Q", 1)
        return f"{year}年第{_QUARTERS.get(quarter, quarter)}季度"
    if "-" in period:
        year, month = period.split("-", 1)
        return f"{year}年{int(month)}月"
    return period


def _signature(unit: Unit, article: Article) -> str:
    # The document date is printed only when the article has a publish date: a planted "no
    # publish date" article must show no date a reader could take for one.
    day = article.written if article.published else None
    date_line = f'<p style="text-align:right;">{cn_date(day)}</p>' if day else ""
    return f'<p style="text-align:right;">{esc(unit.name)}</p>{date_line}'


def _subject(title: str) -> str:
    """What a notice is about: its title without 关于 … 的通知/公告/公示."""
    found = re.search(r"关于(.+?)(?:的|有关事项的)?(?:通知|公告|公示|意见|通报)$", title)
    return found.group(1) if found else title


def _news(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    day = cn_date(a.published) or "近日"
    topic = rng.choice(_TOPICS)
    leader = esc(u.leader or "主要负责同志")
    return "".join(
        [
            _p(f"{day}，{esc(a.title)}。{esc(u.short)}主要负责同志{leader}参加并提出要求。"),
            _p(
                f"{leader}强调，要进一步提高政治站位，压实工作责任，聚焦{topic}中的难点堵点，"
                "细化工作举措，确保各项任务落地见效。"
            ),
            _p("各科室、各单位要加强协调配合，强化督查调度，按时序推进各项工作。"),
        ]
    )


def _personnel(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    return "".join(
        [
            _p(f"根据干部人事管理有关规定，现将{esc(_subject(a.title))}有关情况予以公开。"),
            _p(f"公示期间，如有异议，可通过来信、来电、来访等方式向{esc(u.name)}反映。"),
            _p(f"联系电话：{esc(u.phone)}。"),
            _signature(u, a),
        ]
    )


def _plan(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    topics = rng.sample(_TOPICS, 3)
    return _p(f"为全面完成年度目标任务，现将{esc(a.title)}公布如下：") + "".join(
        _p(f"{n}、统筹推进{t}工作，细化任务分工，明确完成时限。")
        for n, t in zip(("一", "二", "三"), topics, strict=True)
    )


def _notice(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    subject = esc(_subject(a.title))
    if a.title.endswith(("公示", "公告")):
        return "".join(
            [
                _p(f"现将{subject}有关情况予以公示，公示期为5个工作日。"),
                _p("公示期间，对公示内容有异议的，请以书面形式实名反映，并提供必要的证明材料。"),
                _p(f"联系电话：{esc(u.phone)}。"),
                _signature(u, a),
            ]
        )
    return "".join(
        [
            f"<p>{_ADDRESSEES.get(u.level, _DEPT_ADDRESSEE)}：</p>",
            _p(f"为做好{subject}，经研究，现将有关事项通知如下："),
            _p("一、时间安排。自本通知印发之日起至本年度末，分阶段组织实施。"),
            _p("二、工作要求。各单位要明确责任人和联系人，按要求报送有关材料。"),
            _p(f"三、联系方式。联系电话：{esc(u.phone)}。"),
            _signature(u, a),
        ]
    )


def _statement(a: Article, u: Unit, c: Column) -> str:
    """A 规范性说明: the unit states that the column has nothing (new) to publish."""
    what = "新增" if "新增" in a.title else ""
    return "".join(
        [
            _p(f"经核查，截至{cn_date(a.published)}，本单位「{esc(c.name)}」栏目暂无{what}"
               "应当主动公开的政府信息。如有相关信息，将按规定及时公开。"),
            _p("特此说明。"),
            _signature(u, a),
        ]
    )  # fmt: skip


def _policy(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    """A 红头文件: 文号 as printed (body_doc_no), the covering text, then the document itself —
    articles (第一条…) for 办法/规定/细则, numbered parts for 意见/方案/要点."""
    inner = _quoted(a.title)
    kind = next((k for k in ("办法", "规定", "细则", "规则", "制度") if inner.endswith(k)), "")
    parts = []
    if a.body_doc_no:
        parts.append(f'<p style="text-align:center;">{esc(a.body_doc_no)}</p>')
    parts.append(f"<p>{_ADDRESSEES.get(u.level, _DEPT_ADDRESSEE)}：</p>")
    if inner != a.title:
        parts += [
            _p(f"《{esc(inner)}》已经研究同意，现印发给你们，请结合实际认真贯彻执行。"),
            _signature(u, a),
            "<p>（此件公开发布）</p>",
            f'<p style="text-align:center;"><strong>{esc(inner)}</strong></p>',
        ]
    if kind:
        parts += [
            _p(f"第一条　为规范相关工作，根据有关法律法规，结合本地实际，制定本{kind}。"),
            _p(f"第二条　本{kind}适用于本行政区域内相关管理和服务活动。"),
            _p(f"第三条　主管部门负责本{kind}的组织实施和监督检查。"),
        ]
        if c.category == m.NORMATIVE and a.written and a.published:
            start = a.written.replace(day=1)
            parts.append(
                _p(
                    f"第四条　本{kind}自{cn_date(start)}起施行，有效期5年。由{esc(u.short)}负责解释。"
                )
            )
    else:
        opening = (
            f"为深入贯彻落实上级决策部署，结合实际，制定{esc(inner)}。"
            if inner != a.title
            else f"为深入贯彻落实上级决策部署，推动{esc(_subject(inner))}，现提出如下意见。"
        )
        parts += [
            _p(opening),
            _p("一、总体要求。坚持问题导向、目标导向，统筹推进，确保取得实效。"),
            _p("二、重点任务。明确责任分工，完善工作机制，强化政策支持。"),
            _p("三、保障措施。加强组织领导，强化督促检查，营造良好氛围。"),
        ]
    if inner == a.title:
        parts.append(_signature(u, a))
    if a.validity == "废止":
        parts.append(_p("（本文件已废止）"))
    return "".join(parts)


def _documents(portal: Portal, a: Article) -> list[Article]:
    idx = portal.index.article
    return [idx[i] for i in a.interprets if i in idx]


def is_interpretation(article: Article, column: Column) -> bool:
    return bool(article.interprets) or column.category == m.INTERPRETATION


def embedded_media(article: Article, column: Column) -> Attachment | None:
    """The PNG of a 图解 or the MP4 of a video interpretation: shown inline in the body, not
    listed under 附件 (real 一图读懂 pages only inline the picture)."""
    if not is_interpretation(article, column):
        return None
    want = {m.FORM_GRAPHIC: "png", m.FORM_VIDEO: "mp4"}.get(article.form)
    return next((f for f in article.attachments if f.ext == want), None)


def _interpretation(portal: Portal, a: Article, u: Unit, c: Column, media: MediaHref) -> str:
    docs = _documents(portal, a)
    names = (
        "、".join(f"《{esc(_quoted(d.title))}》" for d in docs) or f"《{esc(_quoted(a.title))}》"
    )
    inline = embedded_media(a, c)
    if inline is not None and a.media_only:  # the picture or the video alone, no words
        src = esc(media(inline))
        if inline.ext == "png":  # linked to its full size, as 一图读懂 pages do
            return (
                f'<p style="text-align:center;"><a href="{src}" target="_blank">'
                f'<img src="{src}" border="0"></a></p>'
            )
        return f'<p style="text-align:center;"><video controls="controls" src="{src}"></video></p>'
    if inline is not None and inline.ext == "png":
        src = media(inline)
        return _p(f"一图读懂{names}") + (
            f'<p style="text-align:center;"><img src="{esc(src)}" alt="{esc(a.title)}" '
            'border="0" style="max-width:100%;"></p>'
        )
    if inline is not None and inline.ext == "mp4":
        src = esc(media(inline))
        return _p(f"视频解读：{names}") + (
            f'<p style="text-align:center;"><video controls="controls" width="640" height="360" '
            f'src="{src}"><source src="{src}" type="video/mp4"></video></p>'
        )
    if a.form == m.FORM_LEADER:
        leader = esc(u.leader or "主要负责同志")
        return "".join(
            [
                _p(
                    f"近日，{esc(u.name)}印发{names}。{esc(u.short)}主要负责人{leader}"
                    "接受采访，就文件出台背景、主要内容和下一步工作进行解读。"
                ),
                _p(
                    f"问：请介绍一下文件出台的背景。<br>{leader}：出台该文件是落实上级部署、回应群众关切的重要举措。"
                ),
                _p(
                    f"问：文件有哪些主要内容？<br>{leader}：文件共分四个部分，明确了目标任务、重点举措和保障措施。"
                ),
            ]
        )
    return "".join(
        [
            _p(f"近日，{esc(u.name)}印发了{names}（以下简称《办法》）。现就有关内容解读如下："),
            _p("一、出台背景。为贯彻落实上级决策部署，进一步规范相关工作，制定本《办法》。"),
            _p("二、主要内容。《办法》共分总则、职责分工、工作程序、监督管理和附则五个部分。"),
            _p("三、适用范围。本《办法》适用于本行政区域内的相关单位和个人。"),
            _p(f"四、解读机关及联系方式。解读机关：{esc(u.name)}；联系电话：{esc(u.phone)}。"),
        ]
    )


def _consultation(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    draft = esc(_quoted(a.title))
    window = ""
    if a.open_from and a.open_until:
        window = f"征求意见时间：{cn_date(a.open_from)}至{cn_date(a.open_until)}。"
    mail = f"{u.slug or 'gk'}@jianghuai.gov.cn"
    opening = _p(
        f"为增强决策的科学性和透明度，现将《{draft}》全文公布，公开征求社会各界意见。"
        "有关单位和各界人士可通过以下方式提出意见建议："
    )
    annex = _p("附件：1．征求意见稿　2．起草说明（含起草依据）")
    if a.wording == "variant":
        # The basis in the first sentence, the notes an attachment named after the draft.
        opening = _p(
            "根据《中华人民共和国地方各级人民代表大会和地方各级人民政府组织法》等法律法规和上级"
            f"有关文件精神，结合本地实际，{esc(u.name)}起草了《{draft}》。现全文公布，公开征求"
            "社会各界意见。有关单位和各界人士可通过以下方式提出意见建议："
        )
        annex = _p(f"附件：1．《{draft}》　2．关于《{draft}》的说明")
    return "".join(
        [
            opening,
            _p(f"一、信函：寄至{esc(u.address or u.name)}，并在信封上注明“征求意见”字样。"),
            _p(f"二、电话：{esc(u.phone)}。"),
            _p(f"三、电子邮箱：{mail}。"),
            _p(window),
            annex,
            _signature(u, a),
        ]
    )


def _feedback(portal: Portal, a: Article, u: Unit, rng: random.Random) -> str:
    target = portal.index.article.get(a.feedback_for) if a.feedback_for else None
    named = f"《{esc(_quoted(target.title))}》" if target else "有关文件"
    window = ""
    if target and target.open_from and target.open_until:
        window = f"于{cn_date(target.open_from)}至{cn_date(target.open_until)}"
    received = rng.randint(0, 12)
    adopted = rng.randint(0, received)
    return "".join(
        [
            _p(
                f"{esc(u.name)}{window}就{named}公开征求社会公众意见"
                f"（原公告：{esc(target.title) if target else ''}）。"
            ),
            _p(
                f"采纳情况：征求意见期间共收到意见建议{received}条，采纳{adopted}条，"
                f"未采纳{received - adopted}条。"
            ),
            _p("未采纳原因：部分意见超出本文件调整范围，或已在其他文件中作出规定。"),
            _signature(u, a),
        ]
    )


def _key_area(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    when = period_text(a.period) if a.period else (cn_date(a.published) or "本期")
    if "空气" in c.name:
        good = rng.randint(18, 31)
        return _p(
            f"{when}，全市空气质量优良天数{good}天，PM2.5平均浓度{rng.randint(18, 60)}微克/立方米，"
            f"PM10平均浓度{rng.randint(35, 90)}微克/立方米。"
        ) + _p("空气质量状况按《环境空气质量标准》（GB 3095-2012）评价。")
    if "水" in c.name:
        return _p(
            f"{when}，对集中式生活饮用水水源地开展水质监测，监测指标{rng.randint(60, 109)}项，"
            "所有监测断面水质均达到或优于Ⅲ类标准，达标率100%。"
        )
    return _p(f"现将{when}{esc(c.name)}有关情况公开如下：") + _p(
        f"本期共办理相关事项{rng.randint(3, 90)}件，均已按规定办结并公开结果。"
    )


def _budget(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    total = rng.randint(300, 90000) / 10
    word = "决算" if "决算" in a.title else "预算"
    return _p(
        f"根据预算法及相关规定，现将{esc(a.title)}公开如下。"
        f"收支总{word}{total:.1f}万元，其中一般公共预算拨款{total * 0.8:.1f}万元。"
    ) + _p("“三公”经费支出较上年有所下降，主要是严格落实过紧日子要求。")


def _guide(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    return "".join(
        [
            _p(
                f"为更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制{esc(u.name)}政府信息公开指南。"
            ),
            _p(
                "一、主动公开。公开范围、公开方式（本网站、政务新媒体、查阅场所）和公开时限（20个工作日内）。"
            ),
            _p(
                f"二、依申请公开。受理机构：{esc(u.name)}；办公地址：{esc(u.address)}；"
                f"联系电话：{esc(u.phone)}。申请人可通过当面、信函、网络等方式提出申请。"
            ),
            _p(
                "三、监督和救济。公民、法人或者其他组织认为行政机关侵犯其合法权益的，可依法申请行政复议或提起行政诉讼。"
            ),
        ]
    )


def _org(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    """机构职能: functions, leader, address and phone (the 机构信息 column)."""
    return "".join(
        [
            _p(
                f"{esc(u.name)}贯彻落实党中央、国务院和省委、省政府及市委、市政府决策部署，主要职责是：拟订并组织实施本领域发展规划和政策措施；负责本领域行政许可、监督检查等工作；完成上级交办的其他任务。"
            ),
            _p(f"主要负责人：{esc(u.leader)}"),
            _p(f"办公地址：{esc(u.address)}　联系电话：{esc(u.phone)}"),
            _p("办公时间：工作日上午8:00—12:00，下午14:30—17:30（夏季15:00—18:00）"),
        ]
    )


def _generic(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    return _p(
        f"为做好{esc(c.name)}相关工作，{esc(u.name)}根据有关规定，现将{esc(a.title)}有关情况公开如下。"
    ) + _p(
        f"本期涉及对象{rng.randint(3, 60)}户（人），已按规定完成审核。如有疑问，请在工作日内与我单位联系。"
    )


def _rules(a: Article, u: Unit, c: Column, rng: random.Random) -> str:
    name = a.title.removeprefix(u.name)
    return "".join(
        [
            _p(
                f"第一条　为规范{esc(u.name)}政府信息公开工作，根据《中华人民共和国政府信息公开条例》，"
                f"制定本{esc(name[-2:] if name.endswith('制度') else '制度')}。"
            ),
            _p("第二条　办公室是本单位政府信息公开工作机构，负责政府信息公开的日常工作。"),
            _p("第三条　拟公开的政府信息应当依照有关规定进行保密审查，未经审查不得公开。"),
            _p(
                "第四条　属于主动公开范围的政府信息，应当自形成或者变更之日起20个工作日内予以公开。"
            ),
        ]
    )


_BY_CATEGORY = {
    m.NEWS: _news,
    m.NOTICE: _notice,
    m.POLICY: _policy,
    m.NORMATIVE: _policy,
    m.PERSONNEL: _personnel,
    m.PLAN: _plan,
    m.BUDGET: _budget,
    m.KEY_AREA: _key_area,
    m.CONSULTATION: _consultation,
    m.GUIDE: _guide,
    m.RULES: _rules,
    m.TOWNSHIP_AREA: _generic,
    "org": _org,  # 机构职能 (demo.generate's category for the 机构信息 column)
}


def body_html(portal: Portal, article: Article, media: MediaHref) -> str:
    """The article's body paragraphs, ending with its in-body links (相关链接)."""
    idx = portal.index
    shown = idx.article.get(article.copy_of) if article.copy_of else None
    text = _text(portal, shown or article, media)
    if article.lead:
        text = _p(esc(article.lead)) + text
    for link in article.links:
        href = esc(urls.link_url(portal, article, link.target))
        text += _p(f'详见：<a href="{href}" target="_blank">{esc(link.text)}</a>')
    return text


def _text(portal: Portal, article: Article, media: MediaHref) -> str:
    """The body paragraphs of the article's kind (without its lead and in-body links)."""
    idx = portal.index
    unit = idx.unit[article.unit_id]
    column = idx.column[article.column_id]
    rng = random.Random(article.seed)
    if is_interpretation(article, column):
        text = _interpretation(portal, article, unit, column, media)
    elif column.category == m.FEEDBACK or article.feedback_for:
        text = _feedback(portal, article, unit, rng)
    elif column.category == m.CONSULTATION and article.open_from is None:
        text = _notice(article, unit, column, rng)  # a 公示 filed in the consultation column
    elif column.category == m.ANNUAL_REPORT or article.report_year:
        text = annual_report_body(article, unit, rng)
    elif "暂无" in article.title and article.title.endswith("说明"):
        text = _statement(article, unit, column)
    else:
        text = _BY_CATEGORY.get(column.category, _generic)(article, unit, column, rng)
    return text
