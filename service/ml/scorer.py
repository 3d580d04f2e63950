"""The model contract the pipeline depends on, and the loader that verifies artifacts before trusting them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from service.moderation.types import Span
from service.text.lexicon import lexicon_sha256
from service.text.normaliser import NORMALISER_VERSION, NormalisedText

ARTIFACT_NAME = "moderation-classifier.joblib"
CARD_NAME = "model_card.json"


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


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries an artifact depends on, as running now."""
    import platform

    import joblib
    import numpy
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit_learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def check_environment(card: dict[str, Any]) -> None:
    """Refuse an artifact fitted with other library or normaliser versions (ORES-style environment check).

    scikit-learn and joblib must match exactly (hashing and pickling are version-specific); numpy must
    share its major version; Python and scipy are recorded but not enforced.
    """
    recorded = card.get("libraries", {})
    running = library_versions()
    for name in ("scikit_learn", "joblib"):
        if recorded.get(name) != running[name]:
            raise ModelUnavailable(
                f"model was fitted with {name} {recorded.get(name)}, running {running[name]}; "
                "install the pinned version or retrain with `moderation train`"
            )
    if str(recorded.get("numpy", "")).split(".")[0] != running["numpy"].split(".")[0]:
        raise ModelUnavailable(
            f"model was fitted with numpy {recorded.get('numpy')}, running {running['numpy']}"
        )
    if card.get("normaliser_version") != NORMALISER_VERSION:
        raise ModelUnavailable(
            f"model was fitted on normaliser version {card.get('normaliser_version')}, "
            f"running version {NORMALISER_VERSION}; retrain with `moderation train`"
        )
    # The lexicon is part of the normaliser: another word list splits spaced-out text differently.
    if card.get("normaliser_lexicon_sha256") != lexicon_sha256():
        raise ModelUnavailable(
            "model was fitted with another normaliser lexicon (service/text/lexicon.txt, sha256 "
            f"{card.get('normaliser_lexicon_sha256')}, running {lexicon_sha256() or 'no lexicon'}); "
            "restore the file or retrain with `moderation train`"
        )


def read_card(model_dir: Path) -> dict[str, Any]:
    """The model card in `model_dir`, or ModelUnavailable."""
    card_path = model_dir / CARD_NAME
    if not card_path.is_file():
        raise ModelUnavailable(f"no model card at {card_path}; run `moderation train`")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"model card {card_path} is unreadable: {error}") from error
    if not isinstance(card, dict) or "artifact" not in card or "version" not in card:
        raise ModelUnavailable(f"model card {card_path} lacks version/artifact fields")
    # Wrong shapes would otherwise escape as AttributeError and stop the service from starting.
    if not isinstance(card["artifact"], dict) or not isinstance(card.get("libraries", {}), dict):
        raise ModelUnavailable(f"model card {card_path}: 'artifact' and 'libraries' must be JSON objects")
    return card


def load_scorer(model_dir: Path) -> Scorer:
    """Load and verify the artifacts in `model_dir`; raise ModelUnavailable on any problem."""
    import joblib

    from service.ml.runtime import LinearScorer, check_payload

    model_dir = Path(model_dir)
    card = read_card(model_dir)
    artifact = model_dir / str(card["artifact"].get("file", ARTIFACT_NAME))
    if not artifact.is_file():
        raise ModelUnavailable(f"model artifact {artifact} is missing")
    actual = sha256_file(artifact)
    if actual != card["artifact"].get("sha256"):
        raise ModelUnavailable(
            f"model artifact {artifact} has sha256 {actual}, the card says {card['artifact'].get('sha256')}: "
            "corrupted or replaced; refusing to load it"
        )
    check_environment(card)
    try:
        # Safe to unpickle only because the sha256 above matched the card shipped beside it.
        payload = joblib.load(artifact)
        check_payload(payload)
        return LinearScorer(payload, card)
    except Exception as error:  # why broad: any failure here means "no usable model", never a crash
        raise ModelUnavailable(f"model artifact {artifact} could not be loaded: {error}") from error
