"""Mergers and reorganisations (issue 15): A, B, C became D; districts abolished."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogueField, ChangeLog, OrgUnit, SubmissionValue, UnitMove, UnitSuccession
from app.reporting.templates import shipped_templates
from app.services.consolidation import load_consolidation
from app.services.rounds import default_expected_units
from app.services.submissions import previous_values
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

# Last quarter: three communes' approved figures (received online, pending within deadline, procedures published).
BEFORE = {"Xã Số 1": (10, 1, 5), "Xã Số 2": (20, 2, 6), "Xã Số 3": (30, 3, 7)}


@pytest.fixture
def world(app):
    db.session.add(CatalogueField(code="ho_tich", name="Hộ tịch", sort_order=1))
    db.session.commit()
    province, district, communes = make_tree(4)
    a, b, c, x = communes
    q1 = make_round(district, year=2024, index=1, expected=communes)
    for unit in (a, b, c):
        online, pending, published = BEFORE[unit.name]
        set_values(submission_for(q1, unit), {"I.4/ho_tich/c4": online, "I.4/ho_tich/c8": online - pending,
                                              "I.4/ho_tich/c12": pending, "I.1/published": published}, status="approved")
    q1.status = "closed"
    q2 = make_round(district, year=2024, index=2, expected=communes)
    submission_for(q2, a).status = "submitted"
    set_values(submission_for(q2, b), {"I.1/published": 99})
    db.session.commit()
    admin = app.test_client()
    login_as(admin, make_user(province, "admin", username="quantri"))
    return {"province": province, "district": district, "a": a, "b": b, "c": c, "x": x, "q1": q1, "q2": q2, "admin": admin}


def _merge(world, **changes):
    data = {"predecessors": [world["a"].id, world["b"].id, world["c"].id], "successor_id": 0, "new_code": "P.D.X10",
            "new_name": "Xã Hợp Nhất", "new_kind": "commune", "new_parent_id": world["district"].id,
            "new_place_name": "Hợp Nhất", "new_sort_order": "1", "effective_on": "2024-05-01", "confirm": "1", **changes}
    return world["admin"].post("/admin/reorganisation/merge", data=data)


def test_a_merger_gives_the_new_unit_a_previous_period_equal_to_its_predecessors_sum(app, world):
    assert _merge(world).status_code == 303
    d = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.D.X10"))
    q2 = world["q2"]
    db.session.refresh(q2)
    new = submission_for(q2, d)
    previous = previous_values(new)
    assert previous["I.4/ho_tich/c4"] == 10 + 20 + 30 and previous["I.1/published"] == 5 + 6 + 7
    # Carried-over dossiers start from the predecessors' pending ones, summed.
    assert db.session.scalar(select(SubmissionValue.int_value).where(
        SubmissionValue.submission_id == new.id, SubmissionValue.key == "I.4/ho_tich/c6")) == 1 + 2 + 3
    officer = app.test_client()
    login_as(officer, make_user(d, "reporter"))
    page = officer.get(f"/submissions/{new.id}").get_data(as_text=True)
    assert "kỳ trước: 60" in page and "kỳ trước: 18" in page
    assert f"/units/{d.id}/history" in page and "hình thành từ Xã Số 1, Xã Số 2, Xã Số 3" in page


def test_open_submissions_are_closed_and_linked_while_submitted_ones_and_closed_rounds_stay(app, world):
    _merge(world)
    d = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.D.X10"))
    q1, q2 = world["q1"], world["q2"]
    db.session.expire_all()
    new = submission_for(q2, d)
    b_sub, c_sub, a_sub = (submission_for(q2, world[k]) for k in ("b", "c", "a"))
    assert (b_sub.status, c_sub.status, a_sub.status) == ("merged", "merged", "submitted")
    assert b_sub.merged_into_id == c_sub.merged_into_id == new.id and a_sub.merged_into_id is None
    assert [s.status for s in q1.submissions if s.unit_id != world["x"].id] == ["approved"] * 3
    assert not any(world[k].active for k in ("a", "b", "c"))
    assert len(db.session.scalars(select(UnitSuccession)).all()) == 3
    notes = db.session.scalars(select(ChangeLog.new_value).where(ChangeLog.action == "merge")).all()
    assert notes == ["Đã sáp nhập vào Xã Hợp Nhất từ ngày 01/05/2024"] * 2
    # The closed round still counts the three communes as they were.
    assert load_consolidation(q1).result.values["I.1/published"] == 18
    # The open round no longer waits for B and C: D reports for them.
    missing = load_consolidation(q2).result
    assert "Xã Số 2" not in missing.missing and "Xã Hợp Nhất" in missing.missing

    officer = app.test_client()
    login_as(officer, make_user(d, "reporter"))
    page = officer.get(f"/submissions/{new.id}").get_data(as_text=True)
    assert f"/submissions/{b_sub.id}" in page and f"/submissions/{c_sub.id}" in page
    old = officer.get(f"/submissions/{b_sub.id}")
    assert old.status_code == 200 and "Đơn vị đã sáp nhập" in old.get_data(as_text=True)
    assert "Xã Hợp Nhất" in old.get_data(as_text=True)
    history = officer.get(f"/units/{d.id}/history").get_data(as_text=True)
    assert all(name in history for name in BEFORE) and "Quý I năm 2024" in history
    # Another commune's officer still sees none of it.
    stranger = app.test_client()
    login_as(stranger, make_user(world["x"], "reporter"))
    assert stranger.get(f"/submissions/{b_sub.id}").status_code == 404
    assert stranger.get(f"/units/{d.id}/history").status_code == 404


@pytest.mark.parametrize(("changes", "message"), [
    ({"predecessors": []}, "Chọn các đơn vị được sáp nhập."),
    ({"new_code": ""}, "Nhập mã đơn vị mới"),
    ({"new_code": "P.D.X01"}, "Mã đơn vị đã được dùng."),
])
def test_a_merger_with_bad_input_says_why_and_changes_nothing(world, changes, message):
    response = _merge(world, **changes)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(UnitSuccession)) is None and world["a"].active


def test_a_unit_cannot_be_merged_twice(world):
    _merge(world)
    response = _merge(world, new_code="P.D.X11", predecessors=[world["a"].id])
    assert response.status_code == 422


def test_moving_a_districts_communes_to_the_province_makes_it_two_level(world):
    response = world["admin"].post("/admin/reorganisation/move", data={
        "from_parents": [world["district"].id], "new_parent_id": world["province"].id, "retire_emptied": "y",
        "effective_on": "2025-07-01"})
    assert response.status_code == 303
    db.session.expire_all()
    province, district = world["province"], world["district"]
    communes = [world[k] for k in ("a", "b", "c", "x")]
    assert all(u.parent_id == province.id and u.path == f"{province.path}{u.id}/" for u in communes)
    assert not district.active
    assert len(db.session.scalars(select(UnitMove)).all()) == 4
    assert {u.name for u in default_expected_units(province, shipped_templates()["quarterly_tthc"])} == {u.name for u in communes}
    page = world["admin"].get("/admin/reorganisation").get_data(as_text=True)
    assert "Chuyển cấp trên" in page and "Huyện Thử Nghiệm → Tỉnh Thử Nghiệm" in page


def test_only_the_administrator_records_mergers(app, world):
    reviewer = app.test_client()
    login_as(reviewer, make_user(world["district"], "reviewer"))
    assert reviewer.get("/admin/reorganisation").status_code == 403
    assert _merge({**world, "admin": reviewer}).status_code == 403


def test_the_new_units_trend_continues_its_predecessors_series_summed(world):
    from app.services.trends import unit_trend

    _merge(world)
    d = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.D.X10"))
    trend = unit_trend(submission_for(world["q2"], d))
    assert trend.labels == ("Quý I năm 2024", "Quý II năm 2024")
    before = trend.periods[0].values
    assert before["I.4/c3"] == 10 + 20 + 30 and before["I.1/published"] == 5 + 6 + 7


# --- Changes that wait for their date (issue 22) ------------------------------------------

def test_a_merger_dated_in_the_future_is_scheduled_shown_cancellable_and_changes_nothing(app, world):
    asked = _merge(world, effective_on="2099-01-01", confirm="")
    assert asked.status_code == 200 and "lên lịch" in asked.get_data(as_text=True)
    assert db.session.scalar(select(UnitSuccession)) is None  # the confirmation writes nothing
    assert _merge(world, effective_on="2099-01-01").status_code == 303
    db.session.expire_all()
    assert all(world[k].active for k in ("a", "b", "c"))
    assert {s.status for s in world["q2"].submissions if s.unit_id in (world["b"].id, world["c"].id)} == {"draft", "not_started"}
    page = world["admin"].get("/admin/reorganisation").get_data(as_text=True)
    assert "Sáp nhập (đã lên lịch)" in page and "01/01/2099" in page
    successor = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.D.X10"))
    cancel = {"successor": successor.id, "effective_on": "2099-01-01"}
    assert "Hủy lịch sáp nhập" in world["admin"].post("/admin/reorganisation/cancel", data=cancel).get_data(as_text=True)
    assert world["admin"].post("/admin/reorganisation/cancel", data={**cancel, "confirm": "1"}).status_code == 303
    assert db.session.scalar(select(UnitSuccession)) is None


def test_apply_reorganisations_applies_on_the_date_once_moves_chosen_accounts_and_carries_drafts(app, world):
    from datetime import date

    from app.models import AdminLog, User
    from app.services.reorganisation import apply_due

    officer_b = make_user(world["b"], "reporter", username="xa.b")
    officer_c = make_user(world["c"], "reporter", username="xa.c")
    set_values(submission_for(world["q2"], world["c"]), {"I.1/published": 1, "I.7/text": "Xã C đã niêm yết."})
    q2 = world["q2"]
    for sub in q2.submissions:
        if sub.unit_id == world["b"].id:
            set_values(sub, {"I.7/text": "Xã B đã niêm yết đầy đủ."})
    db.session.commit()
    q2.date_to = date(2099, 3, 14)  # a round still open on the date
    db.session.commit()
    assert _merge(world, effective_on="2099-01-01", move_user=[officer_b.id]).status_code == 303
    runner = app.test_cli_runner()
    assert "Không có thay đổi" in runner.invoke(args=["apply-reorganisations"]).output
    assert apply_due(date(2099, 1, 1))
    db.session.commit()
    assert apply_due(date(2099, 1, 2)) == []  # a second run applies nothing again
    db.session.commit()
    db.session.expire_all()
    successor = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.D.X10"))
    assert not any(db.session.get(OrgUnit, world[k].id).active for k in ("b", "c"))
    assert db.session.get(User, officer_b.id).unit_id == successor.id and db.session.get(User, officer_b.id).active
    assert not db.session.get(User, officer_c.id).active
    new = submission_for(q2, successor)
    values = {v.key: v.value for v in db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == new.id))}
    assert values["I.1/published"] == 99 + 1  # summed cell by cell
    assert "[Xã Số 2] Xã B đã niêm yết đầy đủ." in values["I.7/text"] and "[Xã Số 3] Xã C đã niêm yết." in values["I.7/text"]
    assert db.session.scalar(select(ChangeLog).where(ChangeLog.submission_id == new.id, ChangeLog.action == "merge_carry"))
    assert [e.action for e in db.session.scalars(select(AdminLog).where(AdminLog.kind == "reorganisation")
                                                  .order_by(AdminLog.id))] == ["schedule", "apply"]


def test_rounds_of_periods_before_the_date_keep_their_predecessors(app, world):
    # Q2/2024's data cut-off comes before a merger dated 01/07/2024: the communes that existed
    # then report Q2 themselves; nothing of that round is closed or carried, and their
    # officers keep their accounts to finish it.
    from app.models import User

    officer = make_user(world["b"], "reporter", username="xa.b")
    assert _merge(world, effective_on="2024-07-01").status_code == 303
    db.session.expire_all()
    q2 = world["q2"]
    states = {s.unit.name: s.status for s in q2.submissions}
    assert states["Xã Số 2"] == "draft" and states["Xã Số 3"] == "not_started"
    assert "Xã Hợp Nhất" not in states
    assert not any(world[k].active for k in ("b", "c"))  # the merger itself is applied
    assert db.session.get(User, officer.id).active


def test_an_officer_moved_to_the_successor_still_opens_his_former_reports(app, world):
    from datetime import date

    from app.services.reorganisation import apply_due

    officer = make_user(world["b"], "reporter", username="xa.b")
    old = submission_for(world["q2"], world["b"])
    assert _merge(world, effective_on="2099-01-01", move_user=[officer.id]).status_code == 303
    apply_due(date(2099, 1, 1))
    db.session.commit()
    client = app.test_client()
    login_as(client, officer)
    page = client.get(f"/submissions/{old.id}")
    assert page.status_code == 200 and "Xã Số 2" in page.get_data(as_text=True)


def test_two_nodes_applying_at_once_apply_each_change_once(app, world):
    import threading
    from datetime import date

    from sqlalchemy import func

    from app.models import AdminLog
    from app.services.reorganisation import apply_due

    assert _merge(world, effective_on="2099-01-01").status_code == 303
    db.session.commit()
    db.session.remove()
    results, errors = [], []
    start = threading.Barrier(2)

    def node():
        with app.app_context():
            try:
                start.wait()
                results.append(apply_due(date(2099, 1, 1)))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test reports whatever a node raised
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=node) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 1]
    assert db.session.scalar(select(func.count(AdminLog.id)).where(AdminLog.action == "apply")) == 1


def test_the_board_says_where_merged_units_went_rather_than_dropping_them(app, world):
    _merge(world)
    reviewer = app.test_client()
    login_as(reviewer, make_user(world["district"], "reviewer"))
    page = reviewer.get(f"/rounds/{world['q2'].id}").get_data(as_text=True)
    # B and C were open: they report within the new commune; A had submitted and keeps its row.
    assert "Đã sáp nhập, báo cáo trong đơn vị mới" in page
    assert "Xã Số 2 → Xã Hợp Nhất (từ 01/05/2024)" in page and "Xã Số 3 → Xã Hợp Nhất (từ 01/05/2024)" in page
    assert "Xã Số 1 → Xã Hợp Nhất" not in page
