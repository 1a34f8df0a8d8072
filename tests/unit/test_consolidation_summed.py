"""Counts summed by the database give the same consolidation as summing in Python."""
from app.reporting.consolidation import UnitInput, breakdown, consolidate
from tests.fixtures.seeds import seed002_values, seed003_values


def _units(values: dict, parts: int) -> list[UnitInput]:
    keys = sorted(values)
    return [UnitInput(i, f"Xã {i}", {k: values[k] for k in keys[i::parts]}) for i in range(parts)]


def _sql_like_sums(units: list[UnitInput]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for unit in units:
        for key, value in unit.values.items():
            if isinstance(value, int):
                sums[key] = sums.get(key, 0) + value
    return sums


def test_seed_002_consolidated_from_database_sums_equals_summing_each_unit(halfyear):
    template = halfyear
    units = _units(seed002_values(), 3)
    full = consolidate(template, units)
    from_sums = consolidate(template, [UnitInput(u.unit_id, u.unit_name, {}) for u in units], summed=_sql_like_sums(units))
    assert from_sums.values == full.values
    assert from_sums.tables == full.tables
    assert from_sums.tables["III.1"].total["c3"] == 15256


def test_survey_from_database_sums_still_weights_indices_by_forms(quarterly):
    template = quarterly
    one, other = seed003_values(), {**seed003_values(), "I.5.5/forms": 100, "I.5.5/very_satisfied": 10,
                                     "I.5.5/satisfied": 50, "I.5.5/neutral": 40, "I.5.5/i1": 100}
    units = [UnitInput(1, "Xã A", one), UnitInput(2, "Xã B", other)]
    survey_only = [UnitInput(u.unit_id, u.unit_name, {k: v for k, v in u.values.items() if k.startswith("I.5.5/")})
                   for u in units]
    full = consolidate(template, units)
    from_sums = consolidate(template, survey_only, summed=_sql_like_sums(units))
    assert from_sums.satisfaction == full.satisfaction
    assert from_sums.values == full.values


def test_breakdown_lists_each_units_table_totals_with_computed_columns(halfyear):
    template = halfyear
    units = _units(seed002_values(), 3)
    rows = breakdown(template, units)["III.1"]
    assert [name for _, name, _ in rows] == ["Xã 0", "Xã 1", "Xã 2"]
    assert sum(totals["c3"] for _, _, totals in rows) == 15256
    for _, _, totals in rows:
        assert totals["c3"] == totals["c4"] + totals["c5"] + totals["c6"]
