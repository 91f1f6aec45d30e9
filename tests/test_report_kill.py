"""Kill -9 anywhere in report writing and checklist import (issue 9 point 8, the reports half).

Each test runs the `zwgk` command in a child process that kills itself with SIGKILL at a chosen
moment — half-way through writing a file (the bytes written so far, then the signal), or after
the import's INSERT and before its COMMIT — and then checks what is left: no half file under a
final name (the previous complete file, or none), nothing recorded by the killed import, and a
next run that completes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
from checklist_fixtures import (  # noqa: F401 (fixtures)
    any_store_fixture,
    sqlite_store_fixture,
    sqlite_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)
from test_report_round import rounds as rounds_fixture  # noqa: F401 (three rounds, real checks)
from test_responses import export, fill, recorded

from store import Store

TESTS = Path(__file__).resolve().parent

# The zwgk command with the fixtures' check registered (the stored rounds name it) and, by
# $KILL_IN, one writer replaced by one that writes half its bytes and then SIGKILLs the process.
DRIVER = f"""
import os, signal, sys
from pathlib import Path
sys.path.insert(0, {str(TESTS)!r})
from round_fixtures import PLANTED, PlantedFindings
from scoring.checks import base
base._load()
base._REGISTRY[PLANTED] = PlantedFindings

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def half(path):
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])

def ours(path, kind):  # a report file of that kind (other code writes files too)
    return Path(path).name.startswith(".") and "." + kind + "." in Path(path).name

kill_in = os.environ.get("KILL_IN")
if kill_in == "xlsx":
    import openpyxl
    save = openpyxl.Workbook.save
    def save_half(self, filename):
        save(self, filename)
        if ours(filename, "xlsx"):
            half(filename); die()
    openpyxl.Workbook.save = save_half
elif kill_in == "csv":
    import pandas
    to_csv = pandas.DataFrame.to_csv
    def to_csv_half(self, path, *args, **kwargs):
        to_csv(self, path, *args, **kwargs)
        if ours(path, "csv"):
            half(path); die()
    pandas.DataFrame.to_csv = to_csv_half
elif kill_in == "html":
    write_text = Path.write_text
    def write_half(self, text, *args, **kwargs):
        if not ours(self, "html"):
            return write_text(self, text, *args, **kwargs)
        write_text(self, text[: len(text) // 2], *args, **kwargs); die()
    Path.write_text = write_half
elif kill_in == "commit":
    from sqlalchemy.engine import Connection
    execute = Connection.execute
    def execute_then_die(self, statement, *args, **kwargs):
        result = execute(self, statement, *args, **kwargs)
        if getattr(statement, "is_insert", False) and statement.table.name == "responses":
            die()  # the rows are written in the transaction, which is never committed
        return result
    Connection.execute = execute_then_die
from zwgk.cli import app
app(sys.argv[1:], prog_name="zwgk")
"""


def zwgk(*args: str, kill_in: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("KILL_IN", None)
    if kill_in:
        env["KILL_IN"] = kill_in
    return subprocess.run(
        [sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, env=env, timeout=300
    )


def complete(path: Path, reference: Path) -> bool:
    """``path`` is the whole file ``reference`` is (an XLSX: the same cells; it carries the time
    it was written)."""
    if path.suffix == ".xlsx":
        ws, want = (openpyxl.load_workbook(p)["整改清单"] for p in (path, reference))
        return list(ws.values) == list(want.values)
    return path.read_bytes() == reference.read_bytes()


def finals(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.iterdir() if not p.name.startswith(".")}


def test_checklists_killed_mid_write_leave_no_half_file_and_the_next_run_completes(
    sqlite_store: Store, tmp_path: Path
):
    command = ("report", "checklist", "--round", "2025Q2", "--db", sqlite_store.url, "--out")
    out = tmp_path / "out"
    killed = zwgk(*command, str(out), kill_in="xlsx")  # the very first file, in a new folder
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert finals(out) == {} and len(list(out.glob(".*.xlsx.*.part"))) == 1

    assert zwgk(*command, str(out)).returncode == 0
    expected = finals(out)
    assert len(expected) == 6 and not list(out.glob(".*.part"))  # two units × xlsx, csv, html
    reference = tmp_path / "reference"
    reference.mkdir()
    for name, path in expected.items():
        (reference / name).write_bytes(path.read_bytes())

    for kind in ("xlsx", "csv", "html"):  # over a complete earlier output
        killed = zwgk(*command, str(out), kill_in=kind)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert finals(out).keys() == expected.keys()
        assert all(complete(path, reference / name) for name, path in finals(out).items())
        assert len(list(out.glob(f".*.{kind}.*.part"))) == 1  # the half file, apart

    again = zwgk(*command, str(out))
    assert again.returncode == 0, again.stderr
    assert all(complete(path, reference / name) for name, path in finals(out).items())
    assert not list(out.glob(".*.part"))  # what the killed runs left is cleared


def test_a_round_report_killed_mid_write_leaves_no_half_file(
    rounds_fixture: str,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
):
    url = rounds_fixture  # tests/test_report_round.py's three rounds
    command = ("report", "round", "--round", "2025Q3", "--db", url, "-o")
    out = tmp_path / "out"
    killed = zwgk(*command, str(out), kill_in="xlsx")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert finals(out) == {}
    killed = zwgk(*command, str(out), kill_in="html")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (xlsx,) = finals(out).values()  # written before the page, whole
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "排名"
    again = zwgk(*command, str(out))
    assert again.returncode == 0, again.stderr
    assert {p.suffix for p in finals(out).values()} == {".xlsx", ".html"}
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>") and not list(out.glob(".*.part"))


def test_an_import_killed_before_its_commit_records_nothing_and_the_next_one_succeeds(
    any_store: Store, tmp_path: Path
):
    path = fill(export(any_store, tmp_path), {"M7": "已整改", "N7": "已更新", "M8": "整改中"})
    killed = zwgk("responses", "import", str(path), "--db", any_store.url, kill_in="commit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert recorded(any_store) == []
    done = zwgk("responses", "import", str(path), "--db", any_store.url)
    assert done.returncode == 0, done.stderr
    assert "记录2条" in done.stdout and len(recorded(any_store)) == 2


def test_written_renames_on_success_and_leaves_nothing_on_an_error(tmp_path: Path):
    from reports import files

    target = tmp_path / "整改清单_[1].csv"  # glob characters in the name
    target.write_text("earlier, whole")
    try:
        with files.written(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    except RuntimeError:
        pass
    assert target.read_text() == "earlier, whole" and sorted(tmp_path.iterdir()) == [target]

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left = tmp_path / f".{target.name}.{dead.pid}.part"
        busy = tmp_path / f".{target.name}.{living.pid}.part"
        left.write_text("half")
        busy.write_text("being written")
        assert files.write_text(target, "new, whole") == target
        assert target.read_text() == "new, whole"
        assert not left.exists() and busy.exists()  # another process's file is its own
    finally:
        living.kill()
        living.wait()
