"""Rules that need the site's recent comments: near-duplicates, posting velocity, new accounts with links."""

from __future__ import annotations

import numpy as np

from service.moderation.types import Comment, CommentHistory, Reason, Span
from service.rules.catalogue import reason
from service.rules.settings import RuleSettings
from service.rules.simhash import to_signed
from service.text.normaliser import NormalisedText


def check_stateful(
    comment: Comment,
    norm: NormalisedText,
    settings: RuleSettings,
    history: CommentHistory,
    fingerprint: int,
    has_link: bool,
) -> list[Reason]:
    """Near-duplicate, velocity and new-account-link checks against the comment history."""
    reasons: list[Reason] = []
    whole = (Span(0, len(norm.original)),) if norm.original else ()
    if settings.near_duplicate and len(norm.text) >= settings.duplicate_min_chars:
        detail = _near_duplicate(comment, settings, history, fingerprint)
        if detail:
            reasons.append(reason("spam.near_duplicate", whole, detail=detail))
    author_id = comment.author.id
    if settings.velocity and (author_id or comment.author.ip):
        recent = history.count_recent_by_author(
            author_id, comment.author.ip, settings.velocity_window_seconds
        )
        # `recent` counts earlier comments; this one makes recent + 1.
        if recent + 1 > settings.velocity_limit:
            detail = f"{recent + 1} comments within {settings.velocity_window_seconds} s"
            reasons.append(reason("spam.velocity", (), detail=detail))
    if settings.new_account_link and has_link and author_id and history.author_comment_count(author_id) == 0:
        reasons.append(reason("spam.new_account_link", ()))
    return reasons


def _near_duplicate(
    comment: Comment, settings: RuleSettings, history: CommentHistory, fingerprint: int
) -> str | None:
    """Why this text counts as a spread duplicate, or None when it does not."""
    authors: set[str] = set()
    anonymous = False
    threads: set[str] = set()
    matches = 0
    recent = history.recent_comments(settings.duplicate_window_seconds, settings.duplicate_scan_limit)
    distances = np.bitwise_count((recent.fingerprints ^ np.int64(to_signed(fingerprint))).view(np.uint64))
    for index in np.flatnonzero(distances <= settings.duplicate_max_distance).tolist():
        author, thread = recent.authors[index], recent.threads[index]
        matches += 1
        if author:
            authors.add(author)
        else:
            anonymous = True
        if thread:
            threads.add(thread)
    if not matches:
        return None
    if comment.author.id:
        authors.add(comment.author.id)
    else:
        anonymous = True
    if comment.thread.id:
        threads.add(comment.thread.id)
    # Anonymous posters cannot be told apart, so together they count as one account.
    accounts = len(authors) + (1 if anonymous else 0)
    if accounts >= max(settings.duplicate_min_accounts, 2):
        return f"{matches} similar comment(s) from {accounts} accounts"
    if len(threads) >= max(settings.duplicate_min_threads, 2):
        return f"{matches} similar comment(s) across {len(threads)} threads"
    return None
