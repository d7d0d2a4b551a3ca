"""Benchmark of the campaign archive (GitHub issue "Campaign archive").

    python benchmarks/bench_archive.py --archive-size 200000 --batch 1000 --backend embedded
    python benchmarks/bench_archive.py --archive-size 200000 --batch 1000 \
        --backend redis://127.0.0.1:6379/0
    python benchmarks/bench_archive.py --compare-add 10000      # adding vs checking 10,000

1. **fill**: an archive of ``--archive-size`` synthetic essays (``synth.make_batch`` in chunks
   of ``--chunk``, one campaign per chunk, seeds 1, 2, …), added with ``Archive.add_essays``:
   time per chunk, size on disk (embedded) or Redis memory. Word segmentation of 200,000 essays
   with underthesea takes one to two hours on two cores, so by default the filler essays are
   segmented by pairing syllables: shingles are syllable k-grams, so every sketch, index entry
   and shingle bound is the one a real segmentation gives; only word-based facts and the stored
   sentences differ, and pairs of syllables make more rare "words" than underthesea does, so
   more fact candidates: the check below is not flattered. ``--real-fill`` segments them with
   underthesea (a run may mix both: the fill resumes where an archive stopped). ``--fill-from
   ARCHIVE`` copies another archive's campaigns instead (their stored segmentation reused).
2. **check**: a new batch of ``--batch`` essays (seed 0, real segmentation, cold caches) in
   which ``--cross`` essays are replaced by archived ones: half handed in again by their own
   writer, half under another writer's header. ``check_documents(..., archive=...)`` in a fresh
   subprocess: total time and stages, peak memory of the process tree (PSS), archive candidates,
   recall of the planted archive pairs and whether each reason tells own reuse from another's.
3. **compare-add**: adding ``N`` essays to an empty archive (a temporary folder, or the
   ``--backend`` Redis database, which must be empty) vs checking the same ``N`` essays (both
   from cold caches, real segmentation), each in a fresh subprocess.

Not a test: pytest does not collect this folder. Results go to ``--out`` (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
RESOLUTION = ROOT / "data" / "samples" / "resolution.txt"


def _pair_words(sentences: list[str]) -> list[list[str]]:
    """A stand-in for underthesea: syllables joined in pairs (lower-cased), punctuation kept."""
    out = []
    for s in sentences:
        syl = re.findall(r"\w+|[^\w\s]", s.lower())
        words, i = [], 0
        while i < len(syl):
            if i + 1 < len(syl) and syl[i].isalnum() and syl[i + 1].isalnum():
                words.append(f"{syl[i]} {syl[i + 1]}")
                i += 2
            else:
                words.append(syl[i])
                i += 1
        out.append(words)
    return out


def _prepare_fast(docs):
    import essaycheck.tokenize as tok
    from essaycheck.essay import prepare

    real = tok._segment
    tok._segment = _pair_words  # in this process only
    try:
        return prepare(docs, tok.TokenCache(None), 1)
    finally:
        tok._segment = real


def _archive_size(archive) -> dict:
    if hasattr(archive, "size_on_disk"):
        return {"bytes": archive.size_on_disk()}
    return {"redis_used_memory": archive.memory()}


def fill_from(args: argparse.Namespace) -> dict:
    """Fill ``--backend`` with the campaigns of the archive at ``--fill-from`` (a copy: the
    stored segmentation is reused, everything else is computed again by ``add_essays``)."""
    from dataclasses import replace

    from essaycheck.archive import open_archive

    rows = []
    with open_archive(args.fill_from, create=False) as src, open_archive(args.backend) as dst:
        done = {c.name for c in dst.campaigns()}
        for c in src.campaigns():
            if c.name in done:
                continue
            t0 = time.perf_counter()
            essays = [replace(r.essay(), id=r.id) for r in src.essays(src.keys(c.name))]
            prep = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = dst.add_essays(c.name, c.resolution, essays, c.resolution_title)
            add = time.perf_counter() - t0
            rows.append({"campaign": c.name, "n": result.added, "load_s": round(prep, 1),
                         "add_s": round(add, 1)})  # fmt: skip
            print(f"fill-from: {c.name} +{result.added} (add {add:.1f} s)", flush=True)
        size = _archive_size(dst)
        total = sum(c.n_essays for c in dst.campaigns())
    per = {k: round(v / max(total, 1)) for k, v in size.items()}
    return {"chunks": rows, "essays": total, **size, "per_essay": per}


def fill(args: argparse.Namespace) -> dict:
    from synth import make_batch

    from essaycheck.archive import open_archive
    from essaycheck.tokenize import TokenCache

    resolution = RESOLUTION.read_text(encoding="utf-8")
    rows = []
    with open_archive(args.backend) as archive:
        have = sum(c.n_essays for c in archive.campaigns())
        seed = 1 + have // args.chunk
        while have < args.archive_size:
            n = min(args.chunk, args.archive_size - have)
            t0 = time.perf_counter()
            docs, _ = make_batch(n, args.words, args.copy_rate, seed)
            gen = time.perf_counter() - t0
            t0 = time.perf_counter()
            if args.real_fill:
                from essaycheck.essay import prepare

                essays = prepare(docs, TokenCache(args.token_cache or None), args.n_jobs)
            else:
                essays = _prepare_fast(docs)
            prep = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = archive.add_essays(f"synth{seed:03d}", resolution, essays)
            add = time.perf_counter() - t0
            have += result.added
            rows.append(
                {"seed": seed, "n": n, "generate_s": round(gen, 1), "prepare_s": round(prep, 1),
                 "add_s": round(add, 1), "total": have}
            )  # fmt: skip
            print(f"fill: {have} essays (+{n}: prepare {prep:.1f} s, add {add:.1f} s)", flush=True)
            seed += 1
        size = _archive_size(archive)
        total = sum(c.n_essays for c in archive.campaigns())
    per = {k: round(v / max(total, 1)) for k, v in size.items()}
    return {"chunks": rows, "essays": total, **size, "per_essay": per}


def _cross_batch(args: argparse.Namespace):
    """The check batch: seed-0 essays, ``--cross`` of them replaced by archived essays."""
    from synth import make_batch

    from essaycheck.documents import Document

    docs, _ = make_batch(args.batch, args.words, args.copy_rate, 0)
    archived, _ = make_batch(args.chunk, args.words, args.copy_rate, 1)  # campaign synth001
    planted = {}
    for k in range(min(args.cross, len(docs))):
        src = archived[(k * 37) % len(archived)]
        target = docs[k]
        if k % 2 == 0:  # the same writer hands the old essay in again
            text = src.text
            kind = "own"
        else:  # another writer's header on the old body
            cut_t = target.text.index("\n\n", target.text.index("Chi bộ:"))
            cut_s = src.text.index("\n\n", src.text.index("Chi bộ:"))
            text = target.text[:cut_t] + src.text[cut_s:]
            kind = "other"
        docs[k] = Document(target.id, target.source, text)
        planted[target.id] = (f"synth001/{src.id}", kind)
    return docs, planted


def check(args: argparse.Namespace) -> dict:
    from bench_detect import _PssSampler

    from essaycheck.archive import open_archive
    from essaycheck.pipeline import Config, check_documents

    docs, planted = _cross_batch(args)
    resolution = RESOLUTION.read_text(encoding="utf-8")
    cache = tempfile.mkdtemp()
    config = Config(cache=str(Path(cache) / "tokens.sqlite"), n_jobs=args.n_jobs)
    with open_archive(args.backend, create=False) as archive:
        t0 = time.perf_counter()
        with _PssSampler() as pss:
            report = check_documents(docs, resolution, config=config, archive=archive)
        total = time.perf_counter() - t0
    shutil.rmtree(cache, ignore_errors=True)
    found = {(m.a, m.b): m for m in report.matches if m.kind == "archive"}
    hit = [a for a, (b, _) in planted.items() if (a, b) in found]
    told = sum(
        ("chính mình" in found[(a, planted[a][0])].reason) == (planted[a][1] == "own") for a in hit
    )
    return {
        "batch": len(docs),
        "total_s": round(total, 2),
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "peak_pss_tree_mb": round(pss.peak, 1),
        "archive_matches": len(found),
        "planted": len(planted),
        "recall": round(len(hit) / len(planted), 4) if planted else None,
        "reason_right": told,
        "unplanted_archive_matches": len([k for k in found if k[0] not in planted]),
    }


def compare_add(args: argparse.Namespace) -> dict:
    """Adding N essays vs checking them (each called in its own subprocess by main)."""
    from bench_detect import _PssSampler
    from synth import make_batch

    from essaycheck.archive import open_archive
    from essaycheck.pipeline import Config, check_documents

    docs, _ = make_batch(args.compare_add, args.words, args.copy_rate, 500)
    resolution = RESOLUTION.read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp())
    config = Config(cache=str(folder / "tokens.sqlite"), n_jobs=args.n_jobs)
    redis = args.backend.startswith("redis://")
    t0 = time.perf_counter()
    with _PssSampler() as pss:
        if args.mode == "add":
            with open_archive(args.backend if redis else str(folder / "kho")) as archive:
                if redis and archive.campaigns():
                    raise SystemExit(f"{args.backend} is not empty: give an empty database")
                archive.add("synth", resolution, docs, config.token_cache(), args.n_jobs)
        else:
            check_documents(docs, resolution, config=config)
    total = time.perf_counter() - t0
    shutil.rmtree(folder, ignore_errors=True)
    return {"mode": args.mode, "n": len(docs), "total_s": round(total, 1),
            "backend": "redis" if redis else "embedded",
            "peak_pss_tree_mb": round(pss.peak, 1)}  # fmt: skip


def _sub(argv: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    subprocess.run([sys.executable, __file__, *argv, "--result", out], check=True)
    data = json.loads(Path(out).read_text())
    os.unlink(out)
    return data


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backend", default=str(Path(tempfile.gettempdir()) / "essaycheck-bench-kho"))
    p.add_argument("--archive-size", type=int, default=200_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--chunk", type=int, default=10_000)
    p.add_argument("--cross", type=int, default=50)
    p.add_argument("--words", type=int, default=700)
    p.add_argument("--copy-rate", type=float, default=0.1)
    p.add_argument("--n-jobs", type=int, default=None)
    p.add_argument("--real-fill", action="store_true", help="segment filler with underthesea")
    p.add_argument("--skip-fill", action="store_true")
    p.add_argument("--token-cache", help="a token cache file for the filler (re-runs)")
    p.add_argument("--fill-from", help="copy the campaigns of this archive instead")
    p.add_argument("--compare-add", type=int, default=0)
    p.add_argument("--out", default=str(HERE / "archive_results.json"))
    p.add_argument("--worker", choices=["fill", "check", "compare"], help=argparse.SUPPRESS)
    p.add_argument("--mode", choices=["add", "check"], help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        fn = {"fill": fill_from if args.fill_from else fill, "check": check,
              "compare": compare_add}[args.worker]  # fmt: skip
        Path(args.result).write_text(json.dumps(fn(args), ensure_ascii=False))
        return
    from essaycheck.run_cache import library_hash

    passed = [a for a in sys.argv[1:] if a not in ("--skip-fill",)]
    results: dict = {
        "command": "python benchmarks/bench_archive.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "library": library_hash(),
    }
    if args.compare_add:
        results["add"] = _sub([*passed, "--worker", "compare", "--mode", "add"])
        results["check_same"] = _sub([*passed, "--worker", "compare", "--mode", "check"])
    else:
        if not args.skip_fill:
            results["fill"] = _sub([*passed, "--worker", "fill"])
        results["check"] = _sub([*passed, "--worker", "check"])
    print(json.dumps(results, ensure_ascii=False, indent=1))
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    key = "redis" if args.backend.startswith("redis://") else "embedded"
    key = f"compare_add_{key}" if args.compare_add else key
    old[f"{key}_{args.archive_size if not args.compare_add else args.compare_add}"] = results
    out.write_text(json.dumps(old, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
