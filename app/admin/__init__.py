from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    from ..permissions import require_role

    require_role("admin")


from . import log, reorganisation, report_templates, views, workdays  # noqa: E402,F401
