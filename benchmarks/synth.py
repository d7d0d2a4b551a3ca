"""Large synthetic batches of *bài thu hoạch* built from the sample essays, for benchmarks.

``make_batch(n)`` returns ``n`` :class:`~essaycheck.documents.Document` of about
``words_per_essay`` words each and the ground truth of the copies planted in it.

Honest essays get a realistic header (ĐẢNG BỘ ..., BÀI THU HOẠCH, Họ và tên:, Chức vụ:, Đơn vị
công tác:, Chi bộ:), four sections (nhận thức / liên hệ thực tiễn / liên hệ bản thân / kế hoạch)
and a closing signature. The body is assembled from sentences of the sample essays (drawn from the
same part of their essay), now and then two half-sentences spliced together, with verbatim
resolution quotes and a few stock phrases, and every borrowed sentence is mutated: its figures
changed, about a fifth of its syllables replaced by other syllables of the corpus and a few
neighbours swapped. Two honest essays therefore share quotes, stock phrases and short phrases,
as real ones do, but are not near-duplicates of each other.

``copy_rate`` of the essays are planted copies of honest ones (each source is used by one copy
event only, and copies are never copied, so the true pairs are exactly the ones returned):

- ``verbatim``: the source's body under another writer's header;
- ``light_edit``: the source's body with ~3% of syllables changed, a sentence dropped and the
  paragraphs of one section shuffled;
- ``partial_section``: an honest essay whose "liên hệ thực tiễn" section (or the first two
  sections) is taken from the source, lightly edited;
- ``ring``: 2-4 light edits of one source; every pair inside the ring is a true pair.

Deterministic for a given ``(n, words_per_essay, copy_rate, seed)``; ~1 s per 1,000 essays.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from essaycheck.documents import Document

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

COPY_KINDS = {"verbatim": 0.3, "light_edit": 0.3, "partial_section": 0.2, "ring": 0.2}
SECTION_SHARE = (0.3, 0.35, 0.15, 0.2)  # nhận thức, liên hệ thực tiễn, bản thân, kế hoạch
HONEST_SUB, HONEST_SWAP = 0.2, 0.03  # per syllable: replaced by a corpus syllable / swapped
EDIT_SUB, EDIT_SWAP = 0.03, 0.005  # what a "light edit" changes
_FRAME_WORDS = 170  # words of header, headings, opening, ending and signature

_FIELD = re.compile(
    r"^\s*(Họ (và )?tên|Chức (vụ|danh)|Đơn vị|Chi bộ|Sinh hoạt|Nhiệm vụ|Đảng viên|Ngày vào)", re.I
)
_TITLE = re.compile(r"^\s*B[ÀẢ]I? ?(BẢN )?THU HOẠCH|^\s*BẢN THU HOẠCH", re.I)
_CLOSE = re.compile(r"^\s*(Người (viết|thu hoạch)|\(Ký|\(ký|\(đã ký|\(Đã ký)", re.I)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,]\d+)*(?![\w-]*/(?:TW|tw|NQ))")
_YEAR = re.compile(r"20[12]\d")
_LIST = re.compile(r"^\s*(\d+|[a-dđ]|[IVX]+)[.)]\s+")

HEADINGS = (
    (
        "PHẦN I. NHẬN THỨC VỀ NGHỊ QUYẾT",
        "I. Nhận thức về nội dung cơ bản của Nghị quyết",
        "1. Về nhận thức",
        "I. NHỮNG NỘI DUNG TÂM ĐẮC CỦA NGHỊ QUYẾT",
    ),
    (
        "PHẦN II. LIÊN HỆ THỰC TIỄN TẠI CƠ QUAN, ĐƠN VỊ",
        "II. Liên hệ thực tiễn tại đơn vị",
        "2. Liên hệ với thực tiễn công tác",
        "II. THỰC TIỄN Ở ĐƠN VỊ SO VỚI YÊU CẦU CỦA NGHỊ QUYẾT",
    ),
    (
        "PHẦN III. LIÊN HỆ BẢN THÂN",
        "III. Trách nhiệm của bản thân",
        "3. Liên hệ bản thân",
        "III. NHỮNG HẠN CHẾ CỦA BẢN THÂN",
    ),
    (
        "PHẦN IV. KẾ HOẠCH HÀNH ĐỘNG VÀ KIẾN NGHỊ",
        "IV. Phương hướng, nhiệm vụ",
        "4. Giải pháp và đề xuất",
        "IV. NHIỆM VỤ, GIẢI PHÁP; ĐỀ XUẤT",
    ),
)
QUOTE_FRAMES = (
    'Nghị quyết nêu rõ: "{}"',
    'Nghị quyết xác định: "{}"',
    '"{}"',
    'Tôi tâm đắc với quan điểm "{}"',
    'Nghị quyết yêu cầu "{}"',
)
# Openings and endings are assembled from interchangeable pieces: honest essays share stock
# phrases, not one long stock paragraph (a run that long would read as a shared template).
OPENINGS = (
    (
        "Qua nghiên cứu, học tập,",
        "Thực hiện kế hoạch của cấp ủy,",
        "Sau khi được học tập,",
        "Được sự quan tâm của Chi bộ,",
        "Qua các buổi học tập tập trung,",
    ),
    (
        "tôi đã nghiêm túc quán triệt",
        "bản thân tôi đã tìm hiểu kỹ",
        "tôi đã nghiên cứu",
        "tôi đã đọc và suy ngẫm",
    ),
    (
        "Nghị quyết số 27-NQ/TW",
        "Nghị quyết Trung ương 6 khóa XIII",
        "Nghị quyết 27",
        "nội dung Nghị quyết",
    ),
    (
        "và xin trình bày một số nhận thức sau.",
        "và rút ra mấy điều tâm đắc.",
        "và nhận thức sâu sắc một số nội dung sau.",
        "và xin liên hệ như sau.",
    ),
)
ENDINGS = (
    (
        "Trên đây là bài thu hoạch của tôi.",
        "Trên đây là những nhận thức và liên hệ của bản thân.",
        "Trong thời gian tới,",
        "Với nhận thức trên,",
    ),
    ("Tôi xin hứa", "tôi cam kết", "bản thân tôi quyết tâm", "tôi xin hứa sẽ"),
    (
        "thực hiện nghiêm những nội dung trên.",
        "hoàn thành tốt nhiệm vụ được giao.",
        "góp phần đưa Nghị quyết vào cuộc sống.",
        "tiếp tục học tập, rèn luyện.",
    ),
)
SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
    "Mai",
    "Hà",
    "Đoàn",
    "Lương",
)
MIDDLES = (
    "Văn",
    "Thị",
    "Minh",
    "Hữu",
    "Đức",
    "Thanh",
    "Thu",
    "Quang",
    "Ngọc",
    "Xuân",
    "Kim",
    "Hồng",
    "Quốc",
    "Thị Thu",
    "Văn Hữu",
    "Thị Minh",
    "Bích",
    "Công",
    "Anh",
)
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiền",
    "Hòa",
    "Hùng",
    "Hương",
    "Khải",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Ngọc",
    "Nhung",
    "Phúc",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Thủy",
    "Trang",
    "Tuấn",
    "Vinh",
    "Yến",
)
ROLES = (
    "Đảng viên",
    "Chuyên viên",
    "Giáo viên",
    "Bác sĩ",
    "Điều dưỡng",
    "Kế toán",
    "Công chức Tư pháp - Hộ tịch",
    "Phó trưởng phòng",
    "Trưởng khoa",
    "Tổ trưởng chuyên môn",
    "Bí thư Chi bộ",
    "Phó Giám đốc",
    "Nhân viên kỹ thuật",
    "Công chức Văn phòng - Thống kê",
)
UNIT_KINDS = (
    "Trường THCS {}",
    "Trường Tiểu học {}",
    "Trạm Y tế xã {}",
    "Ủy ban nhân dân xã {}",
    "Phòng Tư pháp huyện {}",
    "Bệnh viện Đa khoa huyện {}",
    "Công ty Cổ phần {}",
    "Phòng Tài chính - Kế hoạch huyện {}",
    "Chi cục Thuế khu vực {}",
)
PLACES = (
    "Tân Lập",
    "Thuận Giang",
    "Hòa Bình",
    "An Phú",
    "Đông Sơn",
    "Minh Khai",
    "Quang Trung",
    "Bình Minh",
    "Hưng Đạo",
    "Kim Sơn",
    "Phú Lộc",
    "Yên Thế",
    "Lê Lợi",
    "Thạch Bàn",
)


@dataclass
class _Pool:
    sections: list[list[tuple[list[str], list[bool]]]]  # per section: (tokens, inside a quote)
    vocab: list[str]  # lower-case alphabetic syllables, with their corpus frequency
    quotes: list[str]


@dataclass
class _Draft:
    """An essay before rendering: header fields, four sections of paragraphs, ending."""

    author: str
    role: str
    unit: str
    cell: str
    date: str
    headings: list[str]
    sections: list[list[str]] = field(default_factory=list)  # paragraphs per section
    opening: str = ""
    ending: str = ""


def _split(text: str) -> list[str]:
    """Body paragraphs of a sample essay (header and closing dropped)."""
    lines = text.strip("\n").splitlines()
    fields = [i for i, line in enumerate(lines[:30]) if _FIELD.match(line)]
    if fields:
        end = fields[-1] + 1
    else:
        titles = [i for i, line in enumerate(lines[:30]) if _TITLE.match(line)]
        end = titles[0] + 1 if titles else 0
        while end < len(lines) and lines[end].strip():
            end += 1
    tail = [i for i in range(max(end, len(lines) - 8), len(lines)) if _CLOSE.match(lines[i])]
    body = "\n".join(lines[end : tail[0] if tail else len(lines)])
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def _quoted(words: list[str]) -> list[bool]:
    """Which tokens stand inside quotation marks (a resolution quote is not mutated)."""
    out, inside = [], False
    for w in words:
        opens = w[0] in '"“'
        tail = w.rstrip(".,;:!?)")
        closes = bool(tail) and tail[-1] in '"”'
        out.append(inside or opens)
        inside = (inside or opens) and not (closes and (inside or len(w) > 1))
    return out


def _is_heading(para: str) -> bool:
    return len(para.split()) <= 16 and not para.rstrip().endswith((".", ";", ":", "!"))


@lru_cache(maxsize=4)
def _pool(samples: str = str(SAMPLES), include_batch: bool = False) -> _Pool:
    """Sentences of the hand-written essays (``source/essays``), by the quarter of the essay
    they come from; ``include_batch`` adds ``batch/*.txt`` (mostly copies of the same essays,
    so off by default: the pool, hence every synthetic batch, stays the same as batch/ grows)."""
    root = Path(samples)
    files = sorted((root / "source" / "essays").glob("*.txt"))
    if include_batch and (root / "batch").is_dir():
        files += sorted((root / "batch").glob("*.txt"))
    sections: list[list[tuple[list[str], list[bool]]]] = [[], [], [], []]
    seen: set[str] = set()
    vocab: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        paras = [p for p in _split(text) if not _is_heading(p)]
        for k, para in enumerate(paras):
            part = min(3, 4 * k // max(1, len(paras)))
            para = _LIST.sub("", para.replace("\n", " "))
            for sent in _SENT.split(para):
                words = sent.split()
                if len(words) < 6 or sent in seen:
                    continue
                seen.add(sent)
                sections[part].append((words, _quoted(words)))
                vocab.extend(w.lower() for w in words if w.isalpha())
    quotes = [
        q.strip()
        for q in (root / "source" / "QUOTES.txt").read_text(encoding="utf-8").splitlines()
        if q.strip()
    ]
    return _Pool(sections, vocab, quotes)


def _figures(text: str, rng: random.Random) -> str:
    """Change every figure (years stay plausible years)."""

    def repl(m: re.Match[str]) -> str:
        s = m.group()
        if _YEAR.fullmatch(s):
            return str(rng.randint(2019, 2025))
        return "".join(
            str(rng.randint(1 if i == 0 and len(s) > 1 else 0, 9)) if c.isdigit() else c
            for i, c in enumerate(s)
        )

    return _NUMBER.sub(repl, text)


def _mutate(
    words: list[str],
    vocab: list[str],
    rng: random.Random,
    sub: float,
    swap: float,
    keep: list[bool] | None = None,
) -> str:
    """Replace ~``sub`` of the syllables by corpus syllables and swap ~``swap`` of neighbours.

    Positions are drawn with geometric skips, so the cost is per change, not per syllable.
    """
    out = list(words)
    n = len(out)
    if sub > 0:
        log_q = math.log(1.0 - sub)
        i = int(math.log(1.0 - rng.random()) / log_q)
        while i < n:
            w = out[i]
            if w.isalpha() and not (keep and keep[i]):
                new = vocab[int(rng.random() * len(vocab))]
                out[i] = new.capitalize() if w[0].isupper() else new
            i += 1 + int(math.log(1.0 - rng.random()) / log_q)
    if swap > 0 and n > 2:
        log_q = math.log(1.0 - swap)
        i = int(math.log(1.0 - rng.random()) / log_q)
        while i < n - 1:
            if (
                out[i].isalpha()
                and out[i + 1].isalpha()
                and not out[i][0].isupper()
                and not (keep and (keep[i] or keep[i + 1]))
            ):
                out[i], out[i + 1] = out[i + 1], out[i]
            i += 2 + int(math.log(1.0 - rng.random()) / log_q)
    return " ".join(out)


def _sentence(pool: _Pool, part: int, rng: random.Random) -> str:
    sents = pool.sections[part] or pool.sections[0]
    words, keep = sents[int(rng.random() * len(sents))]
    if rng.random() < 0.3:  # splice the first half of one sentence with the end of another
        other, keep_other = sents[int(rng.random() * len(sents))]
        cut_a = max(3, len(words) // 2 + rng.randint(-3, 3))
        cut_b = max(3, len(other) // 2 + rng.randint(-3, 3))
        words, keep = words[:cut_a] + other[cut_b:], keep[:cut_a] + keep_other[cut_b:]
    text = _mutate(words, pool.vocab, rng, HONEST_SUB, HONEST_SWAP, keep)
    return _figures(text, rng)


def _stock(pieces: tuple[tuple[str, ...], ...], rng: random.Random) -> str:
    text = " ".join(rng.choice(options) for options in pieces)
    return text[0].upper() + text[1:]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)}"


def _person(rng: random.Random) -> dict[str, str]:
    place = rng.choice(PLACES)
    unit = rng.choice(UNIT_KINDS).format(place)
    return {
        "author": _name(rng),
        "role": rng.choice(ROLES),
        "unit": unit,
        "cell": f"Chi bộ {unit}",
        "date": f"{rng.choice(PLACES)}, ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} "
        f"năm {rng.choice((2023, 2024, 2025))}",
    }


def _honest(pool: _Pool, words: int, rng: random.Random) -> _Draft:
    style = rng.randrange(len(HEADINGS[0]))
    d = _Draft(**_person(rng), headings=[h[style] for h in HEADINGS])
    d.opening = _stock(OPENINGS, rng)
    d.ending = _stock(ENDINGS, rng)
    target = int(words * rng.uniform(0.85, 1.15)) - _FRAME_WORDS
    for part, share in enumerate(SECTION_SHARE):
        budget, paras, para, count = int(target * share), [], [], 0
        if part == 0:  # quotes of the resolution: shared by honest essays, never a copy
            for q in rng.sample(pool.quotes, rng.randint(1, 3)):
                para.append(rng.choice(QUOTE_FRAMES).format(q.rstrip(".")) + ".")
                count += len(q.split())
        while count < budget:
            s = _sentence(pool, part, rng)
            n_words = len(s.split())
            if count + n_words > budget and count + n_words - budget > budget - count:
                break  # closer to the budget without this sentence
            para.append(s)
            count += n_words
            if len(para) >= rng.randint(2, 5):
                paras.append(" ".join(para))
                para = []
        if para:
            paras.append(" ".join(para))
        if part == 3:  # numbered commitments
            paras = [f"{i + 1}. {p}" for i, p in enumerate(paras)]
        d.sections.append(paras)
    return d


def _render(d: _Draft) -> str:
    top = [
        "ĐẢNG BỘ HUYỆN THUẬN GIANG" + " " * 20 + "ĐẢNG CỘNG SẢN VIỆT NAM",
        d.cell.upper(),
        " " * 36 + d.date,
        "",
        "BÀI THU HOẠCH",
        "Nghiên cứu, học tập Nghị quyết số 27-NQ/TW ngày 09/11/2022 Hội nghị lần thứ sáu Ban "
        "Chấp hành Trung ương Đảng khóa XIII",
        "",
        f"Họ và tên: {d.author}",
        f"Chức vụ: {d.role}",
        f"Đơn vị công tác: {d.unit}",
        f"Chi bộ: {d.cell.removeprefix('Chi bộ ')}",
    ]
    body = [d.opening] if d.opening else []
    for heading, paras in zip(d.headings, d.sections, strict=True):
        body.append(heading)
        body.extend(paras)
    body.append(d.ending)
    closing = [" " * 48 + "Người viết thu hoạch", " " * 48 + d.author]
    return "\n".join(top) + "\n\n" + "\n\n".join(body) + "\n\n" + "\n".join(closing) + "\n"


def _edit_paragraph(p: str, pool: _Pool, rng: random.Random) -> str:
    return _mutate(p.split(), pool.vocab, rng, EDIT_SUB, EDIT_SWAP)


def _light_edit(src: _Draft, pool: _Pool, rng: random.Random) -> _Draft:
    d = _Draft(**_person(rng), headings=list(src.headings))
    d.opening, d.ending = src.opening, _stock(ENDINGS, rng)
    d.sections = [[_edit_paragraph(p, pool, rng) for p in paras] for paras in src.sections]
    part = rng.randrange(4)  # drop one sentence somewhere
    if d.sections[part]:
        k = rng.randrange(len(d.sections[part]))
        sents = _SENT.split(d.sections[part][k])
        if len(sents) > 1:
            sents.pop(rng.randrange(len(sents)))
            d.sections[part][k] = " ".join(sents)
    rng.shuffle(d.sections[1])  # reorder the paragraphs of the liên hệ section
    return d


def _verbatim(src: _Draft, rng: random.Random) -> _Draft:
    d = _Draft(**_person(rng), headings=list(src.headings))
    d.opening, d.ending = src.opening, src.ending
    d.sections = [list(paras) for paras in src.sections]
    return d


def _partial(src: _Draft, pool: _Pool, words: int, rng: random.Random) -> _Draft:
    d = _honest(pool, words, rng)
    parts = (1,) if rng.random() < 0.6 else (0, 1)
    for part in parts:
        d.sections[part] = [_edit_paragraph(p, pool, rng) for p in src.sections[part]]
    return d


def make_batch(
    n: int,
    words_per_essay: int = 700,
    copy_rate: float = 0.1,
    seed: int = 0,
    samples: str | Path = SAMPLES,
    include_batch: bool = False,
) -> tuple[list[Document], dict]:
    """``n`` essays and the truth: ``{"pairs": [[a, b], ...], "kinds": {id: kind},
    "source_of": {id: source id}, "events": [...], "n": n, "seed": seed, ...}``."""
    pool = _pool(str(samples), include_batch)
    rng = random.Random(seed)
    n_copies = min(round(copy_rate * n), n // 2)
    kinds, weights = zip(*COPY_KINDS.items(), strict=True)
    events: list[tuple[str, int]] = []  # (kind, number of copies)
    planned = 0
    while planned < n_copies:
        kind = rng.choices(kinds, weights)[0]
        size = min(rng.randint(2, 4), n_copies - planned) if kind == "ring" else 1
        events.append((kind, size))
        planned += size
    n_honest = n - n_copies
    drafts: list[tuple[_Draft, str, int | None]] = [
        (_honest(pool, words_per_essay, rng), "honest", None) for _ in range(n_honest)
    ]
    sources = rng.sample(range(n_honest), len(events))
    groups: list[list[int]] = []
    for (kind, size), s in zip(events, sources, strict=True):
        src = drafts[s][0]
        members = [s]
        for _ in range(size):
            if kind == "verbatim":
                d = _verbatim(src, rng)
            elif kind == "partial_section":
                d = _partial(src, pool, words_per_essay, rng)
            else:
                d = _light_edit(src, pool, rng)
            members.append(len(drafts))
            drafts.append((d, kind, s))
        groups.append(members)
    order = list(range(n))
    rng.shuffle(order)  # copies are not all at the end of the batch
    width = max(5, len(str(n)))
    ids = {old: f"e{new:0{width}d}" for new, old in enumerate(order)}
    docs = [Document("", "", "")] * n
    for old, (d, _, _) in enumerate(drafts):
        i = order[old]
        docs[i] = Document(ids[old], f"synth/{ids[old]}.txt", _render(d))
    pairs = sorted(
        tuple(sorted((ids[a], ids[b])))
        for members in groups
        for x, a in enumerate(members)
        for b in members[x + 1 :]
    )
    truth = {
        "n": n,
        "seed": seed,
        "words_per_essay": words_per_essay,
        "copy_rate": copy_rate,
        "n_copies": n_copies,
        "pool_sentences": [len(s) for s in pool.sections],
        "pairs": [list(p) for p in pairs],
        "kinds": {ids[i]: k for i, (_, k, _) in enumerate(drafts) if k != "honest"},
        "source_of": {ids[i]: ids[s] for i, (_, _, s) in enumerate(drafts) if s is not None},
        "events": [
            {"kind": kind, "members": [ids[m] for m in members]}
            for (kind, _), members in zip(events, groups, strict=True)
        ],
    }
    return docs, truth


if __name__ == "__main__":  # quick look: python benchmarks/synth.py [n] [seed]
    import sys
    import time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    t0 = time.perf_counter()
    docs, truth = make_batch(n, seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    dt = time.perf_counter() - t0
    words = sum(len(d.text.split()) for d in docs)
    print(f"{n} essays, {words / n:.0f} words each, {len(truth['pairs'])} true pairs, {dt:.2f} s")
    if n <= 5:
        print(docs[0].text)
