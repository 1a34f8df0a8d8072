"""The consolidated report page: seed 002's figures from rows spread over several units,
land ratios recomputed from sums, and a query count that does not grow with units."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import CatalogueField
from tests.conftest import login_as
from tests.factories import make_round, make_unit, make_user, set_values, submission_for
from tests.fixtures.seeds import (
    SEED002_CATALOGUE,
    SEED002_COLUMNS,
    SEED002_LAND_RATIOS,
    SEED002_LAND_SUBTOTAL,
    SEED002_ROWS,
    SEED002_SECTION,
    SEED002_TOTAL,
    seed002_values,
)

SECTION = SEED002_SECTION


def add_seed002_catalogue() -> None:
    for i, (code, name, group, group_label) in enumerate(SEED002_CATALOGUE):
        db.session.add(CatalogueField(code=code, name=name, group_code=group or "", group_label=group_label or "", sort_order=i))
    db.session.commit()


def fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def split_seed002(parts: int) -> list[dict[str, tuple[int, ...]]]:
    """Seed 002's rows dealt out to ``parts`` units; the big land row is itself split
    between the first two units, so its figures only come back by summing."""
    shares: list[dict[str, tuple[int, ...]]] = [{} for _ in range(parts)]
    for i, (code, numbers) in enumerate(SEED002_ROWS.items()):
        if code == "dat_dai":
            half = tuple(n // 2 for n in numbers)
            shares[0][code] = half
            shares[1][code] = tuple(n - h for n, h in zip(numbers, half, strict=True))
        else:
            shares[i % parts][code] = numbers
    return shares


def district_round(code: str, units: int, status: str = "approved", parent=None):
    """A district whose ``units`` communes each report a share of seed 002 (halfyear_onestop, H1/2021)."""
    district = make_unit(code, f"Huyện {code}", "district", parent)
    communes = [make_unit(f"{code}.X{i:02d}", f"Xã {code} {i:02d}", "commune", district, sort_order=i) for i in range(units)]
    round_ = make_round(district, "halfyear_onestop", year=2021, index=1, expected=communes)
    for unit, rows in zip(communes, split_seed002(units)):
        set_values(submission_for(round_, unit), seed002_values(rows), status=status)
    return district, round_


def cell(body: str, row: str, column: str) -> str:
    match = re.search(rf'key={re.escape(SECTION)}/{re.escape(row)}/{column}[^"]*" class="cell-link">([^<]*)</a>', body)
    return match.group(1)


@pytest.fixture
def seed002_page(client):
    add_seed002_catalogue()
    district, round_ = district_round("BS", 3)
    login_as(client, make_user(district, "reviewer"))
    response = client.get(f"/rounds/{round_.id}/consolidated")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_seed_002_totals_come_out_of_rows_reported_by_several_units(seed002_page):
    assert [cell(seed002_page, "_total", c) for c in SEED002_COLUMNS] == [fmt(n) for n in SEED002_TOTAL]
    assert cell(seed002_page, "_total", "c3") == "15.256"
    assert [cell(seed002_page, "_group:dat_dai", c) for c in SEED002_COLUMNS] == [fmt(n) for n in SEED002_LAND_SUBTOTAL]
    # The land row was split between two units and is whole again.
    assert [cell(seed002_page, "dat_dai", c) for c in SEED002_COLUMNS] == [fmt(n) for n in SEED002_ROWS["dat_dai"]]
    assert "Tổng hợp từ <b>3</b>/3 đơn vị" in seed002_page


def test_seed_002_land_ratios_are_recomputed_from_the_summed_counts(seed002_page):
    ratios = re.search(r'<ul class="ratios">(.*?)</ul>', seed002_page, re.S).group(1)
    for name, label in (("on_time", "tỷ lệ giải quyết đúng hạn"), ("late", "tỷ lệ giải quyết trễ hạn"),
                        ("pending_within", "tỷ lệ đang giải quyết còn trong hạn"),
                        ("pending_overdue", "tỷ lệ đang giải quyết quá hạn")):
        assert f"Tổng lĩnh vực đất đai — {label}: <b>{SEED002_LAND_RATIOS[name]}</b>" in ratios
    # The figures the seed report prints, in its order: on time, late, pending within, pending overdue.
    printed = re.findall(r"Tổng lĩnh vực đất đai — [^:]+: <b>([^<]+)</b>", ratios)
    assert printed[:4] == ["78,4%", "21,6%", "69,9%", "30,1%"]


def test_a_consolidated_cell_opens_to_each_units_contribution(client, seed002_page):
    round_id = re.search(r"/rounds/(\d+)/contributions", seed002_page).group(1)
    url = f"/rounds/{round_id}/contributions?key={SECTION}/dat_dai/c3"
    fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment
    assert "Xã BS 00" in fragment and "Xã BS 01" in fragment and "6.615" in fragment and "13.230" in fragment
    assert "<html" in client.get(url).get_data(as_text=True)


def test_units_not_yet_approved_are_named_as_missing(client):
    add_seed002_catalogue()
    district, round_ = district_round("BS", 3, status="submitted")
    login_as(client, make_user(district, "reviewer"))
    body = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    assert "Chưa có trong tổng hợp (3):</b> Xã BS 00, Xã BS 01, Xã BS 02" in body
    assert cell(body, "_total", "c3") == "0"
    provisional = client.get(f"/rounds/{round_.id}/consolidated?provisional=1").get_data(as_text=True)
    assert cell(provisional, "_total", "c3") == "15.256"
    assert "3 báo cáo chưa duyệt, số liệu tạm" in provisional


def count_queries(client, url: str) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # The test shares the request's session: empty it, or objects the test created would
    # answer lazy loads from memory and hide an N+1.
    db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_the_consolidated_page_issues_as_many_queries_for_12_units_as_for_3(client):
    add_seed002_catalogue()
    province = make_unit("P", "Tỉnh Thử Nghiệm", "province")
    small = district_round("S", 3, parent=province)[1]
    large = district_round("L", 12, parent=province)[1]
    login_as(client, make_user(province, "admin"))
    urls = [f"/rounds/{small.id}/consolidated", f"/rounds/{large.id}/consolidated"]
    for url in urls:  # warm-up: template parsing and the like are cached per process
        client.get(url)
    small_count, large_count = (count_queries(client, url) for url in urls)
    assert small_count == large_count
    # The figures written out look up last year's and the previous period's rounds (3 more);
    # the trend reads each period's coverage (1 more, grouped).
    assert small_count <= 16


def test_a_cell_that_does_not_exist_has_no_contributions(client, seed002_page):
    round_id = re.search(r"/rounds/(\d+)/contributions", seed002_page).group(1)
    for key in (f"{SECTION}/khong_co/c3", f"{SECTION}/dat_dai/c99", "IX/abc", "khong-hop-le"):
        assert client.get(f"/rounds/{round_id}/contributions", query_string={"key": key}).status_code == 404


def test_the_breakdown_by_unit_loads_when_opened_and_adds_up_to_the_total(client, seed002_page):
    round_id = re.search(r"/rounds/(\d+)/breakdown/", seed002_page).group(1)
    url = f"/rounds/{round_id}/breakdown/{SECTION}"
    fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment
    assert [name for name in re.findall(r'<th scope="row">([^<]+)</th>', fragment)] == ["Xã BS 00", "Xã BS 01", "Xã BS 02"]
    received = [int(v.replace(".", "")) for v in re.findall(r'<tr><th scope="row">[^<]+</th><td class="num">([^<]*)</td>', fragment)]
    assert sum(received) == SEED002_TOTAL[0]
    assert "<html" in client.get(url).get_data(as_text=True)
    assert client.get(f"/rounds/{round_id}/breakdown/II").status_code == 404
