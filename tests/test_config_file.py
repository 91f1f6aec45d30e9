"""zwgk.toml (common/config_file.py): where it is found, what overrides what, how a mistake is
said, and that every consumer (store, crawl, indicator sets, column map, politeness) reads it."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import common.config_file as config_file
from common.config_file import ConfigError, config_path, configured, load_config_file
from crawler.columns import COLUMN_MAP_PATH, column_map_path, default_column_map
from crawler.politeness_limits import configured_defaults
from crawler.registry import RegistryError, load_registry
from scoring.indicators import SHIPPED_DIR, IndicatorError, load_indicator_set, newest_set
from store.config import database_url
from zwgk.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
ENV_NAMES = [key.env for key in config_file.KEYS] + [config_file.CONFIG_ENV]


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    """No variable of ours, no /etc file, and a working directory of the test's own."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config_file, "SYSTEM_FILE", tmp_path / "etc" / "zwgk.toml")
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- where the file is found -------------------------------------------------------------------
def test_file_found_in_each_place_first_one_wins(tmp_path, monkeypatch):
    assert config_path() is None
    system = write(tmp_path / "etc" / "zwgk.toml", "[crawl]\ndelay = 3\n")
    assert config_path() == system and configured("crawl.delay").value == 3.0
    local = write(tmp_path / "zwgk.toml", "[crawl]\ndelay = 2\n")
    assert config_path() == local
    assert configured("crawl.delay").origin == f"{local}:2"
    named = write(tmp_path / "elsewhere.toml", "[crawl]\n\ndelay = 5\n")
    monkeypatch.setenv("ZWGK_CONFIG", str(named))
    assert config_path() == named
    assert configured("crawl.delay").origin == f"{named}:3"


def test_a_config_named_in_the_environment_must_exist(tmp_path, monkeypatch):
    write(tmp_path / "zwgk.toml", "[crawl]\ndelay = 2\n")
    monkeypatch.setenv("ZWGK_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"\$ZWGK_CONFIG: .*missing.toml: no such file"):
        config_path()
    monkeypatch.setenv("ZWGK_CONFIG", os.devnull)  # the documented "no file at all"
    assert configured("crawl.delay") is None


# -- what overrides what -----------------------------------------------------------------------
def test_environment_beats_file_beats_default(tmp_path, monkeypatch):
    assert database_url() == f"sqlite:///{tmp_path / '.zwgk' / 'zwgk.sqlite'}"
    write(tmp_path / "zwgk.toml", '[store]\nurl = "sqlite:////srv/from-file.sqlite"\n')
    assert database_url() == "sqlite:////srv/from-file.sqlite"
    monkeypatch.setenv("ZWGK_DATABASE_URL", "sqlite:////srv/from-env.sqlite")
    assert database_url() == "sqlite:////srv/from-env.sqlite"
    assert database_url("sqlite:////srv/option.sqlite") == "sqlite:////srv/option.sqlite"


def test_config_show_names_where_each_value_came_from(tmp_path, monkeypatch):
    write(tmp_path / "zwgk.toml", '[store]\nurl = "sqlite:////srv/f.sqlite"\n[crawl]\ndelay = 4\n')
    monkeypatch.setenv("ZWGK_CRAWL_TIMEOUT", "12")
    monkeypatch.setenv("ZWGK_DATABASE_URL", "postgresql+psycopg://zwgk:secret@db/zwgk")
    result = runner.invoke(app, ["config", "show", "--json", "--registry", "mine.yaml"])
    assert result.exit_code == 0, result.output
    keys = json.loads(result.stdout)["keys"]
    assert keys["crawl.delay"] == {"value": 4.0, "from": f"{tmp_path / 'zwgk.toml'}:4"}
    assert keys["crawl.timeout"] == {"value": 12.0, "from": "$ZWGK_CRAWL_TIMEOUT"}
    assert keys["store.url"]["from"] == "$ZWGK_DATABASE_URL"
    assert "secret" not in keys["store.url"]["value"]  # the password is not shown
    assert keys["crawl.registry"]["from"] == "option --registry"
    assert keys["crawl.concurrency"] == {"value": 2, "from": "default"}
    with_option = runner.invoke(app, ["config", "show", "--json", "--db", "sqlite:////o.sqlite"])
    assert json.loads(with_option.stdout)["keys"]["store.url"] == {
        "value": "sqlite:////o.sqlite",
        "from": "option --db",
    }


def test_relative_paths_are_relative_to_the_file(tmp_path, monkeypatch):
    named = write(tmp_path / "etc" / "zwgk.toml", '[crawl]\nregistry = "units.yaml"\n')
    assert configured("crawl.registry").value == named.parent / "units.yaml"
    monkeypatch.setenv("ZWGK_REGISTRY", "here.yaml")  # a variable: the working directory's
    assert configured("crawl.registry").value == tmp_path / "here.yaml"


# -- mistakes, each with its line ---------------------------------------------------------------
def test_bad_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path / "zwgk.toml", '[store]\nurl = "sqlite:///x"\n\n[crawl]\ndelay = \n')
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert str(caught.value).startswith(f"{path}:5: invalid TOML")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2 and f"{path}:5: invalid TOML" in result.output
    assert "Traceback" not in result.output


def test_unknown_key_refused_with_a_suggestion(tmp_path):
    path = write(
        tmp_path / "zwgk.toml",
        '# the office\n[store]\nurl = "sqlite:///x"\n[crawl]\nconcurency = 4\n'
        '[indicator]\nfolder = "sets"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert caught.value.problems == [
        (5, "unknown key 'crawl.concurency' (did you mean 'concurrency'?)"),
        (6, "unknown key 'indicator' (did you mean [indicators]?)"),
    ]
    top = write(tmp_path / "top.toml", 'url = "sqlite:///x"\n')
    with pytest.raises(
        ConfigError, match=r"top.toml:1: unknown key 'url' \(did you mean 'url' under \[store\]"
    ):
        load_config_file(top)


def test_wrong_types_and_size_are_refused(tmp_path, monkeypatch):
    path = write(tmp_path / "zwgk.toml", '[crawl]\nconcurrency = "4"\n')
    with pytest.raises(ConfigError, match=r"zwgk.toml:2: crawl.concurrency: .*integer"):
        load_config_file(path)
    big = write(tmp_path / "big.toml", "# x\n" * 20_000)
    with pytest.raises(ConfigError, match="larger than 64 KiB"):
        load_config_file(big)
    monkeypatch.setenv("ZWGK_CRAWL_DELAY", "soon")
    with pytest.raises(ConfigError, match=r"\$ZWGK_CRAWL_DELAY: 'soon'"):
        configured("crawl.delay")


# -- the consumers ------------------------------------------------------------------------------
def test_politeness_defaults_from_the_file_go_through_the_registry_limits(tmp_path, monkeypatch):
    write(tmp_path / "zwgk.toml", '[crawl]\ndelay = 5\nuser_agent = "zwgk (+jh office, 0551-1)"\n')
    registry = write(
        tmp_path / "units.yaml",
        "version: 1\nunits:\n  - {id: a, name: 甲, level: 市政府, profile: trs, "
        "entry: 'http://127.0.0.13:18600/a/'}\n",
    )
    unit = load_registry(registry).unit("a").settings
    assert (unit.delay, unit.user_agent) == (5.0, "zwgk (+jh office, 0551-1)")
    monkeypatch.setenv("ZWGK_CRAWL_DELAY", "900")  # beyond the registry's 600 s
    with pytest.raises(ConfigError, match=r"\$ZWGK_CRAWL_DELAY: crawl.delay: .*600"):
        configured_defaults()
    monkeypatch.setenv("ZWGK_CRAWL_DELAY", "1")
    monkeypatch.setenv("ZWGK_CRAWL_CONCURRENCY", "6")  # within bounds, above the polite limit
    with pytest.raises(RegistryError) as caught:
        load_registry(registry)
    ((line, message),) = caught.value.problems
    assert line is None and "$ZWGK_CRAWL_CONCURRENCY" in message and "polite limit" in message


def test_indicator_folder_and_column_map_from_the_file(tmp_path):
    own = tmp_path / "sets"
    write(
        own / "2026Q1.yaml",
        'id: 2026Q1\nversion: "2026Q1"\nextends: base\nname: 2026年第一季度\n'
        "indicators:\n  - id: links.broken\n    points: 2\n",
    )
    columns = write(tmp_path / "columns.yaml", COLUMN_MAP_PATH.read_text(encoding="utf-8"))
    assert newest_set() != own / "2026Q1.yaml" and column_map_path() == COLUMN_MAP_PATH
    write(tmp_path / "zwgk.toml", '[indicators]\nfolder = "sets"\ncolumn_map = "columns.yaml"\n')
    assert newest_set() == own / "2026Q1.yaml"  # the office's newer set is evaluate's default
    assert load_indicator_set("2026Q1").extends == ("base",)  # found by id, base from the package
    assert newest_set(SHIPPED_DIR).parent == SHIPPED_DIR
    assert default_column_map().path == columns
    write(tmp_path / "zwgk.toml", '[indicators]\nfolder = "no-such-folder"\n')
    with pytest.raises(IndicatorError, match=r"zwgk.toml:2: indicators.folder .*no such folder"):
        newest_set()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_crawl_uses_the_store_and_registry_the_file_names(tmp_path):
    """`zwgk crawl` with no option: registry and store from zwgk.toml, nothing under .zwgk/."""
    elsewhere = tmp_path / "data"
    elsewhere.mkdir()
    write(
        tmp_path / "etc" / "units.yaml",
        "version: 1\nunits:\n  - {id: a, name: 甲, level: 市政府, profile: trs, "
        f"entry: 'http://127.0.0.1:{free_port()}/a/'}}\n",
    )
    config = write(
        tmp_path / "etc" / "zwgk.toml",
        f'[store]\nurl = "sqlite:///{elsewhere / "zwgk.sqlite"}"\n[crawl]\nregistry = "units.yaml"\n',
    )
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(ZWGK_CONFIG=str(config), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "zwgk",
            "crawl",
            "-q",
            "-s",
            "DOWNLOAD_TIMEOUT=3",
            "-s",
            "RETRY_TIMES=0",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "crawl run 1" in done.stdout + done.stderr, done.stderr
    assert not (tmp_path / ".zwgk").exists()
    with sqlite3.connect(elsewhere / "zwgk.sqlite") as db:
        assert db.execute("select count(*) from crawl_runs").fetchone() == (1,)
