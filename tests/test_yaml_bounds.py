"""YAML is bounded everywhere (issue 9, point 3) and the YAML loaders fail only with their own
error (point 10): the bad-input corpus under tests/badinput/, bad files built at test time (too
large, binary, a device that never ends), the issue's "billion laughs" `zwgk units check` in a
memory-limited subprocess, `extends:` lookup that parses only the file it names, hypothesis on
arbitrary text, bytes and documents, and round-trips of valid generated files.

Every load of a hostile file runs under `memory_guard`, so a regression fails the test with a
MemoryError instead of taking the (shared) machine's memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peak_memory import zwgk_with_peak

import scoring.indicators as indicators_module
from common.vocabulary import LEVELS
from common.yamlsource import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    YamlSourceError,
    dump_yaml,
    load_yaml,
)
from crawler.columns import ColumnMapError, load_column_map
from crawler.politeness_limits import MAX_CONCURRENCY, MAX_DELAY, MAX_TIMEOUT
from crawler.profile_model import ProfileError, available_profiles, load_profile
from crawler.registry import (
    MAX_ID,
    MAX_PROFILE,
    RegistryError,
    load_registry,
)
from reports.checklist.office import OfficeError, load_office
from scoring.indicator_model import MAX_ID as MAX_INDICATOR_ID
from scoring.indicators import (
    SHIPPED_DIR,
    IndicatorError,
    load_indicator_set,
    set_from_text,
)
from scoring.workdays import CalendarError, WorkCalendar

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "badinput"

# kind of file → (its loader, the one error it may raise)
LOADERS: dict[str, tuple[Callable[[Path], Any], type[Exception]]] = {
    "registry": (load_registry, RegistryError),
    "profile": (load_profile, ProfileError),
    "indicators": (load_indicator_set, IndicatorError),
    "columns": (load_column_map, ColumnMapError),
    "workdays": (WorkCalendar.from_yaml, CalendarError),
    "office": (load_office, OfficeError),
}
KINDS = sorted(LOADERS)

FAST = settings(
    max_examples=int(os.environ.get("ZWGK_HYPOTHESIS_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


def check_property(strategy: st.SearchStrategy, body: Callable[[Any], None]) -> None:
    """Run `body` on FAST examples of `strategy`. The @given sits on an inner function because
    pytest-twisted runs every test in its reactor greenlet, where a parametrized @given test
    fails from its second parameter on ("blockon cannot be called from the twisted greenlet")."""
    FAST(given(strategy)(body))()


@contextlib.contextmanager
def memory_guard(extra: int = 1 << 30) -> Iterator[None]:
    """At most `extra` more bytes of address space while the block runs (Linux); a loader that
    expanded a file without bound gets a MemoryError here, not the machine's 24 GB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        yield
        return
    size = next(int(line.split()[1]) * 1024 for line in status.splitlines() if "VmSize" in line)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def load_refused(kind: str, path: Path) -> str:
    """The message of the loader's own error for `path` (the test fails on anything else)."""
    loader, error = LOADERS[kind]
    with memory_guard(), pytest.raises(error) as caught:
        loader(path)
    return str(caught.value)


def laughs(levels: int = 9) -> str:
    """The issue's kind of file: nested aliases, 9**levels strings once expanded (443 bytes)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "version: 1\n" + "\n".join(lines) + "\n"


# -- the corpus ----------------------------------------------------------------------------------
def corpus_cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for kind in KINDS:
        expected = json.loads((CORPUS / kind / "expected.json").read_text(encoding="utf-8"))
        cases += [(kind, name, needles) for name, needles in sorted(expected.items())]
    return cases


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_lists_every_file_and_only_those(kind):
    folder = CORPUS / kind
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    files = {p.name for p in folder.iterdir() if p.name != "expected.json"}
    assert files == set(expected)
    assert all(expected.values()), "every case names what its error must say"


@pytest.mark.parametrize(
    ("kind", "name", "needles"), corpus_cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_corpus_file_gives_its_error(kind, name, needles):
    message = load_refused(kind, CORPUS / kind / name)
    missing = [needle for needle in needles if needle not in message]
    assert not missing, f"{kind}/{name}: {missing} not in:\n{message}"


@pytest.mark.parametrize("kind", KINDS)
def test_files_built_at_test_time_are_refused_with_their_line(kind, tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)  # byte 0x80 follows the first newline (0x0a)
    message = load_refused(kind, binary)
    assert "binary.yaml:2:" in message and "not UTF-8" in message
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"version: 1\n\x00\x01\x02 name: x\n")  # UTF-8, but no text
    message = load_refused(kind, nul)
    assert "nul.yaml:2:" in message and "character U+0000" in message
    large = tmp_path / "large.yaml"
    with large.open("wb") as handle:  # sparse: MAX_BYTES + 1 bytes that take no disk
        handle.truncate(MAX_BYTES + 1)
    started = time.perf_counter()
    message = load_refused(kind, large)
    assert "large.yaml" in message and f"larger than {MAX_BYTES >> 20} MiB" in message
    assert time.perf_counter() - started < 5


def test_a_file_that_never_ends_is_read_only_up_to_the_limit():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with memory_guard(), pytest.raises(YamlSourceError, match="larger than"):
        load_yaml("/dev/zero")


def test_too_many_values_are_refused(tmp_path):
    # One loader is enough: all of them read through load_yaml (the corpus shows each refusing
    # the other limits), and this file takes a few seconds to refuse.
    flat = tmp_path / "flat.yaml"
    flat.write_text("x: [" + "0," * MAX_NODES + "0]\n", encoding="utf-8")
    assert flat.stat().st_size < MAX_BYTES  # the value count binds before the size
    assert f"flat.yaml:1: more than {MAX_NODES:,} values" in load_refused("registry", flat)


@pytest.mark.parametrize("kind", KINDS)
def test_too_deep_nesting_is_refused_at_its_line(kind, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n")
    message = load_refused(kind, deep)
    assert f"deep.yaml:{MAX_DEPTH + 1}:" in message and f"more than {MAX_DEPTH} levels" in message


# -- the case: 342 bytes, 10 GB ------------------------------------------------------------
def test_units_check_refuses_nested_aliases_in_bounded_memory(tmp_path):
    bomb = tmp_path / "units.yaml"
    bomb.write_text(laughs(9), encoding="utf-8")
    assert bomb.stat().st_size < 500  # 9**9 = 387 million strings once expanded
    broken = tmp_path / "broken.yaml"  # refused at once: what `zwgk units check` costs anyway
    broken.write_text("units: [\n", encoding="utf-8")

    def limit() -> None:  # a regression dies here, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    def units_check(path: Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
        """`zwgk units check FILE`: the result, seconds, and the process's peak memory (MiB)."""
        started = time.perf_counter()
        result, peak = zwgk_with_peak(
            ["units", "check", str(path)], {"OPENBLAS_NUM_THREADS": "1"}, timeout=120,
            preexec_fn=limit,
        )  # fmt: skip
        return result, time.perf_counter() - started, peak

    baseline, _, baseline_mib = units_check(broken)
    assert baseline.returncode == 2, baseline.stderr
    result, elapsed, peak_mib = units_check(bomb)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output  # _fail: a clear refusal, not a crash (1) or a kill
    assert f"{bomb}:3: alias *a0" in output and "Traceback" not in output
    # Measured against the same command on a file refused at once, in the same run: what the
    # bomb adds (GBs when aliases expand) is at most a few MiB here.
    assert elapsed < 30 and peak_mib < baseline_mib + 100, (elapsed, peak_mib, baseline_mib)


@pytest.mark.parametrize("kind", KINDS)
def test_an_anchor_alone_is_harmless_but_every_alias_is_refused(kind, tmp_path):
    path = tmp_path / "anchor.yaml"
    path.write_text("note: &n some text\nother: *n\n", encoding="utf-8")
    assert "anchor.yaml:2: alias *n" in load_refused(kind, path)


def test_files_zwgk_writes_have_no_alias_even_for_shared_objects(tmp_path):
    shared = {"delay": 2.0}
    text = dump_yaml({"a": shared, "b": shared, "c": [shared, shared]})
    assert "&" not in text and "*" not in text
    path = tmp_path / "shared.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_yaml(path).data == {"a": shared, "b": shared, "c": [shared, shared]}


def test_limits_match_the_store_columns():
    from store.models import DisclosureColumn, Round, RoundScore, Unit

    assert Unit.__table__.c.id.type.length == MAX_ID == Unit.__table__.c.parent.type.length
    assert Unit.__table__.c.profile.type.length == MAX_PROFILE
    assert RoundScore.__table__.c.indicator_id.type.length == MAX_INDICATOR_ID
    assert Round.__table__.c.indicator_set_id.type.length == 64
    assert DisclosureColumn.__table__.c.category.type.length == 32


# -- extends: by id parses only the set it names -------------------------------------------------
def test_extends_by_id_parses_only_the_file_with_that_id(tmp_path, monkeypatch):
    # Saved on Windows (CRLF, BOM): its `id:` line is still found.
    text = (SHIPPED_DIR / "base.yaml").read_text(encoding="utf-8")
    (tmp_path / "zz-the-base.yaml").write_bytes(
        b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    )
    shutil.copy(SHIPPED_DIR / "2025Q2.yaml", tmp_path / "2025Q2.yaml")
    (tmp_path / "a-units.yaml").write_text(laughs(9), encoding="utf-8")
    (tmp_path / "b-binary.yaml").write_bytes(bytes(range(256)) * 64)
    with (tmp_path / "c-large.yaml").open("wb") as handle:
        handle.truncate(MAX_BYTES * 4)
    (tmp_path / "d-other-set.yaml").write_text("id: other\nversion: '1'\nindicators: []\n")
    parsed: list[str] = []
    real = indicators_module.load_yaml

    def counting(path, *args, **kwargs):
        parsed.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(indicators_module, "load_yaml", counting)
    with memory_guard():
        loaded = load_indicator_set(tmp_path / "2025Q2.yaml")
    assert loaded.extends == ("base",)
    assert set(parsed) == {"2025Q2.yaml", "zz-the-base.yaml"}


def test_a_set_whose_id_is_not_near_the_top_is_not_found_and_the_error_says_why(tmp_path):
    (tmp_path / "late.yaml").write_text(
        "# padding\n" * 3000 + "id: late\nversion: '1'\nindicators: []\n", encoding="utf-8"
    )
    child = tmp_path / "child.yaml"
    child.write_text("id: child\nversion: '1'\nextends: late\nindicators: []\n")
    message = load_refused("indicators", child)
    assert "child.yaml:3: extends: no indicator set 'late'" in message
    assert "`id:` line near the top" in message


# -- hypothesis: anything in, only the module's error out -------------------------------------------
YAMLISH = st.sampled_from(
    list("-:?[]{},&*!|>'\"#%@`\\ \t\n\r.~")
    + list("aeixyz019")
    + ["id", "version", "units", "extends", "indicators", "workdays", "holidays", "categories"]
    + ["rules", "name", "level", "points", "deduct", "listing", "<<", ".inf", ".nan", "null"]
    + ["2025-13-01", "2027-02-07", "!!binary", "!!python/name:os.system", "!!set", "0x", "1e9"]
    + ["!!bool ", "!!int ", "!!float ", "!!timestamp ", "!!str ", "!!map ", "!!seq ", '""', "_"]
    + ["县区政府", "测试", "\x00", "\x85", "\u2028", "\ufeff", "---", "...", "\t- "]
)
yamlish_text = st.lists(YAMLISH, max_size=80).map("".join)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10) | st.integers(-5, 5), inner, max_size=4)
    ),
    max_leaves=30,
)


def load_written(loader: Callable[[Path], Any], content: str | bytes, name: str) -> Any:
    """`loader` on a file `name` holding `content`, alone in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="zwgk-yaml-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return loader(path)


def only_own_error(kind: str, content: str | bytes) -> None:
    loader, error = LOADERS[kind]
    with memory_guard(), contextlib.suppress(error):
        load_written(loader, content, f"{kind}.yaml")


@pytest.mark.parametrize("kind", KINDS)
def test_any_text_raises_only_the_loaders_error(kind):
    check_property(yamlish_text, lambda text: only_own_error(kind, text))


@pytest.mark.parametrize("kind", KINDS)
def test_any_bytes_raise_only_the_loaders_error(kind):
    check_property(st.binary(max_size=300), lambda data: only_own_error(kind, data))


@pytest.mark.parametrize("kind", KINDS)
def test_any_document_raises_only_the_loaders_error(kind):
    check_property(
        documents,
        lambda document: only_own_error(kind, yaml.safe_dump(document, allow_unicode=True)),
    )


def _paths(value: Any, at: tuple = ()) -> list[tuple]:
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*at, i))
    return found


def _replaced(document: Any, at: tuple, new: Any) -> Any:
    if not at:
        return new
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[at[0]] = _replaced(document[at[0]], at[1:], new)
    return copy


def valid_documents() -> dict[str, Any]:
    return {
        "registry": {
            "version": 1,
            "defaults": {"delay": 1.5, "robots": "obey"},
            "units": [
                {
                    "id": "jh",
                    "name": "江淮市人民政府",
                    "level": "市政府",
                    "profile": "lonsun",
                    "entry": "http://127.0.0.9:8080/",
                },
                {
                    "id": "jh-d01",
                    "name": "西河县人民政府",
                    "level": "县区政府",
                    "parent": "jh",
                    "profile": "trs",
                    "entry": "http://127.0.0.10:8080/zf/",
                    "overrides": {"timeout": 10, "columns": {"专题专栏": "skip"}},
                },
            ],
        },
        "profile": yaml.safe_load((ROOT / "crawler/profiles/lonsun.yaml").read_text()),
        "indicators": {
            "id": "prop",
            "version": "1",
            "name": "测试",
            "pass_line": 60,
            "indicators": [_indicator("fresh.news", 10, 2, "2 weeks")],
        },
        "columns": yaml.safe_load((ROOT / "crawler/columns.yaml").read_text()),
        "workdays": {"workdays": [dt.date(2027, 2, 7)], "holidays": [dt.date(2027, 2, 10)]},
        "office": {
            "sender": "江淮市人民政府办公室",
            "notice_no": "江淮政办秘〔2025〕45号",
            "contact": {"name": "李明", "phone": "0551-12345678"},
            "signature": ["江淮市人民政府办公室"],
            "deadline_workdays": 20,
        },
    }


def _indicator(iid: str, points: float, per_problem: float, max_age: str) -> dict[str, Any]:
    return {
        "id": iid,
        "name": "栏目更新及时",
        "group": ["栏目建设", "更新维护"],
        "applies_to": {"categories": ["news"]},
        "check": "column_freshness",
        "window": "as_of",
        "params": {"max_age": max_age},
        "points": points,
        "deduct": {"per_problem": per_problem},
        "suggestion": "请及时更新{column_name}栏目。",
        "description": "栏目长期未更新扣分。",
        "source": "测试",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_valid_document_with_any_value_replaced_raises_only_the_loaders_error(kind):
    document = valid_documents()[kind]
    replacements = st.tuples(st.sampled_from(_paths(document)), documents)
    check_property(
        replacements, lambda change: only_own_error(kind, dump_yaml(_replaced(document, *change)))
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_valid_documents_load(kind, tmp_path):
    path = tmp_path / f"{kind}.yaml"
    path.write_text(dump_yaml(valid_documents()[kind]), encoding="utf-8")
    LOADERS[kind][0](path)


# -- round-trips -----------------------------------------------------------------------------------
ids = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
zh_text = st.text(alphabet="政务公开测评江淮市县区人民政府办公室教育局", min_size=1, max_size=12)


@st.composite
def registries(draw) -> dict[str, Any]:
    unit_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    units = []
    for i, uid in enumerate(unit_ids):
        unit = {
            "id": uid,
            "name": draw(zh_text),
            "level": draw(st.sampled_from(LEVELS)),
            "parent": draw(st.sampled_from([None, *unit_ids[:i]])),
            "profile": draw(st.sampled_from(available_profiles())),
            "entry": f"http://127.0.0.{draw(st.integers(1, 254))}:{draw(st.integers(1, 65535))}/"
            + draw(st.from_regex(r"[a-z0-9/_]{0,20}", fullmatch=True)),
        }
        overrides = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "robots": st.sampled_from(["obey", "ignore"]),
                    "delay": st.floats(0, MAX_DELAY),
                    "concurrency": st.integers(1, 2),
                    "timeout": st.floats(0.1, MAX_TIMEOUT),
                    # Header text; spaces inside only (the registry strips the ends).
                    "user_agent": st.from_regex(
                        r"[A-Za-z0-9/.();+:-]([A-Za-z0-9/.() ;+:-]{0,38}[A-Za-z0-9/.();+:-])?",
                        fullmatch=True,
                    ),
                },
            )
        )
        if overrides:
            unit["overrides"] = overrides
        # The unit's contacts (the patrol's e-mail): plain addresses, often none.
        unit["contacts"] = draw(
            st.lists(
                st.from_regex(r"[a-z0-9][a-z0-9._-]{0,9}@[a-z0-9-]{1,10}\.gov\.cn", fullmatch=True),
                max_size=3,
            )
        )
        units.append(unit)
    defaults = {"concurrency": draw(st.integers(1, MAX_CONCURRENCY))}
    defaults["raise_concurrency_limit"] = True
    return {"version": 1, "name": draw(zh_text), "defaults": defaults, "units": units}


@FAST
@given(document=registries())
def test_a_registry_dumped_and_loaded_gives_the_same_units(document):
    registry = load_written(load_registry, dump_yaml(document), "units.yaml")
    assert registry.name == document["name"]
    assert registry.defaults.concurrency == document["defaults"]["concurrency"]
    for given_unit, unit in zip(document["units"], registry.units, strict=True):
        loaded = unit.model_dump(exclude={"overrides"})
        assert loaded == {k: v for k, v in given_unit.items() if k != "overrides"}
        wanted = given_unit.get("overrides", {})
        assert unit.overrides.model_dump(exclude_unset=True) == wanted
        for key, value in wanted.items():
            assert getattr(unit.settings, key) == value


@st.composite
def indicator_sets(draw) -> dict[str, Any]:
    names = draw(
        st.lists(ids.map(lambda s: s.replace("-", "_")), min_size=1, max_size=6, unique=True)
    )
    entries = []
    for name in names:
        points = draw(st.integers(1, 100)) / 2 + 0.5
        per_problem = max(0.01, round(draw(st.floats(0.01, points)), 2))
        amount = draw(st.integers(1, 10))
        entries.append(
            _indicator(
                f"x.{name}",
                points,
                per_problem,
                f"{amount} {draw(st.sampled_from(['weeks', '个月', 'days']))}",
            )
        )
    return {
        "id": draw(ids),
        "version": draw(st.from_regex(r"20[0-9]{2}Q[1-4]", fullmatch=True)),
        "name": draw(zh_text),
        "pass_line": draw(st.integers(0, 100)),
        "indicators": entries,
    }


@FAST
@given(document=indicator_sets())
def test_an_indicator_set_dumped_loaded_and_frozen_gives_the_same_set(document):
    loaded = load_written(load_indicator_set, dump_yaml(document), "set.yaml")
    assert (loaded.id, loaded.version, loaded.name) == (
        document["id"],
        document["version"],
        document["name"],
    )
    assert loaded.pass_line == document["pass_line"]
    for entry, indicator in zip(document["indicators"], loaded.indicators, strict=True):
        assert indicator.id == entry["id"] and indicator.points == entry["points"]
        assert indicator.deduct.per_problem == entry["deduct"]["per_problem"]
        assert indicator.params.max_age.amount == int(entry["params"]["max_age"].split()[0])
    thawed = set_from_text(loaded.text)
    assert thawed.indicators == loaded.indicators and thawed.sha256 == loaded.sha256


@FAST
@given(
    days=st.lists(
        st.tuples(st.dates(dt.date(2004, 1, 1), dt.date(2035, 12, 31)), st.booleans()),
        max_size=30,
        unique_by=lambda d: d[0],
    )
)
def test_workday_overrides_dumped_and_loaded_give_the_same_days(days):
    document = {
        "workdays": [d for d, work in days if work],
        "holidays": [d for d, work in days if not work],
    }
    calendar = load_written(WorkCalendar.from_yaml, dump_yaml(document), "workdays.yaml")
    assert calendar.overrides == dict(days)


@FAST
@given(
    rules=st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9_]{0,31}", fullmatch=True).filter(
                lambda c: c not in ("group", "skip")
            ),
            st.lists(
                st.text(alphabet="动态通知公告政策解读规划人事财政", min_size=1, max_size=4),
                min_size=1,
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda r: r[0],
    )
)
def test_a_column_map_dumped_and_loaded_gives_the_same_rules(rules):
    document = {
        "version": 1,
        "categories": {category: f"{category} 说明" for category, _ in rules},
        "rules": [{"category": category, "keywords": words} for category, words in rules],
    }
    column_map = load_written(load_column_map, dump_yaml(document), "columns.yaml")
    assert column_map.categories == document["categories"]
    for category, words in rules:
        found = column_map.match(words[0])
        # The first rule holding the word wins (rules are tried in order).
        first = next(c for c, ws in rules if any(w in words[0] for w in ws))
        assert found is not None and found.category == first, category


def test_a_profile_dumped_and_loaded_gives_the_same_profile(tmp_path):
    for name in ("lonsun", "trs", "generic"):
        profile = load_profile(ROOT / "crawler" / "profiles" / f"{name}.yaml")
        dumped = profile.model_dump(mode="json", exclude={"extends"})
        path = tmp_path / f"{name}.yaml"
        path.write_text(dump_yaml(dumped), encoding="utf-8")
        again = load_profile(path)
        assert again.model_dump(mode="json", exclude={"extends"}) == dumped
