"""Directives and their follow-up through the web: recording a directive and its tasks,
who may see and assign what, attachments, the assigned unit's entries in its periodic
report, the reviewer's directive page and the consolidated report."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import docx
import openpyxl
import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import (
    ChangeLog,
    Directive,
    DirectiveAssignment,
    DirectiveAttachment,
    DirectiveLog,
    DirectiveTask,
    SubmissionValue,
)
from app.reporting.clock import vn_today
from app.services.consolidation import load_consolidation
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_unit, make_user, set_values, submission_for
from tests.web.test_entry import add_catalogue

HX = {"HX-Request": "true"}


@pytest.fixture
def world():
    add_catalogue()
    province, district, units = make_tree(3, offices=2)
    other_district = make_unit("P.E", "Huyện Khác", "district", province)
    outsider = make_unit("P.E.X01", "Xã Ngoài", "commune", other_district)
    reviewer = make_user(district, "reviewer")
    communes, offices = units[:3], units[3:]
    return {"province": province, "district": district, "communes": communes, "offices": offices, "outsider": outsider,
            "reviewer": reviewer, "reporter": make_user(communes[0]), "unassigned": make_user(communes[2]),
            "outside_reviewer": make_user(other_district, "reviewer"), "outside_reporter": make_user(outsider),
            "province_reviewer": make_user(province, "reviewer")}


def switch(client, user):
    """Sign out whoever is signed in, then sign in as ``user``."""
    client.post("/logout")
    login_as(client, user)


def download(client, url: str) -> bytes:
    """A file's bytes; the response holds a spooled temporary file until closed."""
    response = client.get(url)
    try:
        assert response.status_code == 200, url
        return response.data
    finally:
        response.close()


def record_directive(client, **overrides):
    data = {"doc_type": "CT", "number": "05/CT-UBND", "issued_on": "05/02/2024", "signer": "KT. Chủ tịch Nguyễn Xuân Việt",
            "title": "Về đẩy mạnh công tác cải cách hành chính", "full_text": "Chủ tịch UBND huyện chỉ thị: …"}
    data.update(overrides)
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    files = {k: FileStorage(v[0], filename=v[1]) for k, v in data.items() if isinstance(v, tuple)}
    boundary, body = encode_multipart(MultiDict({**{k: v for k, v in data.items() if k not in files}, **files}))
    return client.post("/directives/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def add_task(client, directive_id, label, content, groups=(), units=(), due="", templates=("quarterly_tthc",), **extra):
    data = {"label": label, "content": content, "due_on": due, "groups": list(groups), "units": [str(u) for u in units],
            "templates": list(templates), **extra}
    return client.post(f"/directives/{directive_id}/tasks/new", data=data)


@pytest.fixture
def directive(client, world):
    """A directive with three tasks, recorded through the pages by the district's reviewer."""
    switch(client, world["reviewer"])
    response = record_directive(client)
    assert response.status_code == 303
    directive = db.session.scalar(select(Directive))
    assert add_task(client, directive.id, "1.a", "Quán triệt Chỉ thị 30/CT-TTg.", groups=["offices"],
                    units=[world["communes"][0].id, world["communes"][1].id]).status_code == 303
    assert add_task(client, directive.id, "2", "Kiểm tra việc giải quyết TTHC.",
                    units=[world["district"].id, world["offices"][0].id]).status_code == 303
    assert add_task(client, directive.id, "6", "Xử lý hồ sơ đất đai tồn đọng.", units=[world["communes"][0].id, world["communes"][1].id],
                    due=(vn_today() - timedelta(days=3)).strftime("%d/%m/%Y")).status_code == 303
    client.get("/directives/")  # shows (and so clears) the confirmations
    db.session.expire_all()
    return db.session.get(Directive, directive.id)


def tasks_of(directive):
    return {t.label: t for t in db.session.scalars(select(DirectiveTask).where(DirectiveTask.directive_id == directive.id))}


# --- recording --------------------------------------------------------------------------------

def test_a_reviewer_records_a_directive_with_three_tasks_and_groups_resolve_at_save_time(client, world, directive):
    tasks = tasks_of(directive)
    assert set(tasks) == {"1.a", "2", "6"}
    assigned = {label: sorted(a.unit_id for a in t.assignments) for label, t in tasks.items()}
    assert assigned["1.a"] == sorted(u.id for u in world["communes"][:2] + world["offices"])
    assert assigned["2"] == sorted([world["district"].id, world["offices"][0].id])
    assert tasks["1.a"].scope == "offices"
    page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Chỉ thị số 05/CT-UBND ngày 05/02/2024" in page
    assert "Tất cả cơ quan chuyên môn" in page and "Giao 4 đơn vị" in page
    assert "Quá hạn" in page  # task 6 is past its due date and nobody has finished it
    listing = client.get("/directives/").get_data(as_text=True)
    assert "05/CT-UBND" in listing
    home = client.get("/").get_data(as_text=True)
    assert "05/CT-UBND" in home and f"/directives/{directive.id}" in home


def test_all_communes_means_every_commune_of_the_subtree_at_save_time(client, world, directive):
    assert add_task(client, directive.id, "1.b", "Bố trí đủ cán bộ.", groups=["communes"]).status_code == 303
    task = tasks_of(directive)["1.b"]
    assert sorted(a.unit_id for a in task.assignments) == sorted(u.id for u in world["communes"])
    assert "Tất cả xã, phường, thị trấn" in client.get(f"/directives/{directive.id}").get_data(as_text=True)


def test_a_directive_form_with_mistakes_answers_422_beside_the_fields(client, world):
    switch(client, world["reviewer"])
    response = record_directive(client, number="", issued_on="31/02/2025")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nhập số, ký hiệu" in page and "Ngày theo dạng dd/mm/yyyy" in page
    assert db.session.scalar(select(func.count(Directive.id))) == 0


def test_a_unit_outside_the_reviewers_subtree_cannot_be_assigned(client, world, directive):
    response = add_task(client, directive.id, "9", "Việc ngoài phạm vi.", units=[world["outsider"].id])
    assert response.status_code == 422
    assert "không thuộc Huyện Thử Nghiệm" in response.get_data(as_text=True)
    assert "9" not in tasks_of(directive)
    assert db.session.scalar(select(func.count(DirectiveAssignment.id)).where(DirectiveAssignment.unit_id == world["outsider"].id)) == 0


def test_units_outside_cannot_open_the_directive_nor_its_file(client, world, directive):
    for user in (world["outside_reviewer"], world["outside_reporter"], world["unassigned"]):
        switch(client, user)
        assert client.get(f"/directives/{directive.id}").status_code == 404
        assert client.get(f"/directives/{directive.id}/attachment").status_code == 404
        assert "05/CT-UBND" not in client.get("/directives/").get_data(as_text=True)


def test_only_the_issuing_unit_changes_a_directive(client, world, directive):
    switch(client, world["province_reviewer"])
    assert client.get(f"/directives/{directive.id}").status_code == 200  # above it: may read
    assert client.get(f"/directives/{directive.id}/edit").status_code == 403
    assert add_task(client, directive.id, "7", "x", groups=["communes"]).status_code == 403
    switch(client, world["reporter"])
    assert client.post(f"/directives/{directive.id}/status", data={"status": "closed"}).status_code == 403
    assert client.get("/directives/new").status_code == 403


def test_editing_a_task_keeps_the_history(client, world, directive):
    task = tasks_of(directive)["1.a"]
    seen = task.version
    response = client.post(f"/directives/{directive.id}/tasks/{task.id}/edit", data={
        "label": "1.a", "content": "Quán triệt và tuyên truyền Chỉ thị 30/CT-TTg.", "groups": ["communes"],
        "units": [str(world["offices"][1].id)], "templates": ["quarterly_tthc"], "version": str(seen)})
    assert response.status_code == 303
    logs = db.session.scalars(select(DirectiveLog).where(DirectiveLog.task_id == task.id, DirectiveLog.action != "task")
                              .order_by(DirectiveLog.id)).all()
    assert logs[-1].new_value.endswith("Phòng Số 2")
    content_log = db.session.scalar(select(DirectiveLog).where(DirectiveLog.what == "Nội dung nhiệm vụ 1.a"))
    assert (content_log.old_value, content_log.new_value) == ("Quán triệt Chỉ thị 30/CT-TTg.", "Quán triệt và tuyên truyền Chỉ thị 30/CT-TTg.")
    stale = client.post(f"/directives/{directive.id}/tasks/{task.id}/edit", data={
        "label": "1.a", "content": "Bản cũ", "groups": ["communes"], "templates": ["quarterly_tthc"], "version": str(seen)})
    assert stale.status_code == 409
    page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Lịch sử thay đổi" in page and "Quán triệt Chỉ thị 30/CT-TTg." in page


# --- attachments ----------------------------------------------------------------------------

def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"MZ\x90\x00 this is a program", "chi-thi.pdf", "không phải PDF hay DOCX"),
    (b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 + 10), "chi-thi.pdf", "Tệp quá lớn"),
])
def test_an_attachment_of_the_wrong_type_or_size_is_refused_and_nothing_is_stored(client, world, content, name, message):
    switch(client, world["reviewer"])
    response = record_directive(client, attachment=(io.BytesIO(content), name))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Directive.id))) == 0
    assert db.session.scalar(select(func.count(DirectiveAttachment.id))) == 0


def test_an_attachment_is_kept_and_served_to_assigned_units_only_as_a_download(client, world):
    switch(client, world["reviewer"])
    content = _docx()
    response = record_directive(client, attachment=(io.BytesIO(content), "Chỉ thị 05.docx"))
    assert response.status_code == 303
    directive = db.session.scalar(select(Directive))
    add_task(client, directive.id, "1", "Quán triệt.", units=[world["communes"][0].id])
    switch(client, world["reporter"])
    download = client.get(f"/directives/{directive.id}/attachment")
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert download.headers["Content-Disposition"].startswith("attachment;")


# --- the assigned unit's side --------------------------------------------------------------------

@pytest.fixture
def quarter(world, directive):
    round_ = make_round(world["district"], expected=world["communes"] + world["offices"])
    return round_


def followup_keys(task):
    return {part: f"I.9/t{task.id}/{part}" for part in ("status", "text", "docs")}


def test_an_assigned_commune_sees_its_open_tasks_on_home_overdue_first(client, world, directive, quarter):
    switch(client, world["reporter"])
    page = client.get("/").get_data(as_text=True)
    assert "Nhiệm vụ được giao" in page and "05/CT-UBND" in page
    assert page.index("Xử lý hồ sơ đất đai tồn đọng") < page.index("Quán triệt Chỉ thị 30/CT-TTg")


def test_an_assigned_commune_reports_progress_with_autosave(client, world, directive, quarter):
    task = tasks_of(directive)["1.a"]
    keys = followup_keys(task)
    sub = submission_for(quarter, world["communes"][0])
    switch(client, world["reporter"])
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Quán triệt Chỉ thị 30/CT-TTg." in page and f'name="v.{keys["status"]}"' in page
    saved = client.post(f"/submissions/{sub.id}/save", data={f"v.{keys['status']}": "in_progress", f"ver.{keys['status']}": "0"},
                        headers=HX)
    assert saved.status_code == 200 and "msg-" in saved.get_data(as_text=True)
    saved = client.post(f"/submissions/{sub.id}/save", data={f"v.{keys['text']}": "Đã tổ chức hội nghị quán triệt.",
                                                             f"ver.{keys['text']}": "0"}, headers=HX)
    assert saved.status_code == 200
    stale = client.post(f"/submissions/{sub.id}/save", data={f"v.{keys['status']}": "done", f"ver.{keys['status']}": "0"},
                        headers=HX)
    assert stale.status_code == 409
    values = {v.key: v.text_value for v in db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == sub.id))}
    assert values[keys["status"]] == "in_progress"
    assert db.session.scalar(select(func.count(ChangeLog.id)).where(ChangeLog.key == keys["status"])) == 1


def test_a_commune_reports_progress_without_javascript_and_done_needs_a_description(client, world, directive, quarter):
    tasks = tasks_of(directive)
    sub = submission_for(quarter, world["communes"][0])
    switch(client, world["reporter"])
    k1, k6 = followup_keys(tasks["1.a"]), followup_keys(tasks["6"])
    response = client.post(f"/submissions/{sub.id}/save", data={
        "section": "k-I-9", f"v.{k1['status']}": "done", f"ver.{k1['status']}": "0", f"v.{k1['text']}": "",
        f"ver.{k1['text']}": "0", f"v.{k6['status']}": "in_progress", f"ver.{k6['status']}": "0",
        f"v.{k6['docs']}": "Công văn 12/UBND ngày 02/03/2025", f"ver.{k6['docs']}": "0"})
    assert response.status_code == 303
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Đã hoàn thành: nêu kết quả đã thực hiện." in page
    refused = client.post(f"/submissions/{sub.id}/submit")
    assert refused.status_code == 422
    client.post(f"/submissions/{sub.id}/save", data={f"v.{k1['text']}": "Đã quán triệt đến toàn thể cán bộ.", f"ver.{k1['text']}": "1"})
    bad = client.post(f"/submissions/{sub.id}/save", data={f"v.{k1['status']}": "xong", f"ver.{k1['status']}": "1"}, headers=HX)
    assert bad.status_code == 422 and "Chọn một trong" in bad.get_data(as_text=True)


def test_an_unassigned_commune_sees_nothing_and_cannot_write_to_a_task(client, world, directive, quarter):
    task = tasks_of(directive)["6"]
    sub = submission_for(quarter, world["communes"][2])
    switch(client, world["unassigned"])
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "05/CT-UBND" not in page and "Xử lý hồ sơ đất đai" not in page
    assert "Xử lý hồ sơ đất đai" not in client.get("/").get_data(as_text=True)
    response = client.post(f"/submissions/{sub.id}/save", data={f"v.I.9/t{task.id}/status": "done", f"ver.I.9/t{task.id}/status": "0"},
                           headers=HX)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(SubmissionValue.id)).where(SubmissionValue.submission_id == sub.id)) == 0


def test_the_last_reported_status_is_prefilled_and_stored_on_submission(client, world, directive, quarter):
    task = tasks_of(directive)["1.a"]
    keys = followup_keys(task)
    unit = world["communes"][0]
    earlier = make_round(world["district"], index=1, expected=[unit])
    set_values(submission_for(earlier, unit), {keys["status"]: "in_progress", keys["text"]: "Đã xây dựng kế hoạch."}, status="approved")
    sub = submission_for(quarter, unit)
    switch(client, world["reporter"])
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Báo cáo gần nhất (Quý I năm 2024" in page
    assert '<option value="in_progress" selected>' in page and "Đã xây dựng kế hoạch." in page
    assert client.post(f"/submissions/{sub.id}/submit").status_code == 303
    db.session.expire_all()
    stored = {v.key: v.text_value for v in db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == sub.id))}
    assert stored[keys["status"]] == "in_progress" and stored[keys["text"]] == "Đã xây dựng kế hoạch."


def test_a_closed_task_leaves_drafts_but_submitted_reports_keep_what_they_said(client, world, directive, quarter):
    tasks = tasks_of(directive)
    k1 = followup_keys(tasks["1.a"])
    draft = submission_for(quarter, world["communes"][0])
    submitted = submission_for(quarter, world["communes"][1])
    set_values(submitted, {k1["status"]: "done", k1["text"]: "Đã quán triệt xong."}, status="submitted")
    assert client.post(f"/directives/{directive.id}/tasks/{tasks['1.a'].id}/status", data={"status": "closed"}).status_code == 303
    switch(client, world["reporter"])
    assert "Quán triệt Chỉ thị 30/CT-TTg." not in client.get(f"/submissions/{draft.id}").get_data(as_text=True)
    refused = client.post(f"/submissions/{draft.id}/save", data={f"v.{k1['status']}": "done", f"ver.{k1['status']}": "0"}, headers=HX)
    assert refused.status_code == 422
    switch(client, world["reviewer"])
    review = client.get(f"/rounds/submissions/{submitted.id}").get_data(as_text=True)
    assert "Quán triệt Chỉ thị 30/CT-TTg." in review and "Đã quán triệt xong." in review


# --- the reviewer's pages --------------------------------------------------------------------------

def test_the_directive_page_shows_each_units_latest_status_with_its_report_and_filters(client, world, directive, quarter):
    k1 = followup_keys(tasks_of(directive)["1.a"])
    set_values(submission_for(quarter, world["communes"][0]), {k1["status"]: "done", k1["text"]: "Đã quán triệt xong."},
               status="approved")
    set_values(submission_for(quarter, world["communes"][1]), {k1["status"]: "in_progress"}, status="draft")
    page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Đã quán triệt xong." in page and "Quý II năm 2024" in page
    # A draft is not a report yet: Xã Số 2 has not reported.
    assert "1/2 xã đã hoàn thành (Xã Số 1); 1 xã chưa báo cáo (Xã Số 2); 2/2 cơ quan, đơn vị chưa báo cáo." in page
    assert "đề nghị Xã Số 2, Phòng Số 1, Phòng Số 2 báo cáo kết quả thực hiện nhiệm vụ 1.a" in page
    filtered = client.get(f"/directives/{directive.id}?status=done", headers=HX)
    body = filtered.get_data(as_text=True)
    assert body.startswith('<div id="tasks">') and "<td>Xã Số 1</td>" in body and "<td>Xã Số 2</td>" not in body
    by_unit = client.get(f"/directives/{directive.id}?unit={world['communes'][1].id}").get_data(as_text=True)
    assert "<td>Xã Số 2</td>" in by_unit and "<td>Xã Số 1</td>" not in by_unit


def test_a_province_directive_is_visible_to_the_district_for_its_own_units_only(client, world):
    switch(client, world["province_reviewer"])
    record_directive(client, number="12/CT-UBND")
    directive = db.session.scalar(select(Directive))
    add_task(client, directive.id, "1", "Rà soát TTHC.", units=[world["communes"][0].id, world["outsider"].id])
    switch(client, world["reviewer"])
    assert "12/CT-UBND" in client.get("/directives/").get_data(as_text=True)
    page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Xã Số 1" in page and "Xã Ngoài" not in page
    switch(client, world["reporter"])
    assert client.get(f"/directives/{directive.id}").status_code == 200


# --- consolidation, upward, exports -------------------------------------------------------------

def test_the_consolidated_report_counts_statuses_and_takes_the_reviewers_text(client, world, directive, quarter):
    tasks = tasks_of(directive)
    k1 = followup_keys(tasks["1.a"])
    set_values(submission_for(quarter, world["communes"][0]), {k1["status"]: "done", k1["text"]: "Đã quán triệt xong."},
               status="approved")
    set_values(submission_for(quarter, world["communes"][1]), {k1["status"]: "in_progress", k1["text"]: "đã quán triệt xong"},
               status="approved")
    page = client.get(f"/rounds/{quarter.id}/consolidated").get_data(as_text=True)
    assert "1/2 xã đã hoàn thành (Xã Số 1); 1 xã đang thực hiện (Xã Số 2); 2/2 cơ quan, đơn vị chưa báo cáo." in page
    assert "- Đã quán triệt xong (Xã Số 1, Xã Số 2)." in page  # the grouped suggestion
    task = tasks["2"]  # given to the district itself: it states its own status here
    url = f"/directives/rounds/{quarter.id}/tasks/{task.id}"
    assert f'id="ft-status-{task.id}"' in page
    assert client.post(url, data={"status": "in_progress", "version": "0"}, headers=HX).status_code == 200
    saved = client.post(url, data={"text": "Đã kiểm tra đột xuất 05 xã.", "version": "1"}, headers=HX)
    assert saved.status_code == 200 and "Đã lưu lúc" in saved.get_data(as_text=True)
    assert client.post(url, data={"text": "Bản cũ", "version": "1"}, headers=HX).status_code == 409
    assert client.post(url, data={"status": "xong", "version": "2"}, headers=HX).status_code == 422
    no_js = client.post(url, data={"status": "in_progress", "text": "Đã kiểm tra đột xuất 05 xã, thị trấn.", "version": "2"})
    assert no_js.status_code == 303 and no_js.headers["Location"].endswith(f"#followup-{task.id}")
    page = client.get(f"/rounds/{quarter.id}/consolidated").get_data(as_text=True)
    assert "Huyện Thử Nghiệm: đang thực hiện; Phòng Số 1: chưa báo cáo." in page
    assert "Đã kiểm tra đột xuất 05 xã, thị trấn." in page
    directive_page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Tổng hợp Quý II năm 2024" in directive_page  # the district's own status, from its consolidation
    switch(client, world["reporter"])
    assert client.post(url, data={"text": "x", "version": "2"}).status_code == 403


def test_the_follow_up_from_the_texts_already_read_equals_its_own_reading(world, directive, quarter):
    k1, k6 = followup_keys(tasks_of(directive)["1.a"]), followup_keys(tasks_of(directive)["6"])
    set_values(submission_for(quarter, world["communes"][0]), {k1["status"]: "done", k1["text"]: "Đã quán triệt xong.",
                                                               k6["status"]: "in_progress", k6["docs"]: "12/KH-UBND"},
               status="approved")
    set_values(submission_for(quarter, world["communes"][1]), {k1["status"]: "in_progress", k1["text"]: ""},
               status="approved")

    def tasks(rc):
        return [(t.task.id, t.statuses, t.texts, t.sentence) for dc in rc.followup for t in dc.tasks]

    own_reading = tasks(load_consolidation(quarter, texts=False))  # the page: the follow-up reads its values itself
    assert tasks(load_consolidation(quarter)) == own_reading != []  # every text read: the follow-up takes them
    assert tasks(load_consolidation(quarter, per_unit=True)) == own_reading


def test_the_consolidated_exports_carry_the_follow_up(client, world, directive, quarter):
    k1 = followup_keys(tasks_of(directive)["1.a"])
    set_values(submission_for(quarter, world["communes"][0]), {k1["status"]: "done", k1["text"]: "Đã quán triệt xong."},
               status="approved")
    workbook = openpyxl.load_workbook(io.BytesIO(download(client, f"/exports/rounds/{quarter.id}.xlsx")))
    rows = [[c.value for c in row] for row in workbook["Theo dõi chỉ đạo"].iter_rows()]
    assert ["Xã Số 1", "Đã hoàn thành"] == [v for v in next(r for r in rows if r[1] == "Xã Số 1")[1:3]]
    document = docx.Document(io.BytesIO(download(client, f"/exports/rounds/{quarter.id}.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Thực hiện Chỉ thị số 05/CT-UBND ngày 05/02/2024 của UBND huyện Thử Nghiệm về đẩy mạnh" in text
    assert "1/2 xã đã hoàn thành (Xã Số 1); 1 xã chưa báo cáo (Xã Số 2)" in text
    assert "Đã quán triệt xong." not in text  # a unit's words enter only through the reviewer's text
    switch(client, world["reporter"])
    own = docx.Document(io.BytesIO(download(client, f"/exports/submissions/{submission_for(quarter, world['communes'][0]).id}.docx")))
    own_text = "\n".join(p.text for p in own.paragraphs)
    assert "- Nhiệm vụ 1.a (Quán triệt Chỉ thị 30/CT-TTg): Đã hoàn thành." in own_text and "Đã quán triệt xong." in own_text


def test_the_districts_own_follow_up_travels_upward_with_its_consolidation(client, world):
    province_round = make_round(world["province"], expected=[world["district"]], deadline=date(2030, 1, 31))
    district_round = make_round(world["district"], expected=world["communes"], deadline=date(2030, 1, 20))
    switch(client, world["province_reviewer"])
    record_directive(client, number="12/CT-UBND")
    directive = db.session.scalar(select(Directive))
    add_task(client, directive.id, "1", "Rà soát TTHC.", units=[world["district"].id, world["communes"][0].id])
    task = tasks_of(directive)["1"]
    keys = followup_keys(task)
    set_values(submission_for(district_round, world["communes"][0]), {keys["status"]: "done", keys["text"]: "Đã rà soát 150 TTHC."},
               status="approved")
    switch(client, world["reviewer"])
    page = client.get(f"/rounds/{district_round.id}/consolidated").get_data(as_text=True)
    assert "12/CT-UBND" in page and "Xã Số 1: đã hoàn thành; Huyện Thử Nghiệm: chưa báo cáo." in page
    client.post(f"/directives/rounds/{district_round.id}/tasks/{task.id}",
                data={"status": "in_progress", "text": "Huyện đã rà soát; 1/1 xã hoàn thành.", "version": "0"})
    assert client.post(f"/rounds/{district_round.id}/upward", data={"confirm": "1"}).status_code == 303
    upward = submission_for(province_round, world["district"])
    values = {v.key: v.text_value for v in db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == upward.id))}
    assert values[keys["status"]] == "in_progress" and values[keys["text"]] == "Huyện đã rà soát; 1/1 xã hoàn thành."
    switch(client, world["province_reviewer"])
    province_page = client.get(f"/rounds/{province_round.id}/consolidated?provisional=1").get_data(as_text=True)
    assert "Huyện Thử Nghiệm: đang thực hiện" in province_page


def count_queries(client, url: str, about: str = "") -> int:
    """Statements one page load issues (only those naming ``about``, when given)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.expunge_all()  # or objects the test made would answer lazy loads and hide an N+1
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sum(1 for s in statements if about in s)


def test_the_directive_pages_issue_as_many_queries_for_many_units_as_for_few(client, world, directive, quarter):
    many = [make_unit(f"P.D.Y{i:02d}", f"Xã Thêm {i}", "commune", world["district"], sort_order=50 + i) for i in range(10)]
    add_task(client, directive.id, "1.c", "Bố trí đủ cán bộ.", groups=["communes"])
    big = make_round(world["district"], year=2022, index=2, expected=world["communes"] + many)
    key = f"I.9/t{tasks_of(directive)['1.c'].id}/status"
    for unit in many[:6]:
        set_values(submission_for(big, unit), {key: "done", key.replace("status", "text"): "Đã bố trí."}, status="approved")
    set_values(submission_for(quarter, world["communes"][0]), {key: "done"}, status="approved")
    pages = [f"/directives/{directive.id}", "/directives/", "/"]
    rounds = [f"/rounds/{quarter.id}/consolidated", f"/rounds/{big.id}/consolidated"]
    for url in pages + rounds:
        client.get(url)
    assert count_queries(client, pages[0]) <= 8 and count_queries(client, pages[1]) <= 6
    # The follow-up section of a consolidation: the same statements for 2 approved reports or 6.
    small, large = (count_queries(client, url, "directive") + count_queries(client, url, "round_followup") for url in rounds)
    assert small == large <= 5


def test_a_district_reminds_its_own_communes_of_a_province_task(client, world):
    switch(client, world["province_reviewer"])
    record_directive(client, number="12/CT-UBND")
    directive = db.session.scalar(select(Directive))
    add_task(client, directive.id, "1", "Rà soát TTHC.", units=[world["communes"][0].id, world["outsider"].id])
    switch(client, world["reviewer"])
    page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Huyện Thử Nghiệm đề nghị Xã Số 1 báo cáo kết quả thực hiện nhiệm vụ 1 theo Chỉ thị số 12/CT-UBND" in page
    assert "Xã Ngoài" not in page and 'data-copy="#reminder-' in page
