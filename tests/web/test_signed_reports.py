"""The signed report (issue 25): a PDF the portal produced, signed as a leader's tool would
(pyHanko, with a CA made here), uploaded back — accepted and recorded, or refused with its
reason; the record on the report's page, on the board, before sending upward and at the
province."""
from __future__ import annotations

import io
import os
import tempfile
from datetime import timedelta

import pytest
from flask import g

from app.exports.pdf import add_signature_field, bbox_lines, convert, signer_box
from app.extensions import db
from app.models import RoundNarrative, SignedReport, SubmissionValue
from app.services.document_settings import save_settings
from app.services.jobs import Limits
from app.services.report_pdf import consolidation_ref, report_parts, soffice_path, store_pdf
from app.services.signing import add_crl, add_trust_anchors
from tests.conftest import login_as
from tests.factories import make_unit, make_user, submission_for
from tests.pdf_parts import plain_parts
from tests.signing_ca import NOW, change_content, crl_of, flip_byte, intermediate, issue, make_ca, sign
from tests.web.test_upward import world

LEADER = "Lê Như Đông"
SETTINGS = {"symbol": "BC-UBND", "recipient": "UBND tỉnh Thử", "distribution": "Như trên;\nLưu: VT.",
            "signer_prefix": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "signer_title": "PHÓ CHỦ TỊCH", "signer_name": LEADER}


@pytest.fixture(scope="module")
def produced():
    """A PDF as the job produces it (LibreOffice, then the empty field), and the bare
    LibreOffice output (another PDF, never recorded for the report)."""
    soffice = soffice_path()
    assert soffice, "LibreOffice is needed: apt-get install -y --no-install-recommends libreoffice-writer-nogui"
    from app.exports.docx_report import write_report_docx

    with tempfile.TemporaryDirectory() as work:
        docx = os.path.join(work, "bao-cao.docx")
        write_report_docx(plain_parts(LEADER), docx)
        bare = convert(docx, work, soffice, Limits())
        box = signer_box(bbox_lines(os.path.join(work, "bao-cao.pdf"), Limits()), LEADER, "PHÓ CHỦ TỊCH")
    return add_signature_field(bare, box), bare


@pytest.fixture(scope="module")
def ca():
    return make_ca()


@pytest.fixture(scope="module")
def leader(ca):
    return issue(ca, LEADER)


def as_user(client, user):
    client.post("/logout")
    g.pop("_login_user", None)
    login_as(client, user)


@pytest.fixture
def district(client, produced, ca):
    """The district's consolidation with its settings saved and the produced PDF recorded
    for it; the district's reviewer signed in; the test CA trusted."""
    province, district, district_round, province_round = world()
    save_settings(district, district_round.id, SETTINGS)
    add_trust_anchors(ca.pem, None)
    ref = consolidation_ref(district_round)
    row = store_pdf(ref, report_parts(ref), produced[0], pages=3, pdfa=True, job_id=None, user_id=None)
    db.session.commit()
    reviewer = make_user(district, "reviewer", full_name="Trần Thị Tổng Hợp")
    login_as(client, reviewer)
    return {"province": province, "district": district, "round": district_round, "province_round": province_round,
            "pdf": row, "reviewer": reviewer}


def upload(client, round_id: int, data: bytes, name: str = "bao-cao-da-ky.pdf"):
    return client.post(f"/signatures/rounds/{round_id}/signed", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_signed_pdf_of_the_report_is_accepted_and_recorded(client, district, produced, ca, leader):
    signed = sign(produced[0], leader, ca)
    response = upload(client, district["round"].id, signed)
    assert response.status_code == 303
    row = db.session.query(SignedReport).one()
    assert (row.signer_name, row.signer_org, row.version, row.signatures) == (LEADER, "UBND huyện Bình Sơn", 1, 1)
    assert row.cert_serial == f"{leader.cert.serial_number:X}" and "Test Root CA" in row.cert_issuer
    assert not row.timestamped and "chưa kiểm tra thu hồi" in row.revocation
    assert row.uploaded_by_id == district["reviewer"].id and row.data == signed
    page = client.get(f"/signatures/rounds/{district['round'].id}").get_data(as_text=True)
    moment = (row.signed_at + timedelta(hours=7)).strftime("%H:%M %d/%m/%Y")
    assert f"Đã ký số: {LEADER} — {moment}" in page
    assert "do phần mềm ký của người ký tự ghi" in page and "khớp số liệu hiện tại" in page
    assert row.sha256 in page
    consolidated = client.get(f"/rounds/{district['round'].id}/consolidated").get_data(as_text=True)
    assert f"Đã ký số: {LEADER} — {moment}" in consolidated
    download = client.get(f"/signatures/signed/{row.id}.pdf")
    assert download.status_code == 200 and download.data == signed and download.mimetype == "application/pdf"
    # A new upload is a new version; the first is kept.
    assert upload(client, district["round"].id, sign(produced[0], leader, ca)).status_code == 303
    assert [r.version for r in db.session.query(SignedReport).order_by(SignedReport.version)] == [1, 2]


def refused(client, district, data: bytes, message: str):
    response = upload(client, district["round"].id, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:300]
    assert message in body
    assert db.session.query(SignedReport).count() == 0


def test_one_byte_changed_after_signing_is_refused(client, district, produced, ca, leader):
    signed = sign(produced[0], leader, ca)
    # In a page's content (the file still reads; the hash breaks) and near the end (it no longer reads).
    for near in (len(produced[0]) // 2, len(produced[0]) - 200):
        refused(client, district, flip_byte(signed, near), "Tệp đã bị sửa sau khi ký")


def test_a_content_change_in_a_later_revision_is_refused(client, district, produced, ca, leader):
    refused(client, district, change_content(sign(produced[0], leader, ca)), "Tệp đã bị sửa sau khi ký")


def test_a_different_pdf_signed_is_refused(client, district, produced, ca, leader):
    refused(client, district, sign(add_signature_field(produced[1], None), leader, ca),
            "Văn bản không phải bản do hệ thống tạo cho báo cáo này")


def test_an_expired_certificate_is_refused(client, district, produced, ca):
    expired = issue(ca, LEADER, not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1))
    refused(client, district, sign(produced[0], expired, ca), "Chứng thư số đã hết hạn tại thời điểm ký")


def test_a_revoked_certificate_is_refused_by_the_uploaded_crl(client, district, produced, ca):
    revoked = issue(ca, LEADER)
    add_crl(crl_of(ca, [revoked]), None)
    db.session.commit()
    refused(client, district, sign(produced[0], revoked, ca), "Chứng thư số đã bị thu hồi")


def test_a_certificate_from_an_untrusted_root_is_refused(client, district, produced):
    stranger = make_ca("CA Lạ")
    refused(client, district, sign(produced[0], issue(stranger, LEADER), stranger),
            "Chứng thư số không do tổ chức được tin cậy cấp")


def test_a_file_without_a_signature_is_refused(client, district, produced):
    refused(client, district, produced[0], "Tệp không có chữ ký số")


def test_a_second_signature_added_later_is_accepted(client, district, produced, ca, leader):
    both = sign(sign(produced[0], leader, ca), issue(ca, "Văn thư UBND huyện"), ca, field="ChuKyCoQuan")
    assert upload(client, district["round"].id, both).status_code == 303
    row = db.session.query(SignedReport).one()
    assert row.signatures == 2 and row.signer_name == LEADER
    page = client.get(f"/signatures/rounds/{district['round'].id}").get_data(as_text=True)
    assert "Văn thư UBND huyện" in page


def test_a_signer_other_than_the_one_in_the_signature_block_is_warned(client, district, produced, ca):
    response = upload(client, district["round"].id, sign(produced[0], issue(ca, "Nguyễn Văn Khác"), ca))
    assert response.status_code == 303
    page = client.get(f"/signatures/rounds/{district['round'].id}").get_data(as_text=True)
    assert f"Tên trên chứng thư số (Nguyễn Văn Khác) khác tên người ký ghi trên văn bản ({LEADER})" in page


def change_the_consolidation(district):
    db.session.add(RoundNarrative(round_id=district["round"].id, section_id="I", text="Đoạn viết thêm sau khi ký."))
    db.session.commit()


def test_a_pdf_produced_before_the_figures_changed_is_accepted_with_a_warning(client, district, produced, ca, leader):
    change_the_consolidation(district)
    response = upload(client, district["round"].id, sign(produced[0], leader, ca))
    assert response.status_code == 303
    page = client.get(f"/signatures/rounds/{district['round'].id}").get_data(as_text=True)
    assert "Số liệu của báo cáo đã thay đổi sau khi tạo bản PDF này" in page
    assert "số liệu đã thay đổi sau khi ký" in page
    upward = client.get(f"/rounds/{district['round'].id}/upward").get_data(as_text=True)
    assert "Số liệu đã thay đổi sau khi ký" in upward


def test_the_board_and_the_readiness_page_show_the_signature(client, district, produced, ca, leader):
    readiness = client.get(f"/rounds/{district['round'].id}/upward").get_data(as_text=True)
    assert "Báo cáo tổng hợp chưa có bản PDF ký số" in readiness
    upload(client, district["round"].id, sign(produced[0], leader, ca))
    readiness = client.get(f"/rounds/{district['round'].id}/upward").get_data(as_text=True)
    assert "khớp số liệu hiện tại" in readiness and f"Đã ký số: {LEADER}" in readiness
    # The province's board: the district's row carries its signed consolidation.
    as_user(client, make_user(district["province"], "reviewer"))
    board = client.get(f"/rounds/{district['province_round'].id}").get_data(as_text=True)
    assert f"Đã ký số: {LEADER} — " in board


def send_upward(client, district):
    response = client.post(f"/rounds/{district['round'].id}/upward", data={"confirm": "1"})
    assert response.status_code == 303
    return submission_for(district["province_round"], district["district"])


def test_upward_the_province_sees_the_signed_file_and_its_check(client, district, produced, ca, leader):
    upload(client, district["round"].id, sign(produced[0], leader, ca))
    target = send_upward(client, district)
    as_user(client, make_user(district["province"], "reviewer"))
    review = client.get(f"/rounds/submissions/{target.id}").get_data(as_text=True)
    assert f"Đã ký số: {LEADER} — " in review and "tải bản đã ký" in review
    page = client.get(f"/signatures/submissions/{target.id}").get_data(as_text=True)
    assert "Bản ký số của báo cáo tổng hợp gửi kèm" in page
    assert f"Đã ký số: {LEADER}" in page and "Hợp lệ" in page
    assert "Số liệu nhận được khớp số liệu trong bản đã ký" in page
    row = db.session.query(SignedReport).one()
    assert client.get(f"/signatures/signed/{row.id}.pdf").status_code == 200
    # Another province's reviewer sees nothing of it.
    other = make_user(make_unit_elsewhere(), "reviewer")
    as_user(client, other)
    assert client.get(f"/signatures/signed/{row.id}.pdf").status_code == 404


def make_unit_elsewhere():
    return make_unit("HY", "Tỉnh Khác", "province")


def test_the_province_is_warned_when_the_figures_received_differ_from_the_signed_ones(
        client, district, produced, ca, leader):
    upload(client, district["round"].id, sign(produced[0], leader, ca))
    # A commune's figures change after the leader signed; the district sends upward anyway.
    sub = next(s for s in district["round"].submissions if s.status == "approved")
    cell = db.session.query(SubmissionValue).filter(SubmissionValue.submission_id == sub.id,
                                                    SubmissionValue.int_value > 0).first()
    cell.int_value += 5
    db.session.commit()
    target = send_upward(client, district)
    as_user(client, make_user(district["province"], "reviewer"))
    page = client.get(f"/signatures/submissions/{target.id}").get_data(as_text=True)
    assert "Số liệu nhận được khác số liệu đã ký" in page


def test_signed_files_are_in_the_backup(client, district, produced, ca, leader, tmp_path):
    from app.backup import backup

    upload(client, district["round"].id, sign(produced[0], leader, ca))
    db.session.commit()
    _, manifest = backup(db.engine, tmp_path / "instance", tmp_path / "b.tar.gz")
    assert manifest.counts["signed_report"] == 1


def test_a_timestamped_signature_records_the_timestamp_s_time(client, district, produced, ca, leader):
    tsa = issue(ca, "Dịch vụ cấp dấu thời gian (thử)", tsa=True)
    assert upload(client, district["round"].id, sign(produced[0], leader, ca, tsa=tsa)).status_code == 303
    row = db.session.query(SignedReport).one()
    assert row.timestamped and abs((row.signed_at - NOW.replace(tzinfo=None)).total_seconds()) < 3600
    page = client.get(f"/signatures/rounds/{district['round'].id}").get_data(as_text=True)
    assert "có dấu thời gian RFC 3161 đã kiểm tra" in page and "do phần mềm ký tự ghi" not in page


def test_the_signature_pages_are_valid_html(client, district, produced, ca, leader, tmp_path):
    from app.models import Job
    from app.services.jobs import enqueue
    from app.services.report_pdf import PDF_JOB
    from tests.web.test_html_valid import VNU_JAR, vnu_errors

    assert VNU_JAR.is_file(), "`make test-deps` installs the Nu HTML checker"
    upload(client, district["round"].id, sign(produced[0], leader, ca))
    enqueue(PDF_JOB, {"unit_id": district["district"].id, "round_id": district["round"].id, "provisional": False})
    db.session.commit()
    pages = {"report": client.get(f"/signatures/rounds/{district['round'].id}").get_data(as_text=True),
             "refused": upload(client, district["round"].id, produced[0]).get_data(as_text=True)}
    job = db.session.query(Job).one()
    pages["job"] = "<!doctype html><html lang=vi><title>x</title>" + client.get(
        f"/signatures/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    as_user(client, make_user(district["province"], "admin", username="quantri"))
    pages["trust"] = client.get("/signatures/trust").get_data(as_text=True)
    files = []
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
        files.append(tmp_path / f"{name}.html")
    failures = [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}" for m in vnu_errors(files)]
    assert failures == []


def test_bytes_added_after_the_signature_and_damaged_files_are_refused(client, district, produced, ca, leader):
    signed = sign(produced[0], leader, ca)
    refused(client, district, signed + b"\n% them vao sau khi ky\n", "Tệp đã bị sửa sau khi ký")
    refused(client, district, b"%PDF-1.7\n" + bytes(range(256)) * 20, "Tệp không phải PDF đọc được")
    refused(client, district, signed[: len(signed) // 2], "Tệp không phải PDF đọc được")
    refused(client, district, "Báo cáo.docx".encode(), "Tệp không phải PDF đọc được")


def test_a_certificate_from_the_government_ca_under_the_trusted_root_is_accepted(client, district, produced, ca):
    government = intermediate(ca)
    leaf = issue(government, LEADER)
    assert upload(client, district["round"].id, sign(produced[0], leaf, government, chain=(ca,))).status_code == 303
    row = db.session.query(SignedReport).one()
    assert row.cert_issuer.startswith("CA phục vụ các cơ quan Nhà nước")
    # Its CRL (issued by the government CA) revokes the next one.
    revoked = issue(government, LEADER)
    add_crl(crl_of(government, [revoked]), None)
    db.session.commit()
    response = upload(client, district["round"].id, sign(produced[0], revoked, government, chain=(ca,)))
    assert response.status_code == 422 and "Chứng thư số đã bị thu hồi" in response.get_data(as_text=True)
