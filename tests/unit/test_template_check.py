"""Checking an uploaded template: every error, its line, Vietnamese; no format engine on its text."""
from __future__ import annotations

import re
import time

import pytest

from app.reporting.template_check import LIMITS, budget_text, check_template_source, locate
from app.reporting.templates import TemplateError, load_template_text, shipped_templates
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
    assert messages[0] == ("giá trị 'quy' không dùng được: chọn một trong Tháng (month), Quý (quarter), 6 tháng (half), "
                           "9 tháng (nine_months), Năm (year), Đột xuất (adhoc).")
    assert messages[2] == "nhắc đến cột 'c60' không có trong mẫu: chọn cột đã có hoặc xóa tên này."
    assert check.issues[2].where == ("mục I.4 “Tình hình, kết quả giải quyết thủ tục hành chính” › cột (3) “Tổng số” › "
                                     "cộng từ các cột")
    assert check.issues[2].path == "sections[4].columns[0].computed"
    assert check.issues[0].where == "kỳ báo cáo" and check.issues[0].path == "frequency"


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
    assert issue.line == _line(text, "title = ")
    assert issue.message.startswith(f"Lỗi cú pháp ở dòng {issue.line}: giá trị không hợp lệ")


@pytest.mark.parametrize("broken", ['title = "chưa đóng\n', "a = [1, 2\n", "[[sections]\n", "x = 1 2\n", "a = 1\na = 2\n",
                                    'a = "\\q"\n', "= 1\n", "a = {b = 1\n", "a = 1979-13-01\n", "a = '"])
def test_a_syntax_error_is_told_in_vietnamese_with_its_line(broken):
    (issue,) = check_template_source(broken).issues
    assert issue.line is not None and issue.message.startswith(f"Lỗi cú pháp ở dòng {issue.line}: ")
    assert not re.search(r"\b(Illegal|Invalid|Expected|Unclosed|Unterminated|Cannot|character|line)\b", issue.message)


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


# --- the budget (issue 26): a template larger than any report needs is refused first ------------

def _table_template(rows: int, columns: int, compact: bool = False) -> str:
    cols = ",".join(f'{{id="c{c}",headings=["{c}"]}}' for c in range(columns))
    listed = ",".join(f'{{code="r{r}",label="{r}"}}' if compact else f'{{ code = "r{r}", label = "Dòng {r}" }}'
                      for r in range(rows))
    return (f'code = "lon"\nversion = 1\ntitle = "Lớn"\nfrequency = "quarter"\nperiod_convention = "decree09"\n'
            f'[[sections]]\nid = "I"\nheading = "Bảng"\nkind = "table"\ncolumns = [{cols}]\nrows = [{listed}]\n')


def test_the_hostile_6000_by_30_table_is_refused_at_once_in_vietnamese():
    text = _table_template(6_000, 30)
    assert len(text) > 100_000
    start = time.perf_counter()
    check = check_template_source(text)
    assert time.perf_counter() - start < 0.5  # it took 49 s before the budget
    assert not check.ok and check.template is None
    (issue,) = check.issues
    assert issue.message.startswith("Mẫu vượt giới hạn:") and "ký tự trong cả mẫu, tối đa 100.000" in issue.message


def test_a_table_over_the_cell_budget_is_refused_even_when_its_text_is_short():
    text = _table_template(LIMITS["rows"].limit + 1, LIMITS["columns"].limit, compact=True)
    assert len(text) < LIMITS["text"].limit
    issues = check_template_source(text).issues
    assert any("201 dòng trong một bảng, tối đa 200" in i.message and i.where == "mục I “Bảng”" for i in issues)
    assert any("6.030 ô nhập số liệu" in i.message and "tối đa 2.400" in i.message for i in issues)


def test_the_budget_leaves_every_shipped_template_a_wide_margin():
    for template in shipped_templates().values():
        assert len(template.source) * 4 < LIMITS["text"].limit
        assert len(template.sections) * 4 < LIMITS["sections"].limit
    assert "2.400 ô nhập số liệu" in budget_text() and "120 mục" in budget_text()


@pytest.mark.parametrize("nested", [
    "a = " + "[" * 500 + "]" * 500,
    "a = " + "{b = " * 500 + "1" + "}" * 500,
    "[" + ".".join(f"k{i}" for i in range(500)) + "]\nx = 1",
    "a = " + ".".join(f"k{i}" for i in range(500)) + " = 1",
])
def test_a_500_deep_template_is_refused_in_vietnamese_not_a_recursion_error(nested):
    text = QUARTERLY + "\n" + nested + "\n"
    check = check_template_source(text)
    assert not check.ok
    assert any(i.message.startswith(("Mẫu lồng nhau quá sâu", "Lỗi cú pháp")) for i in check.issues)
    with pytest.raises(TemplateError):
        load_template_text(text, "round")


# --- as the officer reads it (issue 23): labels, not paths; Vietnamese that says what to do ------

ENGLISH = re.compile(r"\b(must|missing|unknown|names|needs|only|section|column|field|table|got|the|is|not|key|used)\b")
PATHS = re.compile(r"\[\d+\]|\b(sections|columns|fields|rows|groups|computed|figures|lines|rules|heading|label)\b")


@pytest.mark.parametrize("old,new", [
    ('heading = "Rà soát, đơn giản hóa thủ tục hành chính"\n', ""),
    ('computed = ["c4", "c5", "c6"]', 'computed = ["c4", "c5", "c7"]'),
    ('computed = ["c8", "c9", "c10"]', 'computed = ["c8", "c9", "c10"]\nheadings = ["a", "b", "c", "d"]'),
    ('of = "in_scope"', 'of = "published"'),
    ('kind = "narrative"\n', 'kind = "narrative"\nnote = true\n'),
    ('section = "I.5.6"', 'section = "I.2"'),
    ('{published} TTHC[', '{published} TTHC[[ {unknown_one} ]'),
    ('{published} TTHC[', '{publishd} TTHC['),
    ('id = "I.2"', 'id = "I..2"'),
    ('id = "c8"', 'id = "c 8"'),
    ('id = "c9"', 'id = "c8"'),
    ('version = 3', 'version = "ba"'),
    ('kind = "outlier"', 'kind = "outlier"\nfactor = 0'),
    ('kind = "carry_over"', 'kind = "carry_over"\nmau = 1'),
])
def test_every_problem_names_labels_and_says_in_vietnamese_what_to_do(old, new):
    assert old in QUARTERLY
    check = check_template_source(QUARTERLY.replace(old, new, 1))
    assert not check.ok and check.issues
    for issue in check.issues:
        assert not ENGLISH.search(issue.message), issue.message
        assert not PATHS.search(issue.where), issue.where
        assert issue.message.endswith("."), issue.message
