"""Editing a template as data (issue 23): what a posted form changes, new ids, the side-by-
side comparison and the rule that a unit's variant keeps its parent's sections."""
from __future__ import annotations

import tomllib

from werkzeug.datastructures import MultiDict

from app.reporting.template_check import check_template_source
from app.reporting.template_edit import (
    add_section,
    apply_section_form,
    compare,
    issue_slot,
    item_action,
    move_section,
    next_section_id,
    section_view,
    to_toml,
    variant_problems,
)
from app.reporting.templates import shipped_templates

QUARTERLY = tomllib.loads(shipped_templates()["quarterly_tthc"].source)
I4 = next(i for i, s in enumerate(QUARTERLY["sections"]) if s["id"] == "I.4")


def _form(view: dict, **changes) -> MultiDict:
    """What the section's form posts when the officer changes nothing but ``changes``."""
    pairs = [("_checkboxes", "1")]
    for key in ("id", "number", "heading", "hint", "max_length", "unit_label", "note_hint", "note_max_length", "kind",
                "rows_source"):
        pairs.append((key, view[key]))
    pairs += [(key, "on") for key in ("note", "mandatory", "plans") if view[key]]
    for n, column in enumerate(view["columns"]):
        pairs += [(f"column-{n}-id", column["id"]), (f"column-{n}-number", column["number"]),
                  (f"column-{n}-headings", column["headings"]), (f"column-{n}-computed-shown", "1")]
        pairs += [(f"column-{n}-computed", c) for c in column["computed"]]
    pairs = [(k, v) for k, v in pairs if k not in changes] + list(changes.items())
    return MultiDict(pairs)


def test_a_form_sent_back_unchanged_changes_nothing_not_even_defaults():
    view = section_view(QUARTERLY["sections"][I4])
    assert apply_section_form(QUARTERLY, I4, _form(view)) == QUARTERLY


def test_only_what_the_officer_changed_is_written():
    view = section_view(QUARTERLY["sections"][I4])
    changed = apply_section_form(QUARTERLY, I4, _form(view, note_max_length="1.500", **{"column-1-headings": "Nhận\r\nTrực tuyến\r\n"}))
    section = changed["sections"][I4]
    assert section["note_max_length"] == 1500 and section["columns"][1]["headings"] == ["Nhận", "Trực tuyến"]
    assert {k: v for k, v in section.items() if k not in ("note_max_length", "columns")} == \
        {k: v for k, v in QUARTERLY["sections"][I4].items() if k != "columns"}
    # Unticking the note drops its hint and limit, which mean nothing without it.
    form = _form(view)
    form.pop("note")
    section = apply_section_form(QUARTERLY, I4, form)["sections"][I4]
    assert "note" not in section and "note_hint" not in section and "note_max_length" not in section


def test_items_and_sections_are_added_moved_and_removed_without_touching_the_original():
    data = item_action(QUARTERLY, I4, "add-column")
    assert data["sections"][I4]["columns"][-1] == {"id": "c14", "headings": [""]}  # after c13
    data = item_action(data, I4, "up-column-11")
    assert [c["id"] for c in data["sections"][I4]["columns"]][-2:] == ["c14", "c13"]
    assert len(QUARTERLY["sections"][I4]["columns"]) == 11
    data, index = add_section(QUARTERLY, I4, "narrative")
    assert index == I4 + 1 and data["sections"][index] == {"id": "I.10", "heading": "", "kind": "narrative"}
    moved, to = move_section(data, index, -1)
    assert to == I4 and moved["sections"][I4]["id"] == "I.10"
    assert next_section_id({"sections": [{"id": "I"}, {"id": "II"}, {"id": "III"}]}, 2) == "IV"


def test_problems_land_beside_their_fields():
    assert issue_slot("sections[4].columns[0].computed") == ("section", 4, "column-0-computed")
    assert issue_slot("sections[3].fields[1]") == ("section", 3, "field-1")
    assert issue_slot("sections[2].heading") == ("section", 2, "heading")
    assert issue_slot("rules[1].message") == ("rule", 1, "message")
    assert issue_slot("frequency") == ("top", None, "frequency")


def test_the_stored_text_is_the_same_for_the_same_data_and_passes_the_check():
    text = to_toml(QUARTERLY)
    assert tomllib.loads(text) == QUARTERLY and check_template_source(text).ok
    assert to_toml(tomllib.loads(text)) == text


def test_two_versions_compared_section_by_section():
    newer, index = add_section(QUARTERLY, I4, "narrative")
    newer["sections"][index]["heading"] = "Tình hình chung"
    newer["sections"][I4]["columns"][0]["headings"] = ["Số hồ sơ nhận", "Tổng"]
    newer["sections"][I4]["note_max_length"] = 1000
    del newer["sections"][-1]
    result = compare(QUARTERLY, newer)
    assert result.counts == {"added": 1, "removed": 1, "changed": 1}
    changed = next(row for row in result.sections if row.state == "changed")
    assert changed.changes == ["Giới hạn thuyết minh: 2.000 → 1.000 ký tự",
                               "Đổi tên cột: “Số hồ sơ nhận giải quyết / Tổng số” → “Số hồ sơ nhận / Tổng”"]
    assert [row.state for row in result.sections][-1] == "removed"


def test_a_variant_may_add_sections_but_never_drop_renumber_or_reorder_the_parents():
    added, _ = add_section(QUARTERLY, I4, "narrative")
    assert variant_problems(QUARTERLY, added) == []
    dropped = {**QUARTERLY, "sections": QUARTERLY["sections"][:-1]}
    assert variant_problems(QUARTERLY, dropped) == [
        "Thiếu mục IV. “ĐỀ XUẤT, KIẾN NGHỊ” của mẫu cấp trên: mẫu của đơn vị chỉ được thêm mục, không được bỏ mục của "
        "cấp trên. Thêm lại mục này."]
    renumbered = apply_section_form(QUARTERLY, I4, _form(section_view(QUARTERLY["sections"][I4]), number="5."))
    assert variant_problems(QUARTERLY, renumbered) == ["Mục “Tình hình, kết quả giải quyết thủ tục hành chính” phải giữ "
                                                       "số thứ tự 4. như mẫu cấp trên."]
    swapped, _ = move_section(QUARTERLY, I4, 1)
    assert any("phải giữ thứ tự" in p for p in variant_problems(QUARTERLY, swapped))
