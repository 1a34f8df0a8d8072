"""What a unit's statement means, for grouping the reviewer's suggestion (synthesis.py).

Two things decide whether two statements may share a group:

- ``comparable(text)``: the words compared. Vietnamese written two ways is made one: old
  and new tone-mark placement ("hoá"/"hóa", "thuỷ"/"thủy"), the field's abbreviations and
  their long forms ("TTHC"/"thủ tục hành chính", "Bộ phận Tiếp nhận và Trả kết quả"/"Bộ
  phận một cửa"), a few synonyms of this field ("máy quét"/"máy scan"). The words that
  carry little meaning here ("còn", "được", "thực hiện"…) are listed in ``LOW_MEANING``;
  the grouping weighs them less.
- ``polarity(text)``: what the statement asserts, as cues that flip meaning: negation and
  absence (chưa, không, thiếu), attainment (đạt, vượt, against a target when one is
  written), problems (quá hạn, tồn đọng, khó khăn…), direction (tăng/giảm, cao/thấp) and
  what it is measured against (cùng kỳ / kỳ trước), zero counts and rates (100 % against
  less). Statements whose cues differ are never grouped. A rate below 100 % with nothing
  saying whether it is good or bad is undecided: such a statement is grouped only with the
  same words and the same cues.

All of it is data below; nothing here knows about Flask or the database.
"""
from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# --- spelling: tone marks ---------------------------------------------------------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# Old and new placement differ only in open syllables ending in these vowel pairs: the
# tone goes on the first vowel ("hóa", "thủy", "khỏe") in the form compared.
_GLIDE_PAIRS = re.compile(r"(?<![qg])(o[ae]|uy)$")
# Spellings written both ways in reports (i/y after a consonant).
_WORD = re.compile(r"\w+")
SPELLINGS = {"lí": "lý", "kĩ": "kỹ", "mĩ": "mỹ", "quí": "quý", "kì": "kỳ"}


@functools.lru_cache(maxsize=65536)  # the vocabulary of these reports is small
def _unify_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    letters: list[list[str]] = []  # [base, marks…]
    for char in decomposed:
        if unicodedata.combining(char) and letters:
            letters[-1].append(char)
        else:
            letters.append([char])
    bases = "".join(letter[0] for letter in letters)
    if len(letters) >= 2 and _GLIDE_PAIRS.search(bases):
        last, before = letters[-1], letters[-2]
        tones = [m for m in last[1:] if m in _TONE_MARKS]
        if tones and not any(m in _TONE_MARKS for m in before[1:]):
            last[1:] = [m for m in last[1:] if m not in _TONE_MARKS]
            before.extend(tones)
    return unicodedata.normalize("NFC", "".join("".join(letter) for letter in letters))


def unify_spelling(text: str) -> str:
    """Lower case, NFC, one tone-mark placement and one spelling of i/y words."""
    text = unicodedata.normalize("NFC", text).lower()
    return _WORD.sub(lambda m: SPELLINGS.get(m.group(0)) or _unify_word(m.group(0)), text)


# --- words: abbreviations and synonyms of the field ----------------------------------------

# Each written form (after unify_spelling, punctuation dropped) → the one form compared.
# Abbreviations are read in both directions: "TTHC" and "thủ tục hành chính" compare equal.
ABBREVIATIONS: dict[str, str] = {
    "tthc": "thủ tục hành chính",
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "pakn": "phản ánh kiến nghị",
    "cchc": "cải cách hành chính",
    "dvctt": "dịch vụ công trực tuyến",
    "dvc": "dịch vụ công",
    "dvcqg": "dịch vụ công quốc gia",
    "cbcc": "cán bộ công chức",
    "cbccvc": "cán bộ công chức viên chức",
    "csdl": "cơ sở dữ liệu",
    "cntt": "công nghệ thông tin",
    "vbqppl": "văn bản quy phạm pháp luật",
    "kstthc": "kiểm soát thủ tục hành chính",
    "tn&tkq": "tiếp nhận và trả kết quả",
    "bp": "bộ phận",
    "bpmc": "bộ phận một cửa",
    "nđ-cp": "nghị định chính phủ",
}
# Names of one thing in this field, each written form → the one compared.
SYNONYMS: dict[str, str] = {
    "bộ phận tiếp nhận và trả kết quả": "bộ phận một cửa",
    "bộ phận một cửa": "một cửa",
    "máy quét": "máy scan",
    "nề nếp": "nền nếp",
    "bảo đảm": "đảm bảo",
    "theo đúng quy định": "theo quy định",
    "đúng quy định": "theo quy định",
    "theo đúng quy trình": "đúng quy trình",
    "hòm thư": "hộp thư",
    "số điện thoại": "điện thoại",
    "sáu tháng": "6 tháng",
    "đề xuất kiến nghị": "kiến nghị đề xuất",
    "nghị định số": "nghị định",
    "đẩy mạnh": "tăng cường",
    "chế độ phụ cấp": "phụ cấp",
}
# What a statement is about, when words alike could be about another thing: "hồ sơ trực
# tuyến" is not "hồ sơ", "thanh toán trực tuyến" not "hồ sơ trực tuyến", "phí, lệ phí" not
# "thủ tục hành chính". Statements join only about the same of these (in ``words`` form).
SUBJECTS = (
    "thủ tục hành chính", "phản ánh kiến nghị", "dịch vụ công", "trực tuyến", "trực tiếp", "bưu chính", "thanh toán",
    "phí", "lệ phí", "đất đai", "hộ tịch", "chứng thực", "máy scan", "máy tính", "máy in", "camera", "đường truyền",
    "phần mềm", "chữ ký số", "khai sinh", "khai tử", "cơ sở dữ liệu", "định danh",
)
# Words that carry little meaning in these reports: compared with less weight.
LOW_MEANING = frozenset((
    "còn", "được", "thực hiện", "đã", "các", "những", "của", "việc", "công tác", "về", "và", "cho", "luôn", "vẫn",
    "khác", "cơ bản", "đơn vị", "qua rà soát", "trong kỳ", "trong quý", "trong tháng", "bị", "phải", "đối với", "để",
    "tại", "với", "có", "trên", "nhưng", "nên", "do", "là", "ở", "tiến hành", "đến", "so với", "một số", "nghiêm túc",
    "phấn đấu", "xảy ra",
    "ủy ban nhân dân xã", "ủy ban nhân dân phường", "ủy ban nhân dân thị trấn",
))


def _phrase_pattern(phrases) -> re.Pattern:
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<![\w&])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w&])")


_ABBREVIATION = _phrase_pattern(ABBREVIATIONS)
_SYNONYM = _phrase_pattern(SYNONYMS)
_LOW = _phrase_pattern(LOW_MEANING)
# Punctuation goes, except between digits ("1.245", "78,4", "14/12/2026" stay numbers).
_PUNCTUATION = re.compile(r"(?<!\d)[^\w\s\x00#%&]+|[^\w\s\x00#%&]+(?!\d)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def words(text: str) -> str:
    """The statement's words as compared: spelling unified, punctuation dropped,
    abbreviations and synonyms in one form. Numbers are left as written."""
    text = unify_spelling(text)
    text = re.sub(r"(\d)\s*%", r"\1 %", text)
    text = " ".join(_PUNCTUATION.sub(" ", text).split())
    text = _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(0)], text)
    # Synonyms may chain ("bộ phận tiếp nhận và trả kết quả" → "bộ phận một cửa" → "một cửa").
    for _ in range(2):
        text = _SYNONYM.sub(lambda m: SYNONYMS[m.group(0)], text)
    return text


def content(text_words: str) -> str:
    """``words`` without the low-meaning ones."""
    return " ".join(_LOW.sub(" ", text_words).split())


# --- polarity ---------------------------------------------------------------------------------

NEGATIONS = ("chưa", "không", "chẳng", "chả", "chưa hề", "không hề", "ngừng", "dừng", "tạm dừng", "ngắt", "hủy bỏ",
             "chấm dứt")
# After a negation, these do not say what is negated ("chưa được bố trí" negates "bố trí").
# "Chưa bố trí công chức" and "chưa có công chức" negate the same thing.
_NEGATION_FILLERS = frozenset(("có", "được", "đã", "hề", "kịp", "bị", "thể", "phải", "còn", "thực", "hiện", "để", "xảy", "ra",
                               "bố", "trí"))
# "Không nhận được phản ánh", "không phát hiện", "không có kiến nghị": an absence that is no
# shortfall. Other negations ("chưa bố trí", "không đạt") are.
_HARMLESS_ABSENCE = frozenset(("nhận", "phát", "kiến", "tiếp", "đề", "xảy", "phản", "cần"))
PROBLEMS = ("quá hạn", "trễ hạn", "tồn đọng", "chậm", "muộn", "trễ", "hạn chế", "khó khăn", "vướng mắc", "hỏng",
            "xuống cấp", "chập chờn", "kém", "yếu", "chật hẹp", "phức tạp", "lỗi", "sự cố", "thiếu", "ít", "hạn hẹp")
# Words that contain a problem word without being one ("chủ yếu" is not "yếu").
NOT_PROBLEMS = ("chủ yếu", "thiết yếu", "trọng yếu", "ít nhất", "chậm nhất", "muộn nhất")
UP = ("tăng", "cao hơn", "cao", "nhiều hơn")
DOWN = ("giảm", "thấp hơn", "thấp", "ít hơn")
NOT_DIRECTION = ("tăng cường", "nâng cao", "cắt giảm", "cao điểm", "cấp cao", "trình độ cao")
ATTAIN, EXCEED = "đạt", "vượt"
TARGETS = ("chỉ tiêu", "kế hoạch", "mục tiêu", "yêu cầu", "giao")

# What a change is measured against: the same period last year or the one before.
BASELINES = {"cùng kỳ năm trước": "same", "cùng kỳ": "same", "quý trước": "previous", "tháng trước": "previous",
             "kỳ trước": "previous", "năm trước": "previous", "6 tháng đầu năm": "previous"}

_SUBJECT = _phrase_pattern(SUBJECTS)
_NOT_PROBLEM = _phrase_pattern(NOT_PROBLEMS)
_NEGATION = _phrase_pattern(NEGATIONS)
_BASELINE = _phrase_pattern(BASELINES)
_PROBLEM = _phrase_pattern(PROBLEMS)
_UP = _phrase_pattern(UP)
_DOWN = _phrase_pattern(DOWN)
_NOT_DIRECTION = _phrase_pattern(NOT_DIRECTION)
_ATTAIN = _phrase_pattern((ATTAIN,))
_EXCEED = _phrase_pattern((EXCEED,))
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?) %")
_TARGET = _phrase_pattern(TARGETS)


def number_value(text: str) -> Decimal | None:
    """"15.256" → 15256, "78,4" → 78.4 (Vietnamese writing: "." groups thousands)."""
    try:
        return Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Polarity:
    cues: tuple[str, ...]  # sorted: what the statement asserts, beside its words
    decided: bool  # False: a bare rate below 100 %, neither good nor bad by its words
    shortfall: bool  # says something is missing, late, below, a problem

    def __str__(self) -> str:
        return " ".join(self.cues)


def _rate_class(value: Decimal | None) -> str:
    if value is None:
        return "rate"
    if value == 0:
        return "rate:0"
    if value == 100:
        return "rate:100"
    return "rate:over" if value > 100 else "rate:part"


def polarity(text_words: str, clauses: list | None = None) -> Polarity:
    """The cues of a statement already in ``words`` form; ``clauses`` (its parts with their
    state, see ``clauses``) tell whether each problem it names is negated ("không có hồ sơ
    quá hạn") or asserted ("giải quyết quá hạn")."""
    cues: list[str] = []
    negations = flipping = 0
    for match in _NEGATION.finditer(text_words):
        negations += 1
        following = text_words[match.end():].split()
        anchor = next((w for w in following if w not in _NEGATION_FILLERS and w not in NEGATIONS), "")
        cues.append(f"not:{anchor}")
        flipping += match.group(0).startswith("chưa") or anchor not in _HARMLESS_ABSENCE
    masked = _NOT_DIRECTION.sub(" ", text_words)
    problems = len(_PROBLEM.findall(_NOT_PROBLEM.sub(" ", text_words)))
    for clause, state, _ in clauses if clauses is not None else [(text_words, (0,), ())]:
        cues += [f"problem:{'negated' if state[0] else 'said'}"] * len(_PROBLEM.findall(_NOT_PROBLEM.sub(" ", clause)))
    ups, downs = len(_UP.findall(masked)), len(_DOWN.findall(masked))
    cues += ["up"] * ups + ["down"] * downs
    if ups or downs:
        cues += [f"against:{BASELINES[m.group(0)]}" for m in _BASELINE.finditer(text_words)]
    cues += ["attain"] * len(_ATTAIN.findall(text_words)) + ["exceed"] * len(_EXCEED.findall(text_words))
    numbers = [number_value(n) for n in NUMBER.findall(text_words)]
    cues += ["zero"] * sum(1 for n in numbers if n == 0)
    rates = [number_value(m.group(1)) for m in _PERCENT.finditer(text_words)]
    cues += [_rate_class(r) for r in rates]
    cues += sorted({f"about:{m.group(0)}" for m in _SUBJECT.finditer(text_words)})
    verdict = _against_target(text_words, rates)
    if verdict:
        cues.append(verdict)
    flips = flipping + (1 if problems else 0) + downs
    if verdict:
        shortfall = verdict == "below"
    else:
        shortfall = flips % 2 == 1 or any(c == "rate:part" for c in cues) and not _EXCEED.search(text_words)
    said = negations or problems or ups or downs or verdict or _EXCEED.search(text_words)
    decided = bool(said) or not any(c == "rate:part" for c in cues)
    return Polarity(tuple(sorted(cues)), decided, shortfall)


# --- where the polarity applies -------------------------------------------------------------
# A statement may say two things ("Đã bố trí máy tính, chưa có máy scan"). It is read as
# clauses: each sentence (split at ; . :) starts one, and within it each part after a comma
# (or "nhưng", "trong khi") that has a predicate — a negation, a direction, attainment, or an affirming "đã", "có",
# "còn"… — starts another; a part without one ("kiến nghị nào" in "Không nhận được phản
# ánh, kiến nghị nào") belongs to the clause before it. A clause's state is whether it is
# negated, whether it names a problem, and its direction. Two statements may share a group only if the words they have
# in common stand in clauses of the same state: "Đã bố trí máy tính, chưa có máy scan" and
# "Chưa bố trí máy tính, đã có máy scan" have the same cues and nearly the same words, and
# are opposites.
AFFIRMATIVES = ("đã", "đang", "có", "được", "vẫn", "luôn", "còn")
_AFFIRMATIVE = _phrase_pattern(AFFIRMATIVES)
_SENTENCES = re.compile(r"[;:.!?](?:\s+|$)")
_COMMAS = re.compile(r",(?:\s+|$)|\s+(?:nhưng|song|tuy nhiên|trong khi)\s+", re.IGNORECASE)


def _has_predicate(part_words: str) -> bool:
    masked = _NOT_DIRECTION.sub(" ", part_words)
    return bool(_NEGATION.search(part_words) or _UP.search(masked) or _DOWN.search(masked) or _ATTAIN.search(part_words)
                or _EXCEED.search(part_words) or _AFFIRMATIVE.search(part_words))


def clauses(text: str) -> list[tuple[str, tuple, tuple[str, ...]]]:
    """The statement's clauses in ``words`` form, each with its state (negated?, names a
    problem?, up?, down?) and the parts joined to it without a predicate of their own (their
    words' state is uncertain)."""
    found: list[tuple[str, list[str]]] = []
    for sentence in _SENTENCES.split(text):
        opened = False
        for part in _COMMAS.split(sentence):
            part_words = words(part)
            if not part_words:
                continue
            if opened and not _has_predicate(part_words):
                found[-1][1].append(part_words)
            else:
                found.append((part_words, []))
                opened = True
    result = []
    for head, joined in found:
        clause = " ".join([head, *joined])
        masked = _NOT_DIRECTION.sub(" ", head)
        state = (len(_NEGATION.findall(head)) % 2, bool(_PROBLEM.search(_NOT_PROBLEM.sub(" ", clause))),
                 bool(_UP.search(masked)), bool(_DOWN.search(masked)))
        result.append((clause, state, tuple(joined)))
    return result


def scoped_words(text: str, found: list | None = None) -> tuple[tuple[str, tuple | None], ...]:
    """The statement's content words, each with the state of the clause it stands in (None
    where uncertain: a part joined to the clause before it)."""
    scoped: list[tuple[str, tuple | None]] = []
    for clause, state, joined in found if found is not None else clauses(text):
        head = clause[:len(clause) - len(" ".join(("", *joined)))] if joined else clause
        scoped += [(word, state) for word in content(_NEGATION.sub(" ", head)).split()]
        scoped += [(word, None) for part in joined for word in content(_NEGATION.sub(" ", part)).split()]
    return tuple(scoped)


def agree(a: tuple[tuple[str, tuple | None], ...], b: tuple[tuple[str, tuple | None], ...]) -> bool:
    """Whether the words two statements share stand in clauses of the same state."""
    matcher = difflib.SequenceMatcher(None, [w for w, _ in a], [w for w, _ in b], autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        for k in range(size):
            first, second = a[i + k][1], b[j + k][1]
            if first is not None and second is not None and first != second:
                return False
    return True


def _against_target(text_words: str, rates: list[Decimal | None]) -> str | None:
    """"chỉ tiêu … 65 %; … đạt 72 %" → "meets"; below the target → "below"."""
    if len(rates) < 2 or not _TARGET.search(text_words) or not _ATTAIN.search(text_words):
        return None
    reached = re.search(r"(?<!\w)đạt(?:\s+\S+){0,2}?\s+(\d+(?:[.,]\d+)?) %", text_words)
    target = re.search(r"(?:chỉ tiêu|kế hoạch|mục tiêu|giao)(?:\s+\S+){0,8}?\s+(\d+(?:[.,]\d+)?) %", text_words)
    if not reached or not target or reached.start(1) == target.start(1):
        return None
    achieved, wanted = number_value(reached.group(1)), number_value(target.group(1))
    if achieved is None or wanted is None:
        return None
    return "meets" if achieved >= wanted else "below"
