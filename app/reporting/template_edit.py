"""Editing a report template as data (the form editor), and comparing two versions.

A draft is the very data structure ``tomllib`` makes of a template file: a dict of
sections, fields, columns, rows… The editor shows each section as a form, and a posted
form changes only the values the officer changed (a value shown and sent back unchanged
leaves the data as it was, defaults included), so a template loaded into the editor and
saved gives the same data, and so the same stored TOML (``to_toml``), as its file.
Nothing here checks a template: ``template_check`` does, for the editor and for uploads.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from .templates import DEFAULT_MAX_LENGTH, DEFAULT_NOTE_MAX_LENGTH, LEVEL_KEYS, LEVELS, NOTE_KINDS

# The kinds an officer may add from the editor (a survey or a follow-up section is copied
# from a template that has one: their fields have roles the form does not build).
NEW_SECTION_KINDS = ("narrative", "indicators", "table", "heading", "documents")
SECTION_KIND_LABELS = {
    "heading": "Tiêu đề nhóm (không nhập liệu)", "narrative": "Nội dung viết", "indicators": "Chỉ tiêu",
    "table": "Bảng số liệu", "documents": "Văn bản đã ban hành", "satisfaction": "Khảo sát mức độ hài lòng",
    "directives": "Theo dõi nhiệm vụ chỉ đạo",
}
CONSOLIDATE_LABELS = {
    "sum": "Cộng số của các đơn vị",
    "catalogue": "Quy mô danh mục của từng đơn vị (không cộng)",
    "attainment": "Đạt so với quy mô (đếm đơn vị đạt 100%)",
}
LEVEL_LABELS = {"central": "Báo cáo của Trung ương (Văn phòng Chính phủ)", "province": "Báo cáo của tỉnh",
                "district": "Báo cáo của huyện", "commune": "Báo cáo của xã, phường, thị trấn", "office": "Báo cáo của phòng, ban, sở"}
ROLE_LABELS = {"forms": "Số phiếu", "level": "Mức đánh giá", "index": "Chỉ số (điểm)"}
ROWS_SOURCE_LABELS = {"fixed": "Các dòng liệt kê dưới đây", "catalogue": "Theo danh mục lĩnh vực của đơn vị"}
SEVERITY_LABELS = {"error": "Lỗi (phải sửa mới gửi được)", "warning": "Cảnh báo (giải trình được)"}
# The lists inside a section the form edits item by item, and the form's name for each.
ITEM_LISTS = {"field": "fields", "column": "columns", "row": "rows", "group": "groups", "figure": "figures"}
_SECTION_TEXT = ("id", "number", "heading", "hint", "unit_label", "note_hint")
_SECTION_INT = {"max_length": DEFAULT_MAX_LENGTH, "note_max_length": DEFAULT_NOTE_MAX_LENGTH}
_SECTION_BOOL = ("note", "mandatory", "plans")
_TOP_TEXT = ("title", "legal_basis", "form_code")
_TOP_CHOICE = ("frequency", "period_convention")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")


class EditProblem(ValueError):
    """An action the draft cannot take (a section that is not there); said in Vietnamese."""


def to_toml(data: Mapping[str, Any]) -> str:
    """The stored form of a template's data: the same text for the same data."""
    return tomli_w.dumps(dict(data))


def default_number(section_id: str) -> str:
    """What the loader numbers a section that says no number: "I." for "I", "4." for "I.4"."""
    parts = section_id.split(".")
    return f"{parts[0]}." if len(parts) == 1 else ".".join(parts[1:]) + "."


# --- what the form shows -------------------------------------------------------------------

def section_view(section: Mapping[str, Any]) -> dict[str, Any]:
    """The values a section's form shows: defaults filled in, lists as the inputs hold them."""
    kind = section.get("kind", "")
    view: dict[str, Any] = {key: _text(section.get(key, "")) for key in _SECTION_TEXT}
    if not view["number"] and isinstance(section.get("id"), str):
        view["number"] = default_number(section["id"])
    for key, default in _SECTION_INT.items():
        view[key] = _text(section.get(key, default))
    for key in _SECTION_BOOL:
        view[key] = section.get(key) is True
    view["kind"] = kind
    view["rows_source"] = _text(section.get("rows_source", "fixed"))
    view["takes_note"] = kind in NOTE_KINDS
    view["fields"] = [_field_view(f, kind) for f in _items(section, "fields")]
    view["columns"] = [_column_view(c) for c in _items(section, "columns")]
    view["rows"] = [_row_view(r) for r in _items(section, "rows")]
    view["groups"] = [{"code": _text(g.get("code", "")), "label": _text(g.get("label", ""))} for g in _items(section, "groups")]
    view["figures"] = [{"lines": "\n".join(_text(x) for x in f.get("lines", []) if isinstance(x, str))
                        if isinstance(f.get("lines"), list) else _text(f.get("lines", ""))}
                       for f in _items(section, "figures")]
    return view


def _field_view(item: Mapping[str, Any], kind: str) -> dict[str, str]:
    role = _text(item.get("role", ""))
    return {"id": _text(item.get("id", "")), "label": _text(item.get("label", "")), "role": role,
            "kind": _text(item.get("kind", "score" if role == "index" else "count")),
            "consolidate": _text(item.get("consolidate", "sum")), "of": _text(item.get("of", ""))}


def _column_view(item: Mapping[str, Any]) -> dict[str, Any]:
    headings = item.get("headings", [])
    headings = [headings] if isinstance(headings, str) else headings if isinstance(headings, list) else []
    computed = item.get("computed", [])
    computed = [computed] if isinstance(computed, str) else computed if isinstance(computed, list) else []
    return {"id": _text(item.get("id", "")), "number": _text(item.get("number", "")),
            "headings": "\n".join(_text(h) for h in headings), "computed": [_text(c) for c in computed]}


def _row_view(item: Mapping[str, Any]) -> dict[str, str]:
    return {"code": _text(item.get("code", "")), "label": _text(item.get("label", "")), "group": _text(item.get("group", ""))}


def top_view(data: Mapping[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {key: _text(data.get(key, "")) for key in (*_TOP_TEXT, *_TOP_CHOICE)}
    view["code"] = _text(data.get("code", ""))
    levels = data.get("levels") if isinstance(data.get("levels"), Mapping) else {}
    view["levels"] = {level: {key: _text(levels.get(level, {}).get(key, "")) if isinstance(levels.get(level), Mapping)
                              else "" for key in LEVEL_KEYS} for level in LEVELS}
    return view


def rule_view(rule: Mapping[str, Any]) -> dict[str, str]:
    return {"id": _text(rule.get("id", "")), "kind": _text(rule.get("kind", "")), "section": _text(rule.get("section", "")),
            "severity": _text(rule.get("severity", "")), "message": _text(rule.get("message", ""))}


def _items(section: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = section.get(key)
    return [item if isinstance(item, Mapping) else {} for item in value] if isinstance(value, list) else []


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# --- what a posted form changes ------------------------------------------------------------

def _posted_int(text: str) -> int | str:
    """"5.000" → 5000; what is not a number is kept as typed, for the check to point at."""
    cleaned = re.sub(r"[\s.]", "", text)
    return int(cleaned) if re.fullmatch(r"\d{1,9}", cleaned) else text.strip()


def _set(target: dict, key: str, shown: Any, posted: Any, drop_blank: bool = False) -> None:
    """Write ``posted`` only when it differs from what the form showed."""
    if posted == shown:
        return
    if drop_blank and posted in ("", []):
        target.pop(key, None)
    else:
        target[key] = posted


def apply_section_form(data: dict, index: int, form: Mapping[str, Any]) -> dict:
    """A copy of ``data`` with section ``index`` changed as its form was posted.

    ``form`` maps input names to a string (``get``) and to lists (``getlist``), like a
    werkzeug MultiDict: "heading", "field-0-label", "column-2-computed" (several)…"""
    data = copy.deepcopy(data)
    section = _section(data, index)
    shown = section_view(section)
    get = form.get
    for key in _SECTION_TEXT:
        if key in form:
            _set(section, key, shown[key], (get(key) or "").replace("\r\n", "\n").strip(),
                 drop_blank=key not in ("id", "heading"))
    for key in _SECTION_INT:
        if key in form:
            posted = (get(key) or "").strip()
            if posted != shown[key]:
                if posted:
                    section[key] = _posted_int(posted)
                else:
                    section.pop(key, None)
    if "_checkboxes" in form:  # the form had its checkboxes (an unchecked one sends nothing)
        for key in _SECTION_BOOL:
            posted = get(key) in ("on", "true", "1")
            if posted != shown[key]:
                if posted:
                    section[key] = True
                else:
                    section.pop(key, None)
        if shown["note"] and not section.get("note"):
            # Without a note its hint and limit mean nothing (the check would refuse them).
            section.pop("note_hint", None)
            section.pop("note_max_length", None)
    if "rows_source" in form:
        _set(section, "rows_source", shown["rows_source"], get("rows_source"))
    if "kind" in form and get("kind") != shown["kind"]:
        _change_kind(section, get("kind"))
    _apply_items(section, shown, form)
    return data


def _apply_items(section: dict, shown: Mapping[str, Any], form: Mapping[str, Any]) -> None:
    get = form.get
    for n, item in enumerate(_list(section, "fields")):
        view = shown["fields"][n]
        for key in ("id", "label", "consolidate", "of", "role", "kind"):
            name = f"field-{n}-{key}"
            if name in form:
                _set(item, key, view[key], (get(name) or "").strip(), drop_blank=key in ("of", "role"))
    for n, item in enumerate(_list(section, "columns")):
        view = shown["columns"][n]
        for key in ("id", "number"):
            name = f"column-{n}-{key}"
            if name in form:
                _set(item, key, view[key], (get(name) or "").strip(), drop_blank=key == "number")
        name = f"column-{n}-headings"
        if name in form:
            posted = "\n".join(line.strip() for line in (get(name) or "").replace("\r\n", "\n").split("\n") if line.strip())
            if posted != view["headings"]:
                item["headings"] = posted.split("\n") if posted else []
        if f"column-{n}-computed-shown" in form:
            computed = [c for c in form.getlist(f"column-{n}-computed") if c]
            if computed != view["computed"]:
                if computed:
                    item["computed"] = computed
                else:
                    item.pop("computed", None)
    for n, item in enumerate(_list(section, "rows")):
        view = shown["rows"][n]
        for key in ("code", "label", "group"):
            name = f"row-{n}-{key}"
            if name in form:
                _set(item, key, view[key], (get(name) or "").strip(), drop_blank=key == "group")
    for n, item in enumerate(_list(section, "groups")):
        view = shown["groups"][n]
        for key in ("code", "label"):
            name = f"group-{n}-{key}"
            if name in form:
                _set(item, key, view[key], (get(name) or "").strip())
    for n, item in enumerate(_list(section, "figures")):
        name = f"figure-{n}-lines"
        if name in form:
            posted = "\n".join(line.strip() for line in (get(name) or "").replace("\r\n", "\n").split("\n") if line.strip())
            if posted != shown["figures"][n]["lines"]:
                item["lines"] = posted.split("\n") if posted else []


def _list(section: dict, key: str) -> list[dict]:
    value = section.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _section(data: dict, index: int) -> dict:
    sections = data.get("sections")
    if not isinstance(sections, list) or not 0 <= index < len(sections) or not isinstance(sections[index], dict):
        raise EditProblem("Mục này không còn trong bản nháp (có thể vừa bị xóa ở cửa sổ khác). Tải lại trang.")
    return sections[index]


def _change_kind(section: dict, kind: str) -> None:
    """A section turned into another kind takes that kind's starting parts; its number,
    title and hint stay."""
    if kind not in SECTION_KIND_LABELS:
        section["kind"] = kind
        return
    section["kind"] = kind
    starter = new_section(kind, section.get("id", ""), section.get("heading", ""))
    for key, value in starter.items():
        section.setdefault(key, value)
    if kind not in NOTE_KINDS:
        for key in ("note", "note_hint", "note_max_length"):
            section.pop(key, None)


# --- structure: add, remove, move ----------------------------------------------------------

def new_section(kind: str, section_id: str, heading: str = "") -> dict[str, Any]:
    section: dict[str, Any] = {"id": section_id, "heading": heading, "kind": kind}
    if kind == "indicators":
        section["fields"] = [new_item("field", [])]
    elif kind == "table":
        section["columns"] = [new_item("column", [])]
        section["rows"] = [new_item("row", [])]
    return section


def new_item(what: str, existing: list[dict]) -> dict[str, Any]:
    """A blank field, column, row, group or sentence block with an id no sibling has."""
    key = "code" if what in ("row", "group") else "id"
    taken = {item.get(key) for item in existing if isinstance(item, dict)}
    prefix = {"field": "chi_tieu_", "column": "c", "row": "dong_", "group": "nhom_"}.get(what, "")
    n = len(existing) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    if what == "field":
        return {"id": f"{prefix}{n}", "label": ""}
    if what == "column":
        return {"id": f"{prefix}{n}", "headings": [""]}
    if what in ("row", "group"):
        return {"code": f"{prefix}{n}", "label": ""}
    return {"lines": []}


def next_section_id(data: Mapping[str, Any], after: int) -> str:
    """The id that follows section ``after`` and no section has: I.6.5 → I.6.6, III → IV."""
    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    taken = {s.get("id") for s in sections if isinstance(s, dict)}
    base = sections[after].get("id") if 0 <= after < len(sections) and isinstance(sections[after], dict) else None
    base = base if isinstance(base, str) and base else "I"
    head, _, last = base.rpartition(".")
    candidate = base
    for _ in range(200):
        if last.isdigit():
            last = str(int(last) + 1)
        elif last in _ROMAN[:-1]:
            last = _ROMAN[_ROMAN.index(last) + 1]
        else:
            head, last = candidate, "1"
        candidate = f"{head}.{last}" if head else last
        if candidate not in taken:
            return candidate
    return f"{base}.moi"


def add_section(data: dict, after: int, kind: str) -> tuple[dict, int]:
    """A copy with a new section of ``kind`` after section ``after`` (-1: first); its index."""
    if kind not in NEW_SECTION_KINDS:
        raise EditProblem("Chọn loại mục cần thêm.")
    data = copy.deepcopy(data)
    sections = data.setdefault("sections", [])
    if not isinstance(sections, list):
        raise EditProblem("Danh sách mục của bản nháp bị hỏng: tải lên lại tệp TOML.")
    after = max(-1, min(after, len(sections) - 1))
    sections.insert(after + 1, new_section(kind, next_section_id(data, after)))
    return data, after + 1


def remove_section(data: dict, index: int) -> dict:
    data = copy.deepcopy(data)
    _section(data, index)
    del data["sections"][index]
    return data


def move_section(data: dict, index: int, step: int) -> tuple[dict, int]:
    data = copy.deepcopy(data)
    _section(data, index)
    target = index + step
    sections = data["sections"]
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
        return data, target
    return data, index


def item_action(data: dict, index: int, action: str) -> dict:
    """"add-field", "remove-column-2", "up-row-3", "down-group-0", "add-figure" on section ``index``."""
    match = re.fullmatch(r"(add|remove|up|down)-(field|column|row|group|figure)(?:-(\d+))?", action)
    if match is None:
        raise EditProblem("Thao tác không hợp lệ. Tải lại trang.")
    verb, what, position = match.group(1), match.group(2), match.group(3)
    data = copy.deepcopy(data)
    section = _section(data, index)
    key = ITEM_LISTS[what]
    items = section.get(key)
    if not isinstance(items, list):
        items = section[key] = []
    if verb == "add":
        items.append(new_item(what, items))
        return data
    n = int(position) if position is not None else -1
    if not 0 <= n < len(items):
        raise EditProblem("Dòng này không còn trong bản nháp. Tải lại trang.")
    if verb == "remove":
        del items[n]
        if not items:
            section.pop(key)
    else:
        target = n - 1 if verb == "up" else n + 1
        if 0 <= target < len(items):
            items[n], items[target] = items[target], items[n]
    return data


def apply_top_form(data: dict, form: Mapping[str, Any]) -> dict:
    data = copy.deepcopy(data)
    shown = top_view(data)
    for key in (*_TOP_TEXT, *_TOP_CHOICE):
        if key in form:
            _set(data, key, shown[key], (form.get(key) or "").strip(), drop_blank=key in ("legal_basis", "form_code"))
    for level in LEVELS:
        for key in LEVEL_KEYS:
            name = f"level-{level}-{key}"
            posted = (form.get(name) or "").strip() if name in form else None
            if posted is None or posted == shown["levels"][level][key]:
                continue
            levels = data.setdefault("levels", {})
            if not isinstance(levels, dict):
                levels = data["levels"] = {}
            table = levels.setdefault(level, {})
            if not isinstance(table, dict):
                table = levels[level] = {}
            if posted:
                table[key] = posted
            else:
                table.pop(key, None)
                if not table:
                    levels.pop(level)
                if not levels:
                    data.pop("levels")
    return data


def apply_rule_form(data: dict, index: int, form: Mapping[str, Any]) -> dict:
    data = copy.deepcopy(data)
    rules = data.get("rules")
    if not isinstance(rules, list) or not 0 <= index < len(rules) or not isinstance(rules[index], dict):
        raise EditProblem("Quy tắc này không còn trong bản nháp. Tải lại trang.")
    if form.get("action") == "remove":
        del rules[index]
        if not rules:
            data.pop("rules")
        return data
    shown = rule_view(rules[index])
    for key in ("section", "severity", "message"):
        if key in form:
            _set(rules[index], key, shown[key], (form.get(key) or "").strip())
    return data


# --- issues beside their fields ------------------------------------------------------------

def issue_slot(path: str) -> tuple[str, int | None, str]:
    """Where the form shows a problem found at ``path``: ("section", 3, "column-2-computed"),
    ("rule", 1, "message"), ("top", None, "frequency"); the slot "" is the part's own head."""
    match = re.match(r"sections\[(\d+)\](?:\.(.*))?$", path)
    if match:
        return "section", int(match.group(1)), _section_slot(match.group(2) or "")
    match = re.match(r"rules\[(\d+)\](?:\.(\w+))?", path)
    if match:
        return "rule", int(match.group(1)), match.group(2) or ""
    top = path.split(".")[0].split("[")[0]
    return "top", None, top


def shown_slots(view: Mapping[str, Any]) -> set[str]:
    """The slots a section's form has a place for (``issue_slot``); a problem elsewhere in
    the section is shown at its head, with where it is."""
    kind = view.get("kind")
    slots = {"", "number", "id", "kind", "heading", "hint"}
    if kind == "narrative":
        slots |= {"max_length", "plans", "mandatory"}
    if kind == "heading":
        slots |= {"plans"}
    if kind in ("indicators", "satisfaction"):
        slots.add("fields")
        for n in range(len(view.get("fields", []))):
            slots |= {f"field-{n}"} | {f"field-{n}-{k}" for k in ("id", "label", "role", "kind", "consolidate", "of")}
    if kind == "table":
        slots |= {"rows_source", "unit_label", "columns", "rows", "groups"}
        for n in range(len(view.get("columns", []))):
            slots |= {f"column-{n}"} | {f"column-{n}-{k}" for k in ("id", "number", "headings", "computed")}
        for n in range(len(view.get("rows", []))):
            slots |= {f"row-{n}"} | {f"row-{n}-{k}" for k in ("code", "label", "group")}
        for n in range(len(view.get("groups", []))):
            slots |= {f"group-{n}-code", f"group-{n}-label"}
    if view.get("takes_note"):
        slots |= {"note", "note_hint", "note_max_length"}
    if kind in ("indicators", "table", "satisfaction"):
        for n in range(len(view.get("figures", []))):
            slots |= {f"figure-{n}", f"figure-{n}-lines"}
    return slots


def _section_slot(rest: str) -> str:
    match = re.match(r"(fields|columns|rows|groups|figures)\[(\d+)\](?:\.(\w+))?", rest)
    if match:
        what = {v: k for k, v in ITEM_LISTS.items()}[match.group(1)]
        key = match.group(3)
        return f"{what}-{match.group(2)}-{key}" if key else f"{what}-{match.group(2)}"
    return rest.split(".")[0].split("[")[0]


# --- two versions side by side -------------------------------------------------------------

@dataclass
class SectionChange:
    """One row of the side-by-side page: a section in the older and/or the newer version."""

    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
    changes: list[str] = field(default_factory=list)  # Vietnamese, "Thêm chỉ tiêu “…”"

    @property
    def state(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if self.changes else "same"


@dataclass
class VersionComparison:
    sections: list[SectionChange]
    general: list[str]  # title, period, rules

    @property
    def counts(self) -> dict[str, int]:
        found = {"added": 0, "removed": 0, "changed": 0}
        for row in self.sections:
            if row.state in found:
                found[row.state] += 1
        return found


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> VersionComparison:
    """What changed from ``old`` to ``new``: sections added, removed, renamed, renumbered or
    re-limited, and inside them the indicators, columns and rows added, removed, renamed."""
    old_sections = {s.get("id"): s for s in _items(old, "sections")}
    new_list = _items(new, "sections")
    new_ids = {s.get("id") for s in new_list}
    rows: list[SectionChange] = []
    # The older version's sections that are gone, placed after the section they followed.
    gone_after: dict[Any, list[Mapping[str, Any]]] = {}
    previous = None
    for section in _items(old, "sections"):
        if section.get("id") not in new_ids:
            gone_after.setdefault(previous, []).append(section)
        else:
            previous = section.get("id")
    rows.extend(SectionChange(s, None) for s in gone_after.get(None, []))
    for section in new_list:
        before = old_sections.get(section.get("id"))
        rows.append(SectionChange(before, section, _section_changes(before, section) if before is not None else []))
        rows.extend(SectionChange(s, None) for s in gone_after.get(section.get("id"), []))
    general = []
    for key, label in (("title", "Tên mẫu"), ("legal_basis", "Căn cứ"), ("form_code", "Số hiệu biểu")):
        if old.get(key, "") != new.get(key, ""):
            general.append(f"{label}: “{_text(old.get(key, ''))}” → “{_text(new.get(key, ''))}”")
    for key, label in (("frequency", "Kỳ báo cáo"), ("period_convention", "Cách tính kỳ")):
        if old.get(key) != new.get(key):
            general.append(f"{label} đổi")
    old_levels = old.get("levels") if isinstance(old.get("levels"), Mapping) else {}
    new_levels = new.get("levels") if isinstance(new.get("levels"), Mapping) else {}
    for level in LEVELS:
        if old_levels.get(level) != new_levels.get(level):
            general.append(f"Đổi cách viết: {LEVEL_LABELS[level].lower()} (câu mở đầu, căn cứ hoặc nơi nhận)")
    old_rules = {r.get("id"): r for r in _items(old, "rules")}
    new_rules = {r.get("id"): r for r in _items(new, "rules")}
    for ident in new_rules.keys() - old_rules.keys():
        general.append(f"Thêm quy tắc kiểm tra “{ident}”")
    for ident in old_rules.keys() - new_rules.keys():
        general.append(f"Bỏ quy tắc kiểm tra “{ident}”")
    for ident in sorted(new_rules.keys() & old_rules.keys(), key=str):
        if new_rules[ident] != old_rules[ident]:
            general.append(f"Quy tắc “{ident}” đổi (mức, giới hạn hoặc thông báo)")
    return VersionComparison(rows, general)


def _section_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes = []
    if old.get("heading") != new.get("heading"):
        changes.append(f"Đổi tên: “{_text(old.get('heading'))}” → “{_text(new.get('heading'))}”")
    number = (old.get("number") or default_number(str(old.get("id", "")))), (new.get("number") or default_number(str(new.get("id", ""))))
    if number[0] != number[1]:
        changes.append(f"Đổi số thứ tự: {number[0]} → {number[1]}")
    if old.get("kind") != new.get("kind"):
        changes.append(f"Đổi loại: {SECTION_KIND_LABELS.get(old.get('kind'), old.get('kind'))} → "
                       f"{SECTION_KIND_LABELS.get(new.get('kind'), new.get('kind'))}")
    for key, label, default in (("max_length", "Giới hạn nội dung", DEFAULT_MAX_LENGTH),
                                ("note_max_length", "Giới hạn thuyết minh", DEFAULT_NOTE_MAX_LENGTH)):
        if old.get(key, default) != new.get(key, default):
            changes.append(f"{label}: {_count(old.get(key, default))} → {_count(new.get(key, default))} ký tự")
    if bool(old.get("note")) != bool(new.get("note")):
        changes.append("Thêm thuyết minh" if new.get("note") else "Bỏ thuyết minh")
    for key in ("hint", "note_hint"):
        if old.get(key, "") != new.get(key, ""):
            changes.append("Đổi gợi ý thuyết minh" if key == "note_hint" else "Đổi gợi ý")
    for key, noun, ident, label in (("fields", "chỉ tiêu", "id", "label"), ("columns", "cột", "id", "headings"),
                                    ("rows", "dòng", "code", "label"), ("groups", "nhóm dòng", "code", "label")):
        changes.extend(_item_changes(_items(old, key), _items(new, key), noun, ident, label))
    if [f.get("lines") for f in _items(old, "figures")] != [f.get("lines") for f in _items(new, "figures")]:
        changes.append("Đổi câu viết số liệu")
    return changes


def _item_changes(old: list, new: list, noun: str, ident: str, label: str) -> list[str]:
    def name(item) -> str:
        value = item.get(label)
        return " / ".join(map(str, value)) if isinstance(value, list) else _text(value)

    before = {item.get(ident): item for item in old}
    after = {item.get(ident): item for item in new}
    changes = [f"Thêm {noun} “{name(item)}”" for key, item in after.items() if key not in before]
    changes += [f"Bỏ {noun} “{name(item)}”" for key, item in before.items() if key not in after]
    for key, item in after.items():
        if key in before and name(before[key]) != name(item):
            changes.append(f"Đổi tên {noun}: “{name(before[key])}” → “{name(item)}”")
        if key in before and noun == "chỉ tiêu" and before[key].get("consolidate", "sum") != item.get("consolidate", "sum"):
            changes.append(f"Đổi cách tổng hợp của {noun} “{name(item)}”")
        if key in before and noun == "cột" and before[key].get("computed") != item.get("computed"):
            changes.append(f"Đổi cách tính cột “{name(item)}”")
    return changes


def _count(value: Any) -> str:
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else _text(value)


# --- a province's variant keeps its parent's sections ----------------------------------------

def variant_problems(parent: Mapping[str, Any], variant: Mapping[str, Any]) -> list[str]:
    """Why ``variant`` is not a variant of ``parent``: a variant adds sections, but keeps every
    section of the parent, with its number, kind and order, so that a consolidation sent up
    still maps onto the parent's report."""
    problems = []
    mine = {s.get("id"): (n, s) for n, s in enumerate(_items(variant, "sections"))}
    last = -1
    for section in _items(parent, "sections"):
        ident = section.get("id")
        heading = _text(section.get("heading"))
        number = section.get("number") or default_number(str(ident))
        if ident not in mine:
            problems.append(f"Thiếu mục {number} “{heading}” của mẫu cấp trên: mẫu của đơn vị chỉ được thêm mục, "
                            "không được bỏ mục của cấp trên. Thêm lại mục này.")
            continue
        position, own = mine[ident]
        if (own.get("number") or default_number(str(ident))) != number:
            problems.append(f"Mục “{heading}” phải giữ số thứ tự {number} như mẫu cấp trên.")
        if own.get("kind") != section.get("kind"):
            problems.append(f"Mục {number} “{heading}” phải giữ loại {SECTION_KIND_LABELS.get(section.get('kind'), '')} "
                            "như mẫu cấp trên.")
        if position < last:
            problems.append(f"Mục {number} “{heading}” phải giữ thứ tự như mẫu cấp trên.")
        last = max(last, position)
    return problems
