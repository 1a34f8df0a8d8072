"""The reviewer's suggestion for one section: the units' statements grouped (design §8).

A consolidated report does not repeat each commune's sentence; it says a thing once and
names who did it. ``group_statements`` turns (unit, text) pairs into groups, largest first:

1. Each text is split into statements (its non-empty lines; a long paragraph stays whole).
2. Each statement is normalised: Unicode NFC, lower case, the writer's own name (with or
   without "UBND", "xã", "phường"…) replaced by one token, every number replaced by "#",
   punctuation dropped, spaces collapsed. Statements with the same normal form are one group.
3. Near-identical groups are merged: a normal form joins the largest earlier group whose
   normal form has an Indel similarity (``rapidfuzz.fuzz.ratio``, 0–100, i.e. 100 × (1 −
   edits / total length)) of at least ``SIMILARITY``. Statements that differ in a word or two
   of a long sentence merge; short statements that differ in meaning ("đã" / "chưa") do not,
   because a short sentence loses more than 8 % with one changed word.

A group is shown with its most common wording; a number that differs across the group is
shown as its range ("3–45"), and the writers' own names as "các đơn vị".
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz, process

from .wording import name_list

SIMILARITY = 92
NAMES_SHOWN = 2  # "(Xã A, Xã B và 28 đơn vị khác)"
OWN_NAME = "\x00"  # the token a writer's own name becomes in the normal form

# What may stand before a unit's proper name in a sentence ("UBND xã Bình An", "Xã Bình An").
_PREFIX_WORDS = ("ủy ban nhân dân", "uỷ ban nhân dân", "ubnd", "thị trấn", "thị xã", "phường", "xã",
                 "phòng", "ban", "văn phòng", "trung tâm")
_DESIGNATION = re.compile(r"^(?:(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+)?(?:thị trấn|thị xã|phường|xã|"
                          r"văn phòng|trung tâm|phòng|ban)\s+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PUNCTUATION = re.compile(r"[^\w\s\x00#]+")
_LONG_PARAGRAPH = 400  # a line longer than this is a paragraph, kept whole


@dataclass(frozen=True)
class Statement:
    unit: str
    text: str  # as written, stripped
    key: str  # normal form
    numbers: tuple[str, ...]  # the numbers as written, in order
    named: bool  # the writer's own name appears in it


@dataclass(frozen=True)
class StatementGroup:
    text: str  # the wording shown: most common variant, ranges for differing numbers
    units: tuple[str, ...]  # writers, in the order of the report's units, each once
    statements: int  # statements grouped (a unit may write two close variants)

    @property
    def count(self) -> int:
        return len(self.units)

    def line(self, shown: int = NAMES_SHOWN) -> str:
        """"- <text> (Xã A, Xã B và 28 đơn vị khác)."""
        return f"- {self.text.rstrip(' .;:')} ({unit_list(self.units, shown)})."


def unit_list(units: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """name_list, except that a single unit left over is named rather than "và 1 đơn vị khác"."""
    return name_list(units, shown + 1 if len(units) == shown + 1 else shown)


def proper_name(unit_name: str) -> str:
    """"UBND xã Bình An" → "Bình An"; a name without a designation is returned as is."""
    name = " ".join(unicodedata.normalize("NFC", unit_name).split())
    return _DESIGNATION.sub("", name) or name


def _own_name_pattern(unit_name: str) -> re.Pattern | None:
    name = proper_name(unit_name)
    if len(name) < 3:
        return None
    prefix = "|".join(re.escape(word) for word in _PREFIX_WORDS)
    return re.compile(rf"(?:(?:{prefix})\s+)*{re.escape(name)}(?!\w)", re.IGNORECASE)


def statements_of(unit: str, text: str) -> list[str]:
    """A unit's text as statements: its lines, list marks removed; a single long paragraph whole."""
    lines = [re.sub(r"^[\s\-+•*–]+", "", line).strip() for line in (text or "").splitlines()]
    return [line for line in lines if line]


def normalise(unit: str, text: str, pattern: re.Pattern | None = None) -> Statement:
    clean = " ".join(unicodedata.normalize("NFC", text).split())
    named = False
    key = clean
    if pattern is not None:
        key, replaced = pattern.subn(OWN_NAME, key)
        named = replaced > 0
    numbers = tuple(_NUMBER.findall(key))
    key = _NUMBER.sub("#", key.lower())
    key = " ".join(_PUNCTUATION.sub(" ", key).split())
    return Statement(unit, clean, key, numbers, named)


def _number(text: str) -> Decimal | None:
    # Vietnamese writing: "." groups thousands, "," is the decimal mark.
    try:
        return Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None


def _shown_text(members: Sequence[Statement]) -> str:
    wording = Counter(m.key for m in members).most_common(1)[0][0]
    same = [m for m in members if m.key == wording]
    base = same[0]
    text = base.text
    if len(members) > 1:
        pattern = _own_name_pattern(base.unit)
        if pattern is not None and base.named:
            start = pattern.search(text)
            text = pattern.sub("các đơn vị", text)
            if start is not None and start.start() == 0:
                text = "C" + text[1:]
    slots = list(zip(*(m.numbers for m in same))) if same and same[0].numbers else []
    if not slots:
        return text
    pieces = _NUMBER.split(text)
    found = _NUMBER.findall(text)
    if len(found) != len(slots):
        return text
    out = [pieces[0]]
    for written, slot, rest in zip(found, slots, pieces[1:]):
        values = [(v, _number(v)) for v in slot]
        known = [(v, n) for v, n in values if n is not None]
        if len({n for _, n in known}) > 1:
            low = min(known, key=lambda item: item[1])[0]
            high = max(known, key=lambda item: item[1])[0]
            out.append(f"{low}–{high}")
        else:
            out.append(written)
        out.append(rest)
    return "".join(out)


def group_statements(entries: Iterable[tuple[str, str]], similarity: int = SIMILARITY) -> list[StatementGroup]:
    """(unit name, text) pairs, in the report's unit order → groups, largest first, then in
    the order first written."""
    exact: dict[str, list[Statement]] = {}
    position: dict[str, int] = {}
    for unit, text in entries:
        position.setdefault(unit, len(position))
        pattern = _own_name_pattern(unit)
        for line in statements_of(unit, text):
            statement = normalise(unit, line, pattern)
            if statement.key:
                exact.setdefault(statement.key, []).append(statement)
    # Largest exact groups first take the near-identical ones: the common wording leads.
    ordered = sorted(exact.items(), key=lambda item: -len({s.unit for s in item[1]}))
    keys: list[str] = []
    clusters: list[list[Statement]] = []
    for key, members in ordered:
        match = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=similarity) if keys else None
        if match is None:
            keys.append(key)
            clusters.append(list(members))
        else:
            clusters[match[2]].extend(members)
    first_seen = {key: i for i, key in enumerate(exact)}
    groups = []
    for key, members in zip(keys, clusters):
        units = tuple(sorted({m.unit for m in members}, key=position.__getitem__))
        groups.append((len(units), first_seen[key], StatementGroup(_shown_text(members), units, len(members))))
    groups.sort(key=lambda item: (-item[0], item[1]))
    return [group for _, _, group in groups]


@dataclass(frozen=True)
class Suggestion:
    """What the reviewer may insert into a section's consolidated text."""

    section_id: str
    groups: tuple[StatementGroup, ...]
    writers: int  # units that wrote something here
    silent: int  # units that wrote nothing here: counted, never listed
    notices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (what, units) named from the data

    def text(self, groups: Sequence[int] | None = None) -> str:
        """The suggestion as lines to insert: all groups, or the chosen ones (by index)."""
        chosen = self.groups if groups is None else [self.groups[i] for i in groups if 0 <= i < len(self.groups)]
        lines = [g.line() for g in chosen]
        if groups is None:
            lines += [notice_line(what, units) for what, units in self.notices]
        return "\n".join(lines)


def notice_line(what: str, units: Sequence[str]) -> str:
    return f"- {what}: {name_list(units)}."


def suggest(section_id: str, entries: Sequence[tuple[str, str]], expected_units: int,
            notices: Sequence[tuple[str, Sequence[str]]] = ()) -> Suggestion:
    """The grouped suggestion for one section from the included units' texts there."""
    writers = len({unit for unit, text in entries if (text or "").strip()})
    return Suggestion(
        section_id=section_id,
        groups=tuple(group_statements(entries)),
        writers=writers,
        silent=max(expected_units - writers, 0),
        notices=tuple((what, tuple(units)) for what, units in notices if units),
    )


def overdue_units(section_columns: Sequence[str], totals: Mapping[str, Mapping[str, int]]) -> list[tuple[str, int]]:
    """Units whose section total has overdue dossiers, with how many, most first."""
    found = [(unit, sum(values.get(c, 0) or 0 for c in section_columns)) for unit, values in totals.items()]
    return sorted(((u, n) for u, n in found if n > 0), key=lambda item: -item[1])
