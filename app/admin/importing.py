"""Bulk import of units and users from .xlsx or .csv: parse, check each row, write the good ones.

Parsing and checking are pure (they receive the codes that already exist); the view shows
the preview and writes only after the administrator confirms.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

from ..models import ROLES, UNIT_KINDS
from ..services.passwords import password_problem
from ..uploads import UploadRefused, table_from_csv, table_from_xlsx

MAX_ROWS = 5000
MAX_COLUMNS = 40


def _plain(text: str) -> str:
    """Header matching ignores case, accents and punctuation ("Mã đơn vị" == "ma_don_vi")."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


@dataclass(frozen=True)
class ImportColumn:
    """A column of an import file: the Vietnamese header users see (in the sample file and
    the preview) and the other spellings accepted for it."""

    key: str
    label: str
    aliases: frozenset[str]
    required: bool = False
    hint: str = ""

    def matches(self, header: str) -> bool:
        return _plain(header) in self.aliases or _plain(header) == _plain(self.label)


def _column(key: str, label: str, aliases: str, required: bool = False, hint: str = "") -> ImportColumn:
    return ImportColumn(key, label, frozenset(aliases.split()) | {key}, required, hint)


UNIT_COLUMNS = (
    _column("code", "Mã đơn vị", "ma ma_don_vi", True, "chữ không dấu, số, '.', '-', '_'"),
    _column("name", "Tên", "ten ten_don_vi", True, "ví dụ: Xã Bình Chánh"),
    _column("kind", "Loại", "loai loai_don_vi", True, "xã, phường, thị trấn, đặc khu, huyện, tỉnh, phòng, sở, ban"),
    _column("parent_code", "Đơn vị cấp trên", "don_vi_cap_tren ma_cap_tren ma_don_vi_cap_tren cap_tren parent",
            hint="mã đơn vị cấp trên; để trống nếu là cấp cao nhất"),
    _column("place_name", "Địa danh", "dia_danh", hint="ghi trên văn bản: \"Bình Chánh, ngày … tháng … năm …\""),
    _column("sort_order", "Thứ tự", "thu_tu stt so_thu_tu", hint="thứ tự trong danh sách chính thức; trống: theo thứ tự dòng"),
)
USER_COLUMNS = (
    _column("username", "Tên đăng nhập", "ten_dang_nhap tai_khoan", True, "chữ không dấu, số, '.', '-', '_'"),
    _column("full_name", "Họ tên", "ho_ten ho_va_ten", True),
    _column("phone", "Điện thoại", "dien_thoai so_dien_thoai"),
    _column("email", "Email", "email thu_dien_tu"),
    _column("role", "Vai trò", "vai_tro", True, "cán bộ đầu mối, cán bộ tổng hợp, quản trị"),
    _column("unit_code", "Mã đơn vị", "ma_don_vi don_vi unit", True),
    _column("password", "Mật khẩu", "mat_khau", hint="để trống để hệ thống tạo mật khẩu tạm"),
)

KIND_ALIASES = {_plain(label): code for code, label in UNIT_KINDS.items()} | {code: code for code in UNIT_KINDS}
KIND_ALIASES |= {"huyen": "district", "thi_xa": "district", "quan": "district", "thanh_pho": "district",
                 "so": "department", "so_ban_nganh": "department", "so_nganh": "department", "nganh": "department",
                 "phong": "office", "ban": "office", "phong_ban": "office",
                 "chi_nhanh": "office", "trung_tam": "office", "xa": "commune", "phuong": "ward",
                 "thi_tran": "town", "dac_khu": "special", "tinh": "province"}
ROLE_ALIASES = {_plain(label): code for code, label in ROLES.items()} | {code: code for code in ROLES}
ROLE_ALIASES |= {"can_bo_dau_moi": "reporter", "bao_cao": "reporter", "tong_hop": "reviewer", "quan_tri_vien": "admin"}


class ImportFileError(ValueError):
    pass


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)
    # What the preview shows per column: the file's text, a recognised kind or role by its
    # Vietnamese name, never an internal code.
    shown: dict = field(default_factory=dict)
    # In update mode: "create", "update" or "same" (already as in the file), and what changes.
    action: str = "create"
    changes: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def action_label(self) -> str:
        return {"create": "Thêm mới", "update": "Cập nhật", "same": "Không đổi"}.get(self.action, "")


PHONE_RULE = re.compile(r"^[0-9 +.()-]*$")
EMAIL_RULE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def phone_problem(phone: str) -> str | None:
    """The single-user form's rule, and a number Excel stored as a number (its leading zero lost)."""
    if not phone:
        return None
    if len(phone) > 30:
        return "Số điện thoại tối đa 30 ký tự."
    if not PHONE_RULE.match(phone):
        return f"Số điện thoại '{phone}' không hợp lệ (chỉ gồm chữ số, dấu cách, +, ., -, ngoặc)."
    digits = re.sub(r"\D", "", phone)
    if not phone.startswith(("0", "+")) and phone.isdigit() and 8 <= len(digits) <= 10:
        return (f"Số điện thoại '{phone}' đã mất số 0 ở đầu (ô Excel kiểu số). Định dạng cột Điện thoại là "
                "Văn bản (Text) rồi nhập lại, ví dụ 0912 111 004.")
    return None


def email_problem(email: str) -> str | None:
    if not email:
        return None
    if len(email) > 120:
        return "Địa chỉ thư tối đa 120 ký tự."
    if not EMAIL_RULE.match(email):
        return f"Địa chỉ thư '{email}' không hợp lệ."
    return None


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The file's rows as text, read with the upload limits (size, zip, rows and columns
    counted while reading; see app.uploads); blank rows left out."""
    name = filename.lower()
    try:
        if name.endswith(".csv"):
            return table_from_csv(data, MAX_ROWS, MAX_COLUMNS, header_rows=1)
        if name.endswith(".xlsx"):
            return table_from_xlsx(data, MAX_ROWS, MAX_COLUMNS, header_rows=1)
    except UploadRefused as refused:
        raise ImportFileError(refused.message) from None
    raise ImportFileError("Chỉ nhận tệp .xlsx hoặc .csv.")


def _map_header(header: list[str], columns: tuple[ImportColumn, ...]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        for column in columns:
            if column.key not in mapping and column.matches(title):
                mapping[column.key] = index
                break
    return mapping


def _records(table: list[list[str]], columns: tuple[ImportColumn, ...]) -> list[ImportRow]:
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise ImportFileError("Tệp không có dữ liệu.")
    mapping = _map_header(table[0], columns)
    missing = [c.label for c in columns if c.required and c.key not in mapping]
    if missing:
        raise ImportFileError("Thiếu cột: " + ", ".join(missing) + ". Dòng đầu tiên phải là tiêu đề cột "
                              "(tải tệp mẫu để xem).")
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS}).")
    rows = []
    for line, raw in enumerate(table[1:], start=2):
        values = {name: (raw[i].strip() if i < len(raw) else "") for name, i in mapping.items()}
        if re.fullmatch(r"\d+\.0", values.get("phone", "")):
            values["phone"] = values["phone"][:-2]
        rows.append(ImportRow(line, values, shown=dict(values)))
    return rows


def preview_columns(columns: tuple[ImportColumn, ...], rows: list[ImportRow]) -> list[ImportColumn]:
    """The columns the file had, in the sample's order; passwords are never shown."""
    present = {key for row in rows[:1] for key in row.values}
    return [c for c in columns if c.key in present and c.key != "password"]


def check_units(table: list[list[str]], existing_codes: set[str], updatable: set[str] = frozenset(),
                parent_codes: set[str] | None = None, top_allowed: bool = True) -> list[ImportRow]:
    """Each row checked. ``updatable``: existing codes a row may update (update mode);
    ``parent_codes``: the existing units a row may hang under (an administrator's scope);
    ``top_allowed``: whether a row may have no parent."""
    rows = _records(table, UNIT_COLUMNS)
    seen: set[str] = set()
    file_codes = {r.values.get("code", "") for r in rows}
    for row in rows:
        v = row.values
        code, name = v.get("code", ""), v.get("name", "")
        if not code:
            row.errors.append("Thiếu mã đơn vị.")
        elif len(code) > 40 or not all(c.isalnum() or c in "_.-" for c in code) or not code.isascii():
            row.errors.append("Mã đơn vị chỉ gồm chữ không dấu, số, '.', '-', '_' (tối đa 40 ký tự).")
        elif code in seen:
            row.errors.append(f"Mã đơn vị '{code}' bị trùng trong tệp.")
        elif code in updatable:
            row.action = "update"
        elif code in existing_codes:
            row.errors.append(f"Mã đơn vị '{code}' đã có trong hệ thống. Chọn \"Cập nhật theo mã\" để sửa đơn vị đã có."
                              if not updatable else f"Mã đơn vị '{code}' đã có, ngoài phạm vi quản trị của bạn.")
        seen.add(code)
        if not name:
            row.errors.append("Thiếu tên đơn vị.")
        elif len(name) > 200:
            row.errors.append("Tên đơn vị tối đa 200 ký tự.")
        kind = KIND_ALIASES.get(_plain(v.get("kind", "")))
        if kind is None:
            row.errors.append(f"Loại đơn vị '{v.get('kind', '')}' không hợp lệ (xã, phường, thị trấn, đặc khu, "
                              "huyện, tỉnh, phòng, sở, ban).")
        else:
            row.shown["kind"] = UNIT_KINDS[kind]
        v["kind"] = kind
        order = v.get("sort_order", "")
        if not order:
            # The file's own order is the official order when no column says otherwise.
            v["sort_order"] = row.line - 1
        elif not order.isdigit() or int(order) > 99999:
            row.errors.append(f"Thứ tự '{order}' phải là số nguyên từ 0 đến 99.999.")
        else:
            v["sort_order"] = int(order)
        parent = v.get("parent_code", "")
        allowed = existing_codes if parent_codes is None else parent_codes
        if parent and parent not in allowed and parent not in file_codes:
            row.errors.append(f"Không tìm thấy đơn vị cấp trên '{parent}'." if parent not in existing_codes
                              else f"Đơn vị cấp trên '{parent}' nằm ngoài phạm vi quản trị của bạn.")
        if not parent and not top_allowed and row.action == "create":
            row.errors.append("Thiếu đơn vị cấp trên (mã một đơn vị trong phạm vi quản trị của bạn).")
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


def check_users(table: list[list[str]], existing_usernames: set[str], unit_codes: set[str],
                updatable: set[str] = frozenset(), all_codes: set[str] | None = None) -> list[ImportRow]:
    """Each row checked with the single-user form's rules. ``unit_codes``: the units a row may
    name (an administrator's scope); ``updatable``: accounts a row may update (update mode)."""
    rows = _records(table, USER_COLUMNS)
    seen: set[str] = set()
    for row in rows:
        v = row.values
        username = v.get("username", "")
        if not username:
            row.errors.append("Thiếu tên đăng nhập.")
        elif len(username) > 80 or not username.isascii() or not all(c.isalnum() or c in "_.-" for c in username):
            row.errors.append("Tên đăng nhập chỉ gồm chữ không dấu, số, '.', '-', '_' (tối đa 80 ký tự).")
        elif username in seen:
            row.errors.append(f"Tên đăng nhập '{username}' bị trùng trong tệp.")
        elif username in updatable:
            row.action = "update"
        elif username in existing_usernames:
            row.errors.append(f"Tên đăng nhập '{username}' đã có. Chọn \"Cập nhật theo mã\" để sửa tài khoản đã có."
                              if not updatable else f"Tên đăng nhập '{username}' đã có, ngoài phạm vi quản trị của bạn.")
        seen.add(username)
        if not v.get("full_name"):
            row.errors.append("Thiếu họ tên.")
        elif len(v["full_name"]) > 120:
            row.errors.append("Họ tên tối đa 120 ký tự.")
        role = ROLE_ALIASES.get(_plain(v.get("role", "")))
        if role is None:
            row.errors.append(f"Vai trò '{v.get('role', '')}' không hợp lệ (cán bộ đầu mối, cán bộ tổng hợp, quản trị).")
        else:
            row.shown["role"] = ROLES[role]
        v["role"] = role
        if v.get("unit_code", "") not in unit_codes:
            known = all_codes is not None and v.get("unit_code", "") in all_codes
            row.errors.append(f"Đơn vị '{v.get('unit_code', '')}' nằm ngoài phạm vi quản trị của bạn hoặc đã ngừng hoạt động."
                              if known else f"Không tìm thấy đơn vị '{v.get('unit_code', '')}'.")
        password = v.get("password", "")
        problem = password_problem(password, username) if password else None
        if problem:
            row.errors.append(f"{problem} (Để trống để hệ thống tạo mật khẩu tạm.)")
        if row.action == "update" and password:
            row.errors.append("Cập nhật theo tệp không đổi mật khẩu: để trống cột Mật khẩu (dùng \"Đặt lại mật khẩu\").")
        for problem in (phone_problem(v.get("phone", "")), email_problem(v.get("email", ""))):
            if problem:
                row.errors.append(problem)
    return rows


def mark_changes(rows: list[ImportRow], current: dict[str, dict], key: str) -> None:
    """For rows updating what exists: what would change (old → new, by column), or "same"."""
    for row in rows:
        if row.action != "update" or not row.ok:
            continue
        now = current.get(row.values.get(key, ""), {})
        found = {}
        for name, new in row.values.items():
            if name in now and name not in ("password",) and str(now[name] or "") != str(new or ""):
                if name == "sort_order" and not row.shown.get("sort_order"):
                    continue  # no order in the file: the unit keeps its place
                labels = UNIT_KINDS if name == "kind" else ROLES if name == "role" else {}
                found[name] = (labels.get(now[name], now[name]), labels.get(new, new))
        row.changes = found
        if not found:
            row.action = "same"


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


SAMPLE_ROWS = {
    "units": [
        ["QNG.BS", "Huyện Bình Sơn", "Huyện", "QNG", "Bình Sơn", "1"],
        ["QNG.BS.X01", "Xã Bình An", "Xã", "QNG.BS", "Bình An", "1"],
        ["QNG.BS.X02", "Xã Bình Chánh", "Xã", "QNG.BS", "Bình Chánh", "2"],
        ["QNG.BS.TT01", "Thị trấn Châu Ổ", "Thị trấn", "QNG.BS", "Châu Ổ", "3"],
        ["QNG.BS.P01", "Phòng Tư pháp", "Phòng", "QNG.BS", "Bình Sơn", "101"],
        ["QNG.S01", "Sở Nội vụ", "Sở, ban, ngành", "QNG", "Quảng Ngãi", "201"],
    ],
    "users": [
        ["xa.binhan", "Nguyễn Văn An", "0912 345 678", "binhan@example.vn", "Cán bộ đầu mối", "QNG.BS.X01", ""],
        ["tonghop.binhson", "Lê Thị Thanh", "0255 3851 234", "", "Cán bộ tổng hợp", "QNG.BS", ""],
    ],
}
IMPORT_COLUMNS = {"units": UNIT_COLUMNS, "users": USER_COLUMNS}


def sample_workbook(kind: str) -> bytes:
    """A ready-to-fill .xlsx: the Vietnamese headers, example rows, and a sheet explaining
    each column. Every cell is text, so codes and phone numbers keep their leading zeros."""
    import xlsxwriter

    columns = IMPORT_COLUMNS[kind]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"Mẫu nhập {'đơn vị' if kind == 'units' else 'người dùng'}"})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "Times New Roman"})
    text = book.add_format({"num_format": "@", "font_name": "Times New Roman"})
    sheet = book.add_worksheet("Danh sách")
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.label, head)
        sheet.set_column(col, col, max(14, len(column.label) + 4), text)
    for row, values in enumerate(SAMPLE_ROWS[kind], start=1):
        for col, value in enumerate(values):
            sheet.write_string(row, col, value, text)
    sheet.freeze_panes(1, 0)
    guide = book.add_worksheet("Hướng dẫn")
    for col, title in enumerate(("Cột", "Bắt buộc", "Cách ghi")):
        guide.write_string(0, col, title, head)
    for row, column in enumerate(columns, start=1):
        guide.write_string(row, 0, column.label)
        guide.write_string(row, 1, "Có" if column.required else "Không")
        guide.write_string(row, 2, column.hint)
    guide.set_column(0, 0, 18)
    guide.set_column(2, 2, 70)
    book.close()
    return out.getvalue()


def passwords_workbook(rows) -> bytes:
    """Temporary passwords to hand out: username, name, password, as text cells."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "Times New Roman"})
    text = book.add_format({"num_format": "@", "font_name": "Times New Roman"})
    sheet = book.add_worksheet("Mật khẩu tạm")
    for col, title in enumerate(("Tên đăng nhập", "Họ tên", "Mật khẩu tạm (đổi khi đăng nhập lần đầu)")):
        sheet.write_string(0, col, title, head)
    for row, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            sheet.write_string(row, col, str(value), text)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 40)
    book.close()
    return out.getvalue()
