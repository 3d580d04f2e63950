"""The peer benchmark's provenance arithmetic (the benchmark itself only reports)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.peer_benchmark import _expected_overlap


def test_expected_overlap_counts_each_class_against_its_own_pool_share() -> None:
    sample = np.asarray([1] * 10 + [0] * 90)
    pool = np.asarray([1] * 50 + [0] * 50)
    # Half the split's toxic rows and 1/18 of its clean rows are in the pool: 10/2 + 90/18.
    assert _expected_overlap(sample, pool, (1000, 100)) == pytest.approx(10.0)


def test_expected_overlap_is_zero_for_an_empty_pool() -> None:
    assert _expected_overlap(np.asarray([1, 0, 0]), np.asarray([], dtype=int), (100, 10)) == 0.0
