"""The shared vectorisation: our array path must count exactly what scikit-learn's HashingVectorizer counts
(artifacts and training depend on it), and a batch must equal its comments vectorised one by one."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from service.ml.features import (
    CHAR_NGRAMS,
    WORD_NGRAMS,
    WORD_TOKEN_PATTERN,
    FeatureSpace,
    NgramHasher,
    Unmasker,
    fit_feature_space,
    hashed_counts,
    maskable_words,
)

TEXTS = [
    "you are an idiot and everyone knows it",
    "great article, thanks for the balanced reporting!",
    "",
    "   ",
    "a",
    "f*** this, 1d10t",
    "ünïcödé straße 😀 emoji ✨ and 中文 text",
    "tabs\tand\nnew lines,  double  spaces and\u00a0no-break\u2003em spaces",
    "repeated words repeated words repeated words",
    "see weblink                       for more",
    "the council's vote was 7-2 & the mayor's office said \"no comment\" " * 20,
]
N_FEATURES = 2**20


def reference(kind: str) -> HashingVectorizer:
    settings = (
        {"analyzer": "word", "token_pattern": WORD_TOKEN_PATTERN, "ngram_range": WORD_NGRAMS}
        if kind == "word"
        else {"analyzer": "char_wb", "ngram_range": CHAR_NGRAMS}
    )
    return HashingVectorizer(
        n_features=N_FEATURES, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32, **settings
    )


@pytest.mark.parametrize("kind", ["word", "char"])
def test_hashed_counts_equal_scikit_learns_hashing_vectorizer(kind: str) -> None:
    expected = sp.csr_matrix(reference(kind).transform(TEXTS))
    expected.sum_duplicates()
    entries = hashed_counts(NgramHasher(kind, N_FEATURES), TEXTS)
    ours = sp.csr_matrix((entries.values, (entries.rows, entries.columns)), shape=expected.shape)
    assert expected.nnz > 50
    assert ours.nnz == expected.nnz
    assert abs(ours - expected).max() == 0


def test_a_batch_equals_its_comments_one_by_one_and_rows_are_unit_length() -> None:
    space, training = fit_feature_space(TEXTS * 3, word_budget=200, char_budget=800, min_df=1)
    batch = space.transform(TEXTS)
    assert batch.shape == (len(TEXTS), space.width)
    assert abs(batch - training[: len(TEXTS)]).max() < 1e-6
    for row, text in enumerate(TEXTS):
        single = space.transform([text])
        assert abs(single - batch[row]).max() < 1e-6 if single.nnz else batch[row].nnz == 0
        # Each block is L2-normalised on its own: squared norms of 0 (no kept n-gram) or 1 per block.
        for block in (single[:, : space.word.width], single[:, space.word.width :]):
            assert block.multiply(block).sum() == pytest.approx(1.0, abs=1e-5) or block.nnz == 0
    assert batch[2].nnz == 0 and batch[3].nnz == 0  # nothing to count in empty or blank text
    assert space.transform([]).shape == (0, space.width)


def test_one_text_features_equal_its_transform_row() -> None:
    space, _ = fit_feature_space(TEXTS * 3, word_budget=200, char_budget=800, min_df=1)
    for text in TEXTS:
        features, row = space.text_features(text), space.transform([text])
        np.testing.assert_array_equal(features.columns, row.indices)
        np.testing.assert_array_equal(features.values, row.data)
        # Every feature has at least one n-gram occurrence behind it (explanations read them).
        assert len(features.occurrence) == len(features.ranges[2]) == sum(features.piece_sizes)
        assert np.bincount(features.occurrence, minlength=len(features.columns)).min(initial=1) >= 1


# --- masked words ------------------------------------------------------------------------------------------------


def test_maskable_words_are_the_mostly_toxic_training_words_most_often_toxic_first() -> None:
    texts = (
        ["you idiot"] * 12 + ["idiot box"] * 3 + ["fuck off"] * 20 + ["the weather"] * 30 + ["rare slur"] * 2
    )
    toxic = [1] * 12 + [0] * 3 + [1] * 20 + [0] * 30 + [1] * 2
    # "idiot" is toxic in 12 of its 15 rows, "fuck" in all 20; "the" never; "slur" too rare to count.
    assert maskable_words(texts, toxic) == ("fuck", "off", "idiot", "you")
    # Rows whose toxicity no source labels (-1) count for nothing.
    assert maskable_words(texts, [-1] * len(texts)) == ()


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("you are an id*ot", "you are an idiot"),
        ("f**k off, st*pid", "fuck off, stupid"),
        ("f*** that", "fuck that"),  # one shown letter: the first fitting word wins
        ("what a m*ss", "what a m*ss"),  # nothing of that length fits: stays masked
        ("*** and ****", "*** and ****"),  # no shown letter: nothing to go on
        ("no mask here", "no mask here"),
    ],
)
def test_a_masked_word_reads_as_the_first_listed_word_it_fits(text: str, read: str) -> None:
    unmask = Unmasker(("fuck", "idiot", "stupid", "folk"))
    assert unmask(text) == read
    assert len(unmask(text)) == len(text)  # same length: offsets and explanations stay exact


def test_the_models_read_masked_words_spelled_out_and_the_artifact_keeps_the_list() -> None:
    texts = ["you idiot", "you id*ot", "an idiot again"] * 3
    space, training = fit_feature_space(
        texts, word_budget=50, char_budget=200, min_df=1, unmask=Unmasker(["idiot"])
    )
    # The masked row gets the very features of the spelled-out one, in training and at scoring time.
    assert abs(training[1] - training[0]).max() == 0
    assert abs(space.transform(["you id*ot"]) - space.transform(["you idiot"])).max() == 0
    np.testing.assert_array_equal(
        space.text_features("you id*ot").values, space.text_features("you idiot").values
    )
    rebuilt = FeatureSpace.from_payload(space.to_payload())
    assert rebuilt.unmask.words == ("idiot",)
    assert abs(rebuilt.transform(["you id*ot"]) - space.transform(["you idiot"])).max() == 0
