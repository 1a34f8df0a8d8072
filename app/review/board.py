"""The progress board of a round: one row per expected unit, loaded in a fixed number of queries."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..reporting.clock import format_day
from ..models import OrgUnit, ReportingRound, Submission, User
from ..services.orgtree import unit_sort_key
from ..services.rounds import effective_deadline, round_label, submitted_late


@dataclass
class BoardRow:
    submission: Submission
    unit: OrgUnit
    officer: User | None
    late: bool
    deadline: date  # this unit's own: the round's, or its extension

    @property
    def state(self) -> str:
        return self.submission.status

    @property
    def missing(self) -> bool:
        return self.submission.status in ("not_started", "draft", "returned")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


def _all_rows(round_: ReportingRound) -> list[BoardRow]:
    subs = db.session.scalars(
        select(Submission).options(joinedload(Submission.unit)).where(Submission.round_id == round_.id)
    ).all()
    unit_ids = [s.unit_id for s in subs]
    officers: dict[int, User] = {}
    for user in db.session.scalars(
        select(User).where(User.unit_id.in_(unit_ids), User.role == "reporter", User.active.is_(True)).order_by(User.id)
    ):
        officers.setdefault(user.unit_id, user)
    return [BoardRow(s, s.unit, officers.get(s.unit_id), late=submitted_late(s, round_),
                     deadline=effective_deadline(s, round_)) for s in subs]


def board_rows(round_: ReportingRound, state: str, q: str, sort: str):
    everything = rows = _all_rows(round_)
    counters = {"all": len(rows), "missing": sum(r.missing for r in rows), "late": sum(r.late for r in rows)}
    for r in rows:
        counters[r.state] = counters.get(r.state, 0) + 1
    if state == "missing":
        rows = [r for r in rows if r.missing]
    elif state == "late":
        rows = [r for r in rows if r.late]
    elif state:
        rows = [r for r in rows if r.state == state]
    if q:
        needle = _fold(q)
        rows = [r for r in rows if needle in _fold(r.unit.name) or needle in _fold(r.unit.code)]
    order = ["returned", "not_started", "draft", "submitted", "approved"]
    keys = {
        "order": lambda r: unit_sort_key(r.unit),
        "name": lambda r: _fold(r.unit.name),
        "status": lambda r: (order.index(r.state) if r.state in order else 9, *unit_sort_key(r.unit)),
        "submitted": lambda r: (r.submission.submitted_at is None, r.submission.submitted_at or datetime.min),
    }
    rows = sorted(rows, key=keys[sort])
    return rows, counters, everything


def reminder_text(round_: ReportingRound, rows_all=None) -> str:
    """A message to paste into Zalo or SMS naming the units that still owe their report."""
    rows = rows_all if rows_all is not None else _all_rows(round_)
    missing = sorted((r for r in rows if r.missing), key=lambda r: unit_sort_key(r.unit))
    if not missing:
        return f"Tất cả đơn vị đã nộp báo cáo {round_.title} {round_label(round_).lower()}. Xin cảm ơn!"
    lines = [
        f"[{round_.unit.name}] Đề nghị các đơn vị sau nộp báo cáo {round_.title} "
        f"{round_label(round_).lower()} trước ngày {format_day(round_.deadline)}:",
    ]
    for r in missing:
        who = f" (đ/c {r.officer.full_name}{', ' + r.officer.phone if r.officer.phone else ''})" if r.officer else ""
        note = " — đã bị trả lại, cần sửa" if r.state == "returned" else ""
        lines.append(f"- {r.unit.name}{who}{note}")
    lines.append(f"Tổng cộng {len(missing)}/{len(rows)} đơn vị chưa nộp.")
    return "\n".join(lines)
