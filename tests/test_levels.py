"""The fitted models: the ordinal level model and the sentence-role model, saved as JSON."""

from __future__ import annotations

import numpy as np

from essaycheck import LevelModel, SentenceModel
from essaycheck.sentence_roles import CLASSES, FEATURES


def test_level_model_learns_ordered_cut_points_and_non_negative_weights(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((400, 3))
    latent = 3 * X[:, 0] + 1 * X[:, 1]  # the third feature says nothing
    y = np.digitize(latent, [1.0, 2.0, 3.0])
    model = LevelModel.fit(("a", "b", "c"), X, y, ["synthetic"])
    assert list(model.cutpoints) == sorted(model.cutpoints)
    assert min(model.weights) >= 0 and model.weights[0] > model.weights[1] > model.weights[2]
    predicted = [model.level(model.score(dict(zip("abc", row, strict=True)))) for row in X]
    assert np.mean(np.asarray(predicted) == y) > 0.8
    model.to_json(tmp_path / "m.json")
    assert LevelModel.from_json((tmp_path / "m.json").read_text("utf-8")) == model


def test_sentence_model_predicts_a_distribution_over_its_classes(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.random((300, len(FEATURES)))
    classes = np.where(X[:, 0] > 0.6, "concrete", np.where(X[:, 1] > 0.5, "generic", "boilerplate"))
    model = SentenceModel.fit(X, classes)
    p = model.predict(X)
    assert p.shape == (300, len(CLASSES)) and np.allclose(p.sum(axis=1), 1)
    assert np.mean(np.asarray(CLASSES)[p.argmax(axis=1)] == classes) > 0.8
    model.to_json(tmp_path / "s.json")
    assert SentenceModel.from_json((tmp_path / "s.json").read_text("utf-8")) == model
