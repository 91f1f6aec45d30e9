"""文号 (document numbers) as the checks read them: their printed forms, the issuer's 代字, and
whether a 文号 printed in a text is the page's own or a cited document's.

江政办〔2023〕 3号, 江政办[2023]3号 and 江政办（2023）3号 are the same 文号. A body often prints
other documents' numbers: "根据《…》（皖政〔2020〕5号）精神", "按照省政府办公厅皖政办〔2022〕5号
文件要求", "现将《…》（皖政〔2023〕5号）转发给你们" — those are cited, not the document's own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Up to 12 Chinese characters before the bracket: a number printed inside a sentence may carry
# a few of the sentence's words in front of its 代字 ("根据江政办〔2023〕3号"), see `same`.
DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号")
_PARTS = re.compile(r"^(.*)〔(\d{4})〕(\d+)号$")
_BRACKETS = str.maketrans({"[": "〔", "(": "〔", "]": "〕", ")": "〕"})
# Words that make a 文号 in their clause someone else's: the document is cited, forwarded,
# implemented, replaced or repealed.
_CITING = (
    "根据", "依据", "按照", "参照", "依照", "遵照", "对照", "转发", "转载", "贯彻", "落实",
    "执行", "废止", "代替", "取代", "替代", "修订", "修改", "印发的",
)  # fmt: skip
_CLAUSE_END = re.compile(r"[。；;！!？?\n]")
_CITED_TITLE = re.compile(r"》\s*[（(]?\s*$")  # 《title》（ right before the number


def normalise(value: str) -> str:
    """江政办〔2023〕 3号, 江政办[2023]3号 and 江政办（2023）3号 → 江政办〔2023〕3号."""
    text = unicodedata.normalize("NFKC", value if isinstance(value, str) else "")
    return re.sub(r"\s+", "", text).translate(_BRACKETS)


@dataclass(frozen=True)
class Printed:
    """One 文号 printed in a text: as printed, and whether its clause cites it."""

    text: str
    cited: bool


def printed(text: str) -> list[Printed]:
    """Every 文号 in `text`, in order, each marked cited or not by the words before it in its
    clause (a 《title》 right before it, or a citing word: 根据, 按照, 转发, 废止, …)."""
    out = []
    for match in DOC_NO.finditer(text or ""):
        before = text[max(0, match.start() - 80) : match.start()]
        clause = _CLAUSE_END.split(before)[-1]
        # The number's own leading characters may hold the citing word ("根据江政办〔…").
        head = re.split(r"[〔\[［(（]", match.group(0), maxsplit=1)[0]
        cited = bool(_CITED_TITLE.search(clause)) or any(w in clause + head for w in _CITING)
        out.append(Printed(re.sub(r"\s+", "", match.group(0)), cited))
    return out


def same(a: str, b: str) -> bool:
    """Whether two printed 文号 name one document: the same year and number, and one 代字 ends
    the other (a number inside a sentence may carry words before its 代字)."""
    pa, pb = _PARTS.match(normalise(a)), _PARTS.match(normalise(b))
    if pa is None or pb is None:
        return normalise(a) == normalise(b)
    if pa.group(2, 3) != pb.group(2, 3):
        return False
    ia, ib = pa.group(1), pb.group(1)
    return bool(ia) and bool(ib) and (ia.endswith(ib) or ib.endswith(ia))


def issuer(value: str) -> str:
    """The 代字 of a 文号 (江政办 of 江政办〔2023〕3号), "" when it is not one."""
    found = _PARTS.match(normalise(value))
    return found.group(1) if found else ""


def same_issuer(a: str, b: str) -> bool:
    """Whether two 文号 come from one issuer (one 代字 ends the other)."""
    ia, ib = issuer(a), issuer(b)
    return bool(ia) and bool(ib) and (ia.endswith(ib) or ib.endswith(ia))


def valid(value: str) -> bool:
    """Whether a metadata value is a 文号 at all (not 无, 暂无 or a bare number)."""
    return _PARTS.match(normalise(value)) is not None and bool(issuer(value))
