"""Levels of the party organization tree, as data: their names and order live in the
`organization_levels` table, because the tree changes with reorganizations (district-level
units ended on 1 July 2025). This module holds the plain value and the rows a new database
starts with; it imports neither Flask nor SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    #: stored on each organization (organizations.level), e.g. "co-so"
    code: str
    #: the word the spreadsheets' "Cấp" column uses, e.g. "cơ sở"
    label: str
    name_vi: str
    name_en: str
    #: order from the top of the tree down; gaps leave room for a level in between
    position: int
    #: the grassroots level (tổ chức cơ sở đảng): grading quotas are counted per grassroots organization
    is_grassroots: bool = False

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


#: what a new database holds: today's local tree (province or city → commune, ward or special
#: zone → cell), and the district level that trees before 1 July 2025 had, so they still import.
#: Migration 0002 inserts the same rows (a test keeps the two equal).
SEED_LEVELS = (
    Level("tinh", "tỉnh", "Tỉnh ủy, Thành ủy", "Province or city committee", 10),
    Level("huyen", "huyện", "Huyện ủy (trước 1/7/2025)", "District committee (before 1/7/2025)", 20),
    # commune, ward or special-zone committees (đảng ủy xã, phường, đặc khu), grassroots cells
    Level("co-so", "cơ sở", "Tổ chức cơ sở đảng", "Grassroots organization", 30, is_grassroots=True),
    Level("chi-bo", "chi bộ", "Chi bộ", "Party cell", 40),
)


def level_by_written(levels: Iterable[Level]) -> dict[str, str]:
    """Each level's code and spreadsheet label, case-folded, to its code."""
    found = {}
    for level in levels:
        found[level.code.casefold()] = level.code
        found[level.label.casefold()] = level.code
    return found
