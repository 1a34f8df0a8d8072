"""The progress board (bảng theo dõi) as plain data: who owes what, how late, in which order.

Each row is one expected unit of a round, already loaded; everything here is pure:
lateness against the unit's own deadline (an extension moves it), the tiles that count
every state, the filters and sorts a reviewer bookmarks, and the review queue's order.
Days are counted on Vietnam dates (the caller passes ``today`` and local submission days).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlencode

from .text import clean_text

OUTSTANDING = ("not_started", "draft", "returned")


def _is_id(text: str) -> bool:
    """ASCII digits an INTEGER id can hold ("²" and 5,000-digit strings are not ids)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


# Tiles, in the order shown; each key is also the ``state`` filter (bảng theo dõi).
TILES = {
    "": "Tất cả",
    "missing": "Chưa nộp",
    "overdue": "Quá hạn",
    "not_started": "Chưa bắt đầu",
    "draft": "Đang nhập",
    "submitted": "Chờ duyệt",
    "returned": "Trả lại",
    "approved": "Đã duyệt",
    "late": "Nộp muộn",
}

# Kinds of unit a reviewer tells apart: communes and wards vs offices (xã/phường vs sở/phòng).
KIND_GROUPS = {
    "commune": ("Xã, phường, thị trấn", ("commune", "ward", "town", "special")),
    "district": ("Huyện, thị xã, thành phố", ("district",)),
    "office": ("Sở, ban, phòng", ("office", "department")),
}

SORTS = {
    "order": "Thứ tự",
    "name": "Đơn vị",
    "kind": "Loại",
    "status": "Trạng thái",
    "updated": "Thay đổi gần nhất",
    "submitted": "Nộp lúc",
    "late": "Số ngày muộn",
    "officer": "Cán bộ đầu mối",
    "reminded": "Đã nhắc",
}

STATE_ORDER = ("returned", "not_started", "draft", "submitted", "approved")


def fold(text: str) -> str:
    """Lower case without diacritics: "Bình Đông" and "binh dong" match."""
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


def kind_group(kind: str) -> str:
    for key, (_, kinds) in KIND_GROUPS.items():
        if kind in kinds:
            return key
    return kind


@dataclass(frozen=True)
class ProgressRow:
    """One expected unit of a round as the board shows it."""

    submission_id: int
    unit_id: int
    unit_name: str
    unit_code: str
    unit_kind: str
    state: str
    state_label: str
    deadline: date  # this unit's deadline (the round's, or its extension)
    order: tuple = ()  # the unit order of the installation
    parent_id: int | None = None
    parent_name: str = ""
    first_submitted_on: date | None = None  # Vietnam date of the first submission
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    approved_at: datetime | None = None
    officer_name: str = ""
    officer_phone: str = ""
    reminded_at: datetime | None = None
    reminders: int = 0

    @property
    def outstanding(self) -> bool:
        """Still owes its report: not started, being typed or returned (chưa nộp)."""
        return self.state in OUTSTANDING

    @property
    def late_submission(self) -> bool:
        """First submitted after its deadline day (nộp muộn)."""
        return self.first_submitted_on is not None and self.first_submitted_on > self.deadline

    def overdue(self, today: date) -> bool:
        """Owes its report and its deadline day has passed (quá hạn)."""
        return self.outstanding and today > self.deadline

    def days_late(self, today: date) -> int:
        """Days after the deadline: at the first submission, else up to today; 0 when not late."""
        if self.first_submitted_on is not None:
            return max(0, (self.first_submitted_on - self.deadline).days)
        if self.outstanding:
            return max(0, (today - self.deadline).days)
        return 0

    def days_left(self, today: date) -> int:
        return (self.deadline - today).days


@dataclass(frozen=True)
class SubmissionTally:
    """The one reading of a round's progress, for the rounds list, the round's page, its
    tiles and its chart: the units the round expects (frozen when it opened; a unit merged
    away reports within its successor) and those that have submitted at least once
    (đã nộp — a report returned for correction counts, it was submitted)."""

    expected: int
    submitted: int

    @property
    def not_submitted(self) -> int:
        return self.expected - self.submitted


def tally(rows: Iterable[tuple[str, object]]) -> SubmissionTally:
    """``rows``: (state, first submission time or None) per submission of the round."""
    expected = submitted = 0
    for state, first_submitted in rows:
        if state == "merged":
            continue
        expected += 1
        submitted += first_submitted is not None
    return SubmissionTally(expected, submitted)


def matches_state(row: ProgressRow, state: str, today: date) -> bool:
    if state == "":
        return True
    if state == "missing":
        return row.first_submitted_on is None
    if state == "overdue":
        return row.overdue(today)
    if state == "late":
        return row.late_submission
    return row.state == state


def tile_counts(rows: Iterable[ProgressRow], today: date) -> dict[str, int]:
    """How many units each tile stands for (every state, chưa nộp and quá hạn included)."""
    rows = list(rows)
    counts = {key: sum(1 for r in rows if matches_state(r, key, today)) for key in TILES}
    progress = tally((r.state, r.first_submitted_on) for r in rows)
    counts[""], counts["missing"] = progress.expected, progress.not_submitted
    return counts


@dataclass(frozen=True)
class BoardQuery:
    """The board's filter and order, all of them GET parameters so a view can be bookmarked."""

    state: str = ""
    q: str = ""
    kind: str = ""
    parent: int | None = None
    sort: str = "order"
    descending: bool = False
    skipped: tuple[int, ...] = field(default=())  # review queue: reports passed over

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BoardQuery:
        state = args.get("state", "")
        kind = args.get("kind", "")
        raw_sort = args.get("sort", "order") or "order"
        descending = raw_sort.startswith("-")
        sort = raw_sort.lstrip("-")
        parent = args.get("parent", "")
        skipped = tuple(int(p) for p in (args.get("skip") or "").split(",")[:200] if _is_id(p))
        return cls(
            state=state if state in TILES else "",
            q=" ".join(clean_text(args.get("q")).split())[:100],
            kind=kind if kind in KIND_GROUPS else "",
            parent=int(parent) if _is_id(parent) else None,
            sort=sort if sort in SORTS else "order",
            descending=descending and sort in SORTS,
            skipped=skipped,
        )

    def params(self, **changes) -> dict[str, str]:
        """The non-default parameters, as a dict for url_for; ``changes`` override fields."""
        query = replace(self, **changes) if changes else self
        out: dict[str, str] = {}
        if query.state:
            out["state"] = query.state
        if query.q:
            out["q"] = query.q
        if query.kind:
            out["kind"] = query.kind
        if query.parent is not None:
            out["parent"] = str(query.parent)
        if query.sort != "order" or query.descending:
            out["sort"] = ("-" if query.descending else "") + query.sort
        if query.skipped:
            out["skip"] = ",".join(str(i) for i in query.skipped)
        return out

    def query_string(self, **changes) -> str:
        return urlencode(self.params(**changes))

    def sort_link(self, column: str) -> dict[str, str]:
        """Parameters of a column header: sort by it, or flip the direction when it is the sort."""
        return self.params(sort=column, descending=(not self.descending) if self.sort == column else False)

    def aria_sort(self, column: str) -> str | None:
        if self.sort != column:
            return None
        return "descending" if self.descending else "ascending"


def _sort_key(sort: str, today: date):
    never = datetime.max
    keys = {
        "order": lambda r: r.order,
        "name": lambda r: fold(r.unit_name),
        "kind": lambda r: kind_group(r.unit_kind),
        "status": lambda r: STATE_ORDER.index(r.state) if r.state in STATE_ORDER else 9,
        "updated": lambda r: (r.updated_at is None, r.updated_at or never),
        "submitted": lambda r: (r.submitted_at is None, r.submitted_at or never),
        "late": lambda r: r.days_late(today),
        "officer": lambda r: (not r.officer_name, fold(r.officer_name)),
        "reminded": lambda r: (r.reminded_at is None, r.reminded_at or never),
    }
    return keys[sort]


def select_rows(rows: Sequence[ProgressRow], query: BoardQuery, today: date) -> list[ProgressRow]:
    """The rows a board query shows, in its order; ties keep the unit order in either
    direction (a stable sort on unit order first, then on the column alone)."""
    needle = fold(query.q) if query.q else ""
    kinds = KIND_GROUPS[query.kind][1] if query.kind else None
    chosen = [
        r for r in rows
        if matches_state(r, query.state, today)
        and (kinds is None or r.unit_kind in kinds)
        and (query.parent is None or r.parent_id == query.parent)
        and (not needle or needle in fold(r.unit_name) or needle in fold(r.unit_code))
    ]
    chosen.sort(key=lambda r: r.order)
    key = _sort_key(query.sort, today)
    if query.sort in ("updated", "submitted", "reminded", "officer"):
        # Rows without a value stay at the end whichever the direction.
        present = [r for r in chosen if key(r)[0] is False]
        absent = [r for r in chosen if key(r)[0] is not False]
        present.sort(key=key, reverse=query.descending)
        return present + absent
    chosen.sort(key=key, reverse=query.descending)
    return chosen


def review_queue(rows: Sequence[ProgressRow], query: BoardQuery, today: date) -> list[ProgressRow]:
    """Reports waiting for review in the board's filter and order, skipped ones left out."""
    skipped = set(query.skipped)
    return [r for r in select_rows(rows, query, today) if r.state == "submitted" and r.submission_id not in skipped]


def parent_choices(rows: Iterable[ProgressRow]) -> list[tuple[int, str]]:
    """Parents of the round's units, offered as a filter only when there is more than one."""
    seen: dict[int, str] = {}
    for r in sorted(rows, key=lambda r: r.order):
        if r.parent_id is not None:
            seen.setdefault(r.parent_id, r.parent_name)
    return list(seen.items()) if len(seen) > 1 else []


def kind_choices(rows: Iterable[ProgressRow]) -> list[tuple[str, str]]:
    """Kinds of unit present in the round, offered when there is more than one."""
    present = {kind_group(r.unit_kind) for r in rows}
    choices = [(key, label) for key, (label, _) in KIND_GROUPS.items() if key in present]
    return choices if len(choices) > 1 else []
