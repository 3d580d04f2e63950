"""PLACEHOLDER CONTRACT for the model runtime (to be completed by the models work).

The pipeline only depends on the `Scorer` protocol below.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from service.moderation.types import Span
from service.text.normaliser import NormalisedText


class ModelUnavailable(RuntimeError):
    """The models could not be loaded or run; the pipeline must fail safe (hold for review)."""


class Scorer(Protocol):
    """Scores canonical texts on every category and explains a score with spans."""

    version: str
    card: dict[str, Any]

    def score(self, texts: Sequence[NormalisedText]) -> list[dict[str, float]]:
        """One dict per text with a probability for each of the seven categories."""
        ...

    def explain(self, text: NormalisedText, category: str, limit: int = 3) -> tuple[Span, ...]:
        """Spans of the original text whose n-grams pushed `category` up the most."""
        ...

    def operating_points(self) -> dict[str, tuple[float, float]]:
        """Default (review, reject) thresholds per category, chosen by cross-validation."""
        ...


def load_scorer(model_dir: Path) -> Scorer:
    """Load and verify the artifacts in `model_dir`; raise ModelUnavailable on any problem."""
    raise ModelUnavailable(f"no model artifacts in {model_dir}")
