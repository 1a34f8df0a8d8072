"""Reading uploaded spreadsheets (.xlsx, .csv) without trusting them.

Checked before anything is parsed: the file's size, the zip's member count, its total
uncompressed size and each member's compression ratio (a 118 KB zip bomb inflates to
gigabytes); then what a parser would pay for at once — the shared strings (openpyxl reads
them all when it opens a workbook: 520,000 of them cost 5 s), counted as their bytes are
inflated, and each sheet's cell count from the dimension it declares. Then openpyxl opens the workbook read-only (sheets streamed from the zip,
XML through defusedxml), the caller reads only the sheets it expects, and no more rows
and columns than it allows: the limit stops the read instead of being checked on a
table built whole. Anything malformed — not a zip, bad XML inside, a CSV not in UTF-8 —
raises UploadRefused with a Vietnamese message. Nothing here writes anything.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl

from .reporting.numbers import format_count
from .reporting.text import clean_text

MB = 1024 * 1024

MSG_TOO_LARGE = "Tệp quá lớn (tối đa {mb} MB)."
MSG_NOT_XLSX = "Tệp tải lên không phải là tệp Excel (.xlsx) hợp lệ. Hãy mở bằng Excel và lưu lại dưới dạng .xlsx."
MSG_INFLATED = ("Tệp Excel có nội dung nén bất thường (giải nén ra quá lớn) nên không được đọc. "
                "Hãy mở bằng Excel, lưu lại dưới dạng .xlsx rồi tải lên.")
MSG_TOO_MANY_STRINGS = ("Tệp Excel chứa quá nhiều đoạn văn bản khác nhau để đọc an toàn nên không được đọc. "
                        "Hãy tải về mẫu của hệ thống, nhập số liệu vào đó rồi tải lên.")
MSG_TOO_MANY_CELLS = ("Một trang tính trong tệp Excel có quá nhiều ô nên không được đọc. "
                      "Hãy chỉ để lại các trang tính của mẫu báo cáo rồi tải lên.")
MSG_ROWS = "Trang tính “{sheet}” có quá nhiều dòng (tối đa {limit} dòng)."
MSG_COLUMNS = "Trang tính “{sheet}” có quá nhiều cột (tối đa {limit} cột)."
MSG_CSV_ENCODING = "Tệp CSV phải lưu với bảng mã UTF-8. Trong Excel: Lưu thành › CSV UTF-8."
MSG_CSV_BAD = "Không đọc được tệp CSV (dòng {line}). Hãy mở bằng Excel và lưu lại dưới dạng CSV UTF-8."


class UploadRefused(ValueError):
    """The file is not read; ``message`` says why, for the person who uploaded it."""

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ZipLimits:
    max_bytes: int = 8 * MB
    max_members: int = 64
    max_uncompressed: int = 24 * MB
    max_ratio: int = 100  # sheets compress 5–20×; bombs thousands of times
    ratio_from: int = 256 * 1024  # smaller members may compress as they like
    # A report has a few hundred texts; a 5,000-row import of users some 40,000.
    max_shared_strings: int = 50_000
    max_shared_strings_bytes: int = 8 * MB
    # Cells a sheet declares (its <dimension>): the largest import is 5,000 rows × 40 columns.
    max_cells: int = 250_000


def check_size(data: bytes, limits: ZipLimits = ZipLimits()) -> None:
    if len(data) > limits.max_bytes:
        raise UploadRefused(MSG_TOO_LARGE.format(mb=limits.max_bytes // MB))


def check_zip(data: bytes, limits: ZipLimits = ZipLimits()) -> None:
    """The zip's own directory, read before a byte is inflated. zipfile never inflates a
    member past the size its directory declares, so these figures bound what follows."""
    check_size(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UploadRefused(MSG_NOT_XLSX) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UploadRefused(MSG_NOT_XLSX)
    if len(members) > limits.max_members or sum(m.file_size for m in members) > limits.max_uncompressed:
        raise UploadRefused(MSG_INFLATED)
    for member in members:
        if member.file_size > limits.ratio_from and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise UploadRefused(MSG_INFLATED)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            kinds = _part_kinds(archive)
            for member in members:
                kind = kinds.get(member.filename) or _kind_by_name(member.filename)
                if kind == "sharedStrings":
                    _check_shared_strings(archive, member, limits)
                elif kind == "worksheet":
                    _check_dimension(archive, member, limits)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, RuntimeError):
        raise UploadRefused(MSG_NOT_XLSX) from None


# The parts a parser reads: found by the content types the package declares (a hostile file
# may name them as it likes), and by their usual names.
_OVERRIDE = re.compile(rb'<(?:\w+:)?Override\b[^>]*>')
_ATTRIBUTE = re.compile(rb'(PartName|ContentType)\s*=\s*"([^"]*)"')
_STRING_ITEM = re.compile(rb"<(?:\w+:)?si[\s>/]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref\s*=\s*"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?"')


def _part_kinds(archive: zipfile.ZipFile) -> dict[str, str]:
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > MB:
        raise UploadRefused(MSG_INFLATED)
    kinds = {}
    for override in _OVERRIDE.findall(archive.read(info)):
        attributes = dict(_ATTRIBUTE.findall(override))
        name = attributes.get(b"PartName", b"").decode("utf-8", "replace").lstrip("/")
        content = attributes.get(b"ContentType", b"")
        if content.endswith(b"sharedStrings+xml"):
            kinds[name] = "sharedStrings"
        elif content.endswith(b"worksheet+xml"):
            kinds[name] = "worksheet"
    return kinds


def _kind_by_name(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith("sharedstrings.xml"):
        return "sharedStrings"
    if lowered.startswith("xl/worksheets/") and lowered.endswith(".xml"):
        return "worksheet"
    return None


def _check_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """Counted while inflated, a megabyte at a time, stopping at the limit: no XML parsed."""
    if member.file_size > limits.max_shared_strings_bytes:
        raise UploadRefused(MSG_TOO_MANY_STRINGS)
    count, tail = 0, b""
    with archive.open(member) as stream:
        while chunk := stream.read(MB):
            block = tail + chunk
            # An item split across two chunks is counted once: the last 16 bytes go round again
            # only if no match ends in them.
            matches = list(_STRING_ITEM.finditer(block))
            cut = max(len(block) - 16, matches[-1].end() if matches else 0)
            count += sum(1 for m in matches if m.end() <= cut)
            tail = block[cut:]
            if count > limits.max_shared_strings:
                raise UploadRefused(MSG_TOO_MANY_STRINGS)
    count += len(_STRING_ITEM.findall(tail))
    if count > limits.max_shared_strings:
        raise UploadRefused(MSG_TOO_MANY_STRINGS)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _check_dimension(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """The cells a sheet says it spans, from the first bytes of its XML. A sheet that lies
    low costs nothing: reading stops at the caller's own row and column limits."""
    with archive.open(member) as stream:
        head = stream.read(8 * 1024)
    found = _DIMENSION.search(head)
    if found is None or found.group(3) is None:
        return
    rows = int(found.group(4)) - int(found.group(2)) + 1
    columns = _column_number(found.group(3)) - _column_number(found.group(1)) + 1
    if rows * columns > limits.max_cells:
        raise UploadRefused(MSG_TOO_MANY_CELLS)


@contextmanager
def open_workbook(data: bytes, limits: ZipLimits = ZipLimits()) -> Iterator[openpyxl.Workbook]:
    """A read-only workbook (cached values, not formulas) once the zip passed the checks."""
    check_zip(data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises what its XML, zip and type parsing raise: any means malformed
        raise UploadRefused(MSG_NOT_XLSX) from None
    try:
        yield workbook
    finally:
        workbook.close()


def sheet_rows(workbook, sheet: str, max_rows: int, max_columns: int, *, refuse_beyond: bool = True,
               too_many: str | None = None) -> Iterator[tuple]:
    """Rows of one sheet as value tuples, ``max_columns`` wide, streamed.

    With ``refuse_beyond`` a value past the limits refuses the file (a table that is too
    big); without it the read simply stops there (only a known area is wanted). Reading
    goes one row and one column past the limits to tell, never further.
    """
    if sheet not in workbook.sheetnames:
        raise UploadRefused(MSG_NOT_XLSX)
    worksheet = workbook[sheet]
    extra = 1 if refuse_beyond else 0
    try:
        for index, row in enumerate(worksheet.iter_rows(min_row=1, max_row=max_rows + extra, max_col=max_columns + extra,
                                                         values_only=True)):
            if refuse_beyond and len(row) > max_columns and row[max_columns] not in (None, ""):
                raise UploadRefused(too_many or MSG_COLUMNS.format(sheet=sheet, limit=format_count(max_columns)))
            if refuse_beyond and index >= max_rows:
                if any(value not in (None, "") for value in row):
                    raise UploadRefused(too_many or MSG_ROWS.format(sheet=sheet, limit=format_count(max_rows)))
                continue
            yield row[:max_columns]
    except UploadRefused:
        raise
    except Exception:  # bad XML inside a sheet surfaces only while it is read
        raise UploadRefused(MSG_NOT_XLSX) from None


def cell_string(value) -> str:
    return "" if value is None else clean_text(str(value)).strip()


def table_from_xlsx(data: bytes, max_rows: int, max_columns: int, header_rows: int = 0) -> list[list[str]]:
    """The active sheet (the one Excel opens on) as text, blank rows left out, at most
    ``max_rows`` filled rows below the header."""
    with open_workbook(data) as workbook:
        if workbook.active is None:
            raise UploadRefused(MSG_NOT_XLSX)
        sheet = workbook.active.title
        table: list[list[str]] = []
        # Blank rows are skipped, not counted, but never more than a few per filled row.
        for row in sheet_rows(workbook, sheet, (max_rows + header_rows) * 4, max_columns):
            _append(table, [cell_string(value) for value in row], max_rows + header_rows, sheet, max_rows)
        return table


def table_from_csv(data: bytes, max_rows: int, max_columns: int, header_rows: int = 0,
                   limits: ZipLimits = ZipLimits()) -> list[list[str]]:
    """A CSV in UTF-8 (with or without BOM), delimiter , ; or tab, read row by row."""
    check_size(data, limits)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(MSG_CSV_ENCODING) from None
    text = clean_text(text)
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        pass
    table: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            if len(row) > max_columns and any(cell.strip() for cell in row[max_columns:]):
                raise UploadRefused(MSG_COLUMNS.format(sheet="CSV", limit=format_count(max_columns)))
            _append(table, [cell.strip() for cell in row[:max_columns]], max_rows + header_rows, "CSV", max_rows)
    except csv.Error:
        raise UploadRefused(MSG_CSV_BAD.format(line=reader.line_num)) from None
    return table


def _append(table: list[list[str]], cells: list[str], most: int, sheet: str, shown_limit: int) -> None:
    if any(cells):
        if len(table) >= most:
            raise UploadRefused(MSG_ROWS.format(sheet=sheet, limit=format_count(shown_limit)))
        table.append(cells)
