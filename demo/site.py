"""Request dispatch for the sample portal: (host, path, query) → a rendered Page.

The HTTP server (demo.server) owns sockets, hazards and headers; this module only answers "what
does this URL return", from the model, fast: look-ups are precomputed once in `Site.__init__`
(demo.render.catalog) so no request scans the model's articles.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from demo.model import Article, Attachment, Portal
from demo.render import chrome, hanweb
from demo.render.catalog import Catalog
from demo.render.common import Page, article_change
from demo.render.files import CONTENT_TYPES, attachment_bytes
from demo.render.govcn import GovcnRenderer
from demo.render.hanweb import HanwebRenderer
from demo.render.lonsun import LonsunRenderer
from demo.render.trs import TrsRenderer

__all__ = ["Page", "Site"]

log = logging.getLogger(__name__)

ROBOTS_TXT = b"User-agent: *\nDisallow: /admin/\n"
_FILE_CACHE_SIZE = 512


class Site:
    """Every host of one Portal. Build a new Site after the model changes (e.g. `advance`)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.catalog = Catalog(portal)
        self.renderers: dict[
            str, LonsunRenderer | TrsRenderer | HanwebRenderer | GovcnRenderer
        ] = {}
        for host in portal.hosts:
            if host.platform == "lonsun":
                self.renderers[host.id] = LonsunRenderer(self.catalog, host)
            elif host.platform == "trs":
                self.renderers[host.id] = TrsRenderer(self.catalog, host)
            elif host.platform == "hanweb":
                self.renderers[host.id] = HanwebRenderer(self.catalog, host)
            elif host.platform == "govcn":
                self.renderers[host.id] = GovcnRenderer(self.catalog, host)
            else:
                raise ValueError(f"host {host.id}: unknown platform {host.platform!r}")
        self._files: OrderedDict[int, bytes] = OrderedDict()

    def respond(self, host_id: str, path: str, query: str) -> Page:
        """The page at `path` (without query) with raw query string `query` on host `host_id`."""
        renderer = self.renderers.get(host_id)
        if renderer is None:
            raise KeyError(f"no host {host_id!r} in this portal")
        if path == "/robots.txt":
            return Page(200, ROBOTS_TXT, "text/plain; charset=utf-8")
        asset = chrome.ASSETS.get(path) or hanweb.ASSETS.get(path)
        if asset is not None:
            return Page(200, asset[1], asset[0])
        if self.catalog.broken_links and (
            (host_id, path + (f"?{query}" if query else "")) in self.catalog.broken_links
        ):
            return self.not_found(host_id)
        if path.startswith(("/group1/", "/attach/")) or "/P0" in path or "/files/" in path:
            hit = renderer.attachment_target(path)
            if hit is not None:
                return self._attachment(host_id, *hit)
        page = renderer.route(path, query)
        return page if page is not None else self.not_found(host_id)

    def not_found(self, host_id: str) -> Page:
        style = self.catalog.styles[host_id]
        return style.page(chrome.not_found(style), status=404)

    def _attachment(self, host_id: str, article: Article, attachment: Attachment) -> Page:
        ctype = CONTENT_TYPES.get(attachment.ext)
        if attachment.broken or ctype is None:
            return self.not_found(host_id)
        body = self._files.get(attachment.file_id)
        if body is None:
            body = attachment_bytes(self.portal, article, attachment)
            self._files[attachment.file_id] = body
            if len(self._files) > _FILE_CACHE_SIZE:
                self._files.popitem(last=False)
        else:
            self._files.move_to_end(attachment.file_id)
        return Page(200, body, ctype, article_change(article))


def article_pages(portal: Portal, count: int) -> list[bytes]:
    """The bytes of `count` article pages spread over the portal (both platforms, as served):
    pages of real weight for benchmarks that store or parse pages."""
    from demo import urls

    site = Site(portal)
    step = max(1, len(portal.articles) // count)
    out = []
    for article in portal.articles[::step][:count]:
        host = portal.index.unit[article.unit_id].host
        path = "/" + urls.article_url(portal, article).split("/", 3)[3]
        out.append(site.respond(host, path, "").body)
    return out
