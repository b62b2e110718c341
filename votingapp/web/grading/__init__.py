"""The yearly rating's pages: cycles, the progress dashboard, a unit's ratings, a subject's
proposal and decision, exports. Thin views over services.grading."""

from flask import Blueprint

bp = Blueprint("grading", __name__, url_prefix="/grading")

from . import views  # noqa: E402,F401  (views register themselves on bp)
