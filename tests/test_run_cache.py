"""A re-run from the run cache gives exactly what a fresh run gives, and skips the costly work."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

import essaycheck.pipeline as pipeline
from essaycheck import Config, check
from essaycheck.private import CacheWarning
from essaycheck.report import to_dict
from essaycheck.run_cache import RunCache

ARGS = (
    [SAMPLES / "batch"],
    SAMPLES / "resolution.txt",
    [SAMPLES / "reference"],
    SAMPLES / "units.csv",
)


def same(a, b) -> dict:
    """Both reports as JSON, minus what differs between any two runs."""
    da, db = to_dict(a), to_dict(b)
    for d in (da, db):
        d.pop("created"), d.pop("timings")
    return da == db


@pytest.fixture
def cached(tmp_path):
    def config(**settings) -> Config:
        return Config(cache=str(tmp_path / "tokens.sqlite"), n_jobs=1, **settings)

    return config


@pytest.mark.parametrize(
    "settings",
    [
        {"detector": {"threshold": 0.8}},
        {"detector": {"threshold": 0.9, "min_match_words": 100}},
        {"relevance": {"cutpoints": (15.0, 40.0, 60.0), "shared_credit": 0.25}},
    ],
)
def test_a_rerun_with_other_thresholds_equals_a_fresh_run(cached, monkeypatch, settings):
    first = check(*ARGS, config=cached())
    calls = []
    analyse = pipeline.CopyDetector.analyse
    monkeypatch.setattr(
        pipeline.CopyDetector, "analyse", lambda *a, **k: calls.append(1) or analyse(*a, **k)
    )
    rerun = check(*ARGS, config=cached(**settings))
    assert calls == []  # nothing analysed again
    assert rerun.timings["prepare"] < 0.2 * first.timings["prepare"]
    fresh = check(*ARGS, config=Config(cache="", n_jobs=1, **settings))
    assert same(rerun, fresh)
    assert not same(rerun, first)  # the new settings did change something


def test_other_inputs_or_lower_floors_are_analysed_again(cached, monkeypatch):
    check(*ARGS, config=cached())
    calls = []
    analyse = pipeline.CopyDetector.analyse
    monkeypatch.setattr(
        pipeline.CopyDetector, "analyse", lambda *a, **k: calls.append(1) or analyse(*a, **k)
    )
    check(*ARGS[:3], None, config=cached())  # no units file: other units, other directions
    check(*ARGS, config=cached(detector={"threshold": 0.05}))  # below the verified floor
    check(*ARGS, config=cached(detector={"shingle_size": 6}))  # other candidates
    assert len(calls) == 3


def test_a_damaged_run_file_is_analysed_again(cached, tmp_path):
    first = check(*ARGS, config=cached())
    RunCache.wait()  # saved in the background
    (run_file,) = (tmp_path / "runs").glob("*.npz")
    run_file.write_bytes(b"not a state file")
    with pytest.warns(CacheWarning, match="bị hỏng"):
        again = check(*ARGS, config=cached())
    RunCache.wait()
    assert same(first, again)
    assert run_file.exists() and run_file.stat().st_size > 1000  # written anew
    assert run_file.with_name(run_file.name + ".damaged").read_bytes() == b"not a state file"
    assert run_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "runs").stat().st_mode & 0o777 == 0o700
