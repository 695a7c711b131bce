"""English and Chinese labels, and one colour per technology, for the result pages.

Everything visible on a page comes from ``labels.yaml`` beside this module,
so a translation or a colour is changed in one place and every page and
every figure follows.
"""

from __future__ import annotations

import colorsys
import zlib
from functools import lru_cache
from pathlib import Path

from gridplan.errors import InputError
from gridplan.yamlio import safe_load

LANGUAGES = ("en", "zh")
_FILE = Path(__file__).with_name("labels.yaml")


@lru_cache(maxsize=1)
def _labels() -> dict:
    return safe_load(_FILE.read_text(encoding="utf-8"))


def check_lang(lang: str) -> str:
    """Return ``lang`` if the pages can be written in it, else raise a one-line :class:`InputError`."""
    if lang not in LANGUAGES:
        raise InputError("<command line>", "--lang", f"unknown language {lang!r}", f"use one of {', '.join(LANGUAGES)}")
    return lang


def text(key: str, lang: str = "en", **fmt) -> str:
    """The page text ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``."""
    entry = _labels()["text"][key]
    return entry.get(lang, entry["en"]).format(**fmt)


def technology(label: str, lang: str = "en") -> str:
    """A technology label as shown in ``lang`` (Chinese when known, else as written in the case)."""
    if lang == "zh":
        return _labels()["technologies_zh"].get(label, label)
    return label


def flow(kind: str, lang: str = "en", **fmt) -> str:
    """Label of a non-generator flow (``discharge``, ``charge``, ``curtail``, ``import`` ...)."""
    entry = _labels()["flows"][kind]
    return entry.get(lang, entry["en"]).format(**fmt)


def cost_component(component: str, lang: str = "en") -> str:
    """Label of a cost component as the model names it (``capex``, ``fixed_om`` ...)."""
    entry = _labels()["cost_components"].get(component)
    return component.replace("_", " ") if entry is None else entry.get(lang, entry["en"])


def cost_color(component: str) -> str:
    """Colour of a cost component (grey for components the labels file does not know)."""
    entry = _labels()["cost_components"].get(component)
    return "#a0a0a0" if entry is None else entry["color"]


def series_color(key: str) -> str:
    """Colour of a series that is not a technology (``demand``, ``price``, ``met`` ...)."""
    return _labels()["series_colors"][key]


def category(label: str) -> str:
    """The category (``pv``, ``wind``, ``gas`` ...) of a technology label, by keyword."""
    low = f"{label.lower()} "
    for cat in _labels()["categories"]:
        if any(k in low for k in cat["keywords"]):
            return cat["key"]
    return "other"


def technology_color(label: str) -> str:
    """One colour per technology label, the same on every page and in every run.

    The hue comes from the technology's category; the lightness is shifted by
    an amount that depends only on the label (a CRC of it), so that two kinds
    of PV differ but both still read as PV, whichever other technologies a
    run has.
    """
    base = next(c["color"] for c in _labels()["categories"] if c["key"] == category(label))
    r, g, b = (int(base[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    if label.lower() in {k for c in _labels()["categories"] for k in c["keywords"]}:
        shift = 0.0  # a label that is exactly a keyword keeps the base colour
    else:
        shift = ((zlib.crc32(label.encode("utf-8")) % 7) - 3) * 0.045
    light = min(0.85, max(0.15, light + shift))
    r, g, b = colorsys.hls_to_rgb(h, light, s)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
