"""Plain factory functions for tests: units, users, rounds, submissions."""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import Submission, SubmissionValue, User
from app.reporting.periods import make_period
from app.reporting.templates import shipped_templates
from app.services.orgtree import add_unit
from app.services.rounds import open_round

PASSWORD = "secret123"


def make_unit(code: str, name: str | None = None, kind: str = "commune", parent=None, **kw):
    unit = add_unit(code, name or f"Xã {code}", kind, parent, place_name=kw.pop("place_name", name or code), **kw)
    db.session.commit()
    return unit


def make_user(unit, role: str = "reporter", username: str | None = None, **kw) -> User:
    user = User(username=username or f"{role}.{unit.code.lower()}", full_name=kw.pop("full_name", "Nguyễn Văn A"),
                role=role, unit=unit, phone=kw.pop("phone", "0912345678"), **kw)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_tree(communes: int = 3, offices: int = 0):
    """A province → district → communes tree, with a reviewer at the district."""
    province = make_unit("P", "Tỉnh Thử Nghiệm", "province")
    district = make_unit("P.D", "Huyện Thử Nghiệm", "district", province, place_name="Thử Nghiệm")
    units = [make_unit(f"P.D.X{i:02d}", f"Xã Số {i}", "commune", district, sort_order=i) for i in range(1, communes + 1)]
    units += [make_unit(f"P.D.O{i:02d}", f"Phòng Số {i}", "office", district, sort_order=100 + i) for i in range(1, offices + 1)]
    return province, district, units


def make_round(unit, template_code: str = "quarterly_tthc", year: int = 2024, index: int = 2, expected=None,
               deadline: date | None = None, opened_by=None):
    template = shipped_templates()[template_code]
    period = make_period(template.frequency, year, index, template.period_convention)
    round_ = open_round(unit=unit, template=template, period=period, deadline=deadline or _deadline(period),
                        expected=expected or [], instructions="", opened_by=opened_by)
    db.session.commit()
    return round_


def _deadline(period):
    from app.reporting.periods import default_deadline

    return default_deadline(period)


def submission_for(round_, unit) -> Submission:
    return next(s for s in round_.submissions if s.unit_id == unit.id)


def set_values(submission: Submission, values: dict, status: str | None = None) -> None:
    for key, value in values.items():
        row = SubmissionValue(submission_id=submission.id, key=key, version=1,
                              int_value=value if isinstance(value, int) else None,
                              text_value=value if isinstance(value, str) else None)
        db.session.add(row)
    if status:
        submission.status = status
    elif submission.status == "not_started":
        submission.status = "draft"
    db.session.commit()
