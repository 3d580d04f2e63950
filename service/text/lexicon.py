"""English words the normaliser may split a spaced-out run into ("a i d i o t" -> "a idiot", not "aidiot").

Why: spaced-out letters are joined into one word, so a spaced sentence ("Y O U A R E") or a spaced insult
after the article ("a n i d i o t") used to become one unknown token, which neither the rules nor the models
know. The words come from `lexicon.txt`, built by `python -m service.ml.build_lexicon` from the training
sets' text (labels unused): every word in at least a few rows, the most widespread first.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).with_name("lexicon.txt")
# One- and two-letter words a split may produce; longer parts must be lexicon words of three letters or more,
# so that a run of initials ("A B C D") is not cut into chance pairs.
SHORT_WORDS = frozenset(
    [
        "a",
        "i",
        "am",
        "an",
        "as",
        "at",
        "be",
        "by",
        "do",
        "go",
        "he",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "of",
        "oh",
        "ok",
        "on",
        "or",
        "so",
        "to",
        "up",
        "us",
        "we",
    ]
)
# A run longer than this stays joined: the split is a small dynamic programme, kept bounded.
MAX_SPLIT_LETTERS = 120
_MAX_WORD = 24


@lru_cache(maxsize=1)
def word_ranks() -> dict[str, int]:
    """Lexicon word -> rank (0 = in the most rows); empty when the file is missing."""
    try:
        lines = LEXICON_PATH.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    words = [line for line in lines if line and not line.startswith("#")]
    return {word: rank for rank, word in enumerate(words)}


@lru_cache(maxsize=1)
def lexicon_sha256() -> str:
    """sha256 of the lexicon file ("" when missing): a model card records it, as it records the version."""
    try:
        return hashlib.sha256(LEXICON_PATH.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def _cost(part: str, ranks: dict[str, int]) -> float | None:
    """How unlikely a part is as a word (log of its rank), or None when it may not be one."""
    if part in SHORT_WORDS:
        return math.log(2 + ranks.get(part, 0))
    if len(part) >= 3 and part in ranks:
        return math.log(2 + ranks[part])
    return None


def split_joined(letters: str) -> list[str] | None:
    """The words a joined run of letters reads as, or None to keep it as one word.

    A run that is itself a lexicon word stays whole ("abnormal", "ass"). Otherwise the split with the fewest
    words wins, then the one made of the most widespread words; a run with no split into words stays whole.
    """
    ranks = word_ranks()
    if not ranks or letters in ranks or len(letters) > MAX_SPLIT_LETTERS or not letters.isalpha():
        return None
    n = len(letters)
    # best[i]: (words, cost, start of the last word) for the split of letters[:i].
    best: list[tuple[int, float, int] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD), end):
            before = best[start]
            if before is None:
                continue
            cost = _cost(letters[start:end], ranks)
            if cost is None:
                continue
            candidate = (before[0] + 1, before[1] + cost, start)
            current = best[end]
            if current is None or candidate[:2] < current[:2]:
                best[end] = candidate
    if best[n] is None:
        return None
    words: list[str] = []
    end = n
    while end > 0:
        entry = best[end]
        assert entry is not None
        words.append(letters[entry[2] : end])
        end = entry[2]
    words.reverse()
    return words if len(words) > 1 else None
