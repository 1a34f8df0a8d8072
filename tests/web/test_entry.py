"""Data entry on the submission page: autosave, bad values, stale versions, history,
submitting and locking, last period's values and plans, documents rows."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogueField, ChangeLog, Submission, SubmissionDocument, SubmissionValue
from app.reporting.clock import vn_today
from app.reporting.templates import DEFAULT_FIELDS
from app.services.submission_page import build_page, finding_id
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

HX = {"HX-Request": "true"}
CELL = "I.4/ho_tich/c4"


def add_catalogue(fields=DEFAULT_FIELDS) -> None:
    """Rows of the dossier table: must exist before a round freezes its snapshot."""
    for i, (code, name, group, group_label) in enumerate(fields):
        db.session.add(CatalogueField(code=code, name=name, group_code=group or "", group_label=group_label or "", sort_order=i))
    db.session.commit()


@pytest.fixture
def world():
    add_catalogue()
    _, district, units = make_tree(2)
    reviewer = make_user(district, "reviewer")
    reporter = make_user(units[0])
    round_ = make_round(district, expected=units)
    return {"district": district, "units": units, "reviewer": reviewer, "reporter": reporter,
            "round": round_, "sub": submission_for(round_, units[0])}


@pytest.fixture
def reporter_client(client, world):
    login_as(client, world["reporter"])
    return client


def stored(sub_id: int, key: str):
    db.session.expire_all()
    row = db.session.scalar(select(SubmissionValue).where(SubmissionValue.submission_id == sub_id, SubmissionValue.key == key))
    return row


def save(client, sub_id: int, fields: dict, versions: dict | None = None, fragment: bool = True):
    data = {f"v.{k}": v for k, v in fields.items()}
    data.update({f"ver.{k}": str(v) for k, v in (versions or {k: 0 for k in fields}).items()})
    return client.post(f"/submissions/{sub_id}/save", data=data, headers=HX if fragment else {})


# --- autosave ---------------------------------------------------------------------------

def test_autosave_of_one_cell_answers_with_a_fragment_and_updates_the_totals(reporter_client, world):
    sub = world["sub"]
    response = save(reporter_client, sub.id, {CELL: "1.234"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert stored(sub.id, CELL).int_value == 1234
    assert stored(sub.id, CELL).version == 1
    # The row total (3) and the table total are swapped out of band with the new sum.
    assert re.search(r'id="k-I-4-ho_tich-c3"[^>]*data-hx-swap-oob=true data-rev="\d+">1\.234<', body)
    assert re.search(r'id="k-I-4-_total-c3"[^>]*data-hx-swap-oob=true data-rev="\d+">1\.234<', body)
    # The next autosave must name version 1.
    assert re.search(r'id="ver-k-I-4-ho_tich-c4" name="ver.I.4/ho_tich/c4" value="1"', body)


def test_saving_a_section_form_without_javascript_redirects_back_to_the_page(reporter_client, world):
    sub = world["sub"]
    response = save(reporter_client, sub.id, {CELL: "12", "I.4/ho_tich/c8": "12", "II.1/text": "Hoàn thành kế hoạch."},
                    fragment=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/submissions/{sub.id}")
    assert stored(sub.id, CELL).int_value == 12
    assert stored(sub.id, "II.1/text").text_value == "Hoàn thành kế hoạch."
    page = reporter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu lúc" in page
    assert 'name="v.I.4/ho_tich/c4" value="12"' in page


def test_a_fragment_save_moves_a_not_started_submission_to_draft(reporter_client, world):
    sub = world["sub"]
    assert sub.status == "not_started"
    save(reporter_client, sub.id, {"I.3/received": "4"})
    db.session.expire_all()
    assert db.session.get(Submission, sub.id).status == "draft"


@pytest.mark.parametrize("typed, message", [
    ("-5", "Số âm không hợp lệ"),
    ("1,5", "Chỉ nhập số nguyên không âm"),
    ("abc", "Chỉ nhập số nguyên không âm"),
    ("99999999", "Giá trị quá lớn (tối đa 9.999.999)"),
])
def test_a_bad_number_is_refused_with_a_vietnamese_message_and_the_saved_value_kept(reporter_client, world, typed, message):
    sub = world["sub"]
    assert save(reporter_client, sub.id, {CELL: "7"}).status_code == 200

    response = save(reporter_client, sub.id, {CELL: typed}, {CELL: 1})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert stored(sub.id, CELL).int_value == 7
    assert stored(sub.id, CELL).version == 1

    full = save(reporter_client, sub.id, {CELL: typed}, {CELL: 1}, fragment=False)
    page = full.get_data(as_text=True)
    assert full.status_code == 422
    assert "<html" in page and message in page
    # The officer's typing is shown back in the cell, marked invalid, not silently replaced.
    assert re.search(rf'name="v.I.4/ho_tich/c4" value="{re.escape(typed)}"[^>]*class="num-input invalid"', page)
    assert stored(sub.id, CELL).int_value == 7


def test_a_bad_value_among_good_ones_saves_the_good_ones_only(reporter_client, world):
    sub = world["sub"]
    response = save(reporter_client, sub.id, {CELL: "5", "I.4/ho_tich/c5": "x"}, fragment=False)
    assert response.status_code == 422
    assert stored(sub.id, CELL).int_value == 5
    assert stored(sub.id, "I.4/ho_tich/c5") is None


def test_a_stale_version_is_refused_with_both_values_shown_and_nothing_overwritten(reporter_client, world):
    sub = world["sub"]
    save(reporter_client, sub.id, {CELL: "10"})  # version 1, e.g. in another tab
    save(reporter_client, sub.id, {CELL: "20"}, {CELL: 1})  # version 2

    response = save(reporter_client, sub.id, {CELL: "30"}, {CELL: 1})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "vừa được sửa ở nơi khác" in body
    assert "Giá trị của bạn: <b>30</b>" in body and "trên máy chủ: <b>20</b>" in body
    assert stored(sub.id, CELL).int_value == 20
    assert stored(sub.id, CELL).version == 2

    full = save(reporter_client, sub.id, {CELL: "30"}, {CELL: 1}, fragment=False)
    assert full.status_code == 409
    assert "trên máy chủ: <b>20</b>" in full.get_data(as_text=True)
    assert stored(sub.id, CELL).int_value == 20


def test_every_change_is_recorded_with_who_when_old_and_new(reporter_client, world):
    sub, reporter = world["sub"], world["reporter"]
    save(reporter_client, sub.id, {CELL: "10"})
    save(reporter_client, sub.id, {CELL: "25"}, {CELL: 1})
    save(reporter_client, sub.id, {CELL: ""}, {CELL: 2})
    save(reporter_client, sub.id, {CELL: "abc"}, {CELL: 3})  # refused: not logged
    logs = db.session.scalars(select(ChangeLog).where(ChangeLog.submission_id == sub.id, ChangeLog.key == CELL)
                              .order_by(ChangeLog.id)).all()
    assert [(log.old_value, log.new_value) for log in logs] == [(None, "10"), ("10", "25"), ("25", None)]
    assert {log.user_id for log in logs} == {reporter.id}
    assert all(log.action == "edit" and log.at is not None for log in logs)


def test_another_units_submission_cannot_be_seen_or_saved(reporter_client, world):
    other = submission_for(world["round"], world["units"][1])
    assert reporter_client.get(f"/submissions/{other.id}").status_code == 404
    assert save(reporter_client, other.id, {CELL: "1"}).status_code == 404
    assert stored(other.id, CELL) is None


# --- submitting -------------------------------------------------------------------------

def test_submit_is_refused_while_an_error_stands(reporter_client, world):
    sub = world["sub"]
    # Feedback: received 5 but only 1 handled, an error rule.
    save(reporter_client, sub.id, {"I.3/received": "5", "I.3/on_time": "1"}, fragment=False)
    response = reporter_client.post(f"/submissions/{sub.id}/submit")
    assert response.status_code == 422
    assert "Chưa nộp được" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, sub.id).status == "draft"
    assert db.session.get(Submission, sub.id).submitted_at is None


def test_submit_needs_an_explanation_for_each_warning(reporter_client, world):
    sub = world["sub"]
    # Two apology letters although no dossier was late: a warning.
    save(reporter_client, sub.id, {"I.5.6/apologies": "2"}, fragment=False)
    assert reporter_client.post(f"/submissions/{sub.id}/submit").status_code == 422
    (warning,) = build_page(db.session.get(Submission, sub.id), editable=True).unexplained()
    key = "_explain:" + finding_id(warning)
    response = reporter_client.post(f"/submissions/{sub.id}/save", data={f"v.{key}": "Xin lỗi cả hồ sơ trễ hẹn lần đầu."}, headers=HX)
    assert response.status_code == 200 and "Đã lưu" in response.get_data(as_text=True)
    assert reporter_client.post(f"/submissions/{sub.id}/submit").status_code == 303


def test_a_submitted_report_is_timestamped_and_locked(reporter_client, world):
    sub = world["sub"]
    save(reporter_client, sub.id, {CELL: "10", "I.4/ho_tich/c8": "10"}, fragment=False)
    response = reporter_client.post(f"/submissions/{sub.id}/submit")
    assert response.status_code == 303
    db.session.expire_all()
    sub = db.session.get(Submission, sub.id)
    assert sub.status == "submitted"
    assert sub.submitted_at is not None and sub.first_submitted_at == sub.submitted_at
    assert save(reporter_client, sub.id, {CELL: "11"}, {CELL: 1}).status_code == 403
    assert save(reporter_client, sub.id, {CELL: "11"}, {CELL: 1}, fragment=False).status_code == 403
    assert reporter_client.post(f"/submissions/{sub.id}/submit").status_code == 403
    assert stored(sub.id, CELL).int_value == 10
    page = reporter_client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "đã khóa" in page and 'name="v.I.4/ho_tich/c4"' not in page
    assert db.session.scalar(select(ChangeLog.id).where(ChangeLog.submission_id == sub.id, ChangeLog.action == "submit"))


def _board_row(client, round_id: int, unit_name: str) -> str:
    body = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    return next(row for row in body.split("<tr") if f"<td>{unit_name}</td>" in row)


def test_a_report_submitted_before_the_deadline_is_on_time_and_after_it_late(client, world):
    district, unit = world["district"], world["units"][0]
    # The fixture's round (quý II/2024) had its deadline in 2024: submitting now is late.
    late_sub = world["sub"]
    on_time_round = make_round(district, index=3, expected=[unit], deadline=vn_today() + timedelta(days=10))
    on_time_sub = submission_for(on_time_round, unit)
    login_as(client, world["reporter"])
    late_page = client.post(f"/submissions/{late_sub.id}/submit", follow_redirects=True).get_data(as_text=True)
    on_time_page = client.post(f"/submissions/{on_time_sub.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "Đã nộp báo cáo (sau hạn)." in late_page
    assert "Đã nộp báo cáo đúng hạn." in on_time_page
    client.post("/logout")
    login_as(client, world["reviewer"])
    assert "muộn" in _board_row(client, world["round"].id, unit.name)
    assert "đúng hạn" in _board_row(client, on_time_round.id, unit.name)
    assert "muộn" not in _board_row(client, on_time_round.id, unit.name)


def test_a_returned_report_opens_again_with_the_reviewers_comments_on_their_sections(client, world):
    sub = world["sub"]
    set_values(sub, {CELL: 10, "I.4/ho_tich/c8": 10}, status="submitted")
    login_as(client, world["reviewer"])
    response = client.post(f"/rounds/submissions/{sub.id}/return",
                           data={"comment.I.4": "Kiểm tra lại số hồ sơ hộ tịch.", "comment.II.1": "Bổ sung đánh giá."})
    assert response.status_code == 303
    client.post("/logout")
    login_as(client, world["reporter"])
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Báo cáo bị trả lại" in page
    sections = {m.group(1): m.group(2) for m in re.finditer(r'<section id="(k-[^"]+)"(.*?)</section>', page, re.S)}
    assert "Kiểm tra lại số hồ sơ hộ tịch." in sections["k-I-4"]
    assert "Bổ sung đánh giá." in sections["k-II-1"]
    assert "Kiểm tra lại" not in sections["k-II-1"]
    assert save(client, sub.id, {CELL: "12"}, {CELL: 1}).status_code == 200
    assert stored(sub.id, CELL).int_value == 12


# --- last period --------------------------------------------------------------------------

@pytest.fixture
def two_periods(world):
    """The same unit's quý I/2024 report (approved) before the quý II round of the fixture."""
    q1 = make_round(world["district"], index=1, expected=world["units"])
    prev = submission_for(q1, world["units"][0])
    set_values(prev, {"I.4/ho_tich/c4": 1520, "I.4/ho_tich/c13": 7,
                      "III/text": "Tiếp tục số hóa hồ sơ hộ tịch trong quý II."}, status="approved")
    return prev


def test_last_periods_value_is_shown_beside_the_input(reporter_client, world, two_periods):
    page = reporter_client.get(f"/submissions/{world['sub'].id}").get_data(as_text=True)
    cell = re.search(r'name="v.I.4/ho_tich/c4".*?</td>', page, re.S).group(0)
    assert "kỳ trước: 1.520" in cell
    assert "kỳ trước: 7" in re.search(r'name="v.I.4/ho_tich/c13".*?</td>', page, re.S).group(0)
    # Under (6) "từ kỳ trước", last period's pending total (11) — what the carry-over rule compares.
    assert "kỳ trước (11): 7" in re.search(r'name="v.I.4/ho_tich/c6".*?</td>', page, re.S).group(0)


def test_previous_plans_come_as_a_fragment_and_as_a_full_page(reporter_client, world, two_periods):
    url = f"/submissions/{world['sub'].id}/previous-plans"
    fragment = reporter_client.get(url, headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert body.lstrip().startswith('<aside id="previous-plans"')
    assert "Tiếp tục số hóa hồ sơ hộ tịch trong quý II." in body and "Quý I" in body
    full = reporter_client.get(url).get_data(as_text=True)
    assert "<html" in full and "Tiếp tục số hóa hồ sơ hộ tịch trong quý II." in full
    assert 'name="v.I.4/ho_tich/c4"' in full


def test_previous_plans_say_so_when_there_is_no_previous_report(reporter_client, world):
    body = reporter_client.get(f"/submissions/{world['sub'].id}/previous-plans", headers=HX).get_data(as_text=True)
    assert "Không tìm thấy kế hoạch của kỳ trước." in body


# --- documents section --------------------------------------------------------------------

DOCS = "I.5.1"


def doc_form(**kw):
    return {"doc_type": "QĐ", "number": "11/QĐ-UBND", "issued_on": "10/01/2024", "summary": "Kế hoạch CCHC năm 2024", **kw}


def documents(sub_id):
    db.session.expire_all()
    return db.session.scalars(select(SubmissionDocument).where(SubmissionDocument.submission_id == sub_id)
                              .order_by(SubmissionDocument.id)).all()


def test_a_document_row_can_be_added_edited_and_removed(reporter_client, world):
    sub = world["sub"]
    url = f"/submissions/{sub.id}/documents/{DOCS}"
    added = reporter_client.post(url, data=doc_form(), headers=HX)
    assert added.status_code == 200
    assert added.get_data(as_text=True).lstrip().startswith('<div id="docs-k-I-5-1"')
    assert "11/QĐ-UBND" in added.get_data(as_text=True)
    no_js = reporter_client.post(url, data=doc_form(number="05/KH-UBND", doc_type="KH"))
    assert no_js.status_code == 303
    first, second = documents(sub.id)
    assert (first.doc_type, first.number, first.issued_on) == ("QĐ", "11/QĐ-UBND", date(2024, 1, 10))

    edit_form = reporter_client.get(f"{url}?edit={first.id}", headers=HX).get_data(as_text=True)
    assert 'value="11/QĐ-UBND"' in edit_form and 'name="version" value="1"' in edit_form
    edited = reporter_client.post(f"{url}/{first.id}", data=doc_form(number="12/QĐ-UBND", issued_on="02/01/2024", version="1"),
                                  headers=HX)
    assert edited.status_code == 200
    assert (documents(sub.id)[0].number, documents(sub.id)[0].issued_on) == ("12/QĐ-UBND", date(2024, 1, 2))

    stale = reporter_client.post(f"{url}/{first.id}", data=doc_form(number="13/QĐ-UBND", version="1"), headers=HX)
    assert stale.status_code == 409
    assert documents(sub.id)[0].number == "12/QĐ-UBND"

    removed = reporter_client.post(f"{url}/{second.id}", data={"delete": "1"})
    assert removed.status_code == 303
    assert [d.number for d in documents(sub.id)] == ["12/QĐ-UBND"]
    actions = db.session.scalars(select(ChangeLog.new_value).where(ChangeLog.submission_id == sub.id,
                                                                   ChangeLog.action == "document")).all()
    assert len(actions) == 4 and any(a.startswith("Xóa KH 05/KH-UBND") for a in actions)


@pytest.mark.parametrize("fragment", [True, False])
def test_an_impossible_date_on_a_document_is_refused_with_a_message(reporter_client, world, fragment):
    sub = world["sub"]
    response = reporter_client.post(f"/submissions/{sub.id}/documents/{DOCS}", data=doc_form(issued_on="31/02/2024"),
                                    headers=HX if fragment else {})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày theo dạng dd/mm/yyyy" in body
    assert 'value="31/02/2024"' in body
    assert documents(sub.id) == []


def test_editing_a_document_with_a_bad_date_keeps_the_saved_row(reporter_client, world):
    sub = world["sub"]
    reporter_client.post(f"/submissions/{sub.id}/documents/{DOCS}", data=doc_form())
    (doc,) = documents(sub.id)
    response = reporter_client.post(f"/submissions/{sub.id}/documents/{DOCS}/{doc.id}",
                                    data=doc_form(issued_on="31/02/2024", version="1"), headers=HX)
    assert response.status_code == 422
    assert "Ngày theo dạng dd/mm/yyyy" in response.get_data(as_text=True)
    assert documents(sub.id)[0].issued_on == date(2024, 1, 10)


def test_two_tabs_creating_the_same_cell_do_not_overwrite_each_other(world):
    """The second tab read the page before the first one saved: its write is refused as a
    conflict, even though its own copy of the stored values said the cell was empty."""
    from app.services.rounds import round_template
    from app.services.submissions import save_values, stored_values

    sub, reporter = world["sub"], world["reporter"]
    template = round_template(sub.round)
    stale = stored_values(sub.id)  # tab 2 loads: nothing stored yet
    first = save_values(sub, template, [(CELL, "10", 0)], reporter)  # tab 1 saves
    db.session.commit()
    second = save_values(sub, template, [(CELL, "99", 0)], reporter, stored=stale)
    db.session.commit()
    assert CELL in first.saved
    assert CELL in second.conflicts and not second.saved
    assert stored(sub.id, CELL).int_value == 10
    assert stored(sub.id, CELL).version == 1


def test_an_explanation_for_a_warning_the_template_cannot_raise_is_refused(client, world):
    sub = world["sub"]
    login_as(client, world["reporter"])
    for key in ("_explain:khong_co_luat:0123456789abcdef", "_explain:" + "x" * 300, "_explain:dossier_carry_over:zz"):
        response = client.post(f"/submissions/{sub.id}/save", data={f"v.{key}": "Giải thích"}, headers=HX)
        assert response.status_code == 422
    keys = db.session.scalars(select(SubmissionValue.key).where(SubmissionValue.submission_id == sub.id)).all()
    assert not [k for k in keys if k.startswith("_explain:")]


@pytest.mark.parametrize("section_id", ["IX", "I.4"])
def test_documents_of_a_section_that_holds_no_documents_are_not_found(reporter_client, world, section_id):
    sub = world["sub"]
    base = f"/submissions/{sub.id}/documents/{section_id}"
    data = {"doc_type": "KH", "number": "05/KH-UBND", "issued_on": "05/01/2024", "summary": "Kế hoạch"}
    assert reporter_client.get(base).status_code == 404
    assert reporter_client.post(base, data=data).status_code == 404
    assert reporter_client.post(f"{base}/1", data=data).status_code == 404


def test_the_satisfaction_score_and_rating_come_back_with_the_save_that_changes_them(reporter_client, world):
    sub = world["sub"]
    set_values(sub, {f"I.5.5/i{n}": 190 for n in range(1, 9)})
    response = reporter_client.post(f"/submissions/{sub.id}/save", data={"v.I.5.5/i9": "1,9", "ver.I.5.5/i9": "0"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="score-k-I-5-5" data-hx-swap-oob=true data-rev="\d+">.*?17,1 — Xuất sắc', body, re.S)
    assert re.fullmatch(r"\d\d:\d\d", response.headers["X-Saved-At"])
    assert f"Đã lưu lúc {response.headers['X-Saved-At']}" in body


def test_an_invalid_cell_is_marked_invalid_and_points_at_its_message_without_javascript(reporter_client, world):
    sub = world["sub"]
    response = reporter_client.post(f"/submissions/{sub.id}/save", data={"v.I.1/published": "abc", "section": "k-I-1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    cell = re.search(r'<input type="text" id="k-I-1-published"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in cell and 'aria-describedby="msg-k-I-1-published"' in cell
    assert re.search(r'id="msg-k-I-1-published"[^>]*>\s*<span class="error" role="alert">Chỉ nhập số', body)
