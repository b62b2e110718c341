"""Read a spreadsheet (CSV or XLSX) into numbered rows, the way a person sees it.

Pure: no Flask, no SQLAlchemy. Line numbers are the spreadsheet's own row numbers (the
header row is line 1 when it is the first row), so an error message points at the row the
person will find in Excel or LibreOffice.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

XLSX_MAGIC = b"PK\x03\x04"
CSV_DELIMITERS = (",", ";", "\t")

#: a cell as read: text (CSV, or XLSX text), a number or a date (XLSX), or None when empty
Cell = str | int | float | date | datetime | None


class UnreadableFile(ValueError):
    """The bytes are neither a UTF-8/UTF-16 CSV nor an XLSX workbook we can open."""


@dataclass(frozen=True)
class Table:
    #: header cells as written in the file (stripped)
    headers: list[str]
    #: (line number, cells) for every non-blank row below the header
    rows: list[tuple[int, list[Cell]]]


def header_key(text: str) -> str:
    """Compare headers as a person reads them: case, surrounding and repeated spaces and
    punctuation do not matter; accents do (Mã and Ma are different words)."""
    text = unicodedata.normalize("NFC", str(text)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def read_table(data: bytes, expected_headers: Iterable[str] = ()) -> Table:
    """The first non-blank row is the header; blank rows are skipped but keep their numbers.
    The format is told by the content, not the file name: an XLSX is a zip, anything else
    must be CSV text.

    `expected_headers` (already `header_key`-ed) helps pick the CSV delimiter: Excel in a
    Vietnamese locale may save with semicolons.
    """
    if data.startswith(XLSX_MAGIC):
        numbered = _xlsx_rows(data)
    else:
        numbered = _csv_rows(_decode(data), set(expected_headers))
    rows = [(line, cells) for line, cells in numbered if not all(is_blank(c) for c in cells)]
    if not rows:
        return Table(headers=[], rows=[])
    (_, header), body = rows[0], rows[1:]
    return Table(headers=[str(h).strip() if h is not None else "" for h in header], rows=body)


def _decode(data: bytes) -> str:
    """UTF-8 with or without a BOM, or UTF-16 with a BOM (Excel's "Unicode text")."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile("not UTF-8")
    if "\x00" in text:
        raise UnreadableFile("binary data")
    return text


def _csv_rows(text: str, expected: set[str]) -> list[tuple[int, list[Cell]]]:
    delimiter = _pick_delimiter(text, expected)
    try:
        return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)]
    except csv.Error:
        raise UnreadableFile("malformed CSV")


def _pick_delimiter(text: str, expected: set[str]) -> str:
    """The delimiter under which the first line yields the most known headers."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def known_headers(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(header_key(cell) in expected for cell in cells)

    return max(CSV_DELIMITERS, key=known_headers)  # ties keep the comma, listed first


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Cell]]]:
    """The first sheet's values (formulas as last computed by Excel)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [(number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)]
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise UnreadableFile(f"not a readable XLSX workbook: {exc.__class__.__name__}")
