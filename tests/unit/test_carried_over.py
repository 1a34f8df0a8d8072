from app.reporting.keys import cell_key
from app.reporting.validation import carried_over, validate


def test_a_new_quarter_opens_with_last_quarters_pending_dossiers_as_carried_over(quarterly):
    template = quarterly
    previous = {cell_key("I.4", "ho_tich", "c12"): 3, cell_key("I.4", "ho_tich", "c13"): 1,
                cell_key("I.4", "dat_dai", "c12"): 0}
    opening = carried_over(template, previous)
    assert opening == {cell_key("I.4", "ho_tich", "c6"): 4}


def test_carried_over_values_satisfy_the_carry_over_rule(quarterly):
    template = quarterly
    previous = {cell_key("I.4", "chung_thuc", "c12"): 7}
    findings = validate(template, carried_over(template, previous), previous)
    assert not [f for f in findings if f.rule_id == "dossier_carry_over"]
