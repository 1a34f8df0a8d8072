from flask import Blueprint
from flask_login import login_required

bp = Blueprint("review", __name__, url_prefix="/rounds")


@bp.before_request
@login_required
def require_reviewer():
    from ..permissions import require_role

    require_role("reviewer", "admin")


from . import board, deadlines, submission, views  # noqa: E402,F401
