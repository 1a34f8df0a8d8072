"""Report templates: the shipped outlines, and clear errors for a broken template file."""
import pytest

from app.reporting.keys import cell_key, field_key, text_key
from app.reporting.templates import (
    DEFAULT_FIELDS,
    TemplateError,
    bind_rows,
    load_template,
    load_template_text,
    shipped_templates,
)

MINIMAL = '''
code = "t"
version = 1
title = "Mẫu thử"
frequency = "quarter"
period_convention = "decree09"

[[sections]]
id = "I"
heading = "Phần I"
kind = "heading"

[[sections]]
id = "I.1"
heading = "Phản ánh, kiến nghị"
kind = "indicators"
fields = [{ id = "received", label = "Đã tiếp nhận" }, { id = "done", label = "Đã xử lý" }]

[[sections]]
id = "I.2"
heading = "Bảng"
kind = "table"
rows = [{ code = "r1", label = "Hộ tịch" }]

[[sections.columns]]
id = "c3"
headings = ["Tổng số"]
computed = ["c4", "c5"]

[[sections.columns]]
id = "c4"
headings = ["Trực tuyến"]

[[sections.columns]]
id = "c5"
headings = ["Trực tiếp"]

[[rules]]
id = "sum"
kind = "sum_equals"
severity = "error"
section = "I.1"
total = "received"
parts = ["done"]
message = "{received} khác {done}"
'''


def test_a_minimal_template_loads():
    template = load_template_text(MINIMAL, "t.toml")
    assert [s.id for s in template.sections] == ["I", "I.1", "I.2"]
    assert template.section("I.2").column("c3").role == "computed"
    assert template.input_keys() == ("I.1/received", "I.1/done", "I.2/r1/c4", "I.2/r1/c5")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('kind = "heading"', 'kind = "poem"', "t.toml: sections[0].kind must be one of"),
        ('id = "I.1"', 'id = "I"', "t.toml: sections[1] duplicates section id 'I'"),
        ('id = "done"', 'id = "received"', "t.toml: sections[1].fields[1] duplicates field id 'received'"),
        ('id = "c5"', 'id = "c4"', "t.toml: sections[2].columns[2] duplicates column id 'c4'"),
        ('computed = ["c4", "c5"]', 'computed = ["c4", "c99"]',
         "t.toml: sections[2].columns[0].computed names unknown column 'c99'"),
        ('computed = ["c4", "c5"]', 'computed = ["c3"]',
         "t.toml: sections[2].columns[0].computed may only sum input columns, not 'c3'"),
        ('section = "I.1"', 'section = "I.9"', "t.toml: rules[0].section names unknown section 'I.9'"),
        ('parts = ["done"]', 'parts = ["done", "lost"]', "t.toml: rules[0].parts[1] names unknown field 'lost'"),
        ('total = "received"', 'total = "nope"', "t.toml: rules[0].total names unknown field 'nope'"),
        ('title = "Mẫu thử"\n', '', "t.toml: missing required key 'title'"),
        ('heading = "Bảng"\n', '', "t.toml: sections[2] is missing required key 'heading'"),
        ('message = "{received} khác {done}"', 'message = "{received} khác {lost}"',
         "t.toml: rules[0].message uses unknown placeholder {lost}"),
        ('severity = "error"', 'severity = "fatal"', "t.toml: rules[0].severity must be one of"),
        ('rows = [{ code = "r1", label = "Hộ tịch" }]', 'rows = [{ code = "r1", label = "Hộ tịch", group = "x" }]',
         "t.toml: sections[2].rows[0].group names unknown group 'x'"),
        ('headings = ["Trực tiếp"]', 'headings = ["Trực tiếp"]\ncomputd = ["c4"]',
         "t.toml: sections[2].columns[2] has unknown key 'computd'"),
        ('version = 1', 'version = "1"', "t.toml: version must be int"),
        ('section = "I.1"', 'section = "I.2"', "t.toml: rules[0].section 'I.2' is a table section"),
    ],
)
def test_a_broken_template_names_the_file_and_the_key(old, new, expected):
    assert old in MINIMAL
    with pytest.raises(TemplateError) as caught:
        load_template_text(MINIMAL.replace(old, new, 1), "t.toml")
    assert str(caught.value).startswith(expected)


def test_a_toml_syntax_error_gives_the_line_and_column():
    with pytest.raises(TemplateError) as caught:
        load_template_text(MINIMAL.replace('version = 1', 'version = = 1'), "t.toml")
    assert "t.toml: TOML syntax error" in str(caught.value)
    assert "line 3" in str(caught.value)


def test_a_template_file_is_named_by_its_file_name(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(MINIMAL.replace('kind = "heading"', 'kind = "poem"'), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"^broken\.toml: sections\[0\]\.kind"):
        load_template(path)


def test_three_templates_ship_with_the_package():
    assert sorted(shipped_templates()) == ["halfyear_onestop", "monthly_tthc", "quarterly_tthc"]


@pytest.mark.parametrize(
    ("code", "frequency", "convention"),
    [
        ("quarterly_tthc", "quarter", "decree09"),
        ("monthly_tthc", "month", "decree09"),
        ("halfyear_onestop", "half", "calendar"),
    ],
)
def test_each_shipped_template_has_its_frequency_and_period_convention(code, frequency, convention):
    template = shipped_templates()[code]
    assert (template.frequency, template.period_convention) == (frequency, convention)
    assert template.source.startswith("#")
    assert load_template_text(template.source, f"{code}.toml") == template


def test_the_quarterly_outline_follows_circular_01_2020():
    template = shipped_templates()["quarterly_tthc"]
    assert [s.id for s in template.sections] == [
        "I", "I.1", "I.2", "I.3", "I.4", "I.5", "I.5.1", "I.5.2", "I.5.3", "I.5.4", "I.5.5",
        "I.5.6", "I.5.7", "I.6", "I.6.1", "I.6.2", "I.6.3", "I.6.4", "I.6.5", "I.7", "I.8", "I.9",
        "II", "II.1", "II.2", "II.3", "III", "IV",
    ]
    assert template.form_code == "Biểu số 06a/VPCP/KSTT"
    assert template.section("I.5.1").kind == "documents"
    assert template.section("I.5.5").kind == "satisfaction"
    assert (template.section("I").level, template.section("I.4").level, template.section("I.5.5").level) == (1, 2, 3)
    assert (template.section("I").number, template.section("I.4").number, template.section("I.5.5").number) == (
        "I.", "4.", "5.5.")


def test_form_06a_has_eleven_data_columns_with_three_computed_totals():
    table = shipped_templates()["quarterly_tthc"].section("I.4")
    assert [c.number for c in table.columns] == [f"({n})" for n in range(3, 14)]
    computed = {c.id: c.computed for c in table.columns if c.computed}
    assert computed == {"c3": ("c4", "c5", "c6"), "c7": ("c8", "c9", "c10"), "c11": ("c12", "c13")}
    assert table.column("c4").headings == ("Số hồ sơ nhận giải quyết", "Trong kỳ", "Trực tuyến")
    assert table.label_headings == ("STT", "Lĩnh vực giải quyết")
    assert table.unit_label == "Số hồ sơ TTHC"
    assert table.rows_source == "catalogue" and table.rows == ()


def test_the_half_year_table_keeps_the_seed_column_order():
    table = shipped_templates()["halfyear_onestop"].section("III.1")
    assert [c.headings[-1] for c in table.columns] == [
        "Tổng số", "Trực tuyến", "Kỳ trước chuyển qua", "Mới tiếp nhận trực tiếp",
        "Tổng số", "Đúng hạn (kể cả trước hạn)", "Trễ hạn",
        "Tổng số", "Còn trong hạn", "Quá hạn", "Số hồ sơ rút", "Số hồ sơ trả lại không giải quyết",
    ]


def test_the_monthly_outline_follows_the_seed():
    template = shipped_templates()["monthly_tthc"]
    assert [s.id for s in template.sections] == [
        "I", "I.1", "I.1.1", "I.1.2", "I.2", "II", "II.1", "II.2", "II.3", "III", "IV",
    ]
    assert [f.id for f in template.section("I.2").fields] == ["received", "on_time", "late", "in_progress"]


def test_binding_the_catalogue_gives_the_table_its_rows_and_groups():
    template = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    table = template.section("I.4")
    assert [r.code for r in table.rows] == [code for code, *_ in DEFAULT_FIELDS]
    assert [(g.code, g.label) for g in table.groups] == [("dat_dai", "Tổng lĩnh vực đất đai")]
    assert cell_key("I.4", "ho_tich", "c4") in template.input_keys()
    assert cell_key("I.4", "ho_tich", "c3") not in template.input_keys()
    assert text_key("I.2") in template.field_keys()
    assert text_key("I.2") not in template.input_keys()
    assert template.catalogue[2] == ("dat_dai", "Đất đai", "dat_dai", "Tổng lĩnh vực đất đai")
    # the unbound template is unchanged
    assert shipped_templates()["quarterly_tthc"].section("I.4").rows == ()


@pytest.mark.parametrize(
    "catalogue",
    [
        [("a", "A", None, None), ("a", "B", None, None)],
        [("a/b", "A", None, None)],
        [("_total", "A", None, None)],
    ],
)
def test_a_catalogue_with_unusable_codes_is_refused(catalogue):
    with pytest.raises(TemplateError):
        bind_rows(shipped_templates()["quarterly_tthc"], catalogue)


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("I.4/ho_tich/c4", "count"),
        ("I.4/ho_tich/c3", None),  # computed, never typed in
        ("I.4/nowhere/c4", None),
        ("I.5.5/i1", "score"),
        ("I.5.5/forms", "count"),
        ("I.3/received", "count"),
        ("I.2/text", "text"),
        ("I.9/text", None),
        ("I.9/t12/status", "status"),  # a directive task's follow-up
        ("I.9/t12/text", "text"),
        ("I.9/t12/docs", "text"),
        ("I.9/t12/other", None),
        ("I.9/t012/status", None),
        ("I.8/t12/status", None),  # not a follow-up section
        (field_key("I.4", "c4"), None),
    ],
)
def test_each_storable_key_says_how_to_read_what_was_typed(key, kind):
    template = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    assert template.key_kind(key) == kind


def test_the_default_fields_catalogue_groups_land_fields():
    land = [code for code, _, group, _ in DEFAULT_FIELDS if group == "dat_dai"]
    assert land == ["dat_dai", "bao_dam"]
    assert 14 <= len(DEFAULT_FIELDS) <= 20


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"I.4/_total/c13"]', '"I.4/_total/c99"]', "rules[8].limit[1] names unknown column 'c99'"),
        ('"I.4/_total/c13"]', '"I.99/_total/c13"]', "rules[8].limit[1] names unknown section 'I.99'"),
        ('value = "apologies"', 'value = "apology"', "rules[8].value names unknown field 'apology'"),
        ('previous_column = "c11"', 'previous_column = "c111"',
         "rules[3].previous_column names unknown column 'c111'"),
        ('right = ["c7", "c11"]', 'right = ["c7", "c21"]', "rules[1].right[1] names unknown column 'c21'"),
    ],
)
def test_a_rule_naming_a_missing_column_or_field_of_another_section_is_refused(old, new, expected):
    source = shipped_templates()["quarterly_tthc"].source
    assert old in source
    with pytest.raises(TemplateError) as caught:
        load_template_text(source.replace(old, new, 1), "quarterly_tthc.toml")
    assert str(caught.value) == f"quarterly_tthc.toml: {expected}"


@pytest.mark.parametrize("code,plans", [("quarterly_tthc", ["III"]), ("monthly_tthc", ["III"]), ("halfyear_onestop", ["V"])])
def test_each_template_says_which_section_holds_next_periods_tasks(code, plans):
    assert [s.id for s in shipped_templates()[code].plan_sections()] == plans


def test_overdue_names_table_columns_or_the_indicators_fields_of_overdue_feedback():
    quarterly = shipped_templates()["quarterly_tthc"]
    assert quarterly.section("I.3").overdue == ("late",) and shipped_templates()["monthly_tthc"].section("I.2").overdue == ("late",)
    text = (app_templates_dir() / "quarterly_tthc.toml").read_text(encoding="utf-8")
    with pytest.raises(TemplateError, match="unknown column 'tre'"):
        load_template_text(text.replace('overdue = ["late"]', 'overdue = ["tre"]', 1), "q.toml")


def app_templates_dir():
    from pathlib import Path

    import app.reporting

    return Path(app.reporting.__file__).parent / "templates"
