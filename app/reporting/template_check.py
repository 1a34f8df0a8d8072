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

from .templates import ReportTemplate, TemplateError, _Loader

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
    where: str  # "mục I.4 › columns[2] › computed"
    message: str  # Vietnamese


@dataclass(frozen=True)
class TemplateCheck:
    template: ReportTemplate | None  # None unless there is no issue at all
    issues: tuple[TemplateIssue, ...]

    @property
    def ok(self) -> bool:
        return self.template is not None and not self.issues


def check_template_source(text: str) -> TemplateCheck:
    """Parse and check an uploaded template; every problem found, with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return TemplateCheck(None, (TemplateIssue(int(found.group(1)) if found else None, "",
                                                  f"Lỗi cú pháp TOML: {_translate_syntax(detail)}"),))
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
                issues.append(TemplateIssue(locate(text, _pointed(report, message)), _where(report, data, rules_index),
                                            _translate(message)))
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
                                                                      "rules", "wording")):
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


def _where(path: str, data: dict, rules_index: list[int]) -> str:
    """"sections[3].columns[2].computed" → "mục I.4 › columns[2] › computed"."""
    if not path:
        return ""
    parts = []
    for name, index in _segments(path):
        if name == "sections" and index is not None:
            section = _resolve(data, [("sections", index)])
            ident = section.get("id") if isinstance(section, dict) else None
            parts.append(f"mục {ident}" if isinstance(ident, str) and ident else f"mục thứ {index + 1}")
        elif name == "rules" and index is not None:
            rule = _resolve(data, [("rules", index)])
            ident = rule.get("id") if isinstance(rule, dict) else None
            parts.append(f"quy tắc {ident}" if isinstance(ident, str) and ident else f"quy tắc thứ {index + 1}")
        else:
            parts.append(f"{name}[{index}]" if index is not None else name)
    return " › ".join(parts)


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
                    issues.append(TemplateIssue(locate(text, path), _where(path, data, list(range(len(rules)))),
                                                f"chỗ điền {{{inner}}} không hợp lệ: chỉ dùng dạng {{tên}} "
                                                "(chữ không dấu, số, gạch dưới)"))
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
        best, lo, hi = key + 1, key, hi
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

_TYPES = {"str": "chuỗi", "int": "số nguyên", "float": "số", "list": "danh sách", "dict": "bảng", "bool": "true/false",
          "tuple": "danh sách", "int/float": "số"}
_WHAT = {"section id": "mã mục", "rule id": "mã quy tắc", "field id": "mã chỉ tiêu", "column id": "mã cột",
         "row code": "mã dòng", "group code": "mã nhóm"}
_MESSAGES: list[tuple[str, Any]] = [
    (r"is missing required key '(.+)'", lambda m: f"thiếu khóa bắt buộc '{m[1]}'"),
    (r"missing required key '(.+)'", lambda m: f"thiếu khóa bắt buộc '{m[1]}'"),
    (r"has unknown key '(.+)'", lambda m: f"có khóa không dùng được '{m[1]}' (kiểm tra chính tả)"),
    (r"must be one of (.+), got '(.*)'", lambda m: f"phải là một trong: {m[1]} (đang ghi '{m[2]}')"),
    (r"must be ([\w/]+), got (\w+)", lambda m: f"phải là {_TYPES.get(m[1], m[1])}, không phải {_TYPES.get(m[2], m[2])}"),
    (r"must not be empty", lambda m: "không được để trống"),
    (r"duplicates (.+) '(.+)'", lambda m: f"trùng {_WHAT.get(m[1], m[1])} '{m[2]}' đã có"),
    (r"names unknown (column or field|column|field|section|group|ratio|survey level) '(.+)'",
     lambda m: f"nhắc đến {_NAMED[m[1]]} không có: '{m[2]}'"),
    (r"uses unknown placeholder \{(.+)\}", lambda m: f"dùng chỗ điền không có: {{{m[1]}}}"),
    (r"may only sum input columns, not '(.+)'", lambda m: f"chỉ được cộng các cột nhập liệu, không cộng cột '{m[1]}'"),
    (r"'(.+)' must be dotted parts like 'I.5.5'", lambda m: f"mã mục '{m[1]}' phải có dạng như 'I.5.5'"),
    (r"'(.+)' is not a usable (row code|group code|column id|field id)",
     lambda m: f"'{m[1]}' không dùng được làm {_WHAT.get(m[2], m[2])} (chỉ chữ không dấu, số, gạch dưới)"),
    (r"is a table without columns", lambda m: "là bảng nhưng chưa có cột nào"),
    (r"is an indicators section without fields", lambda m: "là mục chỉ tiêu nhưng chưa có chỉ tiêu nào"),
    (r"is a table with fixed rows but no rows", lambda m: "là bảng dòng cố định nhưng chưa có dòng nào"),
    (r"takes rows from the catalogue and must not list rows", lambda m: "lấy dòng từ danh mục lĩnh vực, không được tự liệt kê dòng"),
    (r"must be listed from the best rating down", lambda m: "phải liệt kê từ mức xếp loại cao nhất xuống"),
    (r"must be at least 1", lambda m: "phải từ 1 trở lên"),
    (r"belongs to table, indicators or satisfaction sections, not (\w+)",
     lambda m: f"chỉ mục bảng, chỉ tiêu hoặc khảo sát mới có thuyết minh (mục này là loại {m[1]})"),
    (r"is only used with note = true", lambda m: "chỉ dùng khi mục có note = true"),
    (r"'(.+)' is a (\w+) section; (\w+) needs (.+)",
     lambda m: f"mục '{m[1]}' là loại {m[2]}; quy tắc {m[3]} cần mục loại {m[4].replace(' or ', ' hoặc ')}"),
]
_NAMED = {"column or field": "cột hoặc chỉ tiêu", "column": "cột", "field": "chỉ tiêu", "section": "mục", "group": "nhóm",
          "ratio": "tỷ lệ", "survey level": "mức khảo sát"}


def _translate(message: str) -> str:
    for pattern, words in _MESSAGES:
        match = re.fullmatch(pattern, message.strip())
        if match:
            return words(match)
    return message


def _translate_syntax(detail: str) -> str:
    known = {"Expected '=' after a key in a key/value pair": "thiếu dấu '=' sau tên khóa",
             "Invalid value": "giá trị không hợp lệ (chuỗi cần đặt trong dấu nháy kép)",
             "Cannot overwrite a value": "khóa bị khai báo hai lần",
             "Unclosed array": "thiếu dấu ']' đóng danh sách",
             "Unterminated string": "chuỗi chưa có dấu nháy đóng",
             "Invalid statement": "dòng không đúng cú pháp"}
    for english, vietnamese in known.items():
        if detail.startswith(english):
            return vietnamese
    return detail
