"""A CJK font for matplotlib, found at run time.

matplotlib's default DejaVu Sans has no Chinese glyphs: chart titles and labels would come out as
empty boxes (豆腐块). We look, in this order, for
1. one of the common CJK families among the fonts matplotlib knows;
2. the font shipped by the optional extra ``zwgk[cjk]`` (the PyPI package ``noto-cjk-sans-otc``:
   Noto Sans CJK, SIL Open Font License 1.1) — real Chinese charts without root;
3. CJK font files in the system font folders that matplotlib's font cache predates.
When there is none we warn once (`INSTALL_HINT`, by logging: ``python -W error`` is not
affected) and charts are still drawn, with boxes for the Chinese text; `reports.charts` then
silences matplotlib's one-warning-per-missing-glyph.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
from pathlib import Path

from matplotlib import font_manager

log = logging.getLogger(__name__)

# Preferred first. Noto Sans CJK ships as one .ttc whose first face matplotlib reads, so it may be
# registered under its JP/KR/TC name; all of them cover the simplified characters we draw.
FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
# Lower-case pieces of the file names of those fonts, for the rescan of a stale cache.
FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "simhei", "msyh", "pingfang")
# (module, file inside it) of fonts installed from PyPI by the extra `zwgk[cjk]`.
PACKAGED = (("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),)
INSTALL_HINT = (
    "no CJK font found: Chinese text in the charts will show as boxes; "
    "`pip install 'zwgk[cjk]'` installs one (Noto Sans CJK, no root needed), "
    "or install a system font, e.g. `apt-get install fonts-noto-cjk`"
)


def _known() -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in FAMILIES if family in names), None)


def _add(path: str | Path) -> None:
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError) as exc:  # a broken file is not fatal
        log.debug("cannot read font %s: %s", path, exc)


def packaged_fonts() -> list[Path]:
    """Font files of the installed `PACKAGED` packages (none when the extra is not installed)."""
    found = []
    for module, name in PACKAGED:
        try:
            path = Path(str(importlib.resources.files(module).joinpath(name)))
        except ModuleNotFoundError:
            continue
        if path.is_file():
            found.append(path)
    return found


def _add_packaged() -> None:
    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    for path in packaged_fonts():
        if path not in known:
            _add(path)


def _rescan() -> None:
    """Register CJK font files that matplotlib's cached font list does not know yet."""
    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if Path(path) not in known and any(h in Path(path).name.lower() for h in FILE_HINTS):
            _add(path)


@functools.cache
def cjk_family() -> str | None:
    """The CJK font family charts use, or None (warned about once per process)."""
    family = _known()
    for look_further in (_add_packaged, _rescan):
        if family is None:
            look_further()
            family = _known()
    if family is None:
        log.warning(INSTALL_HINT)
    else:
        log.debug("charts use the CJK font %s", family)
    return family


def rc_params() -> dict[str, object]:
    """matplotlib settings that draw Chinese with the CJK font (DejaVu Sans for the rest)."""
    family = cjk_family()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [*([family] if family else []), "DejaVu Sans"],
        # The ASCII hyphen as minus sign: CJK fonts often lack U+2212.
        "axes.unicode_minus": False,
    }
