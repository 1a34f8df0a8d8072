"""Parsing and displaying numbers the Vietnamese way.

Officers paste figures from Excel in a Vietnamese locale, where "." groups thousands
and "," marks decimals: "15.256" is fifteen thousand, "1,5" is one and a half.
Counts of dossiers are whole numbers, so a decimal is always a typing mistake.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol

# The symbols come from Babel's Vietnamese locale data (CLDR); formatting itself stays a
# string operation because Babel's formatter costs ~15× more per number and exports write
# hundreds of thousands of them. Rounding is ours: half-up, as officers compute by hand
# (Babel's default is half-even).
LOCALE = Locale.parse("vi")
GROUP = get_group_symbol(LOCALE)  # "."
DECIMAL = get_decimal_symbol(LOCALE)  # ","
PERCENT_SUFFIX = LOCALE.percent_formats[None].pattern.rsplit("0", 1)[1]  # "%", no space in vi

MAX_COUNT = 9_999_999
MAX_SCORE = 200  # an index is scored 0–2 points, kept in hundredths

# Whole-number shapes accepted: plain digits, or 3-digit groups separated by a dot
# (Vietnamese thousands separator) or by a space as some Excel copies produce.
_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:%s[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+" % re.escape(GROUP))
_SCORE = re.compile(r"([0-9]+)(?:[.,]([0-9]{1,2}))?")

MSG_EMPTY = "Chưa nhập giá trị"
MSG_NOT_WHOLE = "Chỉ nhập số nguyên không âm"
MSG_NEGATIVE = "Số âm không hợp lệ"
MSG_TOO_LARGE = "Giá trị quá lớn (tối đa 9.999.999)"
MSG_SCORE = "Điểm chỉ số phải từ 0 đến 2 (ví dụ 1,9)"

NO_RATIO = "–"  # shown when the denominator is 0, like a dash in the paper forms


class InvalidNumber(ValueError):
    """A value the officer typed that cannot be stored; the message is for the user."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else MSG_NOT_WHOLE


def _clean(text: str) -> str:
    # Excel and Word paste non-breaking and thin spaces; treat them as plain spaces.
    return " ".join(str(text).replace("\u00a0", " ").replace("\u202f", " ").split())


def parse_count(text: str) -> int:
    """Parse a whole non-negative count; raise InvalidNumber with a Vietnamese message."""
    if isinstance(text, bool):
        raise InvalidNumber(MSG_NOT_WHOLE)
    if isinstance(text, int):
        value = text
    else:
        cleaned = _clean(text)
        if not cleaned:
            raise InvalidNumber(MSG_EMPTY)
        if cleaned.startswith(("-", "−")) and _looks_numeric(cleaned[1:].strip()):
            raise InvalidNumber(MSG_NEGATIVE)
        if _PLAIN.fullmatch(cleaned):
            value = _whole(cleaned)
        elif _GROUPED.fullmatch(cleaned):
            value = _whole(cleaned.replace(GROUP, "").replace(" ", ""))
        else:
            raise InvalidNumber(MSG_NOT_WHOLE)
    if value < 0:
        raise InvalidNumber(MSG_NEGATIVE)
    if value > MAX_COUNT:
        raise InvalidNumber(MSG_TOO_LARGE)
    return value


def _whole(digits: str) -> int:
    """ASCII digits as a number; too many of them is "too large", never Python's own
    refusal of a 4,300-digit string."""
    if len(digits.lstrip("0")) > len(str(MAX_COUNT)):
        raise InvalidNumber(MSG_TOO_LARGE)
    return int(digits)


def _looks_numeric(text: str) -> bool:
    return bool(text) and all(ch.isdigit() or ch in ".," for ch in text)


def parse_score(text: str) -> int:
    """Parse a satisfaction index score ("1,9", "1.9", "2") into hundredths (190)."""
    cleaned = _clean(text)
    if not cleaned:
        raise InvalidNumber(MSG_EMPTY)
    if cleaned.startswith(("-", "−")):
        raise InvalidNumber(MSG_NEGATIVE)
    match = _SCORE.fullmatch(cleaned)
    if not match:
        raise InvalidNumber(MSG_SCORE)
    whole, fraction = match.group(1), (match.group(2) or "").ljust(2, "0")
    if len(whole.lstrip("0")) > 3:
        raise InvalidNumber(MSG_SCORE)
    value = int(whole) * 100 + int(fraction)
    if value > MAX_SCORE:
        raise InvalidNumber(MSG_SCORE)
    return value


def format_count(n: int | None) -> str:
    """15256 -> "15.256"; None -> "" (an empty cell stays empty)."""
    if n is None:
        return ""
    sign = "-" if n < 0 else ""
    return sign + f"{abs(int(n)):,}".replace(",", GROUP)


def format_signed(n: int) -> str:
    """A difference with its sign: +46, -46, 0."""
    return ("+" if n > 0 else "") + format_count(n)


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator/denominator rounded half-up to 3 places (0.784 shows as 78,4%)."""
    if not denominator:
        return None
    value = Decimal(int(numerator)) / Decimal(int(denominator))
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def largest_remainder_shares(counts: Mapping[str, int], total: int) -> dict[str, Decimal | None]:
    """Shares of ``total`` to one decimal of a percent that add up to exactly 100,0 % when
    the counts make up the whole (a survey's levels): each share rounded down, then the
    tenths left over go to the largest remainders (ties to the larger count, then the
    first). Counts that do not make up the whole are rounded one by one, as ``ratio``."""
    if not total:
        return {key: None for key in counts}
    if sum(counts.values()) != total or any(c < 0 for c in counts.values()):
        return {key: ratio(count, total) for key, count in counts.items()}
    tenths = {key: Decimal(count) * 1000 / total for key, count in counts.items()}
    floors = {key: int(value) for key, value in tenths.items()}
    left = 1000 - sum(floors.values())
    order = sorted(counts, key=lambda key: (-(tenths[key] - floors[key]), -counts[key], list(counts).index(key)))
    for key in order[:left]:
        floors[key] += 1
    return {key: Decimal(floors[key]) / 1000 for key in counts}


def format_ratio(value: Decimal | None) -> str:
    """Decimal("0.784") -> "78,4%"; None -> "–"."""
    if value is None:
        return NO_RATIO
    percent = (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{percent}".replace(".", DECIMAL) + PERCENT_SUFFIX


def format_percent(numerator: int, denominator: int) -> str:
    """9278 of 11836 -> "78,4%"; a zero denominator -> "–"."""
    return format_ratio(ratio(numerator, denominator))


def format_score(hundredths: int | None, places: int = 1) -> str:
    """1710 -> "17,1"; 190 -> "1,9"; rounded half-up."""
    if hundredths is None:
        return ""
    value = (Decimal(int(hundredths)) / 100).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    return f"{value}".replace(".", DECIMAL)
