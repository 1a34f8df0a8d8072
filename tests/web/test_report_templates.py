"""Templates without a developer (issue 15): copy, check with lines, preview, publish, use."""
from __future__ import annotations

import io
import re

import docx
import openpyxl
import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import ReportingRound, TemplateVersion
from app.reporting.templates import shipped_templates
from app.services.rounds import round_template
from tests.conftest import login_as
from tests.factories import make_tree, make_user

MONTHLY = shipped_templates()["monthly_tthc"].source
SHIPPED = shipped_templates()["monthly_tthc"].version


@pytest.fixture
def world(app, client):
    province, district, communes = make_tree(2)
    login_as(client, make_user(province, "admin", username="quantri"))
    return {"district": district, "communes": communes, "admin": client}


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_shipped_template_is_a_read_only_starting_point_that_can_be_copied(world):
    client = world["admin"]
    listing = client.get("/admin/templates").get_data(as_text=True)
    assert "Mẫu có sẵn" in listing and "origin=shipped:monthly_tthc" in listing
    editor = client.get("/admin/templates/edit?origin=shipped:monthly_tthc").get_data(as_text=True)
    assert f"“Báo cáo tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính” phiên bản {SHIPPED} (có sẵn)" in editor and 'code = &#34;monthly_tthc&#34;' in editor
    download = client.get("/admin/templates/source?origin=shipped:monthly_tthc")
    assert download.get_data(as_text=True) == MONTHLY


def test_an_uploaded_template_with_errors_is_refused_with_every_error_and_its_line(world):
    broken = (MONTHLY.replace('frequency = "month"', 'frequency = "monthly"')
              .replace('kind = "narrative"', 'kind = "narative"', 1))
    broken = broken.replace('[[sections]]', '[[sections]]\ncolour = "đỏ"', 1)
    response = world["admin"].post("/admin/templates/check", data={
        "source": "", "file": (io.BytesIO(broken.encode()), "mau.toml")}, content_type="multipart/form-data")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    issues = re.findall(r"<li><b>Dòng (\d+)</b>[^<]*</li>", body)
    assert [int(n) for n in issues] == sorted([_line_of(broken, 'frequency = "monthly"'), _line_of(broken, 'colour = "đỏ"'),
                                               _line_of(broken, 'kind = "narative"')])
    assert "giá trị &#39;monthly&#39; không dùng được: chọn một trong Tháng (month), Quý (quarter)" in body
    assert "có thông tin &#39;colour&#39; không dùng được trong mẫu: kiểm tra chính tả hoặc xóa dòng đó." in body
    published = world["admin"].post("/admin/templates/publish", data={"source": broken})
    assert published.status_code == 422 and db.session.scalar(select(TemplateVersion)) is None


def test_a_toml_syntax_error_names_its_line(world):
    text = MONTHLY.replace('title = "', 'title = ', 1)
    body = world["admin"].post("/admin/templates/check", data={"source": text}).get_data(as_text=True)
    assert f"Lỗi cú pháp ở dòng {_line_of(text, 'title = ')}: giá trị không hợp lệ" in body


def test_a_message_placeholder_that_reaches_into_objects_is_refused(world):
    text = MONTHLY.replace('message = "', 'message = "{label.__class__.__mro__} ', 1)
    response = world["admin"].post("/admin/templates/check", data={"source": text})
    assert response.status_code == 422 and "chỗ điền {label.__class__.__mro__} không hợp lệ" in response.get_data(as_text=True)


def test_a_valid_template_is_previewed_then_published_and_opens_a_round(app, world):
    client = world["admin"]
    text = MONTHLY.replace('title = "', 'title = "Tỉnh sửa: ', 1).replace(
        '[[sections]]', '[[sections]]\nid = "0"\nheading = "Tình hình chung của địa phương"\nkind = "narrative"\n\n[[sections]]', 1)
    preview = client.post("/admin/templates/check", data={"source": text, "based_on": f"monthly_tthc phiên bản {SHIPPED} (có sẵn)"})
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "Mẫu hợp lệ" in body and "Tình hình chung của địa phương" in body and 'id="template-preview"' in body
    assert "Nội dung mẫu của mục" in body
    xlsx = client.post("/exports/template-preview.xlsx", data={"source": text}, buffered=True)
    assert xlsx.status_code == 200 and openpyxl.load_workbook(io.BytesIO(xlsx.data)).sheetnames
    word = client.post("/exports/template-preview.docx", data={"source": text}, buffered=True)
    assert any("TÌNH HÌNH CHUNG CỦA ĐỊA PHƯƠNG" in p.text.upper() for p in docx.Document(io.BytesIO(word.data)).paragraphs)

    published = client.post("/admin/templates/publish", data={"source": text, "based_on": f"monthly_tthc phiên bản {SHIPPED} (có sẵn)"})
    assert published.status_code == 303
    row = db.session.scalar(select(TemplateVersion))
    assert (row.code, row.version) == ("monthly_tthc", SHIPPED + 1) and f"version = {SHIPPED + 1}" in row.source
    assert "Tỉnh sửa:" in client.get("/admin/templates").get_data(as_text=True)

    # A reviewer opens a round with it at once; the round freezes that text.
    reviewer = app.test_client()
    login_as(reviewer, make_user(world["district"], "reviewer"))
    form = reviewer.get("/rounds/new?template=monthly_tthc").get_data(as_text=True)
    assert "Tỉnh sửa:" in form
    deadline = re.search(r'name="deadline"[^>]*value="([^"]*)"', form).group(1)
    year = re.search(r'name="year"[^>]*value="([^"]*)"', form).group(1)
    index = re.search(r'<option selected value="(\d+)">Tháng', form) or re.search(r'<option value="(\d+)" selected>Tháng', form)
    opened = reviewer.post("/rounds/new", data={"template": "monthly_tthc", "year": year, "index": index.group(1),
                                                "unit_id": world["district"].id, "deadline": deadline,
                                                "units": [u.id for u in world["communes"]], "action": "open"})
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    round_ = db.session.scalar(select(ReportingRound))
    assert round_.template_version == SHIPPED + 1
    assert round_template(round_).sections[0].heading == "Tình hình chung của địa phương"

    # A later version leaves the opened round as it was.
    g.pop("_login_user", None)  # the test clients share one app context (see conftest.login_as)
    assert client.post("/admin/templates/publish", data={"source": text.replace("Tỉnh sửa:", "Lần ba:")}).status_code == 303
    db.session.expire_all()
    assert round_.template_version == SHIPPED + 1 and "Tỉnh sửa:" in round_.template_source
    assert db.session.scalar(select(db.func.max(TemplateVersion.version))) == SHIPPED + 2


def test_only_the_administrator_manages_templates(app, world):
    reviewer = app.test_client()
    login_as(reviewer, make_user(world["district"], "reviewer"))
    assert reviewer.get("/admin/templates").status_code == 403
    assert reviewer.post("/exports/template-preview.xlsx", data={"source": MONTHLY}).status_code == 403


def test_a_hostile_template_is_refused_before_any_preview(world):
    client = world["admin"]
    assert "Giới hạn kích thước của một mẫu" in client.get("/admin/templates").get_data(as_text=True)
    deep = MONTHLY + "\nx = " + "[" * 500 + "]" * 500 + "\n"
    response = client.post("/admin/templates/check", data={"source": deep})
    assert response.status_code == 422 and "Mẫu lồng nhau quá sâu" in response.get_data(as_text=True)
    assert 'id="template-preview"' not in response.get_data(as_text=True)
    rows = ",".join(f'{{code="r{r}",label="{r}"}}' for r in range(300))
    wide = MONTHLY + f'\n[[sections]]\nid = "IX"\nheading = "Bảng lớn"\nkind = "table"\nrows = [{rows}]\ncolumns = [' + \
        ",".join(f'{{id="c{c}",headings=["{c}"]}}' for c in range(30)) + "]\n"
    response = client.post("/admin/templates/check", data={"source": wide})
    assert response.status_code == 422 and "Mẫu vượt giới hạn: 300 dòng trong một bảng" in response.get_data(as_text=True)
    for text in (deep, wide):
        for extension in ("xlsx", "docx"):
            assert client.post(f"/exports/template-preview.{extension}", data={"source": text}).status_code == 400
