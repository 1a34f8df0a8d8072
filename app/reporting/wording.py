"""The little language of figure sentences in a template (câu số liệu), parsed once at load.

A template writes its figures out as lines of text with placeholders; the project fills
them with its own substitution (never ``str.format`` or a template engine, so nothing a
user typed is ever evaluated):

- ``{c3}`` / ``{forms}`` — a column total or a field, formatted "15.256";
  ``{c8+c9}`` adds several.
- ``{ratio:on_time}`` — one of the table's declared ratios, "78,4%" ("100%", not "100,0%",
  as reports write it); ``{pct:c4/c4+c5}`` — any share, numerator over denominator.
- ``{change_year:c3}`` / ``{change_previous:c3}`` — the change against the same period
  last year / the previous period, in the template's ``[wording]``.
- ``{reached:f}``, ``{reporting:f}``, ``{below:f}``, ``{below_count:f}``, ``{num:f}``,
  ``{den:f}``, ``{rate:f}``, ``{range:f}`` — per-unit attainment of an indicator (units
  reaching their own target, those below it by name, numerators and denominators summed,
  their ratio) and the range of a catalogue size (see templates.Field).
- ``{share:level}``, ``{score}``, ``{rating}`` — a satisfaction survey.
- ``{period}``, ``{units}``, ``{unit_noun}`` — the period ("quý II năm 2024"), the number
  of units and what they are ("xã, thị trấn").

A trailing ``?`` (``{c13?}``) makes a zero count unavailable. A line with an unavailable
placeholder is left out; a part in square brackets ``[, {change_year:c3}]`` is optional:
only that part is left out.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .numbers import format_count

# function → what its argument is: "" none, "expr" column/field sum, "ratio" a ratio name,
# "pct" expr/expr, "field" one field, "level" a survey level.
FUNCTIONS = {
    "value": "expr", "ratio": "ratio", "pct": "pct", "change_year": "expr", "change_previous": "expr",
    "reached": "field", "reporting": "field", "below": "field", "below_count": "field",
    "num": "field", "den": "field", "rate": "field", "range": "field", "share": "level",
    "score": "", "rating": "", "period": "", "units": "", "unit_noun": "",
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z0-9_]+")


class WordingError(ValueError):
    """A figure line that cannot be used; the template loader adds the file and key path."""


@dataclass(frozen=True)
class Placeholder:
    function: str
    argument: str = ""
    nonzero: bool = False  # "{c13?}": zero counts as unavailable

    def names(self) -> tuple[str, ...]:
        """Column or field ids the argument uses, in order."""
        return tuple(_NAME.findall(self.argument)) if FUNCTIONS[self.function] in ("expr", "pct", "field", "level") else ()


@dataclass(frozen=True)
class OptionalPart:
    parts: tuple[str | Placeholder, ...]


Part = str | Placeholder | OptionalPart


def parse_line(text: str) -> tuple[Part, ...]:
    """Split a line into literal text, placeholders and optional [parts]; raise WordingError."""
    parts: list[Part] = []
    position = 0
    while position < len(text):
        start = text.find("[", position)
        close = text.find("]", position)
        if close != -1 and (start == -1 or close < start):
            raise WordingError(f"has ']' without '[' in '{text}'")
        if start == -1:
            parts.extend(_plain(text[position:]))
            break
        end = text.find("]", start)
        if end == -1:
            raise WordingError(f"has '[' without ']' in '{text}'")
        inner = text[start + 1:end]
        if "[" in inner:
            raise WordingError(f"nests optional parts in '{text}'")
        parts.extend(_plain(text[position:start]))
        parts.append(OptionalPart(tuple(_plain(inner))))
        position = end + 1
    return tuple(parts)


def _plain(text: str) -> list[str | Placeholder]:
    parts: list[str | Placeholder] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(text[position:match.start()])
        parts.append(_placeholder(match.group(1)))
        position = match.end()
    rest = text[position:]
    if "{" in rest or "}" in rest:
        raise WordingError(f"has an unclosed '{{' or a stray '}}' in '{text}'")
    if rest:
        parts.append(rest)
    return parts


def _placeholder(body: str) -> Placeholder:
    body = body.strip()
    nonzero = body.endswith("?")
    body = body.rstrip("?").strip()
    function, _, argument = body.partition(":") if ":" in body else ("value", "", body)
    function, argument = function.strip(), argument.strip().replace(" ", "")
    if function == "value" and argument in FUNCTIONS and not FUNCTIONS[argument]:
        function, argument = argument, ""
    if function not in FUNCTIONS:
        raise WordingError(f"uses unknown placeholder '{{{body}}}'")
    shape = FUNCTIONS[function]
    if not shape and argument:
        raise WordingError(f"'{{{body}}}' takes no argument")
    if shape and not argument:
        raise WordingError(f"'{{{body}}}' needs an argument")
    if shape == "pct" and argument.count("/") != 1:
        raise WordingError(f"'{{{body}}}' must be numerator/denominator")
    if shape in ("expr", "pct") and not all(_NAME.fullmatch(n) for n in re.split(r"[+/]", argument)):
        raise WordingError(f"'{{{body}}}' must add column or field ids with '+'")
    if shape in ("field", "level", "ratio") and not _NAME.fullmatch(argument):
        raise WordingError(f"'{{{body}}}' must name one id")
    return Placeholder(function, argument, nonzero)


def placeholders(line: tuple[Part, ...]) -> list[Placeholder]:
    found: list[Placeholder] = []
    for part in line:
        if isinstance(part, Placeholder):
            found.append(part)
        elif isinstance(part, OptionalPart):
            found.extend(p for p in part.parts if isinstance(p, Placeholder))
    return found


def fill(line: tuple[Part, ...], resolve) -> str | None:
    """The line with ``resolve(placeholder) -> str | None`` applied; None when a required
    placeholder is unavailable. Spaces before punctuation left by a dropped part are tidied."""
    out: list[str] = []
    for part in line:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Placeholder):
            value = resolve(part)
            if value is None:
                return None
            out.append(value)
        else:
            values = [p if isinstance(p, str) else resolve(p) for p in part.parts]
            if all(v is not None for v in values):
                out.append("".join(values))
    text = re.sub(r"\s+([,.;:)])", r"\1", "".join(out))
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def fill_phrase(phrase: str, values: dict[str, str]) -> str:
    """The comparison phrases of ``[wording]`` take only {diff}, {noun}, {year}, {previous}."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), phrase)


PHRASE_NAMES = ("diff", "noun", "year", "previous")

DEFAULT_WORDING = {
    "increase_year": "tăng {diff} {noun} so với cùng kỳ năm {year}",
    "decrease_year": "giảm {diff} {noun} so với cùng kỳ năm {year}",
    "same_year": "bằng cùng kỳ năm {year}",
    "increase_previous": "tăng {diff} {noun} so với {previous}",
    "decrease_previous": "giảm {diff} {noun} so với {previous}",
    "same_previous": "bằng {previous}",
}


NAMES_SHOWN = 10  # units named in a sentence before "và N đơn vị khác"


def name_list(names: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """"Xã A, Xã B và Xã C"; beyond ``shown`` names: "Xã A, Xã B và 28 đơn vị khác"."""
    names = list(names)
    if len(names) <= shown:
        if len(names) < 2:
            return "".join(names)
        return f"{', '.join(names[:-1])} và {names[-1]}"
    return f"{', '.join(names[:shown])} và {format_count(len(names) - shown)} đơn vị khác"
