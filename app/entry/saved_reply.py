"""The reply to a saved value, written out: the field's "saved" message, its new version and
the computed cells it changed, out of band.

It answers nearly every keystroke, so it is built here rather than through the page's Jinja
macros (a third of the reply's cost was Jinja's per-render set-up). The markup is exactly
what entry/_saved.html renders through entry/_macros.html (message, derived) for a saved
value with no message to show; tests/web/test_autosave_reply.py holds the two to the same
output, so a change to those macros must be made here too. Anything else (a refusal, a
conflict, an explanation, a survey score) is rendered by _saved.html.
"""
from __future__ import annotations

from markupsafe import escape


def saved_reply(dom_key: str, key: str, saved_at: str, version: int, revision: int, cells: list[tuple[str, str]]) -> str:
    """``cells``: (DOM id, text) of each computed cell to swap."""
    return "".join([
        f'<span id="msg-{escape(dom_key)}" class="msg" role="status" ><span class="saved">Đã lưu lúc {escape(saved_at)}'
        f'</span></span>\n<input type="hidden" id="ver-{escape(dom_key)}" name="ver.{escape(key)}" value="{int(version)}" '
        'data-hx-swap-oob="true">\n',
        *(f'<template><td id="{escape(cell_id)}" class="computed num  " data-hx-swap-oob=true data-rev="{int(revision)}">{escape(text)}</td></template>'
          for cell_id, text in cells),
    ])
