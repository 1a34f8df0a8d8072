"""Time and peak memory of the consolidated workbook against raw XlsxWriter.

    .venv/bin/python bench/export.py            # 200 and 1,000 units
    .venv/bin/python bench/export.py --units 50 # any sizes

For each size, two fresh subprocesses build the same synthetic round (quarterly_tthc,
18 fields, every number and every narrative filled, 3 documents per unit), consolidate
it, then write it: one with ``write_round_workbook``, one with raw XlsxWriter in
``constant_memory`` mode writing the same cells (values, labels, texts) without the
official layout (no merges, one format per kind). Time is the median of 5 writes, in CPU
seconds of the process (the writer runs on one thread; wall time on a shared machine
measures the neighbours), wall seconds shown beside. The two children run in turn three
times (ours, raw, ours, raw, …) and the ratio is the median of the three pairs' ratios: the
speed of this shared machine drifts by a third within a minute, and a pair run back to back
sees the same machine.

peak_mb is the highest of a case's three children's peak RSS (``ru_maxrss``) over its whole life: the
interpreter, the modules writing needs (XlsxWriter, the domain ``app.reporting``,
``app.services.export_model``, ``app.exports.xlsx`` and what it imports: about 34 MB
together), the synthetic round and its consolidation (about 30 MB at 1,000 units), and the
5 writes. Both children load the same way: ``writer_modules_only`` makes ``app`` and
``app.exports`` plain packages, so their initialisers (the web app: Flask, SQLAlchemy, the
blueprints, openpyxl, python-docx, about 100 MB) never run, and each child asserts that
none of those modules was imported. The difference between the two peaks is what our
writer holds beyond constant_memory's (default mode keeps every cell until close).
The last line reads ``ratio <ours/raw CPU at the largest size> peak_mb <our peak RSS there>
raw_peak_mb <raw's>``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 5


def synthetic_parts(units: int):
    from app.reporting.consolidation import UnitInput, consolidate
    from app.reporting.keys import cell_key, field_key, text_key
    from app.reporting.templates import DEFAULT_FIELDS, bind_rows, shipped_templates
    from app.services.export_model import ExportParts, UnitStatus

    template = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    inputs = []
    for n in range(units):
        values: dict[str, int | str] = {}
        for section in template.sections:
            if section.kind == "table":
                for r, row in enumerate(section.rows):
                    for c, column in enumerate(section.input_columns):
                        values[cell_key(section.id, row.code, column.id)] = (n * 7 + r * 13 + c * 3) % 97
            elif section.kind in ("indicators", "satisfaction"):
                for f, item in enumerate(section.fields):
                    values[field_key(section.id, item.id)] = 150 + (n + f) % 40 if item.kind == "score" else (n + f) % 50
            elif section.kind == "narrative":
                values[text_key(section.id)] = (
                    f"- Xã {n + 1} đã triển khai thực hiện nghiêm túc các nội dung của mục {section.number}; "
                    "tiếp tục niêm yết công khai thủ tục hành chính, hướng dẫn người dân nộp hồ sơ trực tuyến.\n"
                    "+ Khó khăn: cơ sở vật chất còn thiếu, cán bộ kiêm nhiệm nhiều việc."
                )
        docs = [{"section_id": "I.5.1", "doc_type": "KH", "number": f"{d + 1}/KH-UBND", "issued_on": date(2024, 1, d + 2),
                 "summary": "Kế hoạch kiểm soát thủ tục hành chính năm 2024"} for d in range(3)]
        inputs.append(UnitInput(n + 1, f"Xã Số {n + 1:04d}", values, docs))
    result = consolidate(template, inputs)
    completeness = tuple(
        UnitStatus(u.unit_name, "Đã duyệt", datetime(2024, 6, 16, 8, n % 60), n % 5 != 0, "Nguyễn Văn A", "0912345678")
        for n, u in enumerate(inputs)
    )
    return ExportParts(
        template=template, result=result, period_label="Quý II năm 2024",
        period_window="(Từ ngày 15/03/2024 đến ngày 14/06/2024)", reporting_unit="UBND tỉnh Thử Nghiệm",
        receiving_unit="Văn phòng Chính phủ", place_name="Thử Nghiệm", completeness=completeness,
        created=datetime(2024, 6, 20),
    )


def write_ours(parts, path: str) -> None:
    from app.exports.xlsx import write_round_workbook

    write_round_workbook(parts, path)


def write_raw(parts, path: str) -> None:
    """The same cells through raw XlsxWriter in constant_memory mode, rows in order.

    Values, labels, texts, dates, header and column-number strings as ours writes them;
    no merges, no print setup, one format per kind: the floor any writer pays.
    """
    import xlsxwriter

    from app.exports.layout import column_numbers, header_cells
    from app.exports.xlsx import narrative_rows

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    number = workbook.add_format({"num_format": "#,##0", "font_name": "Times New Roman"})
    text = workbook.add_format({"font_name": "Times New Roman", "text_wrap": True})
    percent = workbook.add_format({"num_format": "0.0%", "font_name": "Times New Roman"})
    when = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm", "font_name": "Times New Roman"})
    template, result = parts.template, parts.result

    def put_value(ws, r, c, v):
        # A sum with nothing to add up (no unit reported the item) is an empty cell, as in ours.
        if v is None:
            ws.write_blank(r, c, None, number)
        else:
            ws.write_number(r, c, v, number)

    def table_head(ws, section, second=None):
        by_row: dict[int, list] = {}
        for cell in header_cells(section, second):
            by_row.setdefault(cell.first_row, []).append(cell)
        for r in sorted(by_row):
            for cell in sorted(by_row[r], key=lambda c: c.first_col):
                ws.write_string(r, cell.first_col, cell.text, text)
        r = max(c.last_row for c in header_cells(section)) + 1
        for c, label in enumerate(column_numbers(section)):
            ws.write_string(r, c, label, text)
        return r + 1

    for section in template.sections_of("table"):
        table = result.tables[section.id]
        ws = workbook.add_worksheet(f"Bảng {section.id}")
        first = table_head(ws, section)
        lines = ([(i + 1, r.label, r.values) for i, r in enumerate(table.rows)] + [(None, "Tổng cộng", table.total)]
                 + [(None, g.label, g.values) for g in table.groups])
        for r, (n, label, values) in enumerate(lines, start=first):
            if n is not None:
                ws.write_number(r, 0, n, number)
            ws.write_string(r, 1, label, text)
            for c, column in enumerate(section.columns):
                put_value(ws, r, 2 + c, values.get(column.id, 0))
        r = first + len(lines) + 1
        for definition in table.ratio_definitions:
            ws.write_string(r, 1, definition.label, text)
            for c, values in enumerate([table.total] + [g.values for g in table.groups]):
                value = table.ratios(values)[definition.name]
                if value is None:
                    ws.write_string(r, 2 + c, "–", text)
                else:
                    ws.write_number(r, 2 + c, float(value), percent)
            r += 1
        ws = workbook.add_worksheet(f"Theo đơn vị {section.id}")
        first = table_head(ws, section, "Đơn vị")
        for r, (_, unit_name, totals) in enumerate(result.breakdown[section.id], start=first):
            ws.write_number(r, 0, r - first + 1, number)
            ws.write_string(r, 1, unit_name, text)
            for c, column in enumerate(section.columns):
                put_value(ws, r, 2 + c, totals.get(column.id, 0))
    ws = workbook.add_worksheet("Chỉ tiêu")
    r = 0
    for section in template.sections_of("indicators"):
        ws.write_string(r, 0, f"{section.number} {section.heading}", text)
        r += 1
        for n, item in enumerate(section.fields, start=1):
            ws.write_string(r, 0, str(n), text)
            ws.write_string(r, 1, item.label, text)
            put_value(ws, r, 2, result.indicators.get(section.id, {}).get(item.id, 0))
            r += 1
    ws = workbook.add_worksheet("Văn bản")
    for r, doc in enumerate(result.documents):
        ws.write_number(r, 0, r + 1, number)
        ws.write_string(r, 1, doc["unit_name"], text)
        ws.write_string(r, 2, doc["doc_type"], text)
        ws.write_string(r, 3, doc["number"], text)
        issued = doc["issued_on"]
        ws.write_datetime(r, 4, datetime(issued.year, issued.month, issued.day), when)
        ws.write_string(r, 5, doc["summary"], text)
    ws = workbook.add_worksheet("Nội dung")
    for r, (label, unit_name, body) in enumerate(narrative_rows(parts)):
        ws.write_string(r, 0, label, text)
        ws.write_string(r, 1, unit_name, text)
        ws.write_string(r, 2, body or "(Không có nội dung)", text)
    ws = workbook.add_worksheet("Tình hình nộp")
    for r, line in enumerate(parts.completeness):
        ws.write_number(r, 0, r + 1, number)
        ws.write_string(r, 1, line.unit_name, text)
        ws.write_string(r, 2, line.state, text)
        ws.write_datetime(r, 3, line.submitted_at, when)
        ws.write_string(r, 4, "Đúng hạn" if line.on_time else "Muộn", text)
        ws.write_string(r, 5, line.officer, text)
        ws.write_string(r, 6, line.phone, text)
    workbook.close()


def run_case(case: str, units: int) -> dict:
    """In this process: build, consolidate, then write RUNS times; the median times and the peak RSS."""
    started = time.perf_counter()
    parts = synthetic_parts(units)
    prepared = time.perf_counter() - started
    writer = write_ours if case == "ours" else write_raw
    times, cpu = [], []
    size = 0
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "out.xlsx")
        for _ in range(RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            writer(parts, path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            size = os.path.getsize(path)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"case": case, "units": units, "seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu), "peak_mb": peak_kb / 1024, "bytes": size,
            "prepare_seconds": prepared}


# What the web app's package initialisers load (Flask, SQLAlchemy, the blueprints and their
# views, openpyxl, python-docx): about 100 MB a writer never uses. A child that writes
# loads the writer's own modules only, so its peak is the export's cost, not the app's.
WEB_MODULES = ("flask", "sqlalchemy", "openpyxl", "docx", "werkzeug", "jinja2")


def writer_modules_only() -> None:
    """Make ``app`` and ``app.exports`` plain packages in this process: their submodules
    import as usual (the writers, the domain, services.export_model) without running the
    package initialisers that build the web app."""
    import types

    for name in ("app", "app.exports"):
        package = types.ModuleType(name)
        package.__path__ = [str(ROOT.joinpath(*name.split(".")))]
        sys.modules[name] = package


PAIRS = 3  # ours then raw, three times: the ratio is the median of the pairs' ratios


def measure(case: str, units: int) -> dict:
    completed = subprocess.run([sys.executable, __file__, "--child", case, "--units", str(units)],
                               capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def summary(runs: list[dict]) -> dict:
    """One child's runs in one: median times, the highest peak."""
    median = {key: statistics.median(run[key] for run in runs) for key in ("seconds", "cpu_seconds", "prepare_seconds")}
    return {**median, "peak_mb": max(run["peak_mb"] for run in runs), "bytes": runs[0]["bytes"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--child", choices=("ours", "raw"))
    args = parser.parse_args()
    if args.child:
        writer_modules_only()
        result = run_case(args.child, args.units[0])
        # The figure is honest only if writing really did without the web app.
        loaded = [name for name in WEB_MODULES if name in sys.modules]
        assert not loaded, f"the {args.child} writer imported {loaded}"
        print(json.dumps(result))
        return
    print(f"{'units':>6} {'ours cpu s':>10} {'raw cpu s':>10} {'ratio':>6} {'ours wall s':>11} {'raw wall s':>10} "
          f"{'ours MB':>8} {'raw MB':>8} {'file KB':>8} {'build+consolidate s':>20}")
    last = None
    for units in args.units:
        pairs = [(measure("ours", units), measure("raw", units)) for _ in range(PAIRS)]
        ratio = statistics.median(o["cpu_seconds"] / r["cpu_seconds"] for o, r in pairs)
        ours, raw = summary([o for o, _ in pairs]), summary([r for _, r in pairs])
        print(f"{units:>6} {ours['cpu_seconds']:>10.3f} {raw['cpu_seconds']:>10.3f} {ratio:>6.2f} "
              f"{ours['seconds']:>11.3f} {raw['seconds']:>10.3f} {ours['peak_mb']:>8.1f} {raw['peak_mb']:>8.1f} "
              f"{ours['bytes'] / 1024:>8.0f} {ours['prepare_seconds']:>20.2f}")
        last = (ratio, ours["peak_mb"], raw["peak_mb"])
    print(f"ratio {last[0]:.2f} peak_mb {last[1]:.1f} raw_peak_mb {last[2]:.1f}")

if __name__ == "__main__":
    main()
