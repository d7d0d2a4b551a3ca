"""The whole check as named stages: read -> prepare -> detect copies -> score relevance -> report.

``check`` is what the CLI, the UI and the notebooks call; ``Config`` is the settings they share
(loadable from TOML) so that a run can be repeated exactly.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .archive import Archive
from .detect import CopyDetector
from .documents import Document, ReadError
from .essay import Essay, prepare
from .header import parse_layout, split_run_on
from .matches import CopyProfile
from .normalize import normalize
from .parallel import map_shared
from .readers import read_batch, read_text
from .relevance import RelevanceScore, RelevanceScorer, prepare_resolution
from .results import EssayResult, Report
from .run_cache import RunCache, RunState, Writer, run_key
from .tokenize import TokenCache, default_cache_path
from .units import Unit, read_units, resolve_unit

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Config:
    """Settings of a check: ``detector`` and ``relevance`` are keyword arguments of
    :class:`CopyDetector` and :class:`RelevanceScorer`; ``cache`` is the token cache file
    (``""`` for none); ``n_jobs`` the processes for word segmentation (``None``: all cores)."""

    detector: dict[str, Any] = field(default_factory=dict)
    relevance: dict[str, Any] = field(default_factory=dict)
    cache: str | None = None
    n_jobs: int | None = None

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def run_cache(self) -> RunCache | None:
        """Where finished analyses are kept for re-runs: beside the token cache (none if
        ``cache`` is ``""``)."""
        if self.cache == "":
            return None
        return RunCache(Path(self.cache or default_cache_path()).parent / "runs")

    def token_cache(self) -> TokenCache:
        if self.cache == "":
            return TokenCache(None)
        return TokenCache(self.cache or default_cache_path())


def _flags(profile: CopyProfile, relevance: RelevanceScore, writer: Writer) -> tuple[str, ...]:
    flags = list(profile.flags)
    if relevance.level <= 1 and "resolution_only" not in flags:
        flags.append("low_relevance")
    if writer.signature_mismatch:
        flags.append("signature_mismatch")  # a copy whose header name was changed, not the end
    return tuple(flags)


def _score(shared: tuple, essay_id: str) -> RelevanceScore | str:
    """The essay's relevance, or the error's text: one essay's failure is its own."""
    scorer, prepared, profiles, writers = shared
    try:
        return scorer.score(prepared[essay_id], profiles[essay_id], writers[essay_id].unit)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


MIN_BODY_WORDS = 20  # fewer words after the header is no essay to compare or score
_SURELY_A_BODY = 15 * MIN_BODY_WORDS
_WORDS = re.compile(r"\w*[^\W\d_]\w*")


def screen(documents: Sequence[Document]) -> tuple[list[Document], list[ReadError]]:
    """The documents with a body to check, and an error entry for each one without."""
    kept, errors = [], []
    for d in documents:
        # No header holds this many words: a long text has a body, no need to lay it out here
        # (prepare does, once).
        if len(_WORDS.findall(d.text)) >= _SURELY_A_BODY:
            kept.append(d)
            continue
        norm = split_run_on(normalize(d.text).text)
        layout = parse_layout(norm)
        n = len(_WORDS.findall(norm[layout.body_start : layout.body_end]))
        if n >= MIN_BODY_WORDS:
            kept.append(d)
            continue
        errors.append(
            ReadError(
                d.source,
                "no_body",
                f"Bài '{d.source}' gần như không có nội dung sau phần đầu bài ({n} từ): "
                "hãy kiểm tra tệp có đúng là bài thu hoạch và nộp lại bản đầy đủ.",
            )
        )
    return kept, errors


def _writer(essay: Essay, unit: Unit) -> Writer:
    signature, author = essay.layout.signature, essay.layout.author
    mismatch = bool(signature and author and signature.lower() != author.lower())
    return Writer(essay.source, essay.author, essay.role, unit, essay.n_words, mismatch)


_KIND = re.compile(r"^(nghị quyết|kết luận|chỉ thị|quy định)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\bsố\s*\d+\s*-\s*[A-ZĐa-zđ]+/[A-ZĐa-zđ]+", re.IGNORECASE)


def resolution_title(text: str) -> str:
    """What the resolution is called: its title line ("Nghị quyết số 27-NQ/TW ..."), or the kind
    line of an official layout ("NGHỊ QUYẾT" then its subject, the number on the "Số" line)
    rather than the issuing body heading the page."""
    lines = [" ".join(ln.split()) for ln in text.split("\n") if ln.strip(" *\t")]
    head = lines[:15]
    titled = next((ln for ln in head if _KIND.match(ln) and re.search(r"\bsố\b", ln, re.I)), "")
    if titled:
        return titled[:200]
    k = next((i for i, ln in enumerate(head) if _KIND.match(ln)), None)
    if k is None:
        return (lines[0] if lines else "")[:200]
    number = next((m.group() for ln in head[:k] if (m := _NUMBER.search(ln))), "")
    subject = next((ln for ln in head[k + 1 :] if ln.lower().startswith("về ")), "")
    number = "số " + number[2:].strip() if number else ""
    kind = head[k].capitalize() if len(head[k].split()) <= 3 else head[k]  # "NGHỊ QUYẾT" alone
    return " ".join(p for p in (kind, number, subject) if p)[:200]


def check_documents(
    documents: Sequence[Document],
    resolution: str,
    references: Sequence[Document] = (),
    units: Sequence[Unit] = (),
    config: Config | None = None,
    errors: Sequence[ReadError] = (),
    progress: Progress | None = None,
    archive: Archive | None = None,
    add_to_archive: str = "",
) -> Report:
    """Check documents already read (the UI uploads, tests) against a resolution text.

    An essay with no body, or whose scoring fails, becomes an entry in ``errors``; the rest of
    the batch is checked. With an ``archive``, every essay is also compared with the archived
    essays of earlier campaigns; ``add_to_archive`` then adds the batch to it as that campaign."""
    config = config or Config()
    documents, empty = screen(documents)
    errors = [*errors, *empty]
    cache = config.token_cache()
    timings: dict[str, float] = {}

    def stage(name: str, step: int) -> float:
        if progress:
            progress(name, step, 4)
        return time.perf_counter()

    detector = CopyDetector(**{"n_jobs": config.n_jobs, **config.detector})
    runs = config.run_cache()
    # An archive changes what a batch is compared with: its state is part of the key.
    extra = archive.state() if archive is not None else ""
    key = run_key(documents, resolution, references, units, detector, extra) if runs else ""
    state = runs.load(key) if runs else None
    prepared: dict[str, Essay] = {}

    t0 = stage("prepare", 0)
    if state is None:
        essays = prepare(documents, cache, config.n_jobs)
        refs = prepare(references, cache, config.n_jobs, whole=True)
        res = prepare_resolution(resolution, cache)
        prepared = {e.id: e for e in essays}
    timings["prepare"] = time.perf_counter() - t0

    t0 = stage("copies", 1)
    if state is None:
        unit_of = {e.id: resolve_unit(e, units) for e in essays}
        # Only units found in the units file: two spellings of one unit are not two units.
        names = {i: u.name if u in units else "" for i, u in unit_of.items()}
        analysis = detector.analyse(essays, resolution, refs, names, archive)
    detector.decide(state.analysis if state else analysis)
    timings["copies"] = time.perf_counter() - t0
    timings.update({f"copies.{k}": v for k, v in detector.timings_.items()})

    t0 = stage("relevance", 2)
    if new := state is None:
        scorer = RelevanceScorer().fit(essays, res, references=refs)
        writers = {e.id: _writer(e, unit_of[e.id]) for e in essays}
        state = RunState(analysis, scorer, writers, resolution_title(res.norm.text))
    state.set_relevance_params(RelevanceScorer(**config.relevance).get_params())
    profiles = detector.profiles_
    stale = [d for d in documents if state.cached_relevance(d.id, profiles[d.id]) is None]
    missing = [d for d in stale if d.id not in prepared]
    prepared |= {e.id: e for e in prepare(missing, cache, config.n_jobs)}
    shared = (state.scorer, prepared, profiles, state.writers)
    ids = [d.id for d in stale]
    failed = {}
    for i, rel in zip(ids, map_shared(_score, shared, ids, config.n_jobs), strict=True):
        if isinstance(rel, str):
            failed[i] = rel
        else:
            state.scored[i] = (profiles[i], rel)
    results = []
    for d in documents:
        if d.id in failed:
            errors.append(
                ReadError(
                    d.source,
                    "scoring_failed",
                    f"Không chấm được mức liên hệ của bài '{d.source}' ({failed[d.id]}): "
                    "bài vẫn được so trùng lặp; hãy báo lỗi này cho người quản trị.",
                )
            )
            continue
        profile, rel, writer = profiles[d.id], state.scored[d.id][1], state.writers[d.id]
        results.append(
            EssayResult(
                id=d.id,
                source=writer.source,
                author=writer.author,
                role=writer.role,
                unit=writer.unit.name,
                n_words=writer.n_words,
                copy=profile,
                relevance=rel,
                flags=_flags(profile, rel, writer),
                spans=detector.highlights_[d.id],
            )
        )
    timings["relevance"] = time.perf_counter() - t0
    stage("report", 3)
    if runs and new:  # a re-run re-scores its few changed essays rather than save again
        runs.save(key, state)
    texts = {d.id: d.text for d in [*documents, *references]} | state.analysis.archived
    if archive is not None and add_to_archive:
        t0 = time.perf_counter()
        if not prepared or len(prepared) < len(documents):
            prepared = {e.id: e for e in prepare(documents, cache, config.n_jobs)}
        archive.add_essays(add_to_archive, resolution, [prepared[d.id] for d in documents])
        timings["archive_add"] = time.perf_counter() - t0
    return Report(
        results,
        detector.matches_,
        detector.groups_,
        list(errors),
        texts,
        state.resolution_title,
        timings,
    )


def check(
    inputs: Iterable[str | Path],
    resolution: str | Path,
    references: Iterable[str | Path] = (),
    units: str | Path | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
    archive: Archive | None = None,
    add_to_archive: str = "",
) -> Report:
    """Read a batch (files, folders, archives) and check it against a resolution file; with
    an ``archive`` of earlier campaigns, against it too (``add_to_archive``: then add it)."""
    t0 = time.perf_counter()
    documents, errors = read_batch(list(inputs))
    ref_docs, ref_errors = read_batch(list(references))
    resolution_text = read_text(resolution)
    unit_list = read_units(units) if units else []
    read_time = time.perf_counter() - t0
    report = check_documents(
        documents,
        resolution_text,
        ref_docs,
        unit_list,
        config,
        errors + ref_errors,
        progress,
        archive,
        add_to_archive,
    )
    report.timings["read"] = read_time
    return report
