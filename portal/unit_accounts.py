"""One account per unit (单位账号), for `zwgk users import-units`: the units come from the
registry (units.yaml) or the store; each unit without a unit account gets one — login = the
unit's id, a random initial password to be changed at the first sign-in — and the initial
passwords go into an XLSX for the office to hand out.

Units that already have an account are left alone and named. The accounts and the XLSX are
made together: the file is written (whole, `reports.files.written`, readable by its owner
only) inside the transaction that creates the accounts, so a failure leaves neither — no
account whose password nobody has.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from common import cells
from portal import accounts, passwords
from portal.viewer import UNITS
from reports.files import written
from store import Store

MAX_LOGIN = 64
HEADERS = (("单位", 30), ("层级", 10), ("登录名", 16), ("初始密码", 16), ("说明", 40))
NOTE = "首次登录须修改密码；请妥善交给本单位政务公开工作人员"


@dataclass(frozen=True)
class UnitRow:
    id: str
    name: str
    level: str


@dataclass
class ImportResult:
    created: list[tuple[UnitRow, str]] = field(default_factory=list)  # (unit, login)
    existing: list[tuple[UnitRow, list[str]]] = field(default_factory=list)  # unit accounts
    skipped: list[tuple[UnitRow, str]] = field(default_factory=list)  # (unit, why, English)


def units_from_registry(path: Path) -> list[UnitRow]:
    """The registry's units in file order (validated as `zwgk crawl` would)."""
    from crawler.registry import load_registry

    return [UnitRow(u.id, u.name, u.level) for u in load_registry(path).units]


def units_from_store(store: Store) -> list[UnitRow]:
    stmt = select(UNITS.c.id, UNITS.c.name, UNITS.c.level).order_by(UNITS.c.level, UNITS.c.id)
    with store.engine.connect() as conn:
        return [UnitRow(*row) for row in conn.execute(stmt)]


def import_unit_accounts(
    store: Store,
    units: Sequence[UnitRow],
    out: Path,
    *,
    by: str,
    portal_url: str | None = None,
) -> ImportResult:
    """Create the missing unit accounts and write their initial passwords to ``out`` (which
    must not exist: an earlier list of passwords is never overwritten). No file when there is
    nothing to create."""
    if out.exists():
        raise FileExistsError(f"{out} exists; name another file with --out")
    result = ImportResult()
    with store.engine.connect() as conn:
        owners = conn.execute(
            select(accounts.USERS.c.unit_id, accounts.USERS.c.login).where(
                accounts.USERS.c.role == "unit"
            )
        ).all()
        taken = set(conn.scalars(select(accounts.USERS.c.login)))
    by_unit: dict[str, list[str]] = {}
    for unit_id, login in owners:
        by_unit.setdefault(unit_id, []).append(login)
    planned: list[tuple[UnitRow, str]] = []
    for unit in units:
        if unit.id in by_unit:
            result.existing.append((unit, sorted(by_unit[unit.id])))
        elif len(unit.id) > MAX_LOGIN or not accounts.LOGIN.fullmatch(unit.id):
            result.skipped.append((unit, "its id cannot be a login; add the account by hand"))
        elif unit.id in taken:
            result.skipped.append((unit, f"the login {unit.id} belongs to another account"))
        else:
            planned.append((unit, passwords.random_password()))
            taken.add(unit.id)
    if not planned:
        return result
    rows = [
        accounts.new_user_row(unit.id, unit.name, "unit", unit.id, password)
        for unit, password in planned
    ]
    with store.engine.begin() as conn:
        for row in rows:
            accounts.insert_user(conn, row, by=by, unit_must_exist=False)
        _write_sheet(out, planned, portal_url)  # before the commit: both or neither
    result.created = [(unit, unit.id) for unit, _ in planned]
    return result


def _write_sheet(out: Path, planned: list[tuple[UnitRow, str]], portal_url: str | None) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "单位账号"
    first = 1
    if portal_url:
        cells.put(sheet, 1, 1, f"门户地址：{portal_url}")
        first = 3
    for column, (title, width) in enumerate(HEADERS, 1):
        cells.put(sheet, first, column, title)
        sheet.column_dimensions[chr(64 + column)].width = width
    for number, (unit, password) in enumerate(planned, first + 1):
        for column, value in enumerate((unit.name, unit.level, unit.id, password, NOTE), 1):
            cells.put(sheet, number, column, value)
    sheet.freeze_panes = sheet.cell(row=first + 1, column=1)
    with written(out) as tmp:
        # initial passwords: the office's eyes only, from the first byte written
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        book.save(tmp)
