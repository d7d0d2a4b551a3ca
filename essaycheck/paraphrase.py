"""Sentence-level alignment that finds paraphrases: same facts, same order, other words.

Shingles miss a rewrite (5-gram overlap falls to ~0.1), but its sentences still share the rare
content words and figures of the original, in the same order. Sentences are compared with TF-IDF
over segmented words (rare facts weigh most), and the best chain of similar sentences that keeps
the order in both essays is taken.
"""

from __future__ import annotations

import numpy as np


def monotone_chain(sim: np.ndarray, min_sim: float) -> list[tuple[int, int, float]]:
    """Highest-total chain of ``(i, j, sim)`` with ``i`` and ``j`` both increasing.

    Only pairs with ``sim >= min_sim`` take part; each sentence is used at most once.
    """
    ii, jj = np.nonzero(sim >= min_sim)
    if not len(ii):
        return []
    order = np.lexsort((jj, ii))
    pairs = [(int(ii[o]), int(jj[o]), float(sim[ii[o], jj[o]])) for o in order]
    best = [p[2] for p in pairs]
    back = [-1] * len(pairs)
    for x, (i, j, s) in enumerate(pairs):
        for y in range(x):
            pi, pj, _ = pairs[y]
            if pi < i and pj < j and best[y] + s > best[x]:
                best[x], back[x] = best[y] + s, y
    x = int(np.argmax(best))
    chain = []
    while x >= 0:
        chain.append(pairs[x])
        x = back[x]
    return chain[::-1]
