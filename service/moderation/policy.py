"""Per-site policy: thresholds per category and rule actions turn scores and rule hits into a decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.moderation.types import CATEGORIES, DECISION_RANK, Decision, Reason, Span
from service.rules import RULES, RuleSettings

RULE_ACTIONS = ("approve", "review", "reject", "off")


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above `review` hold the comment; at or above `reject` reject it."""

    review: float
    reject: float


@dataclass(frozen=True)
class Policy:
    """Everything a site can configure about how a verdict is reached."""

    version: str = "default"
    thresholds: Mapping[str, Thresholds] = field(default_factory=dict)
    rule_actions: Mapping[str, str] = field(default_factory=dict)
    rules: RuleSettings = field(default_factory=RuleSettings)
    # Shadow mode: decide as usual but approve everything, keeping the would-be decision for review.
    shadow: bool = False
    # Which reasons carry model explanation spans (explaining costs a second pass).
    explain: bool = True

    def rule_action(self, reason: Reason) -> str:
        """The action this site takes on a rule hit: its own override or the rule's default."""
        return self.rule_actions.get(reason.code, reason.action or "review")

    def threshold(self, category: str, defaults: Mapping[str, tuple[float, float]]) -> Thresholds:
        """The site's thresholds for a category, else the model's operating points."""
        if category in self.thresholds:
            return self.thresholds[category]
        review, reject = defaults.get(category, (0.5, 0.9))
        return Thresholds(review=review, reject=reject)


def validate_policy_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """Check a site's policy JSON and return it in canonical form; raise ValueError naming the problem."""
    unknown = set(document) - {"thresholds", "rule_actions", "rules", "shadow"}
    if unknown:
        raise ValueError(f"unknown policy keys: {', '.join(sorted(unknown))}")
    thresholds: dict[str, dict[str, float]] = {}
    for category, values in (document.get("thresholds") or {}).items():
        if category not in CATEGORIES:
            raise ValueError(f"thresholds: unknown category {category!r}")
        if not isinstance(values, Mapping) or set(values) != {"review", "reject"}:
            raise ValueError(f"thresholds.{category}: give exactly 'review' and 'reject'")
        review, reject = values["review"], values["reject"]
        numbers_ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (review, reject))
        if not numbers_ok or not 0.0 <= float(review) <= float(reject) <= 1.0:
            raise ValueError(f"thresholds.{category}: need 0 <= review <= reject <= 1")
        thresholds[category] = {"review": float(review), "reject": float(reject)}
    actions: dict[str, str] = {}
    for code, action in (document.get("rule_actions") or {}).items():
        if code not in RULES:
            raise ValueError(f"rule_actions: unknown rule code {code!r}")
        if action not in RULE_ACTIONS:
            raise ValueError(f"rule_actions.{code}: must be one of {', '.join(RULE_ACTIONS)}")
        actions[code] = action
    rules = RuleSettings.from_dict(document.get("rules") or {})
    shadow = document.get("shadow", False)
    if not isinstance(shadow, bool):
        raise ValueError("shadow: must be true or false")
    return {"thresholds": thresholds, "rule_actions": actions, "rules": rules.to_dict(), "shadow": shadow}


def policy_from_document(document: Mapping[str, Any], version: str) -> Policy:
    """Build a Policy from a stored (already validated) policy document."""
    return Policy(
        version=version,
        thresholds={
            category: Thresholds(review=values["review"], reject=values["reject"])
            for category, values in (document.get("thresholds") or {}).items()
        },
        rule_actions=dict(document.get("rule_actions") or {}),
        rules=RuleSettings.from_dict(document.get("rules") or {}),
        shadow=bool(document.get("shadow", False)),
    )


def strictest(decisions: list[Decision]) -> Decision:
    """The harshest of several decisions (approve < review < reject)."""
    return max(decisions, key=DECISION_RANK.__getitem__, default="approve")


def model_reason(
    category: str, score: float, bar: float, action: Decision, spans: tuple[Span, ...]
) -> Reason:
    """A reason that cites a category score crossing a threshold."""
    verb = "reject" if action == "reject" else "review"
    return Reason(
        source="model",
        code=f"model.{category}",
        category=category,
        message=f"{category.replace('_', ' ')} score {score:.2f} is at or above the {verb} threshold {bar:.2f}",
        spans=spans,
        action=action,
    )
