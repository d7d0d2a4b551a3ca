"""Forked workers share the state and give the same results, in order, as a plain loop."""

from __future__ import annotations

import os

from essaycheck.parallel import map_shared


def scaled(state: dict, item: int) -> tuple[int, int]:
    return state["factor"] * item, os.getpid()


def test_forked_map_equals_a_loop_and_runs_elsewhere():
    state = {"factor": 3, "big": list(range(100_000))}  # inherited, never pickled
    items = list(range(50))
    out = map_shared(scaled, state, items, n_jobs=2, min_items=10)
    assert [v for v, _ in out] == [3 * i for i in items]
    assert {pid for _, pid in out} - {os.getpid()}  # the work ran in other processes
    small = map_shared(scaled, state, items[:5], n_jobs=2, min_items=10)
    assert {pid for _, pid in small} == {os.getpid()}  # too few items: no processes started
