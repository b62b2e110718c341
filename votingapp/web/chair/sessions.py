"""Ballot-session pages: create, open, issue (PDF cards or kiosk), live progress, close, tally,
results. Each view loads with the permission check, calls one service and renders: the full
page on a normal request, the partial of the session's state on an htmx request.

Nothing here keeps state between requests (several workers must answer alike), and nothing
here ever sees a vote: progress is counts of tokens, results come only from the stored tally.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...catalog import N_
from ...crypto import sealed
from ...crypto.fingerprint import grouped
from ...crypto.tokens import format_token, token_hash
from ...documents.cards import render_cards
from ...documents.exports import DATE_PATTERN
from ...documents.minutes import PERCENT_PATTERN, render_minutes
from ...documents.minutes_docx import render_minutes_docx
from ...documents.qr import qr_svg, voter_url
from ...documents.share_cards import render_share_cards
from ...domain import ballot_forms, integrity, labels
from ...domain.electorate import BODY, default_electorate
from ...domain.policy import default_policy_for, get_policy, policies_for
from ...domain.quorum import quorum_met
from ...extensions import htmx
from ...models import SessionState, TokenState
from ...models.ballots import KeyCustody
from ...services import ballots, electorate, meetings, tallying, verifiable
from ...services.errors import ServiceError
from ...services.voter_code import served_voter_code
from ..common import get_meeting_or_404, get_session_or_404, phone_address, public_base_url, require
from . import bp
from .pages import attempt

MAX_MOTION_TEXT = ballots.MAX_MOTION_TEXT

STATE_NAMES = {
    SessionState.DRAFT.value: _l("Draft"), SessionState.OPEN.value: _l("Voting open"),
    SessionState.CLOSED.value: _l("Closed, not yet counted"), SessionState.TALLIED.value: _l("Counted"),
}
#: how a new session's ballots may be sealed (services.ballots.SCHEMES), as the form offers them
SCHEME_CHOICES = {
    verifiable.SCHEME: _l("Verifiable (recommended): each ballot carries a proof that it is well formed, only the "
                          "totals are ever decrypted, and anyone can check the count from the public bundle."),
    sealed.SCHEME_V2: _l("Sealed: each ballot is decrypted at the count; only the key holders can recheck it."),
}
#: the kiosk shows each line in the meeting's language and in English, one under the other
KIOSK_LINES = {
    "scan": _l("Scan this code with your phone's camera to vote"),
    "type": _l("No camera? Open the address below and type the code"),
    "secret": _l("Your vote is encrypted on your phone. Nobody can see what you chose."),
    "face": _l("Chair: turn this screen so that only the voter in front of it can see it."),
}


def chair_action(view):
    """Admins and chairs act here; others are refused, and visitors go to log in first."""
    return login_required(require("can_run_meetings")(view))


def page_language() -> str:
    return "en" if str(get_locale()) == "en" else "vi"


def in_page_language(table: dict) -> dict:
    """A table of domain.labels as code → words in the page's language."""
    language = page_language()
    return {code: words.text(language) for code, words in table.items()}
@bp.app_template_filter("dmy")
def day_month_year(value) -> str:
    """The one date format of every page, dd/mm/yyyy, from a date or an ISO date string
    (as the signed board stores it)."""
    from datetime import date
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, DATE_PATTERN) if value else ""


@bp.app_template_filter("percent")
def percent_number(value: str) -> str:
    """A tally percentage ("54.55", exact decimal text) in the page's locale: 54,55 / 54.55."""
    from decimal import Decimal
    return format_decimal(Decimal(value), format=PERCENT_PATTERN)


@bp.app_template_filter("fingerprint_groups")
def fingerprint_groups(fingerprint: str) -> str:
    return grouped(fingerprint)


@bp.context_processor
def session_choices():
    """What the create-session form (included by the meeting page) and every session page need:
    each kind offers only its own counting policies, its default first."""
    creatable = [kind for kind in labels.KIND_DESCRIPTIONS if kind != ballot_forms.RATING]  # ratings: from the cycle
    return {"session_choices": {
        "kinds": in_page_language(labels.KINDS),
        "kind_descriptions": {kind: labels.KIND_DESCRIPTIONS[kind].text(page_language()) for kind in creatable},
        "policies": {kind: policies_for(kind) for kind in creatable}, "person_kinds": ballot_forms.PERSON_KINDS,
        "states": STATE_NAMES, "options": ballot_forms.OPTIONS, "max_motion_text": MAX_MOTION_TEXT,
        "schemes": SCHEME_CHOICES, "default_scheme": ballots.NEW_SESSION_SCHEME},
            "attendance_frozen": meetings.attendance_frozen}


# --- create ----------------------------------------------------------------------------------

def session_fields(meeting, form) -> dict:
    """The create_session arguments from the form: people picked among those summoned, or a
    motion; who votes (the kind's default electorate unless chosen) and the chosen body."""
    kind = form.get("kind", ballot_forms.CONFIDENCE)
    if kind == ballot_forms.RATING:  # a rating ballot is made from its review cycle
        raise ServiceError("invalid_input", N_("A rating ballot is made from the review cycle's unit page."))
    if kind not in ballot_forms.KINDS:
        kind = ""  # the service refuses it with the kinds it knows
    return {"kind": kind, "title": form.get("title", ""),
            "policy": form.get(f"policy-{kind}") or (default_policy_for(kind) if kind else None),
            "subjects": subject_fields(meeting, kind, form),
            "electorate": form.get("electorate") or (default_electorate(kind) if kind else None),
            "electors": form.getlist("elector_id", type=int), "scheme": form.get("scheme") or None}


def subject_fields(meeting, kind: str, form) -> list[dict]:
    """The ballot's lines from a form: the people ticked (member_id) or the motion's text."""
    if kind == ballot_forms.MOTION:
        subjects = [{"key": ballot_forms.MOTION_SUBJECT, "name": form.get("motion", "")}]  # ballots checks the text
    else:
        chosen = set(form.getlist("member_id", type=int))
        subjects = ballots.member_subjects([row.member for row in summoned(meeting) if row.member_id in chosen])
    return subjects


def summoned(meeting) -> list:
    """The meeting's attendance rows in member-code order (the order of the paper list)."""
    return sorted(meeting.attendance, key=lambda row: row.member.code)


@bp.get("/meetings/<int:meeting_id>/sessions/new")
@chair_action
def new_session(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, for_user=current_user)
    return render_template("chair/sessions/new.html", meeting=meeting)


@bp.post("/meetings/<int:meeting_id>/sessions")
@chair_action
def create_session(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, for_user=current_user)
    session, error = attempt(lambda: ballots.create_session(meeting, by=current_user,
                                                            **session_fields(meeting, request.form)))
    if error:  # shown in the form, with what was typed kept
        return render_template("chair/sessions/new.html", meeting=meeting, session_form=request.form,
                               session_error=error), error.status
    return redirect(url_for(".show_session", session_id=session.id))


@bp.post("/sessions/<session_id>/edit")
@chair_action
def edit_session(session_id: str):
    """While a draft: the title, the people or the motion's text, and who votes."""
    session = get_session_or_404(session_id, for_user=current_user)
    form = request.form
    _, error = attempt(lambda: ballots.edit_draft(
        session, title=form.get("title", ""), subjects=subject_fields(session.meeting, session.kind, form),
        electorate_name=form.get("electorate", session.electorate), electors=form.getlist("elector_id", type=int),
        by=current_user))
    if error:
        return render_template("chair/sessions/show.html", edit_form=form, edit_error=error,
                               **state_context(session)), error.status
    return redirect(url_for(".show_session", session_id=session.id))


@bp.post("/sessions/<session_id>/delete")
@chair_action
def delete_session(session_id: str):
    """A draft only (the service refuses any other); the page asks to confirm first."""
    session = get_session_or_404(session_id, for_user=current_user)
    meeting_id = session.meeting_id
    if request.form.get("confirm") != "1":
        raise ServiceError("invalid_input", N_("Tick the box to confirm deleting this draft."))
    ballots.delete_draft(session, by=current_user)
    return redirect(url_for(".show_meeting", meeting_id=meeting_id))


# --- the session page and its lifecycle ------------------------------------------------------

def phone_context() -> dict:
    """The voter page's address as the QR codes carry it, with a QR that opens it (no token)."""
    phone = phone_address()
    return {"phone": phone, "phone_qr": qr_svg(phone["url"], label=str(_l("QR code of the voter page")))}


def member_decryption(session) -> dict | None:
    """verifiable-v1 under committee custody, once closed: which members' phones have sent a
    valid partial decryption, and the member page they open (None for any other session)."""
    if not verifiable.is_verifiable(session) or not session.committee_key \
            or session.state != SessionState.CLOSED.value:
        return None
    done = sorted(verifiable.stored_partials(session))
    url = f"{public_base_url()}{url_for('voter.member', session_id=session.id)}"
    return {"done": done, "threshold": session.share_threshold, "holders": session.share_count,
            "complete": len(done) >= session.share_threshold, "member_url": url,
            "member_qr": qr_svg(url, label=str(_l("QR code of the member page")))}


def state_context(session) -> dict:
    counts = ballots.progress(session)
    return {**phone_context(), "voter_code": served_voter_code(), "session": session, "counts": counts,
            "verifiable": verifiable.is_verifiable(session), "decryption": member_decryption(session),
            "policy": get_policy(session.policy), "quorum_met": quorum_met(counts["base"], counts["present"]),
            "quorum": electorate.quorum(session) if session.is_draft else None,
            "body_kind": BODY, "cards_default": max(counts["left"], 1), "breaches": integrity.breaches(counts)}


def render_state(session):
    """The partial of the session's current state (htmx swaps it in place of the old one)."""
    return render_template(f"chair/sessions/_state_{session.state}.html", **state_context(session))


@bp.get("/sessions/<session_id>")
@chair_action
def show_session(session_id: str):
    session = get_session_or_404(session_id, for_user=current_user)
    if htmx and not htmx.history_restore_request:
        return render_state(session)
    return render_template("chair/sessions/show.html", **state_context(session))


#: the lifecycle steps a button may ask for, each one service call
STEPS: dict[str, Callable[..., object]] = {
    "open": ballots.open_session, "close": ballots.close_session, "tally": tallying.tally_session}


def step_arguments(step: str, form) -> dict:
    """The tally form names the counting committee and, when it holds the key, carries k shares."""
    if step != "tally":
        return {}
    return {"committee": form.getlist("committee"), "shares": form.getlist("share")}


@bp.post("/sessions/<session_id>/<any(open, close, tally):step>")
@chair_action
def change_state(session_id: str, step: str):
    """Open (system key), close or tally; the service refuses an illegal move (IllegalTransition → 409)."""
    session = get_session_or_404(session_id, for_user=current_user)
    STEPS[step](session, by=current_user, **step_arguments(step, request.form))
    if step == "tally":
        target = url_for(".show_results", session_id=session.id)
    elif htmx:
        return render_state(session)
    else:
        target = url_for(".show_session", session_id=session.id)
    if htmx:
        response = make_response("")
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.post("/sessions/<session_id>/open/committee")
@chair_action
def open_with_committee_key(session_id: str):
    """Open with the key split k-of-n among the counting committee. The answer is the share
    cards (PDF), made before the commit: the only copy there will ever be. A second POST
    (a reload, a double click) finds the session open and is refused."""
    session = get_session_or_404(session_id, for_user=current_user)
    form = request.form
    return ballots.open_session(
        session, by=current_user, custody=KeyCustody.COMMITTEE.value,
        threshold=whole_number(form, "threshold"), holders=whole_number(form, "holders"),
        names=form.get("names", "").splitlines(),
        hand_out=lambda shares: pdf_attachment(render_share_cards(session, shares, public_base_url()),
                                               f"manh-khoa-{session.id[:8]}.pdf"))


@bp.get("/sessions/<session_id>/progress")
@chair_action
def show_progress(session_id: str):
    """Counts only, from the database (any worker answers alike). When the state moved on
    since the page was drawn (closed from another screen), the page reloads itself."""
    session = get_session_or_404(session_id, for_user=current_user)
    counts = ballots.progress(session)
    html = render_template("chair/sessions/_progress.html", session=session, counts=counts)
    if session.is_open:  # the close confirmation's "x of y have voted" follows the count (htmx out-of-band)
        html += render_template("chair/sessions/_close_summary.html", counts=counts, oob=True)
    response = make_response(html)
    shown = request.args.get("shown")
    if shown and shown != session.state:
        response.headers["HX-Refresh"] = "true"
    return response


@bp.get("/sessions/<session_id>/decryption")
@chair_action
def member_decryption_status(session_id: str):
    """The members' decryptions so far (htmx poll of the closed page), and the count button
    out of band, enabled once k are in. When the state moved on, the page reloads itself."""
    session = get_session_or_404(session_id, for_user=current_user)
    decryption = member_decryption(session)
    if decryption is None:
        response = make_response("")
        response.headers["HX-Refresh"] = "true"
        return response
    return render_template("chair/sessions/_member_decryption.html", session=session, decryption=decryption,
                           oob=True)


# --- issue: printed cards --------------------------------------------------------------------

#: the whole-number fields of the session forms, named as the chair reads them
NUMBER_FIELDS = {"count": N_("Give the number of ballots as a whole number."),
                 "threshold": N_("Give the number of shares needed as a whole number."),
                 "holders": N_("Give the number of share holders as a whole number.")}


def whole_number(form, name: str) -> int:
    try:
        return int(form.get(name, ""))
    except ValueError:
        raise ServiceError("invalid_input", NUMBER_FIELDS[name]) from None


def pdf_attachment(pdf: bytes, filename: str):
    """A PDF that holds secrets shown once (ballot codes, key shares): downloaded, never cached."""
    response = make_response(bytes(pdf))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/sessions/<session_id>/cards")
@chair_action
def issue_cards(session_id: str):
    """Issue N tokens and hand them over once, as a printable PDF; only their hashes stay."""
    session = get_session_or_404(session_id, for_user=current_user)
    issued = ballots.issue_tokens(session, whole_number(request.form, "count"), mode="print", by=current_user)
    return pdf_attachment(render_cards(session, issued, public_base_url()),
                          f"phieu-{session.id[:8]}-{len(issued)}.pdf")


# --- issue: kiosk ----------------------------------------------------------------------------

def in_both_languages(lines: dict) -> dict:
    """Each line as (meeting language, English): a voter of either language can read the kiosk."""
    with force_locale("en"):
        english = {key: str(text) for key, text in lines.items()}
    return {key: (str(text), english[key]) for key, text in lines.items()}


@bp.get("/sessions/<session_id>/kiosk")
@chair_action
def kiosk(session_id: str):
    session = get_session_or_404(session_id, for_user=current_user)
    return render_template("chair/sessions/kiosk.html", session=session, lines=in_both_languages(KIOSK_LINES))


def kiosk_step(session):
    """What the kiosk shows next: the unused code it showed before (a reload mints nothing),
    a fresh one, 'every voter present has a ballot', or 'closed'."""
    if not session.is_open:
        return render_template("chair/sessions/_kiosk_closed.html", session=session)
    token = ballots.kiosk_token(session, by=current_user)
    if token is None:
        return render_template("chair/sessions/_kiosk_done.html", session=session,
                               counts=ballots.progress(session), phone=phone_address())
    phone = phone_address()
    response = make_response(render_template(
        "chair/sessions/_kiosk_token.html", session=session, code=format_token(token),
        qr=qr_svg(voter_url(phone["base"], token), label=str(_l("QR code of a ballot"))),
        token_hash=token_hash(token), phone=phone, lines=in_both_languages(KIOSK_LINES)))
    response.headers["Cache-Control"] = "no-store"  # the token's only copy: no cache may keep it
    return response


@bp.post("/sessions/<session_id>/kiosk/next")
@chair_action
def next_kiosk_token(session_id: str):
    """Shown on load and by 'check again': the token's plaintext leaves only in this reply."""
    session = get_session_or_404(session_id, for_user=current_user)
    return kiosk_step(session)


@bp.post("/sessions/<session_id>/kiosk/check")
@chair_action
def check_kiosk_token(session_id: str):
    """Polled every second with the shown token's hash: 204 (nothing to change) while unused."""
    session = get_session_or_404(session_id, for_user=current_user)
    if session.is_open:
        state = ballots.token_state(session, request.form.get("token_hash", ""))
        if state is None:
            raise ServiceError("not_found", N_("This kiosk shows a ballot code of another session."))
        if state == TokenState.ISSUED.value:
            return "", 204
    return kiosk_step(session)


# --- results ---------------------------------------------------------------------------------

def reads_results(view):
    """Results and minutes: chairs and auditors (admins always) of the subtree, after the
    tally only. The view gets the session and its stored tally document."""
    @wraps(view)
    @login_required
    @require("can_read_results")
    def wrapped(session_id: str, **kwargs):
        session = get_session_or_404(session_id, for_user=current_user)
        return view(session, tallying.results(session), **kwargs)
    return wrapped


@bp.get("/sessions/<session_id>/results")
@reads_results
def show_results(session, document):
    """Only from the stored tally document; 409 before the tally."""
    language = page_language()
    return render_template("chair/sessions/results.html", session=session, result=document,
                           options=ballot_forms.OPTIONS[session.kind], bases=list(document["bases"]),
                           basis_names=in_page_language(labels.BASES),
                           invalid_reasons=in_page_language(labels.INVALID_REASONS),
                           unmarked=labels.UNMARKED.text(language),
                           verdicts=[labels.verdict_label(subject, document["policy"], language)
                                     for subject in document["subjects"]],
                           rule_note=labels.rule_note(session.kind, document["policy"], language),
                           quorum_met=quorum_met(document["bases"].get("base", document["bases"]["summoned"]),
                                                 document["bases"]["present"]),
                           breaches=integrity.breaches(session.board.document["counts"]))


# --- minutes (biên bản kiểm phiếu) -------------------------------------------------------------

#: the minutes in each format: renderer, MIME type, how the browser shows it
MINUTES_FORMATS = {
    "pdf": (render_minutes, "application/pdf", "inline"),
    "docx": (render_minutes_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "attachment"),
}


@bp.get("/sessions/<session_id>/minutes.pdf", defaults={"fmt": "pdf"})
@bp.get("/sessions/<session_id>/minutes.docx", defaults={"fmt": "docx"})
@reads_results
def show_minutes(session, document, fmt: str = "pdf"):
    """The counting minutes, printed from the signed tally (409 before it) and its board: a PDF
    to print and sign, or a Word document to file or edit, with the same layout and words."""
    render, mime, disposition = MINUTES_FORMATS[fmt]
    try:
        body = render(document, session.board.document, voter_code=session.voter_code_sha256)
    except ValueError:
        raise ServiceError("conflict", N_("The stored tally and board do not match; run the audit check.")) from None
    response = make_response(body)
    response.headers["Content-Type"] = mime
    response.headers["Content-Disposition"] = f'{disposition}; filename="bien-ban-kiem-phieu-{session.id[:8]}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
