"""The lexicon that splits spaced-out runs, and the command that builds it from the training texts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.ml import datasets
from service.ml.build_lexicon import MIN_ROWS, lexicon_words
from service.text import lexicon
from service.text.lexicon import split_joined, word_ranks

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.mark.parametrize(
    ("letters", "words"),
    [
        ("aidiot", ["a", "idiot"]),
        ("anidiot", ["an", "idiot"]),
        ("youare", ["you", "are"]),
        ("achildishbuffoon", ["a", "childish", "buffoon"]),
        ("kickhimintheballs", ["kick", "him", "in", "the", "balls"]),
    ],
)
def test_a_run_that_is_no_word_splits_into_the_fewest_words(letters: str, words: list[str]) -> None:
    assert split_joined(letters) == words


@pytest.mark.parametrize("letters", ["abnormal", "ass", "ahead", "idiot", "abcd", "kys", "x" * 200, "id1ot"])
def test_a_word_a_run_of_initials_or_an_unsplittable_run_stays_whole(letters: str) -> None:
    assert split_joined(letters) is None


def test_the_most_widespread_words_win_a_tie() -> None:
    ranks = word_ranks()
    assert ranks["the"] < ranks["idiot"] < ranks["sociopath"]
    # "a" + "sociopath" and "as" + "ociopath": only the first is made of words.
    assert split_joined("asociopath") == ["a", "sociopath"]


def test_without_the_file_nothing_splits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lexicon, "LEXICON_PATH", tmp_path / "missing.txt")
    word_ranks.cache_clear()
    try:
        assert split_joined("aidiot") is None
    finally:
        word_ranks.cache_clear()


def test_lexicon_words_counts_rows_not_occurrences() -> None:
    texts = {"one": ["idiot idiot idiot", "an idiot", "the idiot"], "two": ["The end", "the idiot", "b"]}
    assert lexicon_words(texts, min_rows=2) == ["idiot", "the"]


def test_the_shipped_lexicon_is_what_the_training_texts_build() -> None:
    """Anyone can rebuild service/text/lexicon.txt from the public training sets and get the same file."""
    if not DATASETS.is_dir():
        if os.environ.get("MODERATION_TEST_REQUIRE_DATASETS") == "1":
            pytest.fail(f"MODERATION_TEST_REQUIRE_DATASETS=1 but {DATASETS} is missing")
        pytest.skip(f"{DATASETS} is missing")
    texts = {name: reader(DATASETS).texts for name, reader in datasets.TRAIN_READERS_BY_NAME.items()}
    texts["seeds_labelled"] = datasets.read_seeds().texts
    assert list(word_ranks()) == lexicon_words(texts, min_rows=MIN_ROWS)
