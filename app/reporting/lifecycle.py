"""A submission's life (design §6): not started → draft → submitted → returned … → approved.

Which action is allowed from which state, as data; the web layer records the move.
"""
from __future__ import annotations

STATES = ("not_started", "draft", "submitted", "returned", "approved", "merged")

# action → (states it may start from, state it leads to, message when refused)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "submit": (frozenset({"not_started", "draft", "returned"}), "submitted", "Báo cáo đã nộp hoặc đã duyệt, không nộp lại được."),
    "approve": (frozenset({"submitted"}), "approved", "Chỉ duyệt được báo cáo đã nộp."),
    "return": (frozenset({"submitted", "approved"}), "returned", "Chỉ trả lại được báo cáo đã nộp hoặc đã duyệt."),
    "reopen": (frozenset({"approved"}), "submitted", "Chỉ mở lại được báo cáo đã duyệt."),
}


class TransitionRefused(ValueError):
    """The action is not possible from the submission's state; the message says why."""


def next_state(state: str, action: str) -> str:
    sources, target, refusal = TRANSITIONS[action]
    if state not in sources:
        raise TransitionRefused(refusal)
    return target


def is_locked(state: str) -> bool:
    """Submitted and approved reports are closed to their unit (design §6); so is one
    closed by a merger, whose unit now reports as part of its successor."""
    return state in ("submitted", "approved", "merged")
