"""Checking a report template an administrator uploads: every error, with its line, in Vietnamese.

The loader (``templates._Loader``) stops at the first problem. To show them all, the check
runs it again and again, each time setting aside the part that failed — a section is
replaced by an empty heading, a rule is dropped, an unknown key removed — and reports the
problem against the line of the TOML text the key path points to. Rules that name a
section already reported broken are not reported again. Nothing here runs uploaded text:
it is parsed as TOML, and its messages are filled by ``validation.fill`` only.
"""
from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from .templates import (
    MAX_BRACKET_DEPTH,
    MAX_NESTING,
    ReportTemplate,
    TemplateError,
    TemplateTooDeep,
    _Loader,
    parse_source,
)

MAX_ISSUES = 100
SOURCE = "mẫu"
_TOP_DEFAULTS: dict[str, Any] = {
    "code": "mau", "version": 1, "title": "Mẫu", "frequency": "quarter", "period_convention": "decree09", "sections": [],
}
_SEGMENT = re.compile(r"([A-Za-z_][\w-]*)(?:\[(\d+)\])?")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w.\"-]+)\s*\]\]?\s*(#.*)?$")
_MESSAGE_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_RULE_MESSAGES = ("message", "index_message", "total_message")


@dataclass(frozen=True)
class TemplateIssue:
    line: int | None  # 1-based line of the TOML text, when it can be found
    where: str  # "mục I.4 “Tình hình…” › cột (3) “Tổng số” › cộng từ các cột": labels, as the form shows them
    message: str  # Vietnamese, saying what to do
    path: str = ""  # "sections[4].columns[0].computed": where the form editor shows it, beside that field


@dataclass(frozen=True)
class TemplateCheck:
    template: ReportTemplate | None  # None unless there is no issue at all
    issues: tuple[TemplateIssue, ...]

    @property
    def ok(self) -> bool:
        return self.template is not None and not self.issues


# --- the budget ------------------------------------------------------------------------
# A template's size decides what every report page, consolidation and export of its rounds
# costs, so the check refuses, before anything is built from it, a template larger than a
# report ever needs. The shipped templates use at most: 19.374 characters, 28 sections,
# 9 rules, 15 indicators in a section, 12 columns in a table, 540 input cells as counted
# here, 26 figure lines, strings of 505 characters, 6 levels of nesting.
# bench/template_budget.py times the largest template these limits accept.
CATALOGUE_ROWS = 60  # a catalogue table counts as this many rows: a commune lists 15–40 fields


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    what: str  # Vietnamese, for the refusal and the admin page ("ô nhập số liệu")


BUDGET = (
    Limit("text", 100_000, "ký tự trong cả mẫu"),
    Limit("sections", 120, "mục"),
    Limit("rules", 100, "quy tắc kiểm tra"),
    Limit("fields", 60, "chỉ tiêu trong một mục"),
    Limit("columns", 30, "cột trong một bảng"),
    Limit("rows", 200, "dòng trong một bảng"),
    Limit("cells", 2_400, "ô nhập số liệu trong cả mẫu (bảng lấy dòng theo lĩnh vực tính "
                          f"{CATALOGUE_ROWS} dòng)"),
    Limit("figure_lines", 400, "câu viết số liệu trong cả mẫu"),
    Limit("string", 2_000, "ký tự trong một ô chữ (tiêu đề, gợi ý, câu viết…)"),
    Limit("nesting", MAX_NESTING, "cấp lồng nhau của bảng và danh sách"),
)
LIMITS = {limit.name: limit for limit in BUDGET}
MAX_SOURCE = LIMITS["text"].limit


def budget_text() -> str:
    """The limits as the admin page states them: "tối đa 120 mục, 100 quy tắc kiểm tra, …"."""
    return "; ".join(f"{_number(limit.limit)} {limit.what}" for limit in BUDGET)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _over(name: str, found: int) -> str:
    limit = LIMITS[name]
    return (f"Mẫu vượt giới hạn: {_number(found)} {limit.what}, tối đa {_number(limit.limit)}. "
            "Hãy tách thành nhiều mục hoặc nhiều mẫu nhỏ hơn.")


def check_budget(data: dict, text: str) -> list[TemplateIssue]:
    """Sizes over the budget, counted on the parsed data without building anything from it."""
    issues: list[TemplateIssue] = []
    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    if len(sections) > LIMITS["sections"].limit:
        issues.append(TemplateIssue(None, "", _over("sections", len(sections))))
    if len(rules) > LIMITS["rules"].limit:
        issues.append(TemplateIssue(None, "", _over("rules", len(rules))))
    cells = lines = 0
    for i, section in enumerate(sections):
        if not isinstance(section, dict):
            continue
        where = _section_name(section, i)
        fields = section.get("fields") if isinstance(section.get("fields"), list) else []
        columns = section.get("columns") if isinstance(section.get("columns"), list) else []
        rows = section.get("rows") if isinstance(section.get("rows"), list) else []
        for name, items in (("fields", fields), ("columns", columns), ("rows", rows)):
            if len(items) > LIMITS[name].limit:
                issues.append(TemplateIssue(locate(text, f"sections[{i}]"), where, _over(name, len(items)), f"sections[{i}].{name}"))
        inputs = sum(1 for c in columns if not (isinstance(c, dict) and c.get("computed")))
        counted_rows = CATALOGUE_ROWS if section.get("rows_source") == "catalogue" else len(rows)
        cells += len(fields) + inputs * counted_rows
        for block in section.get("figures") if isinstance(section.get("figures"), list) else []:
            if isinstance(block, dict) and isinstance(block.get("lines"), list):
                lines += len(block["lines"])
    if cells > LIMITS["cells"].limit:
        issues.append(TemplateIssue(None, "", _over("cells", cells)))
    if lines > LIMITS["figure_lines"].limit:
        issues.append(TemplateIssue(None, "", _over("figure_lines", lines)))
    longest = _longest_string(data)
    if longest > LIMITS["string"].limit:
        issues.append(TemplateIssue(None, "", _over("string", longest)))
    return issues


def _section_name(section: dict, index: int) -> str:
    ident = section.get("id")
    heading = section.get("heading")
    name = f"mục {ident}" if isinstance(ident, str) and ident else f"mục thứ {index + 1}"
    return f"{name} “{heading}”" if isinstance(heading, str) and heading else name


def _longest_string(data: Any) -> int:
    longest, stack = 0, [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            longest = max(longest, len(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
            stack.extend(value.keys())
        elif isinstance(value, list):
            stack.extend(value)
    return longest


def parse_checked(text: str) -> tuple[dict | None, list[TemplateIssue]]:
    """The text as data, or the reasons it cannot be: too long, nested too deep, not TOML, over
    the budget. Cheap and bounded: runs before the loader or any preview."""
    if len(text) > MAX_SOURCE:
        return None, [TemplateIssue(None, "", _over("text", len(text)))]
    try:
        data = parse_source(text, SOURCE)
    except TemplateTooDeep as exc:
        return None, [TemplateIssue(exc.line, "", f"Mẫu lồng nhau quá sâu (tối đa {exc.limit} cấp"
                                                  f"{' ngoặc' if exc.limit == MAX_BRACKET_DEPTH else ''}). "
                                                  "Hãy viết phẳng hơn, như các mẫu có sẵn.")]
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_issue(exc, text)]
    issues = check_budget(data, text)
    return (None if issues else data), issues


def _syntax_issue(exc: tomllib.TOMLDecodeError, text: str) -> TemplateIssue:
    """"Lỗi cú pháp ở dòng N: …"; an error at the end of the text is on its last line."""
    found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
    line = int(found.group(1)) if found else len(text.rstrip("\n").splitlines()) or 1
    detail = re.sub(r"\(((?:'[^']*',? ?)+)\)", lambda m: ".".join(re.findall(r"'([^']*)'", m.group(1))), detail)
    return TemplateIssue(line, "", f"Lỗi cú pháp ở dòng {line}: {_translate_syntax(detail)}.")


def check_template_source(text: str) -> TemplateCheck:
    """Parse and check an uploaded template; every problem found, with its line."""
    data, refused = parse_checked(text)
    if data is None:
        return TemplateCheck(None, tuple(refused))
    issues = _message_issues(data, text)
    work = copy.deepcopy(data)
    rules_index = list(range(len(work["rules"]))) if isinstance(work.get("rules"), list) else []
    broken: set[str] = set()
    template = None
    for _ in range(MAX_ISSUES):
        try:
            template = _Loader(SOURCE).template(work, text)
            break
        except TemplateError as exc:
            path, message = _split(str(exc))
            before = repr(work)
            report = _set_aside(work, path, message, rules_index, broken)
            if report is not None:
                pointed = _pointed(report, message)
                issues.append(TemplateIssue(locate(text, pointed), _where(report, data), _translate(message, report),
                                            pointed))
            if repr(work) == before:  # nothing left to set aside: stop here
                break
    if issues:
        template = None
    return TemplateCheck(template, tuple(sorted(issues, key=lambda i: (i.line is None, i.line or 0))))


def _pointed(path: str, message: str) -> str:
    """An unknown key is reported on its own line, not its table's."""
    unknown = re.match(r"has unknown key '([^']*)'", message)
    return f"{path}.{unknown.group(1)}" if unknown and path else (unknown.group(1) if unknown else path)


def _split(error: str) -> tuple[str, str]:
    """"mẫu: sections[3].kind must be one of …" → ("sections[3].kind", "must be one of …")."""
    rest = error.split(": ", 1)[1] if error.startswith(f"{SOURCE}: ") else error
    head, _, tail = rest.partition(" ")
    if tail and _SEGMENT.fullmatch(head.split(".")[0]) and ("[" in head or "." in head or head in _TOP_DEFAULTS
                                                          or head in ("legal_basis", "reporting_kinds", "form_code",
                                                                      "rules", "wording", "levels")):
        return head, tail
    return "", rest


def _segments(path: str) -> list[tuple[str, int | None]]:
    found = []
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            found.append((part, None))
        else:
            found.append((match.group(1), int(match.group(2)) if match.group(2) is not None else None))
    return found


def _set_aside(work: dict, path: str, message: str, rules_index: list[int], broken: set[str]) -> str | None:
    """Remove what failed so the next run goes further; returns the path to report (None to
    stay silent: a rule about a section already reported)."""
    segments = _segments(path) if path else []
    unknown = re.match(r"has unknown key '([^']*)'", message)
    if segments and segments[0][0] == "sections" and segments[0][1] is not None and isinstance(work.get("sections"), list):
        index = segments[0][1]
        section = work["sections"][index]
        if unknown and len(segments) == 1 and isinstance(section, dict):
            section.pop(unknown.group(1), None)
            return path
        original = section.get("id") if isinstance(section, dict) else None
        if isinstance(original, str):
            broken.add(original)
        work["sections"][index] = {"id": f"_loi{index}", "kind": "heading", "heading": "—"}
        return path
    if segments and segments[0][0] == "rules" and segments[0][1] is not None and isinstance(work.get("rules"), list):
        index = segments[0][1]
        rule = work["rules"].pop(index)
        original = rules_index.pop(index)
        if isinstance(rule, dict) and (rule.get("section") in broken or any(f"'{b}" in message for b in broken)):
            return None
        return f"rules[{original}]" + path[len(f"rules[{index}]"):]
    if unknown:
        container = _resolve(work, segments)
        if isinstance(container, dict):
            container.pop(unknown.group(1), None)
        return path
    if not segments:
        missing = re.search(r"missing required key '([^']*)'", message)
        if missing and missing.group(1) in _TOP_DEFAULTS:
            work[missing.group(1)] = copy.deepcopy(_TOP_DEFAULTS[missing.group(1)])
        return path
    top = segments[0][0]
    if top in _TOP_DEFAULTS and len(segments) == 1:
        work[top] = copy.deepcopy(_TOP_DEFAULTS[top])
        return path
    # Anything deeper (wording, figures …): drop the innermost key named.
    parent = _resolve(work, segments[:-1])
    name = segments[-1][0]
    if isinstance(parent, dict) and name in parent:
        parent.pop(name)
    else:
        work.pop(top, None)
    return path


def _resolve(data: Any, segments: list[tuple[str, int | None]]) -> Any:
    current = data
    for name, index in segments:
        if not isinstance(current, dict) or name not in current:
            return None
        current = current[name]
        if index is not None:
            if not isinstance(current, list) or index >= len(current):
                return None
            current = current[index]
    return current


def _where(path: str, data: dict, rules_index: list[int] | None = None) -> str:
    """"sections[3].columns[2].computed" → "mục I.4 “Tình hình…” › cột (3) “Tổng số” › cộng từ các cột":
    what the officer sees on the form, never the TOML path."""
    if not path:
        return ""
    parts: list[str] = []
    current: Any = data
    for name, index in _segments(path):
        if not parts and index is None and name in _TOP_KEY_LABELS:
            parts.append(_TOP_KEY_LABELS[name])
            current = None
            continue
        container = current.get(name) if isinstance(current, dict) else None
        item = container[index] if (index is not None and isinstance(container, list) and index < len(container)) else None
        if index is None:
            if isinstance(current, dict) and name in _NAMED_TABLES and isinstance(container, dict):
                parts.append(_KEY_LABELS.get(name, name))
            elif parts and parts[-1] == _KEY_LABELS.get("ratios"):
                ratio = container if isinstance(container, dict) else {}
                label = ratio.get("label")
                parts[-1] = f"tỷ lệ “{label}”" if isinstance(label, str) and label else f"tỷ lệ “{name}”"
            else:
                parts.append(_label(name))
            current = container
            continue
        parts.append(_item_label(name, index, item))
        current = item
    return " › ".join(parts)


def _item_label(name: str, index: int, item: Any) -> str:
    """One element of a list, by its own label: "chỉ tiêu “Tổng số phản ánh”", "dòng “Hộ tịch”"."""
    get = item.get if isinstance(item, dict) else (lambda _key: None)

    def text(key: str) -> str | None:
        value = get(key)
        return value if isinstance(value, str) and value.strip() else None

    if name == "sections":
        ident, heading = text("id"), text("heading")
        base = f"mục {ident}" if ident else f"mục thứ {index + 1}"
        return f"{base} “{heading}”" if heading else base
    if name == "rules":
        return f"quy tắc “{text('id')}”" if text("id") else f"quy tắc thứ {index + 1}"
    if name == "columns":
        headings = get("headings")
        last = headings[-1] if isinstance(headings, list) and headings and isinstance(headings[-1], str) else None
        number = text("number")
        label = f"cột {number}" if number else f"cột thứ {index + 1}"
        return f"{label} “{last}”" if last else label
    noun = {"fields": "chỉ tiêu", "rows": "dòng", "groups": "nhóm dòng", "ratings": "mức xếp loại"}.get(name)
    if noun:
        label = text("label")
        return f"{noun} “{label}”" if label else f"{noun} thứ {index + 1}"
    if name == "figures":
        return f"đoạn viết số liệu thứ {index + 1}"
    if name == "lines":
        return f"câu thứ {index + 1}"
    return f"{_KEY_LABELS.get(name, name)} (thứ {index + 1})"


_NAMED_TABLES = {"wording", "ratios"}
# The name of every key as the form editor labels it.
_KEY_LABELS = {
    "code": "mã", "version": "phiên bản", "title": "tên mẫu", "legal_basis": "căn cứ pháp lý", "frequency": "kỳ báo cáo",
    "period_convention": "cách tính kỳ", "reporting_kinds": "loại đơn vị báo cáo", "form_code": "số hiệu biểu",
    "sections": "danh sách mục", "rules": "quy tắc kiểm tra", "wording": "cách viết so sánh",
    "id": "mã", "number": "số thứ tự", "heading": "tiêu đề", "kind": "loại", "fields": "chỉ tiêu", "columns": "cột",
    "rows": "dòng", "groups": "nhóm dòng", "rows_source": "nguồn dòng", "max_length": "số ký tự tối đa", "hint": "gợi ý",
    "label_headings": "tiêu đề cột STT và cột tên", "unit_label": "đơn vị tính", "ratios": "tỷ lệ",
    "ratings": "mức xếp loại", "plans": "phương hướng kỳ tới", "mandatory": "luôn in", "figures": "đoạn viết số liệu",
    "problems": "nơi nêu khó khăn", "overdue": "cột hồ sơ quá hạn", "note": "thuyết minh", "note_hint": "gợi ý thuyết minh",
    "note_max_length": "số ký tự tối đa của thuyết minh", "label": "tên", "role": "vai trò",
    "consolidate": "cách tổng hợp", "of": "so với chỉ tiêu", "headings": "tiêu đề cột", "computed": "cộng từ các cột",
    "group": "nhóm", "num": "tử số", "den": "mẫu số", "min": "điểm tối thiểu", "lines": "các câu", "scope": "phạm vi",
    "when": "khi nào viết", "if_nonzero": "chỉ viết khi khác 0", "if_zero": "chỉ viết khi bằng 0", "noun": "danh từ đếm",
    "severity": "mức độ", "section": "mục áp dụng", "message": "thông báo", "left": "vế trái", "right": "vế phải",
    "total": "tổng", "parts": "các phần", "column": "cột", "previous_column": "cột kỳ trước", "factor": "hệ số",
    "floor": "ngưỡng", "value": "giá trị", "limit": "giới hạn", "max_total": "tổng điểm tối đa",
    "index_message": "thông báo chỉ số", "total_message": "thông báo tổng",
    "levels": "cách viết theo cấp", "opening": "câu mở đầu", "recipient": "kính gửi",
    "central": "báo cáo của trung ương", "province": "báo cáo của tỉnh", "district": "báo cáo của huyện", "commune": "báo cáo của xã",
    "office": "báo cáo của phòng, ban",
}
_TOP_KEY_LABELS = {"code": "mã mẫu"}


def _message_issues(data: dict, text: str) -> list[TemplateIssue]:
    """Rule messages may hold only {name} placeholders: no attributes, indexes or formats."""
    issues = []
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        for key in _RULE_MESSAGES:
            message = rule.get(key)
            if not isinstance(message, str):
                continue
            for match in _MESSAGE_PLACEHOLDER.finditer(message):
                inner = match.group(1)
                if inner is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", inner):
                    path = f"rules[{i}].{key}"
                    issues.append(TemplateIssue(locate(text, path), _where(path, data),
                                                f"chỗ điền {{{inner}}} không hợp lệ: chỉ dùng dạng {{tên}} "
                                                "(chữ không dấu, số, gạch dưới)", path))
    return issues


# --- lines -------------------------------------------------------------------------------

def locate(text: str, path: str) -> int | None:
    """The 1-based line of ``text`` a key path points to, or of the nearest enclosing table."""
    lines = text.splitlines()
    headers = [(n, m.group(1) == "[[", m.group(2).replace('"', "")) for n, line in enumerate(lines)
               if (m := _HEADER.match(line))]
    first_header = headers[0][0] if headers else len(lines)
    lo, hi, prefix, best = 0, len(lines), "", None
    for depth, (name, index) in enumerate(_segments(path) if path else []):
        full = f"{prefix}.{name}" if prefix else name
        blocks = [n for n, is_array, header in headers if lo <= n < hi and header == full and is_array == (index is not None)]
        if blocks and (index is None or index < len(blocks)):
            start = blocks[index or 0]
            end = next((n for n, _, header in headers if n > start and (header == full or not header.startswith(full + "."))),
                       len(lines))
            lo, hi, prefix, best = start, min(end, hi), full, start + 1
            continue
        key = _key_line(lines, name, lo, first_header if depth == 0 else hi)
        if key is None:
            break
        best, lo = key + 1, key
        if index is not None:
            opening = [n for n in range(key, hi) if lines[n].lstrip().startswith("{") or (n == key and "{" in lines[n])]
            if index < len(opening):
                best = opening[index] + 1
                lo, hi = opening[index], opening[index] + 1
                continue
        lo, hi = key, key + 1
    return best


def _key_line(lines: list[str], name: str, lo: int, hi: int) -> int | None:
    pattern = re.compile(rf"""^\s*(?:{re.escape(name)}|"{re.escape(name)}")\s*=""")
    inline = re.compile(rf"""[{{,]\s*(?:{re.escape(name)}|"{re.escape(name)}")\s*=""")
    for n in range(lo, min(hi, len(lines))):
        if pattern.match(lines[n]) or inline.search(lines[n]):
            return n
    return None


# --- Vietnamese --------------------------------------------------------------------------

_TYPES = {"str": "chữ", "int": "số nguyên", "float": "số", "list": "danh sách", "dict": "bảng", "bool": "có/không",
          "tuple": "danh sách", "int/float": "số"}
_WHAT = {"section id": "mã mục", "rule id": "mã quy tắc", "field id": "mã chỉ tiêu", "column id": "mã cột",
         "row code": "mã dòng", "group code": "mã nhóm"}
_NAMED = {"column or field": "cột hoặc chỉ tiêu", "column": "cột", "field": "chỉ tiêu", "section": "mục", "group": "nhóm dòng",
          "ratio": "tỷ lệ", "survey level": "mức khảo sát"}
_WORDING_NAMES = {"increase_year": "tăng so với cùng kỳ", "decrease_year": "giảm so với cùng kỳ",
                  "same_year": "bằng cùng kỳ", "increase_previous": "tăng so với kỳ trước",
                  "decrease_previous": "giảm so với kỳ trước", "same_previous": "bằng kỳ trước"}
# The choices of a key, as the form's lists name them (the TOML value in brackets, for a file).
_CHOICE_LABELS = {
    "month": "Tháng", "quarter": "Quý", "half": "6 tháng", "nine_months": "9 tháng", "year": "Năm", "adhoc": "Đột xuất",
    "decree09": "theo Nghị định 09/2019", "calendar": "theo tháng dương lịch",
    "heading": "Tiêu đề nhóm", "narrative": "Nội dung viết", "indicators": "Chỉ tiêu", "table": "Bảng số liệu",
    "documents": "Văn bản đã ban hành", "satisfaction": "Khảo sát mức độ hài lòng", "directives": "Theo dõi chỉ đạo",
    "sum": "cộng lại", "catalogue": "quy mô danh mục (không cộng)", "attainment": "đạt so với quy mô (đếm đơn vị đạt)",
    "error": "lỗi", "warning": "cảnh báo", "fixed": "dòng cố định", "count": "số đếm", "score": "điểm",
    "forms": "số phiếu", "level": "mức", "index": "chỉ số", "always": "luôn viết", "unit": "báo cáo của đơn vị",
    "consolidated": "báo cáo tổng hợp", "mixed": "tổng hợp nhiều loại đơn vị", "total": "toàn bảng", "row": "từng dòng",
    "balance": "cân đối", "sum_equals": "tổng bằng các phần", "carry_over": "chuyển kỳ", "outlier": "bất thường",
    "at_most": "không vượt quá",
}
_FIX = "Sửa lại cho đúng rồi lưu."


def _choices(text: str) -> str:
    return ", ".join(f"{_CHOICE_LABELS[c]} ({c})" if c in _CHOICE_LABELS else c for c in text.split(", "))


def _label(key: str) -> str:
    return _WORDING_NAMES.get(key) or _KEY_LABELS.get(key, key)


_MESSAGES: list[tuple[str, Any]] = [
    (r"(?:is )?missing required key '(.+)'", lambda m: f"chưa có {_label(m[1])}: hãy nhập {_label(m[1])}."),
    (r"has unknown key '(.+)'",
     lambda m: f"có thông tin '{m[1]}' không dùng được trong mẫu: kiểm tra chính tả hoặc xóa dòng đó."),
    (r"must be one of (.+), got '(.*)'",
     lambda m: f"giá trị '{m[2]}' không dùng được: chọn một trong {_choices(m[1])}."),
    (r"must be ([\w/]+), got (\w+)",
     lambda m: f"phải là {_TYPES.get(m[1], m[1])}, không phải {_TYPES.get(m[2], m[2])}. {_FIX}"),

    (r"duplicates (.+) '(.+)'",
     lambda m: f"{_WHAT.get(m[1], m[1])} '{m[2]}' đã dùng ở trên: đặt {_WHAT.get(m[1], m[1])} khác."),
    (r"(?:\{.*\} )?names unknown (column or field|column|field|section|group|ratio|survey level) '(.+)'",
     lambda m: f"nhắc đến {_NAMED[m[1]]} '{m[2]}' không có trong mẫu: chọn {_NAMED[m[1]]} đã có hoặc xóa tên này."),
    (r"uses unknown placeholder \{?'?\{(.+)\}'?\}?",
     lambda m: f"chỗ điền {{{m[1]}}} không có: sửa tên chỗ điền hoặc xóa nó."),
    (r"may only sum input columns, not '(.+)'",
     lambda m: f"chỉ được cộng các cột nhập số liệu; cột '{m[1]}' là cột tự tính: bỏ nó khỏi danh sách cộng."),
    (r"'(.+)' must be dotted parts like 'I.5.5'",
     lambda m: f"mã mục '{m[1]}' không đúng dạng: viết như I, I.5 hoặc I.5.5 (không để trống giữa hai dấu chấm)."),
    (r"'(.+)' is not a usable (row code|group code|column id|field id)",
     lambda m: f"'{m[1]}' không dùng được làm {_WHAT.get(m[2], m[2])}: chỉ dùng chữ không dấu, số, gạch dưới "
               "(không bắt đầu bằng gạch dưới)."),
    (r"is a table without columns", lambda m: "bảng chưa có cột nào: thêm ít nhất một cột."),
    (r"is an indicators section without fields", lambda m: "mục chỉ tiêu chưa có chỉ tiêu nào: thêm ít nhất một chỉ tiêu."),
    (r"is a table with fixed rows but no rows",
     lambda m: "bảng dòng cố định chưa có dòng nào: thêm dòng, hoặc chọn lấy dòng theo danh mục lĩnh vực."),
    (r"takes rows from the catalogue and must not list rows",
     lambda m: "bảng lấy dòng theo danh mục lĩnh vực không tự liệt kê dòng: xóa các dòng hoặc chọn dòng cố định."),
    (r"must be listed from the best rating down", lambda m: "xếp lại các mức từ mức điểm cao nhất xuống."),
    (r"must be at least 1", lambda m: "phải từ 1 trở lên: nhập một số lớn hơn 0."),
    (r"belongs to table, indicators or satisfaction sections, not (\w+)",
     lambda m: f"chỉ mục bảng số liệu, chỉ tiêu hoặc khảo sát mới có thuyết minh (mục này là {_CHOICE_LABELS.get(m[1], m[1])}): "
               "bỏ chọn thuyết minh."),
    (r"is only used with note = true", lambda m: "chỉ dùng khi mục có thuyết minh: bật thuyết minh hoặc xóa giá trị này."),
    (r"'(.+)' is a (\w+) section; (\w+) needs (.+)",
     lambda m: f"mục '{m[1]}' là loại {_CHOICE_LABELS.get(m[2], m[2])}; quy tắc {_CHOICE_LABELS.get(m[3], m[3])} cần mục "
               f"{' hoặc '.join(_CHOICE_LABELS.get(k, k) for k in m[4].split(' or '))}: chọn mục khác."),
    (r"'(.+)' must be a catalogue size",
     lambda m: f"chỉ tiêu '{m[1]}' phải có cách tổng hợp là quy mô danh mục: đổi cách tổng hợp của nó hoặc chọn chỉ tiêu khác."),
    (r"is only used with consolidate = 'attainment'",
     lambda m: "chỉ dùng khi cách tổng hợp là đạt so với quy mô: xóa giá trị này hoặc đổi cách tổng hợp."),
    (r"must have 1 to 3 header levels", lambda m: "tiêu đề cột có từ 1 đến 3 tầng: mỗi tầng một dòng."),
    (r"needs exactly one field with role 'forms'", lambda m: "khảo sát cần đúng một chỉ tiêu số phiếu."),
    (r"needs fields with role 'level'", lambda m: "khảo sát cần các chỉ tiêu mức đánh giá."),
    (r"must be 'score' for an index", lambda m: "chỉ số khảo sát phải có kiểu điểm."),
    (r"must be 'count'", lambda m: "số phiếu và các mức phải có kiểu số đếm."),
    (r"needs a role \(forms, level or index\)", lambda m: "chỉ tiêu khảo sát cần vai trò: số phiếu, mức hoặc chỉ số."),
    (r"is only used in satisfaction sections", lambda m: "vai trò chỉ dùng trong mục khảo sát: xóa vai trò."),
    (r"figures belong to table, indicators or satisfaction sections, not (\w+)",
     lambda m: "chỉ mục bảng số liệu, chỉ tiêu hoặc khảo sát mới có đoạn viết số liệu: xóa đoạn này."),
    (r"must be total, ungrouped, group:<code> or kind:<kind>, got '(.*)'",
     lambda m: f"phạm vi '{m[1]}' không dùng được: ghi total, ungrouped, group:<mã nhóm> hoặc kind:<loại đơn vị>."),
    (r"row groups exist in tables only", lambda m: "chỉ bảng số liệu mới có nhóm dòng: dùng phạm vi total."),
    (r"a survey is written out for the total only", lambda m: "khảo sát chỉ viết cho toàn bộ: dùng phạm vi total."),
    (r"\{(.+)\} needs a catalogue or attainment field",
     lambda m: f"chỗ điền {{{m[1]}}} cần một chỉ tiêu quy mô danh mục hoặc đạt so với quy mô."),
    (r"\{(.+)\} belongs to a satisfaction section", lambda m: f"chỗ điền {{{m[1]}}} chỉ dùng trong mục khảo sát."),
    (r"is not a valid message: .*", lambda m: "thông báo có dấu { } không đúng: chỗ điền viết dạng {tên}."),
    (r"'(.+)' is not a key", lambda m: f"'{m[1]}' không phải là một ô số liệu: ghi mã chỉ tiêu hoặc mã mục/dòng/cột."),
    (r"'(.+)' points into a (\w+) section, not a table",
     lambda m: f"'{m[1]}' trỏ vào mục loại {_CHOICE_LABELS.get(m[2], m[2])}, không phải bảng số liệu."),
    (r"'(.+)' names a row of a catalogue table; use _total",
     lambda m: f"'{m[1]}' nhắc đến một dòng của bảng lấy dòng theo lĩnh vực: dùng dòng tổng (_total)."),
    (r"has '\]' without '\[' in '.*'", lambda m: "câu có dấu ']' mà thiếu '[' mở."),
    (r"has '\[' without '\]' in '.*'", lambda m: "câu có dấu '[' mà thiếu ']' đóng."),
    (r"nests optional parts in '.*'", lambda m: "không lồng phần [tùy chọn] trong phần [tùy chọn] khác."),
    (r"has an unclosed '\{' or a stray '\}' in '.*'", lambda m: "câu có dấu '{' chưa đóng hoặc dấu '}' thừa."),
    (r"'\{(.+)\}' takes no argument", lambda m: f"chỗ điền {{{m[1]}}} không nhận tham số: bỏ phần sau dấu ':'."),
    (r"'\{(.+)\}' needs an argument", lambda m: f"chỗ điền {{{m[1]}}} cần tham số sau dấu ':'."),
    (r"'\{(.+)\}' must be numerator/denominator", lambda m: f"chỗ điền {{{m[1]}}} phải viết dạng tử/mẫu."),
    (r"'\{(.+)\}' must add column or field ids with '\+'", lambda m: f"chỗ điền {{{m[1]}}} cộng các mã bằng dấu '+'."),
    (r"'\{(.+)\}' must name one id", lambda m: f"chỗ điền {{{m[1]}}} chỉ nhắc đến một mã."),
]


def _translate(message: str, path: str = "") -> str:
    """The loader's message in Vietnamese, saying what to do; never English."""
    if message.strip() == "must not be empty":
        key = _segments(path)[-1][0] if path else ""
        what = _TOP_KEY_LABELS.get(key, _label(key)) if "." not in path else _label(key)
        hint = " (chữ không dấu, số, gạch dưới)" if key in ("id", "code") else ""
        return f"chưa có {what}: hãy nhập {what}{hint}."
    for pattern, words in _MESSAGES:
        match = re.fullmatch(pattern, message.strip())
        if match:
            return words(match)
    return f"giá trị không hợp lệ. {_FIX}"


# tomllib's messages (Python 3.11–3.13), in the order they are tried; the fallback is
# Vietnamese too, so no English reaches the officer.
_SYNTAX: list[tuple[str, Any]] = [
    (r"Illegal character '\\n'", lambda m: "chuỗi chưa có dấu nháy kép đóng trước khi hết dòng"),
    (r"Illegal character (.+)", lambda m: f"ký tự không được dùng ở đây: {m[1]}"),
    (r"Expected '=' after a key in a key/value pair", lambda m: "thiếu dấu '=' sau tên khóa"),
    (r"Invalid value", lambda m: "giá trị không hợp lệ (chữ phải đặt trong dấu nháy kép, số viết không có dấu chấm "
                                 "phân cách, đúng/sai viết true/false)"),
    (r"Cannot overwrite a value", lambda m: "khóa này đã được khai báo ở trên"),
    (r"Cannot declare (.+) twice", lambda m: f"bảng {m[1]} được khai báo hai lần"),
    (r"Cannot (?:mutate immutable|redefine) namespace (.+)", lambda m: f"không được viết thêm vào {m[1]} ở đây"),
    (r"Duplicate inline table key (.+)", lambda m: f"khóa {m[1]} bị lặp lại trong cặp ngoặc {{ }}"),
    (r"Unclosed array", lambda m: "thiếu dấu ']' đóng danh sách (hoặc thiếu dấu phẩy giữa các phần tử)"),
    (r"Unclosed inline table", lambda m: "thiếu dấu '}' đóng cặp ngoặc (hoặc thiếu dấu phẩy giữa các khóa)"),
    (r"Unterminated string", lambda m: "chuỗi chưa có dấu nháy đóng"),
    (r"Invalid statement", lambda m: "dòng không đúng cú pháp (mỗi dòng là khóa = giá trị hoặc [tên bảng])"),
    (r"Expected newline or end of document after a statement",
     lambda m: "sau giá trị còn thừa chữ (mỗi khóa một dòng; ghi chú bắt đầu bằng #)"),
    (r"Expected '\]' at the end of a table declaration", lambda m: "thiếu dấu ']' cuối tên bảng"),
    (r"Expected '\]\]' at the end of an array declaration", lambda m: "thiếu ']]' cuối tên danh sách bảng"),
    (r"Expected (.+)", lambda m: f"thiếu {m[1]}"),
    (r"Invalid initial character for a key part", lambda m: "tên khóa bắt đầu bằng ký tự không hợp lệ"),
    (r"Found invalid character (.+)", lambda m: f"ký tự không hợp lệ trong chuỗi: {m[1]}"),
    (r"Unescaped '\\' in a string", lambda m: "dấu '\\' trong chuỗi phải viết thành '\\\\'"),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value",
     lambda m: "mã ký tự \\u trong chuỗi không hợp lệ"),
    (r"Invalid date or datetime", lambda m: "ngày giờ không hợp lệ"),
]


def _translate_syntax(detail: str) -> str:
    for pattern, words in _SYNTAX:
        match = re.fullmatch(pattern, detail.strip())
        if match:
            return words(match)
    return "dòng không đúng cú pháp"
