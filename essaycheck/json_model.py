"""Fitted models saved as readable JSON (never pickled): a frozen dataclass of tuples."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def save(model: Any, path: str | Path) -> None:
    """Write a dataclass model as indented JSON."""
    text = json.dumps(asdict(model), ensure_ascii=False, indent=1) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def load(cls: type[T], text: str) -> T:
    """A model of class ``cls`` from its JSON (lists become tuples, as the dataclasses hold)."""
    return cls(**{k: _tuples(v) for k, v in json.loads(text).items()})
