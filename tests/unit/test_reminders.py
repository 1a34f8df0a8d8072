"""Reminders: one SMS per unit in both forms (≤ 70 characters with diacritics, ≤ 160
without), the right wording before, on and after the deadline, and a grouped message
that reads like Vietnamese ("báo cáo" once, "Quý III" capitalised)."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.reporting.progress import ProgressRow
from app.reporting.reminders import (
    grouped_reminder,
    gsm_length,
    short_period,
    sms_count,
    subject,
    unit_reminder,
    without_diacritics,
)

DEADLINE = date(2026, 11, 27)
TITLE = "Báo cáo tình hình, kết quả thực hiện công tác kiểm soát thủ tục hành chính"


def row(state="draft", name="Xã Bình Chánh", officer="Nguyễn Thị Lan", phone="0912 345 678", deadline=DEADLINE, i=1):
    return ProgressRow(submission_id=i, unit_id=i, unit_name=name, unit_code=f"X{i}", unit_kind="commune", state=state,
                       state_label=state, deadline=deadline, order=(i,), officer_name=officer, officer_phone=phone)


def remind(r, today):
    return unit_reminder(r, period_label="Quý III năm 2026", sender="Huyện Bình Sơn", today=today)


def test_sms_counting_follows_the_gsm_and_ucs2_limits():
    assert sms_count("a" * 160) == 1 and sms_count("a" * 161) == 2 and sms_count("a" * 306) == 2
    assert sms_count("ộ" * 70) == 1 and sms_count("ộ" * 71) == 2
    assert gsm_length("[x]") == 5  # brackets take two septets each
    assert without_diacritics("Đề nghị nộp ngay – Quý III") == "De nghi nop ngay - Quy III"


@pytest.mark.parametrize("today, words", [
    (DEADLINE - timedelta(days=3), "27/11"),
    (DEADLINE, "hôm nay"),
    (DEADLINE + timedelta(days=3), "quá hạn 3 ngày, đề nghị nộp ngay"),
])
def test_a_units_message_fits_one_sms_in_each_form_before_on_and_after_the_deadline(today, words):
    message = remind(row(), today)
    assert message.accented.parts == 1 and message.accented.length <= 70 and message.accented.with_diacritics
    assert message.plain.parts == 1 and message.plain.length <= 160 and gsm_length(message.plain.text) is not None
    assert words in message.accented.text
    assert "Lan" in message.accented.text and "Lan" in message.plain.text
    assert "Quý III" in message.accented.text
    assert message.phone == "0912345678"


def test_after_the_deadline_nothing_says_before_the_deadline():
    message = remind(row(), DEADLINE + timedelta(days=12))
    assert "trước" not in message.accented.text and "truoc" not in message.plain.text
    assert "qua han 12 ngay, de nghi nop ngay" in message.plain.text


def test_a_returned_report_asks_for_corrections():
    assert "trả lại" in remind(row("returned"), DEADLINE - timedelta(days=2)).accented.text


def test_any_names_and_dates_still_fit_one_sms_in_each_form():
    rng = random.Random(14)
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠĐỆỘỮ []{}~ "
    for _ in range(300):
        name = "".join(rng.choice(letters) for _ in range(rng.randint(0, 60)))
        unit = "".join(rng.choice(letters) for _ in range(rng.randint(1, 90)))
        state = rng.choice(["not_started", "draft", "returned"])
        message = remind(row(state, name=unit, officer=name), DEADLINE + timedelta(days=rng.randint(-400, 400)))
        assert message.accented.parts == 1 and message.accented.length <= 70, message.accented.text
        assert message.plain.parts == 1 and message.plain.length <= 160, message.plain.text


def test_the_grouped_message_says_report_once_and_capitalises_the_quarter():
    assert subject(TITLE).startswith("báo cáo tình hình") and "báo cáo báo cáo" not in subject(TITLE).lower()
    assert subject("Tình hình một cửa") == "báo cáo tình hình một cửa"
    assert short_period("Quý III năm 2026") == "Quý III/2026" and short_period("Tháng 10 năm 2026") == "tháng 10/2026"
    rows = [row(), row("submitted", name="Xã Bình Đông", i=2), row("returned", name="Thị trấn Châu Ổ", officer="", i=3)]
    before = grouped_reminder(rows, title=TITLE, period_label="Quý III năm 2026", sender="Huyện Bình Sơn",
                              deadline=DEADLINE, today=DEADLINE - timedelta(days=4), total=3)
    assert "nộp báo cáo tình hình" in before and "báo cáo báo cáo" not in before.lower()
    assert "Quý III năm 2026" in before and "quý iii" not in before
    assert "trước ngày 27/11/2026 (còn 4 ngày)" in before
    assert "- Xã Bình Chánh (đ/c Nguyễn Thị Lan, 0912 345 678)" in before
    assert "- Thị trấn Châu Ổ — đã bị trả lại, cần sửa" in before and "Xã Bình Đông" not in before
    assert before.endswith("Tổng cộng 2/3 đơn vị chưa nộp.")


def test_the_grouped_message_after_the_deadline_asks_to_submit_now_and_names_extensions():
    rows = [row(), row(name="Xã Bình Hải", deadline=DEADLINE + timedelta(days=7), i=2)]
    after = grouped_reminder(rows, title=TITLE, period_label="Quý III năm 2026", sender="Huyện Bình Sơn",
                             deadline=DEADLINE, today=DEADLINE + timedelta(days=5), total=2)
    assert "đã quá hạn 5 ngày, đề nghị nộp ngay" in after and "trước ngày" not in after
    assert "Xã Bình Hải (đ/c Nguyễn Thị Lan, 0912 345 678) — được gia hạn đến 04/12/2026" in after
