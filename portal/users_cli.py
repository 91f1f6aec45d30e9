"""`zwgk users add|list|disable|enable|reset-password|import-units` — portal accounts from the
terminal, for the first administrator and for the office's bulk work. `portal.accounts` and
`portal.unit_accounts` do the work (and audit it, as ``cli:<system user>``); this module prints.
A password is printed once and never stored in clear. Errors exit with status 2."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from scoring.cli import DB_OPTION
from store.text import shown

app = typer.Typer(
    help="Portal accounts: administrators, evaluators, unit users (门户账号).",
    no_args_is_help=True,
)
ROLE_HELP = "admin | evaluator | unit"


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(shown(f"error: {message}", style="red"))
    return typer.Exit(2)


def _store(database_url: str | None):  # -> Store
    from store import open_store

    return open_store(database_url)


@app.command("add")
def add_command(
    login: str = typer.Argument(..., help="Login (letters, digits, _ . @ -)."),
    name: str = typer.Option(..., "--name", help="Name shown on pages: a person or a unit."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    unit: str | None = typer.Option(
        None, "--unit", help="unit: the user's unit id; evaluator: the subtree's root (none: all)."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Create an account with a random initial password (printed once; changed at first sign-in)."""
    from portal.accounts import AccountError, create_user

    with _store(database_url) as store:
        try:
            row, password = create_user(store, login, name, role, unit, by=_actor())
        except AccountError as refused:
            raise _fail(str(refused)) from None
    typer.echo(f"created {row['login']} ({row['role']}); initial password: {password}")
    typer.echo("it is shown only now; the user must change it at the first sign-in")


@app.command("list")
def list_command(
    role: str | None = typer.Option(None, "--role", help=ROLE_HELP),
    as_json: bool = typer.Option(False, "--json", help="JSON lines, for scripts."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Every account: login, name, role, unit, state (times: Beijing)."""
    from portal.accounts import list_users
    from store.types import beijing_time

    with _store(database_url) as store:
        users = list_users(store, role=role)
    if as_json:
        for user in users:
            record = user.as_dict()
            for key in ("created_at", "password_changed_at"):
                record[key] = record[key].isoformat() if record[key] else None
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table(title=f"{len(users)} accounts (times: Beijing)")
    for column in ("login", "name", "role", "unit", "state", "created", "password set"):
        table.add_column(column)
    for user in users:
        state = "active"
        if user.disabled:
            state = "disabled"
        elif user.must_change_password:
            state = "must change password"
        table.add_row(
            shown(user.login),
            shown(user.name),
            shown(user.role),
            shown(user.unit_id or ""),
            shown(state),
            shown(beijing_time(user.created_at)),
            shown(beijing_time(user.password_changed_at)),
        )
    Console(width=None if Console().is_terminal else 10_000).print(table)


def _set_disabled(login: str, disabled: bool, database_url: str | None) -> None:
    from portal.accounts import AccountError, set_disabled

    with _store(database_url) as store:
        try:
            changed = set_disabled(store, login, disabled, by=_actor())
        except AccountError as refused:
            raise _fail(str(refused)) from None
    word = "disabled" if disabled else "enabled"
    typer.echo(f"{login}: {word}" if changed else f"{login}: already {word}, nothing changed")


@app.command("disable")
def disable_command(login: str = typer.Argument(...), database_url: str | None = DB_OPTION) -> None:
    """Disable an account: its sessions end at once, its API tokens stop working."""
    _set_disabled(login, True, database_url)


@app.command("enable")
def enable_command(login: str = typer.Argument(...), database_url: str | None = DB_OPTION) -> None:
    """Enable a disabled account again."""
    _set_disabled(login, False, database_url)


@app.command("reset-password")
def reset_command(login: str = typer.Argument(...), database_url: str | None = DB_OPTION) -> None:
    """Give an account a new random password (printed once; changed at the next sign-in)."""
    from portal.accounts import AccountError, reset_password

    with _store(database_url) as store:
        try:
            password = reset_password(store, login, by=_actor())
        except AccountError as refused:
            raise _fail(str(refused)) from None
    typer.echo(f"{login}: new password {password} (shown only now; every session has ended)")


@app.command("import-units")
def import_units_command(
    out: Path = typer.Option(..., "--out", "-o", help="The XLSX of initial passwords to write."),
    registry: Path | None = typer.Option(
        None,
        "--registry",
        "-r",
        help="Unit registry (units.yaml); default: zwgk.toml's crawl.registry, else ./units.yaml.",
    ),
    from_store: bool = typer.Option(
        False, "--from-store", help="The units the store knows instead of a registry."
    ),
    portal_url: str | None = typer.Option(
        None, "--url", help="The portal's address, printed at the top of the sheet."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """One account per unit (login = unit id) with a random initial password, written to an
    XLSX for the office to hand out; units that have an account already are left alone."""
    from common.config_file import configured_value
    from portal.unit_accounts import import_unit_accounts, units_from_registry, units_from_store

    with _store(database_url) as store:
        if from_store:
            units = units_from_store(store)
            where = store.url
        else:
            path = registry or configured_value("crawl.registry", Path("units.yaml"))
            from crawler.registry import RegistryError

            try:
                units = units_from_registry(path)
            except (RegistryError, OSError) as exc:  # RegistryError: every FILE:LINE problem
                raise _fail(str(exc)) from None
            where = str(path)
        if not units:
            raise _fail(f"{where}: no units")
        try:
            result = import_unit_accounts(store, units, out, by=_actor(), portal_url=portal_url)
        except FileExistsError as exc:
            raise _fail(str(exc)) from None
    console = Console(soft_wrap=True)
    for unit, logins in result.existing:
        console.print(shown(f"kept: {unit.id} {unit.name} already has {', '.join(logins)}"))
    for unit, why in result.skipped:
        console.print(shown(f"skipped: {unit.id} {unit.name}: {why}", style="yellow"))
    if result.created:
        console.print(
            shown(f"created {len(result.created)} unit accounts; initial passwords in {out}")
        )
    else:
        console.print(shown("no account created: every unit has one; no file written"))
