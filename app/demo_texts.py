"""What the demo's units write in their narrative sections, as real communes write it: a few
ideas per section, each said in several ways (abbreviated or not, old or new tone marks,
filler words, another word order, the unit's own name) and, by some units, its opposite
("đã" / "chưa", "không có" / "có 2 hồ sơ"). So every suggestion panel of the demo shows
variants merged into one group and opposites kept apart (reporting.synthesis).

Placeholders: {Place} the writer's name opening a sentence ("Xã Bình Chánh"), {place} the
same mid-sentence ("xã Bình Chánh"), {n} a small count (02–6), {m} 1–3, {p} a rate 62–93.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Idea:
    share: float  # how often a unit writes about it
    good: tuple[str, ...]  # paraphrases of one statement
    bad: tuple[str, ...] = ()  # paraphrases of its opposite
    bad_share: float = 0.3  # of the units writing about it, how many say the opposite


QUARTERLY: dict[str, tuple[Idea, ...]] = {
    "I.2": (
        Idea(0.7, ("Rà soát {n} TTHC thuộc thẩm quyền giải quyết của cấp xã, không phát hiện quy định chồng chéo.",
                   "Đã rà soát {n} thủ tục hành chính thuộc thẩm quyền giải quyết của cấp xã; không phát hiện quy định chồng chéo.",
                   "UBND {place} rà soát {n} TTHC thuộc thẩm quyền giải quyết cấp xã, không phát hiện quy định chồng chéo."),
             ("Rà soát {n} TTHC thuộc thẩm quyền giải quyết của cấp xã, phát hiện quy định chồng chéo, đã kiến nghị sửa đổi.",),
             0.2),
        Idea(0.5, ("Cập nhật đầy đủ danh mục TTHC mới công bố lên Cổng dịch vụ công của tỉnh.",
                   "Đã cập nhật đầy đủ danh mục thủ tục hành chính mới công bố lên Cổng DVC tỉnh."),
             ("Chưa cập nhật đầy đủ danh mục TTHC mới công bố lên Cổng dịch vụ công của tỉnh.",)),
    ),
    "I.5.2": (
        Idea(0.6, ("Bộ phận Một cửa đã treo biển hiệu, bảng chỉ dẫn theo bộ nhận diện thương hiệu.",
                   "Bộ phận Tiếp nhận và Trả kết quả đã treo biển hiệu, bảng chỉ dẫn theo bộ nhận diện thương hiệu."),
             ("Bộ phận Một cửa chưa treo biển hiệu, bảng chỉ dẫn theo bộ nhận diện thương hiệu.",)),
    ),
    "I.5.3": (
        Idea(0.8, ("{Place} đã dùng phần mềm một cửa điện tử dùng chung của tỉnh để tiếp nhận, trả kết quả hồ sơ.",
                   "Sử dụng phần mềm một cửa điện tử dùng chung của tỉnh để tiếp nhận, trả kết quả hồ sơ."),
             ("{Place} chưa dùng phần mềm một cửa điện tử dùng chung của tỉnh để tiếp nhận, trả kết quả hồ sơ.",), 0.25),
        Idea(0.6, ("Số hóa 100% hồ sơ, kết quả giải quyết TTHC khi tiếp nhận.",
                   "Số hoá 100% hồ sơ, kết quả giải quyết thủ tục hành chính ngay khi tiếp nhận."),
             ("Số hóa {p}% hồ sơ, kết quả giải quyết TTHC khi tiếp nhận, chưa đạt yêu cầu.",), 0.35),
    ),
    "I.5.4": (
        Idea(0.7, ("Bộ phận Một cửa được bố trí đủ máy tính, máy in, máy scan.",
                   "Bộ phận Tiếp nhận và Trả kết quả được bố trí đủ máy tính, máy in và máy quét.",
                   "Bộ phận một cửa đã được bố trí đủ máy tính, máy in, máy scan."),
             ("Bộ phận Một cửa chưa được bố trí đủ máy tính, máy in, máy scan.",), 0.35),
        Idea(0.5, ("Đã có khu vực chờ, ghế ngồi, nước uống cho người dân đến giao dịch.",
                   "Có khu vực chờ, ghế ngồi và nước uống cho người dân đến giao dịch."),
             ("Chưa có khu vực chờ, ghế ngồi, nước uống cho người dân đến giao dịch.",)),
    ),
    "I.5.7": (
        Idea(0.5, ("Thực hiện tốt việc trả kết quả qua dịch vụ bưu chính công ích.",
                   "Việc trả kết quả qua dịch vụ bưu chính công ích được thực hiện tốt."),
             ("Việc trả kết quả qua dịch vụ bưu chính công ích còn hạn chế.",)),
    ),
    "I.6.2": (
        Idea(0.6, ("Quy trình điện tử của các TTHC thuộc thẩm quyền đã được cập nhật trên Hệ thống.",
                   "Quy trình điện tử của các thủ tục hành chính thuộc thẩm quyền đã được cập nhật lên Hệ thống."),
             ("Quy trình điện tử của các TTHC thuộc thẩm quyền chưa được cập nhật trên Hệ thống.",)),
    ),
    "I.6.5": (
        Idea(0.5, ("Đã kết nối Hệ thống thông tin giải quyết TTHC với Cơ sở dữ liệu quốc gia về dân cư.",
                   "Kết nối Hệ thống thông tin giải quyết thủ tục hành chính với CSDL quốc gia về dân cư."),
             ("Chưa kết nối Hệ thống thông tin giải quyết TTHC với Cơ sở dữ liệu quốc gia về dân cư.",)),
    ),
    "I.7": (
        Idea(0.7, ("Tổ chức {n} buổi tuyên truyền về thanh toán trực tuyến tại các thôn.",
                   "Đã tổ chức {n} buổi tuyên truyền thanh toán trực tuyến tại các thôn."),
             ("Chưa tổ chức buổi tuyên truyền về thanh toán trực tuyến tại các thôn.",), 0.25),
    ),
    "I.8": (
        Idea(0.4, ("Tham gia Hội thi cải cách hành chính do huyện tổ chức.",
                   "Cử đội tham gia Hội thi CCHC do huyện tổ chức."),
             ("Không tham gia Hội thi cải cách hành chính do huyện tổ chức.",), 0.25),
    ),
    "II.1": (
        Idea(0.8, ("Việc kiểm soát TTHC trên địa bàn được triển khai nghiêm túc, đúng kế hoạch.",
                   "Công tác kiểm soát thủ tục hành chính trên địa bàn được triển khai nghiêm túc, đúng kế hoạch.",
                   "Kiểm soát TTHC trên địa bàn được thực hiện nghiêm túc, đúng kế hoạch."),
             ("Việc kiểm soát TTHC trên địa bàn triển khai chưa nghiêm túc, chưa đúng kế hoạch.",), 0.15),
        Idea(0.7, ("Giải quyết hồ sơ trước hạn, đúng hạn đạt 100%, không có hồ sơ trễ hạn.",
                   "Giải quyết hồ sơ trước hạn và đúng hạn đạt 100%; không có hồ sơ trễ hạn."),
             ("Giải quyết hồ sơ trước hạn, đúng hạn đạt 9{m}%, có {m} hồ sơ trễ hạn.",), 0.35),
        Idea(0.5, ("{Place} niêm yết công khai đầy đủ TTHC tại Bộ phận Một cửa.",
                   "Niêm yết công khai đầy đủ thủ tục hành chính tại Bộ phận một cửa."),
             ("Niêm yết công khai TTHC tại Bộ phận Một cửa chưa đầy đủ.",)),
    ),
    "II.2": (
        Idea(0.7, ("Công chức Bộ phận Một cửa phải kiêm nhiệm nhiều việc.",
                   "Công chức Bộ phận Một cửa còn phải kiêm nhiệm nhiều việc khác.",
                   "Công chức một cửa kiêm nhiệm nhiều việc."),
             ("Công chức Bộ phận Một cửa không phải kiêm nhiệm việc khác.",), 0.2),
        Idea(0.5, ("Người dân chưa quen nộp hồ sơ trực tuyến, chủ yếu vẫn đến nộp trực tiếp.",
                   "Người dân còn chưa quen nộp hồ sơ trực tuyến, chủ yếu đến nộp trực tiếp.")),
        Idea(0.5, ("Các phần mềm chuyên ngành hộ tịch, đất đai đã liên thông với Hệ thống thông tin giải quyết TTHC.",),
             ("Các phần mềm chuyên ngành hộ tịch, đất đai chưa liên thông với Hệ thống thông tin giải quyết TTHC.",
              "Phần mềm chuyên ngành hộ tịch, đất đai chưa liên thông với Hệ thống thông tin giải quyết thủ tục hành chính."),
             0.7),
        Idea(0.4, ("Không còn hồ sơ đất đai tồn đọng.", "Không còn hồ sơ đất đai nào tồn đọng."),
             ("Còn {m} hồ sơ đất đai tồn đọng.", "Còn tồn đọng {m} hồ sơ đất đai."), 0.5),
    ),
    "II.3": (
        Idea(0.6, ("Công chức đã thành thạo các phần mềm nghiệp vụ.",),
             ("Một số công chức chưa thành thạo các phần mềm nghiệp vụ.",
              "Một số công chức còn chưa thành thạo phần mềm nghiệp vụ."), 0.7),
        Idea(0.5, ("Kinh phí cho Bộ phận Một cửa còn hạn hẹp.", "Kinh phí dành cho Bộ phận Một cửa còn hạn hẹp.")),
    ),
    "III": (
        Idea(0.8, ("1. Tiếp tục rà soát, công khai TTHC thuộc thẩm quyền.",
                   "- Tiếp tục rà soát, công khai thủ tục hành chính thuộc thẩm quyền giải quyết.",
                   "Tiếp tục rà soát và công khai TTHC thuộc thẩm quyền.")),
        Idea(0.6, ("2. Tăng cường tuyên truyền, hướng dẫn người dân nộp hồ sơ trực tuyến.",
                   "- Tăng cường hướng dẫn, tuyên truyền người dân nộp hồ sơ trực tuyến.")),
        Idea(0.4, ("3. Không để phát sinh hồ sơ trễ hạn.", "Phấn đấu không để phát sinh hồ sơ trễ hạn.")),
    ),
    "IV": (
        Idea(0.5, ("Đề nghị UBND huyện đầu tư nâng cấp trang thiết bị cho Bộ phận Một cửa cấp xã.",
                   "Kiến nghị Ủy ban nhân dân huyện đầu tư nâng cấp trang thiết bị cho Bộ phận một cửa cấp xã.")),
        Idea(0.3, ("Không có đề xuất, kiến nghị.", "Không có kiến nghị.")),
        Idea(0.3, ("Đề nghị huyện mở lớp tập huấn sử dụng phần mềm một cửa điện tử cho công chức cấp xã.",
                   "Đề nghị mở lớp tập huấn sử dụng phần mềm một cửa điện tử cho công chức xã.")),
    ),
}

MONTHLY: dict[str, tuple[Idea, ...]] = {
    "II.2": (
        Idea(0.5, ("Cán bộ tiếp nhận hồ sơ phải kiêm nhiệm nhiều việc.", "Cán bộ tiếp nhận hồ sơ còn kiêm nhiệm nhiều việc khác.")),
        Idea(0.4, ("Đường truyền Internet tại Bộ phận Một cửa ổn định.",),
             ("Đường truyền Internet tại Bộ phận Một cửa không ổn định.",
              "Đường truyền Internet của Bộ phận một cửa chưa ổn định."), 0.6),
        Idea(0.3, ("Tỷ lệ thanh toán trực tuyến phí, lệ phí tăng so với tháng trước.",),
             ("Tỷ lệ thanh toán trực tuyến phí, lệ phí giảm so với tháng trước.",)),
    ),
    "II.3": (
        Idea(0.4, ("Số lượng hồ sơ đất đai tăng cao vào cuối năm.", "Số hồ sơ đất đai tăng cao vào dịp cuối năm.")),
        Idea(0.3, ("Một bộ phận người dân chưa có tài khoản định danh điện tử mức độ 2.",
                   "Một bộ phận người dân còn chưa có tài khoản định danh điện tử mức độ 2.")),
        Idea(0.4, ("Người dân đã quen sử dụng dịch vụ công trực tuyến.", "Người dân đã quen dùng DVCTT."),
             ("Người dân chưa quen sử dụng dịch vụ công trực tuyến.", "Người dân còn chưa quen sử dụng DVCTT."), 0.5),
    ),
    "III": (
        Idea(0.7, ("Tiếp tục duy trì tốt việc tiếp nhận, giải quyết TTHC tại Bộ phận Một cửa.",
                   "Tiếp tục duy trì tốt việc tiếp nhận và giải quyết thủ tục hành chính tại Bộ phận Tiếp nhận và Trả kết quả.")),
        Idea(0.4, ("Đẩy mạnh số hóa hồ sơ, kết quả giải quyết TTHC.", "Đẩy mạnh số hoá hồ sơ, kết quả giải quyết thủ tục hành chính.")),
    ),
    "IV": (
        Idea(0.4, ("Không có kiến nghị, đề xuất.", "Không có đề xuất, kiến nghị.")),
        Idea(0.3, ("Đề nghị tỉnh nâng cấp đường truyền cho Bộ phận Một cửa cấp xã.",
                   "Đề nghị tỉnh nâng cấp đường truyền Internet cho Bộ phận một cửa cấp xã.")),
    ),
}


def fill(text: str, unit_name: str, rng) -> str:
    place = unit_name[:1].lower() + unit_name[1:]
    n = rng.randint(2, 6)
    return (text.replace("{Place}", unit_name).replace("{place}", place)
            .replace("{n}", f"{n:02d}" if rng.random() < 0.5 else str(n))
            .replace("{m}", str(rng.randint(1, 3))).replace("{p}", str(rng.randint(62, 93))))


def unit_texts(ideas: dict[str, tuple[Idea, ...]], unit_name: str, rng) -> dict[str, str]:
    """section id → the unit's text there, one line per idea it writes about."""
    texts: dict[str, str] = {}
    for section_id, section_ideas in ideas.items():
        lines = []
        for idea in section_ideas:
            if rng.random() >= idea.share:
                continue
            pool = idea.bad if idea.bad and rng.random() < idea.bad_share else idea.good
            lines.append(fill(rng.choice(pool), unit_name, rng))
        if lines:
            texts[section_id] = "\n".join(lines)
    return texts
