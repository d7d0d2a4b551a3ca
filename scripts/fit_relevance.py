"""Fit the relevance level model on the training campaigns and write it into the package.

    python scripts/fit_relevance.py            # the training campaigns of data/campaigns/README.md
    python scripts/fit_relevance.py DIR ...    # others

The test campaigns (data/campaigns/README.md) and ../shared/campaigns are never passed here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from essaycheck.campaigns import load_campaign
from essaycheck.crossval import fit_model, run_campaign
from essaycheck.levels import MODEL_FILE
from essaycheck.pipeline import Config

ROOT = Path(__file__).resolve().parent.parent
TRAIN = [
    ROOT / "data" / "samples",
    *(ROOT / "data" / "campaigns" / n for n in ("nqtw4_xii", "qd08_2022", "dh13_2021", "ct05_2016")),
]


def main(paths: list[str]) -> None:
    campaigns = [load_campaign(p) for p in (paths or TRAIN)]
    runs = [run_campaign(c, Config()) for c in campaigns]
    model = fit_model([r.features for r in runs], [c.name for c in campaigns])
    model.to_json(ROOT / "essaycheck" / MODEL_FILE)
    print(model)


if __name__ == "__main__":
    main(sys.argv[1:])
