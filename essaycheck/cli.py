"""``essaycheck`` command line: ``check`` a batch, ``eval`` a report against labels."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .pipeline import Config, check
from .readers import ReadFailure

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2
# Progress stages of `check`, as the progress bar names them.
STAGES = {
    "read": "Đọc tệp",
    "prepare": "Chuẩn hoá, tách từ",
    "copies": "Tìm đoạn trùng lặp",
    "relevance": "Chấm mức liên hệ",
    "report": "Lập báo cáo",
}
# argparse's own words (usage, section titles, errors), for a committee's secretary.
_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "không nhận ra tham số: %s",
    "expected one argument": "cần một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
}


@contextmanager
def _vietnamese_argparse() -> Iterator[None]:
    """argparse's messages in Vietnamese while the parser is built and used (argparse looks
    each message up through its module-level ``_`` when it needs it)."""
    original = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_VI.get(text, original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="essaycheck",
        description="Kiểm tra bài thu hoạch: sao chép và mức độ liên hệ thực tiễn.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser(
        "check",
        help="kiểm tra một đợt bài thu hoạch và ghi báo cáo",
        description="Kiểm tra một đợt bài thu hoạch (sao chép, liên hệ thực tiễn) và ghi báo cáo "
        "JSON, Excel. Mã thoát: 0 đọc được mọi tệp, 1 có tệp không đọc được (báo cáo vẫn được "
        "ghi), 2 dùng sai lệnh.",
    )
    c.add_argument(
        "inputs", nargs="+", metavar="BÀI", help="tệp, thư mục hoặc tệp nén .zip chứa các bài"
    )
    c.add_argument(
        "--resolution", required=True, metavar="TỆP", help="văn bản nghị quyết (txt, docx, pdf)"
    )
    c.add_argument(
        "--reference",
        metavar="TỆP",
        action="append",
        default=[],
        help="tài liệu tham khảo, bài mẫu, bài đợt trước (dùng nhiều lần được)",
    )
    c.add_argument(
        "--units",
        metavar="TỆP",
        help="danh sách đơn vị (CSV, XLSX: tên đơn vị, mô tả, tên gọi khác)",
    )
    c.add_argument("--json", dest="json_out", metavar="TỆP", help="ghi báo cáo JSON vào tệp này")
    c.add_argument("--xlsx", dest="xlsx_out", metavar="TỆP", help="ghi báo cáo Excel vào tệp này")
    c.add_argument(
        "--config",
        metavar="TỆP",
        help="tệp cài đặt TOML (mục [detector], [relevance], cache, n_jobs)",
    )
    c.add_argument(
        "--threshold",
        type=float,
        metavar="SỐ",
        help="ngưỡng trùng lặp của một cặp (phần bài bị trùng, 0–1)",
    )
    c.add_argument(
        "--min-match-words", type=int, metavar="SỐ", help="số từ trùng ít nhất để coi là sao chép"
    )
    c.add_argument(
        "--no-cache", action="store_true", help="không dùng bộ nhớ đệm tách từ và kết quả"
    )
    c.add_argument("--jobs", type=int, metavar="SỐ", help="số tiến trình dùng để tách từ")
    c.add_argument(
        "--no-texts", action="store_true", help="không ghi toàn văn các bài vào báo cáo JSON"
    )
    c.add_argument("-q", "--quiet", action="store_true", help="không hiện thanh tiến trình")
    c.add_argument(
        "--archive",
        metavar="KHO",
        help="so thêm với kho bài các đợt trước (thư mục, hoặc redis://MÁY:CỔNG/SỐ_CSDL)",
    )
    c.add_argument(
        "--add-to-archive",
        metavar="TÊN",
        help="sau khi kiểm tra, thêm đợt này vào kho bài với tên đợt này (cần --archive)",
    )
    e = sub.add_parser(
        "eval",
        help="check labelled campaigns and score the results (copies, direction, relevance)",
    )
    e.add_argument("campaigns", nargs="+", help="campaign folders (labels.csv, batch/, ...)")
    e.add_argument("--json", dest="json_out", help="write the figures as JSON here")
    e.add_argument("--no-loco", action="store_true", help="skip the leave-one-campaign-out refit")
    e.add_argument("--no-cache", action="store_true", help="do not use the token and run caches")
    from .cli_users import add_users_parser

    add_users_parser(sub)  # essaycheck users add|list|disable|enable|passwd
    from .cli_archive import add_archive_parser

    add_archive_parser(sub)  # essaycheck archive add|list|remove
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

    bar = None if args.quiet else tqdm(total=4, desc="Bắt đầu", unit="bước", file=sys.stderr)

    def progress(stage: str, step: int, total: int) -> None:
        if bar is not None:
            bar.set_description(STAGES.get(stage, stage))
            bar.n = step
            bar.refresh()

    from .archive import ArchiveError, open_archive

    if args.add_to_archive and not args.archive:
        print("essaycheck: --add-to-archive cần có --archive KHO.", file=sys.stderr)
        return EXIT_USAGE
    archive = None
    try:
        # A mistyped path must not pass for an empty archive: only adding creates one.
        archive = (
            open_archive(args.archive, create=bool(args.add_to_archive)) if args.archive else None
        )
        report = check(
            args.inputs,
            args.resolution,
            args.reference,
            args.units,
            _config(args),
            progress,
            archive,
            args.add_to_archive or "",
        )
    except (ReadFailure, ValueError, FileNotFoundError, ArchiveError) as exc:
        print(f"essaycheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if bar is not None:
            bar.n = bar.total
            bar.close()
        if archive is not None:
            archive.close()
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
    if not report.essays:  # nothing was checked: never a silent success
        print("essaycheck: không đọc được bài thu hoạch nào từ đầu vào đã cho.", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    return EXIT_INPUT_ERRORS if report.errors else EXIT_OK


def _eval(args: argparse.Namespace) -> int:
    from .campaigns import is_campaign, load_campaign
    from .crossval import campaign_table, leave_one_campaign_out, run_campaign

    # A glob such as data/campaigns/* also names the folder's README: files are skipped.
    files = [p for p in args.campaigns if Path(p).is_file()]
    for p in files:
        print(f"essaycheck: bỏ qua {p}: là tệp, không phải thư mục đợt.", file=sys.stderr)
    folders = [p for p in args.campaigns if p not in files]
    bad = [p for p in folders if not is_campaign(p)]
    if bad or not folders:
        names = ", ".join(bad or files)
        print(f"essaycheck: không phải thư mục đợt có nhãn: {names}", file=sys.stderr)
        return EXIT_USAGE
    config = Config(cache="" if args.no_cache else None)
    runs = [run_campaign(load_campaign(p), config) for p in folders]
    loco = None if args.no_loco or len(runs) < 2 else leave_one_campaign_out(runs)
    table = campaign_table(runs, loco)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.to_string())
        for run in runs:
            print(f"\n== {run.campaign.name}: level confusion (rows: label)")
            print(run.relevance.confusion.to_string())
            if len(run.relevance.traps):
                print(run.relevance.traps.to_string())
            if run.copies.wrong_sources:
                print("wrong sources:", run.copies.wrong_sources)
            if run.copies.false_pairs or run.copies.missed_pairs:
                print("false pairs:", run.copies.false_pairs)
                print("missed pairs:", run.copies.missed_pairs)
    if args.json_out:
        out = {
            "summary": table.reset_index().to_dict("records"),
            "campaigns": {
                r.campaign.name: {
                    "confusion": r.relevance.confusion.values.tolist(),
                    "traps": r.relevance.traps.reset_index().to_dict("records"),
                    "per_kind": r.copies.per_kind.to_dict("records"),
                    "wrong_sources": r.copies.wrong_sources,
                    "false_pairs": r.copies.false_pairs,
                    "missed_pairs": r.copies.missed_pairs,
                }
                for r in runs
            },
        }
        text = json.dumps(out, ensure_ascii=False, indent=1, default=str)
        Path(args.json_out).write_text(text, encoding="utf-8")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    with _vietnamese_argparse():
        parser = _parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
            return int(exc.code or 0)
    if args.command == "users":
        from .cli_users import run as run_users

        return run_users(args)
    if args.command == "archive":
        from .cli_archive import run as run_archive

        return run_archive(args)
    return _check(args) if args.command == "check" else _eval(args)


if __name__ == "__main__":
    raise SystemExit(main())
