"""Data for the journeys, built with tests/factories.py."""
from __future__ import annotations

import random
import time

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
    submitted one and a returned one with a comment, all under a directive whose task asks
    for follow-up (section I.9); the reviewer and an admin; and a province's monthly round
    (two communes directly under it, last month closed so the trend table shows)."""
    from datetime import date

    from app.models import Directive, DirectiveAssignment, DirectiveTask, ReviewComment
    from app.reporting.clock import utcnow
    from app.reporting.keys import followup_key
    from tests.factories import make_round, make_unit, make_user, submission_for

    round_, district, units, reporters, boss = quarterly_round(communes=3)
    directive = Directive(unit=district, doc_type="CT", number="05/CT-UBND", issued_on=date(2024, 2, 5),
                          title="Về đẩy mạnh công tác cải cách hành chính", signer="KT. Chủ tịch Nguyễn Xuân Việt",
                          created_by_id=boss.id)
    task = DirectiveTask(directive=directive, position=1, label="1.a", content="Quán triệt Chỉ thị 30/CT-TTg.",
                         template_codes="quarterly_tthc", assignments=[DirectiveAssignment(unit=u) for u in units])
    db.session.add_all([directive, task])
    db.session.commit()
    followup = {followup_key("I.9", task.id, "status"): "in_progress",
                followup_key("I.9", task.id, "text"): "Đã quán triệt tại cuộc họp giao ban tháng 4.",
                followup_key("I.9", task.id, "docs"): "Kế hoạch số 12/KH-UBND ngày 10/4/2024."}
    values = filled_values(round_) | (extra_values or {})
    submitted = submission_for(round_, units[1])
    fill(submitted, values | followup, status="submitted")
    submitted.first_submitted_at = submitted.submitted_at = utcnow()
    returned = submission_for(round_, units[2])
    fill(returned, values, status="returned")
    db.session.add(ReviewComment(submission_id=returned.id, section_id="I.4", text="Kiểm tra lại dòng đất đai.",
                                 return_number=1, author_id=boss.id))
    db.session.commit()
    admin = make_user(district.parent, role="admin", username="quantri")

    province = district.parent
    monthly_units = [make_unit(f"P.M{i:02d}", f"Xã Tháng {i}", "commune", province, sort_order=200 + i) for i in (1, 2)]
    province_boss = make_user(province, role="reviewer", username="tonghop.tinh", full_name="Đỗ Thu Hằng")
    monthly_reporter = make_user(monthly_units[0], username="xa.thang1", full_name="Cán bộ xã Tháng 1")
    rng = random.Random(5)
    from app.demo import _monthly_values

    monthly = None
    for index in (5, 6):
        month = make_round(province, template_code="monthly_tthc", year=2024, index=index, expected=monthly_units,
                           opened_by=province_boss)
        for unit in monthly_units:
            sub = submission_for(month, unit)
            fill(sub, _monthly_values(round_template(month), rng), status="approved" if index == 5 else "submitted")
            sub.first_submitted_at = sub.submitted_at = utcnow()
        if index == 5:
            month.status = "closed"
        monthly = month
    db.session.commit()
    return {"round": round_, "units": units, "reporters": reporters, "boss": boss, "admin": admin,
            "draft": submission_for(round_, units[0]), "submitted": submitted,
            "returned": returned, "values": values, "directive": directive,
            "monthly_round": monthly, "monthly": submission_for(monthly, monthly_units[0]),
            "monthly_reporter": monthly_reporter, "province_boss": province_boss}


def role_page_urls(world) -> list[tuple]:
    """(user or None, [urls]) for the pages of each role the accessibility and markup tests walk."""
    round_id = world["round"].id
    return [
        (None, ["/login"]),
        (world["reporters"][0], ["/", f"/submissions/{world['draft'].id}"]),
        (world["reporters"][1], [f"/submissions/{world['submitted'].id}"]),
        (world["reporters"][2], [f"/submissions/{world['returned'].id}"]),
        (world["monthly_reporter"], [f"/submissions/{world['monthly'].id}"]),
        (world["boss"], ["/", "/rounds/", f"/rounds/{round_id}", f"/rounds/submissions/{world['submitted'].id}",
                         f"/rounds/{round_id}/consolidated?provisional=1", "/directives/",
                         f"/directives/{world['directive'].id}"]),
        (world["province_boss"], [f"/rounds/{world['monthly_round'].id}", f"/rounds/submissions/{world['monthly'].id}"]),
        (world["admin"], ["/admin/units", "/admin/users", "/admin/reorganisation", "/admin/log", "/admin/holidays",
                          "/admin/imports?kind=users&mode=update"]),
    ]


def wait_until_held(page, held: list, seconds: float = 60) -> None:
    """Wait until a route handler has put a request in ``held``. Playwright hands a routed
    request to its handler only while the test calls into the browser, so this keeps calling
    (a short timer in the page, which runs in a hidden page too) and fails, rather than hanging
    the suite, when the request never comes."""
    deadline = time.monotonic() + seconds
    while not held:
        assert time.monotonic() < deadline, "the request the test holds was never sent"
        page.evaluate("() => new Promise(resolve => setTimeout(resolve, 20))")
