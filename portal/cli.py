"""`zwgk portal` — serve the web portal over the store with uvicorn.

Behind a reverse proxy (nginx terminating HTTPS), the proxy's X-Forwarded-Proto and
X-Forwarded-For are believed only from ``--forwarded-allow-ips`` (default: this machine), so
cookies are Secure and sign-in limits count the real client address; ``--https`` says HTTPS
for every request whatever the headers. Several processes may serve one store (one signing
key: `portal.sessions`): ``--workers N`` starts N processes on one port (uvicorn's supervisor),
each opening the store itself through `app_from_environment`.
"""

from __future__ import annotations

import gc
import os
from typing import Any

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
    workers: int = typer.Option(
        1,
        "--workers",
        help="Worker processes serving one port, 1–64 (about one per CPU core; each keeps its "
        "own caches). SQLite or PostgreSQL alike.",
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Serve the portal (门户): evaluators review and publish rounds, units answer."""
    import uvicorn

    if not 1 <= workers <= 64:
        raise typer.BadParameter(f"{workers}: give 1 to 64 processes", param_hint="--workers")

    from portal.app import create_app
    from portal.sessions import portal_secret
    from store import open_store

    store = open_store(database_url)
    options: dict[str, Any] = dict(
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
    )
    processes = f", {workers} worker processes" if workers > 1 else ""
    typer.echo(f"portal on http://{host}:{port}/ over {store.url}{processes} (Ctrl-C to stop)")
    try:
        if workers == 1:
            app = create_app(store, https=https)
            settle_heap()
            uvicorn.run(app, **options)
            return
        portal_secret(store)  # made once here, not raced by the workers
        os.environ[DB_ENV] = store.engine.url.render_as_string(hide_password=False)
        os.environ[HTTPS_ENV] = {True: "1", False: "0", None: ""}[https]
        uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=workers, **options)
    finally:
        store.close()


DB_ENV, HTTPS_ENV = "ZWGK_PORTAL_WORKER_DB", "ZWGK_PORTAL_WORKER_HTTPS"


def app_from_environment() -> Any:
    """One worker process's app (`uvicorn --workers` imports it by name): the store and the
    HTTPS setting the `zwgk portal` that started it put in the environment."""
    from portal.app import create_app
    from store import open_store

    https = {"1": True, "0": False}.get(os.environ.get(HTTPS_ENV, ""))
    app = create_app(open_store(os.environ[DB_ENV]), https=https)
    settle_heap()
    return app


def settle_heap() -> None:
    """Collect once, then move every object left — the imported modules, the app, its routes:
    some 285,000 — into the collector's permanent generation (`gc.freeze`), where its full
    collections no longer walk them. A serving process calls it once its app is made.

    Why: objects of the requests in flight outlive two young collections and pile up in the
    old generation, so a full collection came about every 200 list requests; walking the
    285,000 it took 130–150 ms, holding the GIL and stalling every request in flight. Frozen,
    it walks 10,000–18,000 and takes 2–9 ms (benchmarks/portal.py, one worker, 20 clients:
    the list's p95 300–410 ms → 153–179 ms, 9.3–10.1 → 6.7–7.1 ms of CPU a request)."""
    gc.collect()
    gc.freeze()
