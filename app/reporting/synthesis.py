"""The reviewer's suggestion for one section: the units' statements grouped (design §8).

A consolidated report does not repeat each commune's sentence; it says a thing once and
names who did it. ``group_statements`` turns (unit, text) pairs into groups, largest first:

1. Each text is split into statements: its lines, list marks and numbering ("- ", "1. ",
   "a) ") removed, sub-titles ("Khó khăn:") dropped.
2. Each statement is read (meaning.py): its words in one spelling with the field's
   abbreviations expanded, the writer's own name (with or without "UBND", "xã"…) one
   token, and its polarity — the cues that flip meaning (chưa/không, đạt/vượt, quá hạn,
   tăng/giảm, 0, 100 % against less).
3. Statements with the same words and the same polarity are one group; numbers may differ.
4. A group joins the closest larger group of the same polarity whose words are alike:
   ``similar`` scores word order apart (rapidfuzz token-sort and token-set), low-meaning
   words weigh less, and the score must reach ``SIMILARITY`` (tuned on the labelled
   corpus, bench/synthesis.py). Different polarity never joins, however close the words;
   an undecided one (a bare rate below 100 %) joins only its own words.

A group is shown with its most common wording. Counts of events (hồ sơ, PAKN, văn bản,
phiếu…) are given as the group's total with the number of units ("21 PAKN tại 8 đơn vị");
other numbers that differ (stock counts, rates, dates) as their range ("3–45"); the writers'
own names as "các đơn vị". A shortfall names every unit; other statements name them while
the names fit two lines, and give a count ("25/28 đơn vị") beyond.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .meaning import NUMBER, Polarity, agree, clauses, content, number_value, polarity, scoped_words, words
from .numbers import format_count
from .wording import name_list

SIMILARITY = 72  # tuned by bench/synthesis.py on the tune two thirds of the labelled corpus
_SHARED_WORDS = 0.34  # a statement is scored against those sharing this share of its words
LOW_MEANING_WEIGHT = 0.25  # share of the score given to the words LOW_MEANING leaves out
NAMES_SHOWN = 2  # kept for callers of unit_list
NAMES_WIDTH = 180  # two lines of a report's body text: beyond, a count instead of the names
OWN_NAME = "\x00"  # the token a writer's own name becomes in the compared words

# What may stand before a unit's proper name in a sentence ("UBND xã Bình An", "Xã Bình An").
_PREFIX_WORDS = ("ủy ban nhân dân", "uỷ ban nhân dân", "ubnd", "thị trấn", "thị xã", "phường", "xã",
                 "phòng", "ban", "văn phòng", "trung tâm")
_DESIGNATION = re.compile(r"^(?:(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+)?(?:thị trấn|thị xã|phường|xã|"
                          r"văn phòng|trung tâm|phòng|ban)\s+", re.IGNORECASE)
_NUMBER = NUMBER
# A list mark or a numbering at the start of a line: "- ", "+ ", "• ", "1. ", "2) ", "a) ".
_LIST_MARK = re.compile(r"^(?:[\-+•*–—]+\s*|\(?\d{1,2}[.)]\s+|\d{1,2}(?:\.\d{1,2})+\.?\s+|[IVX]{1,4}(?:\.\d{1,2})*\.\s+|"
                        r"\(?[a-zđ][.)]\s+)+")
_SUBTITLE_WORDS = 10  # "Khó khăn, vướng mắc:" — a short line ending with a colon is a title
# Counts of events: totalled across a group's units ("21 PAKN tại 8 đơn vị").
EVENT_NOUNS = ("hồ sơ", "PAKN", "phản ánh, kiến nghị", "phản ánh", "kiến nghị", "văn bản", "phiếu", "buổi",
               "hội nghị", "lớp", "lượt", "cuộc", "thư", "công văn", "kế hoạch", "quyết định")
_EVENT = re.compile(r"\s+(?:" + "|".join(re.escape(n) for n in sorted(EVENT_NOUNS, key=len, reverse=True))
                    + r")(?!\w)", re.IGNORECASE)


NEUTRAL = Polarity((), True, False)


@dataclass(frozen=True)
class Statement:
    unit: str
    text: str  # as written, stripped
    key: str  # compared words, numbers as "#"
    numbers: tuple[str, ...]  # the numbers as written, in order
    named: bool  # the writer's own name appears in it
    core: str = ""  # key without the low-meaning words
    polarity: Polarity = NEUTRAL
    scoped: tuple = ()  # content words with the state of the part of the sentence they stand in


@dataclass(frozen=True)
class StatementGroup:
    text: str  # the wording shown: most common variant, totals and ranges for differing numbers
    units: tuple[str, ...]  # writers, in the order of the report's units, each once
    statements: int  # statements grouped (a unit may write two close variants)
    shortfall: bool = False  # names every unit, however many

    @property
    def count(self) -> int:
        return len(self.units)

    def names(self, total: int | None = None) -> str:
        """Who wrote it: every name, or "25/28 đơn vị" once the names would pass two lines
        (never for a shortfall)."""
        every = name_list(self.units, len(self.units))
        if self.shortfall or len(every) <= NAMES_WIDTH:
            return every
        return f"{format_count(self.count)}/{format_count(total)} đơn vị" if total else f"{format_count(self.count)} đơn vị"

    def line(self, total: int | None = None) -> str:
        """"- <text> (Xã A, Xã B và Xã C)." — what is inserted, with the names the panel shows."""
        return f"- {self.text.rstrip(' .;:')} ({self.names(total)})."


def unit_list(units: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """name_list, except that a single unit left over is named rather than "và 1 đơn vị khác"."""
    return name_list(units, shown + 1 if len(units) == shown + 1 else shown)


def proper_name(unit_name: str) -> str:
    """"UBND xã Bình An" → "Bình An"; a name without a designation is returned as is."""
    name = " ".join(unicodedata.normalize("NFC", unit_name).split())
    return _DESIGNATION.sub("", name) or name


class OwnName:
    """Where a writer's own name stands in its statement, with what may precede it ("UBND
    xã Bình An", "Xã Bình An"). Found by plain search: no regular expression per unit, so a
    thousand units cost no thousand compilations."""

    def __init__(self, name: str):
        self.name = name.lower()

    def spans(self, text: str) -> list[tuple[int, int]]:
        lowered, found, position = text.lower(), [], 0
        while (start := lowered.find(self.name, position)) != -1:
            end = start + len(self.name)
            position = end
            if (start and lowered[start - 1].isalnum()) or (end < len(text) and (lowered[end].isalnum() or lowered[end] == "_")):
                continue
            before = _PREFIX_TAIL.search(text, 0, start)
            found.append((before.start() if before else start, end))
        return found

    def subn(self, replacement: str, text: str) -> tuple[str, int]:
        spans = self.spans(text)
        for start, end in reversed(spans):
            text = text[:start] + replacement + text[end:]
        return text, len(spans)

    def sub(self, replacement: str, text: str) -> str:
        return self.subn(replacement, text)[0]

    def starts(self, text: str) -> bool:
        spans = self.spans(text)
        return bool(spans) and spans[0][0] == 0


_PREFIX_TAIL = re.compile(r"(?:(?:" + "|".join(re.escape(w) for w in _PREFIX_WORDS) + r")\s+)+$", re.IGNORECASE)


def _own_name_pattern(unit_name: str) -> OwnName | None:
    name = proper_name(unit_name)
    if len(name) < 3:
        return None
    return OwnName(name)


def statements_of(unit: str, text: str) -> list[str]:
    """A unit's text as statements: its lines, list marks and numbering removed, titles dropped."""
    found = []
    for line in (text or "").splitlines():
        line = _LIST_MARK.sub("", line.strip()).strip()
        if not line or (line.endswith(":") and len(line.split()) <= _SUBTITLE_WORDS):
            continue
        found.append(line)
    return found


def normalise(unit: str, text: str, pattern: OwnName | None = None) -> Statement:
    clean = " ".join(unicodedata.normalize("NFC", text).split())
    named = False
    marked = clean
    if pattern is not None:
        marked, replaced = pattern.subn(OWN_NAME, marked)
        named = replaced > 0
    compared = words(marked)
    numbers = tuple(_NUMBER.findall(marked))
    key = _NUMBER.sub("#", compared)
    parts = clauses(marked)
    return Statement(unit, clean, key, numbers, named, _NUMBER.sub("#", content(compared)), polarity(compared, parts),
                     tuple(("#" if w[0].isdigit() else w, state) for w, state in scoped_words(marked, parts)))


def similar(a: Statement, b: Statement) -> float:
    """0–100: how alike two statements' words are, word order aside, low-meaning words
    weighing ``LOW_MEANING_WEIGHT``."""
    def score(x: str, y: str) -> float:
        if not x or not y:
            return 100.0 if x == y else 0.0
        shorter, longer = sorted((len(x.split()), len(y.split())))
        # token_set reads a statement inside a longer one as equal: only when close in length.
        covered = fuzz.token_set_ratio(x, y) if shorter >= 0.8 * longer else 0.0
        return max(fuzz.ratio(x, y), fuzz.token_sort_ratio(x, y), covered)
    return (1 - LOW_MEANING_WEIGHT) * score(a.core, b.core) + LOW_MEANING_WEIGHT * score(a.key, b.key)


def _event_total_slots(text: str) -> set[int]:
    """Positions of the numbers in ``text`` that count events ("3 hồ sơ", "02 PAKN")."""
    return {i for i, m in enumerate(_NUMBER.finditer(text)) if _EVENT.match(text, m.end())}


def _shown_text(members: Sequence[Statement], units: int) -> str:
    wording = Counter(m.key for m in members).most_common(1)[0][0]
    same = [m for m in members if m.key == wording]
    base = same[0]
    text = base.text
    own_name_first = False
    if units > 1:
        pattern = _own_name_pattern(base.unit)
        if pattern is not None and base.named:
            own_name_first = pattern.starts(text)
            text = pattern.sub("các đơn vị", text)
            if own_name_first:
                text = "C" + text[1:]
    found = _NUMBER.findall(text)
    if not found:
        return text
    # Numbers line up across the statements written with as many numbers, one per unit.
    aligned: dict[str, Statement] = {}
    for m in sorted(members, key=lambda m: m.key != wording):
        if len(m.numbers) == len(base.numbers) and m.unit not in aligned:
            aligned[m.unit] = m
    if len(found) != len(base.numbers):
        return text
    slots = list(zip(*(m.numbers for m in aligned.values())))
    # A total only when every unit's count is known (a variant written with other numbers
    # would leave its count out): else the range.
    events = _event_total_slots(text) if units > 1 and len(aligned) == units else set()
    pieces = _NUMBER.split(text)
    out = [pieces[0]]
    # Where "N đơn vị" goes: as the subject of a sentence that has none ("Đã tổ chức…" →
    # "4 đơn vị đã tổ chức…"), else "tại N đơn vị" after the counted thing ("21 PAKN tại 8
    # đơn vị tiếp nhận…") or at the end of its clause ("còn 4 hồ sơ đất đai tồn đọng tại 2 đơn vị").
    as_subject = own_name_first or (bool(events) and _opens_without_subject(text))
    placed = False
    for position, (written, slot, rest) in enumerate(zip(found, slots, pieces[1:])):
        values = [(v, number_value(v)) for v in slot]
        known = [(v, n) for v, n in values if n is not None]
        if position in events and len(known) == len(values):
            out.append(format_count(int(sum(n for _, n in known))))
            if not placed and not as_subject:
                rest = _with_units(rest, _EVENT.match(rest).end(), units)
            placed = True
        elif len({n for _, n in known}) > 1:
            low = min(known, key=lambda item: item[1])[0]
            high = max(known, key=lambda item: item[1])[0]
            out.append(f"{low}–{high}")
        else:
            out.append(written)
        out.append(rest)
    text = "".join(out)
    if placed and own_name_first:
        text = f"{format_count(units)} đơn vị" + text[len("Các đơn vị"):]
    elif placed and as_subject:
        text = f"{format_count(units)} đơn vị {text[:1].lower()}{text[1:]}"
    return text


# Words a statement without a subject opens with: the unit is the one who did it.
_SUBJECTLESS = re.compile(r"^(?:đã|có|còn|không|chưa|tiếp nhận|nhận|tổ chức|giải quyết|xử lý|thực hiện|ban hành|"
                          r"trong (?:kỳ|quý|tháng|năm)|rà soát|phát hiện|cấp|gửi|chuyển|trả|tiếp tục|tham gia|cử)(?!\w)",
                          re.IGNORECASE)
# What may follow a counted thing directly: a verb, a preposition or punctuation.
_AFTER_NOUN = re.compile(r"^\s*(?:[,;.:)]|$|(?:tiếp nhận|xử lý|giải quyết|chuyển|do|vì|qua|được|đã|đang|bị|từ|trên|"
                         r"trong|của|chưa|không|đúng|trước|quá|trễ|tồn)(?!\w))", re.IGNORECASE)


def _opens_without_subject(text: str) -> bool:
    return bool(_SUBJECTLESS.match(text))


def _with_units(rest: str, noun_end: int, units: int) -> str:
    """``rest`` (the text after a counted number) with "tại N đơn vị" after the counted thing,
    or at the end of its clause when words describing it follow."""
    phrase = f" tại {format_count(units)} đơn vị"
    if _AFTER_NOUN.match(rest[noun_end:]):
        return rest[:noun_end] + phrase + rest[noun_end:]
    end = re.search(r"[;.]|$", rest[noun_end:]).start() + noun_end
    return rest[:end].rstrip() + phrase + rest[end:]


def group_statements(entries: Iterable[tuple[str, str]], similarity: float = SIMILARITY) -> list[StatementGroup]:
    """(unit name, text) pairs, in the report's unit order → groups, largest first, then in
    the order first written."""
    exact: dict[tuple[str, tuple[str, ...]], list[Statement]] = {}
    position: dict[str, int] = {}
    for unit, text in entries:
        position.setdefault(unit, len(position))
        pattern = _own_name_pattern(unit)
        for line in statements_of(unit, text):
            statement = normalise(unit, line, pattern)
            if statement.key:
                exact.setdefault((statement.key, statement.polarity.cues), []).append(statement)
    # Largest exact groups first take the alike ones: the common wording leads.
    ordered = sorted(exact.items(), key=lambda item: -len({s.unit for s in item[1]}))
    heads: list[list[Statement]] = []  # each cluster's exact groups' first statements
    clusters: list[list[Statement]] = []
    # Only statements of the same polarity that share enough words are scored: a province's
    # thousand statements do not compare each with each.
    by_word: dict[tuple[tuple[str, ...], str], list[tuple[int, int]]] = {}
    for (_, cues), members in ordered:
        head = members[0]
        best, best_score = None, similarity
        own_words = set(head.core.split())
        if head.polarity.decided:
            shared: Counter = Counter()
            for word in own_words:
                shared.update(by_word.get((cues, word), ()))
            for (i, j), count in shared.items():
                other = heads[i][j]
                if count < _SHARED_WORDS * min(len(own_words), len(set(other.core.split()))):
                    continue
                found = similar(head, other)
                if found >= best_score and (best is None or found > best_score) and agree(head.scoped, other.scoped):
                    best, best_score = i, found
        if best is None:
            heads.append([head])
            clusters.append(list(members))
            best = len(heads) - 1
        else:
            heads[best].append(head)
            clusters[best].extend(members)
        if head.polarity.decided:
            for word in own_words:
                by_word.setdefault((cues, word), []).append((best, len(heads[best]) - 1))
    first_seen = {key: i for i, key in enumerate(exact)}
    groups = []
    for cluster_heads, members in zip(heads, clusters):
        units = tuple(sorted({m.unit for m in members}, key=position.__getitem__))
        seen = min(first_seen[(h.key, h.polarity.cues)] for h in cluster_heads)
        group = StatementGroup(_shown_text(members, len(units)), units, len(members),
                               shortfall=any(m.polarity.shortfall or not m.polarity.decided for m in members))
        groups.append((len(units), seen, group))
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

    @property
    def units(self) -> int:
        """The units whose reports are consolidated: the "28" of "25/28 đơn vị"."""
        return self.writers + self.silent

    def line(self, index: int) -> str:
        return self.groups[index].line(self.units)

    def text(self, groups: Sequence[int] | None = None) -> str:
        """The suggestion as lines to insert: all groups, or the chosen ones (by index)."""
        chosen = range(len(self.groups)) if groups is None else [i for i in groups if 0 <= i < len(self.groups)]
        lines = [self.line(i) for i in chosen]
        if groups is None:
            lines += [notice_line(what, units) for what, units in self.notices]
        return "\n".join(lines)

    def inserted(self, reviewer_text: str | None) -> frozenset[int]:
        """The groups whose statement is already in the reviewer's text, however its names
        or list mark were edited since."""
        written = {_inserted_key(line) for line in statements_of("", reviewer_text or "")}
        return frozenset(i for i, g in enumerate(self.groups) if _inserted_key(g.text) in written)

    def notices_inserted(self, reviewer_text: str | None) -> frozenset[int]:
        """The notices ("Đơn vị có hồ sơ quá hạn: …") the reviewer's text already has."""
        lines = statements_of("", reviewer_text or "")
        return frozenset(i for i, (what, _) in enumerate(self.notices)
                         if any(line.startswith(f"{what}:") for line in lines))


_TRAILING_NAMES = re.compile(r"\s*\([^()]*\)\s*[.;]?\s*$")


def _inserted_key(line: str) -> str:
    """A line's statement without the names after it ("(Xã A và Xã B)." or ": Xã A.")."""
    return _NUMBER.sub("#", words(_TRAILING_NAMES.sub("", line).rstrip(" .;:")))


def repeated_lines(reviewer_text: str, insert_text: str) -> list[str]:
    """Lines of ``insert_text`` whose statement (or notice) the reviewer's text already has."""
    lines = statements_of("", reviewer_text or "")
    written = {_inserted_key(line) for line in lines}
    notices = {line.split(":", 1)[0] for line in lines if ":" in line}

    def repeated(line: str) -> bool:
        statement = statements_of("", line)
        if not statement:
            return False
        what = statement[0].split(":", 1)[0]
        return _inserted_key(statement[0]) in written or (what in NOTICES and what in notices)
    return [line for line in (insert_text or "").splitlines() if repeated(line)]


# What the data names in a section about problems (services.consolidation.problem_units).
OVERDUE_DOSSIERS = "Đơn vị có hồ sơ quá hạn"
OVERDUE_FEEDBACK = "Đơn vị có phản ánh, kiến nghị xử lý quá hạn"
LATE_REPORTS = "Đơn vị nộp báo cáo muộn"
MISSING_REPORTS = "Đơn vị chưa nộp báo cáo"
NOTICES = (OVERDUE_DOSSIERS, OVERDUE_FEEDBACK, LATE_REPORTS, MISSING_REPORTS)


def notice_line(what: str, units: Sequence[str]) -> str:
    """A problem named from the data: every unit, however many."""
    return f"- {what}: {name_list(units, len(units))}."


def suggest(section_id: str, entries: Sequence[tuple[str, str]], expected_units: int,
            notices: Sequence[tuple[str, Sequence[str]]] = (), problems: bool = False,
            titles: Iterable[str] = ()) -> Suggestion:
    """The grouped suggestion for one section from the included units' texts there; in a
    section about problems (``problems``) every statement names all its units. A line that
    is only one of the template's headings (``titles``: a unit copying "II.2. Khó khăn,
    vướng mắc" above its text) is no statement."""
    writers = len({unit for unit, text in entries if (text or "").strip()})
    headings = {_inserted_key(t.rstrip(" .:")) for t in titles}
    if headings:
        entries = [(unit, "\n".join(line for line in statements_of(unit, text)
                                    if _inserted_key(line.rstrip(" .:")) not in headings))
                   for unit, text in entries]
    groups = group_statements(entries)
    if problems:
        groups = [dataclasses.replace(g, shortfall=True) for g in groups]
    return Suggestion(
        section_id=section_id,
        groups=tuple(groups),
        writers=writers,
        silent=max(expected_units - writers, 0),
        notices=tuple((what, tuple(units)) for what, units in notices if units),
    )


def overdue_units(section_columns: Sequence[str], totals: Mapping[str, Mapping[str, int]]) -> list[tuple[str, int]]:
    """Units whose section total has overdue dossiers, with how many, most first."""
    found = [(unit, sum(values.get(c, 0) or 0 for c in section_columns)) for unit, values in totals.items()]
    return sorted(((u, n) for u, n in found if n > 0), key=lambda item: -item[1])
