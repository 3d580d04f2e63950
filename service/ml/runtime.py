"""The runtime Scorer: one feature table per text, every calibrated linear head, and n-gram explanations."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from service.ml.features import FeatureSpace
from service.moderation.types import CATEGORIES, Span
from service.text.normaliser import NormalisedText

# 2: links are masked before vectorising (features.mask_links).
# 3: masked words are spelled out from the artifact's own word list before vectorising (features.Unmasker).
ARTIFACT_FORMAT = 3
# An explained span must push the raw score by at least this much, and by a quarter of the strongest span.
MIN_CLUSTER_PUSH = 0.3
# From this many texts in one call, scoring builds one sparse matrix instead of a table per text.
BATCH_AS_MATRIX = 16
RELATIVE_CLUSTER_PUSH = 0.25


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))


class LinearScorer:
    """Calibrated linear heads over the shared feature space; implements the `Scorer` protocol."""

    def __init__(self, payload: dict[str, Any], card: dict[str, Any]) -> None:
        """Wrap a verified artifact payload and its card."""
        self.card = card
        self.version: str = card["version"]
        self.categories: tuple[str, ...] = tuple(payload["categories"])
        self.space = FeatureSpace.from_payload(payload["features"])
        self.coef = np.asarray(payload["coef"], dtype=np.float32)  # (width, n_categories)
        self.intercept = np.asarray(payload["intercept"], dtype=np.float64)
        self.platt = np.asarray(payload["platt"], dtype=np.float64)  # (n_categories, 2): slope, offset
        # Thread-safe, bounded: a verdict's score and its explanations reuse one text's features.
        self._features = functools.lru_cache(maxsize=64)(self.space.text_features)
        self._operating_points = {
            k: (float(v[0]), float(v[1])) for k, v in payload["operating_points"].items()
        }

    def decision(self, canonical: Sequence[str]) -> np.ndarray:
        """Raw linear scores, shape (n, n_categories).

        Many texts at once (offline scoring, batch requests, evaluation) go through one sparse matrix, which
        is cheaper per text there; one or a few go through the per-text table that explanations reuse. Both
        give the same numbers, bit for bit (tests/ml/test_runtime_fastpath.py).
        """
        if len(canonical) >= BATCH_AS_MATRIX:
            return np.asarray(self.space.transform(canonical) @ self.coef, dtype=np.float64) + self.intercept
        z = np.zeros((len(canonical), len(self.categories)), dtype=np.float32)
        for row, text in enumerate(canonical):
            features = self._features(text)
            # Summed row by row in column order in float32, as scipy's CSR product: `transform(...) @ coef`.
            np.add.reduce(features.values[:, None] * self.coef[features.columns], axis=0, out=z[row])
        return z.astype(np.float64) + self.intercept

    def probabilities(self, canonical: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities for canonical texts, shape (n, n_categories)."""
        if not canonical:
            return np.zeros((0, len(self.categories)))
        z = self.decision(canonical)
        return sigmoid(z * self.platt[:, 0] + self.platt[:, 1])

    def score(self, texts: Sequence[NormalisedText]) -> list[dict[str, float]]:
        """One dict per text with a probability for each of the seven categories."""
        probs = self.probabilities([t.text for t in texts])
        return [{c: float(p) for c, p in zip(self.categories, row, strict=True)} for row in probs]

    def operating_points(self) -> dict[str, tuple[float, float]]:
        """Default (review, reject) thresholds per category, chosen by cross-validation on training data."""
        return dict(self._operating_points)

    def pushes(self, canonical: str, category: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end, net push) of each canonical range holding some of the text's n-grams, on `category`.

        A range's push is the sum of coefficient × feature value over its n-grams (a word's char n-grams all
        report the word's range), so n-grams pulling the score down offset those pushing it up. Ranges come
        in the order of their first n-gram.
        """
        features = self._features(canonical)
        column = self.coef[features.columns, self.categories.index(category)]
        weights = (column * features.values)[features.occurrence]
        starts, ends, held_by = features.ranges  # shared by the categories explained
        return starts, ends, np.bincount(held_by, weights=weights, minlength=len(starts))

    def explain(self, text: NormalisedText, category: str, limit: int = 3) -> tuple[Span, ...]:
        """Spans of the original text whose n-grams pushed `category` up the most, merged when overlapping."""
        if category not in self.categories or limit <= 0 or not text.text:
            return ()
        starts, ends, totals = self.pushes(text.text, category)
        pushing = np.flatnonzero(totals > 0)
        if not len(pushing):
            return ()
        # Only the strongest few candidates, so that bigrams cannot chain the whole comment together.
        ranked = pushing[np.argsort(-totals[pushing], kind="stable")][: limit * 3]
        strongest = _onto_words(starts, ends, totals, ranked)
        clusters: list[list[float]] = []  # [start, end, weight]
        for (start, end), weight in sorted(strongest):
            if clusters and start < clusters[-1][1]:
                clusters[-1][1] = max(clusters[-1][1], end)
                clusters[-1][2] += weight
            else:
                clusters.append([start, end, weight])
        # Drop weak clusters: a word that nudged the score a little is noise next to the one that drove it.
        floor = max(MIN_CLUSTER_PUSH, RELATIVE_CLUSTER_PUSH * max(c[2] for c in clusters))
        best = sorted((c for c in clusters if c[2] >= floor), key=lambda c: -c[2])[:limit]
        spans = [text.to_original(int(s), int(e)) for s, e, _ in sorted(best)]
        return tuple(_merge_spans(spans))


def _onto_words(
    starts: np.ndarray, ends: np.ndarray, totals: np.ndarray, ranked: np.ndarray
) -> list[tuple[tuple[int, int], float]]:
    """((start, end), push) of the ranked ranges, with each range that holds others (a word bigram, a
    hyphenated run) handed down to the innermost ranges inside it, in proportion to their own upward pushes.

    Why: "a moron" pushes as a bigram, but the word a moderator needs to see is "moron", not "a".
    """
    order = np.lexsort((ends, starts))
    sorted_starts = starts[order]
    weights = np.zeros(len(starts))
    used = np.zeros(len(starts), dtype=bool)
    for i in ranked:
        inner = _innermost(starts, ends, order, sorted_starts, int(i))
        if not len(inner):
            weights[i] += totals[i]
            used[i] = True
            continue
        own = np.maximum(totals[inner], 0.0)
        shares = own / own.sum() if own.sum() > 0 else np.full(len(inner), 1.0 / len(inner))
        np.add.at(weights, inner, totals[i] * shares)
        used[inner] = True
    # An inner range's own push counts once: ranked ranges added theirs above, inheriting ones add it here.
    inheriting = used.copy()
    inheriting[ranked] = False
    weights[inheriting] += totals[inheriting]
    return [((int(starts[j]), int(ends[j])), float(weights[j])) for j in np.flatnonzero(used & (weights > 0))]


def _innermost(
    starts: np.ndarray, ends: np.ndarray, order: np.ndarray, sorted_starts: np.ndarray, outer: int
) -> np.ndarray:
    """The ranges inside range `outer` that hold no other range, in O(k log k) for k ranges inside.

    Sorted by start, then by end descending, a range holds another exactly when some range after it ends
    no later than it does: a suffix minimum of the ends finds them all at once.
    """
    lo, hi = np.searchsorted(sorted_starts, [starts[outer], ends[outer]], side="left")
    inside = order[lo:hi]
    inside = inside[(ends[inside] <= ends[outer]) & (inside != outer)]
    if not len(inside):
        return inside
    inside = inside[np.lexsort((-ends[inside], starts[inside]))]
    later_min_end = np.append(np.minimum.accumulate(ends[inside][::-1])[::-1][1:], np.iinfo(np.int64).max)
    return inside[later_min_end > ends[inside]]


def _merge_spans(spans: list[Span]) -> list[Span]:
    """Merge overlapping original-text spans (mapping back can make neighbours overlap)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start < merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def check_payload(payload: Any) -> None:
    """Raise ValueError unless `payload` looks like an artifact this runtime can run."""
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ValueError(f"artifact format is not {ARTIFACT_FORMAT}")
    if tuple(payload.get("categories", ())) != CATEGORIES:
        raise ValueError(f"artifact categories {payload.get('categories')} differ from {list(CATEGORIES)}")
    width = len(payload["features"]["word"]["columns"]) + len(payload["features"]["char"]["columns"])
    if np.shape(payload["coef"]) != (width, len(CATEGORIES)):
        raise ValueError("artifact coefficients do not match its feature space")
