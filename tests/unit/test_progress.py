"""The progress board as data: lateness on Vietnam dates against each unit's own deadline,
tiles that count every state, bookmarkable filters and sorts, the review queue's order."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from app.reporting.progress import BoardQuery, ProgressRow, review_queue, select_rows, tile_counts

DEADLINE = date(2026, 11, 27)


def row(i: int, state: str, *, kind: str = "commune", parent: int | None = 1, first: date | None = None,
        deadline: date = DEADLINE, name: str | None = None, officer: str = "", reminded: datetime | None = None) -> ProgressRow:
    return ProgressRow(submission_id=100 + i, unit_id=i, unit_name=name or f"Xã Số {i}", unit_code=f"X{i}", unit_kind=kind,
                       state=state, state_label=state, deadline=deadline, order=(i,), parent_id=parent,
                       parent_name=f"Huyện {parent}", first_submitted_on=first, officer_name=officer, reminded_at=reminded)


@pytest.mark.parametrize("state, first, today, expected", [
    ("submitted", date(2026, 11, 27), date(2026, 12, 5), 0),  # on the deadline day: on time
    ("submitted", date(2026, 11, 30), date(2026, 12, 5), 3),  # counted at the first submission, not today
    ("returned", date(2026, 11, 20), date(2026, 12, 5), 0),   # first submitted on time, returned since
    ("draft", None, date(2026, 12, 5), 8),                    # never submitted: up to today
    ("not_started", None, date(2026, 11, 27), 0),             # the deadline day itself is not late
])
def test_days_late_count_from_the_first_submission_or_up_to_today(state, first, today, expected):
    assert row(1, state, first=first).days_late(today) == expected


def test_an_extension_moves_the_units_own_deadline():
    extended = row(1, "draft", deadline=date(2026, 12, 4))
    assert extended.days_late(date(2026, 12, 1)) == 0 and not extended.overdue(date(2026, 12, 1))
    assert extended.days_late(date(2026, 12, 6)) == 2 and extended.overdue(date(2026, 12, 6))


def test_tiles_count_every_state_including_not_submitted_and_overdue():
    rows = [row(1, "not_started"), row(2, "draft"), row(3, "returned", first=date(2026, 11, 20)),
            row(4, "submitted", first=date(2026, 11, 29)), row(5, "approved", first=date(2026, 11, 26)),
            row(6, "draft", deadline=date(2026, 12, 10))]
    counts = tile_counts(rows, date(2026, 12, 1))
    # Chưa nộp: never submitted; the returned report was submitted once (one definition: progress.tally).
    assert counts == {"": 6, "missing": 3, "overdue": 3, "not_started": 1, "draft": 2, "submitted": 1,
                      "returned": 1, "approved": 1, "late": 1}


def test_filters_by_kind_parent_and_name_without_diacritics():
    rows = [row(1, "draft", name="Xã Bình Đông"), row(2, "draft", kind="ward", parent=2, name="Phường Nghĩa Lộ"),
            row(3, "draft", kind="office", name="Phòng Tư pháp")]
    today = date(2026, 11, 1)
    assert [r.unit_id for r in select_rows(rows, BoardQuery(kind="commune"), today)] == [1, 2]
    assert [r.unit_id for r in select_rows(rows, BoardQuery(kind="office"), today)] == [3]
    assert [r.unit_id for r in select_rows(rows, BoardQuery(parent=2), today)] == [2]
    assert [r.unit_id for r in select_rows(rows, BoardQuery(q="binh dong"), today)] == [1]


def test_sorting_by_days_late_descending_keeps_unit_order_for_ties():
    today = date(2026, 12, 1)
    rows = [row(1, "draft"), row(2, "submitted", first=date(2026, 11, 30)), row(3, "approved", first=date(2026, 11, 20)),
            row(4, "not_started")]
    ordered = select_rows(rows, BoardQuery(sort="late", descending=True), today)
    assert [r.unit_id for r in ordered] == [1, 4, 2, 3]


def test_rows_without_a_value_stay_last_in_either_direction():
    rows = [row(1, "draft"), row(2, "draft", officer="Lan"), row(3, "draft", officer="An")]
    for descending in (False, True):
        assert select_rows(rows, BoardQuery(sort="officer", descending=descending), date(2026, 1, 1))[-1].unit_id == 1


def test_the_query_round_trips_through_its_parameters():
    query = BoardQuery(state="overdue", q="bình", kind="commune", parent=7, sort="late", descending=True, skipped=(3, 4))
    assert BoardQuery.from_args(query.params()) == query
    assert BoardQuery.from_args({"state": "nonsense", "sort": "-drop table", "parent": "x"}) == BoardQuery()
    assert query.sort_link("late")["sort"] == "late" and query.sort_link("name")["sort"] == "name"


def test_the_review_queue_walks_submitted_reports_in_the_boards_filter_and_order_without_skipped_ones():
    rows = [row(1, "submitted", kind="office"), row(2, "submitted", first=date(2026, 11, 30)), row(3, "approved"),
            row(4, "submitted", first=date(2026, 11, 25)), row(5, "submitted")]
    query = BoardQuery(kind="commune", sort="late", descending=True)
    assert [r.unit_id for r in review_queue(rows, query, date(2026, 12, 1))] == [2, 4, 5]
    assert [r.unit_id for r in review_queue(rows, BoardQuery(kind="commune", skipped=(104,)), date(2026, 12, 1))] == [2, 5]


# --- drill-down ------------------------------------------------------------------------

def test_a_cell_is_the_sum_of_its_stored_parts_and_each_unit_gets_its_share(quarterly):
    from app.reporting.drilldown import cell_label, drilldown, stored_parts

    total_on_time = stored_parts(quarterly, "I.4/_total/c7")  # resolved = early + on time + late, every row
    assert len(total_on_time) == 3 * len(quarterly.section("I.4").rows)
    assert set(stored_parts(quarterly, "I.4/ho_tich/c3")) == {"I.4/ho_tich/c4", "I.4/ho_tich/c5", "I.4/ho_tich/c6"}
    assert stored_parts(quarterly, "I.3/received") == ("I.3/received",)
    parts, total = drilldown([(1, "Xã B", 30), (2, "Xã A", 10), (3, "Xã C", 0)], sort="value", descending=True)
    assert total == 40 and [p.unit_name for p in parts] == ["Xã B", "Xã A", "Xã C"]
    assert [str(p.share) for p in parts] == ["0.750", "0.250", "0.000"]
    assert [p.unit_name for p in drilldown([(1, "Xã B", 1), (2, "Xã A", 2)], sort="name")[0]] == ["Xã A", "Xã B"]
    assert cell_label(quarterly, "I.4/_total/c8") == (
        "I.4. Tình hình, kết quả giải quyết thủ tục hành chính · Tổng cộng · Số hồ sơ đã giải quyết — Trước hạn (8)")


def test_one_tally_for_lists_pages_tiles_and_charts_expected_and_submitted_once():
    from app.reporting.progress import tally

    counted = tally([("approved", date(2026, 11, 2)), ("returned", date(2026, 11, 3)), ("draft", None),
                     ("not_started", None), ("merged", None)])
    assert (counted.expected, counted.submitted, counted.not_submitted) == (4, 2, 2)
