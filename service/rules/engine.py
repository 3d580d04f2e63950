"""The rule layer's entry points: check_rules() composes the civility, spam, link and stateful rules.

`check_rules` returns rule reasons (source="rule") with spans into the original text and `action` set to
the rule's default action, lowered to "review" where a civility hit sits in quoted or reported speech or
the wording is too weak to reject on its own; the policy may override the action per rule code.
"""

from __future__ import annotations

from functools import lru_cache

from service.moderation.types import Comment, CommentHistory, Reason
from service.rules import civility, links, spam, stateful
from service.rules.catalogue import RULES, RuleInfo
from service.rules.settings import RuleSettings
from service.rules.simhash import simhash, to_signed
from service.text.normaliser import NormalisedText

__all__ = ["RULES", "RuleInfo", "RuleSettings", "check_rules", "fingerprint"]


def check_rules(
    comment: Comment,
    norm: NormalisedText,
    settings: RuleSettings,
    history: CommentHistory | None = None,
) -> list[Reason]:
    """Run every rule over one comment; stateful rules run only when `history` is given."""
    reasons: list[Reason] = []
    if norm.text:
        reasons += civility.check_terms(norm, settings)
        reasons += civility.check_threats(norm)
        reasons += civility.check_self_harm(norm)
        reasons += civility.check_insults(norm, settings)
        reasons += civility.check_dehumanising(norm)
        reasons += civility.check_group_conspiracy(norm)
        reasons += civility.check_counter_speech(norm)
        reasons += civility.check_figure_of_speech(norm)
        reasons += civility.check_shouting(norm, settings)
        reasons += civility.check_flooding(norm, settings)
    found = links.find_links(norm)
    reasons += links.check_links(norm, settings, found)
    reasons += spam.check_spam(norm, settings, found)
    if history is not None:
        counted = [link for link in found if not links.domain_in(link.host, settings.allowed_domains)]
        reasons += stateful.check_stateful(comment, norm, settings, history, fingerprint(norm), bool(counted))
    return reasons


def fingerprint(norm: NormalisedText) -> int:
    """A 64-bit signed near-duplicate fingerprint of the canonical text (SimHash)."""
    return _fingerprint_text(norm.text)


@lru_cache(maxsize=1024)
def _fingerprint_text(text: str) -> int:
    """Cached: ingestion asks for the fingerprint of the same text twice (rules, then storage)."""
    return to_signed(simhash(text))
