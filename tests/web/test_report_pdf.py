"""The PDF of every report the portal writes, produced by the worker: a commune's own
report, the district's consolidation, the submission it sends upward. Each: every font
embedded (pdffonts), PDF/A-2b identification, title set, the empty signature field's
rectangle over the signer's name (pdftotext -bbox); the hashes stored; its signed copy
accepted. Without LibreOffice the PDF button says so."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from flask import g

from app.exports.pdf import SIGNATURE_FIELD, Box, text_lines
from app.extensions import db
from app.models import Job, ReportPdf, SignedReport
from app.services.document_settings import save_settings
from app.services.hanko import PdfFileReader
from app.services.jobs import Limits, run_once
from app.services.report_pdf import consolidation_ref, current_digest
from app.services.signing import add_trust_anchors
from tests.conftest import login_as
from tests.factories import make_user, submission_for
from tests.signing_ca import issue, make_ca, sign
from tests.web.test_consolidation import add_seed002_catalogue, district_round
from tests.web.test_upward import edit_figures_then_change_them, world

HX = {"HX-Request": "true"}


def settings(name: str, title: str = "PHÓ CHỦ TỊCH") -> dict:
    return {"symbol": "BC-UBND", "recipient": "UBND cấp trên", "distribution": "Như trên;",
            "signer_prefix": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "signer_title": title, "signer_name": name}


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is needed: apt-get install -y poppler-utils"
    return found


def produce(client, url: str) -> ReportPdf:
    response = client.post(f"{url}/pdf")
    assert response.status_code == 303
    job = db.session.query(Job).order_by(Job.id.desc()).first()
    fragment = client.get(f"/signatures/jobs/{job.id}", headers=HX).get_data(as_text=True)
    assert "Đang chờ" in fragment and 'data-hx-trigger="every 2s"' in fragment and "Tải lại trang" in fragment
    done = run_once(Limits(time_limit=180))
    assert done.state == "done", done.message
    fragment = client.get(f"/signatures/jobs/{job.id}?watching=1", headers=HX)
    assert fragment.headers.get("HX-Refresh") == "true" and "every 2s" not in fragment.get_data(as_text=True)
    return db.session.query(ReportPdf).filter(ReportPdf.job_id == job.id).one()


def check_pdf(pdf: bytes, tmp_path, signer: str) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(re.search(r"\byes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", r) for r in rows), fonts
    assert any("LiberationSerif" in r for r in rows)
    meta = subprocess.run([tool("pdfinfo"), "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    # As LibreOffice writes it (elements) or as pyHanko re-serialises it after adding the field (attributes).
    assert re.search(r'pdfaid:part(>|=")2', meta) and re.search(r'pdfaid:conformance(>|=")B', meta), meta
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    title = re.search(r"^Title:\s+(.+)$", info, re.MULTILINE)
    assert title and "Báo cáo" in title.group(1)
    author = re.search(r"^Author:\s+(.+)$", info, re.M)  # the issuing unit
    assert author and author.group(1).startswith("UBND")
    # The field's rectangle against the signer's name as pdftotext places it.
    bbox = subprocess.run([tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True, check=True).stdout
    lines = [line for line in text_lines(bbox.decode()) if line.text == "".join(signer.split()).casefold()]
    assert lines, f"{signer} not found in the PDF"
    name = lines[-1].box()
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    fields = [f for f in reader.root["/AcroForm"]["/Fields"] if f.get_object()["/T"] == SIGNATURE_FIELD]
    assert len(fields) == 1
    widget = fields[0].get_object()
    assert "/V" not in widget  # empty: nobody has signed yet
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    pages = [p.get_object() for p in _pages(reader.root["/Pages"])]
    page = next(i for i, p in enumerate(pages) if p.get("/Annots") and any(a.get_object() == widget for a in p["/Annots"]))
    assert Box(page, x0 - 1, y0 - 1, x1 + 1, y1 + 1).contains(name), (page, (x0, y0, x1, y1), name)


def _pages(node):
    node = node.get_object()
    if node["/Type"] == "/Page":
        return [node]
    return [p for kid in node["/Kids"] for p in _pages(kid)]


@pytest.fixture
def levels(client):
    province, district, district_round, province_round = world()
    commune = district_round.submissions[0]
    save_settings(commune.unit, district_round.id, settings("Phạm Văn Xã", "CHỦ TỊCH"))
    save_settings(district, district_round.id, settings("Lê Như Đông") | {"number": "125", "issued_on": date(2026, 12, 7)})
    upward = submission_for(province_round, district)
    save_settings(district, province_round.id, settings("Lê Như Đông"))
    db.session.commit()
    return {"commune": commune, "district": district, "round": district_round, "upward": upward, "province": province}


def as_user(client, user):
    client.post("/logout")
    g.pop("_login_user", None)
    login_as(client, user)


def test_every_level_s_pdf_is_embedded_pdfa_titled_and_offers_the_signature_field(client, levels, tmp_path):
    as_user(client, make_user(levels["commune"].unit, "reporter"))
    own = produce(client, f"/signatures/submissions/{levels['commune'].id}")
    check_pdf(own.data, tmp_path, "Phạm Văn Xã")
    reviewer = make_user(levels["district"], "reviewer")
    as_user(client, reviewer)
    consolidated = produce(client, f"/signatures/rounds/{levels['round'].id}")
    check_pdf(consolidated.data, tmp_path, "Lê Như Đông")
    # Số and ngày from the report's settings, printed before it is signed.
    (tmp_path / "c.pdf").write_bytes(consolidated.data)
    first = subprocess.run([tool("pdftotext"), "-l", "1", str(tmp_path / "c.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "Số: 125/BC-UBND" in first and "ngày 07 tháng 12 năm 2026" in first
    assert consolidated.data_digest == current_digest(consolidation_ref(levels["round"]))
    assert consolidated.pdfa and consolidated.pages >= 2 and len(consolidated.sha256) == 64
    assert "Huyện BS" in consolidated.title or "huyện BS" in consolidated.title
    upward = produce(client, f"/signatures/submissions/{levels['upward'].id}")
    check_pdf(upward.data, tmp_path, "Lê Như Đông")
    # The province's own consolidation (its district's report approved).
    levels["upward"].status = "approved"
    save_settings(levels["province"], levels["upward"].round_id, settings("Hoàng Văn Tỉnh", "CHỦ TỊCH"))
    db.session.commit()
    as_user(client, make_user(levels["province"], "reviewer"))
    provincial = produce(client, f"/signatures/rounds/{levels['upward'].round_id}")
    check_pdf(provincial.data, tmp_path, "Hoàng Văn Tỉnh")
    as_user(client, reviewer)
    # The produced file downloads as it was hashed, and its signed copy is accepted.
    download = client.get(f"/signatures/pdfs/{consolidated.id}.pdf")
    assert download.data == consolidated.data
    ca = make_ca()
    add_trust_anchors(ca.pem, None)
    db.session.commit()
    signed = sign(download.data, issue(ca, "Lê Như Đông"), ca)
    response = client.post(f"/signatures/rounds/{levels['round'].id}/signed",
                           data={"file": (io.BytesIO(signed), "ky.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert db.session.query(SignedReport).one().report_pdf_id == consolidated.id


def test_without_libreoffice_the_pdf_button_says_so(client, levels, app):
    as_user(client, make_user(levels["district"], "reviewer"))
    app.config["SOFFICE"] = "/nonexistent/soffice"
    try:
        page = client.get(f"/signatures/rounds/{levels['round'].id}").get_data(as_text=True)
        assert "Máy chủ chưa cài LibreOffice" in page and "Tạo PDF để ký số</button>" not in page
        response = client.post(f"/signatures/rounds/{levels['round'].id}/pdf")
        assert response.status_code == 503 and "Máy chủ chưa cài LibreOffice" in response.get_data(as_text=True)
        assert db.session.query(Job).count() == 0
    finally:
        app.config["SOFFICE"] = "soffice"


def test_a_report_without_its_own_settings_asks_for_them_first(client, levels):
    sub = levels["round"].submissions[1]
    as_user(client, make_user(sub.unit, "reporter"))
    response = client.post(f"/signatures/submissions/{sub.id}/pdf")
    assert response.status_code == 422 and "Lưu thông tin văn bản" in response.get_data(as_text=True)


def test_only_the_report_s_own_unit_produces_or_uploads(client, levels):
    as_user(client, make_user(levels["province"], "reviewer"))
    assert client.post(f"/signatures/rounds/{levels['round'].id}/pdf").status_code == 403
    assert client.post(f"/signatures/rounds/{levels['round'].id}/signed").status_code == 403
    other = levels["round"].submissions[1]
    as_user(client, make_user(levels["commune"].unit, "reporter"))
    assert client.get(f"/signatures/submissions/{other.id}").status_code == 404


def test_the_number_and_date_are_set_in_the_report_s_settings(client, levels):
    as_user(client, make_user(levels["district"], "reviewer"))
    url = f"/exports/rounds/{levels['round'].id}/word"
    form = {"symbol": "BC-UBND", "recipient": "UBND tỉnh Thử", "signer_name": "Lê Như Đông", "signer_title": "PHÓ CHỦ TỊCH"}
    wrong = client.post(url, data=form | {"number": "12a", "issued_on": "31/02/2026"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Số văn bản chỉ gồm chữ số" in body and "dd/mm/yyyy" in body
    assert client.post(url, data=form | {"number": "88", "issued_on": "05/01/2027"}).status_code == 303
    docx = client.get(f"/exports/rounds/{levels['round'].id}.docx", buffered=True).data
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "Số: 88/BC-UBND" in xml and "ngày 05 tháng 01 năm 2027" in xml
    # Another report of the unit does not inherit them.
    page = client.get(f"/exports/submissions/{levels['upward'].id}/word").get_data(as_text=True)
    assert 'value="88"' not in page


def test_a_consolidation_whose_edited_figure_text_went_stale_asks_for_the_choice_before_its_pdf(client):
    """The PDF is what the leader signs: one number per figure, as the Word file asks."""
    add_seed002_catalogue()
    district, round_ = district_round("BS", 2)
    save_settings(district, round_.id, settings("Lê Như Đông"))
    db.session.commit()
    login_as(client, make_user(district, "reviewer"))
    section_id, _ = edit_figures_then_change_them(client, round_)
    db.session.commit()
    refused = client.post(f"/signatures/rounds/{round_.id}/pdf")
    assert refused.status_code == 422
    assert "chọn lấy đoạn mới hay giữ đoạn đã sửa" in refused.get_data(as_text=True)
    assert db.session.query(Job).count() == 0
    client.post(f"/exports/rounds/{round_.id}/word/figures", data={f"figures-{section_id}": "new"})
    assert client.post(f"/signatures/rounds/{round_.id}/pdf").status_code == 303
    assert db.session.query(Job).count() == 1
