"""A stored page drawn as a picture (网页快照) in headless Chromium, with nothing live fetched and
nothing of the page run — the drawing half of `portal.snapshot`.

A crawled page is untrusted, so the browser gets it fenced in:

- the page is served to Chromium from the stored bytes by a route that answers the first
  navigation only; every other request — images, scripts, stylesheets, frames, a refresh — is
  aborted (`page.route("**/*")`), and behind that the browser is started with a proxy that does
  not exist for every address, loopback included, and a resolver that finds no host, so a
  request the route did not see still goes nowhere;
- JavaScript is off for the page (the highlight is added by Playwright's own evaluation, which
  the page's scripts do not share); no service workers, no downloads;
- everything is bounded: the page's size (`MAX_HTML_BYTES`), the elements looked at for the
  highlight, the picture (the viewport only, `VIEWPORT`), and the whole drawing — Chromium runs
  in a child process of its own (`python -m portal.snapshot_render`) that is killed with its
  browser after `TIMEOUT` seconds, so a page that hangs the browser cannot hang the portal;
  one drawing at a time per portal process (`_ONE_AT_A_TIME`).

The element the problem names is highlighted — a yellow background and a red outline, the
link whose address the evidence names first, else the smallest visible element holding the
first text of the evidence (title, 文号, a date as printed) — and scrolled to the middle of the
picture; a strip across the top says what the picture is (the caption lines given) and what
was marked, or that nothing the evidence names was found on the page.

Playwright's Python package drives Debian's Chromium (`portal.chromium`, default
/usr/bin/chromium); without either, `SnapshotError` says so and the rest of the portal works.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.extract.encoding import decode_html

MAX_HTML_BYTES = 5 * 1024 * 1024  # a stored page is ~40 KB; 20 MiB ones are not drawn
VIEWPORT = {"width": 1280, "height": 1000}  # the picture, at most 1280×1600
TIMEOUT = 30.0  # seconds for one drawing, browser start included
LOCK_WAIT = 45.0  # seconds a request waits for the drawing before it
MAX_ELEMENTS = 20_000  # elements looked at for a text split across elements
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
HIGHLIGHT_BACKGROUND = (255, 235, 59)  # #ffeb3b: what tests look for in the picture
_ONE_AT_A_TIME = threading.Lock()
# Behind the route: a proxy that is not there for every address (loopback too), no DNS.
BROWSER_ARGS = (
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking",
    "--no-pings",
    "--disable-component-update",
    "--disable-domain-reliability",
)


class SnapshotError(Exception):
    """A picture that could not be drawn; ``str()`` says why in Chinese, naming the page."""


@dataclass(frozen=True)
class Target:
    """What to highlight: addresses of links (first found wins), else texts (longest first)."""

    links: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drawn:
    png: bytes
    highlighted: str | None  # what was marked (a link's address or a text); None: nothing


_FIND_JS = """
([links, texts, maxElements]) => {
  const shown = (e) => e.getClientRects().length > 0;
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "TITLE", "HEAD"]);
  let target = null, what = null;
  for (const a of document.querySelectorAll("a[href]")) {
    if (links.includes(a.href) && shown(a)) { target = a; what = a.href; break; }
  }
  const body = document.body;
  for (const text of (target || !body) ? [] : texts) {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent && !skip.has(parent.tagName) && node.data.includes(text) && shown(parent)) {
        target = parent; what = text; break;
      }
    }
    if (target) break;
    let best = null;  // split across elements: the smallest element holding it
    const every = body.getElementsByTagName("*");
    for (let i = 0; i < every.length && i < maxElements; i++) {
      const e = every[i];
      if (skip.has(e.tagName) || !shown(e)) continue;
      const t = e.textContent;
      if (t.includes(text) && (best === null || t.length < best.textContent.length)) best = e;
    }
    if (best) { target = best; what = text; break; }
  }
  window.zwgkTarget = target;  // the page's own scripts are off: nothing else sees it
  return what;
}
"""

_MARK_JS = """
(colour) => {
  const target = window.zwgkTarget, s = target.style;
  s.setProperty("background-color", colour, "important");
  s.setProperty("outline", "4px solid #e00000", "important");
  s.setProperty("outline-offset", "2px", "important");
  target.scrollIntoView({block: "center", inline: "nearest"});
  return getComputedStyle(target).backgroundColor;
}
"""

_CAPTION_JS = """
(lines) => {
  const strip = document.createElement("zwgk-caption");
  const set = (e, k, v) => e.style.setProperty(k, v, "important");
  for (const [k, v] of [["position", "fixed"], ["top", "0"], ["left", "0"], ["right", "0"],
      ["z-index", "2147483647"], ["display", "block"], ["background", "#1f2d3d"],
      ["color", "#ffffff"], ["padding", "6px 12px"], ["margin", "0"],
      ["font", "14px/1.5 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"],
      ["text-align", "left"], ["white-space", "pre-wrap"], ["word-break", "break-all"],
      ["border-bottom", "3px solid #e00000"]]) set(strip, k, v);
  strip.textContent = lines.join("\\n");
  document.documentElement.appendChild(strip);
  // The page starts below the strip, so nothing at its top is hidden under it.
  set(document.documentElement, "padding-top", strip.getBoundingClientRect().height + "px");
}
"""


def draw(
    html: bytes,
    url: str,
    target: Target,
    caption: Sequence[str],
    *,
    chromium: Path = DEFAULT_CHROMIUM,
    timeout: float = TIMEOUT,
) -> Drawn:
    """The stored page ``html`` (fetched from ``url``) drawn with ``target`` highlighted and
    ``caption`` across the top. One at a time per process; `SnapshotError` when it cannot be."""
    if len(html) > MAX_HTML_BYTES:
        raise SnapshotError(
            f"保存的页面过大（{len(html) // 1024} KB，上限 {MAX_HTML_BYTES // 1024 // 1024} MB），"
            f"不生成快照：{url}"
        )
    if not chromium.is_file():
        raise SnapshotError(f"服务器上没有 Chromium 浏览器（{chromium}），无法生成网页快照")
    if not _ONE_AT_A_TIME.acquire(timeout=LOCK_WAIT):
        raise SnapshotError(f"服务器正忙于生成其他网页快照，请稍后刷新重试：{url}")
    try:
        return _in_child(html, url, target, caption, chromium, timeout)
    finally:
        _ONE_AT_A_TIME.release()


def _in_child(
    html: bytes, url: str, target: Target, caption: Sequence[str], chromium: Path, timeout: float
) -> Drawn:
    """Run `_draw_here` in ``python -m portal.snapshot_render``, killed (with its browser: a
    process group of its own) when ``timeout`` passes."""
    with tempfile.TemporaryDirectory(prefix="zwgk-snapshot-") as folder:
        page, picture = Path(folder) / "page.html", Path(folder) / "page.png"
        page.write_bytes(html)
        job = {
            "page": str(page),
            "png": str(picture),
            "url": url,
            "links": list(target.links),
            "texts": list(target.texts),
            "caption": list(caption),
            "chromium": str(chromium),
            "timeout_ms": int(timeout * 1000),
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "portal.snapshot_render"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = child.communicate(json.dumps(job).encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            raise SnapshotError(f"生成网页快照超时（{timeout:g} 秒）：{url}") from None
        finally:
            if child.poll() is None:  # pragma: no cover - a failure above
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if child.returncode != 0 or not picture.is_file():
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["未知原因"]
            raise SnapshotError(f"生成网页快照失败（{reason[0][:300]}）：{url}")
        done = json.loads(out or b"{}")
        return Drawn(picture.read_bytes(), done.get("highlighted"))


def _draw_here(job: dict[str, Any]) -> str | None:
    """Draw the page as ``job`` says, the PNG to ``job["png"]``; what was highlighted."""
    from playwright.sync_api import sync_playwright

    text, _ = decode_html(Path(job["page"]).read_bytes())
    body = text.encode("utf-8")
    timeout_ms = job["timeout_ms"]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=job["chromium"],
            headless=True,
            args=list(BROWSER_ARGS),
            timeout=timeout_ms,
        )
        try:
            context = browser.new_context(
                java_script_enabled=False,
                viewport=VIEWPORT,
                device_scale_factor=1,
                service_workers="block",
                accept_downloads=False,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
            )
            context.set_default_timeout(timeout_ms)
            page = context.new_page()
            served = []

            def answer(route: Any) -> None:
                request = route.request
                if (
                    not served
                    and request.is_navigation_request()
                    and request.frame == page.main_frame
                ):
                    served.append(request.url)
                    route.fulfill(
                        status=200,
                        headers={"content-type": "text/html; charset=utf-8"},
                        body=body,
                    )
                else:
                    route.abort("blockedbyclient")

            context.route("**/*", answer)
            page.goto(job["url"], wait_until="load")
            # What to mark is found before the strip exists (its text is not the page's) and
            # marked after, so that it scrolls into view below the strip.
            found = page.evaluate(_FIND_JS, [job["links"], job["texts"], MAX_ELEMENTS])
            said = f"黄底红框标出：{found}" if found else "未在页面上找到证据所指的内容，未标出"
            page.evaluate(_CAPTION_JS, [*job["caption"], said[:200]])
            if found:
                colour = "rgb({}, {}, {})".format(*HIGHLIGHT_BACKGROUND)
                if page.evaluate(_MARK_JS, colour) != colour:
                    found = None  # pragma: no cover - the page's CSS won; not said as marked
            page.screenshot(path=job["png"], type="png", full_page=False, animations="disabled")
        finally:
            browser.close()
    return found if isinstance(found, str) else None


def main() -> None:
    """The child process: a job as JSON on stdin, what was highlighted as JSON on stdout."""
    job = json.loads(sys.stdin.buffer.read())
    highlighted = _draw_here(job)
    sys.stdout.write(json.dumps({"highlighted": highlighted}))


if __name__ == "__main__":
    main()
