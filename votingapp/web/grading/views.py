"""Grading pages. Every write is one service call; permission lives in services.grading (the
competent level) and in the load-or-abort helpers here (reach)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ...catalog import N_
from ...domain import grading as rules
from ...extensions import db, htmx
from ...models import BallotSession, Meeting, ReviewCycle, SessionState
from ...services import grading, grading_exchange, grading_progress
from ...services.errors import ServiceError
from ..chair.pages import attempt, chosen_id, date_from
from ..chair.sessions import STATE_NAMES
from ..common import get_organization_or_404, get_session_or_404
from . import bp
from .chart import distribution_svg

FORM_NAMES = {"2A": _l("2A (member)"), "2B": _l("2B (leader, manager)"), "2C": _l("2C (other cadre)"),
              "01": _l("01 (collective)")}
SOURCE_NAMES = {"ballot": _l("secret rating ballot"), "open_vote": _l("show of hands"),
                "hall": _l("hall bundle, verified")}
ACTION_NAMES = {"approve": _l("Approved"), "override": _l("Overridden"), "cancel": _l("Cancelled")}


def language() -> str:
    return "en" if str(get_locale()) == "en" else "vi"


@bp.app_template_filter("rating_level")
def rating_level(level: str | None) -> str:
    return rules.level_name(level, language()) if level else "—"


@bp.context_processor
def _names():
    words = language()
    return {"role_names": {role: name.text(words) for role, name in rules.ROLE_NAMES.items()},
            "form_names": FORM_NAMES, "source_names": SOURCE_NAMES,
            "action_names": ACTION_NAMES, "session_states": STATE_NAMES, "grading_levels": rules.LEVELS,
            "condition_names": {c: rules.CONDITION_NAMES[c].text(words) for c in rules.CONDITIONS},
            "not_rated": rules.NOT_RATED.text(words)}


def flash_refusal(error: ServiceError) -> None:
    """A step refused for its content is shown on the page the user goes back to; a refused
    permission is the answer itself (403), as everywhere else."""
    if error.status in (401, 403):
        raise error
    flash(error.message_en if language() == "en" else error.message_vi, "error")


def get_cycle_or_404(cycle_id: int) -> ReviewCycle:
    """A cycle whose subtree the user reaches, or whose organization lies within the user's."""
    cycle = db.session.get(ReviewCycle, cycle_id) or abort(404)
    if not current_user.can_follow_cycle(cycle.organization):
        raise ServiceError("forbidden")
    return cycle


def get_unit_or_404(cycle: ReviewCycle, organization_id: int):
    unit = get_organization_or_404(organization_id, current_user)
    if not grading.covers(cycle, unit):
        abort(404)
    return unit


def get_subject_or_404(cycle: ReviewCycle, key: str):
    subject = grading.find_subject(cycle, key)
    if not current_user.can_reach(subject.organization) and not grading.may_decide(current_user, subject):
        raise ServiceError("forbidden")
    return subject


def home_unit(cycle: ReviewCycle):
    """Where the user's view of a cycle starts: their own organization, or the cycle's."""
    own = current_user.organization
    return own if own is not None and grading.covers(cycle, own) else cycle.organization


# --- cycles --------------------------------------------------------------------------------

@bp.get("/")
@login_required
def list_cycles():
    cycles = [c for c in db.session.scalars(select(ReviewCycle).order_by(ReviewCycle.year.desc()))
              if current_user.can_follow_cycle(c.organization)]
    from ...services import directory
    return render_template("grading/cycles.html", cycles=cycles, policies=rules.GRADING_POLICIES,
                           organizations=[o for o in directory.reachable_organizations(current_user) if o.children])


@bp.post("/cycles")
@login_required
def create_cycle():
    form = request.form

    def create():
        organization = get_organization_or_404(chosen_id("organization") or 0, current_user)
        year = chosen_id("year")
        deadlines = {level: date_from(form.get(f"deadline_{level}")).isoformat()
                     for level in grading.DEFAULT_DEADLINES if form.get(f"deadline_{level}")}
        return grading.create_cycle(organization, year, title=form.get("title", ""),
                                    policy=form.get("policy", rules.DEFAULT_GRADING_POLICY),
                                    deadlines=deadlines or None, by=current_user)
    cycle, error = attempt(create)
    if error:
        flash_refusal(error)
        return redirect(url_for(".list_cycles"))
    return redirect(url_for(".show_cycle", cycle_id=cycle.id))


@bp.get("/cycles/<int:cycle_id>")
@login_required
def show_cycle(cycle_id: int):
    cycle = get_cycle_or_404(cycle_id)
    root = home_unit(cycle)
    tree = grading_progress.progress(cycle, root)
    template = "grading/_progress.html" if htmx else "grading/cycle.html"
    return render_template(template, cycle=cycle, tree=tree, policy=grading.policy_of(cycle), root=root)


@bp.post("/cycles/<int:cycle_id>/close")
@login_required
def close_cycle(cycle_id: int):
    cycle = get_cycle_or_404(cycle_id)
    grading.close_cycle(cycle, by=current_user)
    flash(_("The review cycle is closed; it is now read-only."), "success")
    return redirect(url_for(".show_cycle", cycle_id=cycle.id))


@bp.get("/cycles/<int:cycle_id>/units/<int:organization_id>/chart.svg")
@login_required
def show_chart(cycle_id: int, organization_id: int):
    cycle = get_cycle_or_404(cycle_id)
    unit = get_unit_or_404(cycle, organization_id)
    rows = [(child.name, grading_progress.with_last_year(cycle, child)) for child in unit.children] \
        or [(unit.name, grading_progress.with_last_year(cycle, unit))]
    return Response(distribution_svg(rows, cycle.year, language()), mimetype="image/svg+xml")


# --- a unit --------------------------------------------------------------------------------

def unit_context(cycle, unit) -> dict:
    subjects = grading.subjects_of(cycle, unit)
    grassroots = unit.grassroots()
    quota = grading.quota_status(cycle, grassroots) if grassroots else None
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.organization_id == unit.id)
                                       .order_by(Meeting.held_on.desc())))
    rating_sessions = [s for m in meetings for s in m.sessions if s.kind == "rating"]
    return {"cycle": cycle, "unit": unit, "subjects": subjects, "quota": quota, "policy": grading.policy_of(cycle),
            "suggested": {s.id: grading.suggested_level(s) for s in subjects},
            "decidable": [s for s in subjects if grading.may_decide(current_user, s)],
            "can_record": grading.may_record_for(current_user, subjects[0]) if subjects else False,
            "distribution": grading_progress.with_last_year(cycle, unit), "meetings": meetings,
            "rating_sessions": rating_sessions, "quota_text": _quota_text(cycle, quota)}


def _quota_text(cycle, quota) -> str | None:
    if quota is None:
        return None
    return rules.quota_line(grading.policy_of(cycle), quota.good, quota.excellent, language())


@bp.get("/cycles/<int:cycle_id>/units/<int:organization_id>")
@login_required
def show_unit(cycle_id: int, organization_id: int):
    cycle = get_cycle_or_404(cycle_id)
    unit = get_unit_or_404(cycle, organization_id)
    return render_template("grading/unit.html", **unit_context(cycle, unit))


@bp.post("/cycles/<int:cycle_id>/units/<int:organization_id>/approve")
@login_required
def approve_unit(cycle_id: int, organization_id: int):
    cycle = get_cycle_or_404(cycle_id)
    unit = get_unit_or_404(cycle, organization_id)
    made, error = attempt(lambda: grading.approve_unit(cycle, unit, by=current_user))
    if error:
        flash_refusal(error)
    else:
        flash(_("%(num)d ratings approved.", num=len(made)), "success")
    return redirect(url_for(".show_unit", cycle_id=cycle.id, organization_id=unit.id))


@bp.post("/cycles/<int:cycle_id>/units/<int:organization_id>/rating-session")
@login_required
def create_rating_session(cycle_id: int, organization_id: int):
    """A secret rating ballot on the unit's members, in one of its meetings."""
    cycle = get_cycle_or_404(cycle_id)
    unit = get_unit_or_404(cycle, organization_id)
    meeting = db.session.get(Meeting, chosen_id("meeting") or 0)
    if meeting is None or meeting.organization_id != unit.id:
        raise ServiceError("invalid_input", N_("Choose one of this unit's meetings."))
    role = request.form.get("role", rules.MEMBER)
    subjects = [s for s in grading.subjects_of(cycle, unit) if s.role == role]
    session = grading.create_rating_session(cycle, meeting, subjects, by=current_user)
    return redirect(url_for("chair.show_session", session_id=session.id))


@bp.post("/cycles/<int:cycle_id>/sessions/<session_id>/propose")
@login_required
def propose_from_session(cycle_id: int, session_id: str):
    cycle = get_cycle_or_404(cycle_id)
    session = get_session_or_404(session_id, current_user)
    made = grading.propose_from_session(cycle, session, by=current_user)
    flash(_("%(num)d proposals from the counted rating ballot.", num=len(made)), "success")
    return redirect(url_for(".show_unit", cycle_id=cycle.id, organization_id=session.meeting.organization_id))


# --- a subject -----------------------------------------------------------------------------

def latest_confidence(subject) -> dict | None:
    """A leader's latest counted confidence result: shown to the deciders, never turned into a level."""
    from ...models import Subject
    if subject.member_id is None or not subject.member.is_leader:
        return None
    line = db.session.scalar(select(Subject).join(BallotSession).where(
        Subject.member_id == subject.member_id, BallotSession.kind == "confidence",
        BallotSession.state == SessionState.TALLIED.value).order_by(BallotSession.tallied_at.desc()))
    if line is None:
        return None
    tally = line.session.tally
    if tally is None:  # a tallied session always has its tally; nothing to show otherwise
        return None
    document = tally.document
    result = next((s for s in document["subjects"] if s["id"] == line.key), None)
    return {"session": line.session, "result": result} if result else None


def subject_context(cycle, subject) -> dict:
    assessment = subject.self_assessment
    grassroots = subject.organization.grassroots()
    quota = grading.quota_status(cycle, grassroots) if grassroots and subject.role == rules.MEMBER else None
    return {"cycle": cycle, "subject": subject, "assessment": assessment, "policy": grading.policy_of(cycle),
            "explained": grading.explain(subject, language()), "competent": grading.competent_organization(subject),
            "may_decide": grading.may_decide(current_user, subject) and cycle.is_open,
            "may_record": grading.may_record_for(current_user, subject) and cycle.is_open,
            "confidence": latest_confidence(subject), "quota": quota, "quota_text": _quota_text(cycle, quota),
            "unit_id": grading_progress.unit_of(subject)}


@bp.get("/cycles/<int:cycle_id>/subjects/<key>")
@login_required
def show_subject(cycle_id: int, key: str):
    cycle = get_cycle_or_404(cycle_id)
    subject = get_subject_or_404(cycle, key)
    db.session.commit()
    return render_template("grading/subject.html", **subject_context(cycle, subject))


def _back_to_subject(cycle, subject, error=None, message=None):
    if error:
        db.session.rollback()
        subject = grading.find_subject(cycle, subject.key)
        context = subject_context(cycle, subject)
        return render_template("grading/subject.html", error=error, form=request.form, **context), error.status
    flash(message, "success")
    return redirect(url_for(".show_subject", cycle_id=cycle.id, key=subject.key))


def subject_step(cycle_id: int, key: str, step, done_message: str):
    """One write on a subject's page: the service call `step(subject)`, then the page again
    (its refusal shown inside the form) or a redirect with `done_message`."""
    cycle = get_cycle_or_404(cycle_id)
    subject = get_subject_or_404(cycle, key)
    _made, error = attempt(lambda: step(subject))
    return _back_to_subject(cycle, subject, error, done_message)


@bp.post("/cycles/<int:cycle_id>/subjects/<key>/self-assessment")
@login_required
def save_self_assessment(cycle_id: int, key: str):
    form = request.form
    conditions = {c: form.get(f"c_{c}") == "yes" for c in rules.CONDITIONS if form.get(f"c_{c}") in ("yes", "no")}
    data = grading.SelfAssessmentInput(form.get("form_type", ""), form.get("text", ""), form.get("self_score"),
                                       conditions, form.get("self_level") or None)
    return subject_step(cycle_id, key, lambda subject: grading.save_self_assessment(subject, data, by=current_user),
                        _("Self-assessment saved."))


@bp.post("/cycles/<int:cycle_id>/subjects/<key>/open-vote")
@login_required
def record_open_vote(cycle_id: int, key: str):
    counts = {level: request.form.get(f"votes_{level}") or 0 for level in rules.LEVELS}
    base = request.form.get("base") or 0
    return subject_step(cycle_id, key, lambda subject: grading.record_open_vote(subject, counts, base, by=current_user),
                        _("Show-of-hands counts recorded."))


@bp.post("/cycles/<int:cycle_id>/subjects/<key>/decide")
@login_required
def decide(cycle_id: int, key: str):
    form = request.form
    return subject_step(cycle_id, key, lambda subject: grading.decide(
        subject, level=form.get("level") or None, reason=form.get("reason", ""),
        quota_exception=form.get("quota_exception", ""), by=current_user), _("Decision recorded."))


@bp.post("/cycles/<int:cycle_id>/subjects/<key>/cancel")
@login_required
def cancel_decision(cycle_id: int, key: str):
    reason = request.form.get("reason", "")
    return subject_step(cycle_id, key, lambda subject: grading.cancel_decision(subject, reason=reason, by=current_user),
                        _("Decision cancelled; the subject can be rated again."))


# --- exports and imports -------------------------------------------------------------------

@bp.get("/cycles/<int:cycle_id>/export.<any(xlsx, csv):fmt>")
@login_required
def export_cycle(cycle_id: int, fmt: str):
    cycle = get_cycle_or_404(cycle_id)
    unit_id = chosen_id("unit")
    unit = get_unit_or_404(cycle, unit_id) if unit_id else home_unit(cycle)
    data = grading_exchange.export_table(cycle, unit, fmt)
    mimetype = grading_exchange.MIMETYPES[fmt]
    filename = f"xep-loai-{cycle.year}-{unit.code}.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/cycles/<int:cycle_id>/report.pdf")
@login_required
def report_pdf(cycle_id: int):
    cycle = get_cycle_or_404(cycle_id)
    unit_id = chosen_id("unit")
    unit = get_unit_or_404(cycle, unit_id) if unit_id else home_unit(cycle)
    from ...documents.grading_report import summary_pdf
    pdf = summary_pdf(grading_exchange.report_facts(cycle, unit))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="bao-cao-xep-loai-{cycle.year}-{unit.code}.pdf"'})


@bp.post("/cycles/<int:cycle_id>/import")
@login_required
def import_cycle(cycle_id: int):
    cycle = get_cycle_or_404(cycle_id)
    upload = request.files.get("file")
    report, error = attempt(lambda: grading_exchange.import_table(
        cycle, upload.read() if upload else b"", (upload.filename or "") if upload else "", by=current_user))
    if error:
        lines = error.extra.get("lines", [])
        return render_template("grading/import_report.html", cycle=cycle, error=error, lines=lines), error.status
    flash(_("%(num)d lines imported.", num=report["lines"]), "success")
    return redirect(url_for(".show_cycle", cycle_id=cycle.id))
