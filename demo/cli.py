"""`zwgk demo …` — the bundled sample portal: the whole loop (`zwgk demo`), or generate, serve,
advance one by one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from store.text import shown

if TYPE_CHECKING:
    from rich.console import Console

    from demo.loop import DemoRun
    from demo.model import Portal

app = typer.Typer(
    help="The bundled sample portal (a generated city of government sites).",
    invoke_without_command=True,
)

DEMO_DIR = Path("zwgk-demo")


@app.callback()
def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(
        DEMO_DIR, "--dir", help="Folder for the portal, the store and the reports."
    ),
    portal: bool = typer.Option(
        False,
        "--portal",
        help="After the loop, serve the web portal (门户) on the demo store until Ctrl-C.",
    ),
    port: int = typer.Option(8000, "--port", help="The web portal's port (with --portal)."),
) -> None:
    """Without a sub-command: the whole loop on the small sample portal — generate, serve,
    crawl, evaluate 2025Q2, 回头看, advance, crawl, evaluate 2025Q3, write every report, make
    the web portal's demo accounts and publish 2025Q3 there."""
    if ctx.invoked_subcommand is not None:
        return
    import time

    from rich.console import Console

    from demo.loop import DemoError, run_demo

    console = Console()
    started = time.perf_counter()
    try:
        run = run_demo(directory, console)
    except DemoError as exc:
        console.print(shown(exc, style="red"))
        raise typer.Exit(1) from exc
    _print_files(console, run.files, directory)
    store_url = f"sqlite:///{directory / 'zwgk.sqlite'}"
    console.print(
        shown(
            f"done in {time.perf_counter() - started:.0f} s; store {directory / 'zwgk.sqlite'} "
            f"(try: zwgk problems --round 2025Q3 --db {store_url}); "
            f"the sample portal's answer key: {directory / 'portal' / 'manifest.json'}"
        )
    )
    _print_accounts(console, run, store_url, port)
    if portal:
        _serve_portal(run.database_url, port)


def _print_accounts(console: Console, run: DemoRun, store_url: str, port: int) -> None:
    """The demo's portal accounts with their passwords, and how to open the portal."""
    from rich.table import Table

    table = Table(title=f"门户示例账号 (web portal demo accounts; {run.published} published)")
    for heading in ("login", "password", "role", "who"):
        table.add_column(heading, no_wrap=True)
    for account in run.accounts:
        table.add_row(account.login, account.password, account.role_zh, account.what)
    console.print(table)
    console.print(
        shown(
            f"the web portal on the demo store: zwgk portal --db {store_url} --port {port}, "
            f"then open http://127.0.0.1:{port}/ (`zwgk demo --portal` serves it after the loop)"
        )
    )


def _serve_portal(database_url: str, port: int) -> None:
    """`zwgk portal` on the demo store until Ctrl-C (uvicorn stops cleanly on SIGINT/SIGTERM)."""
    from portal.cli import portal_command

    portal_command(
        host="127.0.0.1",
        port=port,
        https=False,
        forwarded_allow_ips="127.0.0.1",
        workers=1,
        database_url=database_url,
    )


def _print_files(console: Console, files: list[Path], directory: Path) -> None:
    """The round report's files one by one; the checklists by folder, with one unit's set."""
    from collections import defaultdict

    by_folder: dict[Path, list[Path]] = defaultdict(list)
    for path in files:
        by_folder[path.parent].append(path)
    console.print("[bold]files[/bold]")
    for folder, paths in by_folder.items():
        if len(paths) <= 4:
            for path in paths:
                console.print(shown(f"  {path}"))
            continue
        suffixes = sorted({p.suffix for p in paths})
        console.print(shown(f"  {folder}/  {len(paths)} files ({', '.join(suffixes)}), e.g."))
        stem = paths[0].stem
        for path in paths:
            if path.stem == stem:
                console.print(shown(f"    {path.name}"))


def _parse_rates(values: list[str]) -> dict[str, float]:
    rates = {}
    for value in values:
        name, sep, number = value.partition("=")
        try:
            rates[name.strip()] = float(number)
        except ValueError:
            raise typer.BadParameter(
                f"{value!r}: expected KIND=RATE, e.g. broken_link=0.1"
            ) from None
        if not sep:
            raise typer.BadParameter(f"{value!r}: expected KIND=RATE, e.g. broken_link=0.1")
    return rates


@app.command()
def generate(
    out_dir: Path = typer.Argument(
        ..., help="Folder to write model.json.gz, units.yaml, manifest.json."
    ),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
    scale: str = typer.Option("small", "--scale", help="small (≈30 units) or city (≈500 units)."),
    as_of: str = typer.Option("2025-06-30", "--as-of", help="The portal's 'today' (YYYY-MM-DD)."),
    port: int = typer.Option(
        18600, "--port", help="Port every site listens on (one 127.0.0.x address per site)."
    ),
    rate: list[str] = typer.Option(
        [], "--rate", help="Defect rate per unit, KIND=RATE (repeatable)."
    ),
    faults: bool = typer.Option(
        False,
        "--faults",
        help="Plant the fault matrix too (5xx bursts, 429, resets, truncated bodies, redirect "
        "loops, pageCount 99999, gzip bomb, endless and trickling bodies, unknown host, a host "
        "down on nights 2–3); see demo/hazards.py.",
    ),
) -> None:
    """Generate the sample portal: a city of government disclosure sites with planted defects."""
    import datetime as dt

    from rich.console import Console

    from demo.defects import KINDS
    from demo.generate import SCALES, make_sample, write_portal

    console = Console()
    if scale not in SCALES:
        raise typer.BadParameter(
            f"unknown scale {scale!r}: choose {' or '.join(SCALES)}", param_hint="--scale"
        )
    rates = _parse_rates(rate)
    unknown = set(rates) - set(KINDS)
    if unknown:
        raise typer.BadParameter(
            f"unknown kind(s) {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}"
        )
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        raise typer.BadParameter(
            f"{as_of!r} is not a date (YYYY-MM-DD)", param_hint="--as-of"
        ) from None
    portal, manifest = make_sample(seed, scale, day, rates=rates, port=port, faults=faults)
    paths = write_portal(out_dir, portal, manifest)
    console.print(
        f"{portal.city}: {len(portal.units)} units on {len(portal.hosts)} sites, "
        f"{len(portal.articles):,} articles, {len(manifest['defects'])} planted defects, "
        f"{len(manifest['hazards'])} hazards, as of {portal.as_of}"
    )
    for path in paths:
        console.print(f"  wrote {path}")


@app.command()
def serve(
    directory: Path = typer.Argument(..., help="A sample portal made by `zwgk demo generate`."),
    port_offset: int = typer.Option(
        0, "--port-offset", help="Listen N ports above the model's (units.yaml keeps the old ones)."
    ),
    night: int | None = typer.Option(
        None,
        "--night",
        help="Night N of a series of nightly crawls: hosts with an `outage` fault that night "
        "do not listen (a sample made with --faults).",
    ),
) -> None:
    """Serve the sample portal on loopback, one address per site, until Ctrl-C."""
    # Imported here so `zwgk --help` does not load the renderers.
    import signal

    from rich.console import Console

    from demo.model import load_portal
    from demo.server import ListenError, PortalServer, shift_ports
    from demo.site import Site

    console = Console()
    try:
        portal = load_portal(directory)
    except FileNotFoundError as exc:
        console.print(shown(exc, style="red"))
        raise typer.Exit(1) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        console.print(
            shown(f"{directory}: cannot read the sample portal model: {exc}", style="red")
        )
        raise typer.Exit(1) from exc
    try:
        shift_ports(portal, port_offset)
        server = PortalServer(portal, Site(portal), night=night)
        server.start()
    except (ListenError, ValueError) as exc:
        console.print(shown(exc, style="red"))
        raise typer.Exit(1) from exc

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:  # from here on, Ctrl-C / SIGTERM at any point ends in a clean stop
        _print_hosts(console, portal, port_offset)
        console.print("Ctrl-C to stop")
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    console.print(f"stopped after {server.request_count()} requests")


def _print_hosts(console: Console, portal: Portal, port_offset: int) -> None:
    from collections import Counter

    from rich.table import Table

    table = Table(title=f"{portal.city} sample portal ({portal.scale}, as of {portal.as_of})")
    table.add_column("host")
    table.add_column("address", no_wrap=True)
    table.add_column("platform")
    table.add_column("charset")
    table.add_column("units", justify="right")
    table.add_column("status", no_wrap=True)
    units_on = portal.index.units_on
    for host in portal.hosts:
        units = units_on.get(host.id, [])
        table.add_row(
            host.id,
            host.base_url,
            host.platform,
            host.encoding + ("" if host.declare_charset else ", undeclared"),
            str(len(units)),
            "[red]down[/red]" if host.down else "[green]listening[/green]",
        )
    console.print(table)
    kinds = Counter(h.get("kind") for h in portal.hazards)
    if kinds:
        listed = ", ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items()))
        console.print(
            f"Hazards acted out (see demo/hazards.py): {listed}; down hosts refuse connections."
        )
    if port_offset:
        console.print(f"[yellow]Ports shifted by {port_offset}: units.yaml names the old ones.")


@app.command()
def advance(
    directory: Path = typer.Argument(..., help="A sample portal made by `zwgk demo generate`."),
    days: int = typer.Option(30, "--days", help="How far to move the portal's 'today'."),
    fix_share: float = typer.Option(
        0.4, "--fix-share", help="Share of fixable open defects the units fix."
    ),
    new_defects: int = typer.Option(
        4, "--new-defects", help="How many kinds of new defect appear."
    ),
) -> None:
    """Move the portal N days on: new articles, some defects fixed, a few new, some regressed."""
    from rich.console import Console

    from demo.advance import advance_directory

    console = Console()
    try:
        manifest = advance_directory(directory, days, fix_share=fix_share, new_defects=new_defects)
    except (FileNotFoundError, ValueError) as exc:
        console.print(shown(exc, style="red"))
        raise typer.Exit(1) from exc
    step = manifest["history"][-1]
    console.print(
        f"as of {manifest['as_of']}: {len(step['new'])} new, {len(step['fixed'])} fixed, "
        f"{len(step['regressed'])} regressed; {len(manifest['defects'])} defects open"
    )
