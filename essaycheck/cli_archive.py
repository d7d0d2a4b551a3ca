"""``essaycheck archive add|list|remove``: the archive of earlier campaigns, from a terminal.

    essaycheck archive add ARCHIVE --campaign NAME --resolution FILE INPUT...
    essaycheck archive list ARCHIVE
    essaycheck archive remove ARCHIVE --campaign NAME

``ARCHIVE`` is a folder (created on first use) or ``redis://HOST:PORT/DB``. ``check --archive
ARCHIVE [--add-to-archive NAME]`` compares a batch with it (see :mod:`essaycheck.cli`).
Exit codes as for ``check``: 0 done, 1 some inputs could not be read (the rest was added), 2 usage
error or an archive that cannot be used.
"""

from __future__ import annotations

import argparse
import sys
import time

from .archive import ArchiveError, open_archive

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2
ARCHIVE_HELP = "kho bài: một thư mục, hoặc redis://MÁY:CỔNG/SỐ_CSDL cho kho dùng chung"


def add_archive_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``archive`` command to the top-level parser's subcommands."""
    a = sub.add_parser(
        "archive",
        help="kho bài các đợt trước: thêm, liệt kê, xoá đợt",
        description="Kho bài các đợt trước: mỗi lần kiểm tra (--archive) đều so với kho.",
    )
    cmd = a.add_subparsers(dest="archive_command", required=True)
    add = cmd.add_parser("add", help="thêm một đợt bài vào kho")
    add.add_argument("archive", metavar="KHO", help=ARCHIVE_HELP)
    add.add_argument("--campaign", required=True, metavar="TÊN", help="tên đợt (không có '/')")
    add.add_argument(
        "--resolution", required=True, metavar="TỆP", help="văn bản nghị quyết của đợt"
    )
    add.add_argument("inputs", nargs="+", metavar="BÀI", help="tệp, thư mục hoặc tệp .zip")
    add.add_argument("--jobs", type=int, metavar="SỐ", help="số tiến trình dùng để tách từ")
    add.add_argument("--no-cache", action="store_true", help="không dùng bộ nhớ đệm tách từ")
    ls = cmd.add_parser("list", help="liệt kê các đợt trong kho")
    ls.add_argument("archive", metavar="KHO", help=ARCHIVE_HELP)
    rm = cmd.add_parser("remove", help="xoá một đợt và các bài của đợt khỏi kho")
    rm.add_argument("archive", metavar="KHO", help=ARCHIVE_HELP)
    rm.add_argument("--campaign", required=True, metavar="TÊN", help="tên đợt cần xoá")


def run(args: argparse.Namespace) -> int:
    try:
        with open_archive(args.archive, create=args.archive_command == "add") as archive:
            if args.archive_command == "list":
                return _list(archive)
            if args.archive_command == "remove":
                n = archive.remove(args.campaign)
                print(f"Đã xoá đợt '{args.campaign}' ({n} bài) khỏi kho.", file=sys.stderr)
                return EXIT_OK
            return _add(archive, args)
    except ArchiveError as exc:
        print(f"essaycheck: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _list(archive) -> int:  # type: ignore[no-untyped-def]
    campaigns = archive.campaigns()
    if not campaigns:
        print(f"Kho {archive.location} chưa có đợt nào.", file=sys.stderr)
        return EXIT_OK
    print("đợt\tsố bài\tngày thêm\tnghị quyết")
    for c in campaigns:
        print(f"{c.name}\t{c.n_essays}\t{c.created}\t{c.resolution_title}")
    return EXIT_OK


def _add(archive, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from .pipeline import Config, screen
    from .readers import ReadFailure, read_batch, read_text

    try:
        resolution = read_text(args.resolution)
    except (ReadFailure, ValueError, FileNotFoundError) as exc:
        print(f"essaycheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    t0 = time.perf_counter()
    documents, errors = read_batch(list(args.inputs))
    documents, empty = screen(documents)
    errors = [*errors, *empty]
    config = Config(cache="" if args.no_cache else None, n_jobs=args.jobs)
    result = archive.add(args.campaign, resolution, documents, config.token_cache(), config.n_jobs)
    print(
        f"Đã thêm {result.added} bài vào đợt '{result.campaign}' của kho {archive.location} "
        f"({time.perf_counter() - t0:.1f} giây).",
        file=sys.stderr,
    )
    if result.skipped:
        print(
            f"  {len(result.skipped)} bài đã có trong đợt nên được bỏ qua: "
            + ", ".join(result.skipped[:10])
            + ("…" if len(result.skipped) > 10 else ""),
            file=sys.stderr,
        )
    for err in errors:
        print(f"  - {err.message}", file=sys.stderr)
    if not documents:
        print("essaycheck: không đọc được bài thu hoạch nào từ đầu vào đã cho.", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    return EXIT_INPUT_ERRORS if errors else EXIT_OK
