"""The portal in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright's Python package — no browser download) against `zwgk portal`'s app served by
uvicorn in a thread, over the portal's test world (tests/portal_fixtures.py; publishing
re-scores through its planted findings, tests/portal_eval_fixtures.py).

An evaluator signs in, filters the problem list, dismisses a problem with a reason and
publishes the round; a unit user signs in, sees the re-scored result, downloads the checklist,
uploads it filled and answers one item online; the evaluator accepts one answer and sends the
other back with a comment; the unit sees both. On every page: a crawled `<script>` title is
text (no dialog ever opens) and the CSP leaves nothing in the console (no inline script or
style refused). Screenshots of the main pages at 1366×768, the common office screen, go to
tests/artifacts/portal/ (CI artefacts, ignored by git).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
import uvicorn
from portal_eval_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_fixtures import SCRIPT_TITLE, article_url, column_url
from portal_fixtures import portal_store_fixture as portal_store_fixture  # noqa: F401
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401

from reports.checklist.layout import FIRST_ROW, col
from scoring.scorer import fingerprint
from store import rounds as round_store

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (.ci/run installs Debian's chromium)"
)

ARTIFACTS = Path(__file__).parent / "artifacts" / "portal"
VIEWPORT = {"width": 1366, "height": 768}
ROUND = "2025Q2"
FRESH = fingerprint("dept1", "fresh", column_url("dept1", 1))  # answered by upload
SCRIPTED = fingerprint("dept1", "undated", article_url("dept1", 1))  # answered online
DISMISSED = fingerprint("dept1", "undated", article_url("dept1", 2))
PLAN_TITLE = "关于印发2025年工作要点的通知"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def served(publishable) -> Iterator[tuple[str, object]]:  # noqa: F811
    """The portal over the publishable world, on a free loopback port, until the test ends."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(publishable.app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", publishable
    server.should_exit = True
    thread.join(timeout=20)


@dataclass
class Person:
    """One person's browser tab, with what it saw: dialogs, console errors, page errors."""

    page: object
    base: str
    artifacts: Path
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    def shot(self, name: str, at: str | None = None) -> None:
        """The viewport (1366×768) as a PNG; ``at``: scrolled to that element first."""
        if at:
            self.page.locator(at).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"))

    def sign_in(self, login: str, password: str) -> None:
        self.go("/login")
        self.page.fill("#login", login)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]:has-text('登录')")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.inner_text("main")

    def text(self) -> str:
        return self.page.inner_text("main")


def person(browser, base: str, artifacts: Path) -> Person:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    who = Person(page, base, artifacts)
    page.on("dialog", lambda dialog: (who.dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda m: (
            who.console.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: who.console.append(str(error)))
    return who


def shows_script_title_as_text(who: Person) -> None:
    """The crawled title is on the page as its literal characters, and made no element."""
    assert who.page.get_by_text(SCRIPT_TITLE, exact=False).count() >= 1
    assert who.page.evaluate("document.querySelectorAll('main script').length") == 0


def fill_checklist(path: Path, answers: dict[str, tuple[str, str]]) -> None:
    """整改情况 and 整改说明 typed into the rows of the given fingerprints, as a unit does."""
    book = openpyxl.load_workbook(path)
    sheet = book["整改清单"]
    filled = set()
    for row in range(FIRST_ROW, sheet.max_row + 1):
        fp = sheet.cell(row, col("fingerprint")).value
        if fp in answers:
            sheet.cell(row, col("answer")).value, sheet.cell(row, col("note")).value = answers[fp]
            filled.add(fp)
    assert filled == set(answers), "a row to fill is not in the checklist"
    book.save(path)


def total_of(store, unit: str) -> float:
    totals = round_store.round_totals_frame(store, ROUND).set_index("unit_id")
    return float(totals.loc[unit, "total"])


@pytest.mark.slow  # ≈ 25 s on our 2-core machines
def test_a_round_from_review_to_the_units_answers_in_the_browser(
    browser, served, artifacts, tmp_path
):
    base, world = served
    before = total_of(world.store, "dept1")

    # -- the evaluator reviews: filter, dismiss one problem with a reason, publish -----------
    evaluator = person(browser, base, artifacts)
    evaluator.sign_in("eval", world.passwords["eval"])
    assert evaluator.page.url.endswith("/rounds")
    evaluator.shot("01-evaluator-rounds")
    evaluator.go(f"/rounds/{ROUND}")
    evaluator.shot("02-round-overview")
    evaluator.go(f"/rounds/{ROUND}/problems")
    evaluator.page.select_option("select[name=unit]", "dept1")
    evaluator.page.check("input[name=status][value=open]")
    evaluator.page.click("button:has-text('筛选')")
    evaluator.page.wait_for_load_state()
    assert "unit=dept1" in evaluator.page.url and "status=open" in evaluator.page.url
    rows = evaluator.page.locator("table.problems tbody tr")
    assert rows.count() == 3 and "共 3 个问题" in evaluator.text()
    shows_script_title_as_text(evaluator)
    evaluator.shot("03-problem-list-filtered")

    evaluator.page.click(f"a[href^='/rounds/{ROUND}/problems/{DISMISSED}']")
    evaluator.page.wait_for_load_state()
    assert PLAN_TITLE in evaluator.page.inner_text("h1")
    evaluator.page.check("input[name=decision][value=dismissed]")
    evaluator.page.fill("#reason", "正文落款处已标注发布日期")
    evaluator.page.click("button:has-text('保存决定')")
    evaluator.page.wait_for_load_state()
    assert "已驳回" in evaluator.text() and "正文落款处已标注发布日期" in evaluator.text()
    evaluator.shot("04-problem-dismissed")
    evaluator.go(f"/rounds/{ROUND}/problems/{SCRIPTED}")
    shows_script_title_as_text(evaluator)
    evaluator.shot("05-problem-evidence")

    evaluator.go(f"/rounds/{ROUND}/publish")
    evaluator.shot("06-publish")
    evaluator.page.click("button:has-text('确认发布')")
    evaluator.page.wait_for_load_state()
    assert evaluator.page.url.endswith(f"/rounds/{ROUND}?done=published"), evaluator.text()
    assert "已发布" in evaluator.text()
    after = total_of(world.store, "dept1")
    assert after > before  # publishing re-scored with the dismissal

    # -- the unit: its published score, the checklist down and back up, one answer online ---
    unit = person(browser, base, artifacts)
    unit.sign_in("u_dept1", world.passwords["u_dept1"])
    assert unit.page.url.endswith("/my")
    shown_total = f"{after:g}" if after != int(after) else str(int(after))
    assert shown_total in unit.page.inner_text("table")
    unit.shot("07-unit-rounds")
    unit.page.click(f"a[href='/my/{ROUND}'] >> nth=0")
    unit.page.wait_for_load_state()
    assert PLAN_TITLE not in unit.text()  # dismissed: not the unit's problem any more
    shows_script_title_as_text(unit)
    unit.shot("08-unit-round")
    with unit.page.expect_download() as download_info:
        unit.page.click(f"a[href='/my/{ROUND}/checklist.xlsx']")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = tmp_path / download.suggested_filename
    download.save_as(sheet)
    fill_checklist(sheet, {FRESH: ("已整改", "已于本月发布工作动态3条")})
    unit.page.set_input_files("input[name=file]", str(sheet))
    unit.page.click("form[action$='/upload'] button[type=submit]")
    unit.page.wait_for_load_state()
    assert "已导入上传的整改清单" in unit.text(), unit.text()
    online = unit.page.locator(f"#p-{SCRIPTED} form.answer-form")
    online.locator("select[name=status]").select_option("in_progress")
    online.locator("textarea[name=note]").fill("已联系网站运维补录发布日期")
    online.locator("button[type=submit]").click()
    unit.page.wait_for_load_state()
    assert "的整改答复" in unit.text() and "已联系网站运维补录发布日期" in unit.text()
    unit.shot("09-unit-answered", at=f"#p-{SCRIPTED}")

    # -- the evaluator reviews the two answers: one accepted, one sent back ------------------
    evaluator.go(f"/rounds/{ROUND}/units/dept1")
    for fp, verdict, comment in (
        (FRESH, "accepted", ""),
        (SCRIPTED, "sent_back", "请补充发布日期后的页面截图"),
    ):
        row = evaluator.page.locator(
            "tr", has=evaluator.page.locator(f"a[href='/rounds/{ROUND}/problems/{fp}']")
        )
        row.locator(f"input[name=verdict][value={verdict}]").check()
        if comment:
            row.locator("textarea[name=comment]").fill(comment)
        row.locator("button[type=submit]").click()
        evaluator.page.wait_for_load_state()
        assert "/units/dept1" in evaluator.page.url, evaluator.text()
    text = evaluator.text()
    assert "请补充发布日期后的页面截图" in text
    shows_script_title_as_text(evaluator)
    evaluator.shot("10-unit-reviewed", at="table.data")

    # -- the unit sees both verdicts, and why the one was sent back --------------------------
    unit.go(f"/my/{ROUND}")
    accepted = unit.page.inner_text(f"#p-{FRESH}")
    sent_back = unit.page.inner_text(f"#p-{SCRIPTED}")
    assert "已通过" in accepted
    assert "退回" in sent_back and "请补充发布日期后的页面截图" in sent_back
    unit.shot("11-unit-sees-review", at=f"#p-{FRESH}")

    for who in (evaluator, unit):
        assert who.dialogs == []  # the `<script>` title never ran
        assert who.console == []  # no CSP refusal, no script error


def test_a_script_title_is_text_and_the_csp_quiet_on_the_main_pages(browser, served, artifacts):
    base, world = served
    evaluator = person(browser, base, artifacts)
    evaluator.sign_in("eval", world.passwords["eval"])
    for path in ("/rounds", f"/rounds/{ROUND}"):  # pages without problem titles
        evaluator.go(path)
    for path in (  # pages that show the title
        f"/rounds/{ROUND}/problems",
        f"/rounds/{ROUND}/problems?q={quote('<script>')}",
        f"/rounds/{ROUND}/problems/{SCRIPTED}",
        f"/rounds/{ROUND}/units/dept1",
    ):
        evaluator.go(path)
        shows_script_title_as_text(evaluator)
    admin = person(browser, base, artifacts)
    admin.sign_in("admin", world.passwords["admin"])
    for path in ("/admin/users", "/admin/audit", "/tokens"):
        admin.go(path)
    admin.shot("12-admin-users")
    for who in (evaluator, admin):
        assert who.dialogs == []
        assert who.console == []
