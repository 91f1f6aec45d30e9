"""Other spellings of one address: what makes two URLs name the same page.

A page links another by the address its editor typed or its CMS printed: `https://` for
`http://`, a directory for its `index.html`, a trailing slash or none, Chinese characters or
their percent-encoding, a tracking query (`?from=jd`). A check that compares addresses must not
call a page missing (a document without interpretation, a dead link) because it was spelled
otherwise. `spellings` lists the common variants of an address; `stored` finds, for each URL,
the stored page it names under any of them. Variants are generated only for the few URLs that
do not match as they are, so a million stored pages cost one hash lookup each, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import numpy as np
import pandas as pd

_INDEX = re.compile(r"/(?:index|default)\.s?html?$", re.IGNORECASE)
_SAFE = "/:@!$&'()*+,;=-._~%"


def spellings(url: str, *, drop_query: bool = False) -> list[str]:
    """`url` and its other spellings (scheme, trailing slash, index page, percent-encoding;
    with `drop_query` also without its query string), the URL itself first."""
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return [url]
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [url]
    netloc = parts.netloc.lower()
    path = parts.path or "/"
    bare = _INDEX.sub("/", path)
    paths = {path, bare}
    # A directory (a path ending in "/" or in a name without an extension): with or without
    # the slash, or its index page.
    if bare.endswith("/") or "." not in bare.rsplit("/", 1)[-1]:
        folder = bare.rstrip("/") + "/"
        paths |= {folder, folder.rstrip("/") or "/"}
        paths |= {folder + name for name in ("index.html", "index.htm", "index.shtml")}
    encoded = set()
    for p in paths:
        text = unquote(p)
        encoded |= {p, text, quote(text, safe=_SAFE)}
    queries = [parts.query, ""] if drop_query and parts.query else [parts.query]
    out = [url]
    for scheme in (parts.scheme, "https" if parts.scheme == "http" else "http"):
        for p in sorted(encoded):
            for q in queries:
                out.append(urlunsplit((scheme, netloc, p, q, "")))
    return list(dict.fromkeys(out))


def stored(urls: Iterable[str], index: pd.Index, *, drop_query: bool = False) -> np.ndarray:
    """Position in `index` (stored page URLs) of the page each URL names, under its own
    spelling or another (`spellings`); -1 where none is stored."""
    urls = np.asarray(list(urls) if not isinstance(urls, np.ndarray) else urls, dtype=object)
    pos = index.get_indexer(urls).copy() if len(urls) else np.zeros(0, dtype=np.int64)
    owners, others = [], []
    for i in np.flatnonzero(pos < 0):
        if isinstance(urls[i], str):
            variants = spellings(urls[i], drop_query=drop_query)[1:]
            owners += [i] * len(variants)
            others += variants
    if others:  # one look-up for every other spelling; the first one stored wins
        for i, found in zip(owners, index.get_indexer(others), strict=True):
            if found >= 0 and pos[i] < 0:
                pos[i] = found
    return pos
