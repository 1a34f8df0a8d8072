"""The password policy for passwords set through the portal (change, import, command line).

Administrator-issued passwords (new account, reset, import) are random and must be
changed at first login; the demo and the tests create users directly, not through here.

Three checks, cheapest first: the length; what the password is made of (the username,
the unit's name, the product's name, years, the usual suffixes — a sprayer tries exactly
these); and how many guesses it would take, estimated by zxcvbn (Dropbox's estimator,
which knows dictionaries, keyboard walks, repeats, sequences, dates and l33t) with those
same words as the user's own inputs. The common-password list is zxcvbn's 30,000 most
common passwords plus our own file of Vietnamese officers' typical choices.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn's score: 3 is "safely unguessable: moderate protection from offline slow-hash
# scenario" (about 10^8 guesses and more).
MIN_SCORE = 3
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
PRODUCT_NAMES = ("tonghop", "tong hop", "tổng hợp", "cchc", "ubnd", "admin", "quantri", "demo")
# What people add to a word to make it "strong enough": years and digit runs, symbols.
_DIGITS = re.compile(r"\d+")
_SEPARATORS = re.compile(r"[\W_]+")

MSG_SHORT = f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự."
MSG_LONG = f"Mật khẩu tối đa {MAX_LENGTH} ký tự."
MSG_USERNAME = "Mật khẩu không được chứa tên đăng nhập."
MSG_COMMON = "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác (ví dụ ghép vài từ dễ nhớ)."
MSG_SIMPLE = "Mật khẩu quá đơn giản (ít ký tự khác nhau); hãy chọn mật khẩu khác."
MSG_MADE_OF = ("Mật khẩu chỉ ghép từ tên đăng nhập, tên đơn vị, tên phần mềm, năm hoặc các đuôi phổ biến "
               "(123, @, !) — kẻ dò mật khẩu thử những thứ này đầu tiên; hãy ghép vài từ riêng của bạn.")
MSG_WEAK = "Mật khẩu dễ đoán ({reason}); hãy dài hơn hoặc ghép vài từ không liên quan (ví dụ: ba-con-voi-xanh-7)."


def _plain(text: str) -> str:
    """Lower case, without Vietnamese accents: 'Bình Sơn' -> 'binh son'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    own = {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}
    return frozenset(own | set(FREQUENCY_LISTS["passwords"]))


def personal_words(username: str = "", unit_name: str = "") -> list[str]:
    """The words a password must not be made of: the username and its parts, the unit's name
    (with and without accents, joined and word by word), the product's names."""
    words = set(PRODUCT_NAMES)
    name = username.strip().lower()
    if name:
        words.add(name)
        words.update(p for p in re.split(r"[._\-@]", name) if len(p) >= 3)
    unit = _plain(unit_name).strip()
    if unit:
        parts = unit.split()
        words.update({unit, unit.replace(" ", "")})
        words.update(p for p in parts if len(p) >= 3)
        # "Xã Bình Sơn" -> "binhson": the place without its kind.
        words.update("".join(parts[i:]) for i in range(1, len(parts)))
    return sorted(words, key=len, reverse=True)


def _made_of(password: str, words: list[str]) -> bool:
    """True when nothing is left once the personal words, years and suffixes are taken out."""
    rest = _letters_and_digits(password)
    for word in words:
        word = _letters_and_digits(word)
        if len(word) >= 3:
            rest = rest.replace(word, "")
    rest = _DIGITS.sub("", rest)
    return len(set(rest)) < 4 or rest in common_passwords()


def _letters_and_digits(text: str) -> str:
    """'Tổng-Hợp @2026' -> 'tonghop2026': separators and symbols are decoration too."""
    return _SEPARATORS.sub("", _plain(text))


def _weak_reason(result: dict) -> str:
    feedback = result.get("feedback") or {}
    sequence = result.get("sequence") or []
    patterns = {m.get("pattern") for m in sequence}
    if "dictionary" in patterns:
        return "có từ hay mật khẩu phổ biến"
    if "spatial" in patterns:
        return "các phím liền nhau"
    if "repeat" in patterns or "sequence" in patterns:
        return "ký tự lặp lại hoặc theo thứ tự"
    if "date" in patterns or "regex" in patterns:
        return "có năm hoặc ngày tháng"
    return "quá ngắn so với độ phức tạp" if not feedback.get("warning") else "dễ đoán"


def password_problem(password: str, username: str = "", unit_name: str = "") -> str | None:
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
    words = personal_words(username, unit_name)
    if _made_of(password, words):
        return MSG_MADE_OF
    # zxcvbn takes at most 72 characters (its cost grows with the length); they say enough.
    result = zxcvbn(password[:72], user_inputs=words)
    if result["score"] < MIN_SCORE:
        return MSG_WEAK.format(reason=_weak_reason(result))
    return None
