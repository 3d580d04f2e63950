"""PLACEHOLDER CONTRACT for the rule layer (to be completed by the rules work).

`check_rules` returns rule reasons (source="rule", with `action` set to the rule's default action);
the policy may override the action per rule code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from service.moderation.types import Comment, CommentHistory, Decision, Reason
from service.text.normaliser import NormalisedText


@dataclass(frozen=True)
class RuleInfo:
    """What a rule code means: its category, default action and message."""

    category: str
    action: Decision
    message: str


RULES: dict[str, RuleInfo] = {}


@dataclass(frozen=True)
class RuleSettings:
    """Per-site knobs of the rule layer; every field has a sensible default."""

    banned_terms: tuple[str, ...] = ()
    suspect_terms: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


def check_rules(
    comment: Comment,
    norm: NormalisedText,
    settings: RuleSettings,
    history: CommentHistory | None = None,
) -> list[Reason]:
    """Run every rule over one comment; stateful rules run only when `history` is given."""
    return []


def fingerprint(norm: NormalisedText) -> int:
    """A 64-bit signed near-duplicate fingerprint of the canonical text (SimHash)."""
    digest = hashlib.blake2b(norm.text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
