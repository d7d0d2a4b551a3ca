"""Stage 4 of copy detection: decide. The verified pairs above the thresholds, directions that
hold together over the batch, each essay's copy profile, and copy groups as connected components
of the matches. Cheap: other thresholds need only this stage (see :class:`~.detect.Analysis`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .attribution import date_hint
from .boilerplate import runs
from .matches import CopyGroup, CopyProfile, Match
from .verify import Runs, TextBasis, VerifiedPair

if TYPE_CHECKING:
    from .detect import Analysis, CopyDetector

RESOLUTION_ONLY_SHARE = 0.6  # body mostly resolution text: no personal work


def groups(ids: list[str], refs: set[str], matches: list[Match]) -> list[CopyGroup]:
    index = {x: i for i, x in enumerate(ids)}
    rows = [index[m.a] for m in matches]
    cols = [index[m.b] for m in matches]
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    degree: Counter[str] = Counter()
    votes: Counter[str] = Counter(m.source for m in matches if m.source)
    for m in matches:
        degree.update((m.a, m.b))
    members: dict[int, list[str]] = {}
    for x in sorted(degree):
        members.setdefault(int(labels[index[x]]), []).append(x)
    groups = []
    for n, group in enumerate(sorted(members.values(), key=lambda g: (-len(g), g[0]))):
        group_refs = tuple(x for x in group if x in refs)
        # The suspected source: a reference, else the essay judged source most often, else
        # a hub copied by all the others; "" when the texts do not say.
        ranked = sorted(group_refs or group, key=lambda x: (-votes[x], -degree[x]))
        top = ranked[0]
        tied = len(ranked) > 1 and (votes[ranked[1]], degree[ranked[1]]) == (
            votes[top],
            degree[top],
        )
        source = top if group_refs or votes[top] or not tied else ""
        groups.append(CopyGroup(n + 1, tuple(group), source, group_refs))
    return groups


def profile(
    t: TextBasis, masks: dict[str, list[np.ndarray]], partners: list[str], refs: set[str]
) -> tuple[CopyProfile, dict[str, list[tuple[int, int]]]]:
    """The copy profile (normalised offsets) and the spans to highlight (original ones)."""
    n = t.n_tokens

    def union(*roles: str) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for role in roles:
            for m in masks.get(role, ()):
                out |= m
        return out

    def spans(mask: np.ndarray, offsets: np.ndarray = t.spans) -> tuple[tuple[int, int], ...]:
        return tuple((int(offsets[lo, 0]), int(offsets[hi - 1, 1])) for lo, hi in runs(mask))

    matched = union("taken", "shared", "given")
    # Sentences holding the partner's facts count as copied for credit, not for similarity.
    taken = union("taken", "taken_facts")
    na = int(t.countable.sum())
    quote_share = float(t.quote.mean()) if n else 0.0
    flags = []
    if partners:
        flags.append("copy")
    if any(p in refs for p in partners):
        flags.append("copy_of_reference")
    if quote_share >= RESOLUTION_ONLY_SHARE:
        flags.append("resolution_only")
    profile = CopyProfile(
        id=t.id,
        n_tokens=n,
        similarity=round(float((matched & t.countable).sum() / na), 4) if na else 0.0,
        quote_share=round(quote_share, 4),
        boilerplate_share=round(float(t.boilerplate.mean()), 4) if n else 0.0,
        partners=tuple(sorted(set(partners))),
        copied=spans(matched),
        taken=spans(taken),
        shared=spans(union("shared", "shared_facts") & ~taken),
        quoted=spans(t.quote),
        boilerplate=spans(t.boilerplate),
        flags=tuple(flags),
    )
    highlights = {
        "quoted": list(spans(t.quote, t.original)),
        "boilerplate": list(spans(t.boilerplate, t.original)),
        "copied": list(spans(matched, t.original)),
    }
    return profile, highlights


def settle(texts: Sequence[TextBasis], pairs: list[VerifiedPair]) -> list[VerifiedPair]:
    """Directions that hold together over the whole batch.

    Two copies of one source are siblings: neither copied the other. The centre of a star
    (the source of several copies) is not made a copy of one of them. A pair left without a
    source gets the writers' dates as a hint in its reason, never as a verdict.
    """
    sources_of: dict[int, set[int]] = {}
    given: Counter[int] = Counter()
    for p in pairs:
        if p.match.source:
            src, taker = (p.a, p.b) if texts[p.a].id == p.match.source else (p.b, p.a)
            sources_of.setdefault(taker, set()).add(src)
            given[src] += 1
    linked = {(p.a, p.b) for p in pairs} | {(p.b, p.a) for p in pairs}
    out = []
    for p in pairs:
        m = p.match
        if texts[p.b].is_reference:
            out.append(p)
            continue
        common = sources_of.get(p.a, set()) & sources_of.get(p.b, set())
        if m.source:
            src, taker = (p.a, p.b) if texts[p.a].id == m.source else (p.b, p.a)
            # The taker's text is explained by another source that the named one matches
            # too: the named source may be a sibling copy of it.
            common |= {z for z in sources_of.get(taker, set()) - {src} if (src, z) in linked}
        if common:
            first = texts[min(common)].id
            reason = f"Cả hai bài cùng lấy nội dung từ {first}: chưa rõ bài nào chép bài nào."
            m = replace(m, source="", reason=reason, confidence="")
        elif m.source and given[taker] >= 2 and given[src] < given[taker]:
            reason = (
                f"Chưa rõ bài gốc: bài {texts[taker].id} là nguồn của nhiều bài khác, "
                f"căn cứ cho rằng nó chép bài {texts[src].id} chưa đủ tin cậy."
            )
            m = replace(m, source="", reason=reason, confidence="")
        if not m.source:
            a, b = texts[p.a], texts[p.b]
            hint = date_hint(a.id, a.date, b.id, b.date)
            m = replace(m, reason=m.reason or hint or "Chưa rõ bài gốc: không có căn cứ.")
        out.append(replace(p, match=m) if m is not p.match else p)
    return out


def mask(t: TextBasis, token_runs: Runs) -> np.ndarray:
    out = np.zeros(t.n_tokens, dtype=bool)
    for lo, hi in token_runs:
        out[lo:hi] = True
    return out


def _section(match: Match) -> int:
    """Words copied word for word, in passages of at least 8 words (a section lifted into a
    long essay of one's own, lightly edited into pieces)."""
    return sum(p.n_words for p in match.passages if p.method == "shingle")


def decide(det: CopyDetector, analysis: Analysis) -> None:
    """Set ``det``'s fitted attributes: matches at its thresholds, their direction, copy groups
    and profiles."""
    if det.threshold < analysis.floors[0] or det.min_match_words < analysis.floors[1]:
        raise ValueError("the analysis was made for higher thresholds: analyse again")
    t0 = time.perf_counter()
    texts = analysis.texts
    kept = [
        p
        for p in analysis.pairs
        if (p.match.score >= det.threshold or _section(p.match) >= det.min_section_words)
        and min(p.matched_words, p.shared_words) >= det.min_match_words
    ]
    kept = settle(texts, kept)
    masks: dict[int, dict[str, list[np.ndarray]]] = {}
    partners: dict[int, list[str]] = {}
    for p in kept:
        source = p.match.source
        for n, side, other in ((p.a, "a", p.match.b), (p.b, "b", p.match.a)):
            if texts[n].is_reference:
                continue
            role = "shared" if not source else "taken" if source == other else "given"
            mine = masks.setdefault(n, {})
            mine.setdefault(role, []).append(mask(texts[n], p.runs[side]))
            if role != "given":  # a paraphrase keeps the source's figures and names
                facts = mask(texts[n], p.runs[f"{side}_facts"])
                mine.setdefault(role + "_facts", []).append(facts)
            partners.setdefault(n, []).append(other)
    # Archived essays are sources like references, but not "a reference" in the flags.
    refs = {t.id for t in texts if t.is_reference and not t.campaign}
    matches = [p.match for p in kept]
    det.reference_ids_ = refs
    det.matches_ = matches
    det.groups_ = groups([t.id for t in texts], refs, matches)
    det.profiles_, det.highlights_ = {}, {}
    for n, t in enumerate(texts):
        if not t.is_reference:
            prof, marks = profile(t, masks.get(n, {}), partners.get(n, []), refs)
            det.profiles_[t.id], det.highlights_[t.id] = prof, marks
    det.n_candidates_ = analysis.n_candidates
    det.timings_ = {**analysis.timings, "groups": time.perf_counter() - t0}
