"""Benchmark of the whole check on large synthetic batches (GitHub issue "Copy detection").

    python benchmarks/bench_detect.py --sizes 1000 5000 10000 [--baseline-max 2000]
        [--tokenize-sample 500] [--out benchmarks/results.json]

For each size, on one synthetic batch (``benchmarks/synth.py``, same seed), each in a fresh
subprocess so that memory figures do not leak from one measurement into the next:

1. ``check``: ``check_documents`` with an empty token cache in a temp dir: time of every stage
   (``report.timings``), essays/second, peak RSS of the process and of its children (the word
   segmentation pool), recall/precision of the planted copy pairs;
2. ``rerun``: the same batch again with ``Config(detector={"threshold": 0.3})`` and the same cache
   file (what a user does when trying other thresholds);
3. ``baseline``: naive all-pairs comparison: (a) plain Jaccard of 5-syllable shingle sets over
   all pairs of ``min(n, --baseline-max)`` essays, extrapolated quadratically above that; (b) the
   library's own passage alignment (``align.align``) timed on a random sample of pairs and
   extrapolated to all ``n(n-1)/2`` pairs;
4. ``tokenize``: underthesea ``word_tokenize`` in one process over ``--tokenize-sample`` essays,
   extrapolated linearly to ``n`` (the cost floor of any check that segments words).

Peak memory is ``resource.getrusage(...).ru_maxrss``: ``RUSAGE_SELF`` is the worker process,
``RUSAGE_CHILDREN`` the largest of its reaped children (a forked pool worker counts the pages it
shares with the parent). Not a test: pytest does not collect this folder.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

RESOLUTION = ROOT / "data" / "samples" / "resolution.txt"
STAGES = (
    "read",
    "prepare",
    "copies",
    "copies.fingerprint",
    "copies.candidates",
    "copies.verify",
    "copies.groups",
    "relevance",
)
TARGETS = {"check_over_tokenize": 1.0, "rerun_10k_s": 15.0, "scaling_10k_5k": 2.3}


# -- worker side ------------------------------------------------------------------------------
def _rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def library_version() -> str:
    """Hash of the library's source: the library is edited while benchmarks run, so every
    measurement says which version it measured."""
    from essaycheck.run_cache import library_hash

    return library_hash()


def _peaks() -> dict[str, float]:
    return {
        "peak_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


class _PssSampler:
    """Peak PSS of this process and its children together, sampled every ``interval`` s.

    RSS counts every page a forked worker shares with its parent in both; PSS splits shared
    pages between the processes sharing them, so the sum is the memory the check really holds.
    """

    def __init__(self, interval: float = 0.5) -> None:
        import threading

        self.peak, self.interval = 0.0, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self.peak = max(self.peak, total / 2**20)
            self._stop.wait(self.interval)

    def __enter__(self) -> _PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _batch(args: argparse.Namespace, n: int):
    from synth import make_batch

    t0 = time.perf_counter()
    docs, truth = make_batch(n, args.words, args.copy_rate, args.seed)
    return docs, truth, time.perf_counter() - t0


def _score(pred: set[tuple[str, str]], truth: dict, ids: set[str] | None = None) -> dict:
    true = {tuple(p) for p in truth["pairs"]}
    if ids is not None:
        true = {p for p in true if p[0] in ids and p[1] in ids}
    hit = len(pred & true)
    missed: dict[str, int] = {}
    for a, b in true - pred:
        kind = truth["kinds"].get(a) or truth["kinds"].get(b) or "?"
        missed[kind] = missed.get(kind, 0) + 1
    return {
        "true_pairs": len(true),
        "found_pairs": len(pred),
        "recall": round(hit / len(true), 4) if true else None,
        "precision": round(hit / len(pred), 4) if pred else None,
        "missed_by_kind": missed,
    }


def _work_check(args: argparse.Namespace) -> dict:
    import essaycheck.pipeline as pipeline
    from essaycheck.pipeline import Config, check_documents

    seen: dict[str, int] = {}

    class _Spy(pipeline.CopyDetector):  # records the candidate count, changes nothing else
        def decide(self, *a, **k):
            out = super().decide(*a, **k)
            seen["n_candidates"] = int(getattr(self, "n_candidates_", -1))
            return out

    pipeline.CopyDetector = _Spy
    docs, truth, gen = _batch(args, args.size)
    resolution = RESOLUTION.read_text(encoding="utf-8")
    detector = {"threshold": args.threshold} if args.threshold is not None else {}
    config = Config(detector=detector, cache=args.cache, n_jobs=args.n_jobs)
    gc.collect()
    rss_before = _rss_now_mb()
    t0 = time.perf_counter()
    with _PssSampler() as pss:
        report = check_documents(docs, resolution, config=config)
    total = time.perf_counter() - t0
    pred = {tuple(sorted((m.a, m.b))) for m in report.matches if m.kind == "essay"}
    return {
        "n": args.size,
        "generate_s": round(gen, 3),
        "total_s": round(total, 3),
        "essays_per_s": round(args.size / total, 2),
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
        "n_candidates": seen.get("n_candidates"),
        "n_matches": len(report.matches),
        "n_groups": len(report.groups),
        "rss_before_check_mb": round(rss_before, 1),
        "peak_pss_tree_mb": round(pss.peak, 1),
        **{k: round(v, 1) for k, v in _peaks().items()},
        **_score(pred, truth),
    }


def _shingle_set(text: str, k: int = 5) -> frozenset[int]:
    toks = re.findall(r"\w+", text.lower())
    return frozenset(hash(tuple(toks[i : i + k])) for i in range(len(toks) - k + 1))


def _work_baseline(args: argparse.Namespace) -> dict:
    docs, truth, _ = _batch(args, args.size)
    m = min(args.size, args.baseline_max)
    sub = docs[:m]
    out: dict = {"n": args.size, "measured_on": m}
    # (a) plain shingle Jaccard over all pairs (no segmentation, no index: the naive way)
    t0 = time.perf_counter()
    sets = [_shingle_set(d.text) for d in sub]
    prep = time.perf_counter() - t0
    t0 = time.perf_counter()
    found: set[tuple[str, str]] = set()
    ids = [d.id for d in sub]
    for i in range(m):
        si, ni = sets[i], len(sets[i])
        for j in range(i + 1, m):
            sj = sets[j]
            inter = len(si & sj)
            if inter and inter / (ni + len(sj) - inter) >= args.jaccard:
                found.add((ids[i], ids[j]) if ids[i] < ids[j] else (ids[j], ids[i]))
    pairs_time = time.perf_counter() - t0
    scale = (args.size * (args.size - 1)) / (m * (m - 1)) if m > 1 else 1.0
    out["jaccard"] = {
        "prep_s": round(prep, 3),
        "pairs_s": round(pairs_time, 3),
        "pairs": m * (m - 1) // 2,
        "time_s": round(prep * args.size / m + pairs_time * scale, 3),
        "extrapolated": m < args.size,
        "threshold": args.jaccard,
        **_score(found, truth, set(ids)),
    }
    # (b) the library's verifier over all pairs, timed on a sample of random pairs
    try:
        out["verifier"] = _verifier_cost(args, sub)
    except Exception as exc:  # private API: may change under us
        out["verifier"] = {"error": f"{type(exc).__name__}: {exc}"}
    out.update({k: round(v, 1) for k, v in _peaks().items()})
    return out


def _verifier_cost(args: argparse.Namespace, sub: list) -> dict:
    """Per-pair cost of the library's verification on random pairs, extrapolated to all pairs.

    ``align``: the library's passage alignment (``essaycheck.align.align``, a public function)
    on the detector's masked fingerprints; ``verify``: the whole per-pair check
    (``essaycheck.verify.verify``)."""
    import numpy as np

    from essaycheck import verify as stages
    from essaycheck.align import align
    from essaycheck.detect import CopyDetector
    from essaycheck.essay import prepare
    from essaycheck.tokenize import TokenCache

    resolution = RESOLUTION.read_text(encoding="utf-8")
    essays = prepare(sub, TokenCache(args.cache or None), args.n_jobs)
    det = CopyDetector()
    texts, _ = stages.texts(det, essays, resolution, [])
    rng = random.Random(1)
    m, n = len(texts), args.size
    pairs = [tuple(rng.sample(range(m), 2)) for _ in range(args.verifier_pairs)]
    k = det.shingle_size
    t0 = time.perf_counter()
    for i, j in pairs:
        a, b = texts[i], texts[j]
        align(a.fp, b.fp, a.valid, b.valid, k, det.max_gap, det.min_passage_words)
    per_align = (time.perf_counter() - t0) / len(pairs)
    out = {
        "sampled_pairs": len(pairs),
        "all_pairs": n * (n - 1) // 2,
        "extrapolated": True,
        "align_per_pair_ms": round(per_align * 1e3, 4),
        "align_time_s": round(per_align * n * (n - 1) / 2, 1),
    }
    stages.sentence_vectors(texts)
    for t in texts:
        t.shingles = np.unique(t.own_hashes)

    # every pair is a candidate here: let the paraphrase test run as if facts were shared
    def verify(i: int, j: int) -> object:
        return stages.verify(det, texts[i], texts[j], det.paraphrase_min_sentences)
    t0 = time.perf_counter()
    for i, j in pairs:
        verify(i, j)
    per_pair = (time.perf_counter() - t0) / len(pairs)
    out["per_pair_ms"] = round(per_pair * 1e3, 4)
    out["time_s"] = round(per_pair * n * (n - 1) / 2, 1)
    return out


def _work_tokenize(args: argparse.Namespace) -> dict:
    from underthesea import word_tokenize

    docs, _, _ = _batch(args, args.size)
    sample = docs[: min(args.size, args.tokenize_sample)]
    word_tokenize("Khởi động mô hình.")  # model load is not part of the throughput
    t0 = time.perf_counter()
    words = 0
    for d in sample:
        for line in d.text.split("\n"):
            if line.strip():
                words += len(word_tokenize(line))
    dt = time.perf_counter() - t0
    return {
        "n": args.size,
        "sample": len(sample),
        "sample_s": round(dt, 3),
        "words_per_s": round(words / dt),
        "time_s": round(dt * args.size / len(sample), 3),
        "extrapolated": len(sample) < args.size,
        **{k: round(v, 1) for k, v in _peaks().items()},
    }


WORKERS = {"check": _work_check, "baseline": _work_baseline, "tokenize": _work_tokenize}


# -- driver side ------------------------------------------------------------------------------
def _run(args: argparse.Namespace, kind: str, size: int, cache: str, **extra) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as f:
        result = f.name
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--size", str(size),
        "--cache", cache, "--result", result, "--seed", str(args.seed), "--words",
        str(args.words), "--copy-rate", str(args.copy_rate), "--baseline-max",
        str(args.baseline_max), "--tokenize-sample", str(args.tokenize_sample),
        "--verifier-pairs", str(args.verifier_pairs), "--jaccard", str(args.jaccard),
    ]  # fmt: skip
    if args.n_jobs:
        cmd += ["--n-jobs", str(args.n_jobs)]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    print(f"  [{time.strftime('%H:%M:%S')}] n={size} {kind} {extra or ''}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    wall = time.perf_counter() - t0
    try:
        if proc.returncode:  # negative: killed by that signal (-9: out of memory or killed)
            return {
                "error": proc.stderr.strip().splitlines()[-5:],
                "returncode": proc.returncode,
                "wall_s": round(wall, 1),
            }
        out = json.loads(Path(result).read_text())
        out["wall_s"] = round(wall, 1)
        return out
    finally:
        Path(result).unlink(missing_ok=True)


def _measure(args: argparse.Namespace, size: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="essaycheck-bench-") as tmp:
        cache = str(Path(tmp) / "tokens.sqlite")
        res = {"check": _run(args, "check", size, cache)}
        res["rerun"] = _run(args, "check", size, cache, threshold=args.rerun_threshold)
        if not args.skip_baseline:
            res["baseline"] = _run(args, "baseline", size, cache)
        if not args.skip_tokenize:
            res["tokenize"] = _run(args, "tokenize", size, cache)
    return res


def _derive(results: dict[str, dict]) -> dict:
    out: dict = {}
    for n, r in results.items():
        c, d = r.get("check", {}), {}
        total = c.get("total_s")
        b = r.get("baseline", {})
        if total and "jaccard" in b:
            d["baseline_jaccard_over_check"] = round(b["jaccard"]["time_s"] / total, 2)
        if total and "time_s" in b.get("verifier", {}):
            d["baseline_verifier_over_check"] = round(b["verifier"]["time_s"] / total, 1)
        t = r.get("tokenize", {})
        if total and t.get("time_s"):
            d["check_over_tokenize"] = round(total / t["time_s"], 3)
        out[n] = d
    sizes = sorted(int(n) for n in results if "total_s" in results[n].get("check", {}))
    scaling = {}
    for a, b in itertools.pairwise(sizes):
        ta, tb = results[str(a)]["check"]["total_s"], results[str(b)]["check"]["total_s"]
        scaling[f"{b}/{a}"] = {"size_ratio": round(b / a, 2), "time_ratio": round(tb / ta, 3)}
        ca = results[str(a)]["check"]["timings"].get("copies")
        cb = results[str(b)]["check"]["timings"].get("copies")
        if ca and cb:
            scaling[f"{b}/{a}"]["copies_ratio"] = round(cb / ca, 3)
    return {"per_size": out, "scaling": scaling}


def _fmt(v, nd: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _table(results: dict[str, dict], derived: dict) -> str:
    sizes = sorted(results, key=int)
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, get, nd: int = 1) -> None:
        vals = []
        for n in sizes:
            try:
                vals.append(_fmt(get(results[n], derived["per_size"].get(n, {})), nd))
            except (KeyError, TypeError):
                vals.append("-")
        rows.append((label, vals))

    row("essays", lambda r, d: r["check"]["n"], 0)
    row("library version (check/rerun)", lambda r, d: (
        r["check"]["library"] + ("" if r["rerun"]["library"] == r["check"]["library"] else " !=")
    ))  # fmt: skip
    row("generate batch (s)", lambda r, d: r["check"]["generate_s"], 2)
    row("check total (s)", lambda r, d: r["check"]["total_s"])
    row("  essays / s", lambda r, d: r["check"]["essays_per_s"])
    for stage in STAGES:
        row(f"  {stage} (s)", lambda r, d, s=stage: r["check"]["timings"].get(s), 2)
    row("candidate pairs", lambda r, d: r["check"]["n_candidates"], 0)
    row("matches / groups", lambda r, d: f"{r['check']['n_matches']} / {r['check']['n_groups']}")
    row("planted pairs recall", lambda r, d: r["check"]["recall"], 3)
    row("planted pairs precision", lambda r, d: r["check"]["precision"], 3)
    row("peak RSS self (MB)", lambda r, d: r["check"]["peak_rss_self_mb"], 0)
    row("peak RSS child (MB)", lambda r, d: r["check"]["peak_rss_children_mb"], 0)
    row("peak PSS, all processes (MB)", lambda r, d: r["check"].get("peak_pss_tree_mb"), 0)
    row("  RSS before check (MB)", lambda r, d: r["check"]["rss_before_check_mb"], 0)
    row("rerun thr=0.3, warm cache (s)", lambda r, d: r["rerun"]["total_s"])
    row("  its prepare (s)", lambda r, d: r["rerun"]["timings"]["prepare"], 2)
    row("  its copies (s)", lambda r, d: r["rerun"]["timings"]["copies"], 2)
    row("  its peak RSS self (MB)", lambda r, d: r["rerun"]["peak_rss_self_mb"], 0)

    def jac(r, d):
        j = r["baseline"]["jaccard"]
        return f"{j['time_s']:,.1f}" + (" (extrap.)" if j["extrapolated"] else "")

    row("naive Jaccard all pairs (s)", jac)
    row("  Jaccard recall / precision", lambda r, d: (
        f"{r['baseline']['jaccard']['recall']:.3f} / {r['baseline']['jaccard']['precision']:.3f}"
        f" on {r['baseline']['measured_on']}"))  # fmt: skip
    row("  Jaccard time / check time", lambda r, d: d["baseline_jaccard_over_check"], 2)
    row("align() all pairs (s, extrap.)", lambda r, d: r["baseline"]["verifier"]["align_time_s"])
    row("verifier all pairs (s, extrap.)", lambda r, d: r["baseline"]["verifier"]["time_s"])
    row("  verifier time / check time", lambda r, d: d["baseline_verifier_over_check"], 1)
    row("word_tokenize 1 proc (s)", lambda r, d: (
        f"{r['tokenize']['time_s']:,.1f}" + (" (extrap.)" if r["tokenize"]["extrapolated"] else "")
    ))  # fmt: skip
    row("  check / tokenize (<= 1)", lambda r, d: d["check_over_tokenize"], 3)

    width = max(len(label) for label, _ in rows)
    colw = [max(len(n), *(len(vals[i]) for _, vals in rows)) for i, n in enumerate(sizes)]
    lines = [" " * width + " | " + " | ".join(n.rjust(w) for n, w in zip(sizes, colw, strict=True))]
    lines.append("-" * len(lines[0]))
    for label, vals in rows:
        lines.append(
            label.ljust(width)
            + " | "
            + " | ".join(v.rjust(w) for v, w in zip(vals, colw, strict=True))
        )
    for key, s in derived["scaling"].items():
        extra = f", copies stage x{s['copies_ratio']}" if "copies_ratio" in s else ""
        lines.append(f"scaling {key}: size x{s['size_ratio']}, time x{s['time_ratio']}{extra}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    p.add_argument("--baseline-max", type=int, default=2000)
    p.add_argument("--tokenize-sample", type=int, default=500)
    p.add_argument("--verifier-pairs", type=int, default=2000)
    p.add_argument("--jaccard", type=float, default=0.15, help="baseline's copy threshold")
    p.add_argument("--rerun-threshold", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--words", type=int, default=700)
    p.add_argument("--copy-rate", type=float, default=0.1)
    p.add_argument("--n-jobs", type=int, default=None)
    p.add_argument("--skip-baseline", action="store_true")
    p.add_argument("--skip-tokenize", action="store_true")
    p.add_argument("--timeout", type=float, default=None, help="seconds per subprocess")
    p.add_argument("--out", default=str(HERE / "results.json"))
    p.add_argument("--append", action="store_true", help="merge into an existing --out file")
    # worker mode (internal)
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--cache", default="", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--threshold", type=float, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        out = WORKERS[args.worker](args)
        out["library"] = library_version()
        Path(args.result).write_text(json.dumps(out, ensure_ascii=False))
        return

    out_path = Path(args.out)
    results: dict[str, dict] = {}
    if args.append and out_path.exists():
        results = json.loads(out_path.read_text()).get("results", {})
    t_start = time.perf_counter()
    for size in args.sizes:
        print(f"n={size}", flush=True)
        results[str(size)] = _measure(args, size)
        derived = _derive(results)
        payload = {
            "command": "python benchmarks/bench_detect.py " + " ".join(sys.argv[1:]),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "settings": {k: v for k, v in vars(args).items() if k not in
                         ("worker", "size", "cache", "result", "threshold")},
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "targets": TARGETS,
            "results": results,
            "derived": derived,
        }  # fmt: skip
        out_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    derived = _derive(results)
    print()
    print(_table(results, derived))
    print(f"\nwall time {time.perf_counter() - t_start:,.0f} s; results in {out_path}")
    for n, r in results.items():
        for kind, v in r.items():
            if isinstance(v, dict) and "error" in v:
                print(f"n={n} {kind}: ERROR (exit {v.get('returncode')}) {v['error']}")


if __name__ == "__main__":
    main()
