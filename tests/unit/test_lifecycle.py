import pytest

from app.reporting.lifecycle import TransitionRefused, is_locked, next_state


@pytest.mark.parametrize("state,action,expected", [
    ("not_started", "submit", "submitted"),
    ("draft", "submit", "submitted"),
    ("returned", "submit", "submitted"),
    ("submitted", "approve", "approved"),
    ("submitted", "return", "returned"),
    ("approved", "return", "returned"),
    ("approved", "reopen", "submitted"),
])
def test_a_report_moves_through_its_life_as_the_design_says(state, action, expected):
    assert next_state(state, action) == expected


@pytest.mark.parametrize("state,action", [
    ("submitted", "submit"), ("approved", "submit"), ("draft", "approve"), ("returned", "approve"),
    ("draft", "return"), ("not_started", "return"), ("submitted", "reopen"), ("draft", "reopen"),
])
def test_an_action_from_the_wrong_state_is_refused_with_a_reason(state, action):
    with pytest.raises(TransitionRefused) as refused:
        next_state(state, action)
    assert str(refused.value)


@pytest.mark.parametrize("state,locked", [("not_started", False), ("draft", False), ("returned", False),
                                          ("submitted", True), ("approved", True)])
def test_submitted_and_approved_reports_are_locked_for_their_unit(state, locked):
    assert is_locked(state) is locked
