"""Labelled campaigns: a batch with its resolution, references, units and ground truth.

Two layouts are read:
- the campaign layout (``labels.csv`` with ``id,unit_id,author,role,relevance,note`` and
  ``truth_pairs.csv`` with ``a,b,kind,source``): every copy relation listed, ``source`` the
  original or ``none`` for two copies of a common source;
- the sample layout (``labels.csv`` with ``id,unit,relevance,copy_of,copy_kind``): each copy
  names its source; two copies of one source are siblings (source ``none``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pandas as pd

NONE = "none"
RESOLUTION = "resolution"


@dataclass(frozen=True)
class Campaign:
    """Where a labelled campaign's inputs are, and its truth.

    ``levels``: ``id, unit, relevance, note`` for the original essays with a relevance label
    (copies are left out: their level follows from the copying); ``pairs``:
    ``a, b, kind, source`` for every copy relation; ``resolution_only``: ids of essays that are
    the resolution's own text.
    """

    name: str
    root: Path
    batch: Path
    resolution: Path
    references: tuple[Path, ...]
    units: Path | None
    levels: pd.DataFrame
    pairs: pd.DataFrame
    resolution_only: frozenset[str] = frozenset()


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _sample_pairs(labels: pd.DataFrame) -> tuple[pd.DataFrame, frozenset[str]]:
    rows, by_source, res_only = [], {}, set()
    for r in labels.itertuples():
        for source in filter(None, (s.strip() for s in str(r.copy_of).split(";"))):
            if source == RESOLUTION:
                res_only.add(r.id)
                continue
            rows.append((r.id, source, r.copy_kind, source))
            by_source.setdefault(source, []).append(r.id)
    for copies in by_source.values():
        rows += [(a, b, "sibling", NONE) for a, b in combinations(sorted(copies), 2)]
    return pd.DataFrame(rows, columns=["a", "b", "kind", "source"]), frozenset(res_only)


def load_campaign(path: str | Path) -> Campaign:
    """Read a campaign folder (either layout, see the module docstring)."""
    root = Path(path)
    labels = _read(root / "labels.csv")
    if "copy_of" in labels.columns:  # sample layout
        pairs, res_only = _sample_pairs(labels)
        levels = labels.assign(note="")[["id", "unit", "relevance", "note"]]
    else:
        pairs = _read(root / "truth_pairs.csv")[["a", "b", "kind", "source"]]
        res_only = frozenset()
        levels = labels.rename(columns={"unit_id": "unit"})
        levels = levels.assign(note=levels.get("note", ""))[["id", "unit", "relevance", "note"]]
    # Relevance is judged on originals, as the campaign layout labels it: a copy's level
    # follows from its copying (a copied liên hệ is level 1), not from its text.
    copies = {r.a for r in pairs.itertuples() if r.source != r.a} | {
        x for r in pairs.itertuples() if r.source == NONE for x in (r.a, r.b)
    }
    levels = levels[~levels.id.isin(copies)]
    levels = levels.assign(relevance=pd.to_numeric(levels.relevance, errors="coerce"))
    levels = levels.dropna(subset=["relevance"]).astype({"relevance": int})
    reference = root / "reference"
    units = root / "units.csv"
    return Campaign(
        name=root.name if root.name != "" else str(root),
        root=root,
        batch=root / "batch",
        resolution=root / "resolution.txt",
        references=(reference,) if reference.is_dir() else (),
        units=units if units.exists() else None,
        levels=levels.reset_index(drop=True),
        pairs=pairs,
        resolution_only=res_only,
    )


def is_campaign(path: str | Path) -> bool:
    root = Path(path)
    return (root / "labels.csv").exists() and (root / "batch").is_dir()
