"""The preview's sample figures obey the template's own rules (issue 23): totals equal their
parts, a "trong đó" part never exceeds its whole, no share is above 100 %."""
from __future__ import annotations

import io
import re

import docx
import openpyxl
import pytest

from app.exports.docx_report import write_report_docx
from app.exports.xlsx import write_round_workbook
from app.reporting.template_check import check_template_source
from app.reporting.templates import shipped_templates
from app.reporting.validation import validate
from app.services.template_preview import sample_parts, sample_template, sample_values

QUARTERLY = shipped_templates()["quarterly_tthc"].source
# What an officer adds: a count, and "trong đó" one of its parts, written out in a sentence.
VNEID = QUARTERLY.replace('''[[sections]]
id = "I.6.5"''', '''[[sections]]
id = "I.6.6"
heading = "Tiếp nhận hồ sơ qua VNeID"
kind = "indicators"
fields = [
  { id = "dossiers", label = "Số hồ sơ tiếp nhận trực tuyến" },
  { id = "vneid", label = "Trong đó nộp qua VNeID" },
]

[[sections.figures]]
lines = ["Tiếp nhận {dossiers} hồ sơ; trong đó nộp qua VNeID {vneid} hồ sơ."]

[[sections]]
id = "I.6.5"''')
PERCENT = re.compile(r"(\d+(?:\.\d{3})*(?:,\d+)?)\s?%")
PART_OF_WHOLE = re.compile(r"(\d+(?:\.\d{3})*)/(\d+(?:\.\d{3})*) (?:dịch vụ|TTHC)")


def _templates():
    yield from ((code, t) for code, t in shipped_templates().items())
    check = check_template_source(VNEID)
    assert check.ok, check.issues
    yield "vneid", check.template


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _assert_believable(text: str) -> None:
    for share in PERCENT.findall(text):
        assert _number(share) <= 100, text
    for part, whole in PART_OF_WHOLE.findall(text):
        assert _number(part) <= _number(whole), text


@pytest.mark.parametrize("code,template", list(_templates()))
def test_sample_values_break_none_of_the_template_rules(code, template):
    bound = sample_template(template)
    for seed in range(3):
        values = sample_values(bound, seed)
        assert [f.message for f in validate(bound, values)] == []


@pytest.mark.parametrize("code,template", list(_templates()))
def test_the_preview_figures_have_no_share_above_100_and_no_part_above_its_whole(code, template):
    parts = sample_parts(template)
    _assert_believable(" ".join(s for lines in parts.figure_sentences.values() for s in lines))
    word = io.BytesIO()
    write_report_docx(parts, word)
    document = docx.Document(io.BytesIO(word.getvalue()))
    _assert_believable("\n".join(p.text for p in document.paragraphs))
    _assert_believable("\n".join(c.text for table in document.tables for row in table.rows for c in row.cells))
    excel = io.BytesIO()
    write_round_workbook(parts, excel)
    book = openpyxl.load_workbook(io.BytesIO(excel.getvalue()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            _assert_believable(" ".join(str(v) for v in row if isinstance(v, str)))


def test_a_trong_do_part_stays_within_its_whole():
    check = check_template_source(VNEID)
    bound = sample_template(check.template)
    for seed in range(5):
        values = sample_values(bound, seed)
        assert values["I.6.6/vneid"] <= values["I.6.6/dossiers"]
        assert values["I.6.1/online_full"] <= values["I.6.1/online_full_total"]
        assert values["I.3/received"] == sum(values[f"I.3/{k}"] for k in ("on_time", "late", "in_progress"))
    sentences = " ".join(s for lines in sample_parts(check.template).figure_sentences.values() for s in lines)
    found = re.search(r"Tiếp nhận (\d+) hồ sơ; trong đó nộp qua VNeID (\d+) hồ sơ", sentences)
    assert found and int(found.group(2)) <= int(found.group(1))
