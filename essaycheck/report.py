"""The report: a documented JSON format (``schema_version``), Excel sheets, per-unit figures."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from .documents import ReadError
from .matches import CopyGroup, CopyProfile, Match, Passage
from .pipeline import EssayResult, Report
from .relevance import COMPONENT_LABELS, Evidence, RelevanceScore

SCHEMA_VERSION = "1.0"

FLAG_LABELS = {
    "copy": "Trùng lặp với bài khác trong đợt",
    "copy_of_reference": "Trùng với bài mẫu / tài liệu tham khảo",
    "resolution_only": "Chủ yếu chép lại nội dung nghị quyết",
    "low_relevance": "Liên hệ chung chung hoặc không liên hệ",
    "signature_mismatch": "Tên người ký khác tên ở đầu bài",
}


def _version() -> str:
    try:
        return version("essaycheck")
    except PackageNotFoundError:
        return "0+unknown"


def _essay_fields(e: EssayResult) -> dict[str, Any]:
    """The flat fields of an essay, shared by the JSON record and the essays sheet."""
    return {
        "id": e.id,
        "source": e.source,
        "author": e.author,
        "role": e.role,
        "unit": e.unit,
        "n_words": e.n_words,
        "similarity": e.copy.similarity,
        "quote_share": e.copy.quote_share,
        "boilerplate_share": e.copy.boilerplate_share,
    }


def _passage_record(report: Report, m: Match, p: Passage) -> dict[str, Any]:
    return asdict(p) | {
        "a_text": report.texts.get(m.a, "")[p.a_start : p.a_end],
        "b_text": report.texts.get(m.b, "")[p.b_start : p.b_end],
    }


def essay_record(e: EssayResult) -> dict[str, Any]:
    rel = e.relevance
    return _essay_fields(e) | {
        "partners": list(e.copy.partners),
        "relevance": {
            "score": rel.score,
            "level": rel.level,
            "level_name": rel.level_name,
            "components": rel.components,
            "evidence": {c: [asdict(x) for x in v] for c, v in rel.evidence.items()},
            "missing": rel.missing,
        },
        "flags": list(e.flags),
        "spans": {k: [list(x) for x in v] for k, v in e.spans.items()},
    }


def unit_table(report: Report) -> pd.DataFrame:
    """Per-unit figures: essays, flagged share, mean relevance, essays at each level."""
    rows = [
        {
            "unit": e.unit or "(không rõ)",
            "flagged": bool(set(e.flags) - {"low_relevance"}),
            "score": e.relevance.score,
            "level": e.relevance.level,
        }
        for e in report.essays
    ]
    if not rows:
        return pd.DataFrame(
            columns=["unit", "essays", "flagged", "flagged_share", "mean_relevance"]
        )
    df = pd.DataFrame(rows)
    table = df.groupby("unit").agg(
        essays=("score", "size"), flagged=("flagged", "sum"), mean_relevance=("score", "mean")
    )
    table["flagged_share"] = (table["flagged"] / table["essays"]).round(3)
    table["mean_relevance"] = table["mean_relevance"].round(1)
    for level in range(4):
        table[f"level_{level}"] = df[df.level == level].groupby("unit").size()
    return table.fillna(0).reset_index()


def to_dict(report: Report, include_texts: bool = True) -> dict[str, Any]:
    """The JSON-ready report (see the README for the schema)."""

    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "essaycheck", "version": _version()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "resolution": report.resolution_title,
        "summary": {
            "essays": len(report.essays),
            "errors": len(report.errors),
            "matches": len(report.matches),
            "groups": len(report.groups),
            "flagged": sum(bool(set(e.flags) - {"low_relevance"}) for e in report.essays),
        },
        "essays": [essay_record(e) for e in report.essays],
        "matches": [
            {k: v for k, v in asdict(m).items() if k != "passages"}
            | {"passages": [_passage_record(report, m, p) for p in m.passages]}
            for m in report.matches
        ],
        "groups": [asdict(g) for g in report.groups],
        "units": unit_table(report).to_dict("records"),
        "errors": [asdict(e) for e in report.errors],
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
    }
    if include_texts:
        data["texts"] = report.texts
    return data


def _write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and move it into place: a failure
    leaves the previous file (or none), never a truncated report."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(report: Report, path: str | Path, include_texts: bool = True) -> None:
    text = json.dumps(to_dict(report, include_texts), ensure_ascii=False, indent=1)
    # A file name read from a non-UTF-8 file system holds lone surrogates ("\udcff"): written as
    # JSON escapes they stay valid UTF-8 and read back as the same string.
    _write_atomic(path, text.encode("utf-8", "backslashreplace"))


def from_dict(data: dict[str, Any]) -> Report:
    """Rebuild a :class:`Report` from its JSON form (to reopen or re-score a saved batch)."""
    if str(data.get("schema_version", "")).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ValueError(f"Unsupported report schema {data.get('schema_version')!r}")
    essays = []
    for e in data["essays"]:
        rel = e["relevance"]
        essays.append(
            EssayResult(
                id=e["id"],
                source=e["source"],
                author=e["author"],
                role=e.get("role", ""),
                unit=e["unit"],
                n_words=e["n_words"],
                copy=CopyProfile(
                    id=e["id"],
                    n_tokens=0,
                    similarity=e["similarity"],
                    quote_share=e["quote_share"],
                    boilerplate_share=e["boilerplate_share"],
                    partners=tuple(e.get("partners", ())),
                ),
                relevance=RelevanceScore(
                    score=rel["score"],
                    level=rel["level"],
                    components=rel["components"],
                    evidence={c: [Evidence(**x) for x in v] for c, v in rel["evidence"].items()},
                    missing=rel["missing"],
                ),
                flags=tuple(e["flags"]),
                spans={k: [tuple(x) for x in v] for k, v in e.get("spans", {}).items()},
            )
        )
    matches = [
        Match(
            **{k: v for k, v in m.items() if k != "passages"},
            passages=tuple(
                Passage(**{k: v for k, v in p.items() if k not in ("a_text", "b_text")})
                for p in m["passages"]
            ),
        )
        for m in data["matches"]
    ]
    groups = [
        CopyGroup(g["id"], tuple(g["members"]), g["source"], tuple(g["references"]))
        for g in data["groups"]
    ]
    return Report(
        essays=essays,
        matches=matches,
        groups=groups,
        errors=[ReadError(**x) for x in data["errors"]],
        texts=data.get("texts", {}),
        resolution_title=data.get("resolution", ""),
        timings=data.get("timings", {}),
    )


def load_json(path: str | Path) -> Report:
    return from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _shown_flags(report: Report, e: EssayResult) -> list[str]:
    """``e``'s flags, without "copy" (another essay of the batch) when every text it shares
    passages with is a reference."""
    flags = list(e.flags)
    if "copy" in flags and "copy_of_reference" in flags:
        essays = {m.other(e.id) for m in report.matches if e.id in (m.a, m.b) and m.kind == "essay"}
        if not essays:
            flags.remove("copy")
    return flags


def tables(report: Report) -> dict[str, pd.DataFrame]:
    """The report as flat tables: essays, matches, passages, groups, units, errors."""
    essays = pd.DataFrame(
        [
            _essay_fields(e)
            | {
                "partners": ", ".join(e.copy.partners),
                "relevance_score": e.relevance.score,
                "relevance_level": e.relevance.level,
                **{f"c_{k}": v for k, v in e.relevance.components.items()},
                "flags": ", ".join(FLAG_LABELS.get(f, f) for f in _shown_flags(report, e)),
                "missing": " ".join(e.relevance.missing),
            }
            for e in report.essays
        ]
    )
    matches = pd.DataFrame(
        [
            {k: v for k, v in asdict(m).items() if k != "passages"} | {"passages": len(m.passages)}
            for m in report.matches
        ],
        columns=[
            "a",
            "b",
            "kind",
            "coverage_a",
            "coverage_b",
            "score",
            "method",
            "source",
            "reason",
            "passages",
        ],
    )
    passages = pd.DataFrame(
        [
            {"a": m.a, "b": m.b} | _passage_record(report, m, p)
            for m in report.matches
            for p in m.passages
        ]
    )
    groups = pd.DataFrame(
        [
            {
                "group": g.id,
                "source": g.source,
                "members": ", ".join(g.members),
                "size": len(g.members),
            }
            for g in report.groups
        ],
        columns=["group", "source", "members", "size"],
    )
    errors = pd.DataFrame([asdict(e) for e in report.errors], columns=["source", "code", "message"])
    return {
        "essays": essays,
        "matches": matches,
        "passages": passages,
        "groups": groups,
        "units": unit_table(report),
        "errors": errors,
    }


# Cells a spreadsheet would read as a formula (CSV injection, OWASP): = + - @ and tab/CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an xlsx file cannot hold (openpyxl refuses them): C0 controls but tab, LF, CR.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_cell(value: object) -> object:
    """A text cell made safe for a spreadsheet: a formula-leading text gets a leading ``'`` (shown
    as text, never evaluated), and characters an xlsx cannot hold are dropped. Numbers, dates
    and other values are returned unchanged."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XLSX.sub("", value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) passed through :func:`escape_cell`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_cell)
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV for Excel: formula-leading cells escaped, UTF-8 with a byte-order mark (so
    that Excel shows the accents)."""
    # CRLF rows (RFC 4180): the csv module then quotes every cell holding a CR or LF, so that a
    # comment "a<CR>=1+1" cannot start a new row whose first cell is a formula.
    text = escape_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig", "backslashreplace")


# The Excel report is for people: Vietnamese sheet names and headings, in this order; columns
# not listed (character offsets, error codes) stay in the JSON report and ``tables``.
XLSX_SHEETS = {
    "units": "Theo đơn vị",
    "essays": "Bài thu hoạch",
    "matches": "Cặp trùng lặp",
    "passages": "Đoạn trùng",
    "groups": "Nhóm sao chép",
    "errors": "Tệp không đọc được",
    "decisions": "Quyết định",
}
XLSX_COLUMNS: dict[str, dict[str, str]] = {
    "essays": {
        "id": "Mã bài",
        "author": "Họ và tên",
        "role": "Chức vụ",
        "unit": "Đơn vị",
        "source": "Tệp",
        "n_words": "Số từ",
        "similarity": "Tỉ lệ trùng với văn bản khác",
        "quote_share": "Tỉ lệ trích nghị quyết",
        "boilerplate_share": "Tỉ lệ câu chữ chung",
        "partners": "Trùng với",
        "relevance_score": "Điểm liên hệ (0–100)",
        "relevance_level": "Mức liên hệ (0–3)",
        "level_name": "Tên mức liên hệ",
        **{f"c_{k}": f"Thành phần: {v}" for k, v in COMPONENT_LABELS.items()},
        "flags": "Cờ cảnh báo",
        "missing": "Còn thiếu",
    },
    "matches": {
        "a": "Bài A",
        "b": "Bài / tài liệu B",
        "kind": "Loại",
        "score": "Điểm trùng",
        "coverage_a": "Phần bài A trùng",
        "coverage_b": "Phần B trùng",
        "method": "Cách phát hiện",
        "source": "Bài gốc có thể là",
        "reason": "Lý do",
        "passages": "Số đoạn trùng",
    },
    "passages": {
        "a": "Bài A",
        "b": "Bài / tài liệu B",
        "n_words": "Số từ",
        "method": "Cách phát hiện",
        "a_text": "Đoạn trong bài A",
        "b_text": "Đoạn trong B",
    },
    "groups": {
        "group": "Nhóm",
        "size": "Số bài, tài liệu",
        "source": "Nguồn nghi ngờ",
        "members": "Các bài, tài liệu",
    },
    "units": {
        "unit": "Đơn vị",
        "essays": "Số bài",
        "flagged": "Bài bị gắn cờ",
        "flagged_share": "Tỉ lệ bài bị gắn cờ",
        "mean_relevance": "Điểm liên hệ trung bình",
        "level_0": "Mức 0",
        "level_1": "Mức 1",
        "level_2": "Mức 2",
        "level_3": "Mức 3",
    },
    "errors": {"source": "Tệp", "message": "Lý do và cách khắc phục"},
}
XLSX_PERCENT = {
    "similarity",
    "quote_share",
    "boilerplate_share",
    "score",
    "coverage_a",
    "coverage_b",
    "flagged_share",
    *(f"c_{k}" for k in COMPONENT_LABELS),
}
XLSX_VALUES = {
    "kind": {
        "essay": "hai bài trong đợt",
        "reference": "tài liệu tham khảo",
        "archive": "bài đợt trước trong kho",
    },
    "method": {
        "shingle": "trùng nguyên văn",
        "paraphrase": "viết lại ý",
        "shingle+paraphrase": "nguyên văn + viết lại",
    },
}
_WIDE = 60  # characters: long texts wrap inside this width instead of stretching the sheet


def file_name(source: str) -> str:
    """The file's own name, without the folders of the machine that ran the check (a member of
    an archive keeps the archive's name: "nop_bai.zip/tp_02.txt")."""
    parts = [p for p in str(source).replace("\\", "/").split("/") if p]
    if not parts:
        return str(source)
    archive = next((p for p in reversed(parts[:-1]) if p.lower().endswith(".zip")), "")
    return f"{archive}/{parts[-1]}" if archive else parts[-1]


def excel_tables(
    report: Report, extra: dict[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """The sheets of the Excel report: :func:`tables` with Vietnamese names and headings, file
    names instead of paths, labels instead of codes, shares as fractions shown as percentages
    (``attrs["percent"]`` names those columns); ``extra`` sheets are added as given, under a
    Vietnamese name when :data:`XLSX_SHEETS` has one."""
    raw = tables(report)
    raw["essays"]["level_name"] = [e.relevance.level_name for e in report.essays] or None
    if not raw["passages"].empty:  # longest passage of each pair first
        raw["passages"] = raw["passages"].sort_values(
            ["a", "b", "n_words"], ascending=[True, True, False], kind="stable"
        )
    out: dict[str, pd.DataFrame] = {}
    for key, sheet in XLSX_SHEETS.items():
        if key not in raw:
            continue
        frame = raw[key].copy()
        if key in ("matches", "passages"):
            for column, labels in XLSX_VALUES.items():
                if column in frame.columns:
                    frame[column] = frame[column].map(lambda v, lab=labels: lab.get(v, v))
        if key in ("essays", "errors") and "source" in frame.columns:
            frame["source"] = frame["source"].map(file_name)
        if key == "matches":
            frame["source"] = frame["source"].replace("", "chưa rõ")
        columns = {c: h for c, h in XLSX_COLUMNS[key].items() if c in frame.columns}
        out[sheet] = frame[list(columns)].rename(columns=columns)
        out[sheet].attrs["percent"] = [columns[c] for c in columns if c in XLSX_PERCENT]
    for name, frame in (extra or {}).items():
        out[XLSX_SHEETS.get(name, name)] = frame
    return out


def _format_sheet(ws: Any, frame: pd.DataFrame) -> None:
    """Bold, wrapped, frozen header with filters; widths from the content; percentages and
    dates in formats a Vietnamese reader expects."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="F2DCDB")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    percent = set(frame.attrs.get("percent", []))
    for i, column in enumerate(frame.columns, start=1):
        values = frame[column]
        longest = max([len(str(v)) for v in values.head(500)] or [0])
        ws.column_dimensions[get_column_letter(i)].width = min(
            max(len(str(column)) * 0.7 + 2, longest + 2, 8), _WIDE
        )
        dates = pd.api.types.is_datetime64_any_dtype(values)
        fmt = "0.0%" if column in percent else "dd/mm/yyyy hh:mm" if dates else None
        wrap = longest > _WIDE
        if not (fmt or wrap):
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if fmt:
                cell.number_format = fmt
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_xlsx(
    report: Report, path: str | Path | Any, extra: dict[str, pd.DataFrame] | None = None
) -> None:
    """Write the report as a workbook a committee secretary can forward (:func:`excel_tables`:
    Vietnamese sheets and headings, file names not paths, plus ``extra`` sheets such as reviewer
    decisions), each with a bold frozen header, filters, column widths, percentage and date
    formats (datetime columns show as dd/mm/yyyy hh:mm).

    Every text cell goes through :func:`escape_cell`: a file name, a header field or a comment
    starting with ``=`` is shown as text, never run as a formula."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in excel_tables(report, extra).items():
            sheet = name[:31]
            escape_frame(frame).to_excel(writer, sheet_name=sheet, index=False)
            _format_sheet(writer.sheets[sheet], frame)
