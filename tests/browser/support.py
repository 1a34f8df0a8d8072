"""Data for the journeys, built with tests/factories.py."""
from __future__ import annotations

import random

from app.demo import _quarterly_values, seed_fields
from app.extensions import db
from app.reporting.numbers import format_count
from app.services.rounds import round_template
from tests.factories import make_round, make_tree, make_user, set_values


def catalogue():
    """The default field catalogue, so the dossier table (I.4) has its 18 rows."""
    seed_fields()
    db.session.commit()


def quarterly_round(communes: int, reviewer: bool = True):
    """A district round of the quarterly template with one reporter per commune."""
    catalogue()
    _, district, units = make_tree(communes=communes)
    reporters = [make_user(u, username=f"xa.so{i}", full_name=f"Cán bộ xã {i}") for i, u in enumerate(units, start=1)]
    boss = make_user(district, role="reviewer", username="tonghop.huyen", full_name="Lê Thị Tổng Hợp") if reviewer else None
    round_ = make_round(district, expected=units, opened_by=boss)
    return round_, district, units, reporters, boss


def filled_values(round_, seed: int = 7) -> dict:
    """A whole quarterly report that passes every rule (the demo's generator)."""
    return _quarterly_values(round_template(round_), random.Random(seed))


def fill(submission, values: dict, status: str = "draft") -> None:
    set_values(submission, values, status=status)


def count(n: int) -> str:
    return format_count(n)


def role_pages(extra_values: dict | None = None) -> dict:
    """A 3-commune round with a report of each state a role's main pages show: a draft, a
    submitted one and a returned one with a comment; plus the reviewer and an admin."""
    from app.models import ReviewComment
    from tests.factories import submission_for

    round_, district, units, reporters, boss = quarterly_round(communes=3)
    values = filled_values(round_) | (extra_values or {})
    fill(submission_for(round_, units[1]), values, status="submitted")
    returned = submission_for(round_, units[2])
    fill(returned, values, status="returned")
    db.session.add(ReviewComment(submission_id=returned.id, section_id="I.4", text="Kiểm tra lại dòng đất đai.",
                                 return_number=1, author_id=boss.id))
    db.session.commit()
    admin = make_user(district.parent, role="admin", username="quantri")
    return {"round": round_, "units": units, "reporters": reporters, "boss": boss, "admin": admin,
            "draft": submission_for(round_, units[0]), "submitted": submission_for(round_, units[1]),
            "returned": returned, "values": values}
