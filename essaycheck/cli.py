"""``essaycheck`` command line: ``check`` a batch, ``eval`` a report against labels."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .pipeline import Config, check
from .readers import ReadFailure

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="essaycheck", description="Check bài thu hoạch for copying and relevance."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check a batch of essays and write a report")
    c.add_argument("inputs", nargs="+", help="files, folders or .zip archives of essays")
    c.add_argument("--resolution", required=True, help="the resolution text (txt/docx/pdf)")
    c.add_argument("--reference", action="append", default=[], help="reference texts (repeatable)")
    c.add_argument("--units", help="units file (CSV/XLSX with unit_name, profile, ...)")
    c.add_argument("--json", dest="json_out", help="write the JSON report here")
    c.add_argument("--xlsx", dest="xlsx_out", help="write the Excel report here")
    c.add_argument("--config", help="TOML settings ([detector], [relevance], cache, n_jobs)")
    c.add_argument("--threshold", type=float, help="copy threshold (pair coverage, 0-1)")
    c.add_argument("--min-match-words", type=int, help="fewest matched words for a copy")
    c.add_argument("--no-cache", action="store_true", help="do not use the token and run caches")
    c.add_argument("--jobs", type=int, help="processes for word segmentation")
    c.add_argument("--no-texts", action="store_true", help="leave essay texts out of the JSON")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    e = sub.add_parser("eval", help="score a JSON report against a labels file")
    e.add_argument("report", help="JSON report written by 'essaycheck check'")
    e.add_argument("labels", help="labels.csv (id, unit, relevance, copy_of, copy_kind)")
    e.add_argument("--resolution", help="resolution text, for the relevance baselines")
    e.add_argument("--json", dest="json_out", help="write the figures as JSON here")
    return parser


def _config(args: argparse.Namespace) -> Config:
    config = Config.from_toml(args.config) if args.config else Config()
    detector = dict(config.detector)
    if args.threshold is not None:
        detector["threshold"] = args.threshold
    if args.min_match_words is not None:
        detector["min_match_words"] = args.min_match_words
    return Config(
        detector=detector,
        relevance=config.relevance,
        cache="" if args.no_cache else config.cache,
        n_jobs=args.jobs or config.n_jobs,
    )


def _check(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .report import write_json, write_xlsx

    bar = None if args.quiet else tqdm(total=4, desc="essaycheck", unit="bước", file=sys.stderr)

    def progress(stage: str, step: int, total: int) -> None:
        if bar is not None:
            bar.set_description(stage)
            bar.n = step
            bar.refresh()

    try:
        report = check(
            args.inputs, args.resolution, args.reference, args.units, _config(args), progress
        )
    except (ReadFailure, ValueError, FileNotFoundError) as exc:
        print(f"essaycheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if bar is not None:
            bar.n = bar.total
            bar.close()
    if args.json_out:
        write_json(report, args.json_out, include_texts=not args.no_texts)
    if args.xlsx_out:
        write_xlsx(report, args.xlsx_out)
    flagged = sum(bool(set(e.flags) - {"low_relevance"}) for e in report.essays)
    print(
        f"{len(report.essays)} bài, {len(report.matches)} cặp trùng lặp, "
        f"{len(report.groups)} nhóm, {flagged} bài bị gắn cờ, {len(report.errors)} tệp lỗi",
        file=sys.stderr,
    )
    for err in report.errors:
        print(f"  - {err.message}", file=sys.stderr)
    return EXIT_INPUT_ERRORS if report.errors else EXIT_OK


def _eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_copies, evaluate_relevance, read_labels
    from .readers import read_text
    from .report import load_json

    report = load_json(args.report)
    labels = read_labels(args.labels)
    copies = evaluate_copies(report, labels)
    out: dict[str, object] = {
        "copies": {
            "precision": copies.precision,
            "recall": copies.recall,
            "f1": copies.f1,
            "per_kind": copies.per_kind.to_dict("records"),
            "false_pairs": copies.false_pairs,
            "missed_pairs": copies.missed_pairs,
            "resolution_only": [copies.resolution_only_found, copies.resolution_only_expected],
        }
    }
    if args.resolution:
        rel = evaluate_relevance(report, labels, read_text(args.resolution))
        out["relevance"] = {
            "spearman": rel.spearman,
            "kappa": rel.kappa,
            "kappa_louo": rel.kappa_louo,
            "baselines": rel.baselines.to_dict("records"),
            "confusion": rel.confusion.values.tolist(),
        }
    text = json.dumps(out, ensure_ascii=False, indent=1, default=str)
    if args.json_out:
        Path(args.json_out).write_text(text, encoding="utf-8")
    print(text)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    return _check(args) if args.command == "check" else _eval(args)


if __name__ == "__main__":
    raise SystemExit(main())
