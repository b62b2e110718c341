"""Check the organization and member lists (CSV or XLSX) line by line.

Pure: no Flask, no SQLAlchemy. The service passes what the database already knows (codes,
parents) and writes only when this module found no error at all, so a file imports whole
or not at all.

The shape is the units' own spreadsheets (tests/data/samples): Vietnamese headers,
dd/mm/yyyy dates, and the leader/manager column marked "x". Any other mark in that column
("có", "1", "yes") is rejected with a message asking for "x": a wrong guess would flag a
member for the leaders' confidence vote, so we ask rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from ..catalog import N_, Pair, Text
from ..domain import clock
from ..domain.levels import SEED_LEVELS, Level, level_by_written
from ..domain.text import Field, TextProblem, clean_code, clean_text
from .exports import dd_mm_yyyy
from .tables import Cell, Table, TooManyRows, UnreadableFile, header_key, is_blank, read_table

MAX_ROWS = 20000
#: the line and column name the place of a refused text, so its message says "the cell"
CELL = Field("cell", N_("The cell"))
LEADER_MARK = "x"
#: the optional member-status column: official (chính thức, the default when the column or
#: the cell is empty) or probationary (dự bị); the words as written, in either language
OFFICIAL_WORD, PROBATIONARY_WORD = "chính thức", "dự bị"
STATUS_BY_WORD = {OFFICIAL_WORD: "official", "official": "official", PROBATIONARY_WORD: "probationary",
                  "probationary": "probationary"}


@dataclass(frozen=True)
class LineError:
    """One problem, where the person will find it. `line` is None for the file as a whole."""
    line: int | None
    column: str
    message_en: str
    message_vi: str

    def to_dict(self) -> dict:
        """The published shape (docs/api.md): English under "message", as in every error."""
        return {"line": self.line, "column": self.column, "message": self.message_en, "message_vi": self.message_vi}


class CellProblem(ValueError):
    """Why a cell is refused: a catalog message (`text.en`, `text.vi`)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class Column:
    field: str
    #: the header as the spreadsheets write it
    header: str
    #: turns a non-empty cell into the stored value, or raises CellProblem
    convert: Callable[[Cell], object]
    #: a required column must be present and filled on every line
    required: bool = True
    aliases: tuple[str, ...] = ()

    def header_keys(self) -> set[str]:
        return {header_key(name) for name in (self.header, *self.aliases)}


@dataclass(frozen=True)
class Row:
    """One valid line: its number and its values by field. An optional column missing from
    the file is absent from `values`, so updating an existing record leaves that field alone."""
    line: int
    values: dict[str, object]

    @property
    def code(self) -> str:
        return self.text("code")

    def text(self, field: str) -> str:
        """The value of a required text column (a code, a name): always a str once parsed."""
        value = self.values[field]
        if not isinstance(value, str):
            raise TypeError(f"{field} is not a text column")
        return value


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- cell converters ----------------------------------------------------------------------

def as_text(cell: Cell) -> str:
    if isinstance(cell, datetime | date):
        return dd_mm_yyyy(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())


def text(max_length: int) -> Callable[[Cell], str]:
    """A name, a post...: the one check of domain.text (no control or direction characters)."""
    def convert(cell: Cell) -> str:
        return _checked(clean_text, as_text(cell), max_length)
    return convert


def safe_code(max_length: int) -> Callable[[Cell], str]:
    """An organization or member code: domain.text's safe alphabet (they end up in URLs)."""
    def convert(cell: Cell) -> str:
        return _checked(clean_code, as_text(cell), max_length)
    return convert


def _checked(clean: Callable[..., str], value: str, max_length: int) -> str:
    try:
        return clean(value, CELL, max_length=max_length)
    except TextProblem as problem:
        raise CellProblem(problem.text) from None


def birth_date(cell: Cell) -> date:
    """dd/mm/yyyy (also d/m/yyyy, with - or .), or a real Excel date."""
    if isinstance(cell, datetime):
        value = cell.date()
    elif isinstance(cell, date):
        value = cell
    else:
        written = as_text(cell)
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", written)
        try:
            read = date(int(match[3]), int(match[2]), int(match[1])) if match else None
        except ValueError:
            read = None
        if read is None:
            raise CellProblem(N_("“%(written)s” is not a valid date; write it as dd/mm/yyyy.", written=written))
        value = read
    if not date(1900, 1, 1) <= value <= clock.today():
        raise CellProblem(N_("The date is not a possible birth date."))
    return value


def leader_flag(cell: Cell) -> bool:
    written = as_text(cell)
    if written.casefold() != LEADER_MARK:
        raise CellProblem(N_("Write “x” for a leader or manager, or leave the cell empty (found “%(written)s”).",
                             written=written))
    return True


def member_status(cell: Cell) -> str:
    written = as_text(cell)
    try:
        return STATUS_BY_WORD[written.casefold()]
    except KeyError:
        raise CellProblem(N_("Write “%(official)s” (official) or “%(probationary)s” (probationary), or leave the "
                             "cell empty for an official member (found “%(written)s”).",
                             official=OFFICIAL_WORD, probationary=PROBATIONARY_WORD, written=written)) from None


def level_reader(levels: Sequence[Level]) -> Callable[[Cell], str]:
    """Reads the "Cấp" column: a level's label (tỉnh, cơ sở, chi bộ...) or code, any case."""
    known, labels = level_by_written(levels), ", ".join(level.label for level in levels)

    def convert(cell: Cell) -> str:
        written = as_text(cell)
        if written.casefold() in known:
            return known[written.casefold()]
        raise CellProblem(N_("The level must be one of: %(labels)s (found “%(written)s”).",
                             labels=labels, written=written))
    return convert


#: what an empty cell means in an optional column
EMPTY_VALUE = {"gender": "", "birth_date": None, "post": "", "is_leader": False, "parent_code": None,
               "status": "official"}

PARENT_COLUMN = Column("parent_code", "Mã tổ chức cấp trên", safe_code(40), required=False,
                       aliases=("parent code", "parent"))


def organization_columns(levels: Sequence[Level]) -> tuple[Column, ...]:
    return (Column("code", "Mã tổ chức", safe_code(40), aliases=("code",)),
            Column("name", "Tên tổ chức", text(200), aliases=("name",)),
            PARENT_COLUMN,
            Column("level", "Cấp", level_reader(levels), aliases=("level",)))


MEMBER_COLUMNS = (
    Column("code", "Mã đảng viên", safe_code(40), aliases=("code", "member code")),
    Column("full_name", "Họ và tên", text(200), aliases=("họ tên", "full name", "name")),
    Column("gender", "Giới tính", text(10), required=False, aliases=("gender",)),
    Column("birth_date", "Ngày sinh", birth_date, required=False, aliases=("birth date", "date of birth")),
    Column("cell_code", "Mã chi bộ", safe_code(40), aliases=("cell code", "cell", "mã tổ chức")),
    Column("post", "Chức vụ", text(200), required=False, aliases=("post",)),
    Column("is_leader", "Lãnh đạo, quản lý", leader_flag, required=False, aliases=("leader",)),
    Column("status", "Chính thức/Dự bị", member_status, required=False,
           aliases=("chính thức dự bị", "đảng viên chính thức dự bị", "loại đảng viên", "status")),
)


# --- the two lists ------------------------------------------------------------------------

def parse_organizations(data: bytes, existing_parents: Mapping[str, str | None] | None = None,
                        levels: Sequence[Level] = SEED_LEVELS) -> Parsed:
    """`existing_parents` maps each organization code in the database to its parent's code;
    a parent may be named from the file or from the database, and no chain may loop.
    `levels` are the rows of organization_levels (the service passes the table)."""
    parsed = _parse(data, organization_columns(levels))
    if parsed.ok:  # with a line refused, its code would look unknown to its children
        parents = dict(existing_parents or {})
        for row in parsed.rows:
            parent_code = row.values.get("parent_code", parents.get(row.code))
            parents[row.code] = parent_code if isinstance(parent_code, str) else None
        for row in parsed.rows:
            parsed.errors.extend(_parent_problems(row, parents))
    return parsed


def parse_members(data: bytes, known_organizations: Collection[str] = ()) -> Parsed:
    """`known_organizations` are the organization codes in the database: a member's cell
    must be one of them (import the organizations first)."""
    known = set(known_organizations)
    cell_column = MEMBER_COLUMNS[4]

    def check_cell(line: int, values: dict) -> list[LineError]:
        cell_code = values.get("cell_code")
        if cell_code is None or cell_code in known:
            return []
        return [_error(line, cell_column, N_("No organization has the code “%(code)s”; import the organizations "
                                             "first.", code=cell_code))]

    return _parse(data, MEMBER_COLUMNS, check_cell)


def _parent_problems(row: Row, parents: dict[str, str | None]) -> list[LineError]:
    column = PARENT_COLUMN
    parent = row.values.get("parent_code")
    if parent is not None and parent not in parents:
        return [_error(row.line, column, N_("No organization has the code “%(code)s”, in this file or already "
                                            "stored.", code=parent))]
    seen, step = {row.code}, parents.get(row.code)
    while step is not None and step not in seen:
        seen.add(step)
        step = parents.get(step)
    if step == row.code:
        return [_error(row.line, column, N_("“%(code)s” would end up inside itself through its parents.",
                                            code=row.code))]
    return []


def _parse(data: bytes, columns: tuple[Column, ...],
           check: Callable[[int, dict], list[LineError]] | None = None) -> Parsed:
    """Read, find the columns, convert every cell, catch codes used twice, and apply
    `check` to every line's values (so one pass reports all of a line's problems)."""
    try:
        table = read_table(data, set().union(*(c.header_keys() for c in columns)), max_rows=MAX_ROWS)
    except TooManyRows:
        return _too_many_rows()
    except UnreadableFile:
        return Parsed(errors=[line_error(None, "", N_("The file cannot be read: save it as CSV UTF-8 or Excel "
                                                      "(.xlsx)."))])
    if not table.headers:
        return Parsed(errors=[_empty_file()])
    positions = _column_positions(table, columns)
    missing = [c for c in columns if c.required and c.field not in positions]
    if missing:
        return Parsed(errors=[_error(1, c, N_("The column “%(header)s” is missing from the header row.",
                                              header=c.header)) for c in missing])
    if not table.rows:
        return Parsed(errors=[_empty_file()])
    parsed = Parsed()
    first_line_of: dict[object, int] = {}
    column_order = {column.header: index for index, column in enumerate(columns)}
    for line, cells in table.rows:
        values, problems = _convert_row(line, cells, columns, positions)
        code = values.get("code")
        if code in first_line_of:
            problems.append(_error(line, columns[0], N_("The code “%(code)s” is already on line %(line)s.",
                                                        code=code, line=first_line_of[code])))
        elif code:
            first_line_of[code] = line
        if check:
            problems.extend(check(line, values))
        problems.sort(key=lambda problem: column_order[problem.column])
        parsed.errors.extend(problems)
        if not problems:
            parsed.rows.append(Row(line, values))
    return parsed


def _column_positions(table: Table, columns: tuple[Column, ...]) -> dict[str, int]:
    """field → index of the first header that names it."""
    positions: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = header_key(header)
        for column in columns:
            if key in column.header_keys() and column.field not in positions:
                positions[column.field] = index
                break
    return positions


def _convert_row(line: int, cells: list[Cell], columns, positions) -> tuple[dict, list[LineError]]:
    values, problems = {}, []
    for column in columns:
        if column.field not in positions:
            continue
        index = positions[column.field]
        cell = cells[index] if index < len(cells) else None
        if is_blank(cell):
            if column.required:
                problems.append(_error(line, column, N_("This cell is empty; a value is required.")))
            else:
                values[column.field] = EMPTY_VALUE[column.field]
            continue
        try:
            values[column.field] = column.convert(cell)
        except CellProblem as problem:
            problems.append(_error(line, column, problem.text))
    return values, problems


def _too_many_rows() -> Parsed:
    return Parsed(errors=[line_error(None, "", N_("The file has more than %(max_rows)s rows; split it.",
                                                  max_rows=MAX_ROWS))])


def _empty_file() -> LineError:
    return line_error(None, "", N_("The file has no rows to import."))


def _error(line: int | None, column: Column, text: Text) -> LineError:
    return line_error(line, column.header, text)


def line_error(line: int | None, column: str, text: Text | Pair) -> LineError:
    """A problem at `line` and `column` (a header), its words from the catalog."""
    return LineError(line, column, text.en, text.vi)
