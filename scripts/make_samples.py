"""Build data/samples/batch/ and data/samples/labels.csv from data/samples/source/.

Hand-written essays are taken as they are; derived essays (source/derived.csv) are built from them,
from reference/ or from resolution.txt; each essay is written in the format named in
source/formats.csv (default .txt). Deterministic: fixed seed, fixed dates inside docx/xlsx files.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SOURCE, REFERENCE, BATCH = SAMPLES / "source", SAMPLES / "reference", SAMPLES / "batch"
SEED = 27
XLSX_NAME = "bang_tong_hop_cty.xlsx"
TXT_ENCODING = {"tp_03": "utf-8-sig", "bv_05": "utf-16"}  # every other .txt: utf-8
DOCX_TRICK = {"thcs_02": "table", "bv_01": "ins", "xa_03": "shy"}
FIXED_DATE = (2024, 3, 20, 8, 0, 0)

FIELDS = r"Họ (và )?tên|Chức (vụ|danh)|Đơn vị|Chi bộ|Sinh hoạt|Nhiệm vụ|Đảng viên"
FIELD_RE = re.compile(rf"^\s*({FIELDS})[^:\n]{{0,40}}:", re.I)
ROLE_RE = re.compile(r"^(\s*Chức (vụ|danh)[^:]*:\s*).*$", re.I | re.M)
TITLE_RE = re.compile(r"^\s*(BÀI|BẢN) THU HOẠCH", re.I)
CLOSE_RE = re.compile(r"^\s*(Người (viết|thu hoạch)|\((đã )?ký)", re.I)
BLANK_RE = re.compile(r"^(\s*[^:\n…]*:)\s*[.…]{3,}\s*$", re.M)
DATE_BLANK_RE = re.compile(r"[.…]{3,}, ngày [.…]+ tháng [.…]+ năm [\d.…]+")
KEEP_CAP = {"Đảng", "Nhà", "Nhân", "Hiến", "Quốc", "Chính", "Tòa", "Ban", "Mặt", "Nghị"}
HEADER = """ĐẢNG BỘ HUYỆN THUẬN GIANG            ĐẢNG CỘNG SẢN VIỆT NAM
{cell}
                                    {place}, ngày {date}

BÀI THU HOẠCH
Học tập, quán triệt Nghị quyết số 27-NQ/TW của Hội nghị Trung ương 6 khóa XIII

Họ và tên: {author}
Chức vụ: {role}
Đơn vị công tác: {unit}"""
PAD = " " * 48


@dataclass
class Essay:
    id: str
    author: str
    role: str
    unit: str
    text: str
    relevance: str
    copy_of: str = ""
    copy_kind: str = ""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split(text: str) -> tuple[list[str], list[str], list[str]]:
    """Header lines, body paragraphs, closing lines (signature block)."""
    lines = text.strip("\n").splitlines()
    end = max(i for i, line in enumerate(lines[:30]) if FIELD_RE.match(line)) + 1
    tail = [i for i in range(max(end, len(lines) - 8), len(lines)) if CLOSE_RE.match(lines[i])]
    start = tail[0] if tail else len(lines)
    body = "\n".join(lines[end:start]).strip()
    paras = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return lines[:end], paras, lines[start:]


def join(header: list[str], paras: list[str], closing: list[str]) -> str:
    return "\n".join(header) + "\n\n" + "\n\n".join(paras) + "\n\n" + "\n".join(closing) + "\n"


def replace_all(text: str, pairs: list[list[str]]) -> str:
    """Replace each pair as written, in capitals and capitalised, like Word's find-and-replace."""
    for old, new in pairs:
        cap = (old[:1].upper() + old[1:], new[:1].upper() + new[1:])
        for o, n in dict.fromkeys([(old, new), (old.upper(), new.upper()), cap]):
            text = text.replace(o, n)
    return text


def swap_person(text: str, old: str, new: str, role: str) -> str:
    text = replace_all(text, [[old, new]])
    return ROLE_RE.sub(lambda m: m.group(1) + role, text, count=1)


def is_heading(para: str) -> bool:
    return "\n" not in para and len(para.split()) <= 16 and not para.endswith((".", ";", ":"))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ])", text) if s]


def resolution_sentences() -> list[str]:
    """Sentences of the resolution's viewpoints, goals and tasks (not its opening assessment)."""
    text = (SAMPLES / "resolution.txt").read_text(encoding="utf-8")
    out: list[str] = []
    for para in text[text.index("II. QUAN ĐIỂM") :].split("\n\n"):
        para = re.sub(r"^\d+\.\s+", "", para.strip())
        if para.endswith(".") and len(para.split()) > 12:
            out += [s for s in sentences(para) if len(s.split()) > 8]
    return out


def new_header(e: Essay, unit: dict[str, str], p: dict[str, Any]) -> list[str]:
    values = {"cell": "CHI BỘ " + unit["unit_name"].upper(), "place": "Thuận Giang", **p}
    values |= {"author": e.author, "role": e.role, "unit": unit["unit_name"]}
    return HEADER.format_map(values).splitlines()


def fill_template(text: str, e: Essay, unit: dict[str, str], p: dict[str, Any]) -> str:
    """A downloaded model essay with its dotted blanks and [TÊN ĐƠN VỊ] filled in."""
    name = unit["unit_name"]
    values = {"họ và tên": e.author, "chức vụ": e.role, "đơn vị": name, "chi bộ": name}
    values |= p.get("fill", {})

    def fill(m: re.Match[str]) -> str:
        label = m.group(1).strip().lower()
        return m.group(1) + " " + next(v for k, v in values.items() if label.startswith(k))

    text = BLANK_RE.sub(fill, text).replace("[TÊN ĐƠN VỊ]", name)
    text = re.sub(r"ĐẢNG BỘ [.…]{3,}", "ĐẢNG BỘ HUYỆN THUẬN GIANG", text)
    text = re.sub(r"CHI BỘ [.…]{3,}", p.get("cell", "CHI BỘ " + name.upper()), text)
    text = DATE_BLANK_RE.sub(f"{p.get('place', 'Thuận Giang')}, ngày {p['date']}", text)
    header, paras, close = split(text)
    for anchor, sentence in p.get("add", []):  # the copier's own generic sentences
        i = next(i for i, x in enumerate(paras) if anchor in x)
        paras[i] += " " + sentence
    indent = len(close[-1]) - len(close[-1].lstrip())
    return join(header, paras, [*close, " " * indent + e.author])


def sections(paras: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for para in paras:
        if is_heading(para) or not out:
            out.append([para])
        else:
            out[-1].append(para)
    return out


def stitch(p: dict[str, Any], rng: random.Random) -> list[str]:
    """Resolution sentences with a few connectives, in 3 paragraphs between intro and outro."""
    pool = resolution_sentences()
    picked = [pool[i] for i in sorted(rng.sample(range(len(pool)), p["n"]))]
    slots = sorted(rng.sample(range(1, len(picked)), len(p["connectives"])))
    for i, phrase in zip(slots, p["connectives"], strict=True):
        s = picked[i]
        lower = phrase.endswith(",") and s.split()[0] not in KEEP_CAP
        picked[i] = f"{phrase} {s[0].lower() + s[1:] if lower else s}"
    a, b = sorted(rng.sample(range(2, len(picked) - 1), 2))
    parts = [picked[:a], picked[a:b], picked[b:]]
    return [p["intro"], *(" ".join(x) for x in parts), p["outro"]]


def derive(e: Essay, p: dict[str, Any], essays: dict[str, Essay], unit: dict[str, str]) -> str:
    kind, src, rng = e.copy_kind, e.copy_of, random.Random(f"{SEED}-{e.id}")
    signature = [PAD + "Người viết thu hoạch", PAD + e.author]
    if kind == "template_fill":
        return fill_template((REFERENCE / f"{src}.txt").read_text(encoding="utf-8"), e, unit, p)
    if kind == "previous_year":  # resolution names swapped, date line moved to this year
        text = replace_all((REFERENCE / f"{src}.txt").read_text(encoding="utf-8"), p["replace"])
        return re.sub(r"ngày \d+ tháng \d+ năm 2023", f"ngày {p['date']}", text, count=1)
    if kind == "resolution_only":
        return join(new_header(e, unit, p), stitch(p, rng), signature)
    s = essays[src]
    if kind == "find_replace":
        return swap_person(replace_all(s.text, p["replace"]), s.author, e.author, e.role)
    text = swap_person(s.text, s.author, e.author, e.role)
    if kind == "verbatim":
        return text
    header, paras, close = split(text)
    if kind == "light_edit":  # a few synonyms, sentences dropped, one sentence added
        body = [replace_all(x, p["replace"]) for x in paras]
        cands = [i for i, x in enumerate(body) if not is_heading(x) and len(sentences(x)) > 1]
        for i in rng.sample(cands, p["drop"]):
            sents = sentences(body[i])
            sents.pop(rng.randrange(1, len(sents)))
            body[i] = " ".join(sents)
        body[rng.choice(cands)] += " " + p["add"]
        return join(header, body, close)
    if kind == "reordered":  # sections shuffled, paragraphs shuffled inside each section
        secs = sections(paras)
        for sec in secs:
            first = 1 if is_heading(sec[0]) else 0
            rest = sec[first:]
            rng.shuffle(rest)
            sec[first:] = rest
        rng.shuffle(secs)
        return join(header, [x for sec in secs for x in sec], close)
    if kind == "partial_section":  # the liên hệ sections kept, the rest a stitched summary
        kept = [x for sec in sections(paras) if re.search("liên hệ", sec[0], re.I) for x in sec]
        pool = resolution_sentences()
        summary = " ".join(pool[i] for i in sorted(rng.sample(range(len(pool)), p["n"])))
        body = [p["intro"], p["summary_heading"], f"{summary} {p['own']}", *kept, *p["end"]]
        return join(new_header(e, unit, p), body, signature)
    raise ValueError(f"{e.id}: unknown copy kind {kind}")


def load() -> list[Essay]:
    units = {u["unit_name"]: u for u in read_csv(SAMPLES / "units.csv")}

    def canon(name: str) -> str:  # manifests may write "Trường THCS Nguyễn Trãi (xã Tân Lập)"
        name = re.sub(r"\s*\(.*\)$", "", name.strip())
        if name not in units:
            raise ValueError(f"unknown unit {name!r}")
        return name

    essays: dict[str, Essay] = {}
    for manifest in sorted(SOURCE.glob("essays_*.csv")):
        for r in read_csv(manifest):
            text = (SOURCE / "essays" / f"{r['id']}.txt").read_text(encoding="utf-8")
            row = {k: r[k] for k in ("id", "author", "role", "relevance", "copy_of", "copy_kind")}
            essays[r["id"]] = Essay(**row, unit=canon(r["unit"]), text=text)
    for r in read_csv(SOURCE / "derived.csv"):
        row = {k: r[k] for k in ("id", "author", "role", "relevance")}
        e = Essay(**row, unit=canon(r["unit"]), text="", copy_of=r["source"], copy_kind=r["kind"])
        e.text = derive(e, json.loads(r["params"] or "{}"), essays, units[e.unit])
        essays[e.id] = e
    return sorted(essays.values(), key=lambda x: x.id)


def write_docx(e: Essay, path: Path, trick: str = "", legacy: bool = False) -> None:
    """Word file; ``legacy``: TCVN3 in .VnTime (all-caps lines: lowercase codes in .VnTimeH)."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from essaycheck.readers.legacy import encode

    doc = Document()
    doc.styles["Normal"].font.name = ".VnTime" if legacy else "Times New Roman"
    header, paras, close = split(e.text)

    def add(line: str) -> Any:
        font = doc.styles["Normal"].font.name
        if legacy:
            caps = line == line.upper() and any(c.isalpha() for c in line)
            line = encode(line.lower() if caps else line, "tcvn3")
            font += "H" if caps else ""
        para = doc.add_paragraph()
        para.add_run(line).font.name = font
        return para

    if trick == "table":  # committee and cell on the left, motto and date on the right
        top = next(i for i, x in enumerate(header) if TITLE_RE.match(x))
        left: list[str] = []
        right: list[str] = []
        for line in header[:top]:
            parts = re.split(r"\s{3,}", line.strip())
            if len(parts) == 2:
                left.append(parts[0])
                right.append(parts[1])
            elif line.strip():
                to_right = line.startswith(" " * 10) or "CỘNG SẢN" in line
                (right if to_right else left).append(line.strip())
        cells = doc.add_table(rows=1, cols=2).rows[0].cells
        cells[0].text, cells[1].text = "\n".join(left), "\n".join(right)
        header = header[top:]
    for line in header:
        add(line)
    body = [(x, [add(line) for line in x.split("\n")]) for x in paras]
    for line in close:
        add(line)
    plain = [ps[0] for x, ps in body if not is_heading(x) and len(x.split()) > 30]
    if trick == "ins":  # one paragraph is a tracked insertion
        ins = OxmlElement("w:ins")
        ins.set(qn("w:id"), "1")
        ins.set(qn("w:author"), "Admin")
        ins.set(qn("w:date"), "2024-03-14T08:30:00Z")
        target = plain[len(plain) // 2]._p
        ins.extend(target.findall(qn("w:r")))
        target.append(ins)
    if trick == "shy":  # a soft hyphen inside one word of each of the first three paragraphs
        for para in plain[:3]:
            run = para.runs[0]
            words = run.text.split(" ")
            k = next(i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha())
            run.text = " ".join([*words[:k], words[k][:3]])
            run._r.append(OxmlElement("w:softHyphen"))
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = " ".join([words[k][3:], *words[k + 1 :]])
            run._r.append(t)
    doc.save(str(path))
    freeze_zip(path)


def write_pdf(e: Essay, path: Path) -> None:
    import matplotlib
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
    style = ParagraphStyle("vn", fontName="DejaVuSans", fontSize=11, leading=15)

    def para(lines: list[str]) -> Paragraph:
        return Paragraph("<br/>".join(escape(x.strip()) for x in lines if x.strip()), style)

    header, paras, close = split(e.text)
    flow = [para(header), Spacer(1, 10)]
    for x in paras:
        flow += [para([x]), Spacer(1, 6)]
    flow.append(para(close))
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1, title="Bai thu hoach").build(flow)


def write_xlsx(rows: list[Essay], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["STT", "Mã bài", "Họ và tên", "Chức vụ", "Đơn vị", "Nội dung bài thu hoạch"])
    for n, e in enumerate(rows, 1):
        ws.append([n, e.id, e.author, e.role, e.unit, e.text])
        ws.cell(n + 1, 6).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEF", (6, 10, 24, 30, 36, 120), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(path)
    freeze_zip(path)


def freeze_zip(path: Path) -> None:
    """Fixed member timestamps and document dates: docx/xlsx files become byte-reproducible."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FIXED_DATE).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp, data)
            z.writestr(zipfile.ZipInfo(name, FIXED_DATE), data, zipfile.ZIP_DEFLATED)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    essays = load()
    formats = {r["id"]: r["format"] for r in read_csv(SOURCE / "formats.csv")}
    shutil.rmtree(BATCH, ignore_errors=True)
    BATCH.mkdir(parents=True)
    for e in essays:
        fmt = formats.get(e.id, "txt")
        if fmt == "txt":
            encoding = TXT_ENCODING.get(e.id, "utf-8")
            (BATCH / f"{e.id}.txt").write_text(e.text, encoding=encoding)
        elif fmt in ("docx", "docx_tcvn3"):
            write_docx(e, BATCH / f"{e.id}.docx", DOCX_TRICK.get(e.id, ""), fmt == "docx_tcvn3")
        elif fmt == "pdf":
            write_pdf(e, BATCH / f"{e.id}.pdf")
        elif fmt != "xlsx":
            raise ValueError(f"{e.id}: unknown format {fmt}")
    write_xlsx([e for e in essays if formats.get(e.id) == "xlsx"], BATCH / XLSX_NAME)
    with (SAMPLES / "labels.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "unit", "relevance", "copy_of", "copy_kind"])
        w.writerows([e.id, e.unit, e.relevance, e.copy_of, e.copy_kind] for e in essays)
    print(f"{len(essays)} essays -> {BATCH.relative_to(ROOT)}, labels.csv")


if __name__ == "__main__":
    main()
