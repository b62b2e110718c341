"""Import the organization and member lists: the whole file or nothing.

`documents.importer` checks every line against what the database holds; only a file with no
error at all is written, in one transaction, with one audit event. Records are matched by
code: a new code creates a row, a known code updates it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..catalog import N_
from ..documents import importer
from ..extensions import db
from ..models import Member, Organization
from . import activity, levels, meetings, permissions
from .errors import ServiceError

#: a file may name any organization's code, so only an installation-wide admin imports (User.can_import)
#: the detail of the 403 forbidden an import gets from anyone but an installation-wide admin
NOT_INSTALLATION_WIDE = N_("A file may name any organization: only an administrator of the whole "
                           "installation may import.")


@dataclass(frozen=True)
class ImportReport:
    #: rows whose code was new
    created: int
    #: rows whose code existed and whose stored values changed
    updated: int
    #: rows in the file (created + updated + those already up to date)
    total: int


def import_organizations(data: bytes, filename: str, *, by) -> ImportReport:
    """Parents may be named from the file or from the database; levels from organization_levels."""
    _check_importer(by)
    stored = {o.code: o for o in db.session.scalars(select(Organization))}
    code_by_id: dict[int | None, str] = {o.id: code for code, o in stored.items()}
    parsed = importer.parse_organizations(data, {code: code_by_id.get(o.parent_id) for code, o in stored.items()},
                                          levels.list_levels())
    _refuse_if_wrong(parsed)

    with db.session.no_autoflush:  # new rows are incomplete until their parent is set
        created, changed = _upsert(parsed.rows, stored, Organization, ("name", "level"))
        for row in parsed.rows:
            if "parent_code" in row.values:
                organization, parent_code = stored[row.code], row.values["parent_code"]
                parent = stored[parent_code] if isinstance(parent_code, str) and parent_code else None
                if organization.parent is not parent:
                    organization.parent = parent
                    changed.add(row.code)
    return _commit(parsed, "import_organizations", filename, by, created, changed)


def import_members(data: bytes, filename: str, *, by) -> ImportReport:
    """Each member's cell must already be stored (import the organizations first)."""
    _check_importer(by)
    organizations = {o.code: o for o in db.session.scalars(select(Organization))}
    stored = {m.code: m for m in db.session.scalars(select(Member))}
    parsed = importer.parse_members(data, organizations.keys())
    _refuse_if_wrong(parsed)

    with db.session.no_autoflush:  # a new member has no cell until the loop below
        created, changed = _upsert(parsed.rows, stored, Member,
                                   ("full_name", "gender", "birth_date", "post", "is_leader", "status"))
        for row in parsed.rows:
            member, cell = stored[row.code], organizations[row.text("cell_code")]
            if member.organization is not cell:
                member.organization = cell
                changed.add(row.code)
    meetings.hold_ballot_caps([stored[code].id for code in changed - created])  # statuses may have changed
    return _commit(parsed, "import_members", filename, by, created, changed)


def _check_importer(by) -> None:
    permissions.check(by, "can_import", refusal=ServiceError("forbidden", NOT_INSTALLATION_WIDE))


def _refuse_if_wrong(parsed: importer.Parsed) -> None:
    if parsed.errors:
        count = len(parsed.errors)
        raise ServiceError("import_failed", N_("Problems found: %(count)s.", count=count),
                           extra={"lines": [error.to_dict() for error in parsed.errors]})


def _upsert(rows: list[importer.Row], stored: dict, model, fields: tuple[str, ...]) -> tuple[set, set]:
    """Create rows for new codes and copy `fields` the file gives onto every row; returns
    (codes created, codes whose values were set). `stored` gains the new objects."""
    created, changed = set(), set()
    for row in rows:
        record = stored.get(row.code)
        if record is None:
            record = stored[row.code] = model(code=row.code)
            db.session.add(record)
            created.add(row.code)
        for name in fields:
            if name in row.values and getattr(record, name) != row.values[name]:
                setattr(record, name, row.values[name])
                changed.add(row.code)
    return created, changed


def _commit(parsed: importer.Parsed, action: str, filename: str, by, created: set, changed: set) -> ImportReport:
    report = ImportReport(created=len(created), updated=len(changed - created), total=len(parsed.rows))
    activity.record(activity.actor_name(by), action, action.removeprefix("import_"),
                    filename=(filename or "")[:200], created=report.created, updated=report.updated,
                    total=report.total)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("conflict", N_("Another import changed the same codes; try again.")) from None
    return report
