"""The shipped scorer's one-text path (no scipy matrix) must score and explain exactly as `transform` does."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.ml.features import (
    NON_SPACE_RE,
    WORD_CHARS_RE,
    TextFeatures,
    mask_links,
    ngram_analyzer,
    word_ngrams_with_spans,
)
from service.ml.runtime import BATCH_AS_MATRIX, LinearScorer, sigmoid
from service.ml.scorer import load_scorer
from service.text import normalise

ROOT = Path(__file__).resolve().parents[2]
EDGE_CASES = [
    "",
    " ",
    "\t\n \u00a0\u2003",
    "!!! ... ?!?! --- ***",
    "you are an id*ot and a f***ing m*ron, zq*x",  # masked words the shipped list spells out, and one it does not
    "http://bit.ly/xyz",
    "see www.example.com/a?b=c and https://news.example.org/story, then http://x.y",
    "😀😀 ✨🔥 👍",
    "中文 text ünïcödé straße русский текст ελληνικά العربية",
    "tabs\tand\nnew lines,  double  spaces and\u00a0no-break\u2003em\u3000ideographic\u2028line\x1cspaces",
    "idiot " * 400,
    ("the council's vote was 7-2 & the mayor's office said \"no comment\" " * 400)[:20_000],
    "repeated words repeated words repeated words",
    "a",
    "f*** this, 1d10t",
    "ꙮꙮꙮ ꙮꙮ",  # every n-gram pruned
    "I read the whole thing and honestly, you are an IDIOT.",
    "You are a complete idiot and a pathetic moron.",
]


def corpus() -> list[str]:
    """Canonical texts: the repository's labelled seeds, their variations, and edge cases."""
    seeds = [
        json.loads(line)["text"]
        for path in sorted((ROOT / "seeds" / "labelled").glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    variations = [f"{a} {b}" for a, b in zip(seeds, reversed(seeds), strict=True)]
    return [normalise(text).text for text in seeds + variations + EDGE_CASES]


@pytest.fixture(scope="module")
def shipped() -> LinearScorer:
    """The shipped scorer."""
    scorer = load_scorer(ROOT / "models")
    assert isinstance(scorer, LinearScorer)
    return scorer


def reference_probabilities(scorer: LinearScorer, canonical: list[str]) -> np.ndarray:
    """The formula of the scipy path: TF-IDF matrix, heads, Platt scaling."""
    z = np.asarray(scorer.space.transform(canonical) @ scorer.coef, dtype=np.float64) + scorer.intercept
    return sigmoid(z * scorer.platt[:, 0] + scorer.platt[:, 1])


def reference_occurrences(scorer: LinearScorer, canonical: str) -> list[tuple[int, int, int]]:
    """(column, start, end) of every kept n-gram, from scikit-learn's analyzers: word 1-2 grams in order,
    then each word's char n-grams with the word's range (surrounding punctuation left out)."""
    # What the vectoriser reads: links as a placeholder and masked words spelled out, at the same offsets.
    space, masked = scorer.space, scorer.space.unmask(mask_links(canonical))
    assert len(masked) == len(canonical)
    grams = word_ngrams_with_spans(masked)
    assert [g for g, _, _ in grams] == ngram_analyzer("word")(masked)
    word = space.word.hashes([g for g, _, _ in grams])
    out = [(int(c), s, e) for c, (_, s, e) in zip(word, grams, strict=True) if c >= 0]
    char = ngram_analyzer("char")
    for match in NON_SPACE_RE.finditer(masked):
        inner = WORD_CHARS_RE.search(match.group())
        start, end = (match.start() + inner.start(), match.start() + inner.end()) if inner else match.span()
        kept = space.char.hashes(char(match.group()))
        out += [(int(c) + space.word.width, start, end) for c in kept if c >= 0]
    return out


def occurrences(features: TextFeatures) -> list[tuple[int, int, int]]:
    """(column, start, end) of each n-gram occurrence of the fast path."""
    starts, ends, held_by = features.ranges
    columns = features.columns[features.occurrence]
    return list(zip(columns.tolist(), starts[held_by].tolist(), ends[held_by].tolist(), strict=True))


def reference_pushes(scorer: LinearScorer, canonical: str) -> dict[str, list[tuple[int, int, float]]]:
    """(start, end, push) per range in first-seen order for each category, values read off `transform`'s row."""
    row = scorer.space.transform([canonical])
    values = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    found = reference_occurrences(scorer, canonical)
    columns = np.array([c for c, _, _ in found], dtype=np.int64)
    weights = (
        scorer.coef[columns] * np.array([values[c] for c in columns.tolist()], dtype=np.float32)[:, None]
    )
    pushes = {}
    for k, category in enumerate(scorer.categories):
        totals: defaultdict[tuple[int, int], float] = defaultdict(float)
        for (_, start, end), weight in zip(found, weights[:, k].tolist(), strict=True):
            totals[start, end] += weight
        pushes[category] = [(s, e, t) for (s, e), t in totals.items()]
    return pushes


def test_scores_equal_the_matrix_formula(shipped: LinearScorer) -> None:
    texts = corpus()
    expected = reference_probabilities(shipped, texts)
    one_by_one = np.array([list(shipped.score([normalise(t)])[0].values()) for t in texts])
    assert len(texts) > 600
    np.testing.assert_allclose(one_by_one, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(shipped.probabilities(texts), expected, rtol=0, atol=1e-6)
    assert shipped.decision([]).shape == (0, len(shipped.categories))


def test_batches_score_exactly_as_texts_one_by_one(shipped: LinearScorer) -> None:
    """Large batches take the sparse-matrix path, single texts the per-text table: identical, bit for bit."""
    texts = corpus()
    assert len(texts) >= BATCH_AS_MATRIX
    one_by_one = np.vstack([shipped.decision([text]) for text in texts])
    np.testing.assert_array_equal(shipped.decision(texts), one_by_one)
    small = texts[: BATCH_AS_MATRIX - 1]
    np.testing.assert_array_equal(shipped.decision(small), one_by_one[: len(small)])


def test_features_are_transforms_row_and_blocks_are_normalised_apart(shipped: LinearScorer) -> None:
    space, pruned = shipped.space, 0
    for text in corpus():
        features = space.text_features(text)
        row = space.transform([text])
        np.testing.assert_array_equal(features.columns, row.indices)
        np.testing.assert_array_equal(features.values, row.data)
        pruned += not len(features.columns)
        for in_block in (features.columns < space.word.width, features.columns >= space.word.width):
            squares = float(np.sum(features.values[in_block].astype(np.float64) ** 2))
            assert squares == pytest.approx(1.0, abs=1e-5) or not in_block.any()
    assert pruned >= 3  # blank, punctuation-only and all-pruned texts are covered


def test_occurrences_and_pushes_equal_the_analyzers(shipped: LinearScorer) -> None:
    for text in corpus()[::3] + EDGE_CASES:
        text = normalise(text).text
        features = shipped.space.text_features(text)
        assert occurrences(features) == reference_occurrences(shipped, text)
        expected = reference_pushes(shipped, text)
        for category in shipped.categories:
            starts, ends, totals = shipped.pushes(text, category)
            assert (
                list(zip(starts.tolist(), ends.tolist(), totals.tolist(), strict=True)) == expected[category]
            )


def test_str_split_and_non_space_regex_agree_on_every_character() -> None:
    # Scoring splits words for char n-grams with `\S+`; scikit-learn's char_wb with str.split().
    every = "x".join(chr(cp) for cp in range(sys.maxunicode + 1))
    assert every.split() == NON_SPACE_RE.findall(every)


# Pieces rather than characters, so links and odd whitespace come up often.
TEXT = st.lists(
    st.sampled_from(
        [
            *"abcdeiotuy IDOT*'.,!?-:/@#0179",
            "\u00a0",
            "\t\n",
            "\u2003",
            "é",
            "ß",
            "中",
            "😀",
            "http://",
            "www.",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_random_texts_score_as_the_matrix_formula(shipped: LinearScorer, texts: list[str]) -> None:
    np.testing.assert_allclose(
        shipped.probabilities(texts), reference_probabilities(shipped, texts), rtol=0, atol=1e-6
    )
    for text in texts:
        assert occurrences(shipped.space.text_features(text)) == reference_occurrences(shipped, text)
