"""Per-section notes (thuyết minh): which sections take one, how its key reads, its limit,
its label in the history, and that a consolidation sent upward leaves notes out."""
from __future__ import annotations

import pytest

from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.diff import diff_submissions, key_label
from app.reporting.keys import field_key, note_key, text_key
from app.reporting.template_check import check_template_source
from app.reporting.templates import DEFAULT_NOTE_MAX_LENGTH, TemplateError, load_template_text, shipped_templates
from app.reporting.validation import parse_value, validate
from tests.fixtures.seeds import SEED003_NOTES, seed003_notes, seed003_values
from tests.unit.test_templates import MINIMAL

WITH_NOTE = MINIMAL.replace('kind = "table"\n', 'kind = "table"\nnote = true\nnote_hint = "Vì sao số liệu khác"\n', 1)


@pytest.mark.parametrize(("code", "sections"), [
    # Seed 003 writes sentences beside these figures: published procedures and fees (1.), feedback (3.),
    # dossiers (4.), survey (5.5), apologies (5.6), online services (6.1), e-certified copies (6.3).
    ("quarterly_tthc", ["I.1", "I.3", "I.4", "I.5.5", "I.5.6", "I.6.1", "I.6.3"]),
    ("halfyear_onestop", ["III.1"]),
    ("monthly_tthc", ["I.1.2", "I.2"]),
])
def test_the_shipped_templates_offer_a_note_beside_the_figures_seed_reports_explain(code, sections):
    template = shipped_templates()[code]
    assert [s.id for s in template.note_sections()] == sections
    for section in template.note_sections():
        assert section.kind in ("table", "indicators", "satisfaction")
        assert section.note_hint and section.note_max_length == DEFAULT_NOTE_MAX_LENGTH


def test_seed_003s_sentences_fit_its_sections_notes(quarterly):
    for section_id, text in SEED003_NOTES.items():
        section = quarterly.section(section_id)
        assert section.note and len(text) <= section.note_max_length


@pytest.mark.parametrize(("key", "kind"), [
    (note_key("I.4"), "text"),
    (note_key("I.3"), "text"),
    (note_key("I.5.5"), "text"),
    (note_key("I.6.4"), None),  # an indicators section that takes no note
    (note_key("I.2"), None),  # a narrative: its text is the note
    (note_key("I.9"), None),  # directives
    ("I.4/note/c4", None),
    ("I.4/ho_tich/note", None),
])
def test_a_note_key_is_text_only_where_the_template_declares_a_note(quarterly, key, kind):
    assert quarterly.key_kind(key) == kind


def test_a_note_is_stored_beside_its_figures_but_is_not_an_input_number():
    template = load_template_text(WITH_NOTE, "t.toml")
    assert template.field_keys() == ("I.1/received", "I.1/done", "I.2/r1/c4", "I.2/r1/c5", "I.2/note")
    assert note_key("I.2") not in template.input_keys()
    assert parse_value(template, note_key("I.2"), "Số liệu\r\nlấy từ hệ thống") == "Số liệu\nlấy từ hệ thống"
    with pytest.raises(KeyError):
        parse_value(template, note_key("I.1"), "Không có")


def test_a_notes_limit_is_the_templates_or_two_thousand_characters():
    template = load_template_text(WITH_NOTE, "t.toml")
    section = template.section("I.2")
    assert section.note_hint == "Vì sao số liệu khác"
    assert section.text_limit(note_key("I.2")) == 2000
    shorter = load_template_text(WITH_NOTE.replace("note = true\n", "note = true\nnote_max_length = 300\n"), "t.toml")
    assert shorter.section("I.2").text_limit(note_key("I.2")) == 300
    assert shorter.section("I.2").text_limit(text_key("I.2")) == 5000  # a narrative's own limit is untouched


def test_a_note_longer_than_its_limit_is_an_error_beside_the_note(quarterly):
    values = seed003_values() | {note_key("I.4"): "x" * 2001, note_key("I.3"): "y" * 2000}
    found = [f for f in validate(quarterly, values) if f.rule_id == "text_length"]
    assert [(f.severity, f.section_id, f.keys) for f in found] == [("error", "I.4", (note_key("I.4"),))]
    assert found[0].message == "Nội dung dài 2.001 ký tự, vượt quá 2.000 ký tự cho phép"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('kind = "indicators"\n', 'kind = "indicators"\nnote = "có"\n', "t.toml: sections[1].note must be bool, got str"),
    ('kind = "heading"\n', 'kind = "heading"\nnote = true\n',
     "t.toml: sections[0].note belongs to table, indicators or satisfaction sections, not heading"),
    ('kind = "indicators"\n', 'kind = "indicators"\nnote_hint = "Ghi chú"\n',
     "t.toml: sections[1].note_hint is only used with note = true"),
    ('kind = "indicators"\n', 'kind = "indicators"\nnote = true\nnote_max_length = 0\n',
     "t.toml: sections[1].note_max_length must be at least 1"),
    ('id = "done"', 'id = "note"', "t.toml: sections[1].fields[1].id 'note' is not a usable field id"),
])
def test_a_misplaced_note_is_refused_naming_the_key(old, new, expected):
    assert old in MINIMAL
    with pytest.raises(TemplateError) as caught:
        load_template_text(MINIMAL.replace(old, new, 1), "t.toml")
    assert str(caught.value) == expected


def test_the_template_check_says_in_vietnamese_where_a_note_does_not_belong():
    source = MINIMAL.replace('kind = "heading"\n', 'kind = "heading"\nnote = true\n', 1)
    check = check_template_source(source)
    assert not check.ok
    (issue,) = check.issues
    assert issue.message == "chỉ mục bảng số liệu, chỉ tiêu hoặc khảo sát mới có thuyết minh (mục này là Tiêu đề nhóm): bỏ chọn thuyết minh."
    assert source.splitlines()[issue.line - 1] == "note = true"
    hint_alone = check_template_source(MINIMAL.replace('kind = "table"\n', 'kind = "table"\nnote_hint = "x"\n', 1))
    assert [i.message for i in hint_alone.issues] == ["chỉ dùng khi mục có thuyết minh: bật thuyết minh hoặc xóa giá trị này."]


def test_the_history_names_a_note_thuyet_minh_with_its_section(quarterly):
    assert key_label(quarterly, note_key("I.4")) == "I.4 Tình hình, kết quả giải quyết thủ tục hành chính — Thuyết minh"
    before = {note_key("I.3"): "Không nhận được phản ánh nào."}
    after = {note_key("I.3"): "Không nhận được phản ánh, kiến nghị nào trong kỳ."}
    (change,) = diff_submissions(quarterly, before, after)
    assert change.label.endswith("— Thuyết minh")
    assert ("-", "Không nhận được phản ánh nào.") in change.text_diff


def test_a_consolidation_sent_upward_leaves_the_units_notes_out(quarterly):
    units = [UnitInput(1, "Xã Hoàng Kim", seed003_values() | seed003_notes()),
             UnitInput(2, "Xã Hoàng Đạo", seed003_values() | {note_key("I.3"): "Không nhận được phản ánh, kiến nghị nào."})]
    result = consolidate(quarterly, units)
    upward = result.as_submission()
    assert not [k for k in upward if k.endswith("/note")]
    assert upward[field_key("I.6.3", "e_certified")] == 96
    # The units' notes are still there for the reviewer's suggestion, each under its key.
    assert [u.values.get(note_key("I.3")) for u in result.units] == [SEED003_NOTES["I.3"],
                                                                      "Không nhận được phản ánh, kiến nghị nào."]
