"""`common.extends`: the one `extends:` merge profiles and indicator sets share — mappings key
by key, everything else replaced, every value still naming the file and line it came from."""

from __future__ import annotations

import pytest

from common.extends import ExtendsCycle, Tracked, chain, merged
from common.yamlsource import load_yaml


def tracked(tmp_path, name: str, text: str) -> Tracked:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Tracked.of(load_yaml(path))


def test_mappings_merge_key_by_key_and_lists_are_replaced(tmp_path):
    base = tracked(tmp_path, "base.yaml", "a:\n  x: 1\n  y: [1, 2]\nb: keep\n")
    child = tracked(tmp_path, "child.yaml", "a:\n  y: [3]\n  z: null\n")
    out = merged(base, child)
    assert out.data == {"a": {"x": 1, "y": [3], "z": None}, "b": "keep"}
    # Each value names the file that gave it; a merged mapping's key names the later file.
    assert out.where(("a", "x")) == f"{tmp_path / 'base.yaml'}:2"
    assert out.where(("a", "y", 0)) == f"{tmp_path / 'child.yaml'}:2"
    assert out.where(("a", "y", 1)) == f"{tmp_path / 'child.yaml'}:2"  # the old item is gone
    assert out.where(("a",)) == f"{tmp_path / 'child.yaml'}:1"
    assert out.where(("b",)) == f"{tmp_path / 'base.yaml'}:4"
    # Neither input changed.
    assert base.data == {"a": {"x": 1, "y": [1, 2]}, "b": "keep"}
    assert ("a", "z") not in base.lines


def test_a_value_replacing_a_mapping_takes_its_lines_away(tmp_path):
    base = tracked(tmp_path, "base.yaml", "a:\n  x: 1\n  y: 2\n")
    child = tracked(tmp_path, "child.yaml", "# a comment\na: [1]\n")
    out = merged(base, child)
    assert out.data == {"a": [1]}
    assert out.where(("a", "x")) == f"{tmp_path / 'child.yaml'}:2"  # nearest: the new `a:`


def test_a_part_of_a_file_keeps_its_own_lines(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text("items:\n  - id: one\n  - id: two\n    points: 3\n", encoding="utf-8")
    second = Tracked.of(load_yaml(path), ("items", 1))
    assert second.data == {"id": "two", "points": 3}
    assert second.origin(("points",)) == (str(path), 4)
    assert second.origin(("nowhere", 0)) == (str(path), 3)  # the item itself
    second.drop("points")
    assert "points" not in second.data and ("points",) not in second.lines


def test_chain_is_base_first_and_a_cycle_is_refused(tmp_path):
    for name, parent in (("a", "b"), ("b", "c"), ("c", None)):
        (tmp_path / f"{name}.yaml").write_text(f"extends: {parent}\n" if parent else "x: 1\n")

    def read(path):
        return load_yaml(path).data

    def parent(path, data):
        up = (data or {}).get("extends")
        return path.parent / f"{up}.yaml" if up else None

    assert [p.name for p, _ in chain(tmp_path / "a.yaml", read, parent)] == [
        "c.yaml", "b.yaml", "a.yaml",
    ]  # fmt: skip
    (tmp_path / "c.yaml").write_text("extends: a\n")
    with pytest.raises(ExtendsCycle) as caught:
        chain(tmp_path / "a.yaml", read, parent)
    assert caught.value.path_text == "a.yaml → b.yaml → c.yaml → a.yaml"
    assert caught.value.child == {"extends": "a"}  # what c.yaml said
