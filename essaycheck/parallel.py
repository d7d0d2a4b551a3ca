"""Run a function over many items on forked processes that share read-only state.

Verification and relevance scoring work on large structures (fingerprints, prepared essays)
that would be slow to pickle; forked workers see them copy-on-write, and only the items and
results cross process boundaries.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STATE: Any = None  # set in the parent just before the fork, read by the workers


def _run(fn: Callable[[Any, T], R], items: Sequence[T]) -> list[R]:
    return [fn(_STATE, item) for item in items]


def map_shared(
    fn: Callable[[Any, T], R],
    state: Any,
    items: Sequence[T],
    n_jobs: int | None = None,
    min_items: int = 1000,
    chunks_per_job: int = 8,
) -> list[R]:
    """``[fn(state, item) for item in items]``, on ``n_jobs`` forked processes (default: all
    cores) when there are at least ``min_items``; ``fn`` must be a module-level function."""
    global _STATE
    jobs = n_jobs or os.cpu_count() or 1
    if jobs <= 1 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(state, item) for item in items]
    size = -(-len(items) // (jobs * chunks_per_job))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    _STATE = state
    gc.freeze()  # the collector in a worker would touch, so copy, every shared object's page
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            parts = list(pool.map(_run, [fn] * len(chunks), chunks))
    finally:
        gc.unfreeze()
        _STATE = None
    return [r for part in parts for r in part]
