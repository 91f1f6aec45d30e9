"""Look-ups the renderers need, computed once per Site so no request scans the whole model."""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from demo import urls
from demo.model import GROUP, Column, Portal
from demo.render.common import (
    HostStyle,
    article_change,
    column_path,
    host_site_name,
    host_style,
    later,
)
from demo.render.furniture import HostFurniture, host_furniture

log = logging.getLogger(__name__)


class Catalog:
    """Precomputed per-host, per-unit and per-column facts for rendering one Portal.

    Built in one pass over the model (about a second for 200,000 articles); rebuild it (make a
    new Site) after the model changes.
    """

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.index = idx = portal.index
        self.styles: dict[str, HostStyle] = {
            h.id: host_style(h, host_site_name(portal, h)) for h in portal.hosts
        }
        self.furniture: dict[str, HostFurniture] = {
            h.id: host_furniture(portal, h, self.styles[h.id]) for h in portal.hosts
        }
        # Directory tree of visible columns: roots and children per unit, in model order.
        self.roots: dict[str, list[Column]] = {}
        self.children: dict[int, list[Column]] = {}
        for unit_id, columns in idx.columns_of.items():
            visible = {c.id for c in columns if not c.hidden}
            for c in columns:
                if c.hidden:
                    continue
                if c.parent is not None and c.parent in visible:
                    self.children.setdefault(c.parent, []).append(c)
                else:
                    self.roots.setdefault(unit_id, []).append(c)
        self.path: dict[int, str] = {c.id: column_path(portal, c) for c in portal.columns}
        # Units by the key each platform puts in its URLs.
        self.unit_by_slug = {(u.host, u.slug): u for u in portal.units}
        self.unit_by_num = {(u.host, u.num): u for u in portal.units}
        self.column_by_slug = {(c.unit_id, c.slug): c for c in portal.columns}
        # Last change per column / unit / host: Last-Modified of static TRS pages.
        self.column_changed: dict[int, dt.date | None] = {}
        for column_id, items in idx.articles_of.items():
            newest = None
            for a in items:
                newest = later(newest, article_change(a))
            self.column_changed[column_id] = newest
        self.unit_changed: dict[str, dt.date | None] = {}
        for c in portal.columns:
            if not c.hidden:
                changed = later(self.column_changed.get(c.id), c.opened)
                self.unit_changed[c.unit_id] = later(self.unit_changed.get(c.unit_id), changed)
        self.host_changed: dict[str, dt.date | None] = {}
        for u in portal.units:
            self.host_changed[u.host] = later(
                self.host_changed.get(u.host), self.unit_changed.get(u.id)
            )
        self.broken_links = self._broken_links()

    def _broken_links(self) -> set[tuple[str, str]]:
        """(host id, path[?query]) of planted broken in-body links that land on our hosts, so they
        answer 404 even if the target path happened to exist."""
        by_base = {h.base_url: h.id for h in self.portal.hosts}
        out: set[tuple[str, str]] = set()
        for a in self.portal.articles:
            for link in a.links:
                if not link.broken:
                    continue
                parts = urlsplit(urls.link_url(self.portal, a, link.target))
                host_id = by_base.get(f"{parts.scheme}://{parts.netloc}")
                if host_id is not None:
                    out.add((host_id, parts.path + (f"?{parts.query}" if parts.query else "")))
        return out

    def list_length(self, column: Column) -> int:
        return len(self.index.articles_of.get(column.id, ()))

    def is_listable(self, column: Column) -> bool:
        return not column.hidden and column.category != GROUP
