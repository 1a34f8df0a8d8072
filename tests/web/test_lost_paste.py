"""Issue 21, item 3: row names as officers' sheets write them (seed 002's annex: "Lĩnh vực
hộ tịch", numbered, marked) find their catalogue field; a preview says what each option drops."""
from __future__ import annotations

from tests.web.test_paste import HX, ROWS, key, paste, row_numbers, stored, sub  # noqa: F401  (fixture)

LAYOUT = ("c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13")


def line(i: int) -> list[str]:
    n = row_numbers(i)
    sums = {"c3": n["c4"] + n["c5"] + n["c6"], "c7": n["c8"] + n["c9"] + n["c10"], "c11": n["c12"] + n["c13"]}
    return [str(sums.get(c, n.get(c))) for c in LAYOUT]


def test_row_names_with_prefixes_numbering_and_marks_find_their_fields(client, sub):  # noqa: F811
    written = {0: "Lĩnh vực hộ tịch", 1: "2. Chứng thực (*)", 4: "Lĩnh vực bảo trợ xã hội", 5: "Người có công:",
               11: "Lĩnh vực bảo vệ môi trường", 9: "Văn hoá cơ sở"}  # "hoá": the other place of the accent
    block = "\r\n".join(f"{n}\t{written[i]}\t" + "\t".join(line(i)) for n, i in enumerate(written, start=1))
    response = paste(client, sub.id, block + "\r\n", start=key(0, "c4"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:400]
    assert "Đã dán và lưu 48 ô." in body
    values = stored(sub.id)
    for i in written:
        assert all(values[key(i, c)] == v for c, v in row_numbers(i).items()), ROWS[i]


def test_an_option_that_leaves_numbers_out_says_how_many(client, sub):  # noqa: F811
    block = "1\tLĩnh vực viễn thông và Internet\t" + "\t".join(line(0)) + "\r\n2\tLĩnh vực hộ tịch\t" + "\t".join(line(0))
    response = paste(client, sub.id, block, start=key(0, "c4"))
    body = response.get_data(as_text=True)
    assert "Chưa lưu gì." in body and "“Lĩnh vực viễn thông và Internet”" in body
    assert "11 số nằm ngoài bảng bị bỏ" in body
    assert stored(sub.id) == {}
