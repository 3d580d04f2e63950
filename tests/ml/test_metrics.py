"""Operating-point selection and span F1: the small pure functions behind the card and the report."""

from __future__ import annotations

import numpy as np

from service.ml.evaluate import span_f1
from service.ml.train import reject_threshold, review_threshold


def test_review_threshold_keeps_the_target_recall() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    p = np.clip(0.35 * y + rng.random(2000) * 0.65, 0, 1)
    threshold = review_threshold(y, p, target=0.9)
    assert (p[y == 1] >= threshold).mean() >= 0.9


def test_reject_threshold_keeps_the_target_precision_or_never_rejects() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    p = np.clip(0.5 * y + rng.random(2000) * 0.5, 0, 1)
    threshold = reject_threshold(y, p, target=0.9)
    assert threshold < 1.0
    assert y[p >= threshold].mean() >= 0.9
    # Pure noise never reaches 90% precision: the card then says "never auto-reject".
    noise = rng.random(2000)
    assert reject_threshold(y, noise, target=0.9) == 1.0


def test_span_f1_follows_semeval() -> None:
    assert span_f1([], set()) == 1.0
    assert span_f1([1, 2], set()) == 0.0
    assert span_f1([], {1}) == 0.0
    assert span_f1([1, 2, 3, 4], {3, 4, 5, 6}) == 0.5
