"""Reminders to units that still owe their report: the grouped message (Zalo) and one SMS per unit.

An SMS segment holds 160 characters of the GSM 7-bit alphabet, or 70 characters once a
single character falls outside it, which every Vietnamese diacritic except a handful
does. So each unit gets its message twice: with diacritics in at most 70 characters, and
without diacritics in at most 160, each built from the longest wording that fits.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .clock import format_day
from .progress import ProgressRow

UCS2_SINGLE, UCS2_PART = 70, 67
GSM_SINGLE, GSM_PART = 160, 153

# GSM 03.38 default alphabet; the extension table's characters take two septets.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€")
_PLAIN_PUNCTUATION = {"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "\u00a0": " "}


def gsm_length(text: str) -> int | None:
    """Septets the text takes in the GSM alphabet, or None if it needs UCS-2."""
    length = 0
    for char in text:
        if char in _GSM_BASIC:
            length += 1
        elif char in _GSM_EXTENDED:
            length += 2
        else:
            return None
    return length


def sms_count(text: str) -> int:
    """How many SMS the text is sent as (long messages are split into parts)."""
    septets = gsm_length(text)
    if septets is not None:
        return 1 if septets <= GSM_SINGLE else math.ceil(septets / GSM_PART)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= UCS2_SINGLE else math.ceil(units / UCS2_PART)


def without_diacritics(text: str) -> str:
    """"Đề nghị nộp ngay" → "De nghi nop ngay", keeping only GSM characters."""
    for fancy, plain in _PLAIN_PUNCTUATION.items():
        text = text.replace(fancy, plain)
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return "".join(c if (c in _GSM_BASIC or c in _GSM_EXTENDED) and c != "\r" else "?"
                   for c in unicodedata.normalize("NFC", text))


def subject(title: str) -> str:
    """"Báo cáo tình hình…" → "báo cáo tình hình…": never "báo cáo Báo cáo …"."""
    title = " ".join(title.split())
    if not title:
        return "báo cáo"
    if fold_start(title, "báo cáo"):
        return "báo cáo" + title[len("báo cáo"):]
    return f"báo cáo {title[:1].lower()}{title[1:]}"


def fold_start(text: str, prefix: str) -> bool:
    return text[: len(prefix)].lower() == prefix


def period_phrase(label: str) -> str:
    """A period label inside a sentence: "Quý III năm 2026" keeps its capital, "Tháng 10…" does not."""
    if label.startswith("Quý"):
        return label
    return label[:1].lower() + label[1:]


def short_period(label: str) -> str:
    """"Quý III năm 2026" → "Quý III/2026"; "Tháng 10 năm 2026" → "tháng 10/2026"."""
    phrase = period_phrase(label)
    return phrase.replace(" năm ", "/") if " năm " in phrase and not phrase.startswith(("6 ", "9 ")) else phrase


def given_name(full_name: str) -> str:
    """Vietnamese officers are addressed by the last word of the name: "Nguyễn Thị Lan" → "Lan"."""
    parts = full_name.split()
    return parts[-1] if parts else ""


def dm(day: date) -> str:
    return day.strftime("%d/%m")


@dataclass(frozen=True)
class Sms:
    text: str
    limit: int  # 70 with diacritics, 160 without

    @property
    def length(self) -> int:
        septets = gsm_length(self.text)
        return septets if septets is not None else len(self.text.encode("utf-16-le")) // 2

    @property
    def parts(self) -> int:
        return sms_count(self.text)

    @property
    def with_diacritics(self) -> bool:
        return gsm_length(self.text) is None


@dataclass(frozen=True)
class UnitReminder:
    row: ProgressRow
    accented: Sms
    plain: Sms

    @property
    def phone(self) -> str:
        """Digits and a leading + only, as an ``sms:`` link needs."""
        phone = self.row.officer_phone.strip()
        return ("+" if phone.startswith("+") else "") + "".join(c for c in phone if c.isdigit())


def _status_phrases(row: ProgressRow, today: date, report: str) -> list[str]:
    """What the unit must do about ``report``, longest wording first."""
    days = row.days_left(today)
    if row.state == "returned":
        if days < 0:
            return [f"{report} bị trả lại, đã quá hạn {-days} ngày, đề nghị sửa và nộp ngay",
                    f"{report} bị trả lại, quá hạn {-days} ngày, đề nghị sửa, nộp ngay",
                    f"{report} trả lại, quá hạn {-days} ngày, sửa, nộp ngay"]
        return [f"{report} bị trả lại, đề nghị sửa và nộp lại trước ngày {format_day(row.deadline)}",
                f"{report} bị trả lại, đề nghị sửa, nộp lại trước {dm(row.deadline)}",
                f"{report} trả lại, sửa, nộp trước {dm(row.deadline)}"]
    if days < 0:
        return [f"{report} đã quá hạn {-days} ngày, đề nghị nộp ngay",
                f"{report} quá hạn {-days} ngày, đề nghị nộp ngay",
                f"{report} quá hạn {-days} ngày, nộp ngay"]
    if days == 0:
        return [f"{report} hết hạn hôm nay {format_day(row.deadline)}, đề nghị nộp ngay",
                f"{report} hết hạn hôm nay, đề nghị nộp ngay",
                f"{report} hết hạn hôm nay, nộp ngay"]
    return [f"đề nghị nộp {report} trước ngày {format_day(row.deadline)} (còn {days} ngày)",
            f"đề nghị nộp {report} trước ngày {format_day(row.deadline)}",
            f"đề nghị nộp {report} trước {dm(row.deadline)}",
            f"nộp {report} trước {dm(row.deadline)}"]


def _fit(candidates: Sequence[str], limit: int, plain: bool) -> Sms:
    """The first (longest) wording that fits; the last candidates hold no names, so one does."""
    texts = [without_diacritics(t) if plain else t for t in candidates]
    for text in texts:
        if Sms(text, limit).length <= limit:
            return Sms(text, limit)
    return Sms(texts[-1][:limit], limit)


def unit_reminder(row: ProgressRow, *, period_label: str, sender: str, today: date) -> UnitReminder:
    """The message to one unit's officer, in both forms, each fitting a single SMS."""
    name = given_name(row.officer_name)
    who = [f"Đ/c {name} ({row.unit_name})", f"Đ/c {name}"] if name else [row.unit_name]
    long, short = f"báo cáo {period_phrase(period_label)}", f"báo cáo {short_period(period_label)}"
    accented = [f"{w}: {s}." for s in _status_phrases(row, today, short) for w in who]
    accented += [f"{s[:1].upper()}{s[1:]}." for s in _status_phrases(row, today, f"BC {short_period(period_label)}")]
    plain = [f"[{sender}] {w}: {s}. Trân trọng." for report in (long, short)
             for s in _status_phrases(row, today, report) for w in who]
    plain += [f"{w}: {s}." for s in _status_phrases(row, today, short) for w in who]
    plain += [f"{s[:1].upper()}{s[1:]}." for s in _status_phrases(row, today, f"BC {short_period(period_label)}")]
    return UnitReminder(row, _fit(accented, UCS2_SINGLE, plain=False), _fit(plain, GSM_SINGLE, plain=True))


def grouped_reminder(rows: Sequence[ProgressRow], *, title: str, period_label: str, sender: str,
                     deadline: date, today: date, total: int) -> str:
    """One message for a Zalo group naming every unit that still owes its report."""
    report = f"{subject(title)} {period_phrase(period_label)}"
    owing = sorted((r for r in rows if r.outstanding), key=lambda r: r.order)
    if not owing:
        return f"[{sender}] Tất cả {total} đơn vị đã nộp {report}. Xin cảm ơn!"
    days = (deadline - today).days
    if days > 0:
        head = f"[{sender}] Đề nghị các đơn vị sau nộp {report} trước ngày {format_day(deadline)} (còn {days} ngày):"
    elif days == 0:
        head = f"[{sender}] Hôm nay, {format_day(deadline)}, là hạn nộp {report}. Đề nghị các đơn vị sau nộp ngay:"
    else:
        head = (f"[{sender}] Hạn nộp {report} là ngày {format_day(deadline)}; "
                f"các đơn vị sau đã quá hạn {-days} ngày, đề nghị nộp ngay:")
    lines = [head]
    for r in owing:
        who = f" (đ/c {r.officer_name}{', ' + r.officer_phone if r.officer_phone else ''})" if r.officer_name else ""
        notes = []
        if r.state == "returned":
            notes.append("đã bị trả lại, cần sửa")
        if r.deadline != deadline:
            notes.append(f"được gia hạn đến {format_day(r.deadline)}" if r.deadline > deadline else f"hạn {format_day(r.deadline)}")
        lines.append(f"- {r.unit_name}{who}{' — ' + '; '.join(notes) if notes else ''}")
    lines.append(f"Tổng cộng {len(owing)}/{total} đơn vị chưa nộp.")
    return "\n".join(lines)
