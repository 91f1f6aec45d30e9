"""How `duplicate_information` pairs pages before it compares them: titles as printing varies
them, and a title's core — the name a republished copy keeps when its title changes.

"关于印发《江淮市X办法》的通知" and "江淮市X办法" name one document; "【通知公告】关于做好Y工作的
通知" is "关于做好Y工作的通知" with a column tag. Pages that share a title or a core are compared
(by 文号 and body text), never judged by the title alone.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# What printing varies in a title: spaces (ASCII, ideographic, no-break) and full-width ASCII
# (ＡＢＣ１２３（）). NFKC's rarer compatibility forms are not folded.
_SPACES = (0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xA0)
_FOLD = {c: None for c in _SPACES}
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
_WIDE_FIRST, _WIDE_LAST, _WIDE_SHIFT = 0xFF01, 0xFF5E, 0xFEE0
_SEP = "\x00"  # joins a chunk of titles; a chunk with a title holding it is folded title by title
# Titles folded at a time: each chunk's UTF-32 buffers are transient (≈ 2 MiB at 10,000).
_CHUNK = 10_000

# The parts of a (normalised) title a copy adds or drops: a leading column tag or 转发/转载,
# a trailing (全文)/(转载) tag, the issuer and 关于/印发 before the subject, 的通知-type endings.
_TAG = re.compile(r"^(?:【[^】]{1,10}】|\[[^\]]{1,10}\]|(?:转发|转载|转)[:：])+")
_TAIL_WORDS = ("全文", "转载", "转发", "图文", "附全文", "原文")
_TAIL = re.compile(rf"(?:\((?:{'|'.join(_TAIL_WORDS)})\)|【[^】]{{1,10}}】)$")
_NAMED = re.compile(r"《([^》]{4,})》")
_ISSUER = re.compile(r"^.{0,24}?关于(?:印发|转发|公布|发布)?")
_ENDING = re.compile(r"的(?:通知|公告|通告|通报|公示|意见|函|批复|决定|报告)$")


def normalise_title(title: str) -> str:
    return (title or "").translate(_FOLD)


def normalise_titles(titles: pd.Series) -> pd.Series:
    """`normalise_title` over a Series, as code points in numpy.

    Real titles nearly all hold a full-width bracket (（）), and `str.translate` looks up every
    character in a dict: seconds for a million titles. Here a chunk of titles is joined, encoded
    as UTF-32 once, folded and stripped of spaces with array operations, and split again —
    the same strings, title for title.
    """
    values = titles.to_numpy(dtype=object, na_value="")
    out = np.empty(len(values), dtype=object)
    for start in range(0, len(values), _CHUNK):
        part = [t if isinstance(t, str) else str(t) for t in values[start : start + _CHUNK]]
        joined = _SEP.join(part)
        if joined.count(_SEP) != len(part) - 1:
            out[start : start + len(part)] = [t.translate(_FOLD) for t in part]
            continue
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        wide = (codes >= _WIDE_FIRST) & (codes <= _WIDE_LAST)
        codes = np.where(wide, codes - _WIDE_SHIFT, codes).astype("<u4")
        codes = codes[~np.isin(codes, _SPACES)]
        folded = codes.tobytes().decode("utf-32-le", "surrogatepass").split(_SEP)
        out[start : start + len(part)] = folded
    return pd.Series(out, index=titles.index, dtype=object)


def untagged(title: str) -> str:
    """A normalised title without the tags a copy adds (【通知公告】, 转发：, （全文）)."""
    return _TAIL.sub("", _TAG.sub("", title or ""))


def title_core(title: str) -> str:
    """The core of a normalised title: the name in 《》, else the title without a copy's tags,
    its issuer and 关于/印发, and its 的通知-type ending."""
    text = untagged(title)
    named = _NAMED.search(text)
    if named:
        return named.group(1)
    return _ENDING.sub("", _ISSUER.sub("", text))


_CORE = re.compile(
    r"^.{0,24}?关于(?:印发|转发|公布|发布)?(.+?)(?:的(?:通知|公告|通告|通报|公示|意见|函|批复|决定|报告))?$"
)
# How a title that may carry a copy's tag starts or ends: `untagged` runs only on those.
_TAG_HEADS = ("【", "[", "转")
_TAG_ENDS = ("】", *(f"({word})" for word in _TAIL_WORDS))


def title_keys(titles: pd.Series) -> list[pd.Series]:
    """`untagged` and `title_core` of the normalised titles, each None where it is the title
    itself (or the core rule finds none). Fast for a million titles: plain loops over the
    strings (pandas' string methods cost a call per cell and more), the tag rule only on titles
    that start or end like a tag, the core rule only on titles holding 《 or 关于 — where the
    core is `title_core`'s for 《》 and, for 关于, the issuer and ending cut in one match."""
    values = titles.to_numpy(dtype=object, na_value="")
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        values = np.array([t if isinstance(t, str) else str(t) for t in values], dtype=object)
    bare = np.full(len(values), None, dtype=object)
    for i in [i for i, t in enumerate(values) if t.startswith(_TAG_HEADS) or t.endswith(_TAG_ENDS)]:
        stripped = untagged(values[i])
        if stripped != values[i]:
            bare[i] = stripped
    core = np.full(len(values), None, dtype=object)
    # A copy's tags are cut from the ends only: a title without 《 or 关于 has none untagged.
    for i in [i for i, t in enumerate(values) if "《" in t or "关于" in t]:
        text = values[i] if bare[i] is None else bare[i]
        if "《" in text:
            found = _NAMED.search(text)
        elif "关于" in text:
            found = _CORE.search(text)
        else:
            continue
        if found is not None and found.group(1) != values[i]:
            core[i] = found.group(1)
    return [pd.Series(bare, index=titles.index, dtype=object),
            pd.Series(core, index=titles.index, dtype=object)]  # fmt: skip
