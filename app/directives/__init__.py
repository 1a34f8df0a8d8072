"""Directives (văn bản chỉ đạo) and the follow-up of their tasks."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("directives", __name__, url_prefix="/directives")


@bp.before_request
@login_required
def require_login():
    """Every page here is for signed-in users; each view checks the directive's scope."""


from . import views  # noqa: E402,F401
