"""moderate(): the one pipeline every entry point goes through: normalise, rules, models, policy."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

from service.ml.scorer import ModelUnavailable, Scorer
from service.moderation.policy import Policy, model_reason, strictest
from service.moderation.types import CATEGORIES, Comment, CommentHistory, Decision, Reason, Verdict
from service.rules import RULES, check_rules
from service.text import NormalisedText, normalise

log = logging.getLogger(__name__)

UNAVAILABLE_VERSION = "unavailable"


def moderate(
    comment: Comment,
    policy: Policy,
    scorer: Scorer | None,
    history: CommentHistory | None = None,
    norm: NormalisedText | None = None,
) -> Verdict:
    """Decide on one comment under a site's policy; never approves when the models are unavailable."""
    return moderate_batch([comment], policy, scorer, history, [norm] if norm else None)[0]


def moderate_batch(
    comments: Sequence[Comment],
    policy: Policy,
    scorer: Scorer | None,
    history: CommentHistory | None = None,
    norms: Sequence[NormalisedText] | None = None,
) -> list[Verdict]:
    """moderate() for several comments at once, so the models vectorise them in one pass."""
    texts = list(norms) if norms is not None else [normalise(comment.text) for comment in comments]
    model_scores: list[dict[str, float]] | None
    try:
        if scorer is None:
            raise ModelUnavailable("no models are loaded")
        model_scores = scorer.score(texts)
        defaults = scorer.operating_points()
        model_version = scorer.version
    except ModelUnavailable as error:
        log.error("models unavailable, holding for review: %s", error)
        model_scores, defaults, model_version = None, {}, UNAVAILABLE_VERSION
    verdicts = []
    for index, (comment, norm) in enumerate(zip(comments, texts, strict=True)):
        scores = model_scores[index] if model_scores is not None else None
        verdicts.append(_decide(comment, norm, policy, scorer, history, scores, defaults, model_version))
    return verdicts


def _decide(
    comment: Comment,
    norm: NormalisedText,
    policy: Policy,
    scorer: Scorer | None,
    history: CommentHistory | None,
    scores: dict[str, float] | None,
    defaults: dict[str, tuple[float, float]],
    model_version: str,
) -> Verdict:
    reasons: list[Reason] = []
    decisions: list[Decision] = ["approve"]
    for hit in check_rules(comment, norm, policy.rules, history):
        rule_action = policy.rule_action(hit)
        if rule_action == "off":
            continue
        taken = cast(Decision, rule_action)
        decisions.append(taken)
        reasons.append(Reason(hit.source, hit.code, hit.category, hit.message, hit.spans, taken))
    # Notes that temper the models (catalogue `tempers`): only those the site's policy left on are here.
    tempering = [
        info.tempers for info in (RULES.get(reason.code) for reason in reasons) if info and info.tempers
    ]
    no_model_reject = any(t.no_model_reject for t in tempering)
    weak_passes: dict[str, float] = {}
    for t in tempering:
        if t.weak_score_passes:
            category, ceiling = t.weak_score_passes
            weak_passes[category] = max(weak_passes.get(category, 0.0), ceiling)
    model_scored = scores is not None
    if scores is None:
        decisions.append("review")
        reasons.append(
            Reason(
                source="policy",
                code="policy.model_unavailable",
                category="toxicity",
                message="the classifiers are unavailable, so the comment is held for a person to check",
                action="review",
            )
        )
        scores = dict.fromkeys(CATEGORIES, 0.0)
    else:
        for category in CATEGORIES:
            score = scores[category]
            bars = policy.threshold(category, defaults)
            action: Decision
            if score >= bars.reject and not no_model_reject:
                action, bar = "reject", bars.reject
            elif score >= bars.review:
                if score < weak_passes.get(category, 0.0):
                    continue
                action, bar = "review", bars.review
            else:
                continue
            spans = scorer.explain(norm, category) if (policy.explain and scorer is not None) else ()
            decisions.append(action)
            reasons.append(model_reason(category, score, bar, action, spans))
    decision = strictest(decisions)
    shadow_decision: Decision | None = None
    # Shadow mode never approves blind: a comment the models could not score is still held.
    if policy.shadow and model_scored:
        shadow_decision, decision = decision, "approve"
    return Verdict(
        decision=decision,
        scores={category: float(scores[category]) for category in CATEGORIES},
        reasons=tuple(reasons),
        model_version=model_version,
        policy_version=policy.version,
        shadow_decision=shadow_decision,
    )
