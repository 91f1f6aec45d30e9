"""`zwgk demo …` — the bundled sample portal: generate, serve, advance."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="The bundled sample portal (a generated city of government sites).")


@app.command()
def serve(
    directory: Path = typer.Argument(..., help="A sample portal made by `zwgk demo generate`."),
    port_offset: int = typer.Option(
        0, "--port-offset", help="Listen N ports above the model's (units.yaml keeps the old ones)."
    ),
) -> None:
    """Serve the sample portal on loopback, one address per site, until Ctrl-C."""
    # Imported here so `zwgk --help` does not load the renderers.
    import signal

    from rich.console import Console
    from rich.table import Table

    from demo.model import load_portal
    from demo.server import ListenError, PortalServer, shift_ports
    from demo.site import Site

    console = Console()
    try:
        portal = load_portal(directory)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        console.print(f"[red]{directory}: cannot read the sample portal model: {exc}[/red]")
        raise typer.Exit(1) from exc
    try:
        shift_ports(portal, port_offset)
        server = PortalServer(portal, Site(portal))
        server.start()
    except (ListenError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc

    table = Table(title=f"{portal.city} sample portal ({portal.scale}, as of {portal.as_of})")
    for name in ("host", "address", "platform", "encoding", "units", "status"):
        table.add_column(name)
    units_on = portal.index.units_on
    for host in portal.hosts:
        units = units_on.get(host.id, [])
        names = "、".join(u.short for u in units[:2]) + ("…" if len(units) > 2 else "")
        table.add_row(
            host.id,
            host.base_url,
            host.platform,
            host.encoding + ("" if host.declare_charset else " (undeclared)"),
            f"{len(units)} {names}",
            "[red]down (refuses connections)[/red]" if host.down else "[green]listening[/green]",
        )
    console.print(table)
    if port_offset:
        console.print(f"[yellow]Ports shifted by {port_offset}: units.yaml names the old ones.")
    console.print("Ctrl-C to stop")

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    server.serve_forever()  # returns after Ctrl-C / SIGTERM, with everything closed
    console.print(f"stopped after {server.request_count()} requests")
