"""An autosave of one table cell sends back only the computed cells it changes: they must be
every cell that changes, with the values a full computation gives."""
from __future__ import annotations

import random

from app.reporting.keys import cell_key
from app.reporting.validation import affected_columns, compute, compute_section
from app.services.submission_page import derived_keys_for


def filled(template, rng):
    values = {}
    for section in template.sections:
        if section.kind == "table":
            for row in section.rows:
                for column in section.input_columns:
                    if rng.random() < 0.8:
                        values[cell_key(section.id, row.code, column.id)] = rng.randint(0, 500)
    return values


def test_the_reply_holds_every_changed_cell_with_its_full_value(quarterly, halfyear):
    rng = random.Random(7)
    for template in (quarterly, halfyear):
        values = filled(template, rng)
        before = compute(template, values)
        for section in (s for s in template.sections if s.kind == "table"):
            for row in section.rows:
                for column in section.input_columns:
                    key = cell_key(section.id, row.code, column.id)
                    changed = dict(values, **{key: values.get(key, 0) + rng.randint(1, 40)})
                    after = compute(template, changed)
                    sent = derived_keys_for(template, key)
                    assert {k for k in after if after[k] != before.get(k)} <= set(sent), key
                    partial = compute_section(template, section.id, changed,
                                              affected_columns(section, column.id))
                    assert {k: partial[k] for k in sent} == {k: after[k] for k in sent}, key


def test_a_computed_column_is_affected_by_the_columns_it_sums(quarterly):
    table = quarterly.section("I.4")
    for column in table.computed_columns:
        for ref in column.computed:
            assert column.id in affected_columns(table, ref)
    assert affected_columns(table, None) == set()
