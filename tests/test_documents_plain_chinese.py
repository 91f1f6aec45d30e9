"""The checklists (XLSX, CSV, HTML) and the round report (XLSX, HTML) of a round carry no
parameter name, English word, indicator id or fingerprint in anything a reader sees (issue 12,
point 6) — URLs, e-mail addresses and text quoted from the unit's pages excepted
(tests/documents_scan.py says exactly what is read and what is excepted).

On the hand-built rounds of tests/report_rounds.py (every kind of row and notice: open, fixed,
回头看 credit, 今后注意, not read, not evaluated). The documents `zwgk demo` writes for the sample
portal's round 2025Q3 are scanned the same way in tests/test_demo_loop.py, on its one run of the
demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from documents_scan import all_param_names, codes, offending, unit_facing_strings
from report_rounds import (  # noqa: F401 (fixtures)
    K3,
    fp,
    report_store_fixture,
    report_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)

from reports.checklist import write_checklists
from reports.checklist.office import Office
from reports.round_report import write_round_report
from store import Store
from store import rounds as round_store

OFFICE = Office.model_validate(
    {
        "sender": "江淮市人民政府办公室",
        "notice_no": "江淮政办秘〔2025〕45号",
        "contact": {"name": "李明", "phone": "0551-12345678", "email": "zwgk@jianghuai.gov.cn"},
    }
)


def documents(store: Store, out: Path, round_id: str) -> list[Path]:
    paths = write_checklists(
        store, round_id, out / "checklists", issued=dt.date(2025, 10, 9), office=OFFICE
    )
    return paths + write_round_report(store, round_id, out / "round")


@pytest.mark.parametrize("round_id", ["2025Q2", "2025Q3"])
def test_no_code_or_english_in_any_document_of_the_rounds(report_store: Store, tmp_path, round_id):
    paths = documents(report_store, tmp_path, round_id)
    assert {p.suffix for p in paths} == {".xlsx", ".csv", ".html"} and len(paths) == 7 * 3 + 2
    ids, prints = codes(report_store, round_id)
    strings = list(unit_facing_strings(paths))
    assert len(strings) > 500  # the scan reads the documents, not nothing
    assert any("zwgk@jianghuai.gov.cn" in text for _, text in strings)  # excepted: an address
    assert any("http://d2.test/a/9.html#k" in text for _, text in strings)  # and a URL
    assert offending(paths, ids, all_param_names(), prints) == []


def test_the_scan_finds_what_it_is_meant_to(report_store: Store, tmp_path):
    """A suggestion that leaks codes (an old set, a careless template) is caught in both the
    checklists and the round report, each word with where it is."""
    leak = fp("d2", "links", K3)
    round_store.update_problems(
        report_store,
        "2025Q3",
        [
            {
                "fingerprint": leak,
                "suggestion": f"链接返回 HTTP 404（links，max_age，{leak}）。请修复。",
            }
        ],
    )
    paths = documents(report_store, tmp_path, "2025Q3")
    ids, prints = codes(report_store, "2025Q3")
    found = offending(paths, ids, all_param_names(), prints)
    kinds = {line.split(": ", 1)[1].split(" in ")[0] for line in found}
    assert kinds == {
        "HTTP (English)",
        "links (indicator id)",
        "max_age (parameter name)",
        f"{leak} (fingerprint)",
    }
    files = {line.split("!")[0].split("<")[0].split(":")[0] for line in found}
    assert any(f.endswith("江淮市财政局.xlsx") for f in files)
    assert any(f.endswith("江淮市财政局.csv") for f in files)
    assert any(f.endswith("江淮市财政局.html") for f in files)
    assert "测评情况报告_2025Q3.xlsx" in files  # its HTML counts problems, quotes none
    # Quoted, the same words are the unit's own text and pass.
    round_store.update_problems(
        report_store,
        "2025Q3",
        [{"fingerprint": leak, "suggestion": "《HTTP 指南》无法打开。请修复。"}],
    )
    paths = documents(report_store, tmp_path / "again", "2025Q3")
    assert offending(paths, ids, all_param_names(), prints) == []
