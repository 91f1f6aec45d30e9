"""Page chrome (header, navigation, footer) of each platform family, and the 404 page.

Real pages carry far more boilerplate than content; a little of it here keeps extractors honest
(they must find the content among navigation links, scripts and footers).
"""

from __future__ import annotations

from demo.render.common import HostStyle, esc
from demo.render.files import png_bytes
from demo.render.furniture import HostFurniture, site_code

_CSS = b"body{margin:0;font-family:SimSun,serif;font-size:14px}.hidden{display:none}\n"
# page.js: TRS's pager. It turns createPageHTML(count, current, "index", "html") into links
# index.html, index_1.html … — what a browser would show, for whoever reads the script.
_PAGE_JS = b"""function createPageHTML(countPage, currentPage, prefix, suffix) {
  if (countPage <= 1) { return; }
  var html = [];
  for (var i = 0; i < countPage; i++) {
    var name = i === 0 ? prefix + "." + suffix : prefix + "_" + i + "." + suffix;
    html.push(i === currentPage ? "<span>" + (i + 1) + "</span>" : "<a href=\\"" + name + "\\">" + (i + 1) + "</a>");
  }
  document.write(html.join(" "));
}
"""
_LS_JS = b"""var Ls = Ls || {};
Ls.pagination = function (selector, load, opts) { /* draws pages 1..opts.pageCount */ };
"""
_JS = "application/javascript; charset=utf-8"
_CSS_TYPE = "text/css; charset=utf-8"

# Static files the page chrome refers to, so that no link or resource on our pages is broken
# unless a defect planted it.
ASSETS: dict[str, tuple[str, bytes]] = {
    "/assets/css/core.min.css": (_CSS_TYPE, _CSS),
    "/public/css/public_info.css": (_CSS_TYPE, _CSS),
    "/images/style.css": (_CSS_TYPE, _CSS),
    "/assets/js/jquery.min.js": (_JS, b"/* jQuery stand-in */\n"),
    "/assets/js/core.min.js": (_JS, _LS_JS),
    "/images/jquery.js": (_JS, b"/* jQuery stand-in */\n"),
    "/images/page.js": (_JS, _PAGE_JS),
    "/images/logo.png": ("image/png", png_bytes(0)),
    "/images/jiucuo.png": ("image/png", png_bytes(1, 110, 80)),
    "/images/dzjg.png": ("image/png", png_bytes(2, 70, 80)),
    "/images/wza.png": ("image/png", png_bytes(3, 110, 80)),
    "/images/qrcode.png": ("image/png", png_bytes(4, 100, 100)),
}


def lonsun_page(
    style: HostStyle, furniture: HostFurniture, title: str, main: str, head: str = ""
) -> str:
    name = esc(style.site_name)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n'
        f"{style.charset_meta}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{esc(title)}_{name}</title>\n"
        f'<meta name="SiteName" content="{name}">\n'
        f'<meta name="SiteIDCode" content="{site_code(style)}">\n'
        f"{head}\n"
        '<link rel="stylesheet" href="/assets/css/core.min.css">\n'
        '<link rel="stylesheet" href="/public/css/public_info.css">\n'
        '<script type="text/javascript" src="/assets/js/jquery.min.js"></script>\n'
        '<script type="text/javascript" src="/assets/js/core.min.js"></script>\n'
        f"{furniture.head}\n"
        "</head>\n<body>\n"
        f"{furniture.bar}\n"
        '<div class="header"><div class="container">'
        f'<div class="logo"><a href="/"><img src="/images/logo.png" alt="{name}"></a></div>'
        '<div class="top_search"><input type="text" id="keywords" placeholder="请输入关键字">'
        '<button type="button">搜索</button></div></div></div>\n'
        '<div class="nav"><div class="container"><ul>'
        '<li><a href="/">首页</a></li><li><a href="/public/index.html">政务公开</a></li>'
        '<li><a href="javascript:;">政务服务</a></li><li><a href="javascript:;">互动交流</a></li>'
        "</ul></div></div>\n"
        f"{furniture.nav}\n"
        f'<div class="container main_content">\n<div class="main_left">{main}</div>\n'
        f"{furniture.side}\n</div>\n"
        f"{furniture.footer}\n</body>\n</html>\n"
    )


def trs_page(
    style: HostStyle, furniture: HostFurniture, title: str, main: str, head: str = ""
) -> str:
    name = esc(style.site_name)
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        f"{style.charset_meta}\n"
        '<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">\n'
        f'<meta name="SiteName" content="{name}"/>\n'
        f'<meta name="SiteIDCode" content="{site_code(style)}"/>\n'
        f"{head}\n"
        f"<title>{esc(title)}_{name}</title>\n"
        '<link rel="stylesheet" type="text/css" href="/images/style.css">\n'
        '<script type="text/javascript" src="/images/jquery.js"></script>\n'
        '<script type="text/javascript" src="/images/page.js"></script>\n'
        f"{furniture.head}\n"
        "</head>\n<body>\n"
        f"{furniture.bar}\n"
        f'<div class="top"><div class="w1200"><div class="logo"><img src="/images/logo.png" alt="{name}"/>'
        f"<span>{name}</span></div></div></div>\n"
        '<div class="nav"><div class="w1200"><a href="/index.html">首页</a>'
        '<a href="javascript:;">新闻中心</a><a href="/index.html">信息公开</a>'
        '<a href="javascript:;">办事服务</a><a href="javascript:;">互动交流</a></div></div>\n'
        f"{furniture.nav}\n"
        f'<div class="w1200 main">\n<div class="main_left">{main}</div>\n{furniture.side}\n</div>\n'
        f"{furniture.footer}\n</body>\n</html>\n"
    )


def not_found(style: HostStyle) -> str:
    """The small 404 page a real front server (nginx + CMS) answers with."""
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f"{style.charset_meta}\n"
        "<title>404 页面不存在</title>\n"
        "</head>\n<body>\n"
        '<div class="error_page" style="text-align:center;padding-top:80px;">'
        "<h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p>"
        f'<p><a href="/">返回{esc(style.site_name)}首页</a></p></div>\n'
        "</body>\n</html>\n"
    )
