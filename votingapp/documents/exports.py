"""Spreadsheets people file: the results of a tally, a meeting's attendance sheet, and the
import templates. Pure (openpyxl only): the views pass the labels in the page's language.

Every text cell is neutralized: a value that starts with = + - @ (or a tab or carriage
return) would be read as a formula by Excel or LibreOffice, so a member named "=HYPERLINK(...)"
could run something on the clerk's computer. Such a value gets a leading apostrophe, the
spreadsheet convention for "this is text", and is stored as a string.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..domain import clock

#: what makes a spreadsheet read a cell as a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the one date format of pages and files (Babel's pattern for dd/mm/yyyy)
DATE_PATTERN = "dd/MM/yyyy"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def neutralize(value):
    """Text that a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _put(sheet, row: int, values: Sequence, *, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=neutralize(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, whatever openpyxl guessed
        if bold:
            cell.font = BOLD


def _widths(sheet, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _percent(value: str | None):
    """The tally's exact two-decimal percentage as a number, or empty on an empty basis."""
    return None if value is None else float(Decimal(value))


def results_workbook(tally: dict, labels: dict) -> bytes:
    """One sheet: the session, the ballots on each basis, then per person the count and the
    percentage (on the policy's basis) of each mark and the consequence line. `labels`: the
    page's words (title, basis names, option labels by id, verdicts in the order of the subjects, column heads)."""
    book = Workbook()
    sheet = book.active
    sheet.title = labels["sheet"]
    session = tally["session"]
    row = 1
    for label, value in ((labels["organization"], session.get("organization", "")),
                         (labels["meeting"], session.get("meeting", "")),
                         (labels["date"], labels.get("held_on", "")),
                         (labels["session"], session.get("title", "")),
                         (labels["rule"], labels["policy_title"])):
        _put(sheet, row, [label, value])
        sheet.cell(row=row, column=1).font = BOLD
        row += 1
    row += 1
    _put(sheet, row, [labels["ballots"]], bold=True)
    row += 1
    for name, count in tally["bases"].items():
        _put(sheet, row, [labels["bases"].get(name, name), count])
        row += 1
    _put(sheet, row, [labels["invalid"], tally["ballots"]["invalid"]])
    row += 2
    _put(sheet, row, [labels["percent_of"]])
    row += 1
    options = labels["options"]
    head = ["#", labels["person"]]
    for option_label in options.values():
        head += [option_label, f"{option_label} (%)"]
    _put(sheet, row, head + [labels["verdict"]], bold=True)
    header_row = row
    for number, subject in enumerate(tally["subjects"], start=1):
        row += 1
        values = [number, subject["name"]]
        for option_id in options:
            values += [subject["counts"][option_id], _percent(subject["percent"][option_id])]
        _put(sheet, row, values + [labels["verdicts"][number - 1]])
        for column in range(4, 4 + 2 * len(options), 2):
            sheet.cell(row=row, column=column).number_format = "0.00"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    _widths(sheet, [24, 32] + [14] * (2 * len(options)) + [60])
    for cells in sheet.iter_rows(min_row=header_row, max_row=header_row):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _bytes(book)


def attendance_workbook(title: str, heading: Sequence[tuple[str, str]], columns: Sequence[str],
                        rows: Iterable[Sequence]) -> bytes:
    """The attendance sheet: label/value lines about the meeting, then one line per member
    summoned (the caller gives the values in `columns` order) and an empty column to sign."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    row = 1
    for label, value in heading:
        _put(sheet, row, [label, value])
        sheet.cell(row=row, column=1).font = BOLD
        row += 1
    row += 1
    _put(sheet, row, columns, bold=True)
    header_row = row
    for values in rows:
        row += 1
        _put(sheet, row, values)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    _widths(sheet, [6, 14, 30, 28, 14, 24][:len(columns)])
    return _bytes(book)


def template_workbook(title: str, headers: Sequence[str], examples: Iterable[Sequence]) -> bytes:
    """An import template: the exact headers the importer reads, and example lines to overwrite."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    _put(sheet, 1, headers, bold=True)
    for row, values in enumerate(examples, start=2):
        _put(sheet, row, values)
    _widths(sheet, [max(14, len(header) + 4) for header in headers])
    return _bytes(book)


def dd_mm_yyyy(day: date | None) -> str:
    return format_date(day, DATE_PATTERN, locale="vi") if day else ""


def dd_mm_yyyy_hh_mm(moment: datetime | None) -> str:
    """A stored moment (aware UTC) as Vietnam's wall-clock time, dd/mm/yyyy HH:mm."""
    return format_datetime(moment, f"{DATE_PATTERN} HH:mm", tzinfo=clock.VIETNAM, locale="vi") if moment else ""
