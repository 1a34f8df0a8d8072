"""The consolidated Word report at 100 and 1,000 units against a floor, and the consolidated
page's weight at 1,000 units.

    .venv/bin/python bench/report.py              # 100 and 1,000 units
    .venv/bin/python bench/report.py --units 50 500

The data are bench/export.py's synthetic round (quarterly_tthc, every number and text
filled) plus a reviewer's text of 100 characters per unit, so the document grows with the
units twice: the per-unit annex (one row per unit) and the reviewer's paragraphs. For each
size, in the same process and interleaved (best of 3):

- ours: ``write_report_docx`` (python-docx for page set-up and styles, the body built as
  lxml elements);
- floor: the same paragraph texts and annex cell texts, taken from our file once before
  timing, appended as bare lxml elements (``w:p/w:r/w:t``, ``w:tbl/w:tr/w:tc``) in one
  pass to a python-docx document and saved: what any writer of this content pays.

Then a real round of the largest size is built in a throwaway SQLite database and
``GET /rounds/<id>/consolidated`` is fetched as its reviewer; the HTML size is reported.

Last line: ``docx_ratio <ours/floor at the largest size> growth <ours at largest /
ours at smallest> page_kb <consolidated page KB at the largest size>``.
Goals: ratio ≤ 1.5, growth ≤ 12 (10× the units), page ≤ 300 KB.
"""
from __future__ import annotations

import argparse
import io
import time
import zipfile
from dataclasses import replace

from _setup import bench_app
from export import synthetic_parts
from lxml import etree

RUNS = 3
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def report_parts(units: int):
    """The export benchmark's round, with unit titles and 100 characters of reviewer text per unit."""
    parts = synthetic_parts(units)
    sections = [s.id for s in parts.template.sections_of("narrative")]
    texts: dict[str, list[str]] = {s: [] for s in sections}
    for n in range(units):
        line = f"- Xã Số {n + 1:04d} đã niêm yết công khai đầy đủ thủ tục hành chính, hướng dẫn người dân nộp hồ sơ."
        texts[sections[n % len(sections)]].append(line[:100].ljust(100, "."))
    titles = {u.unit_name: f"UBND {u.unit_name[:1].lower()}{u.unit_name[1:]}" for u in parts.result.units}
    return replace(parts, reviewer_texts={s: "\n".join(lines) for s, lines in texts.items()}, unit_titles=titles,
                   coverage_text=f"Báo cáo tổng hợp từ {units}/{units} đơn vị")


def write_ours(parts) -> bytes:
    from app.exports.docx_report import write_report_docx

    out = io.BytesIO()
    write_report_docx(parts, out)
    return out.getvalue()


def content_of(docx_bytes: bytes) -> list:
    """The body as ("p", text) and ("tbl", [[cell text…]…]) in order, from a written file."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(docx_bytes)).read("word/document.xml"))
    items = []
    for child in root.find(f"{W}body"):
        if child.tag == f"{W}p":
            items.append(("p", "".join(child.itertext())))
        elif child.tag == f"{W}tbl":
            items.append(("tbl", [["".join(tc.itertext()) for tc in tr.iter(f"{W}tc")] for tr in child.iter(f"{W}tr")]))
    return items


def write_floor(items: list) -> bytes:
    """The same texts as bare elements, appended in one pass, saved through python-docx."""
    from docx import Document

    doc = Document()
    body = doc.element.body
    final = body[-1]
    body.remove(final)
    sub = etree.SubElement
    for kind, content in items:
        if kind == "p":
            p = etree.Element(f"{W}p")
            sub(sub(p, f"{W}r"), f"{W}t").text = content
            body.append(p)
        else:
            tbl = etree.Element(f"{W}tbl")
            for cells in content:
                tr = sub(tbl, f"{W}tr")
                for text in cells:
                    sub(sub(sub(sub(tr, f"{W}tc"), f"{W}p"), f"{W}r"), f"{W}t").text = text
            body.append(tbl)
    body.append(final)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def best_of(fn) -> tuple[float, bytes]:
    best, data = float("inf"), b""
    for _ in range(RUNS):
        start = time.perf_counter()
        data = fn()
        best = min(best, time.perf_counter() - start)
    return best, data


def measure_docx(units: int) -> tuple[float, float, int, int]:
    parts = report_parts(units)
    items = content_of(write_ours(parts))
    ours = floor = float("inf")
    size = paragraphs = 0
    for _ in range(RUNS):  # interleaved, so a busy moment hits both
        t, data = best_of(lambda: write_ours(parts))
        ours, size = min(ours, t), len(data)
        floor = min(floor, best_of(lambda: write_floor(items))[0])
    paragraphs = sum(1 for kind, _ in items if kind == "p")
    return ours, floor, size, paragraphs


def page_kb(units: int) -> int:
    from consolidate import build

    from app.extensions import db

    app = bench_app(f"report{units}")
    with app.app_context():
        round_id, username, _ = build(units)
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "secret123"}).status_code == 303
    response = client.get(f"/rounds/{round_id}/consolidated")
    assert response.status_code == 200, response.status_code
    return len(response.data) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs=2, default=[100, 1000])
    args = parser.parse_args()
    small, large = args.units
    print(f"{'units':>6} {'ours s':>8} {'floor s':>8} {'ratio':>6} {'file KB':>8} {'paragraphs':>11}")
    times = {}
    ratio = 0.0
    for units in (small, large):
        ours, floor, size, paragraphs = measure_docx(units)
        times[units] = ours
        ratio = ours / floor
        print(f"{units:>6} {ours:>8.3f} {floor:>8.3f} {ratio:>6.2f} {size / 1024:>8.0f} {paragraphs:>11}")
    growth = times[large] / times[small]
    kb = page_kb(large)
    print(f"consolidated page at {large} units: {kb} KB")
    print(f"docx_ratio {ratio:.2f} growth {growth:.2f} page_kb {kb}")


if __name__ == "__main__":
    main()
