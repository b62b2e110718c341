"""Setting up a meeting: dashboard, organizations and members, imports, meetings, attendance.

Views are thin: load-or-abort (web.common) checks reach, `require` checks the ability (User.can_*), one
service call does the work and writes the audit log. Full page normally, a partial on htmx.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...catalog import N_
from ...domain import clock
from ...extensions import htmx
from ...services import attendance, directory, imports, meetings
from ...services.errors import ServiceError
from ..common import get_meeting_or_404, get_member_or_404, get_organization_or_404, get_scope_or_403, require
from . import bp
from .pages import attempt, attendance_from, chosen_id, date_from, form_page, render_page, required_id

IMPORTERS = {"organizations": imports.import_organizations, "members": imports.import_members}


# Dashboard and organizations ------------------------------------------------------------

@bp.get("/")
@login_required
def dashboard():
    return render_template("chair/dashboard.html", tree=directory.organization_tree(current_user),
                           meetings=directory.recent_meetings(current_user))


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
@require("can_administer")
def create_organization():
    error = None
    if request.method == "POST":
        form = request.form
        organization, error = attempt(lambda: meetings.create_organization(
            form.get("code", ""), form.get("name", ""), form.get("level", ""),
            get_scope_or_403(chosen_id("parent"), current_user), by=current_user))
        if organization:
            flash(_("Organization %(name)s created.", name=organization.name), "success")
            return redirect(url_for(".show_organization", organization_id=organization.id))
    return form_page("chair/organization_form.html", error,
                     organizations=directory.reachable_organizations(current_user), chosen=chosen_id("parent"))


@bp.get("/organizations/<int:organization_id>")
@login_required
def show_organization(organization_id: int):
    organization = get_organization_or_404(organization_id, current_user)
    query = request.args.get("q", "")
    return render_page("chair/organization.html", "chair/_member_rows.html", organization=organization,
                       members=directory.members_under(organization, query), query=query,
                       meetings=directory.meetings_of(organization))


@bp.post("/members/<int:member_id>/status")
@login_required
@require("can_run_meetings")
def set_member_status(member_id: int):
    """Official or probationary, from the organization page's member table."""
    member = get_member_or_404(member_id, current_user)
    meetings.set_member_status(member, request.form.get("status", ""), by=current_user)
    if htmx:
        return render_template("chair/_member_row.html", member=member, organization=member.organization,
                               show_cell=request.form.get("show_cell") == "1")
    return redirect(url_for(".show_organization", organization_id=member.organization_id))


@bp.route("/import", methods=["GET", "POST"])
@login_required
@require("can_import")
def import_data():
    """Organizations or members from a CSV/XLSX: all rows or none, with every bad line named.
    Only an installation-wide admin (User.can_import; the service checks it again)."""
    if request.method == "GET":
        return render_template("chair/import.html", kind=request.args.get("kind", "members"))
    kind, upload = request.form.get("kind"), request.files.get("file")

    def run_import():
        if kind not in IMPORTERS or upload is None or not upload.filename:
            raise ServiceError("invalid_input", N_("Choose what to import and a CSV or XLSX file."))
        return IMPORTERS[kind](upload.read(), upload.filename, by=current_user)

    report, error = attempt(run_import)
    return (render_template("chair/import.html", kind=kind, report=report, error=error,
                            filename=getattr(upload, "filename", "")), error.status if error else 200)


# Meetings and attendance ----------------------------------------------------------------

@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
@require("can_run_meetings")
def create_meeting():
    error = None
    if request.method == "POST":
        def create():
            organization = get_organization_or_404(
                required_id("organization", N_("Choose an organization.")), current_user)
            return meetings.create_meeting(organization, request.form.get("title", ""),
                                           date_from(request.form.get("held_on")), by=current_user,
                                           details=request.form)
        meeting, error = attempt(create)
        if meeting:
            flash(_("Meeting created: %(count)d members summoned.", count=meeting.summoned_count), "success")
            return redirect(url_for(".show_meeting", meeting_id=meeting.id))
    return form_page("chair/meeting_form.html", error, organizations=directory.reachable_organizations(current_user),
                     chosen=chosen_id("organization"), today=clock.today())


@bp.route("/meetings/<int:meeting_id>/details", methods=["GET", "POST"])
@login_required
@require("can_run_meetings")
def edit_meeting_details(meeting_id: int):
    """Place, chair and secretary, printed on the minutes of the sessions tallied afterwards."""
    meeting = get_meeting_or_404(meeting_id, current_user)
    error = None
    if request.method == "POST":
        saved, error = attempt(lambda: meetings.update_meeting_details(meeting, request.form, by=current_user))
        if not error:
            flash(_("Meeting details saved."), "success")
            return redirect(url_for(".show_meeting", meeting_id=meeting.id))
    return form_page("chair/meeting_details.html", error, meeting=meeting)


@bp.get("/meetings/<int:meeting_id>")
@login_required
def show_meeting(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, current_user)
    query = request.args.get("q", "")
    return render_page("chair/meeting.html", "chair/_attendance_rows.html", meeting=meeting, query=query,
                       rows=attendance.rows(meeting, query), summary=attendance.summarize(meeting))


@bp.post("/meetings/<int:meeting_id>/attendance/<int:member_id>")
@login_required
@require("can_run_meetings")
def mark_attendance(meeting_id: int, member_id: int):
    """One switch or status choice: the row swaps in place and the counter updates out of band."""
    meeting = get_meeting_or_404(meeting_id, current_user)
    status, reason = attendance_from(request.form)
    row = attendance.mark(meeting, member_id, status, reason, by=current_user)
    return _attendance_changed(meeting, "chair/_attendance_row.html", row=row)


@bp.post("/meetings/<int:meeting_id>/attendance")
@login_required
@require("can_run_meetings")
def mark_everyone(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, current_user)
    attendance.mark_everyone(meeting, attendance_from(request.form)[0], by=current_user)
    query = request.form.get("q", "")
    return _attendance_changed(meeting, "chair/_attendance_rows.html", rows=attendance.rows(meeting, query),
                               query=query)


@bp.post("/meetings/<int:meeting_id>/attendance/undo")
@login_required
@require("can_run_meetings")
def undo_attendance(meeting_id: int):
    """Put back what the latest attendance change replaced (a mis-click on "mark all absent")."""
    meeting = get_meeting_or_404(meeting_id, current_user)
    meetings.undo_last_attendance_change(meeting, by=current_user)
    query = request.form.get("q", "")
    return _attendance_changed(meeting, "chair/_attendance_rows.html", rows=attendance.rows(meeting, query),
                               query=query)


def _attendance_changed(meeting, partial: str, **context):
    """After a change: htmx gets `partial` plus the counter out of band; a plain form post
    goes back to the meeting page."""
    if not htmx:
        return redirect(url_for(".show_meeting", meeting_id=meeting.id))
    return (render_template(partial, meeting=meeting, **context)
            + render_template("chair/_attendance_counter.html", summary=attendance.summarize(meeting), oob=True))
