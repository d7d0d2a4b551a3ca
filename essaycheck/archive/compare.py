"""Candidates from the archive for a batch: the archive's index, then the cheap bound on the
stored summaries, then the archived essays that pass it, ready for the batch's verification.

Per new essay: its sketches (the ones the batch index used) are looked up in the archive's index
(:class:`~essaycheck.candidates.CandidateIndex`, same rule: a whole-body or facts hit, or
``min_window_hits`` windows); each hit's stored shingles and facts give the bound that
:func:`~essaycheck.verify.verify` applies first, so only essays that may be copies are read and
laid out. An archived essay's text is masked with the batch's boilerplate and with the quotes of
both resolutions (its campaign's and the one studied now): quoting a resolution is no copy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import verify
from ..candidates import IndexParams, Sketches, sketch
from ..fingerprint import fingerprint, fingerprint_text
from ..normalize import normalize
from . import Archive, ArchiveError, chunks

if TYPE_CHECKING:
    from ..detect import CopyDetector

_SUMMARY_CHUNK = 2000  # archived essays whose summaries are read at once


@dataclass
class ArchiveFound:
    """Archived essays to verify (numbered after the batch's texts), their facts, and the
    candidate pairs (batch text, archived text) as positions in the joined list."""

    texts: list[verify.Text] = field(default_factory=list)
    facts: list[set[str]] = field(default_factory=list)
    pairs: set[tuple[int, int]] = field(default_factory=set)
    n_hits: int = 0  # pairs the index gave, before the bound


def archive_candidates(
    det: CopyDetector,
    archive: Archive,
    texts: list[verify.Text],
    facts: list[set[str]],
    sketches: list[Sketches],
    ctx: verify.Context,
    fact_stats: verify.FactStats,
    resolution_words: set[str],
) -> ArchiveFound:
    """The archived essays like the batch's essays (references are not compared with it)."""
    if archive.settings.shingle_size != det.shingle_size:
        raise ArchiveError(
            f"Kho bài dùng shingle_size={archive.settings.shingle_size}, lần kiểm tra này dùng "
            f"{det.shingle_size}: hãy kiểm tra với cùng cài đặt hoặc dùng kho bài khác."
        )
    params = archive.params
    batch = [i for i, t in enumerate(texts) if not t.is_reference]
    if params != IndexParams.of(det):  # the archive's sketches were made with its settings
        sketches = [sketch(t.own_hashes, f, params) for t, f in zip(texts, facts, strict=True)]
    found = ArchiveFound()
    if not batch:
        return found
    hits = archive.index.query([sketches[i] for i in batch])
    like: dict[int, list[int]] = defaultdict(list)
    for i, h in zip(batch, hits, strict=True):
        for key in h.candidates(params.min_window_hits):
            like[key].append(i)
    found.n_hits = sum(len(v) for v in like.values())

    # A figure or name that many essays of this batch write ("2025", the province) says
    # nothing about copying an earlier campaign: only the batch's rare facts count here.
    rare = [{f for f in fs if fact_stats.df.get(f, 0) <= fact_stats.rare} for fs in facts]
    kept: dict[int, list[int]] = {}
    for chunk in chunks(sorted(like), _SUMMARY_CHUNK):
        for key, summary in archive.summaries(chunk).items():
            near = [
                i
                for i in like[key]
                if verify.worth_verifying(
                    det,
                    len(np.intersect1d(texts[i].shingles, summary.shingles, assume_unique=True)),
                    len(rare[i] & summary.facts),
                )
            ]
            if near:
                kept[key] = near
    if not kept:
        return found

    quotes: dict[str, verify.Context] = {}
    resolutions = {c.name: c.resolution for c in archive.campaigns()}
    k = det.shingle_size
    offset = len(texts)
    for record in archive.essays(sorted(kept)):
        if record.campaign not in quotes:
            theirs = fingerprint_text(normalize(resolutions.get(record.campaign, "")).text, k)
            both = np.union1d(ctx.quote_hashes, theirs.hashes)
            quotes[record.campaign] = verify.Context(both, ctx.frequent)
        essay = record.essay()
        t = verify.make_text(
            det, essay, fingerprint(essay, k), quotes[record.campaign], True, record.campaign
        )
        t.shingles = np.unique(t.own_hashes)
        n = offset + len(found.texts)
        found.texts.append(t)
        found.facts.append(fact_stats.facts(verify.own_words(t, resolution_words)))
        found.pairs.update((i, n) for i in kept[record.key])
    return found
