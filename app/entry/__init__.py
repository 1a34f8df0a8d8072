from flask import Blueprint

bp = Blueprint("entry", __name__)

from . import views  # noqa: E402,F401
