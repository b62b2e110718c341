"""The projector view (`/chair/sessions/<id>/screen`): full screen, readable from the back of a
hall. While voting is open a live "x of y voted" ring and the phone address with its QR; after
the tally, per person a bar chart of the levels with the percentages on the policy's basis and
the consequence line. Server-rendered SVG refreshed by htmx: nothing loaded from outside.

Like the session page it shows counts only before the tally, and results only from the stored
tally document; the words are the results page's own (domain.labels).
"""

from __future__ import annotations

import math

from flask import render_template
from flask_login import current_user

from ...domain import ballot_forms, labels
from ...extensions import htmx
from ...services import ballots, tallying
from ...services.voter_code import served_voter_code
from ..common import get_session_or_404
from . import bp
from .sessions import chair_action, in_page_language, page_language, phone_context

#: the ring's radius in its 200 × 200 viewBox, and so its circumference
RING_RADIUS = 84
RING_LENGTH = 2 * math.pi * RING_RADIUS
#: one colour per mark, in the order of ballot_forms.OPTIONS (high / middle / low; agree / disagree / abstain)
MARK_COLOURS = {"tin-nhiem-cao": "#176b3a", "tin-nhiem": "#1d5fd0", "tin-nhiem-thap": "#a4161a",
                "agree": "#176b3a", "disagree": "#a4161a", "abstain": "#5b6675", "blank": "#5b6675"}


def ring(voted: int, present: int) -> dict:
    """The arc of the progress ring: its dash length along the circle, at most the whole circle."""
    share = min(voted / present, 1.0) if present else 0.0
    return {"radius": RING_RADIUS, "length": round(RING_LENGTH, 2), "dash": round(RING_LENGTH * share, 2),
            "percent": round(100 * share)}


def bars(subject: dict, options, base: int) -> list[dict]:
    """One bar per mark: its count, its percentage (as the tally wrote it) and its length as a
    share of the basis (0 to 1). A basis of zero draws empty bars."""
    return [{"option": option, "count": subject["counts"][option.id], "percent": subject["percent"][option.id],
             "share": min(subject["counts"][option.id] / base, 1.0) if base else 0.0,
             "colour": MARK_COLOURS.get(option.id, "#1c2430")} for option in options]


def verdict_line(subject: dict, policy: dict) -> str:
    """The line under a chart: a consequence in full (with the article of QĐ 96), else the outcome."""
    if subject.get("consequence") not in (None, "none"):
        return labels.consequence_text(subject["consequence"], policy.get("two_thirds", "from"), page_language())
    return labels.verdict_label(subject, policy, page_language())


def screen_context(session) -> dict:
    context = {"session": session, "voter_code": served_voter_code()}
    if session.state == "tallied":
        result = tallying.results(session)
        options = ballot_forms.OPTIONS[session.kind]
        confidence = session.kind == ballot_forms.CONFIDENCE
        context.update(result=result, basis_names=in_page_language(labels.BASES), confidence=confidence,
                       charts=[{"subject": subject,
                                "verdict": (subject.get("consequence") or subject.get("outcome")
                                            or subject.get("proposed")),
                                "verdict_text": verdict_line(subject, result["policy"]),
                                "bars": bars(subject, options, result["bases"][subject["basis"]])}
                               for subject in result["subjects"]])
    else:
        counts = ballots.progress(session)
        context.update(phone_context(), counts=counts, ring=ring(counts["voted"], counts["present"]))
    return context


@bp.get("/sessions/<session_id>/screen")
@chair_action
def show_screen(session_id: str):
    """The whole page, or (htmx poll) the part for the session's state; the poll stops at the results."""
    session = get_session_or_404(session_id, for_user=current_user)
    part = "chair/sessions/_screen_results.html" if session.state == "tallied" else "chair/sessions/_screen_live.html"
    if htmx and not htmx.history_restore_request:
        return render_template(part, **screen_context(session))
    return render_template("chair/sessions/screen.html", part=part, **screen_context(session))
