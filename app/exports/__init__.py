from flask import Blueprint
from flask_login import login_required

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.before_request
@login_required
def require_login():
    return None


from . import pdf, template_preview, views  # noqa: E402,F401  (pdf registers the PDF job)
