"""`zwgk crawl --distributed`, `zwgk worker` and the worker's own `zwgk crawl-part`.

`crawl_command` is `crawler.run.crawl` with the distributed options added: without
``--distributed`` it is that command, unchanged; with it, the same registry, unit selection,
``-s`` settings and summary, the work done by `zwgk worker`s (`distributed.coordinator`).
"""

from __future__ import annotations

import inspect
import os
import socket
import sys
import typing
from pathlib import Path

import typer

from crawler.run import crawl as local_crawl
from crawler.run import end_of_run, registry_path
from distributed import config
from distributed.retries import Retries

BROKER_OPTION = typer.Option(
    None,
    "--broker",
    help="Redis URL of the jobs queue; default: zwgk.toml's distributed.broker_url "
    f"($ZWGK_BROKER_URL), else {config.DEFAULT_BROKER}.",
)


def distributed_crawl(
    distributed: bool = typer.Option(
        False,
        "--distributed",
        help="Enqueue one job per host for `zwgk worker`s (any machine, one store) and wait "
        "for them; one crawl run, the same summary.",
    ),
    broker: str | None = BROKER_OPTION,
    down_retries: int = typer.Option(
        config.DOWN_RETRIES, "--down-retries", min=0, max=20,
        help="With --distributed: times a host that refuses connections is tried again.",
    ),
    backoff: float = typer.Option(
        config.BACKOFF_S, "--backoff", min=0.0, max=3600.0,
        help="With --distributed: seconds before the first retry of a job, doubling.",
    ),
    host_lock_ttl: float = typer.Option(
        config.HOST_LOCK_TTL_S, "--host-lock-ttl", min=3.0, max=3600.0,
        help="With --distributed: seconds a dead worker's host lock outlives it (renewed every "
        "third of it while the job runs).",
    ),
    **options,
) -> None:  # fmt: skip
    if not distributed:
        return local_crawl(**options)
    retries = Retries(down_retries, backoff, config.JOB_RETRIES, host_lock_ttl)
    raise typer.Exit(_coordinate(broker, retries, **options))


def _coordinate(broker, retries: Retries, **o) -> int:
    from crawler.politeness_limits import PolitenessError, command_line_layer
    from crawler.registry import RegistryError, load_registry
    from distributed.coordinator import coordinate
    from store import CrawlLocked, open_store
    from store.text import console as output_console
    from store.text import shown

    console = output_console(stderr=True)
    if o["jobdir"] is not None:
        console.print("[red]--jobdir is for a local crawl: distributed jobs keep their own[/red]")
        return 2
    registry = registry_path(o["registry"])
    raw = dict(s.split("=", 1) for s in o["setting"] if "=" in s)
    try:
        reg = load_registry(registry, run=command_line_layer(dict(raw)))
    except (RegistryError, PolitenessError, FileNotFoundError) as exc:
        console.print(shown(exc, style="red"))
        return 2
    selected = reg.select(ids=o["unit"] or None, levels=o["level"] or None)
    if not selected:
        console.print("[red]no unit matches --unit/--level[/red]")
        return 2
    store = open_store(o["database_url"], create=True)
    look = {"revalidate": o["revalidate"], "open": o["refetch_open"] and "ZWGK_REFETCH" not in raw}
    try:
        with store.acquire_crawl_lock():
            run_id = coordinate(
                store, reg, registry, selected, full=o["full"], raw_settings=raw,
                max_unobserved=o["max_unobserved"], look=look,
                broker=config.BrokerSettings(config.broker_url(broker)), retries=retries,
                console=console, quiet=o["quiet"],
            )  # fmt: skip
    except CrawlLocked as exc:
        console.print(shown(f"another crawl is running: {exc}", style="red"))
        return 3
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from systemd (`coordinator.coordinate`)
        console.print("interrupted: the crawl run is closed 'interrupted', its jobs stop")
        return 1
    return end_of_run(store, run_id, o["quiet"], console, None)


def _with_local_options(wrapper, local):
    """The wrapper's own parameters, then every parameter of the local command, with their
    types resolved (typer reads the signature)."""
    hints = {**typing.get_type_hints(local), **typing.get_type_hints(wrapper)}
    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation))
        for f in (wrapper, local)
        for p in inspect.signature(f).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    wrapper.__signature__ = inspect.Signature(params)
    return wrapper


crawl_command = _with_local_options(distributed_crawl, local_crawl)


def worker_command(
    concurrency: int = typer.Option(
        4, "--concurrency", "-c", min=1, max=64,
        help="Jobs (hosts) this machine crawls at once; each is a crawl process.",
    ),
    broker: str | None = BROKER_OPTION,
    jobs: Path = typer.Option(
        Path(".zwgk/jobs"), "--jobs", help="Folder for this machine's job folders."
    ),
    registry: Path | None = typer.Option(
        None, "--registry", "-r",
        help="This machine's copy of the registry (default: zwgk.toml's crawl.registry, else "
        "the coordinator's path); it must be the same file.",
    ),
    database_url: str | None = typer.Option(
        None, "--db", envvar="ZWGK_DATABASE_URL", help="Store URL (the coordinator's store)."
    ),
    visibility_timeout: float = typer.Option(
        config.VISIBILITY_TIMEOUT_S, "--visibility-timeout", min=5, max=86400,
        help="Seconds after which a job a dead worker held is given to another worker.",
    ),
    name: str | None = typer.Option(None, "--name", help="Worker name (default: host name)."),
) -> None:  # fmt: skip
    """Run crawl jobs of `zwgk crawl --distributed` (one host each) until stopped."""
    from distributed.app import make_app
    from distributed.tasks import JOBS_ENV

    os.environ[JOBS_ENV] = str(jobs.absolute())
    if database_url:
        os.environ["ZWGK_DATABASE_URL"] = database_url
    if registry:
        os.environ["ZWGK_PART_REGISTRY"] = str(registry.absolute())
    app = make_app(config.BrokerSettings(config.broker_url(broker), visibility_timeout))
    app.set_default()
    import distributed.tasks  # noqa: F401  registers the job with this app

    app.worker_main(
        [
            "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
            f"--hostname={name or 'zwgk'}-{os.getpid()}@{socket.gethostname()}",
            "--without-gossip", "--without-mingle",
        ]
    )  # fmt: skip


def crawl_part_command(
    folder: Path = typer.Argument(..., help="The job folder the worker made."),
) -> None:
    """One host's part of a distributed run (started by `zwgk worker`, not by hand)."""
    from crawler.jobdir import JobError
    from distributed.part import run_part
    from store.text import console as output_console
    from store.text import shown

    registry = os.environ.get("ZWGK_PART_REGISTRY") or None
    if registry is None and os.environ.get("ZWGK_REGISTRY"):
        registry = os.environ["ZWGK_REGISTRY"]
    try:
        code = run_part(folder, Path(registry) if registry else None, None)
    except JobError as exc:
        output_console(stderr=True).print(shown(str(exc), style="red"))
        code = 2
    sys.stdout.flush()
    raise typer.Exit(code)
