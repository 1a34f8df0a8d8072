"""Pasting a block copied from Excel (tab-separated) onto a table, mapped by what was copied.

Officers copy their own sheet, which is laid out like the official form: sometimes the whole
row from column (3) with the totals, sometimes with the "(1) (2) (3)…" numbering row or the
row labels, sometimes only a few input columns. Where the cursor happens to be is the
weakest clue: a block that starts on a total column pasted into the first input cell would
shift every figure one column. So the block is aligned, strongest evidence first, by

1. its "(n)" numbering row (every column named);
2. its width, when it is exactly the table's columns from (3) on (the official layout);
3. its totals: a placement where each pasted total equals the sum of the inputs pasted
   beside it (the block's first column is then recognised as the row's total);
4. the cursor, when nothing above contradicts it.

Rows are aligned by their labels when the block carries them, else from the cursor's row.
Pasted totals are checked against the sums, never stored. When the evidence does not
decide, or the block does not fit, nothing is saved: the caller shows where each value
would go under each possible placement and lets the officer choose (``first_column``).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .keys import cell_key, group_key, total_key
from .numbers import InvalidNumber, format_count, parse_count
from .templates import ReportTemplate, Section
from .validation import compute

_NUMBERING = re.compile(r"\((\d+)\)")
# Lines of a copied sheet that carry the table's total rather than a field.
_TOTAL_LABELS = {"tổng cộng", "tổng số", "tổng", "cộng"}

KEPT_EMPTY = "ô trống trong vùng dán: giữ nguyên"
KEPT_PREFILLED = "số chuyển từ kỳ trước được giữ (vùng dán để trống hoặc 0)"


@dataclass(frozen=True)
class PastedCell:
    """One value of the block and where it lands: an input cell or a total to check."""

    line: int  # index of the data line in the block
    key: str  # cell key (input) or derived key (computed column, subtotal, total)
    column: str  # column id
    typed: str
    is_input: bool


@dataclass(frozen=True)
class Placement:
    """One way to lay the block on the table: its first data column and each line's row."""

    first_column: str
    cells: tuple[PastedCell, ...]
    lines: tuple[str, ...]  # the row label each data line lands on ("" when it has no home)
    dropped: int  # values that fall outside the table
    totals_ok: int = 0  # pasted totals equal to the sum of their pasted parts
    totals_wrong: int = 0

    def numbers(self, section: Section) -> str:
        """"(3)–(13)": the columns the block covers, for the preview."""
        covered = [c for c in section.columns if any(cell.column == c.id for cell in self.cells)]
        if not covered:
            return ""
        return covered[0].number if len(covered) == 1 else f"{covered[0].number}–{covered[-1].number}"


@dataclass
class PastePlan:
    how: str  # how the block was aligned, in Vietnamese
    placement: Placement | None
    options: list[Placement] = field(default_factory=list)  # when ambiguous: the officer chooses
    ambiguous: str = ""  # why nothing is saved; "" when the plan can be applied
    entries: list[tuple[str, str]] = field(default_factory=list)  # input cells to save
    checks: list[tuple[str, str]] = field(default_factory=list)  # pasted totals to compare
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (key, typed, why not written)
    labels: list[str] = field(default_factory=list)  # data line → row label, for the preview


def parse_block(text: str) -> list[list[str]]:
    """Excel's clipboard text as lines of cells (CRLF or LF, tabs); blank edge lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return [[cell.strip() for cell in line.split("\t")] for line in lines]


def _label(text: str) -> str:
    """A row label as officers write it, reduced to what names the field: "1. Hộ tịch",
    "Lĩnh vực hộ tịch", "Hộ tịch (*)" and "hộ tịch:" all read "hộ tịch"."""
    text = _new_tone_places(text).casefold().replace("\u00a0", " ")
    text = re.sub(r"^\s*(?:[0-9]+|[ivxlc]+|[a-zđ])\s*[.)/-]\s*", "", text)  # "1. ", "II. ", "a) "
    text = re.sub(r"\(\s*\*+\s*\)|\*+|…|\.\.\.", " ", text)  # marks: "(*)", "**", an ellipsis
    text = " ".join(text.split()).strip(" .:;,-–")
    return re.sub(r"^lĩnh vực\s+(?!khác$)", "", text)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _new_tone_places(text: str) -> str:
    """The tone mark where the catalogue puts it: "hoá" and "hóa", "thuỷ" and "thủy" are
    the same word in the old and the new spelling (oa, oe, uy ending a syllable)."""
    text = unicodedata.normalize("NFD", text)
    for first, second in (("oO", "aAeE"), ("uU", "yY")):
        text = re.sub(rf"([{first}])([{second}])([{_TONES}])(?!\w)", r"\1\3\2", text)
    return unicodedata.normalize("NFC", text)


# Names officers' sheets use for a catalogue field, by its reduced label (see _label).
ALIASES = {
    "bảo vệ môi trường": "môi trường",
    "tài nguyên và môi trường": "môi trường",
    "tư pháp - hộ tịch": "hộ tịch",
    "tư pháp hộ tịch": "hộ tịch",
    "hòa giải ở cơ sở": "tư pháp - hòa giải ở cơ sở",
    "hòa giải cơ sở": "tư pháp - hòa giải ở cơ sở",
    "đăng ký giao dịch bảo đảm": "đăng ký biện pháp bảo đảm",
    "giao dịch bảo đảm": "đăng ký biện pháp bảo đảm",
    "lao động - tiền lương": "lao động, tiền lương",
    "thi đua - khen thưởng": "thi đua, khen thưởng",
    "văn hóa": "văn hóa cơ sở",
    "giáo dục": "giáo dục và đào tạo",
    "nông nghiệp": "nông nghiệp và phát triển nông thôn",
    "khác": "lĩnh vực khác",
    "các lĩnh vực khác": "lĩnh vực khác",
}
# How close a label must be to a known one to be taken for it (rapidfuzz ratio, 0–100):
# a dropped diacritic or letter, never another field.
_LABEL_CUTOFF = 90


def _is_number(cell: str) -> bool:
    try:
        parse_count(cell)
    except InvalidNumber:
        return False
    return True


def _number(cell: str) -> int:
    """A cell as a count for checking totals; empty counts as 0 like Excel's SUM."""
    if not cell:
        return 0
    return parse_count(cell)


class _Block:
    """The copied block split into header lines, an optional label column and data lines."""

    def __init__(self, section: Section, lines: list[list[str]]):
        self.section = section
        self._known: dict[str, tuple[str, str]] | None = None
        self.numbered: dict[int, str] = {}  # position → "(n)"
        numbering_line = next((i for i, line in enumerate(lines) if self._is_numbering(line)), None)
        if numbering_line is not None:
            self.numbered = {p: c for p, c in enumerate(lines[numbering_line]) if c}
            data = lines[numbering_line + 1:]
        else:
            data = list(lines)
            while data and not any(_is_number(c) for c in data[0]) and not self._has_label(data[0]):
                data.pop(0)  # header lines ("Số hồ sơ nhận giải quyết", "Tổng số"…)
        self.data = data
        self.label_at = self._label_position()
        start = self.label_at + 1 if self.label_at is not None else 0
        if self.numbered:
            start = max([start] + [p + 1 for p, n in self.numbered.items() if n in ("(1)", "(2)")])
        self.first = start  # first position holding figures
        self.width = max((len(line) - start for line in data), default=0)

    @staticmethod
    def _is_numbering(line: list[str]) -> bool:
        filled = [c for c in line if c]
        return len(filled) >= 2 and all(_NUMBERING.fullmatch(c) for c in filled)

    def _known_labels(self) -> dict[str, tuple[str, str]]:
        """Normalised label → ("row"|"group"|"total", code)."""
        if self._known is None:
            known = {_label(r.label): ("row", r.code) for r in self.section.rows}
            known.update({_label(g.label): ("group", g.code) for g in self.section.groups})
            known.update({label: ("total", "") for label in _TOTAL_LABELS})
            self._known = known
        return self._known

    def match(self, text: str) -> tuple[str, str] | None:
        """The row, group or total a label names: exactly, through an alias, or nearly
        (a typo, a dropped diacritic) when one known label is that close."""
        known = self._known_labels()
        label = _label(text)
        if not label:
            return None
        if label in known:
            return known[label]
        alias = ALIASES.get(label)
        if alias is not None and alias in known:
            return known[alias]
        best = process.extractOne(label, list(known), scorer=fuzz.ratio, score_cutoff=_LABEL_CUTOFF)
        return known[best[0]] if best else None

    def _has_label(self, line: list[str]) -> bool:
        return any(self.match(c) for c in line if c and not _is_number(c))

    def _label_position(self) -> int | None:
        """The column of row labels: text (not figures) on every data line, and known labels."""
        if self.numbered:
            return next((p for p, n in self.numbered.items() if n == "(2)"), None)
        if not self.data:
            return None
        width = max(len(line) for line in self.data)
        for position in range(width):
            cells = [line[position] if position < len(line) else "" for line in self.data]
            if any(c and _is_number(c) for c in cells) or not all(cells):
                continue
            if any(self.match(c) for c in cells):
                return position
        return None

    def row_targets(self, cursor_row: int) -> list[tuple[str, str, str]]:
        """Per data line: (kind, code, label) with kind "row", "group", "total" or "" (no home)."""
        rows = self.section.rows
        if self.label_at is None:
            targets = []
            for i in range(len(self.data)):
                index = cursor_row + i
                targets.append(("row", rows[index].code, rows[index].label) if index < len(rows) else ("", "", ""))
            return targets
        targets = []
        for line in self.data:
            text = line[self.label_at] if self.label_at < len(line) else ""
            kind, code = self.match(text) or ("", "")
            targets.append((kind, code, text))
        return targets

    def figures(self, line: list[str]) -> list[str]:
        return line[self.first:]


def _derived_key(section: Section, kind: str, code: str, column_id: str) -> str:
    if kind == "group":
        return group_key(section.id, code, column_id)
    if kind == "total":
        return total_key(section.id, column_id)
    return cell_key(section.id, code, column_id)


def _place(block: _Block, targets, columns_at: dict[int, str]) -> Placement:
    """Lay the block's figure positions on the given columns (position → column id)."""
    section = block.section
    by_id = {c.id: c for c in section.columns}
    cells: list[PastedCell] = []
    dropped = 0
    ok = wrong = 0
    for i, line in enumerate(block.data):
        kind, code, _ = targets[i]
        figures = block.figures(line)
        if not kind:
            dropped += sum(1 for f in figures if f)
            continue
        here: dict[str, str] = {}
        for position, typed in enumerate(figures):
            column_id = columns_at.get(position)
            if column_id is None:
                dropped += 1 if typed else 0
                continue
            here[column_id] = typed
            column = by_id[column_id]
            is_input = column.is_input and kind == "row"
            key = cell_key(section.id, code, column_id) if is_input else _derived_key(section, kind, code, column_id)
            cells.append(PastedCell(i, key, column_id, typed, is_input))
        for column in section.computed_columns:
            if column.id not in here or not all(ref in here for ref in column.computed):
                continue
            try:
                total = _number(here[column.id])
                parts = sum(_number(here[ref]) for ref in column.computed)
            except InvalidNumber:
                continue
            if total == parts and total > 0:
                ok += 1
            elif total != parts:
                wrong += 1
    first = columns_at.get(0) or (min(columns_at.items())[1] if columns_at else "")
    return Placement(first, tuple(cells), tuple(t[2] for t in targets), dropped, ok, wrong)


def _at(section: Section, start: int, width: int) -> dict[int, str]:
    columns = section.columns
    return {p: columns[start + p].id for p in range(width) if start + p < len(columns)}


def plan_paste(template: ReportTemplate, section_id: str, start_row: str, start_col: str, text: str,
               first_column: str | None = None) -> PastePlan:
    """Where each value of a pasted block goes (see the module docstring).

    ``start_row``/``start_col``: the focused cell. ``first_column``: the officer's choice
    from the preview; then the block is laid from that column and whatever does not fit
    is dropped. Raises KeyError/StopIteration for a cell that is not in the table.
    """
    section = template.section(section_id)
    if section.kind != "table":
        raise KeyError(section_id)
    cursor_row = next(i for i, r in enumerate(section.rows) if r.code == start_row)
    cursor_col = next(i for i, c in enumerate(section.columns) if c.id == start_col)
    block = _Block(section, parse_block(text))
    targets = block.row_targets(cursor_row)
    plan = PastePlan(how="", placement=None, labels=[t[2] for t in targets])
    if not block.data or block.width <= 0:
        plan.ambiguous = "Vùng dán không có số liệu."
        return plan
    ncols = len(section.columns)
    by_number = {c.number: c.id for c in section.columns}

    if first_column is not None:
        start = next(i for i, c in enumerate(section.columns) if c.id == first_column)
        plan.placement = _place(block, targets, _at(section, start, block.width))
        plan.how = f"theo lựa chọn của bạn: cột đầu tiên của vùng dán là {section.columns[start].number}"
        return _split(section, plan)

    if block.numbered:
        columns_at = {p - block.first: by_number[n] for p, n in block.numbered.items()
                      if p >= block.first and n in by_number}
        unknown = [n for p, n in block.numbered.items() if p >= block.first and n not in by_number]
        plan.placement = _place(block, targets, columns_at)
        plan.how = "theo hàng đánh số cột (1), (2), (3)… của vùng dán"
        if unknown:
            plan.ambiguous = f"Vùng dán có cột {', '.join(unknown)} không có trong biểu này."
    else:
        candidates = {s: _place(block, targets, _at(section, s, block.width)) for s in range(ncols)}
        fitting = [s for s in range(ncols - block.width + 1)]
        # Totals are evidence when the block starts on one (its first column is the row's
        # total), or when several agree; one coincidence inside a block proves nothing.
        by_totals = [s for s in fitting if candidates[s].totals_ok > 2 * candidates[s].totals_wrong
                     and (not section.columns[s].is_input or candidates[s].totals_ok >= 2)]
        chosen, how = None, ""
        if block.width == ncols:
            chosen, how = 0, f"theo bố cục chính thức của biểu: {section.columns[0].number}–{section.columns[-1].number}"
        elif cursor_col in by_totals:
            chosen, how = cursor_col, "từ ô đang chọn; các cột tổng trong vùng dán khớp"
        elif len(by_totals) == 1 or cursor_col - 1 in by_totals:
            chosen = by_totals[0] if len(by_totals) == 1 else cursor_col - 1
            how = (f"theo cột tổng: cột đầu tiên của vùng dán bằng tổng các cột bên cạnh, "
                   f"nên là cột {section.columns[chosen].number}")
        elif not by_totals and cursor_col in fitting and (not candidates[cursor_col].totals_wrong
                                                          or not section.columns[cursor_col].is_input):
            # A block pasted on a total column is aimed there: a wrong total is flagged, not guessed away.
            chosen, how = cursor_col, "từ ô đang chọn"
        if chosen is not None:
            plan.placement, plan.how = candidates[chosen], how
        else:
            options = by_totals or [s for s in fitting if not candidates[s].totals_wrong] or fitting
            options = sorted(options, key=lambda s: abs(s - cursor_col))[:4]
            if cursor_col not in options:
                options.append(cursor_col)
            plan.options = [candidates[s] for s in sorted(options)]
            if cursor_col not in fitting:
                plan.ambiguous = (f"Vùng dán rộng {block.width} cột, nhưng từ ô đang chọn bảng chỉ còn "
                                  f"{ncols - cursor_col} cột.")
            elif len(by_totals) > 1:
                plan.ambiguous = "Các cột tổng trong vùng dán khớp với nhiều vị trí trong biểu."
            else:
                plan.ambiguous = "Các số dán vào cột tổng không khớp với tổng các cột bên cạnh ở ô đang chọn."
            return plan
    homeless = [t[2] or f"dòng {i + 1}" for i, t in enumerate(targets) if not t[0]]
    if not plan.ambiguous and homeless:
        if block.label_at is None:
            plan.ambiguous = f"Vùng dán có {len(block.data)} dòng, nhiều hơn số dòng còn lại của bảng."
        else:
            plan.ambiguous = "Không tìm thấy dòng: " + ", ".join(f"“{h}”" for h in homeless[:5]) + "."
    if not plan.ambiguous and plan.placement.dropped:
        plan.ambiguous = f"{plan.placement.dropped} số trong vùng dán nằm ngoài bảng."
    if plan.ambiguous:
        plan.options = [plan.placement]
        return plan
    return _split(section, plan)


def _split(section: Section, plan: PastePlan) -> PastePlan:
    for cell in plan.placement.cells:
        if cell.is_input:
            plan.entries.append((cell.key, cell.typed))
        elif cell.typed:
            plan.checks.append((cell.key, cell.typed))
    return plan


def keep_prefilled(plan: PastePlan, stored: Mapping[str, object], prefilled: Mapping[str, int]) -> None:
    """A paste never clears anything with an empty cell, nor replaces a value carried over
    from last period with an empty or zero cell (a copied sheet holds 0 where the portal
    already knows the figure): those cells are kept and reported, not written."""
    entries = []
    for key, typed in plan.entries:
        if not typed:
            if stored.get(key) is not None:
                plan.kept.append((key, typed, KEPT_EMPTY))
            continue
        carried = prefilled.get(key)
        if carried and stored.get(key) == carried and _is_number(typed) and parse_count(typed) == 0:
            plan.kept.append((key, typed, KEPT_PREFILLED))
            continue
        entries.append((key, typed))
    plan.entries = entries


def check_pasted_totals(template: ReportTemplate, values: Mapping[str, object],
                        checks: list[tuple[str, str]]) -> dict[str, str]:
    """Totals pasted with the block are compared with what the portal computes from the
    saved cells; a wrong one is named, never stored."""
    derived = compute(template, values)
    problems = {}
    for key, typed in checks:
        try:
            pasted = parse_count(typed)
        except InvalidNumber as exc:
            problems[key] = f"Ô tổng: {exc}"
            continue
        if derived.get(key, 0) != pasted:
            problems[key] = (f"Số dán vào ({format_count(pasted)}) khác tổng tính được "
                             f"({format_count(derived.get(key, 0))}); kiểm tra các ô thành phần.")
    return problems
