"""One official unit order (Thứ tự) everywhere units are listed: board, Excel, Word (issue 15)."""
from __future__ import annotations

import io

import docx
import openpyxl

from app.extensions import db
from app.reporting.keys import text_key
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for


def test_the_official_order_not_the_alphabet_orders_the_board_the_workbook_and_the_word_report(client):
    _, district, communes = make_tree(3)
    # The province's order: Xã Số 3, then Xã Số 1, then Xã Số 2 (neither alphabetical nor by code).
    for unit, order in zip(communes, (2, 3, 1)):
        unit.sort_order = order
    db.session.commit()
    expected = ["Xã Số 3", "Xã Số 1", "Xã Số 2"]
    reviewer = make_user(district, "reviewer")
    round_ = make_round(district, expected=communes, opened_by=reviewer)
    for unit in communes:
        set_values(submission_for(round_, unit), {text_key("I.2"): f"Rà soát thủ tục tại {unit.name}."}, status="approved")
    login_as(client, reviewer)

    board = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    table = board[board.index('id="board-table"'):]
    assert sorted(expected, key=table.index) == expected

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/rounds/{round_.id}.xlsx", buffered=True).data))
    listed = [r[1] for r in book["Tình hình nộp"].iter_rows(values_only=True) if r[1] in expected]
    assert listed == expected
    narrative = [r[1] for r in book["Nội dung"].iter_rows(values_only=True)
                 if r[1] in expected and str(r[2]).startswith("Rà soát thủ tục")]
    assert narrative == expected

    document = docx.Document(io.BytesIO(client.get(f"/exports/rounds/{round_.id}.docx", buffered=True).data))
    # Unit texts reach Word only through the reviewer's text; the annex by unit lists the units.
    annex = document.tables[-1]
    listed = [row.cells[1].text for row in annex.rows if row.cells[1].text.startswith("UBND xã Số")]
    assert listed == ["UBND xã Số 3", "UBND xã Số 1", "UBND xã Số 2"]
