"""Directives (chỉ thị, kế hoạch, công văn) and the follow-up of their tasks: statuses, the
sentence a consolidated report writes per task, reminders, grouped texts, and what a valid
directive, task or attached file is. Pure functions over plain data.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .documents import DOC_TYPES
from .numbers import InvalidNumber, format_count
from .synthesis import group_statements
from .text import clean_text

NOT_STARTED, IN_PROGRESS, DONE, MISSING = "not_started", "in_progress", "done", "missing"
# What a unit may report, in the order the form offers it.
STATUSES = {NOT_STARTED: "Chưa thực hiện", IN_PROGRESS: "Đang thực hiện", DONE: "Đã hoàn thành"}
# Counted in a consolidation and on the directive page: best first, "not reported" last.
COUNT_ORDER = (DONE, IN_PROGRESS, NOT_STARTED, MISSING)
COUNT_LABELS = {**STATUSES, MISSING: "Chưa báo cáo"}

MSG_BAD_STATUS = "Chọn một trong: chưa thực hiện, đang thực hiện, đã hoàn thành."
MSG_DONE_NEEDS_TEXT = "Đã hoàn thành: nêu kết quả đã thực hiện."

# A unit named in a sentence only when so few share a status that names help ("units named
# only when few"); a district of 22 communes is otherwise written as counts.
NAME_LIMIT = 3

TERRITORIAL = ("commune", "ward", "town", "special")
KIND_NOUNS = {"commune": "xã", "ward": "phường", "town": "thị trấn", "special": "đặc khu", "district": "huyện",
              "province": "tỉnh"}
OFFICE_NOUN = "cơ quan, đơn vị"

TEXT_LIMIT = 5000
DOCS_LIMIT = 1000


class InvalidStatus(InvalidNumber):
    """A follow-up status that is not one of STATUSES (the message is for the user)."""


def parse_status(text: str) -> str | None:
    """The stored code for what the form sent ("" clears the status)."""
    value = (text or "").strip()
    if not value:
        return None
    if value in STATUSES:
        return value
    by_label = {label.lower(): code for code, label in STATUSES.items()}
    if value.lower() in by_label:
        return by_label[value.lower()]
    raise InvalidStatus(MSG_BAD_STATUS)


def status_label(code: str | None) -> str:
    return COUNT_LABELS.get(code or MISSING, code or "")


# --- counts and the written-out sentence ------------------------------------------------

@dataclass(frozen=True)
class AssignedUnit:
    unit_id: int
    name: str
    kind: str


def status_counts(assigned: Sequence[AssignedUnit], statuses: Mapping[int, str]) -> dict[str, list[AssignedUnit]]:
    """Assigned units by reported status; units with no (or an unknown) status are MISSING."""
    groups: dict[str, list[AssignedUnit]] = {code: [] for code in COUNT_ORDER}
    for unit in assigned:
        status = statuses.get(unit.unit_id)
        groups[status if status in STATUSES else MISSING].append(unit)
    return groups


def _noun(units: Sequence[AssignedUnit]) -> str:
    """"xã", "xã, thị trấn", "cơ quan, đơn vị": the word a report uses for a group of units."""
    kinds = []
    for unit in units:
        noun = KIND_NOUNS.get(unit.kind, OFFICE_NOUN)
        if noun not in kinds:
            kinds.append(noun)
    order = list(KIND_NOUNS.values()) + [OFFICE_NOUN]
    return ", ".join(sorted(kinds, key=order.index))


def unit_groups(assigned: Sequence[AssignedUnit]) -> list[list[AssignedUnit]]:
    """Communes (xã, phường, thị trấn) first, then districts, then offices, then the rest:
    real reports write one sentence for communes and one for specialised offices."""
    def rank(unit: AssignedUnit) -> int:
        if unit.kind in TERRITORIAL:
            return 0
        if unit.kind == "district":
            return 1
        if unit.kind in ("office", "department"):
            return 2
        return 3
    groups: dict[int, list[AssignedUnit]] = {}
    for unit in assigned:
        groups.setdefault(rank(unit), []).append(unit)
    return [groups[r] for r in sorted(groups)]


def _names(units: Sequence[AssignedUnit]) -> str:
    return ", ".join(u.name for u in units)


def group_sentence(units: Sequence[AssignedUnit], statuses: Mapping[int, str], name_limit: int = NAME_LIMIT) -> str:
    """One group's counts: "18/22 xã, thị trấn đã hoàn thành; 3 xã, thị trấn đang thực hiện
    (Xã A, Xã B, Xã C); 1 xã, thị trấn chưa báo cáo (Thị trấn D)". A single unit is named
    with its status: "Phòng Nội vụ: đang thực hiện"."""
    if not units:
        return ""
    counts = status_counts(units, statuses)
    if len(units) == 1:
        unit = units[0]
        code = next(c for c in COUNT_ORDER if counts[c])
        return f"{unit.name}: {COUNT_LABELS[code].lower()}"
    noun, total = _noun(units), len(units)
    parts = []
    for code in COUNT_ORDER:
        members = counts[code]
        if not members:
            continue
        number = f"{len(members)}/{total}" if not parts else str(len(members))
        part = f"{number} {noun} {COUNT_LABELS[code].lower()}"
        if len(members) <= name_limit and len(members) < total:
            part += f" ({_names(members)})"
        parts.append(part)
    return "; ".join(parts)


def followup_sentence(assigned: Sequence[AssignedUnit], statuses: Mapping[int, str],
                      name_limit: int = NAME_LIMIT) -> str:
    """Every group's counts, communes first, as one sentence ending with a full stop."""
    parts = [group_sentence(g, statuses, name_limit) for g in unit_groups(assigned)]
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "." if text else ""


def is_overdue(due_on: date | None, today: date, task_open: bool, all_done: bool) -> bool:
    return bool(due_on and task_open and not all_done and due_on < today)


def days_overdue(due_on: date | None, today: date) -> int:
    return (today - due_on).days if due_on and due_on < today else 0


def directive_name(doc_type: str, number: str, issued_on: date | None) -> str:
    """"Chỉ thị số 05/CT-UBND ngày 05/02/2025"."""
    kind = DOC_TYPES.get(doc_type, "Văn bản")
    when = f" ngày {issued_on.strftime('%d/%m/%Y')}" if issued_on else ""
    return f"{kind} số {number}{when}"


def task_title(label: str, content: str, limit: int = 160) -> str:
    """"Nhiệm vụ 1.a: Tiếp tục quán triệt…" — the content cut at a word near ``limit``."""
    text = " ".join((content or "").split())
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
        text = cut + "…"
    return f"Nhiệm vụ {label}: {text}" if label else text


def reminder_text(directive: str, task_label: str, missing: Sequence[str], due_on: date | None,
                  sender: str) -> str:
    """A message to copy into Zalo or e-mail for units that have not reported on a task."""
    if not missing:
        return ""
    task = f"nhiệm vụ {task_label} " if task_label else "nhiệm vụ "
    due = f" (hạn hoàn thành {due_on.strftime('%d/%m/%Y')})" if due_on else ""
    return (f"{sender} đề nghị {', '.join(missing)} báo cáo kết quả thực hiện {task}theo {directive}{due} "
            f"trong báo cáo định kỳ gửi về {sender}.")


# --- grouping unit texts for the reviewer's suggestion ------------------------------------

def group_texts(entries: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(unit, text) pairs → (text, units), grouped as every section's suggestion groups them
    (synthesis.group_statements); largest groups first, then in first-seen order."""
    return [(group.text, list(group.units)) for group in group_statements(entries)]


def suggestion(groups: Sequence[tuple[str, list[str]]]) -> str:
    """What the reviewer may insert under the counts (which the report writes itself): each
    statement once, with the units that made it."""
    return "\n".join(f"- {' '.join(text.split()).rstrip('.;')} ({', '.join(units)})." for text, units in groups)


# --- forms ------------------------------------------------------------------------------

def _date(text: str) -> date | None:
    return datetime.strptime(text, "%d/%m/%Y").date()


def check_directive(fields: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """The directive as typed (trimmed, dates parsed) and a Vietnamese message per bad field."""
    data = {k: clean_text(fields.get(k) or "").strip() for k in ("doc_type", "number", "issued_on", "title", "signer",
                                                                 "full_text")}
    errors: dict[str, str] = {}
    if data["doc_type"] not in DOC_TYPES:
        errors["doc_type"] = "Chọn loại văn bản."
    if not data["number"]:
        errors["number"] = "Nhập số, ký hiệu (vd. 05/CT-UBND)."
    elif len(data["number"]) > 60:
        errors["number"] = "Tối đa 60 ký tự."
    data["issued_date"] = None
    if not data["issued_on"]:
        errors["issued_on"] = "Nhập ngày ban hành (dd/mm/yyyy)."
    else:
        try:
            data["issued_date"] = _date(data["issued_on"])
        except ValueError:
            errors["issued_on"] = "Ngày theo dạng dd/mm/yyyy, vd. 05/02/2025."
    if not data["title"]:
        errors["title"] = "Nhập trích yếu (vd. Về đẩy mạnh công tác cải cách hành chính…)."
    elif len(data["title"]) > 500:
        errors["title"] = "Tối đa 500 ký tự."
    if len(data["signer"]) > 200:
        errors["signer"] = "Tối đa 200 ký tự."
    if len(data["full_text"]) > 100_000:
        errors["full_text"] = "Toàn văn tối đa 100.000 ký tự; hãy đính kèm tệp thay vì dán."
    return data, errors


ASSIGN_GROUPS = {"communes": "Tất cả xã, phường, thị trấn", "offices": "Tất cả cơ quan chuyên môn"}


MAX_ROW_ID = 2**31 - 1  # an INTEGER primary key


def check_task(fields: Mapping[str, str], groups: Iterable[str], unit_ids: Iterable[str],
               template_codes: Iterable[str], known_templates: Iterable[str]) -> tuple[dict, dict[str, str]]:
    """A task as typed: label, content, due date, assignment choice and templates."""
    data = {k: clean_text(fields.get(k) or "").strip() for k in ("label", "content", "due_on")}
    errors: dict[str, str] = {}
    if len(data["label"]) > 20:
        errors["label"] = "Tối đa 20 ký tự (vd. 1.a)."
    if not data["content"]:
        errors["content"] = "Nhập nội dung nhiệm vụ."
    elif len(data["content"]) > TEXT_LIMIT:
        errors["content"] = f"Tối đa {format_count(TEXT_LIMIT)} ký tự."
    data["due_date"] = None
    if data["due_on"]:
        try:
            data["due_date"] = _date(data["due_on"])
        except ValueError:
            errors["due_on"] = "Ngày theo dạng dd/mm/yyyy, vd. 30/06/2025."
    data["groups"] = [g for g in ASSIGN_GROUPS if g in set(groups)]
    ids = []
    for raw in unit_ids:
        # ASCII digits of an INTEGER row id: "²" passes str.isdigit() and int() refuses it.
        raw = str(raw)
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 0 < int(raw) <= MAX_ROW_ID):
            errors["units"] = "Đơn vị được giao không hợp lệ."
            break
        ids.append(int(raw))
    data["unit_ids"] = sorted(set(ids))
    if not data["groups"] and not data["unit_ids"] and "units" not in errors:
        errors["units"] = "Chọn đơn vị được giao (hoặc tất cả xã, phường, thị trấn / tất cả cơ quan chuyên môn)."
    known = list(known_templates)
    chosen = [c for c in known if c in set(template_codes)]
    if any(c not in known for c in template_codes):
        errors["templates"] = "Mẫu báo cáo không hợp lệ."
    elif not chosen:
        errors["templates"] = "Chọn ít nhất một mẫu báo cáo để đơn vị báo cáo kết quả."
    data["template_codes"] = chosen
    return data, errors


def scope_text(groups: Iterable[str]) -> str:
    return "; ".join(ASSIGN_GROUPS[g] for g in groups if g in ASSIGN_GROUPS)


# --- attached files -----------------------------------------------------------------------

ATTACHMENT_LIMIT = 5 * 1024 * 1024
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MSG_ATTACHMENT_TYPE = "Chỉ nhận tệp PDF hoặc Word (.docx); tệp này không phải PDF hay DOCX."
MSG_ATTACHMENT_SIZE = "Tệp quá lớn ({size}); tối đa 5 MB."
MSG_ATTACHMENT_EMPTY = "Tệp rỗng."


def attachment_kind(data: bytes) -> str | None:
    """"pdf" or "docx" judged by content, whatever the file is called; None otherwise."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def check_attachment(filename: str, data: bytes, limit: int = ATTACHMENT_LIMIT) -> tuple[str, str, str | None]:
    """(safe file name, content type, error message or None) for an uploaded file."""
    if not data:
        return "", "", MSG_ATTACHMENT_EMPTY
    if len(data) > limit:
        return "", "", MSG_ATTACHMENT_SIZE.format(size=_megabytes(len(data)))
    kind = attachment_kind(data)
    if kind is None:
        return "", "", MSG_ATTACHMENT_TYPE
    stem = re.sub(r"[\\/:*?\"<>|\r\n\t]+", " ", (filename or "").rsplit(".", 1)[0]).strip()[:150] or "van-ban"
    return f"{stem}.{kind}", ATTACHMENT_TYPES[kind], None


# --- what exports write ---------------------------------------------------------------------

@dataclass(frozen=True)
class TaskReport:
    """One task as a report states it: the counts written out, then the consolidating
    unit's own text (or, in a unit's own report, what it did and the documents it issued)."""

    label: str
    content: str
    sentence: str
    text: str = ""
    docs: str = ""
    due_on: date | None = None
    overdue: bool = False
    units: tuple[tuple[str, str], ...] = ()  # (unit name, status code or MISSING), for the grid


@dataclass(frozen=True)
class DirectiveReport:
    name: str  # "Chỉ thị số 05/CT-UBND ngày 27/03/2025"
    number: str  # "05/CT-UBND", the grid's column heading
    issuer: str  # "UBND huyện Bình Sơn"
    title: str  # "Về đẩy mạnh công tác cải cách hành chính…"
    tasks: tuple[TaskReport, ...]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] == "Về" else text


def followup_paragraphs(reports: Sequence[DirectiveReport]) -> list[tuple[str, str]]:
    """The section's body as (text, role) with role "lead" (the directive), "item" (a task
    and its counts) or "body" (the text under it): any writer lays them out its own way."""
    paragraphs: list[tuple[str, str]] = []
    for report in reports:
        title = f" {_lower_first(report.title)}" if report.title else ""
        paragraphs.append((f"Thực hiện {report.name} của {report.issuer}{title}:", "lead"))
        for task in report.tasks:
            # The whole task as the directive words it: a signed report never cuts a title.
            about = " ".join((task.content or "").split()).rstrip(" .;:")
            if task.overdue and task.due_on:
                about += f"; hạn {task.due_on.strftime('%d/%m/%Y')}, đã quá hạn"
            name = f"Nhiệm vụ {task.label} ({about})" if task.label else about
            paragraphs.append((f"- {name}: {task.sentence}".rstrip(), "item"))
            for line in (task.text or "").splitlines():
                if line.strip():
                    paragraphs.append((line.strip(), "body"))
            if task.docs.strip():
                paragraphs.append((f"Văn bản đã ban hành: {' '.join(task.docs.split())}", "body"))
    return paragraphs


def grid_units(reports: Sequence[DirectiveReport]) -> list[str]:
    """Every unit named in any task, in first-seen order: the rows of the follow-up sheet."""
    seen: dict[str, None] = {}
    for report in reports:
        for task in report.tasks:
            for name, _ in task.units:
                seen.setdefault(name, None)
    return list(seen)
