"""Bulk import of units and users from .xlsx or .csv: parse, check each row, write the good ones.

Parsing and checking are pure (they receive the codes that already exist); the view shows
the preview and writes only after the administrator confirms.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from ..models import ROLES, UNIT_KINDS
from ..services.passwords import password_problem

MAX_ROWS = 5000


def _plain(text: str) -> str:
    """Header matching ignores case, accents and punctuation ("Mã đơn vị" == "ma_don_vi")."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


UNIT_COLUMNS = {
    "code": {"ma", "ma_don_vi", "code"},
    "name": {"ten", "ten_don_vi", "name"},
    "kind": {"loai", "loai_don_vi", "kind"},
    "parent_code": {"ma_cap_tren", "ma_don_vi_cap_tren", "cap_tren", "parent", "parent_code"},
    "place_name": {"dia_danh", "place_name"},
}
USER_COLUMNS = {
    "username": {"ten_dang_nhap", "tai_khoan", "username"},
    "full_name": {"ho_ten", "ho_va_ten", "full_name"},
    "phone": {"dien_thoai", "so_dien_thoai", "phone"},
    "email": {"email", "thu_dien_tu"},
    "role": {"vai_tro", "role"},
    "unit_code": {"ma_don_vi", "don_vi", "unit", "unit_code"},
    "password": {"mat_khau", "password"},
}

KIND_ALIASES = {_plain(label): code for code, label in UNIT_KINDS.items()} | {code: code for code in UNIT_KINDS}
KIND_ALIASES |= {"huyen": "district", "thi_xa": "district", "quan": "district", "thanh_pho": "district",
                 "so": "office", "phong": "office", "ban": "office", "phong_ban": "office", "so_nganh": "office"}
ROLE_ALIASES = {_plain(label): code for code, label in ROLES.items()} | {code: code for code in ROLES}
ROLE_ALIASES |= {"can_bo_dau_moi": "reporter", "bao_cao": "reporter", "tong_hop": "reviewer", "quan_tri_vien": "admin"}


class ImportFileError(ValueError):
    pass


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(filename: str, data: bytes) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("Tệp CSV phải lưu với bảng mã UTF-8.")
        dialect = csv.excel
        try:
            dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        except csv.Error:
            pass
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ImportFileError("Không đọc được tệp Excel. Hãy lưu lại dưới dạng .xlsx.")
        rows = [["" if c is None else str(c).strip() for c in row] for row in wb.active.iter_rows(values_only=True)]
        wb.close()
        return rows
    raise ImportFileError("Chỉ nhận tệp .xlsx hoặc .csv.")


def _map_header(header: list[str], columns: dict[str, set[str]]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        key = _plain(title)
        for name, aliases in columns.items():
            if key in aliases and name not in mapping:
                mapping[name] = index
    return mapping


def _records(table: list[list[str]], columns: dict[str, set[str]], required: list[str]) -> list[ImportRow]:
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise ImportFileError("Tệp không có dữ liệu.")
    mapping = _map_header(table[0], columns)
    missing = [name for name in required if name not in mapping]
    if missing:
        raise ImportFileError("Thiếu cột: " + ", ".join(missing) + ". Dòng đầu tiên phải là tiêu đề cột.")
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS}).")
    rows = []
    for line, raw in enumerate(table[1:], start=2):
        values = {name: (raw[i].strip() if i < len(raw) else "") for name, i in mapping.items()}
        rows.append(ImportRow(line, values))
    return rows


def check_units(table: list[list[str]], existing_codes: set[str]) -> list[ImportRow]:
    rows = _records(table, UNIT_COLUMNS, ["code", "name", "kind"])
    seen: set[str] = set()
    file_codes = {r.values.get("code", "") for r in rows}
    for row in rows:
        v = row.values
        code, name = v.get("code", ""), v.get("name", "")
        if not code:
            row.errors.append("Thiếu mã đơn vị.")
        elif len(code) > 40 or not all(c.isalnum() or c in "_.-" for c in code) or not code.isascii():
            row.errors.append("Mã đơn vị chỉ gồm chữ không dấu, số, '.', '-', '_' (tối đa 40 ký tự).")
        elif code in existing_codes:
            row.errors.append(f"Mã đơn vị '{code}' đã có trong hệ thống.")
        elif code in seen:
            row.errors.append(f"Mã đơn vị '{code}' bị trùng trong tệp.")
        seen.add(code)
        if not name:
            row.errors.append("Thiếu tên đơn vị.")
        elif len(name) > 200:
            row.errors.append("Tên đơn vị tối đa 200 ký tự.")
        kind = KIND_ALIASES.get(_plain(v.get("kind", "")))
        if kind is None:
            row.errors.append(f"Loại đơn vị '{v.get('kind', '')}' không hợp lệ.")
        v["kind"] = kind
        parent = v.get("parent_code", "")
        if parent and parent not in existing_codes and parent not in file_codes:
            row.errors.append(f"Không tìm thấy đơn vị cấp trên '{parent}'.")
        if parent and parent == code:
            row.errors.append("Đơn vị không thể là cấp trên của chính nó.")
        if len(v.get("place_name", "")) > 100:
            row.errors.append("Địa danh tối đa 100 ký tự.")
    # A parent given only by rejected rows is missing too. A rejected duplicate of a code
    # that exists (in the system or on a valid row) does not take that parent away.
    changed = True
    while changed:
        changed = False
        good = {r.values.get("code") for r in rows if r.ok}
        for row in rows:
            parent = row.values.get("parent_code", "")
            if row.ok and parent and parent not in existing_codes and parent not in good:
                row.errors.append(f"Đơn vị cấp trên '{parent}' nằm ở dòng bị lỗi.")
                changed = True
    return rows


def check_users(table: list[list[str]], existing_usernames: set[str], unit_codes: set[str]) -> list[ImportRow]:
    rows = _records(table, USER_COLUMNS, ["username", "full_name", "role", "unit_code"])
    seen: set[str] = set()
    for row in rows:
        v = row.values
        username = v.get("username", "")
        if not username:
            row.errors.append("Thiếu tên đăng nhập.")
        elif len(username) > 80 or not username.isascii() or not all(c.isalnum() or c in "_.-" for c in username):
            row.errors.append("Tên đăng nhập chỉ gồm chữ không dấu, số, '.', '-', '_' (tối đa 80 ký tự).")
        elif username in existing_usernames:
            row.errors.append(f"Tên đăng nhập '{username}' đã có.")
        elif username in seen:
            row.errors.append(f"Tên đăng nhập '{username}' bị trùng trong tệp.")
        seen.add(username)
        if not v.get("full_name"):
            row.errors.append("Thiếu họ tên.")
        elif len(v["full_name"]) > 120:
            row.errors.append("Họ tên tối đa 120 ký tự.")
        role = ROLE_ALIASES.get(_plain(v.get("role", "")))
        if role is None:
            row.errors.append(f"Vai trò '{v.get('role', '')}' không hợp lệ (cán bộ đầu mối, cán bộ tổng hợp, quản trị).")
        v["role"] = role
        if v.get("unit_code", "") not in unit_codes:
            row.errors.append(f"Không tìm thấy đơn vị '{v.get('unit_code', '')}'.")
        password = v.get("password", "")
        problem = password_problem(password, username) if password else None
        if problem:
            row.errors.append(f"{problem} (Để trống để hệ thống tạo mật khẩu tạm.)")
        if len(v.get("phone", "")) > 30:
            row.errors.append("Số điện thoại tối đa 30 ký tự.")
    return rows


def parents_first(rows: list[ImportRow]) -> list[ImportRow]:
    """Order unit rows so every parent from the file is created before its children."""
    by_code = {r.values["code"]: r for r in rows}
    done: set[str] = set()
    ordered: list[ImportRow] = []

    def visit(row: ImportRow, trail: set[str]) -> None:
        code = row.values["code"]
        if code in done or code in trail:
            return
        parent = by_code.get(row.values.get("parent_code", ""))
        if parent is not None:
            visit(parent, trail | {code})
        done.add(code)
        ordered.append(row)

    for row in rows:
        visit(row, set())
    return ordered
