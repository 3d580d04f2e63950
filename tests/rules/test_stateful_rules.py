"""Near-duplicate, velocity and new-account rules against an in-memory CommentHistory, plus SimHash."""

from __future__ import annotations

import random

from service.rules import RuleSettings, fingerprint
from service.rules.simhash import hamming, simhash, to_signed
from service.text import normalise
from tests.rules.helpers import FakeHistory, run

CAMPAIGN = "Everyone should read this amazing report about the election fraud in our county today"


def fp(text: str) -> int:
    """The stored fingerprint of a comment text."""
    return fingerprint(normalise(text))


def test_fingerprint_values_are_stable_across_releases() -> None:
    # Stored fingerprints are compared with new ones, so the hash must never drift silently.
    assert fp(CAMPAIGN) == 2824551945660678052
    assert fp("The council approved the new cycling lanes") == 408361825086486664


def test_fingerprint_is_a_signed_64_bit_int_and_stable() -> None:
    value = fp(CAMPAIGN)
    assert -(2**63) <= value < 2**63
    assert value == fp(CAMPAIGN)
    assert fp("") == 0


def test_near_identical_texts_are_close_and_different_texts_are_far() -> None:
    variants = [
        CAMPAIGN.upper(),
        CAMPAIGN + "!!",
        CAMPAIGN.replace("amazing", "amazin"),
        "  " + CAMPAIGN.replace(" ", "  "),
    ]
    for variant in variants:
        assert hamming(fp(variant), fp(CAMPAIGN)) <= RuleSettings().duplicate_max_distance, variant
    other = "The council approved the new cycling lanes on the high street after a long debate"
    assert hamming(fp(other), fp(CAMPAIGN)) > 10


def test_simhash_bits_look_balanced() -> None:
    rng = random.Random(3)
    words = [
        "the",
        "a",
        "of",
        "to",
        "council",
        "road",
        "money",
        "vote",
        "report",
        "school",
        "park",
        "city",
        "river",
    ]
    texts = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(200)]
    ones = sum(simhash(t).bit_count() for t in texts) / len(texts)
    assert 20 < ones < 44


def test_to_signed_round_trip() -> None:
    assert to_signed(2**64 - 1) == -1
    assert to_signed(5) == 5
    assert hamming(-1, 2**64 - 1) == 0


def test_near_duplicate_from_several_accounts() -> None:
    history = FakeHistory(fingerprints=[(fp(CAMPAIGN), "u-1", "t-1"), (fp(CAMPAIGN + "!"), "u-2", "t-1")])
    reasons = run(CAMPAIGN + ".", history=history, author="u-3", thread="t-1")
    (hit,) = [r for r in reasons if r.code == "spam.near_duplicate"]
    assert hit.action == "review"
    assert hit.spans[0].start == 0 and hit.spans[0].end == len(CAMPAIGN) + 1
    assert "recent_comments:3600:1000" in history.calls


def test_near_duplicate_across_threads_by_one_account() -> None:
    history = FakeHistory(fingerprints=[(fp(CAMPAIGN), "u-1", "t-1"), (fp(CAMPAIGN), "u-1", "t-2")])
    codes = {r.code for r in run(CAMPAIGN, history=history, author="u-1", thread="t-3")}
    assert "spam.near_duplicate" in codes


def test_one_repeat_by_the_same_account_in_one_thread_is_not_a_campaign() -> None:
    history = FakeHistory(fingerprints=[(fp(CAMPAIGN), "u-1", "t-1")])
    codes = {r.code for r in run(CAMPAIGN, history=history, author="u-1", thread="t-1")}
    assert "spam.near_duplicate" not in codes


def test_short_texts_and_distant_fingerprints_are_ignored() -> None:
    history = FakeHistory(fingerprints=[(fp("I agree"), f"u-{i}", "t-1") for i in range(5)])
    assert "spam.near_duplicate" not in {r.code for r in run("I agree", history=history, author="u-9")}
    other = "The council approved the new cycling lanes on the high street after a long debate"
    history = FakeHistory(fingerprints=[(fp(other), f"u-{i}", "t-1") for i in range(5)])
    assert "spam.near_duplicate" not in {r.code for r in run(CAMPAIGN, history=history, author="u-9")}


def test_near_duplicate_settings() -> None:
    history = FakeHistory(fingerprints=[(fp(CAMPAIGN), "u-1", "t-1")])
    settings = RuleSettings(duplicate_min_accounts=2, duplicate_window_seconds=60, duplicate_scan_limit=10)
    reasons = run(CAMPAIGN, settings, history=history, author="u-2", thread="t-1")
    assert "spam.near_duplicate" in {r.code for r in reasons}
    assert "recent_comments:60:10" in history.calls
    off = RuleSettings(near_duplicate=False, duplicate_min_accounts=2)
    assert "spam.near_duplicate" not in {r.code for r in run(CAMPAIGN, off, history=history, author="u-2")}


def test_velocity() -> None:
    settings = RuleSettings(velocity_limit=5, velocity_window_seconds=30)
    busy = FakeHistory(recent_by_author=5)
    reasons = run("another comment", settings, history=busy, author="u-1")
    assert [r.action for r in reasons if r.code == "spam.velocity"] == ["review"]
    assert "count_recent_by_author:30" in busy.calls
    calm = FakeHistory(recent_by_author=4)
    assert "spam.velocity" not in {
        r.code for r in run("another comment", settings, history=calm, author="u-1")
    }


def test_velocity_by_ip_for_anonymous_authors() -> None:
    history = FakeHistory(recent_by_author=50)
    assert "spam.velocity" in {r.code for r in run("hi there", history=history, ip="203.0.113.9")}
    assert "spam.velocity" not in {r.code for r in run("hi there", history=history)}


def test_new_account_link() -> None:
    text = "Interesting, more at https://example.org/page"
    new = FakeHistory(previous_comments=0)
    assert "spam.new_account_link" in {r.code for r in run(text, history=new, author="u-new")}
    old = FakeHistory(previous_comments=3)
    assert "spam.new_account_link" not in {r.code for r in run(text, history=old, author="u-old")}
    allowed = RuleSettings(allowed_domains=("example.org",))
    assert "spam.new_account_link" not in {r.code for r in run(text, allowed, history=new, author="u-new")}
    off = RuleSettings(new_account_link=False)
    assert "spam.new_account_link" not in {r.code for r in run(text, off, history=new, author="u-new")}


def test_stateful_rules_are_skipped_without_history() -> None:
    codes = {r.code for r in run("more at https://example.org/page", author="u-new")}
    assert not codes & {"spam.near_duplicate", "spam.velocity", "spam.new_account_link"}
