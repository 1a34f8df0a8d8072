"""Download routes for Excel and Word files (filled in by the exports issue)."""
from . import bp  # noqa: F401
