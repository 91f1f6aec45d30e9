"""`zwgk portal` — serve the web portal over the store with uvicorn.

Behind a reverse proxy (nginx terminating HTTPS), the proxy's X-Forwarded-Proto and
X-Forwarded-For are believed only from ``--forwarded-allow-ips`` (default: this machine), so
cookies are Secure and sign-in limits count the real client address; ``--https`` says HTTPS
for every request whatever the headers. Several processes may serve one store (one signing
key: `portal.sessions`).
"""

from __future__ import annotations

import typer

from scoring.cli import DB_OPTION


def portal_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    https: bool | None = typer.Option(
        None,
        "--https/--no-https",
        help="Browsers reach the portal over HTTPS (Secure cookies, HSTS); "
        "default: as each request says (X-Forwarded-Proto from a trusted proxy).",
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-* headers are believed (comma-separated; '*': any).",
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Serve the portal (门户): evaluators review and publish rounds, units answer."""
    import uvicorn

    from portal.app import create_app
    from store import open_store

    store = open_store(database_url)
    app = create_app(store, https=https)
    typer.echo(f"portal on http://{host}:{port}/ over {store.url} (Ctrl-C to stop)")
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            server_header=False,
            log_level="info",
        )
    finally:
        store.close()
