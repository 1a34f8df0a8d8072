"""Pasting a block copied from Excel into the dossier table (form 06a)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogueField, ChangeLog, SubmissionValue
from app.reporting.templates import DEFAULT_FIELDS
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

HX = {"HX-Request": "true"}
ROWS = DEFAULT_FIELDS[:14]  # a 14-row catalogue
INPUTS = ("c4", "c5", "c6", "c8", "c9", "c10", "c12", "c13")
# Columns (3)–(13) of the official layout, in order, totals included.
LAYOUT = ("c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13")
BAD = {(1, "c5"): "abc", (6, "c9"): "1,5", (11, "c12"): "1o"}  # (row index, column) → what the sheet holds
WRONG_TOTAL = (4, "c7")


@pytest.fixture
def sub(client):
    for i, (code, name, group, group_label) in enumerate(ROWS):
        db.session.add(CatalogueField(code=code, name=name, group_code=group or "", group_label=group_label or "", sort_order=i))
    db.session.commit()
    _, district, units = make_tree(1)
    reporter = make_user(units[0])
    round_ = make_round(district, expected=units)
    login_as(client, reporter)
    return submission_for(round_, units[0])


def row_numbers(i: int) -> dict[str, int]:
    """Balanced figures for row i: received = resolved + pending."""
    c4, c5, c6 = 100 + i, 10 + i, i
    c8, c9, c10 = 50 + i, 40 + i, 10 + i
    pending = c4 + c5 + c6 - (c8 + c9 + c10)
    return {"c4": c4, "c5": c5, "c6": c6, "c8": c8, "c9": c9, "c10": c10, "c12": pending - 1, "c13": 1}


def sheet() -> str:
    """14 lines as Excel copies them: tab-separated, CRLF, totals computed by the sheet
    (SUM ignores a cell holding text), thousands with a dot."""
    lines = []
    for i in range(len(ROWS)):
        cells = {k: str(v) for k, v in row_numbers(i).items()}
        nums = dict(row_numbers(i))
        for (r, col), typed in BAD.items():
            if r == i:
                cells[col], nums[col] = typed, 0
        cells["c3"] = str(nums["c4"] + nums["c5"] + nums["c6"])
        cells["c7"] = str(nums["c8"] + nums["c9"] + nums["c10"])
        cells["c11"] = str(nums["c12"] + nums["c13"])
        if i == WRONG_TOTAL[0]:
            cells[WRONG_TOTAL[1]] = "1.000"
        lines.append("\t".join(cells[c] for c in LAYOUT))
    return "\r\n".join(lines) + "\r\n"


def previous_round_carries(sub, cell: str, value: int) -> None:
    """Last period's submission of the same unit, whose pending total (11) is ``value``."""
    previous = make_round(sub.round.unit, expected=[sub.unit], year=sub.round.period_year,
                          index=sub.round.period_index - 1)
    row = cell.split("/")[1]
    set_values(submission_for(previous, sub.unit), {f"I.4/{row}/c12": value})


def key(i: int, column: str) -> str:
    return f"I.4/{ROWS[i][0]}/{column}"


def stored(sub_id: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == sub_id))
    return {r.key: r.int_value for r in rows}


def paste(client, sub_id, text, start=None, fragment=True):
    return client.post(f"/submissions/{sub_id}/paste", data={"start": start or key(0, "c3"), "text": text},
                       headers=HX if fragment else {})


def test_pasting_fourteen_rows_in_the_06a_layout_saves_the_good_cells_and_flags_the_bad_ones(client, sub):
    response = paste(client, sub.id, sheet())
    body = response.get_data(as_text=True)
    assert response.status_code == 422

    values = stored(sub.id)
    expected = {key(i, c): v for i in range(len(ROWS)) for c, v in row_numbers(i).items() if (i, c) not in BAD}
    assert len(expected) == 14 * 8 - 3 == 109
    assert values == expected  # the 109 good cells, nothing else: no bad cell, no total

    assert "Đã lưu 109 ô; 4 ô bị đánh dấu đỏ chưa đúng." in body
    for (i, column) in BAD:
        assert re.search(rf'name="v.{re.escape(key(i, column))}" value="{re.escape(BAD[(i, column)])}"[^>]*invalid', body)
    assert "Chỉ nhập số nguyên không âm" in body

    # The wrong pasted total is flagged beside the computed cell, which keeps the real sum.
    good = row_numbers(WRONG_TOTAL[0])
    real = good["c8"] + good["c9"] + good["c10"]
    assert f"Số dán vào (1.000) khác tổng tính được ({real})" in body
    assert re.search(rf'id="k-I-4-{ROWS[WRONG_TOTAL[0]][0]}-c7"[^>]*>{real}<span class="error"', body)


def test_a_paste_that_matches_every_total_is_saved_whole(client, sub):
    lines = []
    for i in range(3):
        n = row_numbers(i)
        lines.append("\t".join(str(v) for v in (n["c4"] + n["c5"] + n["c6"], n["c4"], n["c5"], n["c6"],
                                               n["c8"] + n["c9"] + n["c10"], n["c8"], n["c9"], n["c10"],
                                               n["c12"] + n["c13"], n["c12"], n["c13"])))
    response = paste(client, sub.id, "\n".join(lines))
    assert response.status_code == 200
    assert "Đã dán và lưu 24 ô." in response.get_data(as_text=True)
    assert len(stored(sub.id)) == 24


def test_a_pasted_total_alone_is_never_stored(client, sub):
    response = paste(client, sub.id, "999", start=key(0, "c3"))
    assert response.status_code == 422
    assert "Số dán vào (999) khác tổng tính được (0)" in response.get_data(as_text=True)
    assert stored(sub.id) == {}


def test_a_paste_wider_than_the_rest_of_the_table_saves_nothing_and_previews(client, sub):
    last = len(ROWS) - 1
    response = paste(client, sub.id, "5\t6\t7\n", start=key(last, "c12"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chưa lưu gì." in body and "chỉ còn 2 cột" in body
    assert stored(sub.id) == {}


def test_an_ambiguous_paste_previews_each_placement_and_the_chosen_one_is_saved(client, sub):
    text = "10\t5\t3\t2\n"
    response = paste(client, sub.id, text, start=key(0, "c12"))
    body = response.get_data(as_text=True)
    assert "Chưa lưu gì." in body and stored(sub.id) == {}
    assert 'name="first" value="c3"' in body and 'name="first" value="c7"' in body
    chosen = client.post(f"/submissions/{sub.id}/paste", headers=HX,
                         data={"start": key(0, "c12"), "text": text, "first": "c7"})
    assert chosen.status_code == 200
    assert stored(sub.id) == {key(0, "c8"): 5, key(0, "c9"): 3, key(0, "c10"): 2}


def test_the_official_layout_pasted_into_the_first_input_is_not_shifted_and_keeps_carried_over_values(client, sub):
    set_values(sub, {key(0, "c6"): 7})
    n = row_numbers(0)
    cells = [n["c4"] + n["c5"], n["c4"], n["c5"], 0, n["c8"] + n["c9"] + n["c10"], n["c8"], n["c9"], n["c10"],
             n["c12"] + n["c13"], n["c12"], n["c13"]]
    previous_round_carries(sub, key(0, "c6"), 7)
    response = paste(client, sub.id, "\t".join(map(str, cells)) + "\r\n", start=key(0, "c4"))
    body = response.get_data(as_text=True)
    values = stored(sub.id)
    assert values[key(0, "c4")] == n["c4"] and values[key(0, "c5")] == n["c5"] and values[key(0, "c13")] == n["c13"]
    assert values[key(0, "c6")] == 7  # the carried-over figure is not replaced by the sheet's 0
    assert "bố cục chính thức" in body and "số chuyển từ kỳ trước được giữ" in body


def test_pasting_over_saved_values_logs_each_change_and_bumps_versions(client, sub):
    set_values(sub, {key(0, "c4"): 3})
    assert paste(client, sub.id, "7\t8", start=key(0, "c4")).status_code == 200
    assert stored(sub.id) == {key(0, "c4"): 7, key(0, "c5"): 8}
    logs = db.session.execute(select(ChangeLog.key, ChangeLog.old_value, ChangeLog.new_value)
                              .where(ChangeLog.submission_id == sub.id).order_by(ChangeLog.key)).all()
    assert [tuple(r) for r in logs] == [(key(0, "c4"), "3", "7"), (key(0, "c5"), None, "8")]
    version = db.session.scalar(select(SubmissionValue.version).where(SubmissionValue.key == key(0, "c4")))
    assert version == 2


def test_paste_without_javascript_renders_the_whole_page_with_the_flags(client, sub):
    response = paste(client, sub.id, sheet(), fragment=False)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in body
    assert re.search(rf'name="v.{re.escape(key(1, "c5"))}" value="abc"[^>]*invalid', body)
    assert len(stored(sub.id)) == 109


@pytest.mark.parametrize("start", ["I.4/khong_co/c4", "I.4/ho_tich/c99", "rubbish"])
def test_a_paste_aimed_outside_the_table_is_a_bad_request(client, sub, start):
    assert paste(client, sub.id, "1\t2", start=start).status_code == 400
    assert stored(sub.id) == {}
