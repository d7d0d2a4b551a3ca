"""Build data/samples/batch/ and data/samples/labels.csv from data/samples/source/ (deterministic).

Hand-written essays (source/essays_*.csv + source/essays/*.txt) are copied as they are; derived
essays (source/derived.csv) are built from them, from reference/ or from resolution.txt; every essay
is then written in the format named in source/formats.csv (default .txt).
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SOURCE, REFERENCE, BATCH = SAMPLES / "source", SAMPLES / "reference", SAMPLES / "batch"
SEED = 27
XLSX_NAME = "bang_tong_hop_cty.xlsx"
TXT_ENCODING = {"tp_03": "utf-8-sig", "bv_05": "utf-16"}  # everything else: utf-8
DOCX_TRICK = {"thcs_02": "table", "bv_01": "ins", "xa_03": "shy"}

FIELD_RE = re.compile(r"^\s*(Họ (và )?tên|Chức (vụ|danh)|Đơn vị|Chi bộ|Sinh hoạt|Nhiệm vụ|Đảng viên)", re.I)
ROLE_RE = re.compile(r"^(\s*Chức (vụ|danh)[^:]*:\s*).*$", re.I | re.M)
TITLE_RE = re.compile(r"^\s*B[ÀẢ]I? ?(BẢN )?THU HOẠCH|^\s*BẢN THU HOẠCH", re.I)
CLOSE_RE = re.compile(r"^\s*(Người (viết|thu hoạch)|\(Ký|\(ký|\(đã ký|\(Đã ký)", re.I)
KEEP_CAP = {"Đảng", "Nhà", "Nhân", "Hiến", "Quốc", "Chính", "Tòa", "Ban", "Mặt", "Nghị"}
BLANK_RE = re.compile(r"^(\s*[^:\n…]*:)\s*[.…]{3,}\s*$", re.M)


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
    """Header lines, body paragraphs, closing lines."""
    lines = text.strip("\n").splitlines()
    fields = [i for i, line in enumerate(lines[:30]) if FIELD_RE.match(line)]
    if fields:
        end = fields[-1] + 1
    else:
        end = next(i for i, line in enumerate(lines) if TITLE_RE.match(line)) + 1
        while end < len(lines) and lines[end].strip():
            end += 1
    tail = [i for i in range(max(end, len(lines) - 8), len(lines)) if CLOSE_RE.match(lines[i])]
    start = tail[0] if tail else len(lines)
    body = "\n".join(lines[end:start]).strip()
    return lines[:end], [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()], lines[start:]


def join(header: list[str], paras: list[str], closing: list[str]) -> str:
    return "\n".join(header) + "\n\n" + "\n\n".join(paras) + "\n\n" + "\n".join(closing) + "\n"


def variants(old: str, new: str) -> list[tuple[str, str]]:
    pairs = [(old, new), (old.upper(), new.upper()), (old[:1].upper() + old[1:], new[:1].upper() + new[1:])]
    return list(dict.fromkeys(pairs))


def replace_all(text: str, pairs: list[list[str]]) -> str:
    for old, new in pairs:
        for o, n in variants(old, new):
            text = text.replace(o, n)
    return text


def swap_person(text: str, old: str, new: str, role: str) -> str:
    text = replace_all(text, [[old, new]])
    return ROLE_RE.sub(lambda m: m.group(1) + role, text, count=1)


def is_heading(para: str) -> bool:
    return "\n" not in para and len(para.split()) <= 16 and not para.rstrip().endswith((".", ";", ":"))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ])", text) if s]


def resolution_sentences() -> list[str]:
    out: list[str] = []
    text = (SAMPLES / "resolution.txt").read_text(encoding="utf-8")
    for para in text[text.index("II. QUAN ĐIỂM"):].split("\n\n"):  # viewpoints, goals, tasks
        para = re.sub(r"^\d+\.\s+", "", para.strip())
        if para.endswith(".") and len(para.split()) > 12:
            out += [s for s in sentences(para) if len(s.split()) > 8]
    return out


def make_header(e: Essay, unit: dict[str, str], p: dict) -> list[str]:
    cell = p.get("cell", "CHI BỘ " + unit["unit_name"].upper())
    date = f"{p.get('place', 'Thuận Giang')}, ngày {p.get('date', '20 tháng 3 năm 2024')}"
    return ["ĐẢNG BỘ HUYỆN THUẬN GIANG" + " " * 12 + "ĐẢNG CỘNG SẢN VIỆT NAM", cell, " " * 36 + date, "",
            "BÀI THU HOẠCH", "Học tập, quán triệt Nghị quyết số 27-NQ/TW của Hội nghị Trung ương 6 khóa XIII", "",
            f"Họ và tên: {e.author}", f"Chức vụ: {e.role}", f"Đơn vị công tác: {unit['unit_name']}"]


def closing(author: str) -> list[str]:
    return [" " * 48 + "Người viết thu hoạch", " " * 48 + author]


def fill_template(text: str, e: Essay, unit: dict[str, str], p: dict) -> str:
    values = {"họ và tên": e.author, "chức vụ": e.role, "đơn vị": unit["unit_name"], "chi bộ": unit["unit_name"],
              **p.get("fill", {})}
    def fill(m: re.Match) -> str:
        label = m.group(1).strip().rstrip(":").lower()
        return m.group(1) + " " + next((v for k, v in values.items() if label.startswith(k)), "")
    text = BLANK_RE.sub(fill, text)
    text = re.sub(r"ĐẢNG BỘ [.…]{3,}", "ĐẢNG BỘ HUYỆN THUẬN GIANG", text)
    text = re.sub(r"CHI BỘ [.…]{3,}", p.get("cell", "CHI BỘ " + unit["unit_name"].upper()), text)
    text = re.sub(r"[.…]{3,}, ngày [.…]+ tháng [.…]+ năm [\d.…]+", f"{p.get('place', 'Thuận Giang')}, ngày "
                  f"{p.get('date', '18 tháng 3 năm 2024')}", text)
    text = text.replace("[TÊN ĐƠN VỊ]", unit["unit_name"])
    header, paras, close = split(text)
    for anchor, sent in p.get("add", []):
        i = next(i for i, x in enumerate(paras) if anchor in x)
        paras[i] = paras[i] + " " + sent
    indent = len(close[-1]) - len(close[-1].lstrip())
    return join(header, paras, close + [" " * indent + e.author])


def sections(paras: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for para in paras:
        if is_heading(para) or not out:
            out.append([para])
        else:
            out[-1].append(para)
    return out


def derive(e: Essay, kind: str, src: str, p: dict, essays: dict[str, Essay], units: dict[str, dict[str, str]],
           rng: random.Random) -> str:
    unit = units[e.unit]
    if kind in ("template_fill", "previous_year"):
        text = (REFERENCE / f"{src}.txt").read_text(encoding="utf-8")
        if kind == "template_fill":
            return fill_template(text, e, unit, p)
        text = replace_all(text, p.get("replace", []))
        return re.sub(r"ngày \d+ tháng \d+ năm 2023", f"ngày {p['date']}", text, count=1)
    if kind == "resolution_only":
        pool = resolution_sentences()
        picked = [pool[i] for i in sorted(rng.sample(range(len(pool)), p["n"]))]
        for i, phrase in zip(sorted(rng.sample(range(1, len(picked)), len(p["connectives"]))), p["connectives"]):
            s = picked[i]
            lower = phrase.endswith(",") and s.split()[0] not in KEEP_CAP
            picked[i] = f"{phrase} {s[0].lower() + s[1:] if lower else s}"
        cut = sorted(rng.sample(range(2, len(picked) - 1), 2))
        paras = [p["intro"]] + [" ".join(picked[a:b]) for a, b in zip([0] + cut, cut + [len(picked)])] + [p["outro"]]
        return join(make_header(e, unit, p), paras, closing(e.author))
    s = essays[src]
    if kind == "find_replace":
        return swap_person(replace_all(s.text, p["replace"]), s.author, e.author, e.role)
    text = swap_person(s.text, s.author, e.author, e.role)
    if kind == "verbatim":
        return text
    header, paras, close = split(text)
    if kind == "light_edit":
        body = [replace_all(x, p.get("replace", [])) for x in paras]
        cands = [i for i, x in enumerate(body) if not is_heading(x) and len(sentences(x)) > 1]
        for i in rng.sample(cands, p.get("drop", 1)):
            sents = sentences(body[i])
            sents.pop(rng.randrange(1, len(sents)))
            body[i] = " ".join(sents)
        i = rng.choice(cands)
        body[i] = body[i] + " " + p["add"]
        return join(header, body, close)
    if kind == "reordered":
        secs = sections(paras)
        for sec in secs:
            rest = sec[1:] if is_heading(sec[0]) else sec
            rng.shuffle(rest)
            sec[len(sec) - len(rest):] = rest
        rng.shuffle(secs)
        return join(header, [x for sec in secs for x in sec], close)
    if kind == "partial_section":
        kept = [x for sec in sections(paras) if re.search(p.get("keep", "liên hệ"), sec[0], re.I) for x in sec]
        pool = resolution_sentences()
        summary = " ".join(pool[i] for i in sorted(rng.sample(range(len(pool)), p.get("n", 4))))
        paras = [p["intro"], p["summary_heading"], summary + " " + p["own"]] + kept + p.get("end", [])
        return join(make_header(e, unit, p), paras, closing(e.author))
    raise ValueError(f"{e.id}: unknown kind {kind}")


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
            essays[r["id"]] = Essay(r["id"], r["author"], r["role"], canon(r["unit"]), text, r["relevance"],
                                    r.get("copy_of", ""), r.get("copy_kind", ""))
    for r in read_csv(SOURCE / "derived.csv"):
        e = Essay(r["id"], r["author"], r["role"], canon(r["unit"]), "", r["relevance"], r["source"], r["kind"])
        e.text = derive(e, r["kind"], r["source"], json.loads(r["params"] or "{}"), essays, units,
                        random.Random(f"{SEED}-{r['id']}"))
        essays[e.id] = e
    return sorted(essays.values(), key=lambda x: x.id)


def docx_doc(e: Essay, trick: str, legacy_font: str | None = None):
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = legacy_font or "Times New Roman", Pt(13)
    header, paras, close = split(e.text)
    if legacy_font:
        from essaycheck.readers.legacy import encode
        header, paras, close = ([encode(x, "tcvn3") for x in part] for part in (header, paras, close))
    if trick == "table":
        top = next(i for i, x in enumerate(header) if TITLE_RE.match(x))
        cells: tuple[list[str], list[str]] = ([], [])
        for line in header[:top]:
            parts = re.split(r"\s{3,}", line.strip()) if line.strip() else []
            if len(parts) == 2 or (parts and line.startswith("   ")):
                cells[1].append(parts[-1])
            cells[0].extend(parts[:1] if len(parts) == 2 or not line.startswith("   ") else [])
        table = doc.add_table(rows=1, cols=2)
        for cell, lines in zip(table.rows[0].cells, cells):
            cell.text = "\n".join(x for x in lines if x)
        header = header[top:]
    for line in header:
        doc.add_paragraph(line)
    body = [doc.add_paragraph(x) for x in paras]
    for line in close:
        doc.add_paragraph(line)
    for p in doc.paragraphs:
        for run in p.runs:
            run.font.name = legacy_font or "Times New Roman"
    plain = [p for p, x in zip(body, paras) if not is_heading(x) and len(x.split()) > 30]
    if trick == "ins":
        ins = OxmlElement("w:ins")
        ins.set(qn("w:id"), "1"), ins.set(qn("w:author"), "Admin"), ins.set(qn("w:date"), "2024-03-14T08:30:00Z")
        target = plain[len(plain) // 2]._p
        for r in target.findall(qn("w:r")):
            ins.append(r)
        target.append(ins)
    if trick == "shy":
        for para in plain[:3]:
            run = para.runs[0]
            words = run.text.split(" ")
            k = next(i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha())
            head, tail = " ".join(words[:k]) + " " + words[k][:3], words[k][3:] + " " + " ".join(words[k + 1:])
            run.text = head
            run._r.append(OxmlElement("w:softHyphen"))
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = tail
            run._r.append(t)
    return doc


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
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    header, paras, close = split(e.text)
    flow = [Paragraph("<br/>".join(esc(x.strip()) for x in header if x.strip()), style), Spacer(1, 10)]
    for x in paras:
        flow += [Paragraph(esc(x), style), Spacer(1, 6)]
    flow.append(Paragraph("<br/>".join(esc(x.strip()) for x in close), style))
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
    for col, width in zip("ABCDEF", (6, 10, 24, 30, 36, 120)):
        ws.column_dimensions[col].width = width
    wb.save(path)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    essays = load()
    formats = {r["id"]: r["format"] for r in read_csv(SOURCE / "formats.csv")}
    shutil.rmtree(BATCH, ignore_errors=True)
    BATCH.mkdir(parents=True)
    for e in essays:
        fmt = formats.get(e.id, "txt")
        if fmt == "txt":
            (BATCH / f"{e.id}.txt").write_text(e.text, encoding=TXT_ENCODING.get(e.id, "utf-8"))
        elif fmt in ("docx", "docx_tcvn3"):
            legacy = ".VnTime" if fmt == "docx_tcvn3" else None
            docx_doc(e, DOCX_TRICK.get(e.id, ""), legacy).save(str(BATCH / f"{e.id}.docx"))
        elif fmt == "pdf":
            write_pdf(e, BATCH / f"{e.id}.pdf")
        elif fmt != "xlsx":
            raise ValueError(f"{e.id}: unknown format {fmt}")
    write_xlsx([e for e in essays if formats.get(e.id) == "xlsx"], BATCH / XLSX_NAME)
    with (SAMPLES / "labels.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "unit", "relevance", "copy_of", "copy_kind"])
        for e in essays:
            w.writerow([e.id, e.unit, e.relevance, e.copy_of, e.copy_kind])
    print(f"{len(essays)} essays -> {BATCH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
