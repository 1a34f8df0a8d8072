"""Text as people type it, made safe to store and to write into XML (Word, Excel).

Officers paste from Word, Excel and chat apps; what arrives can hold control characters
(\\x0b from Word line breaks, \\x07, \\x00) and non-characters (U+FFFE) that PostgreSQL
refuses (NUL) and that XML 1.0 cannot carry at all.
"""
from __future__ import annotations

import re
import unicodedata

# XML 1.0 allows tab, newline, carriage return, and these ranges; nothing else.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The same characters named one by one: searching for them is twice as fast as the
# substitution, and almost every text has none.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Kept when cleaning input: tab and newline; \r is normalised away with the line endings.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: str | None) -> str:
    """Input boundary: NFC (Vietnamese typed in decomposed form compares equal), one line
    ending, control characters and non-characters removed except tab and newline."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return unicodedata.normalize("NFC", value)


def xml_safe(value: str | None) -> str:
    """Output boundary: whatever is already stored, only characters XML 1.0 can hold."""
    if not value:
        return ""
    # A printable text (no control character, surrogate or non-character) is safe as it is.
    if value.isprintable() or _XML_BAD.search(value) is None:
        return value
    return _NOT_XML.sub("", value)


# The consolidating reviewer's text of a section has no practical limit (design §8): a
# province's synthesis of 100 units runs long. A unit's own text keeps its template's limit.
CONSOLIDATED_TEXT_LIMIT = 200_000
