"""`zwgk demo`: the whole evaluation loop on the bundled sample portal, in one command.

1. generate the `small` sample portal (31 units, planted defects, manifest) and serve it on
   loopback;
2. crawl it, patrol it (日巡查) and evaluate round 2025Q2 (as of 2025-06-30); each patrol's
   digests (每日提醒) go by e-mail to the units' contacts in the registry — here a local mail
   sink the demo starts (`demo/mailsink.py`), which keeps each message as an .eml file under
   ./zwgk-demo/mail;
3. a quarter passes (`advance`, half-way): units fix some problems — 回头看 (`recheck`) marks
   them fixed in 2025Q2;
4. the rest of the quarter passes: new problems, and some fixed ones come back; crawl again
   (`--revalidate`, as before any round: pages edited in place are read as they are now),
   patrol against the first patrol (its digests mailed too) and evaluate round 2025Q3, which
   shows new, open, fixed and regressed problems;
5. write every unit's 整改清单 (XLSX/CSV/HTML) and the round report (XLSX + HTML with charts)
   for 2025Q3 under ./zwgk-demo/reports, print the ranking and the files;
6. make the web portal's demo accounts (an evaluator, a county evaluator, two unit users;
   `demo/accounts.py`) and publish 2025Q3 in it, so `zwgk portal` on the demo store shows
   evaluators both rounds and units their published result (`zwgk demo --portal` serves it).

The server runs in this process and is stopped whatever happens; crawls run in a subprocess
(a Twisted reactor runs once per process). The store is ./zwgk-demo/zwgk.sqlite. Politeness
(delays, per-host limits) is lifted because the sites are our own, on loopback.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from demo.accounts import DemoAccount
    from demo.mailsink import MailSink
    from store import Store

ROUNDS = (("2025Q2", dt.date(2025, 6, 30)), ("2025Q3", dt.date(2025, 9, 30)))
RECHECK_AFTER_DAYS = 46  # the 回头看 half-way through the quarter
# Our own sites on loopback: no delay, more in flight per host, a short timeout and one retry
# (the sample's hanging link must not hold each crawl for 3 × 30 s; its slow page answers in
# 2 s, its 503 once then OK).
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "CONCURRENT_REQUESTS": "64",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "1",
}
MAIL_FROM = "zwgk@jianghuai.example"  # the office's sender (fictional, demo/registry.py)
MARKER = ".zwgk-demo"  # a folder holding this file is ours to clear on the next run


class DemoError(RuntimeError):
    """A step of the demo failed (the message says which, with the crawl's last output)."""


@dataclass
class DemoRun:
    directory: Path
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    accounts: tuple[DemoAccount, ...] = ()
    published: str | None = None  # the round published in the portal
    mails: list[Path] = field(default_factory=list)  # the digests the mail sink received

    @property
    def database_url(self) -> str:
        return f"sqlite:///{(self.directory / 'zwgk.sqlite').resolve()}"

    @property
    def portal(self) -> Path:
        return self.directory / "portal"

    @property
    def mail(self) -> Path:
        return self.directory / "mail"


def prepare(directory: Path) -> DemoRun:
    """An empty demo folder: a previous demo's folder is cleared, anything else is refused."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise DemoError(
                f"{directory} exists and was not made by `zwgk demo`; move it away or pass "
                "--dir to use another folder"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by `zwgk demo`; cleared by the next run\n")
    return DemoRun(directory)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(portal_dir: Path) -> Iterator[None]:
    """The sample portal served from ``portal_dir`` as it is now; stopped on leaving."""
    from demo.model import load_portal
    from demo.server import PortalServer
    from demo.site import Site

    portal = load_portal(portal_dir)
    server = PortalServer(portal, Site(portal))
    server.start()
    try:
        yield
    finally:
        server.stop()


def crawl_command(run: DemoRun, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "zwgk", "crawl", "-r", str(run.portal / "units.yaml"), "-q"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    return [*command, *extra]


def crawl(run: DemoRun, *extra: str) -> None:
    env = {**os.environ, "ZWGK_DATABASE_URL": run.database_url}
    done = subprocess.run(crawl_command(run, *extra), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DemoError(f"the crawl failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


class Steps:
    """One line per step with its time; a spinner while it runs."""

    def __init__(self, console: Console, run: DemoRun) -> None:
        self.console, self.run = console, run

    @contextmanager
    def step(self, key: str, text: str) -> Iterator[None]:
        started = time.perf_counter()
        with self.console.status(text + " …"):
            yield
        took = time.perf_counter() - started
        self.run.seconds[key] = took
        self.console.print(f"[green]✓[/green] {text} ({took:.1f} s)", highlight=False)


def run_demo(directory: Path, console: Console) -> DemoRun:
    """The whole loop into ``directory``; returns what it did, timed."""
    from demo.advance import advance_directory
    from demo.generate import make_sample, write_portal
    from demo.mailsink import mail_sink
    from scoring.indicators import load_indicator_set, newest_set
    from scoring.recheck import recheck
    from scoring.round import evaluate
    from store import open_store

    run = prepare(directory)
    steps = Steps(console, run)
    indicator_set = load_indicator_set(newest_set())
    (first, first_as_of), (second, second_as_of) = ROUNDS

    with steps.step("generate", "生成示例门户 (generate the small sample portal)"):
        portal, manifest = make_sample(port=free_port(), as_of=first_as_of)
        write_portal(run.portal, portal, manifest)
    store = open_store(run.database_url, create=True)
    try:
        with mail_sink(run.mail, free_port()) as sink:
            with (
                serving(run.portal),
                steps.step("crawl1", f"采集 (crawl {len(portal.units)} units)"),
            ):
                crawl(run)
            patrol(store, run, first_as_of, indicator_set, sink, steps, console, "patrol1",
                   "warnings ahead")  # fmt: skip
            with steps.step("round1", f"测评 {first} (evaluate as of {first_as_of})"):
                evaluate(store, first, first_as_of, indicator_set)
            with steps.step(
                "advance1", f"门户前进{RECHECK_AFTER_DAYS}天 (units fix some problems)"
            ):
                advance_directory(run.portal, RECHECK_AFTER_DAYS)
            with (
                serving(run.portal),
                steps.step("recheck", f"回头看 {first} (recheck open problems)"),
            ):
                outcome = recheck(
                    store,
                    first,
                    registry=run.portal / "units.yaml",
                    as_of=first_as_of + dt.timedelta(days=RECHECK_AFTER_DAYS),
                    settings=[f"{k}={v}" for k, v in FAST.items()],
                    database_url=run.database_url,
                )
            console.print(f"  {outcome.summary()}", highlight=False)
            days = (second_as_of - first_as_of).days - RECHECK_AFTER_DAYS
            with steps.step("advance2", f"门户前进{days}天 (new problems, some come back)"):
                advance_directory(run.portal, days)
            # Before a round: every known page is asked for again with its validators (304 when
            # unchanged), so pages edited in place since they were stored are read as they are now.
            with serving(run.portal), steps.step("crawl2", "增量采集并复验 (crawl --revalidate)"):
                crawl(run, "--revalidate")
            patrol(store, run, second_as_of, indicator_set, sink, steps, console, "patrol2",
                   "against the first")  # fmt: skip
        run.mails = list(sink.saved)
        console.print(
            f"  邮件：本地邮件服务器收到{len(run.mails)}封每日提醒，保存在 {run.mail}（.eml）",
            highlight=False,
        )
        with steps.step("round2", f"测评 {second} (evaluate as of {second_as_of})"):
            result = evaluate(store, second, second_as_of, indicator_set)
        write_reports(store, run, second, steps)
        open_portal(store, run, second, steps)
    finally:
        store.close()
    from scoring.cli import print_round

    print_round(result, console, indicator_set)
    return run


def patrol(
    store: Store,
    run: DemoRun,
    as_of: dt.date,
    indicator_set: Any,
    sink: MailSink,
    steps: Steps,
    console: Console,
    key: str,
    what: str,
) -> None:
    """The night's patrol as of ``as_of``, its digests mailed to the units' registry contacts
    through the demo's mail sink (as zwgk.toml [patrol] smtp_host would send them)."""
    from patrol.cli import dispatch_digests
    from patrol.dispatch import Channels
    from patrol.run import run_patrol

    with steps.step(key, f"日巡查 (patrol as of {as_of}, {what}; digests by e-mail)"):
        patrolled = run_patrol(store, indicator_set, as_of=as_of)
        console.print(f"  {patrolled.summary()}", highlight=False)
        units = store.units_frame()
        names = dict(zip(units["id"], units["name"], strict=True))
        channels = Channels(smtp_host="127.0.0.1", smtp_port=sink.port, mail_from=MAIL_FROM)
        registry = run.portal / "units.yaml"
        dispatch_digests(store, patrolled, names, indicator_set, channels, registry, console)


# The sample city's office (fictional), as an office would write its office.yaml: the notice
# on every checklist carries its 文号, 落款 and contact (docs/checklist.md).
SAMPLE_OFFICE = """\
# 江淮市（虚构）政务公开办公室：整改通知的文号、落款和联系方式（docs/checklist.md）
sender: 江淮市人民政府办公室
notice_no: 江淮政办秘〔2025〕45号
title: 关于反馈{round}政务公开测评问题并限期整改的通知
contact: {name: 李明, phone: 0551-12345678, email: zwgk@jianghuai.example.gov.cn}
signature: [江淮市人民政府办公室, （江淮市政务公开办公室代章）]
deadline_workdays: 20
"""
# The notices are dated a week after the round's day, as an office issues them after review.
ISSUE_AFTER_DAYS = 7


def write_reports(store: Store, run: DemoRun, round_id: str, steps: Steps) -> None:
    from reports.checklist import write_checklists
    from reports.checklist.office import load_office
    from reports.round_report import write_round_report

    out = run.directory / "reports"
    office_file = run.directory / "office.yaml"
    office_file.write_text(SAMPLE_OFFICE, encoding="utf-8")
    as_of = dict(ROUNDS)[round_id]
    issued = as_of + dt.timedelta(days=ISSUE_AFTER_DAYS)
    with steps.step("checklists", f"整改清单 {round_id} (XLSX, CSV, HTML per unit)"):
        run.files += write_checklists(
            store, round_id, out / "checklists", office=load_office(office_file), issued=issued
        )
    with steps.step("report", f"测评报告 {round_id} (XLSX + HTML with charts)"):
        run.files += write_round_report(store, round_id, out / "round")


def open_portal(store: Store, run: DemoRun, round_id: str, steps: Steps) -> None:
    """The portal's demo accounts, and ``round_id`` published for the unit users."""
    from demo.accounts import create_accounts, publish_round

    with steps.step("portal", f"门户：示例账号，发布 {round_id} (accounts, publish)"):
        run.accounts = create_accounts(store)
        publish_round(store, round_id)
        run.published = round_id
