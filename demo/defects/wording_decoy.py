"""wording_decoy: a news item quoting a document by its title, which holds an older spelling
(《…用户帐号管理办法》: 帐号, today 账号) — a quoted name is cited as titled, not a wording error
of the unit (nothing may be reported)."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import register_decoy

QUOTED = "江淮市政务服务网用户帐号管理办法"


def wording_decoy(p: Planter) -> list[dict]:
    candidates = p.articles(m.NEWS, where=lambda a: a.published is not None)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    a.lead = f"会议传达了《{QUOTED}》有关规定，要求规范政务服务网用户注册和使用管理。"
    return [
        p.entry(
            a.unit_id,
            "wording_decoy",
            urls.article_url(p.portal, a),
            f"不应判为用语错误：{quoted(a)}正文中的“帐号”在所引文件名《{QUOTED}》内，按原名引用",
            article_id=a.id,
            term="帐号",
            quoted=QUOTED,
            check="term_list",
            decoy=True,
        )
    ]


register_decoy("wording_decoy", wording_decoy, "term_list")
