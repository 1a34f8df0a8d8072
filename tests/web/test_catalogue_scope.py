"""Rows per scope (issue 15): a province's or a district's own fields reach only their rounds."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogueField
from app.services.rounds import round_template
from tests.conftest import login_as
from tests.factories import make_round, make_unit, make_user, submission_for


def _rows(round_) -> list[str]:
    return [r.label for r in round_template(round_).section("I.4").rows]


@pytest.fixture
def world(client):
    a = make_unit("A", "Tỉnh Quảng Ngãi", "province")
    da = make_unit("A.BS", "Huyện Bình Sơn", "district", a)
    xa = make_unit("A.BS.X1", "Xã Bình An", "commune", da)
    b = make_unit("B", "Tỉnh Hưng Yên", "province")
    xb = make_unit("B.X1", "Xã Tân Tiến", "commune", b)
    admin = make_user(a, "admin", username="quantri", system_admin=True)
    db.session.add(CatalogueField(code="ho_tich", name="Hộ tịch", sort_order=1))
    db.session.commit()
    login_as(client, admin)
    return {"a": a, "da": da, "xa": xa, "b": b, "xb": xb}


def _add(client, scope, code, name, order=5):
    return client.post("/admin/fields", data={"scope": scope.id if scope else 0, "code": code, "name": name,
                                              "sort_order": str(order), "active": "y"})


def test_a_districts_field_is_invisible_to_another_provinces_rounds(app, client, world):
    assert _add(client, world["da"], "hoa_giai", "Tư pháp - Hòa giải ở cơ sở").status_code == 303
    assert _add(client, world["a"], "bien_dao", "Biển, đảo", 3).status_code == 303
    district_round = make_round(world["da"], expected=[world["xa"]])
    province_a = make_round(world["a"], expected=[world["da"]])
    province_b = make_round(world["b"], expected=[world["xb"]])
    assert _rows(district_round) == ["Hộ tịch", "Biển, đảo", "Tư pháp - Hòa giải ở cơ sở"]
    assert _rows(province_a) == ["Hộ tịch", "Biển, đảo"]  # the district's addition stays with the district
    assert _rows(province_b) == ["Hộ tịch"]
    officer = app.test_client()
    login_as(officer, make_user(world["xb"], "reporter"))
    page = officer.get(f"/submissions/{submission_for(province_b, world['xb']).id}").get_data(as_text=True)
    assert "Hộ tịch" in page and "Hòa giải" not in page and "Biển, đảo" not in page


def test_the_fields_page_lists_each_fields_scope_and_filters_by_it(client, world):
    _add(client, world["da"], "hoa_giai", "Tư pháp - Hòa giải ở cơ sở")
    everything = client.get("/admin/fields").get_data(as_text=True)
    assert "Huyện Bình Sơn" in everything and "Dùng chung" in everything
    only_district = client.get(f"/admin/fields?scope={world['da'].id}").get_data(as_text=True)
    table = only_district[only_district.index('id="fields-table"'):only_district.index("</table>")]
    assert "hoa_giai" in table and "ho_tich" not in table


def test_retiring_a_field_leaves_rounds_already_opened_unchanged(client, world):
    _add(client, world["da"], "hoa_giai", "Hòa giải")
    opened = make_round(world["da"], expected=[world["xa"]])
    field = db.session.scalar(select(CatalogueField).where(CatalogueField.code == "hoa_giai"))
    response = client.post("/admin/fields", data={"field_id": field.id, "scope": world["da"].id, "code": "hoa_giai",
                                                  "name": "Hòa giải", "sort_order": "5"})
    assert response.status_code == 303
    db.session.refresh(field)
    assert not field.active and field.retired_on is not None
    assert "Ngừng dùng từ" in client.get("/admin/fields").get_data(as_text=True)
    assert _rows(opened) == ["Hộ tịch", "Hòa giải"]
    assert _rows(make_round(world["da"], year=2024, index=3, expected=[world["xa"]])) == ["Hộ tịch"]


def test_renaming_a_field_keeps_its_code_its_former_name_and_the_frozen_label(client, world):
    opened = make_round(world["da"], expected=[world["xa"]])
    field = db.session.scalar(select(CatalogueField).where(CatalogueField.code == "ho_tich"))
    client.post("/admin/fields", data={"field_id": field.id, "scope": 0, "code": "ho_tich", "name": "Hộ tịch, nuôi con nuôi",
                                       "sort_order": "1", "active": "y"})
    later = make_round(world["da"], year=2024, index=3, expected=[world["xa"]])
    assert _rows(opened) == ["Hộ tịch"] and _rows(later) == ["Hộ tịch, nuôi con nuôi"]
    assert [r[0] for r in json.loads(later.catalogue_json)] == [r[0] for r in json.loads(opened.catalogue_json)]
    assert "tên cũ: Hộ tịch" in client.get("/admin/fields").get_data(as_text=True)


def test_a_code_already_used_in_another_scope_is_refused(client, world):
    _add(client, world["da"], "hoa_giai", "Hòa giải")
    response = _add(client, world["b"], "hoa_giai", "Hòa giải Hưng Yên")
    assert response.status_code == 422 and "Mã đã được dùng: &#39;hoa_giai&#39; là lĩnh vực &#34;Hòa giải&#34; (Huyện Bình Sơn)" in response.get_data(as_text=True)
    assert db.session.scalar(select(CatalogueField).where(CatalogueField.code == "hoa_giai")).unit_id == world["da"].id
