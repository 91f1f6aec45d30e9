"""Page furniture: what real portal pages carry around the content, and its hazards.

A real Lonsun /public/ article weighs about 40 KB and a TRS one 20–90 KB, almost all of it
furniture: a top bar, a navigation menu with drop-downs (twice: desktop and mobile), latest-news
widgets with links and dates, share and font-size widgets, print/close links, inline scripts
(Ls.ajax calls, share settings, statistics) holding strings that look like dates and links, and
a footer with 主办单位, ICP/公安备案, 网站标识码, the 政府网站找错 badge and 友情链接 drop-downs.
Rendering it makes every end-to-end test meet it (issue 15 §5): extraction must find the
content among it, never read a widget row as a list row or a script date as a field.

The host's part is built once per host (`HostFurniture`); pages add a few per-page strings. All
text is our own; iteration is over lists in model order (same seed, same bytes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from demo import urls
from demo.model import CITY_DEPT, COUNTY_GOV, NEWS, NOTICE, TOWNSHIP, Article, Host, Portal
from demo.render.common import HostStyle, esc, iso, stable_hash

LATEST_COUNT = 8  # rows of each latest-news widget
_SELECT_OPTIONS = 16  # units named in each 友情链接 drop-down

# The navigation menu: (top item, its drop-down items). Generic words of Chinese city portals.
_MENU = (
    ("走进{city}", ("{city}概况", "历史沿革", "行政区划", "人口民族", "自然地理", "经济发展",
                   "城市名片", "投资环境", "旅游资源", "今日{city}")),
    ("政务公开", ("领导之窗", "政务要闻", "部门动态", "县区动态", "通知公告", "政策文件",
                 "政策解读", "人事信息", "财政信息", "重点领域信息公开", "政府信息公开年报",
                 "依申请公开")),
    ("政务服务", ("个人办事", "法人办事", "部门服务", "主题服务", "便民服务", "办事指南",
                 "表格下载", "办件查询", "好差评", "一件事一次办")),
    ("互动交流", ("市长信箱", "部门信箱", "在线访谈", "意见征集", "网上调查", "留言选登",
                 "常见问题", "12345热线", "民意征集")),
    ("专题专栏", ("优化营商环境", "乡村振兴", "安全生产", "生态环境保护", "疫情防控",
                 "为民办实事", "长三角一体化", "法治政府建设", "政务公开专栏")),
    ("数据开放", ("数据目录", "数据接口", "数据应用", "统计公报", "统计数据", "数据解读",
                 "开放指南", "数据申请")),
)  # fmt: skip
_TOP_LINKS = ("无障碍", "适老版", "简体版", "繁體版", "English", "手机版", "微信", "微博", "登录",
              "注册")  # fmt: skip
_HOT_WORDS = ("营商环境", "社保", "公积金", "政策解读", "招聘", "入学", "医保", "不动产")
_THEMES = ("优化营商环境", "乡村振兴", "安全生产", "法治政府建设", "为民办实事", "政务公开专栏")
_SERVICES = ("社保查询", "公积金查询", "医保查询", "不动产登记", "户籍办理", "出入境办理",
             "交通违法查询", "水电气缴费", "教育入学", "就业创业", "婚姻登记", "生育服务",
             "养老服务", "法律援助", "企业开办", "工程建设审批")  # fmt: skip
# Lonsun pages load each furniture block ("label") by its own Ls.ajax call.
_LABELS = ("topNav", "hotWords", "latestNews", "noticeList", "themeList", "serviceList",
           "friendLinks", "footerInfo")  # fmt: skip
_OUTSIDE = (
    ("中国政府网", "http://www.gov.cn/"),
    ("国务院客户端", "http://www.gov.cn/xinwen/"),
    ("安徽省人民政府", "http://www.ah.gov.cn/"),
    ("国家政务服务平台", "http://gjzwfw.www.gov.cn/"),
)
_CSS = (
    ".top_bar{height:30px;line-height:30px;background:#f5f5f5;border-bottom:1px solid #e5e5e5}"
    ".top_bar a{margin:0 6px;color:#666}.nav_menu>li{float:left;position:relative}"
    ".nav_menu>li>a{display:block;padding:0 22px;line-height:48px;color:#fff;font-size:18px}"
    ".nav_menu .sub{display:none;position:absolute;top:48px;left:0;width:560px;background:#fff}"
    ".nav_menu li:hover .sub{display:block}.m_nav{display:none}"
    "@media (max-width:768px){.nav_menu{display:none}.m_nav{display:block}.hidden-xs{display:none}}"
    ".side_box{border:1px solid #e5e5e5;margin-bottom:12px}.side_box .hd{height:40px;"
    "line-height:40px;border-bottom:2px solid #1a5fb4}.side_box li{line-height:32px;"
    "overflow:hidden;white-space:nowrap;text-overflow:ellipsis}.side_box li .date{float:right;"
    "color:#999}.share_box a{display:inline-block;width:24px;height:24px;margin:0 3px}"
    ".footer{background:#1a5fb4;color:#fff;padding:20px 0}.footer a{color:#fff}"
    ".yqlj select{width:23%;margin:0 1%;height:30px}.badges img{margin:0 8px;vertical-align:middle}"
)


def site_code(style: HostStyle) -> str:
    """网站标识码: ten digits, stable per host."""
    return f"34{stable_hash(style.host.id) % 10**8:08d}"


_STYLED = ("top_bar", "header", "main_nav", "m_nav", "hot_words", "side_box", "zxxx", "tzgg", "ztzl",
           "service", "share_box", "article_tools", "yqlj", "foot_links", "badges", "xxgk_left",
           "xxgk_right", "wzy_position", "position", "main_left", "side_col")  # fmt: skip


def _css() -> str:
    """The template's inline style sheet: a rule per widget and state, as CMS templates ship."""
    rules = [_CSS]
    for block in _STYLED:
        rules.append(
            f".{block}{{position:relative;overflow:hidden;zoom:1;box-sizing:border-box}}"
            f".{block} ul{{margin:0;padding:0;list-style:none}}"
            f".{block} li{{float:left;margin:0 10px 0 0;line-height:30px;font-size:14px}}"
            f".{block} a{{color:#333;text-decoration:none;transition:color .2s ease-in-out}}"
            f".{block} a:hover{{color:#1a5fb4;text-decoration:underline}}"
            f".{block} .hd,.{block} .tit{{height:42px;line-height:42px;font-size:18px;font-weight:bold}}"
            f".{block} img{{border:0;vertical-align:middle;max-width:100%}}"
        )
    return "\n".join(rules)


_STYLE = _css()


def _js(text: str) -> str:
    """A JavaScript string literal that cannot end (</script>) or confuse (<!--) the <script>
    element it sits in."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\u003c")


@dataclass(frozen=True)
class HostFurniture:
    """A host's furniture, rendered once: pages are built around these strings."""

    head: str  # inline style and site scripts, inside <head>
    bar: str  # the top bar (welcome, 无障碍, 适老版, 简/繁, login)
    nav: str  # desktop and mobile navigation with drop-downs, hot search words
    side: str  # the latest-news widgets and theme links (a side column)
    footer: str  # 友情链接 drop-downs, 主办单位 lines, badges


def latest(portal: Portal, host: Host, category: str) -> list[Article]:
    """The host's newest published articles in visible columns of `category`, newest first."""
    found = []
    for unit in portal.index.units_on.get(host.id, []):
        for column in portal.index.columns_of.get(unit.id, []):
            if column.category == category and not column.hidden:
                found += [a for a in portal.index.articles_of.get(column.id, []) if a.published]
    found.sort(key=lambda a: (a.published, a.id), reverse=True)
    return found[:LATEST_COUNT]


def _widget(portal: Portal, title: str, cls: str, items: list[Article]) -> str:
    if not items:
        return ""
    more = urls.column_url(portal, portal.index.column[items[0].column_id])
    rows = "".join(
        f'<li><span class="date">{iso(a.published)}</span>'
        f'<a href="{esc(urls.article_url(portal, a))}" target="_blank">{esc(a.title)}</a></li>'
        for a in items
    )
    return (
        f'<div class="side_box {cls}"><div class="hd"><h3>{title}</h3>'
        f'<a class="more" href="{esc(more)}" target="_blank">更多&gt;&gt;</a></div>'
        f'<div class="bd"><ul>{rows}</ul></div></div>'
    )


def _menu(city: str, cls: str) -> str:
    items = []
    for top, subs in _MENU:
        links = "".join(
            f'<li><a href="javascript:;" target="_blank">{esc(s.format(city=city))}</a></li>'
            for s in subs
        )
        items.append(
            f'<li><a href="javascript:;">{esc(top.format(city=city))}</a>'
            f'<div class="sub"><ul>{links}</ul></div></li>'
        )
    return f'<ul class="{cls}"><li><a href="/">首页</a></li>{"".join(items)}</ul>'


def _footer(portal: Portal, style: HostStyle, code: str) -> str:
    name = esc(style.site_name)
    office = name if name.endswith("办公室") else f"{name}办公室"
    groups = []
    for heading, level in (
        ("市直部门", CITY_DEPT),
        ("县区政府", COUNTY_GOV),
        ("乡镇街道", TOWNSHIP),
    ):
        members = [u for u in portal.units if u.level == level][:_SELECT_OPTIONS]
        options = "".join(
            f'<option value="{esc(urls.unit_entry(portal, u))}">{esc(u.name)}</option>'
            for u in members
        )
        groups.append(
            '<select onchange="if(this.value){window.open(this.value);}">'
            f'<option value="">—{heading}—</option>{options}</select>'
        )
    outside = "".join(
        f'<option value="{esc(href)}">{esc(text)}</option>' for text, href in _OUTSIDE
    )
    groups.append(
        '<select onchange="if(this.value){window.open(this.value);}">'
        f'<option value="">—上级政府网站—</option>{outside}</select>'
    )
    return (
        '<div class="footer"><div class="container">'
        f'<div class="yqlj"><span class="yqlj_tit">友情链接</span>{"".join(groups)}</div>'
        '<div class="foot_links"><a href="javascript:;">网站地图</a> | <a href="javascript:;">联系我们</a>'
        ' | <a href="javascript:;">使用帮助</a> | <a href="javascript:;">隐私声明</a></div>'
        f"<p>主办单位：{name}　承办单位：{office}</p>"
        f"<p>网站标识码：{code}　皖ICP备{code[-6:]}号-1　"
        f'<a href="http://www.beian.gov.cn/" target="_blank">皖公网安备 {code}号</a></p>'
        "<p>建议使用1366×768分辨率及以上浏览器浏览本网站</p>"
        '<div class="badges">'
        f'<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={code}" target="_blank">'
        '<img src="/images/jiucuo.png" alt="政府网站找错"></a>'
        '<a href="javascript:;"><img src="/images/dzjg.png" alt="党政机关"></a>'
        '<a href="javascript:;"><img src="/images/wza.png" alt="无障碍浏览"></a></div>'
        "</div></div>"
    )


def host_furniture(portal: Portal, host: Host, style: HostStyle) -> HostFurniture:
    """The furniture of every page of `host`."""
    code = site_code(style)
    city = portal.city[:-1] if portal.city.endswith("市") else portal.city
    name = esc(style.site_name)
    lonsun = host.platform == "lonsun"
    head = (
        f'<style type="text/css">\n{_STYLE}\n</style>\n'
        '<script type="text/javascript">\n'
        + (
            f"var Ls = Ls || {{}}; Ls.site = {{siteId: {host.site_id}, siteName: {_js(style.site_name)}, "
            f'siteCode: "{code}", created: "2016-08-0{1 + stable_hash(host.id) % 9} 09:30:00"}};\n'
            if lonsun
            else f'var siteName = {_js(style.site_name)}, siteCode = "{code}";\n'
        )
        + (
            "".join(
                f'Ls.ajax({{url: "/site/label/8888", data: {{labelName: "{label}", siteId: {host.site_id}, '
                f'num: 8, isJson: false}}, dataType: "html", success: function (html) {{ '
                f'$("#label_{label}").html(html); }}}});\n'
                for label in _LABELS
            )
            if lonsun
            else ""
        )
        + "var _hmt = _hmt || [];\n"
        '(function () { var hm = document.createElement("script");\n'
        f'  hm.src = "https://hm.baidu.com/hm.js?{stable_hash(host.id + "hm"):08x}";\n'
        '  var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); })();\n'
        "</script>"
    )
    hot = "".join(f'<a href="javascript:;">{w}</a>' for w in _HOT_WORDS)
    tops = "".join(f'<a href="javascript:;">{w}</a>' for w in _TOP_LINKS)
    mark_start = "<!--StartLabelHtml_{0}-->" if lonsun else "<!--{0} 开始-->"
    mark_end = "<!--EndLabelHtml_{0}-->" if lonsun else "<!--{0} 结束-->"
    bar = (
        mark_start.format("top")
        + f'<div class="top_bar"><div class="container"><span class="welcome">欢迎访问{name}！</span>'
        f'<span class="links">{tops}</span></div></div>' + mark_end.format("top")
    )
    nav = (
        mark_start.format("nav")
        + f'<div class="main_nav hidden-xs"><div class="container">{_menu(city, "nav_menu")}</div></div>'
        f'<div class="m_nav"><a class="m_nav_btn" href="javascript:;">导航</a>{_menu(city, "m_menu")}</div>'
        f'<div class="hot_words"><span>热门搜索</span>{hot}</div>' + mark_end.format("nav")
    )
    themes = "".join(
        f'<li><a href="javascript:;"><img src="/images/logo.png" alt="{t}"><span>{t}</span></a></li>'
        for t in _THEMES
    )
    services = "".join(
        f'<li><a href="javascript:;" target="_blank"><img src="/images/logo.png" alt="{w}">'
        f"<span>{w}</span></a></li>"
        for w in _SERVICES
    )
    side = (
        mark_start.format("side")
        + '<div class="side_col">'
        + _widget(portal, "最新信息", "zxxx", latest(portal, host, NEWS))
        + _widget(portal, "通知公告", "tzgg", latest(portal, host, NOTICE))
        + f'<div class="side_box ztzl"><div class="hd"><h3>专题专栏</h3></div><ul>{themes}</ul></div>'
        + f'<div class="side_box service"><div class="hd"><h3>便民服务</h3></div><ul>{services}</ul></div>'
        + "</div>"
        + mark_end.format("side")
    )
    footer = mark_start.format("footer") + _footer(portal, style, code) + mark_end.format("footer")
    return HostFurniture(head=head, bar=bar, nav=nav, side=side, footer=footer)


def share(url: str, title: str) -> str:
    """分享到 buttons with a QR code, and the script that configures them."""
    return (
        '<div class="share_box"><span>分享到：</span>'
        '<a class="wx" href="javascript:;" title="微信"></a><a class="wb" href="javascript:;" title="微博"></a>'
        '<a class="qq" href="javascript:;" title="QQ空间"></a>'
        '<div class="qr_code hidden"><img src="/images/qrcode.png" alt="手机扫一扫"><p>扫一扫在手机打开当前页</p></div>'
        "</div>"
        '<script type="text/javascript">\n'
        f'var shareConfig = {{url: {_js(url)}, title: {_js(title)}, pic: "/images/logo.png"}};\n'
        "</script>"
    )


def tools() -> str:
    """【打印本页】【关闭窗口】 under an article."""
    return (
        '<div class="article_tools"><a href="javascript:window.print();">【打印本页】</a>'
        '<a href="javascript:window.close();">【关闭窗口】</a>'
        '<a href="javascript:window.scrollTo(0,0);">【返回顶部】</a></div>'
    )


def article_script(portal: Portal, article: Article, url: str, ajax: str) -> str:
    """The visit counter and page settings a CMS prints into an article: dates and a link inside
    a script — never a field, never a link of the article."""
    column = portal.index.column[article.column_id]
    made = iso(article.written or article.published or portal.as_of)
    return (
        '<script type="text/javascript">\n'
        f'var articleInfo = {{id: "{article.id}", columnId: "{column.id}", '
        f'createTime: "{made} 10:{article.id % 60:02d}:00", url: {_js(url)}}};\n'
        f'{ajax}({{url: "/content/dynamic/hits", type: "POST", data: {{articleId: articleInfo.id}},\n'
        '  success: function (d) { $("#hits").text(d.hits); }});\n'
        "document.write('<li><a href=\"' + articleInfo.url + '\">' + document.title + "
        "'</a><span>' + articleInfo.createTime.substr(0, 10) + '</span></li>');\n"
        "</script>"
    )
