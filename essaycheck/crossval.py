"""Evaluate over several labelled campaigns, and fit the level model leave-one-campaign-out.

A campaign is checked once; its essays' relevance components do not depend on the level model,
so refitting the model without a campaign and re-scoring it is cheap and honest: the held-out
campaign's labels never touch the model that scores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .campaigns import Campaign
from .essay import prepare
from .evaluate import (
    CopyEvaluation,
    RelevanceEvaluation,
    evaluate_copies,
    evaluate_relevance,
    relevance_figures,
)
from .levels import LevelModel
from .normalize import fold
from .pipeline import Config, check
from .readers import read_batch, read_text
from .relevance import CONTENT, RelevanceScorer, gated, prepare_resolution
from .results import Report
from .sentence_roles import FEATURES, sentence_class
from .units import read_units, resolve_unit


@dataclass(frozen=True)
class CampaignRun:
    """A checked campaign: the report, its figures, and the labelled essays' components."""

    campaign: Campaign
    report: Report
    copies: CopyEvaluation
    relevance: RelevanceEvaluation
    features: pd.DataFrame  # per labelled essay: label, note, gated content components


def run_campaign(campaign: Campaign, config: Config | None = None) -> CampaignRun:
    report = check(
        [campaign.batch],
        campaign.resolution,
        references=campaign.references,
        units=campaign.units,
        config=config,
    )
    rel = evaluate_relevance(report, campaign)
    by_id = {e.id: e.relevance for e in report.essays}
    rows = []
    for i, r in rel.table.iterrows():
        written = gated(by_id[i].written) if by_id[i].written else {}
        rows.append(
            {"id": i, "label": r.label, "note": r.note}
            | gated(by_id[i].components)
            | {f"written_{c}": written.get(c, np.nan) for c in CONTENT}
        )
    features = pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame()
    return CampaignRun(campaign, report, evaluate_copies(report, campaign), rel, features)


def fit_level_model(features: Sequence[pd.DataFrame], names: Sequence[str] = ()) -> LevelModel:
    """The level model fitted on the labelled essays of the given campaigns."""
    data = pd.concat(features)
    return LevelModel.fit(CONTENT, data[list(CONTENT)].to_numpy(), data.label, names)


def predict(model: LevelModel, features: pd.DataFrame) -> pd.DataFrame:
    """Scores and levels of a campaign's essays under ``model``, with the copied-liên hệ floor
    (a copy whose text as written reaches level 1 is level 1)."""
    rows = []
    for i, r in features.iterrows():
        score = model.score({c: r[c] for c in CONTENT})
        level = model.level(score)
        written = {c: r[f"written_{c}"] for c in CONTENT}
        copied = not np.isnan(written[CONTENT[0]])
        if level == 0 and copied and model.score(written) >= model.cutpoints[0]:
            score, level = model.cutpoints[0], 1
        rows.append({"id": i, "score": round(score, 1), "level": level})
    return pd.DataFrame(rows).set_index("id")


def leave_one_campaign_out(runs: Sequence[CampaignRun]) -> dict[str, RelevanceEvaluation]:
    """Each campaign scored by a model fitted on all the others."""
    out = {}
    for k, run in enumerate(runs):
        others = [r for j, r in enumerate(runs) if j != k and len(r.features)]
        if not others or not len(run.features):
            continue
        model = fit_level_model([r.features for r in others], [r.campaign.name for r in others])
        pred = predict(model, run.features)
        table = run.features[["label", "note"]].join(pred)
        out[run.campaign.name] = relevance_figures(table)
    return out


def campaign_table(
    runs: Sequence[CampaignRun], loco: dict[str, RelevanceEvaluation] | None = None
) -> pd.DataFrame:
    """One row per campaign, and their mean: copy and relevance figures side by side."""
    rows = []
    for run in runs:
        c, r = run.copies, run.relevance
        kinds = c.per_kind.set_index("kind")
        deep = kinds[kinds.index.str.contains("paraphrase")]
        traps = r.traps
        row = {
            "campaign": run.campaign.name,
            "essays": len(run.report.essays),
            "precision": c.precision,
            "recall": c.recall,
            "paraphrase_recall": (
                round(deep.found.sum() / deep.expected.sum(), 3) if len(deep) else np.nan
            ),
            "direction_right": c.direction["right"],
            "direction_wrong": c.direction["wrong"],
            "direction_unknown": c.direction["unknown"],
            "spearman": r.spearman,
            "qwk": r.kappa,
            "trap_max_level": int(traps.level.max()) if len(traps) else np.nan,
        }
        if loco is not None and run.campaign.name in loco:
            held = loco[run.campaign.name]
            row |= {
                "loco_spearman": held.spearman,
                "loco_qwk": held.kappa,
                "loco_trap_max_level": (int(held.traps.level.max()) if len(held.traps) else np.nan),
            }
        rows.append(row)
    table = pd.DataFrame(rows).set_index("campaign")
    mean = table.mean(numeric_only=True).round(3)
    for col in ("essays", "direction_right", "direction_wrong", "direction_unknown"):
        mean[col] = table[col].sum()
    table.loc["mean (counts: sum)"] = mean
    return table


def _words(text: str) -> set[str]:
    return set(fold(text).split())


def sentence_table(campaign: Campaign, min_overlap: float = 0.6) -> pd.DataFrame:
    """The labelled sentences of a campaign (``sentences.csv``: ``id,role,text``) with the
    sentence model's features, matched to the essays' sentences by their words."""
    labels = pd.read_csv(campaign.root / "sentences.csv", dtype=str, keep_default_na=False)
    documents, _ = read_batch([campaign.batch])
    essays = {e.id: e for e in prepare(documents)}
    resolution = prepare_resolution(read_text(campaign.resolution))
    scorer = RelevanceScorer().fit(list(essays.values()), resolution)
    units = read_units(campaign.units) if campaign.units else []
    rows = []
    for essay_id, group in labels.groupby("id"):
        essay = essays.get(essay_id)
        if essay is None:
            continue
        sents, X = scorer.sentence_features(essay, None, resolve_unit(essay, units))
        words = [_words(s.text) for s in sents]
        for r in group.itertuples():
            target = _words(r.text)
            overlap = [len(target & w) / (len(target | w) or 1) for w in words]
            if overlap and max(overlap) >= min_overlap:
                k = int(np.argmax(overlap))
                rows.append(
                    {"campaign": campaign.name, "id": essay_id, "role": r.role}
                    | dict(zip(FEATURES, X[k], strict=True))
                    | {"class": sentence_class(r.role)}
                )
    return pd.DataFrame(rows)
