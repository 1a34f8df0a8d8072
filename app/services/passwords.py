"""The password policy for passwords set through the portal (change, import, command line).

Administrator-issued passwords (new account, reset, import) are random and must be
changed at first login; the demo and the tests create users directly, not through here.
"""
from __future__ import annotations

import functools
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")

MSG_SHORT = f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự."
MSG_LONG = f"Mật khẩu tối đa {MAX_LENGTH} ký tự."
MSG_USERNAME = "Mật khẩu không được chứa tên đăng nhập."
MSG_COMMON = "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác (ví dụ ghép vài từ dễ nhớ)."
MSG_SIMPLE = "Mật khẩu quá đơn giản (ít ký tự khác nhau); hãy chọn mật khẩu khác."


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password may not be used (Vietnamese), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return MSG_SHORT
    if len(password) > MAX_LENGTH:
        return MSG_LONG
    lowered = password.lower()
    name = username.strip().lower()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        return MSG_USERNAME
    if lowered in common_passwords():
        return MSG_COMMON
    if len(set(lowered)) < 4:
        return MSG_SIMPLE
    return None
