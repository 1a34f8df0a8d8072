"""The demo's units write as real ones do: each idea in several wordings, some units its
opposite; the suggestion merges the wordings and keeps the opposites apart."""
from __future__ import annotations

import random

import pytest

from app.demo_texts import MONTHLY, QUARTERLY, fill, unit_texts
from app.reporting.synthesis import group_statements

WRITERS = ["Xã Bình An", "Xã Bình Chánh", "Thị trấn Châu Ổ", "Xã Bình Hải", "Phòng Tư pháp", "Xã Tân Tiến", "Phường Tân Mỹ"]
IDEAS = [(name, section, idea) for name, ideas in (("quarterly", QUARTERLY), ("monthly", MONTHLY))
         for section, listed in ideas.items() for idea in listed]


@pytest.mark.parametrize("template, section, idea", IDEAS, ids=[f"{t}-{s}-{i}" for i, (t, s, _) in enumerate(IDEAS)])
def test_an_ideas_wordings_share_a_group_and_its_opposite_stays_apart(template, section, idea):
    rng = random.Random(3)
    written = [(WRITERS[i], fill(text, WRITERS[i], rng), i < len(idea.good)) for i, text in enumerate(idea.good + idea.bad)]
    groups = group_statements([(unit, text) for unit, text, _ in written])
    good = {unit for unit, _, positive in written if positive}
    assert {frozenset(g.units) for g in groups} == {frozenset(s) for s in (good, {u for u, _, _ in written} - good) if s}
    assert len(groups) == (2 if idea.bad else 1)


def test_the_demo_has_wordings_to_merge_and_opposites_to_keep_apart():
    assert sum(len(idea.good) > 1 for _, _, idea in IDEAS) >= 25
    assert sum(bool(idea.bad) for _, _, idea in IDEAS) >= 20
    texts = [unit_texts(QUARTERLY, name, random.Random(i)) for i, name in enumerate(WRITERS)]
    assert len({t.get("II.2") for t in texts}) > 3  # units write differently
