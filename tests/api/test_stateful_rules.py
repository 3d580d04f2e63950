"""Stateful spam checks through the real store: near-duplicates, velocity and new accounts with links."""

from __future__ import annotations

from typing import Any

from tests.conftest import bearer

SPAM = "Visit our amazing store for the best deals on watches and bags, prices slashed this week only"


def post(
    client: Any, site: dict[str, str], comment_id: str, text: str, author: str, **extra: Any
) -> dict[str, Any]:
    body = {"id": comment_id, "text": text, "author": {"id": author}, **extra}
    response = client.post("/v1/comments", json=body, headers=bearer(site["ingest"]))
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def codes(verdict: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in verdict["reasons"]]


def test_near_duplicates_from_several_accounts_are_held(client: Any, site: dict[str, str]) -> None:
    first = post(client, site, "d1", SPAM, "acct-1")
    second = post(client, site, "d2", SPAM, "acct-2")
    third = post(client, site, "d3", SPAM.replace("watches", "watchs"), "acct-3")
    assert "spam.near_duplicate" not in codes(first)
    assert "spam.near_duplicate" not in codes(second)
    assert "spam.near_duplicate" in codes(third)
    assert third["decision"] == "review"
    reason = next(r for r in third["reasons"] if r["code"] == "spam.near_duplicate")
    assert reason["spans"] == [{"start": 0, "end": len(SPAM.replace("watches", "watchs"))}]


def test_one_account_repeating_itself_is_not_a_spread_duplicate(client: Any, site: dict[str, str]) -> None:
    for n in range(3):
        verdict = post(client, site, f"same-{n}", SPAM, "acct-1", thread={"id": "a-1"})
    assert "spam.near_duplicate" not in codes(verdict)


def test_different_texts_are_not_duplicates(client: Any, site: dict[str, str]) -> None:
    texts = [
        "The bus lanes on the high street have made my commute twenty minutes shorter every day.",
        "I was at the council meeting and nobody asked the residents of the estate what they wanted.",
        "Good article but the photo caption has the wrong date, the match was on Saturday not Sunday.",
    ]
    verdicts = [post(client, site, f"t{n}", text, f"acct-{n}") for n, text in enumerate(texts)]
    assert all("spam.near_duplicate" not in codes(v) for v in verdicts)


def test_posting_faster_than_a_person_is_held(client: Any, site: dict[str, str]) -> None:
    verdicts = [
        post(client, site, f"v{n}", f"comment number {n} about the budget", "fast-author") for n in range(6)
    ]
    assert all("spam.velocity" not in codes(v) for v in verdicts[:5])
    assert "spam.velocity" in codes(verdicts[5])
    # Another author is not slowed down by the first one.
    assert "spam.velocity" not in codes(post(client, site, "other", "a calm comment", "calm-author"))


def test_velocity_uses_the_store_clock_not_the_senders(client: Any, site: dict[str, str]) -> None:
    old = {"created_at": "2019-01-01T00:00:00Z"}
    verdicts = [post(client, site, f"o{n}", f"backlog comment {n}", "backlog", **old) for n in range(6)]
    assert "spam.velocity" in codes(verdicts[5])


def test_velocity_counts_by_ip_too(client: Any, site: dict[str, str]) -> None:
    for n in range(6):
        body = {"id": f"ip{n}", "text": f"comment {n}", "author": {"id": f"sock-{n}", "ip": "198.51.100.7"}}
        verdict = client.post("/v1/comments", json=body, headers=bearer(site["ingest"])).get_json()
    assert "spam.velocity" in codes(verdict)


def test_a_new_accounts_first_comment_with_a_link_is_flagged(client: Any, site: dict[str, str]) -> None:
    text = "More details here https://news.example.org/story about the new bridge"
    first = post(client, site, "n1", text, "newbie")
    later = post(client, site, "n2", text.replace("bridge", "tunnel"), "newbie")
    assert "spam.new_account_link" in codes(first)
    assert "spam.new_account_link" not in codes(later)


def test_sites_can_tune_or_switch_off_stateful_checks(client: Any, site: dict[str, str]) -> None:
    change = {"rules": {"velocity_limit": 2}, "rule_actions": {"spam.new_account_link": "off"}}
    assert client.patch("/v1/policy", json=change, headers=bearer(site["admin"])).status_code == 200
    text = "See https://news.example.org/story for the background"
    verdicts = [post(client, site, f"s{n}", f"{text} {n}", "tuned") for n in range(3)]
    assert "spam.new_account_link" not in codes(verdicts[0])
    assert "spam.velocity" in codes(verdicts[2])
