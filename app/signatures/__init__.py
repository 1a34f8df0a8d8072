from flask import Blueprint
from flask_login import login_required

# Report PDFs, signed uploads and their record, the trust anchors (issue 25).
bp = Blueprint("signatures", __name__, url_prefix="/signatures")


@bp.before_request
@login_required
def require_login():
    return None


from . import views  # noqa: F401
