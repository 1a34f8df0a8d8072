"""Templates bound to their rows, shared by the domain's unit tests."""
import pytest

from app.reporting.templates import DEFAULT_FIELDS, bind_rows, shipped_templates
from tests.fixtures.seeds import SEED002_CATALOGUE


@pytest.fixture(scope="session")
def quarterly():
    """The quarterly TTHC template with a typical commune's fields catalogue."""
    return bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)


@pytest.fixture(scope="session")
def halfyear():
    """The six-month one-stop template with seed 002's fields."""
    return bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)
