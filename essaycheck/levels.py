"""From an essay's relevance components to a score and a level: an ordinal logistic model.

The latent value is a weighted sum of the components (each 0-1, already gated by whether the
essay is about the studied resolution); level k is reached when it passes threshold k
(cumulative logit, one weight vector shared by the three thresholds). Weights are kept
non-negative, so every component can only raise a score, and the score shown to reviewers is
the weighted mean of the components (0-100), with the thresholds as cut points on the same scale.

The model is fitted on labelled campaigns (``scripts/fit_relevance.py``) and shipped as JSON:
nothing is unpickled, and a reader can see every weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from . import json_model

MODEL_FILE = "relevance_model.json"


@dataclass(frozen=True)
class LevelModel:
    """Non-negative ``weights`` per feature and ``cutpoints`` (levels 1, 2, 3) on the 0-100
    score, the weighted mean of the features."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    cutpoints: tuple[float, float, float]
    trained_on: tuple[str, ...] = ()

    def score(self, x: dict[str, float]) -> float:
        w = np.asarray(self.weights)
        values = np.asarray([x.get(f, 0.0) for f in self.features])
        return float(100.0 * values @ w / (w.sum() or 1.0))

    def level(self, score: float) -> int:
        return int(np.searchsorted(self.cutpoints, score, side="right"))

    @classmethod
    def fit(
        cls,
        features: Sequence[str],
        X: np.ndarray,
        y: Sequence[int],
        trained_on: Sequence[str] = (),
        l2: float = 0.05,
    ) -> LevelModel:
        """Maximum likelihood of a cumulative logit model with non-negative weights.

        ``X`` holds the features (n essays x len(features)), ``y`` the labelled levels 0-3.
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        n_f = X.shape[1]

        def unpack(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            w, t1, gaps = p[:n_f], p[n_f], p[n_f + 1 :]
            return w, np.concatenate([[t1], t1 + np.cumsum(gaps)])

        def loss(p: np.ndarray) -> float:
            w, theta = unpack(p)
            z = X @ w
            # P(level >= k) for k = 1..3, bounded by 1 and 0 at both ends
            above = np.column_stack([np.ones_like(z), expit(z[:, None] - theta[None, :]), 0 * z])
            prob = above[np.arange(len(y)), y] - above[np.arange(len(y)), y + 1]
            return float(-np.log(np.clip(prob, 1e-9, None)).sum() + l2 * (w @ w))

        start = np.concatenate([np.full(n_f, 2.0), [1.0, 1.5, 1.5]])
        bounds = [(0.0, None)] * n_f + [(None, None)] + [(0.05, None)] * 2
        best = minimize(loss, start, method="L-BFGS-B", bounds=bounds)
        w, theta = unpack(best.x)
        total = w.sum() or 1.0
        cuts = tuple(float(round(100.0 * t / total, 2)) for t in theta)
        return cls(
            tuple(features),
            tuple(float(round(v, 4)) for v in w),
            cuts,  # type: ignore[arg-type]
            tuple(trained_on),
        )

    def to_json(self, path: str | Path) -> None:
        json_model.save(self, path)

    @classmethod
    def from_json(cls, text: str) -> LevelModel:
        return json_model.load(cls, text)


@cache
def default_model() -> LevelModel:
    """The model shipped with the package (fitted on the training campaigns)."""
    return LevelModel.from_json((files("essaycheck") / MODEL_FILE).read_text("utf-8"))
