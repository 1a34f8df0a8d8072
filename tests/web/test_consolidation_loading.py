"""The consolidation the database sums is the consolidation of every unit's values."""
from __future__ import annotations

from app.demo import seed_fields
from app.extensions import db
from app.services.consolidation import load_consolidation, round_comparisons
from tests.factories import make_round, make_tree, set_values, submission_for
from tests.fixtures.seeds import seed003_values


def _round(year: int = 2024, index: int = 2, tree=None):
    tree = tree or make_tree(3, offices=1)
    _, district, units = tree
    round_ = make_round(district, year=year, index=index, expected=units)
    values = seed003_values()
    variants = [{}, {"I.5.5/forms": 100, "I.5.5/very_satisfied": 10, "I.5.5/satisfied": 50, "I.5.5/neutral": 40,
                     "I.5.5/i1": 100, "I.5.5/i2": 75},
                {"I.5.5/forms": 0, "I.5.5/i1": 20},  # no forms: its indices weigh nothing
                {"I.5.5/i3": 90}]
    for unit, extra in zip(units, variants):
        sub = submission_for(round_, unit)
        db.session.query(type(sub)).filter_by(id=sub.id).update({"status": "approved"})
        set_values(sub, {k: v for k, v in {**values, **extra}.items() if v is not None}, status="approved")
    return round_, tree


def test_database_sums_survey_averages_and_kinds_equal_the_per_unit_consolidation():
    seed_fields()
    db.session.commit()
    round_, _ = _round()
    summed = load_consolidation(round_)
    every = load_consolidation(round_, per_unit=True)
    assert summed.result.values == every.result.values
    assert summed.result.satisfaction == every.result.satisfaction
    assert summed.result.by_kind == every.result.by_kind
    assert summed.result.measures == every.result.measures
    assert summed.result.narratives == every.result.narratives
    assert set(summed.result.by_kind) == {"commune", "office"}  # two kind classes: two sums


def test_comparisons_sum_the_earlier_periods_like_the_current_one():
    seed_fields()
    db.session.commit()
    current, tree = _round()
    last_year, _ = _round(2023, 2, tree)
    previous, _ = _round(2024, 1, tree)
    year, prev, notes = round_comparisons(current, load_consolidation(current))
    assert notes == []
    for comparison, earlier in ((year, last_year), (prev, previous)):
        full = load_consolidation(earlier).result
        assert comparison.result.tables == full.tables
        assert comparison.result.by_kind == full.by_kind


def test_counts_every_report_left_at_zero_or_blank_sum_as_the_per_unit_consolidation():
    """The database sums the non-zero values only: a count all zeros is still there, as 0
    (in total and per kind class), and one no report holds as a number is still absent."""
    seed_fields()
    db.session.commit()
    _, district, units = make_tree(3, offices=1)
    round_ = make_round(district, expected=units)
    base = {k: v for k, v in seed003_values().items() if v is not None and k != "I.6.3/e_certified"}
    for unit in units:
        sub = submission_for(round_, unit)
        db.session.query(type(sub)).filter_by(id=sub.id).update({"status": "approved"})
        set_values(sub, {**base, "I.3/late": 0, "I.5.6/apologies": None,  # stored blank
                         "I.3/in_progress": 7 if unit.kind == "office" else 0}, status="approved")
    summed = load_consolidation(round_).result
    every = load_consolidation(round_, per_unit=True).result
    assert summed.values == every.values
    assert summed.by_kind == every.by_kind
    assert summed.values["I.3/late"] == 0 and summed.by_kind["commune"]["I.3/late"] == 0
    assert summed.by_kind["commune"]["I.3/in_progress"] == 0 and summed.by_kind["office"]["I.3/in_progress"] == 7
    assert "I.5.6/apologies" not in summed.values and "I.6.3/e_certified" not in summed.values
