"""An XLSX from outside (a returned checklist), opened so that what it costs is bounded by what
we expect to find in it, not by what the file claims.

An XLSX is a zip of XML parts. The ways one can hurt the reader, and where each is stopped:
- not a zip, or a zip without a workbook: refused before openpyxl sees it (`open_untrusted`);
- a zip bomb (a part that inflates to gigabytes): zipfile records each part's inflated size
  and never inflates past it, so the sizes are checked first — `MAX_FILE_BYTES` on disk,
  `MAX_UNPACKED_BYTES` for all parts together, `MAX_PART_BYTES` for each part that openpyxl
  reads whole at load (styles, theme, workbook…); worksheets and the shared strings count in the
  total, and a worksheet is read through `LimitedReader`, up to the bytes its caller expects;
- an XML entity expansion ("billion laughs"): openpyxl parses with defusedxml when it is
  installed (it is: Scrapy requires it), which refuses entity declarations; without it, expat
  ≥ 2.4 stops amplification itself — either way a parse error, refused as an invalid file;
- a far cell (XFD1048576): openpyxl's ``iter_rows`` pads every row to the widest and every gap
  to full rows — ``max_row × max_column`` cells, the MemoryError of issue 9. `stored_rows`
  yields only the cells the file holds, one row at a time.

Every refusal is an `UntrustedXlsxError` whose message is in Chinese, for the unit that sent it.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

MiB = 1024 * 1024
MAX_FILE_BYTES = 32 * MiB
MAX_UNPACKED_BYTES = 32 * MiB
MAX_PART_BYTES = 4 * MiB
MAX_PARTS = 1000
# Parts that may be large in a legitimate workbook: they grow with its rows.
GROWING = ("xl/worksheets/", "xl/sharedStrings.xml")


class UntrustedXlsxError(ValueError):
    """The file cannot be read as a workbook; the message says why, in Chinese."""


def _mb(size: int) -> str:
    return f"{size / MiB:.1f} MB"


def check_zip(path: Path) -> None:
    """Refuse ``path`` unless it is a zip of a workbook whose parts stay within the limits."""
    if not path.is_file():
        raise UntrustedXlsxError("文件不存在")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UntrustedXlsxError(
            f"文件大小 {_mb(size)}，超过 {_mb(MAX_FILE_BYTES)} 的上限；请报回导出的整改清单原表"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UntrustedXlsxError(
            "不是有效的 xlsx 文件（xlsx 文件是 zip 压缩包，此文件不是；如设置了打开密码，"
            "请取消密码），请报回导出的整改清单原表"
        ) from None
    if len(parts) > MAX_PARTS:
        raise UntrustedXlsxError(f"压缩包内有 {len(parts)} 个文件，不是整改清单；请报回原表")
    names = {p.filename for p in parts}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UntrustedXlsxError("是 zip 压缩包，但其中没有 Excel 工作簿；请报回导出的整改清单原表")
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED_BYTES:
        raise UntrustedXlsxError(
            f"解压后共 {_mb(total)}，超过 {_mb(MAX_UNPACKED_BYTES)} 的上限，不是正常的整改清单；"
            "请报回导出的整改清单原表"
        )
    for p in parts:
        if p.file_size > MAX_PART_BYTES and not p.filename.startswith(GROWING):
            raise UntrustedXlsxError(
                f"其中的 {p.filename} 解压后 {_mb(p.file_size)}，超过 {_mb(MAX_PART_BYTES)} 的上限；"
                "请报回导出的整改清单原表"
            )


@contextlib.contextmanager
def open_untrusted(path: Path | str) -> Iterator[Any]:
    """The workbook at ``path`` opened read-only (worksheets are read lazily, formulas kept as
    formulas, links to other workbooks dropped), closed when the block ends."""
    path = Path(path)
    check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises a dozen types on a broken part
        cause = exc.__cause__ or exc  # openpyxl wraps what the parser said in a ValueError
        raise UntrustedXlsxError(
            f"不是有效的 xlsx 文件，无法读取（{type(cause).__name__}）；请报回导出的整改清单原表"
        ) from None
    try:
        yield wb
    finally:
        wb.close()


class TooLarge(UntrustedXlsxError):
    """A worksheet holds more than its caller expected to read."""


class LimitedReader:
    """A binary stream that raises `TooLarge` once more than ``limit`` bytes were read."""

    def __init__(self, stream: IO[bytes], limit: int, message: str) -> None:
        self.stream, self.left, self.message = stream, limit, message

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else self.left + 1)
        self.left -= len(data)
        if self.left < 0:
            raise TooLarge(self.message)
        return data


@dataclass(frozen=True)
class StoredCell:
    """A cell as the file holds it: ``kind`` is openpyxl's data type — ``f`` a formula (its text
    in ``value``, or an ArrayFormula / DataTableFormula), ``e`` an error value (#N/A), ``s``
    text, ``n`` a number, ``d`` a date, ``b`` true/false."""

    row: int
    column: int
    value: Any
    kind: str


def stored_rows(
    ws: ReadOnlyWorksheet, *, limit: int, too_large: str
) -> Iterator[tuple[int, list[StoredCell]]]:
    """(row number, the cells stored in that row) for the rows the sheet's XML holds, in file
    order; cost ∝ the cells present, never ``max_row × max_column``. Reads at most ``limit``
    bytes of the sheet's XML (`TooLarge` with ``too_large`` beyond).

    openpyxl's own read-only worksheet does the same parsing but pads the result to a rectangle,
    so its parser is called directly here — as `ReadOnlyWorksheet` itself does."""
    wb = ws.parent
    try:
        with ws._get_source() as source:
            parser = WorkSheetParser(
                LimitedReader(source, limit, too_large),
                ws._shared_strings,
                data_only=False,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            for number, cells in parser.parse():
                yield (
                    number,
                    [StoredCell(c["row"], c["column"], c["value"], c["data_type"]) for c in cells],
                )
    except UntrustedXlsxError:
        raise
    except Exception as exc:  # noqa: BLE001 — a broken sheet part: bad XML, a string index…
        raise UntrustedXlsxError(
            f"工作表「{ws.title}」无法读取（{type(exc).__name__}）；请报回导出的整改清单原表"
        ) from None
