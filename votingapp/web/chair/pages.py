"""Helpers shared by the chair's views: labels for templates, full page or htmx
partial, service refusals shown inside the form, and form field parsing."""

from __future__ import annotations

from datetime import date, datetime

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ...catalog import N_, Text
from ...domain import electorate
from ...domain.levels import Level
from ...extensions import db, htmx
from ...services import levels
from ...services.errors import ServiceError
from . import bp

ROLE_NAMES = {"admin": _l("Administrator"), "chair": _l("Chair"), "auditor": _l("Auditor")}
MEMBER_STATUS_NAMES = {electorate.OFFICIAL: _l("Official member"), electorate.PROBATIONARY: _l("Probationary member")}
#: the attendance choices of one row: a status, or "excluded:<reason>"
ATTENDANCE_NAMES = {
    electorate.PRESENT: _l("Present"),
    electorate.ABSENT: _l("Absent without an approved reason"),
    electorate.ABSENT_APPROVED: _l("Absent with an approved reason (out of the base)"),
    f"{electorate.EXCLUDED}:{electorate.ATTACHED_ELSEWHERE}": _l("Excluded: temporarily attached elsewhere"),
    f"{electorate.EXCLUDED}:{electorate.EXEMPTED}": _l("Excluded: exempted from party activity, absent"),
    f"{electorate.EXCLUDED}:{electorate.SUSPENDED}": _l("Excluded: suspended from party activity"),
    f"{electorate.EXCLUDED}:{electorate.DETAINED}": _l("Excluded: prosecuted or detained"),
}
ELECTORATE_NAMES = {electorate.ALL: _l("All members summoned"),
                    electorate.OFFICIAL_ONLY: _l("Official members only"),
                    electorate.BODY: _l("A chosen body (e.g. the party committee)")}


@bp.context_processor
def _names():
    """Labels for the chair's pages; what the user may do, the templates ask User (can_*)."""
    return {"role_names": ROLE_NAMES, "member_status_names": MEMBER_STATUS_NAMES,
            "attendance_names": ATTENDANCE_NAMES, "electorate_names": ELECTORATE_NAMES}


@bp.app_template_global("organization_levels")
def organization_levels() -> list[Level]:
    """The rows of organization_levels, top down; read only by the templates that call it."""
    return levels.list_levels()


@bp.app_template_filter("level_name")
def level_name(organization) -> str:
    """The name of an organization's level in the page's language (its code if it has no row)."""
    row = organization.level_row
    return row.to_level().name(str(get_locale())) if row is not None else organization.level


@bp.app_template_filter("localized")
def localized(item, field: str = "message") -> str:
    """A bilingual text in the page's language, the Vietnamese or else the English: the message
    of a ServiceError or an import line, or the title of a counting policy. An object names the
    pair `message_en` / `message_vi` (domain/labels.py); a dict has the published shape
    (docs/api.md, docs/formats.md), where English is `message` and a policy's Vietnamese is
    `title` (so is Policy's field, which a signed tally's "policy" object is built from)."""
    def get(key: str) -> str:
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, "")
        return value or ""

    if field == "title":
        return (get("title_en") if str(get_locale()) == "en" else get("title")) or get("title")
    english = "message" if isinstance(item, dict) else "message_en"
    return (get("message_vi") if str(get_locale()) == "vi" else get(english)) or get(english)


def render_page(full: str, partial: str, status: int = 200, **context):
    """The whole page on a normal request; only `partial` when htmx asks (search, toggle)."""
    return render_template(partial if htmx else full, **context), status


def attempt(action):
    """Run one service call; a refusal comes back as (None, error) for the form to show."""
    try:
        return action(), None
    except ServiceError as error:
        db.session.rollback()
        return None, error


def form_page(template: str, error: ServiceError | None, **context):
    return render_template(template, error=error, form=request.form, **context), error.status if error else 200


def chosen_id(field: str) -> int | None:
    return request.values.get(field, type=int)


def required_id(field: str, refusal: Text) -> int:
    """The id chosen in `field`, or 400 invalid_input saying `refusal` (what to choose)."""
    value = chosen_id(field)
    if value is None:
        raise ServiceError("invalid_input", refusal)
    return value


def attendance_choice(row) -> str:
    """The ATTENDANCE_NAMES key of an attendance row."""
    return f"{row.status}:{row.excluded_reason}" if row.excluded_reason else row.status


def attendance_from(form) -> tuple[str, str | None]:
    """(status, reason) from a row's select (`attendance`), or from the presence switch."""
    chosen = form.get("attendance")
    if chosen is None:
        return (electorate.PRESENT if form.get("present") == "1" else electorate.ABSENT), None
    status, _, reason = chosen.partition(":")
    return status, reason or None


def date_from(text: str | None) -> date:
    """The date from a date picker (yyyy-mm-dd) or typed the Vietnamese way (dd/mm/yyyy)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime((text or "").strip(), pattern).date()
        except ValueError:
            continue
    raise ServiceError("invalid_input", N_("Give a real date, as dd/mm/yyyy."))
