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
from .relevance import Evidence, RelevanceScore

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
                "flags": ", ".join(FLAG_LABELS.get(f, f) for f in e.flags),
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
    text = escape_frame(frame).to_csv(index=False)
    return text.encode("utf-8-sig", "backslashreplace")


def write_xlsx(
    report: Report, path: str | Path | Any, extra: dict[str, pd.DataFrame] | None = None
) -> None:
    """Write the report's tables (and ``extra`` ones, e.g. reviewer decisions) as sheets.

    Every text cell goes through :func:`escape_cell`: a file name, a header field or a comment
    starting with ``=`` is shown as text, never run as a formula."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in (tables(report) | (extra or {})).items():
            escape_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
