"""Fit the relevance models on the training campaigns and write them into the package.

    python scripts/fit_relevance.py

1. the sentence model (P(concrete liên hệ) per sentence) on the training campaigns' labelled
   sentences (``sentences.csv``), with its leave-one-campaign-out AUC;
2. the level model (components -> score -> level) on their labelled essays, scored with the new
   sentence model.

The test campaigns (``TEST`` in data/campaigns/README.md) and ../shared/campaigns are never
read here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from essaycheck import levels, sentence_roles
from essaycheck.campaigns import load_campaign
from essaycheck.crossval import fit_level_model, run_campaign, sentence_table
from essaycheck.pipeline import Config
from essaycheck.sentence_roles import CLASSES, FEATURES, SentenceModel

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = ROOT / "data" / "campaigns"
TRAIN = [ROOT / "data" / "samples"] + [
    CAMPAIGNS / n for n in ("nqtw4_xii", "qd08_2022", "dh13_2021", "ct05_2016")
]
PACKAGE = ROOT / "essaycheck"


def main() -> None:
    campaigns = [load_campaign(p) for p in TRAIN]
    names = [c.name for c in campaigns]
    labelled = [c for c in campaigns if (c.root / "sentences.csv").exists()]
    table = pd.concat([sentence_table(c) for c in labelled], ignore_index=True)
    for c in labelled:  # how the sentence model does on a campaign it was not fitted on
        train, test = table[table.campaign != c.name], table[table.campaign == c.name]
        held = SentenceModel.fit(train[list(FEATURES)].to_numpy(), train["class"])
        p = held.predict(test[list(FEATURES)].to_numpy())
        auc = roc_auc_score(test["class"] == "concrete", p[:, 0])
        acc = (np.array(CLASSES)[p.argmax(axis=1)] == test["class"]).mean()
        print(
            f"sentence model, held-out {c.name}: concrete AUC {auc:.3f}, accuracy over the "
            f"three classes {acc:.3f} on {len(test)} sentences"
        )
    sentences = SentenceModel.fit(
        table[list(FEATURES)].to_numpy(), table["class"], [c.name for c in labelled]
    )
    sentences.to_json(PACKAGE / sentence_roles.MODEL_FILE)
    sentence_roles.default_sentence_model.cache_clear()
    runs = [run_campaign(c, Config(cache="")) for c in campaigns]
    model = fit_level_model([r.features for r in runs], names)
    model.to_json(PACKAGE / levels.MODEL_FILE)
    print(sentences)
    print(model)


if __name__ == "__main__":
    main()
