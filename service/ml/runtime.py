"""The runtime Scorer: one vectorisation per batch, every calibrated linear head, and n-gram explanations."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from service.ml.features import FeatureSpace, char_words_with_spans, word_ngrams_with_spans
from service.moderation.types import CATEGORIES, Span
from service.text.normaliser import NormalisedText

# 2: links are masked before vectorising (features.mask_links).
ARTIFACT_FORMAT = 2
# An explained span must push the raw score by at least this much, and by a quarter of the strongest span.
MIN_CLUSTER_PUSH = 0.3
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
        # Thread-safe, bounded: explanations of one verdict's categories reuse one n-gram table.
        self._table = functools.lru_cache(maxsize=64)(self._ngram_table)
        self._operating_points = {
            k: (float(v[0]), float(v[1])) for k, v in payload["operating_points"].items()
        }

    def decision(self, canonical: Sequence[str]) -> np.ndarray:
        """Raw linear scores, shape (n, n_categories)."""
        features = self.space.transform(canonical)
        return np.asarray(features @ self.coef, dtype=np.float64) + self.intercept

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

    def _ngram_table(self, canonical: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(feature column, feature value, start, end) of each of the text's own kept n-grams.

        Cached per text (see __init__): one verdict explains several categories of the same text.
        """
        features = self.space.transform([canonical])
        columns: list[np.ndarray] = []
        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        grams = word_ngrams_with_spans(canonical)
        if grams:
            columns.append(self.space.word.hashes([g for g, _, _ in grams]))
            starts.append(np.fromiter((start for _, start, _ in grams), dtype=np.int64, count=len(grams)))
            ends.append(np.fromiter((end for _, _, end in grams), dtype=np.int64, count=len(grams)))
        char, offset = self.space.char, self.space.word.width
        for word, start, end in char_words_with_spans(canonical):
            kept = char.kept_columns(word)  # remembered per word, like scoring's
            columns.append(np.where(kept >= 0, kept + offset, -1))
            starts.append(np.full(len(kept), start, dtype=np.int64))
            ends.append(np.full(len(kept), end, dtype=np.int64))
        if not columns:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0, dtype=np.float32), empty, empty
        column_ids = np.concatenate(columns).astype(np.int64)
        keep = column_ids >= 0
        column_ids = column_ids[keep]
        # The text's own kept n-grams are exactly its non-zero features (sorted columns): look their values up.
        position = np.searchsorted(features.indices, column_ids).clip(max=max(features.nnz - 1, 0))
        found = features.indices[position] == column_ids if features.nnz else np.zeros(len(column_ids), bool)
        values = np.where(found, features.data[position] if features.nnz else 0.0, 0.0).astype(np.float32)
        return column_ids, values, np.concatenate(starts)[keep], np.concatenate(ends)[keep]

    def pushes(self, canonical: str, category: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end, net push) of each canonical range holding some of the text's n-grams, on `category`.

        A range's push is the sum of coefficient × feature value over its n-grams (a word's char n-grams all
        report the word's range), so n-grams pulling the score down offset those pushing it up. Ranges come
        in the order of their first n-gram.
        """
        column_ids, values, starts, ends = self._table(canonical)
        weights = self.coef[column_ids, self.categories.index(category)] * values
        if not len(weights):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        keys = starts * (int(ends.max()) + 1) + ends
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        totals = np.bincount(inverse.ravel(), weights=weights)
        order = np.argsort(first, kind="stable")
        return starts[first[order]], ends[first[order]], totals[order]

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
        strongest = [((int(starts[i]), int(ends[i])), float(totals[i])) for i in ranked]
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
