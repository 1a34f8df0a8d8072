"""The largest report template the checker accepts, and what its rounds cost.

    .venv/bin/python bench/template_budget.py
    .venv/bin/python bench/template_budget.py --units 30

Builds a template at every limit of ``template_check.BUDGET`` at once (the most sections,
input cells, rules, figure lines and characters it allows), checks that the checker accepts
it and that one cell more is refused, then opens a round with it in a throwaway SQLite
database: every commune fills every value, the reviewer approves them all. Times (best of 3,
as the page's user; the first request warms the template cache, as a running worker has it):

- check: ``check_template_source`` of the text;
- report page: ``GET /submissions/<id>`` as the commune's officer;
- consolidated page: ``GET /rounds/<id>/consolidated`` as the district's reviewer;
- Word and Excel: ``GET /exports/rounds/<id>.docx`` and ``.xlsx``.

Goals: report page < 1 s, consolidated page < 2 s, Word < 10 s, Excel < 10 s. The same
figures for the shipped quarterly template in the same run are the baseline.
Last line: ``report <s> consolidated <s> word <s> excel <s>`` for the largest template.
"""
from __future__ import annotations

import argparse
import json
import time

from _setup import bench_app
from sqlalchemy import insert

from app.demo import seed_fields
from app.extensions import db
from app.models import ReportingRound, SubmissionValue
from app.reporting.keys import note_key, text_key
from app.reporting.periods import default_deadline, make_period
from app.reporting.template_check import CATALOGUE_ROWS, LIMITS, check_template_source
from app.reporting.templates import shipped_templates
from app.services.orgtree import add_unit
from app.services.rounds import open_round, round_template
from app.services.template_preview import sample_values
from tests.factories import make_user

RUNS = 3
GOALS = {"report": 1.0, "consolidated": 2.0, "word": 10.0, "excel": 10.0}


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def largest_template(extra_cells: int = 0) -> str:
    """A template at the budget: fixed-row tables filling the cells, a catalogue table,
    indicators, narratives up to the section limit, the rules and figure lines allowed,
    hints padding the text to its limit."""
    rows, columns = LIMITS["rows"].limit, LIMITS["columns"].limit
    cells = LIMITS["cells"].limit + extra_cells
    out = ['code = "bench_budget"', "version = 1", 'title = "Báo cáo lớn nhất được chấp nhận"',
           'frequency = "quarter"', 'period_convention = "decree09"',
           'reporting_kinds = ["district", "commune"]', ""]
    sections: list[str] = []
    rules: list[str] = []
    lines_left = LIMITS["figure_lines"].limit
    # A catalogue table first (counted at CATALOGUE_ROWS rows), then fixed tables of the most rows.
    catalogue_inputs = 6
    cells -= CATALOGUE_ROWS * catalogue_inputs
    tables = []
    while cells >= rows:
        inputs = min(columns - 2, cells // rows)
        tables.append(inputs)
        cells -= rows * inputs
    indicator_fields = cells

    def table(number: int, inputs: int, catalogue: bool) -> str:
        nonlocal lines_left
        sid = f"I.{number}"
        text = [f'[[sections]]\nid = "{sid}"\nheading = "Bảng số liệu {number}"\nkind = "table"\nnote = true',
                'label_headings = ["STT", "Nội dung"]']
        text.append('rows_source = "catalogue"' if catalogue else "rows = [\n" + ",\n".join(
            f'  {{ code = "r{r}", label = "Dòng số liệu {r} của bảng {number}" }}' for r in range(rows)) + ",\n]")
        ids = [f"c{c}" for c in range(inputs)]
        half = len(ids) // 2
        text.append("columns = [\n" + ",\n".join(
            f'  {{ id = "{c}", number = "({i + 3})", headings = ["Nhóm {i // 4}", "Cột {c}"] }}' for i, c in enumerate(ids))
            + f',\n  {{ id = "t1", number = "(t1)", headings = ["Tổng", "Nhận"], computed = {json.dumps(ids[:half])} }}'
            + f',\n  {{ id = "t2", number = "(t2)", headings = ["Tổng", "Giải quyết"], computed = {json.dumps(ids[half:])} }},\n]')
        text.append('ratios = { share = { label = "Tỷ lệ giải quyết", num = ["t2"], den = ["t1", "t2"] } }')
        figure = min(lines_left, 60)
        lines_left -= figure
        text.append("[[sections.figures]]\nlines = [\n" + ",\n".join(
            f'  "Dòng {k}: nhận {{t1}}, giải quyết {{t2}}[, đạt {{ratio:share}}]."' for k in range(figure)) + ",\n]")
        rules.append(f'[[rules]]\nid = "bal_{number}"\nkind = "balance"\nseverity = "warning"\nsection = "{sid}"\n'
                     f'left = ["t1"]\nright = ["t2"]\nscope = "row"\nmessage = "Dòng {{row}}: lệch {{diff}}."')
        return "\n".join(text)

    sections.append('[[sections]]\nid = "I"\nheading = "SỐ LIỆU"\nkind = "heading"')
    sections.append(table(1, catalogue_inputs, True))
    for n, inputs in enumerate(tables, start=2):
        sections.append(table(n, inputs, False))
    if indicator_fields:
        number = len(tables) + 2
        sections.append(f'[[sections]]\nid = "I.{number}"\nheading = "Chỉ tiêu"\nkind = "indicators"\nfields = [\n'
                        + ",\n".join(f'  {{ id = "f{k}", label = "Chỉ tiêu số {k}" }}' for k in range(indicator_fields))
                        + ",\n]")
        for k in range(0, indicator_fields - 1, 2):
            if len(rules) < LIMITS["rules"].limit:
                rules.append(f'[[rules]]\nid = "most_{k}"\nkind = "at_most"\nseverity = "warning"\nsection = "I.{number}"\n'
                             f'value = "f{k}"\nlimit = ["f{k + 1}"]\nmessage = "{{value}} vượt {{limit}}."')
    n = 0
    while len(sections) < LIMITS["sections"].limit:
        n += 1
        sections.append(f'[[sections]]\nid = "II.{n}"\nheading = "Nội dung {n}"\nkind = "narrative"\nhint = ""')
    while len(rules) < LIMITS["rules"].limit:
        rules.append(f'[[rules]]\nid = "out_{len(rules)}"\nkind = "outlier"\nseverity = "warning"\nsection = "I.2"\n'
                     'message = "{label}: {value} so với {previous} kỳ trước."')
    text = "\n".join(out) + "\n\n".join(sections) + "\n\n" + "\n\n".join(rules) + "\n"
    # Pad the narratives' hints up to the text limit.
    room = LIMITS["text"].limit - len(text) - 10
    hint = LIMITS["string"].limit - 10
    parts = text.split('hint = ""')
    padded = [parts[0]]
    for part in parts[1:]:
        take = max(0, min(hint, room))
        room -= take
        padded.append(f'hint = "{"g" * take}"' + part)
    return "".join(padded)


def timed(fn) -> float:
    fn()
    best = None
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def measure(name: str, text: str, units: int) -> dict[str, float]:
    check_time = timed(lambda: check_template_source(text))
    check = check_template_source(text)
    assert check.ok, check.issues[:3]
    app = bench_app(f"budget-{name}")
    with app.app_context():
        seed_fields()
        province = add_unit("P", "Tỉnh Thử Nghiệm", "province")
        district = add_unit("P.D", "Huyện Thử Nghiệm", "district", province, place_name="Thử Nghiệm")
        communes = [add_unit(f"P.D.X{i:03d}", f"Xã Số {i}", "commune", district, place_name=f"Số {i}", sort_order=i)
                    for i in range(1, units + 1)]
        db.session.commit()
        make_user(district, role="reviewer", username="tonghop.bench")
        make_user(communes[0], role="reporter", username="xa.bench")
        period = make_period(check.template.frequency, 2024, 2, check.template.period_convention)
        round_ = open_round(unit=district, template=check.template, period=period, deadline=default_deadline(period),
                            expected=communes, instructions="", opened_by=None)
        db.session.commit()
        bound = round_template(round_)
        rows = []
        for n, sub in enumerate(round_.submissions):
            values = sample_values(bound, n)
            for section in bound.note_sections():
                values[note_key(section.id)] = "Thuyết minh của xã về số liệu trong kỳ."
            for section in bound.sections_of("narrative"):
                values[text_key(section.id)] = f"- Xã Số {n + 1} đã triển khai đầy đủ nội dung {section.number}."
            rows.extend({"submission_id": sub.id, "key": key, "version": 1,
                         "int_value": value if isinstance(value, int) else None,
                         "text_value": value if isinstance(value, str) else None} for key, value in values.items())
            sub.status = "approved"
        db.session.execute(insert(SubmissionValue), rows)
        db.session.commit()
        round_id = round_.id
        first = db.session.get(ReportingRound, round_id).submissions[0].id
        cells = len(bound.input_keys())

    def fetch(client, url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    officer, reviewer = app.test_client(), app.test_client()
    for client, username in ((officer, "xa.bench"), (reviewer, "tonghop.bench")):
        assert client.post("/login", data={"username": username, "password": "secret123"}).status_code == 303
    figures = {
        "check": check_time,
        "report": timed(lambda: fetch(officer, f"/submissions/{first}")),
        "consolidated": timed(lambda: fetch(reviewer, f"/rounds/{round_id}/consolidated")),
        "word": timed(lambda: fetch(reviewer, f"/exports/rounds/{round_id}.docx")),
        "excel": timed(lambda: fetch(reviewer, f"/exports/rounds/{round_id}.xlsx")),
    }
    print(f"{name:<22} {len(text):>7,} chars · {len(check.template.sections):>3} sections · {cells:>5,} input cells · "
          f"{len(check.template.rules):>3} rules · {units} units: "
          + " · ".join(f"{k} {v:6.3f} s" for k, v in figures.items()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=30)
    args = parser.parse_args()
    text = largest_template()
    refused = check_template_source(largest_template(extra_cells=LIMITS["rows"].limit))
    assert not refused.ok, "one more table row of cells must be refused"
    print(f"one table more than the budget: refused in the check ({refused.issues[0].message})")
    measure("quarterly_tthc (shipped)", shipped_templates()["quarterly_tthc"].source, args.units)
    largest = measure("largest accepted", text, args.units)
    for name, goal in GOALS.items():
        print(f"{name}: {largest[name]:.3f} s (goal < {goal:g} s) {'ok' if largest[name] < goal else 'MISSED'}")
    print(" ".join(f"{name} {largest[name]:.3f}" for name in GOALS))


if __name__ == "__main__":
    main()
