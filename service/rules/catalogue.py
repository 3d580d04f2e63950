"""Every rule code the layer can return, with its category, default action and message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from service.moderation.types import Decision, Reason, Span


@dataclass(frozen=True)
class ModelTempering:
    """How a note changes what the models' scores may do to the comment it is on.

    Why: some things a bag-of-words model cannot tell apart (quoting an insult to condemn it; a violent verb
    about a thing), and a rule can. The note then tempers the scores instead of overruling them.
    """

    # A score at a category's reject bar only holds the comment (a person decides).
    no_model_reject: bool = False
    # (category, ceiling): a score of that category below the ceiling does not hold the comment.
    weak_score_passes: tuple[str, float] | None = None


@dataclass(frozen=True)
class RuleInfo:
    """What a rule code means: its category, default action and message, and how it tempers the models."""

    category: str
    action: Decision
    message: str
    tempers: ModelTempering | None = None


# approve = "note only": the hit is reported but does not hold the comment by itself.
RULES: dict[str, RuleInfo] = {
    # civility
    "civility.banned_term": RuleInfo("severe_toxicity", "reject", "uses a term this site does not allow"),
    "civility.suspect_term": RuleInfo("obscene", "review", "uses a term a moderator should look at"),
    "civility.threat": RuleInfo("threat", "reject", "threatens someone with violence or harm"),
    "civility.self_harm_incitement": RuleInfo(
        "severe_toxicity", "reject", "tells someone to harm or kill themselves"
    ),
    "civility.targeted_insult": RuleInfo("insult", "review", "insults the person being addressed"),
    "civility.dehumanising": RuleInfo(
        "identity_attack", "review", "describes a whole group of people as vermin, criminals or worse"
    ),
    "civility.group_conspiracy": RuleInfo(
        "identity_attack",
        "review",
        "says a group of people secretly controls, plots or replaces others (a hate trope)",
    ),
    "civility.shouting": RuleInfo("toxicity", "approve", "written mostly in capital letters"),
    "civility.counter_speech": RuleInfo(
        "toxicity",
        "approve",
        "reports or condemns what it quotes, so the models' rejects are held for a person instead",
        ModelTempering(no_model_reject=True),
    ),
    "civility.figure_of_speech": RuleInfo(
        "toxicity",
        "approve",
        'uses a violent verb about a thing, not a person ("killing the economy"), so a weak toxicity score '
        "alone does not hold it",
        # Only below this calibrated score: a stronger one rests on more than the verb.
        ModelTempering(weak_score_passes=("toxicity", 0.5)),
    ),
    "civility.flooding": RuleInfo("spam", "review", "repeats a character or a word many times"),
    # spam: links
    "spam.link_count": RuleInfo("spam", "review", "contains more links than this site allows"),
    "spam.link_ratio": RuleInfo("spam", "review", "is mostly links with little text of its own"),
    "spam.link_shortener": RuleInfo("spam", "review", "links through a URL shortener"),
    "spam.suspicious_tld": RuleInfo("spam", "review", "links to a domain ending often used for spam"),
    "spam.blocked_domain": RuleInfo("spam", "reject", "links to a domain this site blocks"),
    "spam.obfuscated_link": RuleInfo("spam", "review", "spells out a link to get past link filters"),
    # spam: contact and offers
    "spam.contact_bait": RuleInfo("spam", "review", "asks readers to get in touch on a messaging app"),
    "spam.phone_number": RuleInfo("spam", "review", "contains a phone number"),
    "spam.email_in_body": RuleInfo("spam", "review", "contains an e-mail address"),
    "spam.money_offer": RuleInfo("spam", "review", "advertises money or work-from-home earnings"),
    "spam.crypto_scam": RuleInfo("spam", "reject", "reads like a crypto investment or fund-recovery scam"),
    "spam.loan_dating_pharma": RuleInfo("spam", "review", "advertises loans, dating or medicines"),
    "spam.repeated_text": RuleInfo("spam", "review", "repeats the same sentence several times"),
    # spam: stateful (need the comment history)
    "spam.near_duplicate": RuleInfo(
        "spam", "review", "the same text was posted recently from several accounts or threads"
    ),
    "spam.velocity": RuleInfo("spam", "review", "the author is posting faster than this site allows"),
    "spam.new_account_link": RuleInfo("spam", "review", "a first comment from a new account carries a link"),
}


def reason(
    code: str,
    spans: Iterable[Span] = (),
    *,
    action: Decision | None = None,
    category: str | None = None,
    detail: str | None = None,
) -> Reason:
    """A rule Reason for `code`, with the rule's defaults unless a narrower action or category applies."""
    info = RULES[code]
    message = f"{info.message}: {detail}" if detail else info.message
    unique = tuple(sorted(set(spans), key=lambda span: (span.start, span.end)))
    return Reason(
        source="rule",
        code=code,
        category=category or info.category,
        message=message,
        spans=unique,
        action=action or info.action,
    )
