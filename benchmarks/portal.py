"""Portal speed: the web portal (`zwgk portal`, uvicorn) under 20 concurrent clients.

    python benchmarks/portal.py [--problems 100000] [--units 500] [--db URL] [--clients 20]
                                [--requests 10] [--crawl-articles 100000] [--keep] [--workers N]
                                [--direct]

Builds a store (benchmarks/portal_store.py: a crawl of ``--crawl-articles`` articles over
``--units`` units by SQL inserts, that crawl evaluated for real as round 2025Q2-real, and round
2025Q2 with ``--problems`` problems written from DataFrames, published), an evaluator and one
unit user per client, makes every unit's checklist ready as publishing does, starts
`zwgk portal --workers N` (default: one per CPU) on it in a subprocess, signs each client in
once and measures, each client sending ``--requests`` requests per page in turn (p50 / p95 /
max; and the CPU the portal's processes spent per request, apart from this client's):

1. the evaluator's problem list of 2025Q2 with various filters (level, indicator, status,
   decision, text, unit, sort, a deep page, 200 a page) — target p95 ≤ 150 ms;
2. a problem's page (evidence, history, decisions);
3. a unit user downloading their own 整改清单 as XLSX — target p95 ≤ 500 ms; then the same
   with every file out of date (as after each unit answered), all clients at once;
4. publishing a round, once: re-scoring needs a crawl the store can load, and 2025Q2's
   problems were written, not found — so it is 2025Q2-real (the crawl's own findings) that is
   published; the output says how many problems it holds.

``--db`` a PostgreSQL URL: the store goes into a schema of its own (``zwgk_bench_portal``),
dropped afterwards unless ``--keep``. Without ``--db``: a SQLite file in a temporary folder.
Prints its figures; asserts nothing about time (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # benchmarks/store.py would shadow the `store` package


PG_SCHEMA = "zwgk_bench_portal"
EVALUATOR = ("bench_eval", "Bench-Evaluator-2025")
UNIT_PASSWORD = "Bench-Unit-Pass-2025"
LIST_TARGET, CHECKLIST_TARGET = 0.150, 0.500
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def _builder(name: str = "portal_store") -> Any:
    """benchmarks/portal_store.py (or another module beside this one)."""
    import importlib.util

    if f"bench_{name}" in sys.modules:
        return sys.modules[f"bench_{name}"]
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@contextmanager
def bench_url(db: str | None, tmp: str, keep: bool):
    """The store's URL: a SQLite file, or a PostgreSQL schema of the benchmark's own."""
    if not db:
        yield f"sqlite:///{tmp}/portal.sqlite"
        return
    if not db.startswith("postgresql"):
        yield db
        return
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(db)
    with admin.begin() as conn:
        if not keep:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"'))
    try:
        url = make_url(db).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
        yield url.render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        admin.dispose()


def built(url: str) -> bool:
    from store import open_store
    from store.rounds import find_round

    try:
        store = open_store(url)
    except Exception:  # noqa: BLE001 — no store yet
        return False
    try:
        return find_round(store, _builder().ROUND) is not None
    finally:
        store.close()


def make_accounts(url: str, clients: int, seed: int) -> dict[str, Any]:
    """The evaluator and one unit user per client (units spread over the problem counts);
    what the clients will ask for."""
    from sqlalchemy import func, select

    from portal.accounts import create_user, get_user
    from store import open_store
    from store.rounds import PROBLEMS, TOTALS

    rounds = _builder()
    store = open_store(url)
    rng = random.Random(seed)
    try:
        with store.engine.connect() as conn:
            units = conn.execute(
                select(TOTALS.c.unit_id, TOTALS.c.problems, TOTALS.c.level)
                .where(TOTALS.c.round == rounds.ROUND)
                .order_by(TOTALS.c.problems, TOTALS.c.unit_id)
            ).all()
            fps = list(
                conn.scalars(select(PROBLEMS.c.fingerprint).where(PROBLEMS.c.round == rounds.ROUND))
            )
            real_problems = conn.scalar(
                select(func.count()).where(PROBLEMS.c.round == rounds.REAL_ROUND)
            )
            indicators = sorted(
                set(
                    conn.scalars(
                        select(PROBLEMS.c.indicator_id).where(PROBLEMS.c.round == rounds.ROUND)
                    )
                )
            )
        step = max(1, len(units) // clients)
        chosen = [units[i * step % len(units)] for i in range(clients)]
        chosen = chosen[clients // 2 :] + chosen[: clients // 2]  # the first: of median size
        logins, unit_ids = [], []
        for n, (unit_id, _, _) in enumerate(chosen, 1):
            unit_ids.append(unit_id)
            login = f"bench_u{n:02d}"
            if get_user(store, login) is None:
                create_user(store, login, unit_id, "unit", unit_id, UNIT_PASSWORD,
                            must_change_password=False, by="bench")  # fmt: skip
            logins.append(login)
        if get_user(store, EVALUATOR[0]) is None:
            create_user(store, EVALUATOR[0], "市政务公开办", "evaluator", None, EVALUATOR[1],
                        must_change_password=False, by="bench")  # fmt: skip
    finally:
        store.close()
    return {
        "units": [u[0] for u in units],
        "levels": sorted({u[2] for u in units}),
        "fingerprints": rng.sample(fps, min(len(fps), 2000)),
        "indicators": indicators,
        "problems": len(fps),
        "unit_logins": logins,
        "unit_ids": unit_ids,
        "url": url,
        "real_problems": real_problems,
        "unit_rows": statistics.mean(u[1] for u in chosen),
        "median_unit_rows": chosen[0][1],
        "unit_sizes": [u[1] for u in chosen],
    }


def process_tree(pid: int) -> list[int]:
    """Process ``pid`` and its descendants, parents first (Linux /proc; gone ones left out)."""
    out, todo = [], [pid]
    while todo:
        pid = todo.pop(0)
        try:
            children = [
                int(c)
                for task in Path(f"/proc/{pid}/task").iterdir()
                for c in (task / "children").read_text().split()
            ]
        except OSError:
            continue
        out.append(pid)
        todo += children
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and its children so far (Linux /proc; 0
    elsewhere): what the portal's processes spent, apart from this benchmark's own client."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for member in process_tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def resident_mib(pid: int) -> list[float]:
    """Resident memory (MiB) of process ``pid`` and of each of its children (Linux /proc)."""
    out = []
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
            out.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        except (OSError, AttributeError, ValueError):
            continue
    return out


# The portal's process once started; nginx's master (0: --direct); PostgreSQL's postmaster.
SERVER = {"pid": 0, "proxy_pid": 0, "db_pid": 0}


def postmaster_pid(url: str) -> int:
    """The PID of the PostgreSQL server behind ``url`` when it runs on this machine (its
    backends are its children: their CPU is the server's share of a request), else 0."""
    if not url.startswith("postgresql"):
        return 0
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            backend = conn.scalar(text("SELECT pg_backend_pid()"))
        stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return int(stat[1])
    except (OSError, IndexError, ValueError):
        return 0  # a server elsewhere
    finally:
        engine.dispose()


def settle(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE, the state autovacuum brings a store to within minutes of a
    night's crawl and evaluation (index-only scans need the visibility map VACUUM sets; the
    statistics `store.rounds.save_round` refreshes itself). Evaluators open the list the next
    morning, not in the second after the round was written."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    from store.models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {tables}")
    finally:
        engine.dispose()
    print(f"VACUUM ANALYZE (what autovacuum does after a night's writes): "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def prepare_checklists(url: str) -> None:
    """What publishing does after it has marked the round: every unit's XLSX made ready."""
    from portal.checklist_files import prepare_round
    from portal.lifecycle import state
    from store import open_store

    store = open_store(url)
    try:
        started = time.perf_counter()
        made = prepare_round(store, _builder().ROUND, state(store, _builder().ROUND))
        print(
            f"checklists made ready as publishing does (in the background after it): {made} "
            f"XLSX files in {time.perf_counter() - started:.1f} s"
        )
    finally:
        store.close()


def drop_checklist_files(url: str, unit_ids: list[str]) -> None:
    from sqlalchemy import delete

    from store import open_store
    from store.rounds import CHECKLIST_FILES

    store = open_store(url)
    try:
        with store.engine.begin() as conn:
            conn.execute(delete(CHECKLIST_FILES).where(CHECKLIST_FILES.c.unit_id.in_(unit_ids)))
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(url: str, log: Path, workers: int = 1, direct: bool = False):
    """`zwgk portal --workers N` on ``url`` in a subprocess until the block ends, behind nginx
    unless ``direct``; yields the URL the clients use."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "zwgk", "portal", "--db", url, "--port", str(port)]
            + ["--workers", str(workers)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        proxy = _builder("portal_proxy")
        try:
            proxy.wait_for_login_page(process, base, "the portal", log, within=60)
            SERVER["pid"] = process.pid
            if direct:
                yield base
            else:
                with proxy.behind_nginx(port, free_port(), log.parent / "nginx") as (front, pid):
                    SERVER["proxy_pid"] = pid
                    yield front
        finally:
            process.terminate()  # a publication's background work may still run: not waited for
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def signed_in(base: str, login: str, password: str) -> Any:
    client = _builder("portal_client").Client(base)
    form = await client.get("/login")
    token = CSRF.search(form.text)
    data = {"login": login, "password": password, "csrf_token": token.group(1) if token else ""}
    done = await client.post("/login", data=data)
    if done.status != 303:
        raise SystemExit(f"{login} could not sign in: {done.status}")
    return client


def list_queries(plan: dict[str, Any], rng: random.Random) -> list[tuple[str, str]]:
    """(name, query string) of the problem lists the evaluators ask for."""
    pages = plan["problems"] // 50
    return [
        ("no filter", ""),
        ("level", f"level={rng.choice(plan['levels'])}"),
        ("indicator", f"indicator={rng.choice(plan['indicators'])}"),
        ("status", "status=new"),
        ("two statuses", "status=open&status=regressed"),
        ("decision", "decision=dismissed"),
        ("text", f"q={rng.choice(['通知', '实施方案', '工作动态', 'art/12'])}"),
        ("unit", f"unit={rng.choice(plan['units'])}"),
        ("sorted by deduction", "sort=-deduction"),
        ("deep page", f"page={rng.randrange(pages // 2, pages)}"),
        ("combined", f"level={rng.choice(plan['levels'])}&status=new&sort=-deduction&page=3"),
        ("200 a page", "per_page=200&sort=first_seen"),
    ]


async def measure(
    clients: list[Any], paths: Any, requests: int
) -> tuple[list[float], dict[str, list[float]], int]:
    """Every client asks for ``requests`` paths (``paths(client_no, i)`` → (name, path)) in
    turn, all clients at once; returns the times, the times by name, and the failures."""
    times: list[float] = []
    by_name: dict[str, list[float]] = defaultdict(list)
    failures = 0

    async def one(n: int, client: Any) -> None:
        nonlocal failures
        for i in range(requests):
            name, path = paths(n, i)
            started = time.perf_counter()
            try:
                status = (await client.get(path)).status
            except _builder("portal_client").Error as exc:
                status = type(exc).__name__
            took = time.perf_counter() - started
            if status != 200:
                failures += 1
                print(f"  {path}: {status}", file=sys.stderr)
            times.append(took)
            by_name[name].append(took)

    await asyncio.gather(*(one(n, c) for n, c in enumerate(clients)))
    return times, by_name, failures


def figures(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def phase(
    title: str,
    clients: list[Any],
    paths: Any,
    requests: int,
    target: float | None = None,
    kinds: int = 1,
) -> None:
    """One client alone first (the time a request takes, without a queue: twice each of the
    ``kinds`` of request), then every client at once (what people see when ``len(clients)``
    of them click at the same moment); by kind when there are several."""
    alone, alone_names, failed = await measure(clients[:1], paths, max(12, 2 * kinds))
    print(f"{title}, 1 client: {figures(alone)}; failures {failed}")
    started, server, client = time.perf_counter(), cpu_seconds(SERVER["pid"]), time.process_time()
    db = cpu_seconds(SERVER["db_pid"]) if SERVER["db_pid"] else 0.0
    proxy = cpu_seconds(SERVER["proxy_pid"]) if SERVER["proxy_pid"] else 0.0
    times, names, failed = await measure(clients, paths, requests)
    wall = time.perf_counter() - started
    server = (cpu_seconds(SERVER["pid"]) - server) / len(times) * 1000
    client = (time.process_time() - client) / len(times) * 1000
    others = ""  # the CPU of nginx and PostgreSQL, when they are there
    if SERVER["proxy_pid"]:
        proxy = (cpu_seconds(SERVER["proxy_pid"]) - proxy) / len(times) * 1000
        others += f", nginx {proxy:.1f} ms"
    if SERVER["db_pid"]:  # every backend of the server: other work on it counts too
        db = (cpu_seconds(SERVER["db_pid"]) - db) / len(times) * 1000
        others += f", PostgreSQL {db:.1f} ms"
    verdict = ""
    if target is not None:
        met = "met" if p95(times) <= target else "NOT met"
        verdict = f" (target p95 ≤ {target * 1000:.0f} ms: {met})"
    print(
        f"{title}, {len(clients)} clients ({len(times)} requests, {len(times) / wall:.1f}/s): "
        f"{figures(times)}{verdict}; failures {failed}; CPU per request: portal {server:.1f} ms"
        f"{others}, this benchmark's client {client:.1f} ms"
    )
    if kinds > 1:
        for name, part in names.items():
            one = sorted(alone_names.get(name, [0.0]))
            print(
                f"    {name:20} 1 client {one[0] * 1000:.0f}–{one[-1] * 1000:.0f} ms; "
                f"{len(clients)} clients {figures(part)}"
            )


async def run(base: str, plan: dict[str, Any], n_clients: int, requests: int) -> None:
    rng = random.Random(7)
    rounds = _builder()
    evaluators = await asyncio.gather(*(signed_in(base, *EVALUATOR) for _ in range(n_clients)))
    queries = list_queries(plan, rng)
    list_path = f"/rounds/{rounds.ROUND}/problems"

    def lists(n: int, i: int) -> tuple[str, str]:
        name, query = queries[(n + i) % len(queries)]
        return name, f"{list_path}?{query}" if query else list_path

    # Warm: each worker process fills its caches (a round's context, its indicator names, the
    # templates) on its first requests; every client's connection is held by one worker, so
    # every client asks twice before anything is measured — the portal as it runs all day.
    cold, _, _ = await measure(evaluators, lists, 2)
    print(f"problem list, first requests (each worker's caches cold), {n_clients} clients × 2: "
          f"{figures(cold)}")  # fmt: skip
    await phase("problem list", evaluators, lists, requests, LIST_TARGET, kinds=len(queries))
    fps = plan["fingerprints"]

    def problem_pages(n: int, i: int) -> tuple[str, str]:
        return "problem", f"{list_path}/{fps[(n * 50 + i) % len(fps)]}"

    await phase("problem page", evaluators, problem_pages, requests)
    for client in evaluators[1:]:
        await client.close()

    units = await asyncio.gather(
        *(signed_in(base, login, UNIT_PASSWORD) for login in plan["unit_logins"])
    )

    def checklists(n: int, i: int) -> tuple[str, str]:
        return "checklist", f"/my/{rounds.ROUND}/checklist.xlsx"

    print(
        f"(checklists: {len(units)} units of {plan['unit_rows']:.0f} problems on average, "
        f"{min(plan['unit_sizes'])}–{max(plan['unit_sizes'])}; 1 client: a unit of "
        f"{plan['median_unit_rows']})"
    )
    await phase("unit checklist XLSX", units, checklists, requests, CHECKLIST_TARGET)
    # The worst case: every one of these units has just answered, so no file is current and
    # each download makes its file while the others do too.
    drop_checklist_files(plan["url"], plan["unit_ids"])
    times, _, failed = await measure(units, checklists, 1)
    print(
        f"unit checklist XLSX made on demand (each unit's file out of date, as after an answer), "
        f"{len(units)} clients at once, one each: {figures(times)}; failures {failed}"
    )
    for client in units:
        await client.close()
    memory = ", ".join(f"{m:.0f}" for m in resident_mib(SERVER["pid"]))
    print(f"portal processes' resident memory (supervisor, workers…): {memory} MiB")
    await publish(evaluators[0], rounds.REAL_ROUND, plan.get("real_problems"))
    await evaluators[0].close()


async def publish(client: Any, round_id: str, problems: int | None) -> None:
    """Publish ``round_id`` through its form, timed from the post to the redirect."""
    form = await client.get(f"/rounds/{round_id}/publish")
    token = CSRF.search(form.text)
    deadline = re.search(r'name="deadline"[^>]*value="([^"]+)"', form.text)
    if form.status != 200 or not token:
        raise SystemExit(f"no publish page for {round_id}: {form.status}")
    if not deadline:
        print(f"publishing: {round_id} is published already (a store kept by --keep); not measured")
        return
    started = time.perf_counter()
    done = await client.post(
        f"/rounds/{round_id}/publish",
        data={"csrf_token": token.group(1), "deadline": deadline.group(1)},
    )
    took = time.perf_counter() - started
    held = f"{problems:,} problems, " if problems is not None else ""
    print(
        f"publishing {round_id} ({held}re-scored from its crawl of the same units: 2025Q2's "
        f"problems were written, not found by a crawl, so 2025Q2 cannot be re-scored and is "
        f"not the round published): {took:.1f} s, HTTP {done.status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--crawl-articles", type=int, default=100_000)
    parser.add_argument("--db", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="reuse --db if it is already built")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="per client and page")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="zwgk portal --workers (default: CPUs)",
    )
    parser.add_argument(
        "--direct", action="store_true", help="clients connect to uvicorn, not through nginx"
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.2f}")
    with (
        tempfile.TemporaryDirectory(prefix="zwgk-bench-portal-") as tmp,
        bench_url(args.db, tmp, args.keep) as url,
    ):
        if not (args.keep and built(url)):
            started = time.perf_counter()
            made = _builder().build(url, args.units, args.problems, args.crawl_articles)
            print(
                f"built {made['units']} units, {made['articles']:,} articles, round 2025Q2 "
                f"with {made['problems']:,} problems ({made['decisions']:,} decided), "
                f"2025Q2-real with {made['real_problems']:,} in "
                f"{time.perf_counter() - started:.0f} s ({'PostgreSQL' if 'postgresql' in url else 'SQLite'})"
            )
        plan = make_accounts(url, args.clients, seed=1)
        settle(url)
        prepare_checklists(url)
        SERVER["db_pid"] = postmaster_pid(url)
        front = "its clients connect to it directly" if args.direct else "behind nginx (deploy/)"
        print(f"zwgk portal --workers {args.workers}, {front}")
        with serving(url, Path(tmp) / "portal.log", args.workers, args.direct) as base:
            asyncio.run(run(base, plan, args.clients, args.requests))


if __name__ == "__main__":
    main()
