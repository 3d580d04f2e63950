"""Domain types shared by every stage of the pipeline: comments in, verdicts out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import numpy as np

CATEGORIES: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "insult",
    "threat",
    "obscene",
    "identity_attack",
    "spam",
)

Decision = Literal["approve", "review", "reject"]
# Ordered from mildest to harshest so max() picks the strictest decision.
DECISION_RANK: dict[str, int] = {"approve": 0, "review": 1, "reject": 2}
STATUS_FOR_DECISION: dict[str, str] = {"approve": "approved", "review": "pending", "reject": "rejected"}


@dataclass(frozen=True)
class Author:
    """Who wrote a comment, as far as the comment system tells us."""

    id: str | None = None
    name: str | None = None
    email: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Thread:
    """The article or page a comment was posted under."""

    id: str | None = None
    url: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Comment:
    """A comment as submitted; `text` is exactly what the commenter typed."""

    id: str
    text: str
    author: Author = field(default_factory=Author)
    thread: Thread = field(default_factory=Thread)
    parent_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Span:
    """Half-open character range [start, end) into the text as submitted."""

    start: int
    end: int


@dataclass(frozen=True)
class Reason:
    """Why a verdict came out the way it did: a rule hit, a model score or a policy step."""

    source: Literal["rule", "model", "policy"]
    code: str
    category: str
    message: str
    spans: tuple[Span, ...] = ()
    action: Decision | None = None


@dataclass(frozen=True)
class Verdict:
    """The outcome of `moderate()`: a decision, a score per category and the reasons."""

    decision: Decision
    scores: dict[str, float]
    reasons: tuple[Reason, ...]
    model_version: str
    policy_version: str
    shadow_decision: Decision | None = None


@dataclass(frozen=True)
class RecentComments:
    """A site's recent comments as the near-duplicate rule reads them: aligned, newest first.

    Fingerprints are an array so that one comment is compared with a thousand in one vectorised step.
    """

    fingerprints: np.ndarray  # int64: the signed form of each 64-bit SimHash
    authors: Sequence[str | None]
    threads: Sequence[str | None]


class CommentHistory(Protocol):
    """Read-only view of recent comments that stateful rules (duplicates, velocity) consult.

    The store implements it; offline scoring passes None and stateful rules are skipped.
    Windows are measured on the store's clock, never the sender's `created_at`.
    """

    def count_recent_by_author(self, author_id: str | None, ip: str | None, window_seconds: int) -> int:
        """Comments by this author id or IP on this site within the window."""
        ...

    def recent_comments(self, window_seconds: int, limit: int) -> RecentComments:
        """Up to `limit` of this site's newest comments within the window, newest first."""
        ...

    def author_comment_count(self, author_id: str) -> int:
        """How many comments this author has had on this site before."""
        ...
