"""Operating-point selection and span F1: the small pure functions behind the card and the report."""

from __future__ import annotations

import numpy as np

from service.ml.evaluate import span_f1
from service.ml.train import (
    REVIEW_PRECISION,
    REVIEW_PROBABILITY_FLOOR,
    cv_folds,
    deployment_weights,
    precision_threshold,
    prior_shift,
    review_threshold,
)


def test_precision_threshold_keeps_the_target_precision_or_never_acts() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    p = np.clip(0.5 * y + rng.random(2000) * 0.5, 0, 1)
    ones = np.ones(len(y))
    threshold = precision_threshold(y, p, ones, target=0.9)
    assert threshold < 1.0
    assert y[p >= threshold].mean() >= 0.9
    # Pure noise never reaches 90% precision: the card then says "never act on this score alone".
    noise = rng.random(2000)
    assert precision_threshold(y, noise, ones, target=0.9) == 1.0


def test_review_threshold_never_holds_on_a_near_base_rate_score() -> None:
    # A rare class: 40 clear positives, 1960 negatives scored just above zero. Precision over everything
    # above a threshold reaches 0.5 while the comments right at that threshold are all clean.
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(40, dtype=np.int64), np.zeros(1960, dtype=np.int64)]
    p = np.r_[np.full(40, 0.9), rng.uniform(0.0, 0.05, 1960)]
    v = np.ones(len(y))
    assert precision_threshold(y, p, v, REVIEW_PRECISION) < 0.05
    assert review_threshold(y, p, v, reject=0.95) == REVIEW_PROBABILITY_FLOOR
    # Never above the reject threshold, even when that lies below the floor.
    assert review_threshold(y, p, v, reject=0.1) == 0.1
    # A head whose precision point is already above the floor keeps it.
    q = np.r_[np.full(40, 0.9), rng.uniform(0.0, 0.5, 1960)]
    assert review_threshold(y, q, v, reject=0.95) == precision_threshold(y, q, v, REVIEW_PRECISION) > 0.2


def test_a_rarer_deployment_class_needs_a_higher_threshold() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 4000)  # 50% positives in training
    p = np.clip(0.4 * y + rng.random(4000) * 0.6, 0, 1)
    w = np.ones(len(y))
    as_trained = precision_threshold(y, p, w, target=0.9)
    v = deployment_weights(y, w, 0.1)
    assert abs(v[y == 1].sum() / v.sum() - 0.1) < 1e-9
    as_deployed = precision_threshold(y, p, v, target=0.9)
    assert as_deployed > as_trained
    assert (v[(p >= as_deployed) & (y == 1)].sum() / v[p >= as_deployed].sum()) >= 0.9


def test_prior_shift_moves_log_odds_to_the_deployment_prevalence() -> None:
    y = np.array([1, 1, 0, 0])  # trained at 50%
    w = np.ones(4)
    assert prior_shift(y, w, 0.5) == 0.0
    assert prior_shift(y, w, None) == 0.0
    assert abs(prior_shift(y, w, 0.1) - np.log(0.1 / 0.9)) < 1e-12


def test_span_f1_follows_semeval() -> None:
    assert span_f1([], set()) == 1.0
    assert span_f1([1, 2], set()) == 0.0
    assert span_f1([], {1}) == 0.0
    assert span_f1([1, 2, 3, 4], {3, 4, 5, 6}) == 0.5


def test_cv_folds_keep_every_copy_of_a_text_in_one_fold() -> None:
    rng = np.random.default_rng(4)
    groups = rng.integers(0, 300, 1000)  # many texts appear two or more times
    y = (groups % 3 == 0).astype(np.int64)  # copies share their label, as most duplicates do
    folds = cv_folds(y, groups, folds=3, seed=0)
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(1000))
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert abs(y[test].mean() - y.mean()) < 0.05  # still stratified
