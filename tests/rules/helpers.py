"""Shared helpers for rule tests: run the rules on a text and read back what they flagged."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from service.moderation.types import Author, Comment, CommentHistory, Reason, RecentComments, Thread
from service.rules import RuleSettings, check_rules
from service.rules.simhash import to_signed
from service.text import normalise


def run(
    text: str,
    settings: RuleSettings | None = None,
    history: CommentHistory | None = None,
    author: str | None = None,
    thread: str | None = None,
    ip: str | None = None,
) -> list[Reason]:
    """check_rules on one comment built from `text`."""
    comment = Comment(id="c-1", text=text, author=Author(id=author, ip=ip), thread=Thread(id=thread))
    return check_rules(comment, normalise(text), settings or RuleSettings(), history)


def codes(text: str, settings: RuleSettings | None = None) -> set[str]:
    """The rule codes that fire on `text`."""
    return {r.code for r in run(text, settings)}


def flagged(text: str, code: str, settings: RuleSettings | None = None) -> list[str]:
    """The original-text slices that rule `code` points at."""
    return [text[s.start : s.end] for r in run(text, settings) if r.code == code for s in r.spans]


def action(text: str, code: str, settings: RuleSettings | None = None) -> str | None:
    """The strictest action among the hits of `code` (None when it does not fire)."""
    rank = {"approve": 0, "review": 1, "reject": 2}
    actions = [r.action for r in run(text, settings) if r.code == code and r.action]
    return max(actions, key=rank.__getitem__) if actions else None


@dataclass
class FakeHistory:
    """An in-memory CommentHistory: what the store would answer about recent comments."""

    fingerprints: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    recent_by_author: int = 0
    previous_comments: int = 5
    calls: list[str] = field(default_factory=list)

    def count_recent_by_author(self, author_id: str | None, ip: str | None, window_seconds: int) -> int:
        """Comments by this author id or IP within the window."""
        self.calls.append(f"count_recent_by_author:{window_seconds}")
        return self.recent_by_author

    def recent_comments(self, window_seconds: int, limit: int) -> RecentComments:
        """The newest `limit` fingerprints, as the store hands them over."""
        self.calls.append(f"recent_comments:{window_seconds}:{limit}")
        recent = self.fingerprints[:limit]
        return RecentComments(
            fingerprints=np.array([to_signed(fp) for fp, _, _ in recent], dtype=np.int64),
            authors=[author for _, author, _ in recent],
            threads=[thread for _, _, thread in recent],
        )

    def author_comment_count(self, author_id: str) -> int:
        """How many comments this author posted before."""
        self.calls.append("author_comment_count")
        return self.previous_comments
