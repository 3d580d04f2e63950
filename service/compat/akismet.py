"""Akismet API 1.1 compatibility: form fields to a Comment, and a verdict to Akismet's answers (no Flask)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.moderation.types import Author, Comment, Thread

# Exactly the strings Akismet answers with; clients compare them literally.
SUBMISSION_THANKS = "Thanks for making the web a better place."
VALID, INVALID = "valid", "invalid"
SPAM, HAM = "true", "false"
DISCARD = "discard"
INVALID_KEY_HELP = "We were unable to verify your API key. Send one of this service's API keys as api_key."

# The fields Akismet documents for comment-check / submit-spam / submit-ham (anything else is ignored).
FIELDS = (
    "api_key",
    "blog",
    "user_ip",
    "user_agent",
    "referrer",
    "permalink",
    "comment_type",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_content",
    "comment_context",
    "comment_date_gmt",
    "comment_post_modified_gmt",
    "blog_lang",
    "blog_charset",
    "user_role",
    "is_test",
    "recheck_reason",
    "honeypot_field_name",
)
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
# Our API keeps ids to 128 characters; a longer client id is hashed into a stable one.
MAX_ID = 128


class AkismetError(Exception):
    """A request Akismet would refuse: the body text and the X-akismet-debug-help header to send."""

    def __init__(self, text: str, debug_help: str) -> None:
        super().__init__(debug_help)
        self.text = text
        self.debug_help = debug_help


def api_key(form: Mapping[str, str]) -> str | None:
    """The key: `api_key` (current clients) or `key` (verify-key in older clients and the python client)."""
    return form.get("api_key") or form.get("key") or None


def require(form: Mapping[str, str], *names: str) -> None:
    """Raise AkismetError like Akismet does when a required field is missing."""
    for name in names:
        if not (form.get(name) or "").strip():
            raise AkismetError(f"Missing required field: {name}.", f"Empty {name} value")


def is_test(form: Mapping[str, str]) -> bool:
    """`is_test=1` (or true): answer normally but store nothing."""
    return (form.get("is_test") or "").strip().lower() in TRUE_VALUES


def honeypot_tripped(form: Mapping[str, str]) -> bool:
    """A bot filled the hidden field named by `honeypot_field_name`: blatant spam."""
    name = (form.get("honeypot_field_name") or "").strip()
    return bool(name) and bool((form.get(name) or "").strip())


def documented_answer(form: Mapping[str, str]) -> CheckAnswer | None:
    """Akismet's documented fixed answers, which clients use in their own tests; None when none applies.

    `user_role=administrator` is never spam; the author `viagra-test-123` or the email
    `akismet-guaranteed-spam@example.com` is always spam.
    """
    if (form.get("user_role") or "").strip().lower() == "administrator":
        return CheckAnswer(spam=False, discard=False)
    if (form.get("comment_author") or "").strip() == "viagra-test-123" or (
        form.get("comment_author_email") or ""
    ).strip().lower() == "akismet-guaranteed-spam@example.com":
        return CheckAnswer(spam=True, discard=False)
    return None


def _date(value: str | None) -> datetime | None:
    """comment_date_gmt is ISO 8601 ("2026-11-25T10:00:00Z") or WordPress's "2026-11-25 10:00:00" (UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def comment_id(form: Mapping[str, str]) -> str:
    """A stable id: the client's `comment_id` if it sends one, else a hash of where, who, what and when.

    Akismet has no comment id; hashing permalink, author, email, content and comment_date_gmt makes a
    re-check of the same comment (recheck_reason) answer the stored verdict instead of storing it twice.
    """
    given = (form.get("comment_id") or "").strip()
    if given and len(given) <= MAX_ID:
        return given
    parts = (
        form.get("blog", ""),
        form.get("permalink", ""),
        form.get("comment_author", ""),
        form.get("comment_author_email", ""),
        form.get("comment_content", ""),
        form.get("comment_date_gmt", ""),
        given,
    )
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return "akismet-" + digest[:40]


def _clip(value: str | None, limit: int) -> str | None:
    # Stored columns have limits; Akismet clients send whatever they have, so cut rather than refuse.
    return value[:limit] if value else None


def _thread_id(permalink: str | None) -> str | None:
    if not permalink or len(permalink) <= MAX_ID:
        return permalink or None
    return "url-" + hashlib.sha256(permalink.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def check_characters(form: Mapping[str, str]) -> None:
    """Refuse NUL characters, which no database column can hold."""
    for name, value in form.items():
        if "\x00" in value or "\x00" in name:
            raise AkismetError(f"Invalid value for field: {name}.", f"{name} contains a NUL character")


def to_comment(form: Mapping[str, str], max_text: int) -> Comment:
    """Map Akismet's fields onto a Comment (see docs/integrations.md for the table)."""
    content = form.get("comment_content") or ""
    url = form.get("comment_author_url") or ""
    # The author's URL is a classic spam signal; append it so link rules and models see it too.
    text = f"{content}\n{url}" if url and url not in content else content
    if not text.strip():
        # Akismet accepts empty content (e.g. trackbacks); the pipeline needs some text to look at.
        text = form.get("comment_author") or form.get("comment_type") or "(empty)"
    permalink = form.get("permalink") or None
    author = form.get("comment_author_email") or form.get("comment_author") or None
    return Comment(
        id=comment_id(form),
        text=text[:max_text],
        author=Author(
            id=_clip(author, MAX_ID),
            name=_clip(form.get("comment_author"), 256),
            email=_clip(form.get("comment_author_email"), 320),
            ip=_clip(form.get("user_ip"), 64),
            user_agent=_clip(form.get("user_agent"), 512),
        ),
        thread=Thread(id=_thread_id(permalink), url=_clip(permalink, 2048), title=None),
        created_at=_date(form.get("comment_date_gmt")),
    )


@dataclass(frozen=True)
class CheckAnswer:
    """What comment-check answers: the body and whether to add X-akismet-pro-tip: discard."""

    spam: bool
    discard: bool

    @property
    def text(self) -> str:
        """`true` or `false`, as Akismet writes them."""
        return SPAM if self.spam else HAM


def check_answer(verdict: Mapping[str, Any]) -> CheckAnswer:
    """Map a verdict document onto Akismet's answer.

    reject → `true`; reject with a spam reason → `true` + discard (blatant spam, safe to drop unseen);
    review → `true` (held: the client must not publish it; it lands in its spam/moderation folder);
    approve → `false`.
    """
    decision = verdict.get("decision")
    if decision == "approve":
        return CheckAnswer(spam=False, discard=False)
    spam_reason = any(reason.get("category") == "spam" for reason in verdict.get("reasons") or ())
    return CheckAnswer(spam=True, discard=decision == "reject" and spam_reason)
