"""The verdict-level evaluation: what the whole pipeline decides on labelled texts, counted honestly."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest

from service.ml import verdicts
from service.ml.scorer import Scorer
from service.text import normalise
from tests.conftest import KeywordScorer

# KeywordScorer: "idiot" scores insult 0.97 (reject at 0.9), "moron" 0.7 (review at 0.5); nothing else fires.
TEXTS = [
    "You idiot.",  # positive, rejected
    "What a moron.",  # positive, held
    "I disagree with the council.",  # positive the scorer misses: approved
    "Lovely weather today.",  # negative, approved
    "The moron of the story is kindness.",  # negative, held by model.insult
    "Only an idiot would say that, I joke.",  # negative, rejected
]
LABELS = np.array([1, 1, 1, 0, 0, 0])


def _decide(texts: list[str]) -> verdicts.Outcomes:
    return verdicts.decide(cast(Scorer, KeywordScorer()), [normalise(t) for t in texts])


def test_decide_goes_through_the_pipeline_in_order() -> None:
    outcomes = _decide(TEXTS)
    assert list(outcomes.decisions) == ["reject", "review", "approve", "approve", "review", "reject"]
    # The rules run too: "You idiot." is a targeted insult before any model speaks.
    assert outcomes.reasons[0] == ("civility.targeted_insult", "model.toxicity", "model.insult")
    assert outcomes.reasons[2] == ()
    assert list(outcomes.held) == [True, True, False, False, True, True]


def test_decide_batches_keep_rows_aligned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verdicts, "BATCH", 4)  # 6 texts: a full batch and a partial one
    outcomes = _decide(TEXTS)
    assert list(outcomes.decisions) == ["reject", "review", "approve", "approve", "review", "reject"]


def test_summary_counts_caught_positives_and_held_negatives() -> None:
    outcomes = _decide(TEXTS)
    summary = verdicts.summarise(LABELS, outcomes)
    assert summary["positives"] == {"approve": 0.3333, "review": 0.3333, "reject": 0.3333}
    assert summary["negatives"] == {"approve": 0.3333, "review": 0.3333, "reject": 0.3333}
    assert summary["positives_caught"] == 0.6667
    assert summary["negatives_held"] == 0.6667
    assert summary["reject_precision"] == 0.5  # one of the two rejects is a labelled positive
    # Each held negative counts once per reason code that held it.
    assert summary["negatives_held_by"] == {"model.toxicity": 2, "model.insult": 2}
    assert list(summary["negatives_held_by"]) == ["model.insult", "model.toxicity"]  # ties by code


def test_summary_without_rejects_or_negatives_says_none() -> None:
    texts = ["What a moron."]
    outcomes = _decide(texts)
    summary = verdicts.summarise(np.array([1]), outcomes)
    assert summary["reject_precision"] is None
    assert summary["negatives_held"] is None
    assert summary["negatives"] == {"approve": None, "review": None, "reject": None}


def test_held_share_per_group_counts_only_rows_with_the_label() -> None:
    outcomes = _decide(TEXTS)
    groups = ["a", "a", "b", "a", "b", "b"]
    # Negatives: group a has "Lovely weather" (approved); group b has one held and one rejected.
    assert verdicts.held_share_per_group(groups, LABELS, outcomes) == {"a": 0.0, "b": 1.0}
    assert verdicts.held_share_per_group(groups, LABELS, outcomes, label=1) == {"a": 1.0, "b": 0.0}
