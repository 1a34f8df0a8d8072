"""Checking an uploaded template: every error, its line, Vietnamese; no format engine on its text."""
from __future__ import annotations

import pytest

from app.reporting.template_check import check_template_source, locate
from app.reporting.templates import shipped_templates
from app.reporting.validation import fill

QUARTERLY = shipped_templates()["quarterly_tthc"].source


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize("code", sorted(shipped_templates()))
def test_every_shipped_template_passes_the_check(code):
    check = check_template_source(shipped_templates()[code].source)
    assert check.ok and check.issues == () and check.template.code == code


def test_every_error_is_reported_on_its_own_line():
    text = (QUARTERLY.replace('frequency = "quarter"', 'frequency = "quy"')
            .replace('kind = "narrative"', 'kind = "van_ban"', 1)
            .replace('computed = ["c4", "c5", "c6"]', 'computed = ["c4", "c5", "c60"]')
            .replace('severity = "error"', 'severity = "nghiem_trong"', 1))
    check = check_template_source(text)
    assert not check.ok and check.template is None
    assert [i.line for i in check.issues] == [
        _line(text, 'frequency = "quy"'), _line(text, 'kind = "van_ban"'), _line(text, '"c60"'), _line(text, "nghiem_trong")]
    messages = [i.message for i in check.issues]
    assert messages[0] == "phải là một trong: month, quarter, half, nine_months, year, adhoc (đang ghi 'quy')"
    assert messages[2] == "nhắc đến cột không có: 'c60'"
    assert check.issues[2].where == "mục I.4 › columns[0] › computed"


def test_rules_about_a_broken_section_are_not_reported_twice():
    text = QUARTERLY.replace('computed = ["c4", "c5", "c6"]', 'computed = ["c4", "c5", "c60"]')
    check = check_template_source(text)
    assert len(check.issues) == 1  # the rules naming I.4 are not blamed for it


def test_an_unknown_key_points_at_its_own_line():
    text = QUARTERLY.replace('kind = "heading"', 'kind = "heading"\nmau_sac = "xanh"', 1)
    (issue,) = check_template_source(text).issues
    assert issue.line == _line(text, "mau_sac") and "mau_sac" in issue.message


def test_a_syntax_error_names_its_line():
    text = QUARTERLY.replace('title = "', 'title = ', 1)
    (issue,) = check_template_source(text).issues
    assert issue.line == _line(text, "title = ") and issue.message.startswith("Lỗi cú pháp TOML")


@pytest.mark.parametrize("placeholder", ["{label.__class__}", "{value!r}", "{value:>999999}", "{0}", "{row[0]}"])
def test_a_rule_message_may_only_name_plain_placeholders(placeholder):
    text = QUARTERLY.replace('message = "', f'message = "{placeholder} ', 1)
    check = check_template_source(text)
    assert not check.ok and any("chỗ điền" in i.message for i in check.issues)


def test_messages_are_filled_by_plain_substitution_only():
    assert fill("Có {value} hồ sơ ({label}) {{giữ}}", value="3", label="Hộ tịch") == "Có 3 hồ sơ (Hộ tịch) {giữ}"
    assert fill("{value.__class__} {unknown}", value=3) == "{value.__class__} {unknown}"


def test_a_path_is_located_in_tables_and_inline_arrays():
    text = shipped_templates()["monthly_tthc"].source
    assert locate(text, "frequency") == _line(text, "frequency =")
    assert locate(text, "sections[1]") == [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[sections]]"][1]
