"""Read a spreadsheet (CSV or XLSX) into numbered rows, the way a person sees it.

Pure: no Flask, no SQLAlchemy. Line numbers are the spreadsheet's own row numbers (the
header row is line 1 when it is the first row), so an error message points at the row the
person will find in Excel or LibreOffice.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

XLSX_MAGIC = b"PK\x03\x04"
CSV_DELIMITERS = (",", ";", "\t")
#: a member list has a dozen columns: cells beyond this are never read
MAX_COLUMNS = 64
#: a workbook whose parts unzip to more than this is refused before it is opened
MAX_UNZIPPED = 64 * 1024 * 1024

#: a cell as read: text (CSV, or XLSX text), a number or a date (XLSX), or None when empty
Cell = str | int | float | date | datetime | None


class UnreadableFile(ValueError):
    """The bytes are neither a UTF-8/UTF-16 CSV nor an XLSX workbook we can open."""


class TooManyRows(ValueError):
    """The file holds (or declares) more rows than the reader was allowed to take."""


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


def read_table(data: bytes, expected_headers: Iterable[str] = (), max_rows: int | None = None) -> Table:
    """The first non-blank row is the header; blank rows are skipped but keep their numbers.
    The format is told by the content, not the file name: an XLSX is a zip, anything else
    must be CSV text.

    `expected_headers` (already `header_key`-ed) helps pick the CSV delimiter: Excel in a
    Vietnamese locale may save with semicolons. With `max_rows`, reading stops at the first
    row past it (TooManyRows), and a workbook declaring more rows is refused before reading,
    so a small file cannot make the reader build a huge table.
    """
    if data.startswith(XLSX_MAGIC):
        numbered = _xlsx_rows(data, max_rows)
    else:
        numbered = _csv_rows(_decode(data), set(expected_headers))
    if max_rows is not None:
        numbered = _within_lines(numbered, max_rows + 1 + BLANK_ROW_ALLOWANCE)
    filled = ((line, cells) for line, cells in numbered if not all(is_blank(c) for c in cells))
    limit = None if max_rows is None else max_rows + 2  # the header, the rows, and one too many
    rows = list(itertools.islice(filled, limit))
    if limit is not None and len(rows) == limit:
        raise TooManyRows(max_rows)
    if not rows:
        return Table(headers=[], rows=[])
    (_, header), body = rows[0], rows[1:]
    return Table(headers=[str(h).strip() if h is not None else "" for h in header], rows=body)


def _within_lines(numbered: Iterator[tuple[int, list[Cell]]], last_line: int) -> Iterator[tuple[int, list[Cell]]]:
    """Blank lines are skipped but still read: past `last_line` the file is too long anyway."""
    for line, cells in numbered:
        if line > last_line:
            raise TooManyRows(last_line)
        yield line, cells


def _decode(data: bytes) -> str:
    """UTF-8 with or without a BOM, or UTF-16 with a BOM (Excel's "Unicode text")."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile("not UTF-8") from None
    if "\x00" in text:
        raise UnreadableFile("binary data")
    return text


def _csv_rows(text: str, expected: set[str]) -> Iterator[tuple[int, list[Cell]]]:
    """Numbered rows, read lazily: the caller stops at its row limit."""
    try:
        delimiter = _pick_delimiter(text, expected)  # a bare CR in the header line is malformed too
        for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            cells: list[Cell] = list(row[:MAX_COLUMNS])
            yield number, cells
    except csv.Error:
        raise UnreadableFile("malformed CSV") from None


def _pick_delimiter(text: str, expected: set[str]) -> str:
    """The delimiter under which the first line yields the most known headers."""
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")

    def known_headers(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(header_key(cell) in expected for cell in cells)

    return max(CSV_DELIMITERS, key=known_headers)  # ties keep the comma, listed first


def _xlsx_rows(data: bytes, max_rows: int | None) -> Iterator[tuple[int, list[Cell]]]:
    """The first sheet's values (formulas as last computed by Excel), read lazily. Refused
    before openpyxl builds anything when the parts unzip too big or the sheet declares more
    rows than allowed (a 1.5 KB file may declare A1:XFD1048576)."""
    from openpyxl import load_workbook

    _check_unzipped_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise UnreadableFile(f"not a readable XLSX workbook: {exc.__class__.__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row if sheet.max_row is not None else 0
        if max_rows is not None and declared > max_rows + 1 + BLANK_ROW_ALLOWANCE:
            raise TooManyRows(max_rows)
        rows = sheet.iter_rows(values_only=True, max_col=min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS))
        for number, row in enumerate(rows, 1):
            yield number, list(row)
    except TooManyRows:
        raise
    except Exception as exc:
        raise UnreadableFile(f"not a readable XLSX workbook: {exc.__class__.__name__}") from None
    finally:
        workbook.close()


#: blank rows a real sheet may carry below or between its rows (they are skipped, not counted)
BLANK_ROW_ALLOWANCE = 1000


def _check_unzipped_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnreadableFile(f"not a readable XLSX workbook: {exc.__class__.__name__}") from None
    if unzipped > MAX_UNZIPPED:
        raise UnreadableFile("the workbook unzips to more than the limit")
