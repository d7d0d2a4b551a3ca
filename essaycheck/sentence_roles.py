"""What a sentence does: concrete liên hệ (a fact of the unit, a link between a resolution
point and the unit, the writer's own duty, a measurable commitment or a proposal), generic
liên hệ (it would fit any unit: "cơ quan, đơn vị nơi tôi công tác…"), or boilerplate (a
restatement of the resolution, a ritual sentence or a slogan).

A logistic regression over a few features a reviewer can check (figures and names that are not
the resolution's, the unit named, first person, a deadline, closeness to the resolution, the
share of words every essay of the batch uses…), fitted on the sentence labels of the training
campaigns (``sentences.csv``) and shipped as JSON: its weights are readable, nothing unpickled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np
from scipy.special import softmax

from . import json_model

MODEL_FILE = "sentence_model.json"
CONCRETE = frozenset({"unit_fact", "link", "own_duty", "commitment", "proposal"})
GENERIC = frozenset({"generic"})
BOILERPLATE = frozenset({"restates", "ritual"})
CLASSES = ("concrete", "generic", "boilerplate")


def sentence_class(role: str) -> str:
    """The class of a labelled sentence role (``sentences.csv``)."""
    return "concrete" if role in CONCRETE else "generic" if role in GENERIC else "boilerplate"


FEATURES = (
    "figures",  # figures that are not the resolution's (at most 3, scaled to 0-1)
    "names",  # proper names that are not the resolution's or national bodies
    "unit_named",  # the unit's own name, place or profile words
    "unit_cue",  # "đơn vị", "cơ quan", "chi bộ"… without naming it
    "first_person",
    "commit",
    "propose",
    "deadline",
    "resolution_similarity",
    "other_resolution_similarity",
    "common_words",  # share of words most essays of the batch use
    "resolution_words",  # share of words of the resolution
    "national",  # about the country or the Party as a whole
    "length",  # log of the number of words, scaled
    "part_summary",
    "part_unit",
    "part_self",
    "part_actions",
    "part_proposals",
)


@dataclass(frozen=True)
class SentenceModel:
    """A multinomial logistic regression: ``coef[k]`` per feature and ``intercept[k]`` for
    each class of ``CLASSES``."""

    features: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    trained_on: tuple[str, ...] = ()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """P(class) for each row of ``X`` (n x 3, columns in ``CLASSES`` order)."""
        if not len(X):
            return np.zeros((0, len(CLASSES)))
        z = np.asarray(X, dtype=float) @ np.asarray(self.coef).T + np.asarray(self.intercept)
        return softmax(z, axis=1)

    @classmethod
    def fit(
        cls, X: np.ndarray, classes: Sequence[str], trained_on: Sequence[str] = ()
    ) -> SentenceModel:
        from sklearn.linear_model import LogisticRegression

        y = np.asarray([CLASSES.index(c) for c in classes])
        lr = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        lr.fit(np.asarray(X, dtype=float), y)
        return cls(
            FEATURES,
            tuple(tuple(float(round(c, 4)) for c in row) for row in lr.coef_),
            tuple(float(round(b, 4)) for b in lr.intercept_),
            tuple(trained_on),
        )

    def to_json(self, path: str | Path) -> None:
        json_model.save(self, path)

    @classmethod
    def from_json(cls, text: str) -> SentenceModel:
        return json_model.load(cls, text)


@cache
def default_sentence_model() -> SentenceModel:
    """The model shipped with the package (fitted on the training campaigns' sentences)."""
    return SentenceModel.from_json((files("essaycheck") / MODEL_FILE).read_text("utf-8"))
