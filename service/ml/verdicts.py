"""What the whole pipeline decides on labelled texts: the verdict-level view of an eval-only set.

ROC AUC says how well one score ranks texts. An operator needs to know what the service *does* under the
default policy: how many abusive comments it holds or rejects, and how many clean ones it holds (moderator
work) or rejects (harm). Every text goes through `moderate_batch`, the same path as the API, as a first
comment with no author history: only the stateless rules fire (no velocity, duplicate or new-account checks).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from service.ml.scorer import Scorer
from service.moderation.pipeline import moderate_batch
from service.moderation.policy import Policy
from service.moderation.types import Comment, Decision
from service.text import NormalisedText

DECISIONS: tuple[Decision, ...] = ("approve", "review", "reject")
# Explanations do not change a decision; skipping them makes a 76 000-row set quick.
DEFAULT_POLICY = Policy(version="default", explain=False)
BATCH = 500
TOP_REASONS = 5


@dataclass(frozen=True)
class Outcomes:
    """One decision per text, and the codes of the reasons that held or rejected it."""

    decisions: np.ndarray  # str, one of DECISIONS per text
    reasons: list[tuple[str, ...]]

    @property
    def held(self) -> np.ndarray:
        """True where the comment does not appear at once (review or reject)."""
        return self.decisions != "approve"


def decide(
    scorer: Scorer, norms: Sequence[NormalisedText], policy: Policy = DEFAULT_POLICY, desc: str = ""
) -> Outcomes:
    """The pipeline's decision on every normalised text, in order."""
    decisions: list[str] = []
    reasons: list[tuple[str, ...]] = []
    batches = range(0, len(norms), BATCH)
    for start in tqdm(batches, desc=f"deciding {desc}", leave=False, disable=len(batches) < 4):
        chunk = norms[start : start + BATCH]
        comments = [Comment(id=str(start + i), text=norm.original) for i, norm in enumerate(chunk)]
        for verdict in moderate_batch(comments, policy, scorer, norms=chunk):
            decisions.append(verdict.decision)
            reasons.append(tuple(r.code for r in verdict.reasons if r.action in ("review", "reject")))
    return Outcomes(np.asarray(decisions, dtype=object), reasons)


def _shares(decisions: np.ndarray) -> dict[str, float | None]:
    """Share of each decision among some rows (None when there are no rows)."""
    if len(decisions) == 0:
        return dict.fromkeys(DECISIONS)
    return {d: round(float((decisions == d).mean()), 4) for d in DECISIONS}


def summarise(y: np.ndarray, outcomes: Outcomes) -> dict[str, Any]:
    """Decision shares among positives and negatives, reject precision, and why negatives were held."""
    positives, negatives = outcomes.decisions[y == 1], outcomes.decisions[y == 0]
    rejected = outcomes.decisions == "reject"
    held_negative_reasons: Counter[str] = Counter()
    for label, codes in zip(y, outcomes.reasons, strict=True):
        if label == 0:
            held_negative_reasons.update(set(codes))
    return {
        "positives": _shares(positives),
        "negatives": _shares(negatives),
        "positives_caught": round(float((positives != "approve").mean()), 4) if len(positives) else None,
        "negatives_held": round(float((negatives != "approve").mean()), 4) if len(negatives) else None,
        "reject_precision": round(float(y[rejected].mean()), 4) if rejected.any() else None,
        # Ties broken by code, so that the report does not change from run to run.
        "negatives_held_by": dict(
            sorted(held_negative_reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
        ),
    }


def held_share_per_group(
    groups: Sequence[str], y: np.ndarray, outcomes: Outcomes, label: int = 0
) -> dict[str, float]:
    """Per group, the share of its rows with `label` that the pipeline held or rejected."""
    names = np.asarray(groups, dtype=object)
    held = outcomes.held
    out = {}
    for group in sorted(set(groups)):
        rows = (names == group) & (y == label)
        if rows.any():
            out[group] = round(float(held[rows].mean()), 4)
    return out
