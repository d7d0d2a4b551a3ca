"""Score a report against a labelled campaign: copy pairs (precision, recall per kind, direction
right / wrong / unknown) and relevance (Spearman, quadratic weighted kappa, level confusion, the
trap essays' levels, simple baselines)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from .campaigns import NONE, Campaign
from .normalize import normalize
from .results import Report

TRAPS = ("off_topic", "ritual_only", "numbers_only")


def _components(pairs: pd.DataFrame) -> dict[str, int]:
    nodes = sorted(set(pairs.a) | set(pairs.b))
    index = {x: i for i, x in enumerate(nodes)}
    graph = csr_matrix(
        (np.ones(len(pairs)), ([index[x] for x in pairs.a], [index[x] for x in pairs.b])),
        shape=(len(nodes), len(nodes)),
    )
    _, labels = connected_components(graph, directed=False)
    return {x: int(labels[i]) for x, i in index.items()}


@dataclass(frozen=True)
class CopyEvaluation:
    """Pair precision/recall/F1 and copy direction.

    A found pair is right when it is a labelled relation or both texts are in one labelled copy
    group (a copy of a copy); recall counts the labelled relations found. Direction is judged on
    the labelled relations found: ``right`` names the labelled source, ``wrong`` names the other
    side (or any side of two copies of a common source), ``unknown`` names none.
    """

    precision: float
    recall: float
    f1: float
    per_kind: pd.DataFrame
    false_pairs: list[tuple[str, str]]
    missed_pairs: list[tuple[str, str, str]]
    direction: dict[str, int]
    wrong_sources: list[tuple[str, str, str]]  # (a, b, source named)
    resolution_only_found: int
    resolution_only_expected: int


def evaluate_copies(
    report: Report, campaign: Campaign, threshold: float | None = None
) -> CopyEvaluation:
    """Compare the report's matches (with ``score >= threshold``, if given) to the campaign."""
    pairs = campaign.pairs
    component = _components(pairs) if len(pairs) else {}
    truth = {frozenset((r.a, r.b)): (r.kind, r.source) for r in pairs.itertuples()}
    found = {
        frozenset((m.a, m.b)): m
        for m in report.matches
        if threshold is None or m.score >= threshold
    }
    right = {p for p in found if len({component.get(x, f"-{x}") for x in p}) == 1}
    direction = {"right": 0, "wrong": 0, "unknown": 0}
    wrong = []
    for p, m in found.items():
        if p not in truth:
            continue
        source = truth[p][1]
        verdict = "unknown" if not m.source else "right" if m.source == source else "wrong"
        if source == NONE and m.source:
            verdict = "wrong"
        direction[verdict] += 1
        if verdict == "wrong":
            wrong.append((m.a, m.b, m.source))
    hit = {p: p in found for p in truth}
    kinds = pd.DataFrame(
        [{"kind": kind, "found": hit[p]} for p, (kind, _) in truth.items()],
        columns=["kind", "found"],
    )
    per_kind = kinds.groupby("kind")["found"].agg(expected="size", found="sum").reset_index()
    per_kind["recall"] = (per_kind["found"] / per_kind["expected"]).round(3)
    precision = len(right) / len(found) if found else 1.0
    recall = sum(hit.values()) / len(hit) if hit else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    flagged = {e.id for e in report.essays if "resolution_only" in e.flags}
    return CopyEvaluation(
        round(precision, 4),
        round(recall, 4),
        round(f1, 4),
        per_kind,
        sorted(tuple(sorted(p)) for p in set(found) - right),
        sorted((*sorted(p), truth[p][0]) for p in truth if not hit[p]),
        direction,
        sorted(wrong),
        len(campaign.resolution_only & flagged),
        len(campaign.resolution_only),
    )


def precision_recall_curve(report: Report, campaign: Campaign) -> pd.DataFrame:
    """Precision and recall as the pair score threshold rises over the scores found."""
    rows = []
    for t in sorted({m.score for m in report.matches}):
        ev = evaluate_copies(report, campaign, t)
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


def kappa(a: pd.Series, b: pd.Series) -> float:
    """Quadratic weighted kappa over the four levels (0 when it is undefined)."""
    if len(set(a) | set(b)) < 2:
        return 0.0
    return float(cohen_kappa_score(a, b, weights="quadratic", labels=[0, 1, 2, 3]))


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Rank correlation (0 when one side is constant and it is undefined)."""
    if a.nunique() < 2 or b.nunique() < 2:
        return 0.0
    return float(spearmanr(a, b).statistic)


@dataclass(frozen=True)
class RelevanceEvaluation:
    spearman: float
    kappa: float
    confusion: pd.DataFrame
    traps: pd.DataFrame  # the off-topic, ritual-only and numbers-only essays: label, level
    baselines: pd.DataFrame  # per baseline: spearman
    table: pd.DataFrame  # per essay: unit, note, label, score, level


def evaluate_relevance(report: Report, campaign: Campaign) -> RelevanceEvaluation:
    """Spearman and kappa of the report's relevance against the labelled levels."""
    scores = {e.id: (e.relevance.score, e.relevance.level) for e in report.essays}
    lab = campaign.levels[campaign.levels.id.isin(list(scores))].set_index("id")
    table = pd.DataFrame(
        {
            "unit": lab["unit"],
            "note": lab["note"],
            "label": lab["relevance"].astype(int),
            "score": [scores[i][0] for i in lab.index],
            "level": [scores[i][1] for i in lab.index],
        },
        index=lab.index,
    )
    return relevance_figures(table, report, campaign)


def relevance_figures(
    table: pd.DataFrame, report: Report | None = None, campaign: Campaign | None = None
) -> RelevanceEvaluation:
    """Figures of a per-essay table with ``label``, ``score``, ``level`` (and ``note``)."""
    base_rows = []
    if report is not None and campaign is not None:
        base = baselines(report, campaign.resolution.read_text(encoding="utf-8"))
        base = base.loc[table.index]
        base_rows = [
            {"baseline": name, "spearman": round(spearman(base[name], table.label), 3)}
            for name in base.columns
        ]
    confusion = pd.DataFrame(
        confusion_matrix(table.label, table.level, labels=[0, 1, 2, 3]),
        index=[f"label {i}" for i in range(4)],
        columns=[f"level {i}" for i in range(4)],
    )
    notes = table.get("note", pd.Series("", index=table.index)).fillna("")
    trap = notes.apply(lambda n: next((t for t in TRAPS if t in n), ""))
    traps = table.assign(trap=trap)[trap != ""][["trap", "label", "score", "level"]]
    return RelevanceEvaluation(
        spearman=round(spearman(table.score, table.label), 4),
        kappa=round(kappa(table.label, table.level), 4),
        confusion=confusion,
        traps=traps,
        baselines=pd.DataFrame(base_rows, columns=["baseline", "spearman"]),
        table=table,
    )
