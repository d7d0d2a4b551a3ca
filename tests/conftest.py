"""Shared fixtures: the hand-written sample essays and resolution, prepared once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from essaycheck.documents import Document
from essaycheck.essay import prepare
from essaycheck.tokenize import TokenCache

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SOURCE = SAMPLES / "source" / "essays"


def source_text(essay_id: str) -> str:
    return (SOURCE / f"{essay_id}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def resolution_text() -> str:
    return (SAMPLES / "resolution.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def cache() -> TokenCache:
    return TokenCache(None)


@pytest.fixture(scope="session")
def make_essays(cache):
    """Prepare ``{id: text}`` into essays (word segmentation cached across the session)."""

    def make(texts: dict[str, str]):
        return prepare([Document(i, f"{i}.txt", t) for i, t in texts.items()], cache, n_jobs=1)

    return make
