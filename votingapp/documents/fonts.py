"""The fonts our PDFs embed: DejaVu (static/fonts, licence in DejaVu-LICENSE.txt), which
covers every Vietnamese letter, so names and titles print with their diacritics."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from .. import _asset_dir

SANS = "DejaVuSans"
MONO = "DejaVuSansMono"
_FILES = ((SANS, "", "DejaVuSans.ttf"), (SANS, "B", "DejaVuSans-Bold.ttf"), (MONO, "B", "DejaVuSansMono-Bold.ttf"))


def font_dir() -> Path:
    """votingapp/static/fonts in a wheel, <repo>/static/fonts in a checkout."""
    return Path(_asset_dir("static")) / "fonts"


def add_fonts(pdf: FPDF) -> None:
    folder = font_dir()
    for family, style, filename in _FILES:
        pdf.add_font(family, style, str(folder / filename))
