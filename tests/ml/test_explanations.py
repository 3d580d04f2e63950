"""How pushes of nested n-gram ranges are handed down to the words inside them."""

from __future__ import annotations

import numpy as np
import pytest

from service.ml.runtime import _onto_words


def _arrays(ranges: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    starts, ends, totals = zip(*ranges, strict=True)
    return np.array(starts), np.array(ends), np.array(totals, dtype=float)


def test_a_bigram_push_goes_to_the_word_that_pushes() -> None:
    # "a moron": the bigram (0, 7) holds "a" (0, 1), which pulls down, and "moron" (2, 7).
    starts, ends, totals = _arrays([(0, 1, -0.1), (2, 7, 1.0), (0, 7, 0.6)])
    result = dict(_onto_words(starts, ends, totals, np.array([1, 2])))
    assert result == {(2, 7): pytest.approx(1.6)}


def test_a_push_is_shared_in_proportion_to_the_inner_words_own_pushes() -> None:
    starts, ends, totals = _arrays([(0, 4, 0.3), (5, 9, 0.1), (0, 9, 0.8)])
    result = dict(_onto_words(starts, ends, totals, np.array([2])))
    # Neither word is ranked itself: each keeps its own push and inherits 3/4 and 1/4 of the bigram's.
    assert result == {(0, 4): pytest.approx(0.3 + 0.6), (5, 9): pytest.approx(0.1 + 0.2)}


def test_inner_words_that_all_pull_down_share_equally() -> None:
    starts, ends, totals = _arrays([(0, 4, -0.2), (5, 9, -0.1), (0, 9, 1.0)])
    result = dict(_onto_words(starts, ends, totals, np.array([2])))
    assert result == {(0, 4): pytest.approx(0.3), (5, 9): pytest.approx(0.4)}


def test_a_run_holding_bigrams_goes_to_its_innermost_words() -> None:
    # A hyphenated run (0, 14) holds two words and the bigram over them.
    starts, ends, totals = _arrays([(0, 14, 0.9), (0, 6, 0.5), (7, 14, 0.0), (0, 14 - 1, 0.2)])
    result = dict(_onto_words(starts, ends, totals, np.array([0])))
    assert result == {(0, 6): pytest.approx(0.5 + 0.9)}


def test_ranges_that_hold_nothing_keep_their_push() -> None:
    starts, ends, totals = _arrays([(0, 3, 0.4), (4, 8, 0.2)])
    assert dict(_onto_words(starts, ends, totals, np.array([0, 1]))) == {(0, 3): 0.4, (4, 8): 0.2}


def test_a_long_hyphenated_run_hands_its_push_to_every_word_inside_it() -> None:
    # "w-w-w-...": 2000 words, the 1999 bigrams between them, and the run holding them all. Finding the
    # innermost ranges must not compare every pair (a 64 KB comment would stall the worker).
    words = [(4 * k, 4 * k + 3, 0.001) for k in range(2000)]
    bigrams = [(4 * k, 4 * k + 7, 0.0) for k in range(1999)]
    starts, ends, totals = _arrays([(0, 7999, 2.0), *words, *bigrams])
    result = dict(_onto_words(starts, ends, totals, np.array([0])))
    assert sorted(result) == [(s, e) for s, e, _ in words]
    assert sum(result.values()) == pytest.approx(2.0 + 2.0)
