"""Score a report against ground truth: copy pairs (precision/recall per kind) and relevance
(Spearman, quadratic weighted kappa, simple baselines, leave-one-unit-out).

Labels file (``labels.csv``): ``id``, ``unit``, ``relevance`` (0-3), ``copy_of`` (``;``-separated
essay or reference ids, or ``resolution``), ``copy_kind``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from .normalize import normalize
from .pipeline import Report
from .relevance import fit_cutpoints

RESOLUTION = "resolution"


def read_labels(path: str | Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["relevance"] = pd.to_numeric(frame["relevance"], errors="coerce")
    return frame


def expected_pairs(labels: pd.DataFrame) -> dict[frozenset[str], str]:
    """Direct copy relations ``{a, b} -> kind`` (copies of the resolution are not pairs)."""
    pairs: dict[frozenset[str], str] = {}
    for row in labels.itertuples():
        for source in filter(None, (s.strip() for s in str(row.copy_of).split(";"))):
            if source != RESOLUTION:
                pairs[frozenset((row.id, source))] = row.copy_kind
    return pairs


def _components(pairs: dict[frozenset[str], str]) -> dict[str, int]:
    nodes = sorted({x for p in pairs for x in p})
    index = {x: i for i, x in enumerate(nodes)}
    rows = [index[min(p)] for p in pairs]
    cols = [index[max(p)] for p in pairs]
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    return {x: int(labels[i]) for x, i in index.items()}


@dataclass(frozen=True)
class CopyEvaluation:
    """Pair precision/recall/F1. A found pair is right when both texts copy one source (the
    same component of the labelled copy graph); recall counts the labelled relations found."""

    precision: float
    recall: float
    f1: float
    per_kind: pd.DataFrame
    false_pairs: list[tuple[str, str]]
    missed_pairs: list[tuple[str, str, str]]
    resolution_only_found: int
    resolution_only_expected: int


def evaluate_copies(
    report: Report, labels: pd.DataFrame, threshold: float | None = None
) -> CopyEvaluation:
    """Compare the report's matches (with ``score >= threshold``, if given) to the labels."""
    expected = expected_pairs(labels)
    component = _components(expected)
    found = {
        frozenset((m.a, m.b)) for m in report.matches if threshold is None or m.score >= threshold
    }
    right = {p for p in found if len(p) == 2 and len({component.get(x, f"-{x}") for x in p}) == 1}
    false_pairs = sorted(tuple(sorted(p)) for p in found - right)
    hit = {p: p in found for p in expected}
    missed = sorted((*sorted(p), kind) for p, kind in expected.items() if not hit[p])
    kinds = pd.DataFrame(
        [{"kind": kind, "found": hit[p]} for p, kind in expected.items()], columns=["kind", "found"]
    )
    per_kind = kinds.groupby("kind")["found"].agg(expected="size", found="sum").reset_index()
    per_kind["recall"] = (per_kind["found"] / per_kind["expected"]).round(3)
    precision = len(right) / len(found) if found else 1.0
    recall = sum(hit.values()) / len(hit) if hit else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    res_only = set(labels.loc[labels.copy_of.str.contains(RESOLUTION), "id"])
    flagged = {e.id for e in report.essays if "resolution_only" in e.flags}
    return CopyEvaluation(
        round(precision, 4),
        round(recall, 4),
        round(f1, 4),
        per_kind,
        false_pairs,
        missed,
        len(res_only & flagged),
        len(res_only),
    )


def precision_recall_curve(report: Report, labels: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall as the pair score threshold rises over the scores found."""
    thresholds = sorted({m.score for m in report.matches})
    rows = []
    for t in thresholds:
        ev = evaluate_copies(report, labels, t)
        rows.append({"threshold": t, "precision": ev.precision, "recall": ev.recall, "f1": ev.f1})
    return pd.DataFrame(rows, columns=["threshold", "precision", "recall", "f1"])


def baselines(report: Report, resolution: str) -> pd.DataFrame:
    """Simple scores a reviewer might try: length, numbers, words not in the resolution, "tôi"."""
    res_words = set(normalize(resolution).text.lower().split())
    rows = []
    for e in report.essays:
        words = normalize(report.texts.get(e.id, "")).text.lower().split()
        rows.append(
            {
                "id": e.id,
                "length": len(words),
                "numbers": sum(bool(re.search(r"\d", w)) for w in words),
                "not_in_resolution": (
                    sum(w.strip(".,;:!?()\"'") not in res_words for w in words) / len(words)
                    if words
                    else 0.0
                ),
                "toi": sum(w.strip(".,;:!?()") == "tôi" for w in words),
            }
        )
    return pd.DataFrame(rows).set_index("id")


def _louo_levels(scores: pd.Series, levels: pd.Series, units: pd.Series) -> pd.Series:
    """Levels predicted with cut points fitted on the other units only."""
    predicted = pd.Series(0, index=scores.index)
    for unit in units.unique():
        train = units != unit
        cuts = fit_cutpoints(scores[train].tolist(), levels[train].astype(int).tolist())
        predicted[~train] = np.searchsorted(cuts, scores[~train], side="right")
    return predicted


@dataclass(frozen=True)
class RelevanceEvaluation:
    spearman: float
    kappa: float
    kappa_louo: float
    confusion: pd.DataFrame
    baselines: pd.DataFrame  # per baseline: spearman, kappa_louo
    table: pd.DataFrame  # per essay: label, score, level


def _kappa(a: pd.Series, b: pd.Series) -> float:
    return float(cohen_kappa_score(a, b, weights="quadratic", labels=[0, 1, 2, 3]))


def evaluate_relevance(
    report: Report, labels: pd.DataFrame, resolution: str
) -> RelevanceEvaluation:
    """Spearman and kappa of the report's relevance against labelled levels, with baselines."""
    scores = {e.id: (e.relevance.score, e.relevance.level) for e in report.essays}
    lab = labels[labels.id.isin(list(scores))].set_index("id")
    table = pd.DataFrame(
        {
            "unit": lab["unit"],
            "label": lab["relevance"].astype(int),
            "score": [scores[i][0] for i in lab.index],
            "level": [scores[i][1] for i in lab.index],
        },
        index=lab.index,
    )
    louo = _louo_levels(table.score, table.label, table.unit)
    base = baselines(report, resolution).loc[table.index]
    base_rows = []
    for name in base.columns:
        rho = float(spearmanr(base[name], table.label).statistic)
        k = _kappa(table.label, _louo_levels(base[name], table.label, table.unit))
        base_rows.append({"baseline": name, "spearman": round(rho, 3), "kappa_louo": round(k, 3)})
    confusion = pd.DataFrame(
        confusion_matrix(table.label, table.level, labels=[0, 1, 2, 3]),
        index=[f"label {i}" for i in range(4)],
        columns=[f"level {i}" for i in range(4)],
    )
    return RelevanceEvaluation(
        spearman=round(float(spearmanr(table.score, table.label).statistic), 4),
        kappa=round(_kappa(table.label, table.level), 4),
        kappa_louo=round(_kappa(table.label, louo), 4),
        confusion=confusion,
        baselines=pd.DataFrame(base_rows),
        table=table,
    )
