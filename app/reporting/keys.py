"""Names under which a submission's values are stored and derived values are produced.

A submission is a flat ``dict[str, int | str]``; keys start with the section id so one
section's values can be found, copied or cleared together. Derived parts start with "_"
so they can never collide with a stored row code or field id.
"""
from __future__ import annotations

SEP = "/"
TOTAL = "_total"
GROUP_PREFIX = "_group:"
SCORE = "_score"
TEXT = "text"
# A numeric section's short note (thuyết minh): text stored beside its figures, "<section>/note".
NOTE = "note"
# A unit's explanation of a warning (giải trình): "_explain:<rule id>:<digest>".
EXPLAIN_PREFIX = "_explain:"


def cell_key(section_id: str, row_code: str, column_id: str) -> str:
    return f"{section_id}{SEP}{row_code}{SEP}{column_id}"


def field_key(section_id: str, field_id: str) -> str:
    return f"{section_id}{SEP}{field_id}"


def text_key(section_id: str) -> str:
    return f"{section_id}{SEP}{TEXT}"


def note_key(section_id: str) -> str:
    return f"{section_id}{SEP}{NOTE}"


def figures_part(section_id: str) -> str:
    """Where the reviewer's edit of a section's figures written out is kept (not a value key)."""
    return f"{section_id}/figures"


def total_key(section_id: str, column_id: str) -> str:
    return f"{section_id}{SEP}{TOTAL}{SEP}{column_id}"


def group_key(section_id: str, group_code: str, column_id: str) -> str:
    return f"{section_id}{SEP}{GROUP_PREFIX}{group_code}{SEP}{column_id}"


def score_key(section_id: str) -> str:
    """Derived: a satisfaction section's score (sum of its indices, hundredths)."""
    return f"{section_id}{SEP}{SCORE}"


def parse_key(key: str) -> tuple[str, str, str | None]:
    """"I.4/dat_dai/c3" -> ("I.4", "dat_dai", "c3"); "I.3/received" -> ("I.3", "received", None)."""
    parts = key.split(SEP)
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1], None
    if len(parts) == 3 and all(parts):
        return parts[0], parts[1], parts[2]
    raise ValueError(f"Khóa không hợp lệ: {key!r}")


def is_derived(key: str) -> bool:
    """True for keys compute() produces (totals, subtotals, scores); they are never stored."""
    try:
        _, part, _ = parse_key(key)
    except ValueError:
        return False
    return part.startswith("_")


# A directive task's follow-up in a "directives" section: "I.9/t12/status", "I.9/t12/text",
# "I.9/t12/docs" — one entry per task, so each part keeps its own version and history.
TASK_PREFIX = "t"
FOLLOWUP_PARTS = {"status": "status", "text": "text", "docs": "text"}


def task_part(task_id: int) -> str:
    return f"{TASK_PREFIX}{task_id}"


def task_id_of(part: str) -> int | None:
    """"t12" → 12; anything else → None."""
    digits = part[len(TASK_PREFIX):]
    if part.startswith(TASK_PREFIX) and digits.isdigit() and not digits.startswith("0"):
        return int(digits)
    return None


def followup_key(section_id: str, task_id: int, part: str) -> str:
    return f"{section_id}{SEP}{task_part(task_id)}{SEP}{part}"


def parse_followup_key(key: str) -> tuple[int, str] | None:
    """"I.9/t12/status" → (12, "status"); None for a key that is not a task's follow-up."""
    try:
        _, part, sub = parse_key(key)
    except ValueError:
        return None
    task_id = task_id_of(part)
    return (task_id, sub) if task_id is not None and sub in FOLLOWUP_PARTS else None
