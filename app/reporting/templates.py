"""Report templates (mẫu báo cáo): versioned TOML data describing a report's sections.

A template file lists ordered ``[[sections]]`` and ``[[rules]]``. Section kinds:

- ``heading``: a numbered heading with no input of its own (e.g. "I. TÌNH HÌNH, KẾT QUẢ…");
  it exists so outlines and exports keep the official numbering.
- ``narrative``: free text (paragraphs, "-"/"+" bullets), stored under ``text_key``.
- ``indicators``: a few named counts, stored under ``field_key``.
- ``table``: counts in rows × columns; rows are fixed in the file or come from the
  fields catalogue (lĩnh vực) through ``bind_rows``; computed columns sum input columns.
- ``documents``: issued documents, stored by the web app as a list, not as keys.
- ``satisfaction``: survey forms, counts per level and index scores (hundredths).
- ``directives``: follow-up of directive tasks, stored per task under "I.9/t12/status|text|docs".

A table, indicators or satisfaction section with ``note = true`` also takes a short note
(thuyết minh) beside its figures, stored under ``note_key`` ("I.4/note"), at most
``note_max_length`` characters, with an optional ``note_hint`` shown in the empty box.

Rules name sections, columns and fields by id; every reference is checked at load so a
typo in a template fails loudly with the file and the key path, not at consolidation.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from .keys import FOLLOWUP_PARTS, NOTE, SEP, TEXT, cell_key, field_key, note_key, parse_key, task_id_of, text_key
from .wording import DEFAULT_WORDING, FUNCTIONS, PHRASE_NAMES, Part, WordingError, parse_line, placeholders

SECTION_KINDS = (
    "heading", "narrative", "indicators", "table", "documents", "satisfaction", "directives",
)
FREQUENCIES = ("month", "quarter", "half", "nine_months", "year", "adhoc")
CONVENTIONS = ("decree09", "calendar")
FIELD_KINDS = ("count", "score")
FIELD_ROLES = ("", "forms", "level", "index")
SEVERITIES = ("error", "warning")
ROW_SOURCES = ("fixed", "catalogue")
# How an indicator consolidates (design §5): counts add up; a catalogue size (số TTHC
# thuộc thẩm quyền, số dịch vụ công) never does; an attainment is a count against a
# catalogue size of the same unit ("82/82"), consolidated as units reaching it.
CONSOLIDATE = ("sum", "catalogue", "attainment")
FIGURE_WHEN = ("always", "unit", "consolidated", "mixed")
DEFAULT_MAX_LENGTH = 5000
# A note says what the figures cannot (a link, a resolution, why counts differ): a paragraph or two.
DEFAULT_NOTE_MAX_LENGTH = 2000
NOTE_KINDS = ("table", "indicators", "satisfaction")


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: str = "count"  # count | score (hundredths, 0..200)
    role: str = ""  # satisfaction only: forms | level | index
    consolidate: str = "sum"  # sum | catalogue | attainment (see CONSOLIDATE)
    of: str = ""  # attainment: the catalogue-size field it is measured against


@dataclass(frozen=True)
class Column:
    id: str
    number: str  # "(4)", the column-number row of the printed form
    headings: tuple[str, ...]  # header levels top → bottom; the last spans the rest
    computed: tuple[str, ...] = ()  # ids of input columns summed; empty for input
    role: str = "input"  # input | computed

    @property
    def is_input(self) -> bool:
        return self.role == "input"


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    group: str | None = None


@dataclass(frozen=True)
class RowGroup:
    code: str
    label: str


@dataclass(frozen=True)
class Ratio:
    """A share shown under a table, recomputed from summed counts, never averaged."""

    name: str
    label: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


@dataclass(frozen=True)
class Rating:
    minimum: int  # score in hundredths from which this label applies
    label: str


@dataclass(frozen=True)
class FigureBlock:
    """Lines that write a section's figures out (see wording.py), for one scope.

    scope: "total"; "group:<code>" (a row group, e.g. land); "ungrouped" (rows outside every
    group); "kind:<commune|office|district>" (the units of one kind). when: "always", "unit"
    (one unit's own report), "consolidated", "mixed" (a consolidation spanning several kinds).
    """

    lines: tuple[tuple[Part, ...], ...]
    scope: str = "total"
    when: str = "always"
    if_nonzero: str = ""  # left out unless this value is non-zero
    if_zero: str = ""  # left out unless this value is zero
    noun: str = ""  # what is counted, for the change phrases ("hồ sơ")


@dataclass(frozen=True)
class Section:
    id: str
    number: str
    heading: str
    kind: str
    level: int
    fields: tuple[Field, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: tuple[Row, ...] = ()
    groups: tuple[RowGroup, ...] = ()
    rows_source: str = "fixed"
    max_length: int = DEFAULT_MAX_LENGTH
    hint: str = ""
    label_headings: tuple[str, ...] = ()  # headings of the STT (1) and label (2) columns
    unit_label: str = ""  # "Số hồ sơ TTHC" under the table title
    ratios: tuple[Ratio, ...] = ()
    ratings: tuple[Rating, ...] = ()  # satisfaction: best first
    plans: bool = False  # the next period's tasks (phương hướng, nhiệm vụ kỳ tới)
    mandatory: bool = False  # printed even when empty ("Không có."); other empty sections are left out
    figures: tuple[FigureBlock, ...] = ()
    problems: bool = False  # where the suggestion names units with problems (khó khăn, tồn tại)
    overdue: tuple[str, ...] = ()  # table columns (or indicator fields) of overdue items, to name the units behind them
    note: bool = False  # takes a short note (thuyết minh) beside its figures, under note_key
    note_hint: str = ""  # shown in the empty note box
    note_max_length: int = DEFAULT_NOTE_MAX_LENGTH

    def text_limit(self, key: str) -> int:
        """How many characters a text stored under ``key`` of this section may hold."""
        return self.note_max_length if key == note_key(self.id) else self.max_length

    def column(self, column_id: str) -> Column:
        for column in self.columns:
            if column.id == column_id:
                return column
        raise KeyError(column_id)

    def field(self, field_id: str) -> Field:
        for item in self.fields:
            if item.id == field_id:
                return item
        raise KeyError(field_id)

    # Cached: the autosave's totals read them once per row of the table.
    @functools.cached_property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_input)

    @functools.cached_property
    def computed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.is_input)

    def fields_with_role(self, role: str) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.role == role)

    def rating_for(self, score: int | None) -> str:
        """The label of the best rating whose minimum the score reaches ("" if none)."""
        if score is None:
            return ""
        for rating in self.ratings:
            if score >= rating.minimum:
                return rating.label
        return ""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    section: str
    params: tuple[tuple[str, Any], ...]  # sorted pairs; lists become tuples (hashable)
    message: str

    def param(self, name: str, default: Any = None) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        return default


def with_departments(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """A template that names offices ("office": phòng, ban) is also reported by a province's
    departments ("department": sở, ban, ngành), a kind of its own since issue 22."""
    return kinds + ("department",) if "office" in kinds and "department" not in kinds else kinds


# The levels a template may word its report for: the unit that reports (trung ương — the
# Government Office's national report —, cấp tỉnh, cấp huyện, cấp xã, a specialised office);
# a unit's kind maps to one (``level_of``).
LEVELS = ("central", "province", "district", "commune", "office")
_LEVEL_OF_KIND = {"central": "central", "province": "province", "district": "district", "commune": "commune", "ward": "commune",
                  "town": "commune", "special": "commune", "office": "office", "department": "office"}
LEVEL_KEYS = ("opening", "legal_basis", "recipient")
OPENING_NAMES = ("unit", "report")


def level_of(unit_kind: str) -> str:
    return _LEVEL_OF_KIND.get(unit_kind, "")


@dataclass(frozen=True)
class LevelWording:
    """How one level's report opens: its opening sentence ({unit} and {report} filled in),
    the legal basis it cites and whom it is sent to by default (Kính gửi)."""

    opening: str = ""
    legal_basis: str = ""
    recipient: str = ""


@dataclass(frozen=True)
class ReportTemplate:
    code: str
    version: int
    title: str
    legal_basis: str
    frequency: str
    period_convention: str
    reporting_kinds: tuple[str, ...]
    form_code: str
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    source: str  # the TOML text, frozen by a round together with ``catalogue``
    catalogue: tuple[tuple[str, str, str | None, str | None], ...] = ()
    wording: tuple[tuple[str, str], ...] = tuple(DEFAULT_WORDING.items())  # change phrases
    levels: tuple[tuple[str, LevelWording], ...] = ()  # [levels.district] …: wording per reporting level

    def level_wording(self, unit_kind: str) -> LevelWording:
        """The wording for a report of a unit of ``unit_kind`` (empty when the template has none)."""
        return dict(self.levels).get(level_of(unit_kind), LevelWording())

    def phrase(self, name: str) -> str:
        return dict(self.wording).get(name, DEFAULT_WORDING[name])

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def plan_sections(self) -> tuple[Section, ...]:
        """Sections holding next period's tasks, and the narratives under them."""
        heads = [s.id for s in self.sections if s.plans]
        return tuple(s for s in self.sections if s.kind == "narrative"
                     and any(s.id == h or s.id.startswith(h + ".") for h in heads))

    def sections_of(self, kind: str) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == kind)

    def field_keys(self) -> tuple[str, ...]:
        """Every key a submission may store, in template order (text and numbers); a
        section's note follows its figures."""
        keys: list[str] = []
        for section in self.sections:
            if section.kind == "narrative":
                keys.append(text_key(section.id))
            keys.extend(_numeric_keys(section))
            if section.note:
                keys.append(note_key(section.id))
        return tuple(keys)

    def note_sections(self) -> tuple[Section, ...]:
        """Sections that take a note (thuyết minh) beside their figures."""
        return tuple(s for s in self.sections if s.note)

    def input_keys(self) -> tuple[str, ...]:
        """The numeric keys a unit types in (counts and scores), in template order."""
        return tuple(k for s in self.sections for k in _numeric_keys(s))

    def key_kind(self, key: str) -> str | None:
        """'count', 'score' or 'text' for a storable key; None if the template has no such key."""
        try:
            section_id, part, sub = parse_key(key)
            section = self.section(section_id)
        except (ValueError, KeyError):
            return None
        if section.kind == "narrative" and part == TEXT and sub is None:
            return "text"
        if part == NOTE and sub is None:
            return "text" if section.note else None
        if section.kind == "directives":
            # Which tasks a unit may write is the service's business; the shape is checked here.
            return FOLLOWUP_PARTS.get(sub) if sub is not None and task_id_of(part) is not None else None
        if section.kind in ("indicators", "satisfaction") and sub is None:
            try:
                return section.field(part).kind
            except KeyError:
                return None
        if section.kind == "table" and sub is not None:
            try:
                column = section.column(sub)
            except KeyError:
                return None
            known_row = any(r.code == part for r in section.rows)
            if column.is_input and (known_row or _is_row_code(part) and not section.rows):
                return "count"
        return None


def _numeric_keys(section: Section) -> list[str]:
    if section.kind in ("indicators", "satisfaction"):
        return [field_key(section.id, f.id) for f in section.fields]
    if section.kind == "table":
        return [
            cell_key(section.id, row.code, column.id)
            for row in section.rows
            for column in section.input_columns
        ]
    return []


def _is_row_code(code: str) -> bool:
    return bool(code) and SEP not in code and not code.startswith("_")


# --- loading -------------------------------------------------------------------------

_TOP_KEYS = {
    "code", "version", "title", "legal_basis", "frequency", "period_convention",
    "reporting_kinds", "form_code", "sections", "rules", "wording", "levels",
}
_SECTION_KEYS = {
    "id", "number", "heading", "kind", "fields", "columns", "rows", "groups", "rows_source",
    "max_length", "hint", "label_headings", "unit_label", "ratios", "ratings", "plans",
    "mandatory",
    "figures", "problems", "overdue", "note", "note_hint", "note_max_length",
}
_FIGURE_KEYS = {"lines", "scope", "when", "if_nonzero", "if_zero", "noun"}
_RULE_BASE_KEYS = {"id", "kind", "severity", "section", "message"}
# Parameters each rule kind accepts, with defaults (None = required).
_RULE_PARAMS: dict[str, dict[str, Any]] = {
    "balance": {"left": None, "right": None, "scope": "total"},
    "sum_equals": {"total": None, "parts": None},
    "carry_over": {"column": None, "previous_column": None},
    "outlier": {"factor": 3, "floor": 20},
    "at_most": {"value": None, "limit": None},
    "satisfaction": {"max_total": 18, "index_message": "", "total_message": ""},
}
_RULE_SECTION_KINDS = {
    "balance": ("table",),
    "sum_equals": ("indicators",),
    "carry_over": ("table",),
    "outlier": ("table", "indicators"),
    "at_most": ("indicators", "table"),
    "satisfaction": ("satisfaction",),
}


class _Loader:
    """Turns parsed TOML into dataclasses, reporting errors as "file: path message"."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str) -> TemplateError:
        return TemplateError(f"{self.source}: {where} {message}" if where else f"{self.source}: {message}")

    def require(self, table: dict, key: str, where: str, kind: type | tuple = str) -> Any:
        if key not in table:
            raise self.fail(where, f"{'is ' if where else ''}missing required key '{key}'")
        return self.typed(table[key], f"{where}.{key}" if where else key, kind)

    def typed(self, value: Any, where: str, kind: type | tuple) -> Any:
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(where, f"must be {names}, got {type(value).__name__}")
        if isinstance(value, str) and not value.strip() and (where in ("code", "title")
                                                             or where.endswith((".id", ".code", ".label", ".heading"))):
            raise self.fail(where, "must not be empty")
        return value

    def optional(self, table: dict, key: str, where: str, kind: type | tuple, default: Any) -> Any:
        if key not in table:
            return default
        return self.typed(table[key], f"{where}.{key}" if where else key, kind)

    def strings(self, table: dict, key: str, where: str, required: bool = False) -> tuple[str, ...]:
        path = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                raise self.fail(where, f"is missing required key '{key}'")
            return ()
        value = table[key]
        if isinstance(value, str):
            value = [value]
        self.typed(value, path, list)
        for i, item in enumerate(value):
            self.typed(item, f"{path}[{i}]", str)
        return tuple(value)

    def no_unknown(self, table: dict, allowed: set[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(where, f"has unknown key '{unknown[0]}'")

    def one_of(self, value: str, choices: tuple[str, ...], where: str) -> str:
        if value not in choices:
            raise self.fail(where, f"must be one of {', '.join(c for c in choices if c)}, got '{value}'")
        return value

    def unique(self, ids: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for i, item in enumerate(ids):
            if item in seen:
                raise self.fail(f"{where}[{i}]", f"duplicates {what} '{item}'")
            seen.add(item)

    # -- template ---------------------------------------------------------------------

    def template(self, data: dict, text: str) -> ReportTemplate:
        self.no_unknown(data, _TOP_KEYS, "")
        code = self.require(data, "code", "")
        version = self.require(data, "version", "", int)
        title = self.require(data, "title", "")
        frequency = self.one_of(self.require(data, "frequency", ""), FREQUENCIES, "frequency")
        convention = self.one_of(
            self.require(data, "period_convention", ""), CONVENTIONS, "period_convention"
        )
        raw_sections = self.require(data, "sections", "", list)
        sections = tuple(self.section(s, f"sections[{i}]") for i, s in enumerate(raw_sections))
        self.unique([s.id for s in sections], "sections", "section id")
        raw_rules = self.optional(data, "rules", "", list, [])
        by_id = {s.id: s for s in sections}
        rules = tuple(self.rule(r, f"rules[{i}]", by_id) for i, r in enumerate(raw_rules))
        self.unique([r.id for r in rules], "rules", "rule id")
        return ReportTemplate(
            code=code,
            version=version,
            title=title,
            legal_basis=self.optional(data, "legal_basis", "", str, ""),
            frequency=frequency,
            period_convention=convention,
            reporting_kinds=with_departments(self.strings(data, "reporting_kinds", "")),
            form_code=self.optional(data, "form_code", "", str, ""),
            sections=sections,
            rules=rules,
            source=text,
            wording=self.wording(data),
            levels=self.levels(data),
        )

    def levels(self, data: dict) -> tuple[tuple[str, LevelWording], ...]:
        raw = self.optional(data, "levels", "", dict, {})
        self.no_unknown(raw, set(LEVELS), "levels")
        found = []
        for level in LEVELS:
            if level not in raw:
                continue
            where = f"levels.{level}"
            table = self.typed(raw[level], where, dict)
            self.no_unknown(table, set(LEVEL_KEYS), where)
            values = {key: self.optional(table, key, where, str, "").strip() for key in LEVEL_KEYS}
            unknown = sorted(set(re.findall(r"\{([^{}]*)\}", values["opening"])) - set(OPENING_NAMES))
            if unknown:
                raise self.fail(f"{where}.opening", f"uses unknown placeholder {{{unknown[0]}}}")
            found.append((level, LevelWording(**values)))
        return tuple(found)

    def wording(self, data: dict) -> tuple[tuple[str, str], ...]:
        raw = self.optional(data, "wording", "", dict, {})
        self.no_unknown(raw, set(DEFAULT_WORDING), "wording")
        merged = dict(DEFAULT_WORDING)
        for name, phrase in raw.items():
            phrase = self.typed(phrase, f"wording.{name}", str)
            unknown = sorted(set(re.findall(r"\{([^{}]*)\}", phrase)) - set(PHRASE_NAMES))
            if unknown:
                raise self.fail(f"wording.{name}", f"uses unknown placeholder {{{unknown[0]}}}")
            merged[name] = phrase
        return tuple(merged.items())

    def section(self, raw: Any, where: str) -> Section:
        self.typed(raw, where, dict)
        self.no_unknown(raw, _SECTION_KEYS, where)
        section_id = self.require(raw, "id", where)
        if SEP in section_id or not all(section_id.split(".")):
            raise self.fail(f"{where}.id", f"'{section_id}' must be dotted parts like 'I.5.5'")
        kind = self.one_of(self.require(raw, "kind", where), SECTION_KINDS, f"{where}.kind")
        parts = section_id.split(".")
        default_number = f"{parts[0]}." if len(parts) == 1 else ".".join(parts[1:]) + "."
        fields = tuple(
            self.field(f, f"{where}.fields[{i}]", kind)
            for i, f in enumerate(self.optional(raw, "fields", where, list, []))
        )
        self.unique([f.id for f in fields], f"{where}.fields", "field id")
        columns = tuple(
            self.column(c, f"{where}.columns[{i}]")
            for i, c in enumerate(self.optional(raw, "columns", where, list, []))
        )
        self.unique([c.id for c in columns], f"{where}.columns", "column id")
        groups = tuple(
            self.group(g, f"{where}.groups[{i}]")
            for i, g in enumerate(self.optional(raw, "groups", where, list, []))
        )
        self.unique([g.code for g in groups], f"{where}.groups", "group code")
        rows = tuple(
            self.row(r, f"{where}.rows[{i}]", {g.code for g in groups})
            for i, r in enumerate(self.optional(raw, "rows", where, list, []))
        )
        self.unique([r.code for r in rows], f"{where}.rows", "row code")
        rows_source = self.one_of(
            self.optional(raw, "rows_source", where, str, "fixed"), ROW_SOURCES, f"{where}.rows_source"
        )
        if kind == "indicators" and not fields:
            raise self.fail(where, "is an indicators section without fields")
        if kind == "table":
            if not columns:
                raise self.fail(where, "is a table without columns")
            if rows_source == "fixed" and not rows:
                raise self.fail(where, "is a table with fixed rows but no rows")
            if rows_source == "catalogue" and rows:
                raise self.fail(where, "takes rows from the catalogue and must not list rows")
            self.check_computed(columns, where)
        if kind == "satisfaction":
            self.check_survey_fields(fields, where)
        ratios = self.ratios(raw, where, {c.id for c in columns})
        ratings = self.ratings(raw, where)
        if kind == "indicators":
            self.check_consolidation(fields, where)
        overdue = self.strings(raw, "overdue", where)
        # A table's overdue dossiers are columns; an indicators section's overdue PAKN, fields.
        for ref in overdue:
            if ref not in {c.id for c in columns} | ({f.id for f in fields} if kind == "indicators" else set()):
                raise self.fail(f"{where}.overdue", f"names unknown column '{ref}'")
        figures = tuple(
            self.figure(f, f"{where}.figures[{i}]", kind, fields, columns, ratios)
            for i, f in enumerate(self.optional(raw, "figures", where, list, []))
        )
        note = self.optional(raw, "note", where, bool, False)
        if note and kind not in NOTE_KINDS:
            raise self.fail(f"{where}.note", f"belongs to table, indicators or satisfaction sections, not {kind}")
        for name in ("note_hint", "note_max_length"):
            if name in raw and not note:
                raise self.fail(f"{where}.{name}", "is only used with note = true")
        note_max_length = self.optional(raw, "note_max_length", where, int, DEFAULT_NOTE_MAX_LENGTH)
        if note_max_length < 1:
            raise self.fail(f"{where}.note_max_length", "must be at least 1")
        return Section(
            id=section_id,
            number=self.optional(raw, "number", where, str, default_number),
            heading=self.require(raw, "heading", where),
            kind=kind,
            level=len(parts),
            fields=fields,
            columns=columns,
            rows=rows,
            groups=groups,
            rows_source=rows_source,
            max_length=self.optional(raw, "max_length", where, int, DEFAULT_MAX_LENGTH),
            plans=self.optional(raw, "plans", where, bool, False),
            mandatory=self.optional(raw, "mandatory", where, bool, False),
            hint=self.optional(raw, "hint", where, str, ""),
            label_headings=self.strings(raw, "label_headings", where),
            unit_label=self.optional(raw, "unit_label", where, str, ""),
            ratios=ratios,
            ratings=ratings,
            figures=figures,
            problems=self.optional(raw, "problems", where, bool, False),
            overdue=overdue,
            note=note,
            note_hint=self.optional(raw, "note_hint", where, str, ""),
            note_max_length=note_max_length,
        )

    def check_consolidation(self, fields: tuple[Field, ...], where: str) -> None:
        by_id = {f.id: f for f in fields}
        for i, item in enumerate(fields):
            if item.consolidate == "attainment":
                target = by_id.get(item.of)
                if target is None:
                    raise self.fail(f"{where}.fields[{i}].of", f"names unknown field '{item.of}'")
                if target.consolidate != "catalogue":
                    raise self.fail(f"{where}.fields[{i}].of", f"'{item.of}' must be a catalogue size")
            elif item.of:
                raise self.fail(f"{where}.fields[{i}].of", "is only used with consolidate = 'attainment'")

    def figure(self, raw: Any, where: str, kind: str, fields, columns, ratios) -> FigureBlock:
        self.typed(raw, where, dict)
        self.no_unknown(raw, _FIGURE_KEYS, where)
        if kind not in ("table", "indicators", "satisfaction"):
            raise self.fail(where, f"figures belong to table, indicators or satisfaction sections, not {kind}")
        scope = self.optional(raw, "scope", where, str, "total")
        if not (scope in ("total", "ungrouped") or re.fullmatch(r"(group|kind):[A-Za-z0-9_]+", scope)):
            raise self.fail(f"{where}.scope", f"must be total, ungrouped, group:<code> or kind:<kind>, got '{scope}'")
        if kind != "table" and scope.startswith(("group:", "ungrouped")):
            raise self.fail(f"{where}.scope", "row groups exist in tables only")
        if kind == "satisfaction" and scope != "total":
            raise self.fail(f"{where}.scope", "a survey is written out for the total only")
        known = {c.id for c in columns} | {f.id for f in fields}
        levels = {f.id for f in fields if f.role == "level"}
        measured = {f.id for f in fields if f.consolidate != "sum"}
        lines = []
        for i, text in enumerate(self.strings(raw, "lines", where, required=True)):
            try:
                line = parse_line(text)
            except WordingError as exc:
                raise self.fail(f"{where}.lines[{i}]", str(exc)) from None
            for item in placeholders(line):
                self.check_placeholder(item, f"{where}.lines[{i}]", kind, known, levels, measured,
                                       {r.name for r in ratios})
            lines.append(line)
        conditions = {}
        for name in ("if_nonzero", "if_zero"):
            value = self.optional(raw, name, where, str, "")
            if value and not all(part in known for part in value.split("+")):
                raise self.fail(f"{where}.{name}", f"names unknown column or field '{value}'")
            conditions[name] = value
        return FigureBlock(
            lines=tuple(lines), scope=scope,
            when=self.one_of(self.optional(raw, "when", where, str, "always"), FIGURE_WHEN, f"{where}.when"),
            noun=self.optional(raw, "noun", where, str, ""), **conditions,
        )

    def check_placeholder(self, item, where, kind, known, levels, measured, ratio_names) -> None:
        shape = FUNCTIONS[item.function]
        text = f"{{{item.function}:{item.argument}}}" if item.argument else f"{{{item.function}}}"
        if shape == "ratio" and item.argument not in ratio_names:
            raise self.fail(where, f"{text} names unknown ratio '{item.argument}'")
        if shape == "level" and item.argument not in levels:
            raise self.fail(where, f"{text} names unknown survey level '{item.argument}'")
        if shape == "field" and item.argument not in measured:
            raise self.fail(where, f"{text} needs a catalogue or attainment field")
        if item.function in ("score", "rating") and kind != "satisfaction":
            raise self.fail(where, f"{text} belongs to a satisfaction section")
        for name in item.names():
            if name not in known:
                raise self.fail(where, f"{text} names unknown column or field '{name}'")

    def field(self, raw: Any, where: str, section_kind: str) -> Field:
        self.typed(raw, where, dict)
        self.no_unknown(raw, {"id", "label", "kind", "role", "consolidate", "of"}, where)
        field_id = self.require(raw, "id", where)
        if not _is_row_code(field_id) or field_id in (TEXT, NOTE):
            raise self.fail(f"{where}.id", f"'{field_id}' is not a usable field id")
        role = self.one_of(self.optional(raw, "role", where, str, ""), FIELD_ROLES, f"{where}.role")
        if role and section_kind != "satisfaction":
            raise self.fail(f"{where}.role", "is only used in satisfaction sections")
        default_kind = "score" if role == "index" else "count"
        return Field(
            id=field_id,
            label=self.require(raw, "label", where),
            kind=self.one_of(
                self.optional(raw, "kind", where, str, default_kind), FIELD_KINDS, f"{where}.kind"
            ),
            role=role,
            consolidate=self.one_of(
                self.optional(raw, "consolidate", where, str, "sum"), CONSOLIDATE, f"{where}.consolidate"
            ),
            of=self.optional(raw, "of", where, str, ""),
        )

    def column(self, raw: Any, where: str) -> Column:
        self.typed(raw, where, dict)
        self.no_unknown(raw, {"id", "number", "headings", "computed"}, where)
        column_id = self.require(raw, "id", where)
        if not _is_row_code(column_id):
            raise self.fail(f"{where}.id", f"'{column_id}' is not a usable column id")
        headings = self.strings(raw, "headings", where, required=True)
        if not 1 <= len(headings) <= 3:
            raise self.fail(f"{where}.headings", "must have 1 to 3 header levels")
        if not all(h.strip() for h in headings):
            raise self.fail(f"{where}.headings", "must not be empty")
        computed = self.strings(raw, "computed", where)
        return Column(
            id=column_id,
            number=self.optional(raw, "number", where, str, ""),
            headings=headings,
            computed=computed,
            role="computed" if computed else "input",
        )

    def check_computed(self, columns: tuple[Column, ...], where: str) -> None:
        inputs = {c.id for c in columns if c.is_input}
        known = {c.id for c in columns}
        for i, column in enumerate(columns):
            for ref in column.computed:
                if ref not in known:
                    raise self.fail(f"{where}.columns[{i}].computed", f"names unknown column '{ref}'")
                if ref not in inputs:
                    # One level only: totals of totals would hide which inputs are summed.
                    raise self.fail(
                        f"{where}.columns[{i}].computed", f"may only sum input columns, not '{ref}'"
                    )

    def check_survey_fields(self, fields: tuple[Field, ...], where: str) -> None:
        forms = [f for f in fields if f.role == "forms"]
        if len(forms) != 1:
            raise self.fail(where, "needs exactly one field with role 'forms'")
        if not any(f.role == "level" for f in fields):
            raise self.fail(where, "needs fields with role 'level'")
        for i, item in enumerate(fields):
            if item.role == "index" and item.kind != "score":
                raise self.fail(f"{where}.fields[{i}].kind", "must be 'score' for an index")
            if item.role in ("forms", "level") and item.kind != "count":
                raise self.fail(f"{where}.fields[{i}].kind", "must be 'count'")
            if not item.role:
                raise self.fail(f"{where}.fields[{i}]", "needs a role (forms, level or index)")

    def group(self, raw: Any, where: str) -> RowGroup:
        self.typed(raw, where, dict)
        self.no_unknown(raw, {"code", "label"}, where)
        code = self.require(raw, "code", where)
        if not _is_row_code(code):
            raise self.fail(f"{where}.code", f"'{code}' is not a usable group code")
        return RowGroup(code=code, label=self.require(raw, "label", where))

    def row(self, raw: Any, where: str, groups: set[str]) -> Row:
        self.typed(raw, where, dict)
        self.no_unknown(raw, {"code", "label", "group"}, where)
        code = self.require(raw, "code", where)
        if not _is_row_code(code):
            raise self.fail(f"{where}.code", f"'{code}' is not a usable row code")
        group = self.optional(raw, "group", where, str, None)
        if group is not None and group not in groups:
            raise self.fail(f"{where}.group", f"names unknown group '{group}'")
        return Row(code=code, label=self.require(raw, "label", where), group=group)

    def ratios(self, raw: dict, where: str, columns: set[str]) -> tuple[Ratio, ...]:
        table = self.optional(raw, "ratios", where, dict, {})
        result = []
        for name, spec in table.items():
            path = f"{where}.ratios.{name}"
            self.typed(spec, path, dict)
            self.no_unknown(spec, {"label", "num", "den"}, path)
            num = self.strings(spec, "num", path, required=True)
            den = self.strings(spec, "den", path, required=True)
            for part, refs in (("num", num), ("den", den)):
                for ref in refs:
                    if ref not in columns:
                        raise self.fail(f"{path}.{part}", f"names unknown column '{ref}'")
            result.append(Ratio(name, self.optional(spec, "label", path, str, name), num, den))
        return tuple(result)

    def ratings(self, raw: dict, where: str) -> tuple[Rating, ...]:
        result = []
        for i, spec in enumerate(self.optional(raw, "ratings", where, list, [])):
            path = f"{where}.ratings[{i}]"
            self.typed(spec, path, dict)
            self.no_unknown(spec, {"min", "label"}, path)
            minimum = self.require(spec, "min", path, (int, float))
            result.append(Rating(int(Decimal(str(minimum)) * 100), self.require(spec, "label", path)))
        if [r.minimum for r in result] != sorted((r.minimum for r in result), reverse=True):
            raise self.fail(f"{where}.ratings", "must be listed from the best rating down")
        return tuple(result)

    # -- rules ------------------------------------------------------------------------

    def rule(self, raw: Any, where: str, sections: dict[str, Section]) -> Rule:
        self.typed(raw, where, dict)
        rule_id = self.require(raw, "id", where)
        kind = self.one_of(self.require(raw, "kind", where), tuple(_RULE_PARAMS), f"{where}.kind")
        allowed = _RULE_PARAMS[kind]
        self.no_unknown(raw, _RULE_BASE_KEYS | set(allowed), where)
        severity = self.one_of(self.require(raw, "severity", where), SEVERITIES, f"{where}.severity")
        section_id = self.require(raw, "section", where)
        if section_id not in sections:
            raise self.fail(f"{where}.section", f"names unknown section '{section_id}'")
        section = sections[section_id]
        if section.kind not in _RULE_SECTION_KINDS[kind]:
            raise self.fail(
                f"{where}.section", f"'{section_id}' is a {section.kind} section; {kind} needs "
                + " or ".join(_RULE_SECTION_KINDS[kind])
            )
        message = self.require(raw, "message", where)
        params: dict[str, Any] = {}
        for name, default in allowed.items():
            if name not in raw:
                if default is None:
                    raise self.fail(where, f"is missing required key '{name}'")
                params[name] = default
            else:
                value = raw[name]
                params[name] = tuple(value) if isinstance(value, list) else value
        placeholders = getattr(self, f"rule_{kind}")(params, where, section, sections)
        self.check_message(message, placeholders, f"{where}.message")
        for extra in ("index_message", "total_message"):
            if params.get(extra):
                self.check_message(params[extra], placeholders, f"{where}.{extra}")
        return Rule(rule_id, kind, severity, section_id, tuple(sorted(params.items())), message)

    def check_message(self, message: str, placeholders: set[str], where: str) -> None:
        class Strict(dict):
            def __missing__(self, key: str) -> str:
                raise KeyError(key)

        try:
            message.format_map(Strict({name: "0" for name in placeholders}))
        except KeyError as exc:
            raise self.fail(where, f"uses unknown placeholder {{{exc.args[0]}}}") from None
        except (ValueError, IndexError) as exc:
            raise self.fail(where, f"is not a valid message: {exc}") from None

    def column_refs(self, refs: Any, where: str, section: Section) -> tuple[str, ...]:
        refs = (refs,) if isinstance(refs, str) else refs
        self.typed(refs, where, tuple)
        known = {c.id for c in section.columns}
        for i, ref in enumerate(refs):
            if ref not in known:
                raise self.fail(f"{where}[{i}]" if len(refs) > 1 else where, f"names unknown column '{ref}'")
        return tuple(refs)

    def field_refs(self, refs: Any, where: str, section: Section) -> tuple[str, ...]:
        refs = (refs,) if isinstance(refs, str) else refs
        self.typed(refs, where, tuple)
        known = {f.id for f in section.fields}
        for i, ref in enumerate(refs):
            if ref not in known:
                raise self.fail(f"{where}[{i}]" if len(refs) > 1 else where, f"names unknown field '{ref}'")
        return tuple(refs)

    def rule_balance(self, params, where, section, sections) -> set[str]:
        params["left"] = self.column_refs(params["left"], f"{where}.left", section)
        params["right"] = self.column_refs(params["right"], f"{where}.right", section)
        self.one_of(params["scope"], ("total", "row"), f"{where}.scope")
        return {*params["left"], *params["right"], "left", "right", "diff", "row"}

    def rule_sum_equals(self, params, where, section, sections) -> set[str]:
        params["total"] = self.field_refs(params["total"], f"{where}.total", section)[0]
        params["parts"] = self.field_refs(params["parts"], f"{where}.parts", section)
        return {params["total"], *params["parts"], "total", "parts", "diff"}

    def rule_carry_over(self, params, where, section, sections) -> set[str]:
        params["column"] = self.column_refs(params["column"], f"{where}.column", section)[0]
        params["previous_column"] = self.column_refs(
            params["previous_column"], f"{where}.previous_column", section
        )[0]
        return {"row", "value", "previous"}

    def rule_outlier(self, params, where, section, sections) -> set[str]:
        for name in ("factor", "floor"):
            self.typed(params[name], f"{where}.{name}", int)
            if params[name] < 1:
                raise self.fail(f"{where}.{name}", "must be at least 1")
        return {"label", "value", "previous", "factor"}

    def rule_at_most(self, params, where, section, sections) -> set[str]:
        value = self.term(params["value"], f"{where}.value", section, sections)
        limit = params["limit"]
        limit = (limit,) if isinstance(limit, str) else limit
        self.typed(limit, f"{where}.limit", tuple)
        params["value"] = value
        params["limit"] = tuple(
            self.term(term, f"{where}.limit[{i}]", section, sections) for i, term in enumerate(limit)
        )
        names = {_term_name(t) for t in (value, *params["limit"])}
        return names | {"value", "limit"}

    def term(self, term: Any, where: str, section: Section, sections: dict[str, Section]) -> str:
        """A field id of the rule's section, or a full key "I.4/_total/c10" into any section."""
        self.typed(term, where, str)
        if SEP not in term:
            self.field_refs(term, where, section)
            return field_key(section.id, term)
        try:
            section_id, part, sub = parse_key(term)
        except ValueError:
            raise self.fail(where, f"'{term}' is not a key") from None
        if section_id not in sections:
            raise self.fail(where, f"names unknown section '{section_id}'")
        target = sections[section_id]
        if sub is None:
            self.field_refs(part, where, target)
        elif target.kind != "table":
            raise self.fail(where, f"'{term}' points into a {target.kind} section, not a table")
        else:
            self.column_refs(sub, where, target)
            if part != "_total" and not part.startswith("_group:") and not target.rows:
                raise self.fail(where, f"'{term}' names a row of a catalogue table; use _total")
        return term

    def rule_satisfaction(self, params, where, section, sections) -> set[str]:
        self.typed(params["max_total"], f"{where}.max_total", (int, float))
        params["max_total"] = int(Decimal(str(params["max_total"])) * 100)
        return {"forms", "levels", "label", "value", "total", "max_total"}


def _term_name(term: str) -> str:
    """The placeholder a key is known by in a message: its last part ("c10", "apologies")."""
    return term.rsplit(SEP, 1)[-1]


# A template is a shallow document: the shipped ones nest 6 levels (sections → figures →
# lines) and 2 levels of brackets within a line. Deeper text is refused before the parser
# recurses into it (tomllib recurses once per bracket; 500 of them end in RecursionError).
MAX_BRACKET_DEPTH = 8
MAX_NESTING = 10
_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?"""' "|" r"'''.*?'''" "|" r'"(?:[^"\\\n]|\\.)*"' "|" r"'[^'\n]*'" "|" r"#[^\n]*" "|" r"[\[\]{}]",
    re.DOTALL)


class TemplateTooDeep(TemplateError):
    """Text nested deeper than a template ever needs; ``line`` is where it went too deep."""

    def __init__(self, message: str, line: int | None, limit: int):
        super().__init__(message)
        self.line = line
        self.limit = limit


def bracket_depth_line(text: str, limit: int = MAX_BRACKET_DEPTH) -> int | None:
    """The 1-based line where brackets outside strings and comments nest deeper than
    ``limit``, or None: a scan without recursion, run before the parser."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif token in "]}":
            depth = max(depth - 1, 0)
    return None


def nesting_depth(data: Any) -> int:
    """How deep tables and arrays nest (the shipped templates: 6), counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return deepest


def parse_source(text: str, source: str = "<template>") -> dict:
    """The TOML text as data, refusing what nests deeper than a template needs (TemplateTooDeep)
    or is not TOML (tomllib.TOMLDecodeError)."""
    line = bracket_depth_line(text)
    if line is not None:
        raise TemplateTooDeep(f"{source}: brackets nest deeper than {MAX_BRACKET_DEPTH} levels at line {line}", line,
                              MAX_BRACKET_DEPTH)
    data = tomllib.loads(text)
    if nesting_depth(data) > MAX_NESTING:
        raise TemplateTooDeep(f"{source}: tables nest deeper than {MAX_NESTING} levels", None, MAX_NESTING)
    return data


def frozen_digest(source: str, catalogue_json: str) -> str:
    """What identifies a round's frozen template: its text and its catalogue snapshot. Equal
    digests mean the same bound template, so a parsed one can be reused by digest alone."""
    return hashlib.sha256(source.encode() + b"\0" + catalogue_json.encode()).hexdigest()


def load_template_text(text: str, source: str = "<template>") -> ReportTemplate:
    """Parse and check a template; raise TemplateError naming ``source`` and the key."""
    loader = _Loader(source)
    try:
        data = parse_source(text, source)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: TOML syntax error: {exc}") from None
    return loader.template(data, text)


def load_template(path: str | Path) -> ReportTemplate:
    path = Path(path)
    return load_template_text(path.read_text(encoding="utf-8"), path.name)


@functools.cache
def shipped_templates() -> dict[str, ReportTemplate]:
    """The templates in the package's templates/ folder, keyed by code (read once)."""
    found: dict[str, ReportTemplate] = {}
    folder = resources.files(__package__).joinpath("templates")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            template = load_template_text(entry.read_text(encoding="utf-8"), entry.name)
            if template.code in found:
                raise TemplateError(f"{entry.name}: code '{template.code}' is already used")
            found[template.code] = template
    return found


def bind_rows(
    template: ReportTemplate,
    catalogue: list[tuple[str, str, str | None, str | None]] | tuple,
) -> ReportTemplate:
    """A copy whose catalogue tables take their rows and groups from ``catalogue``.

    ``catalogue`` is (code, label, group_code, group_label) per field, in display order; a
    round stores this snapshot with the template source so later catalogue edits do not
    change a report already opened.
    """
    rows: list[Row] = []
    groups: dict[str, RowGroup] = {}
    seen: set[str] = set()
    snapshot = []
    for i, entry in enumerate(catalogue):
        code, label, group_code, group_label = (tuple(entry) + (None, None))[:4]
        where = f"catalogue[{i}]"
        if not isinstance(code, str) or not _is_row_code(code):
            raise TemplateError(f"catalogue: {where} code {code!r} is not a usable row code")
        if code in seen:
            raise TemplateError(f"catalogue: {where} duplicates row code '{code}'")
        seen.add(code)
        if group_code:
            if not _is_row_code(group_code):
                raise TemplateError(f"catalogue: {where} group {group_code!r} is not a usable code")
            groups.setdefault(group_code, RowGroup(group_code, group_label or group_code))
        rows.append(Row(code, label, group_code or None))
        snapshot.append((code, label, group_code or None, group_label or None))
    sections = tuple(
        dataclasses.replace(s, rows=tuple(rows), groups=tuple(groups.values()))
        if s.kind == "table" and s.rows_source == "catalogue"
        else s
        for s in template.sections
    )
    return dataclasses.replace(template, sections=sections, catalogue=tuple(snapshot))


# A typical commune fields catalogue (lĩnh vực), in the order communes list them.
# Land registration and secured-transaction registration are one land group, which is
# how districts report "Tổng lĩnh vực đất đai" (seed 002).
DEFAULT_FIELDS: list[tuple[str, str, str | None, str | None]] = [
    ("ho_tich", "Hộ tịch", None, None),
    ("chung_thuc", "Chứng thực", None, None),
    ("dat_dai", "Đất đai", "dat_dai", "Tổng lĩnh vực đất đai"),
    ("bao_dam", "Đăng ký biện pháp bảo đảm", "dat_dai", "Tổng lĩnh vực đất đai"),
    ("bao_tro_xa_hoi", "Bảo trợ xã hội", None, None),
    ("nguoi_co_cong", "Người có công", None, None),
    ("lao_dong", "Lao động, tiền lương", None, None),
    ("thi_dua", "Thi đua, khen thưởng", None, None),
    ("ton_giao", "Tôn giáo", None, None),
    ("van_hoa", "Văn hóa cơ sở", None, None),
    ("giao_duc", "Giáo dục và đào tạo", None, None),
    ("moi_truong", "Môi trường", None, None),
    ("nong_nghiep", "Nông nghiệp và phát triển nông thôn", None, None),
    ("xay_dung", "Xây dựng", None, None),
    ("kinh_te", "Kinh tế hợp tác xã, hộ kinh doanh", None, None),
    ("hoa_giai", "Tư pháp - Hòa giải ở cơ sở", None, None),
    ("nuoi_con_nuoi", "Nuôi con nuôi", None, None),
    ("khac", "Lĩnh vực khác", None, None),
]
