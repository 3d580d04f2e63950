"""Link and content spam rules on realistic comments, with spans checked against the original text."""

from __future__ import annotations

import pytest

from service.rules import RuleSettings
from tests.rules.helpers import action, codes, flagged

SPAM = {
    "spam.link_count",
    "spam.link_ratio",
    "spam.link_shortener",
    "spam.suspicious_tld",
    "spam.blocked_domain",
    "spam.obfuscated_link",
    "spam.contact_bait",
    "spam.phone_number",
    "spam.email_in_body",
    "spam.money_offer",
    "spam.crypto_scam",
    "spam.loan_dating_pharma",
    "spam.repeated_text",
}


@pytest.mark.parametrize(
    "text",
    [
        "According to https://www.bbc.co.uk/news/uk-politics-12345678 the minister knew in March.",
        "The budget for 2026 is $95 million, up from $80 million in 2019.",
        "The meeting is at 10:30 on 2026-11-25 in room 4.",
        "In 2019 2020 2021 prices kept rising.",
        "Nurses earn $30 an hour and deserve more.",
        "The dot com bubble burst in 2000.",
        "Population: 67,000,000 and growing.",
        "I invested in an index fund years ago and I'm happy with it.",
        "Bitcoin fell 5% today, according to the article.",
        "See example.com/a1b2 for the full report.",
        "Whatsapp is owned by Meta, which is a problem for privacy.",
        "My doctor prescribed tramadol after the operation.",
        "The loan scheme for students was reformed last year.",
    ],
)
def test_ordinary_comments_raise_no_spam_hit(text: str) -> None:
    assert codes(text) & SPAM == set()


def test_a_citation_with_one_link_is_never_rejected() -> None:
    text = "according to https://www.bbc.co.uk/news/uk-politics-12345678"
    assert action(text, "spam.link_ratio") is None
    assert all(action(text, code) != "reject" for code in SPAM)


# --- links ---------------------------------------------------------------------------------------------------------


def test_too_many_links() -> None:
    text = "good: https://a.com/x and https://b.org/y and https://c.net/z, thanks"
    assert flagged(text, "spam.link_count") == ["https://a.com/x", "https://b.org/y", "https://c.net/z"]
    assert "spam.link_count" not in codes(text, RuleSettings(max_links=3))


def test_link_only_comment() -> None:
    assert flagged("https://spam.example.com/offer", "spam.link_ratio") == ["https://spam.example.com/offer"]


def test_shortener_span_is_the_link_as_typed() -> None:
    text = "Great article! More at HTTPS://Bit.ly/3xYzAbC."
    assert flagged(text, "spam.link_shortener") == ["HTTPS://Bit.ly/3xYzAbC"]


def test_site_extra_shorteners() -> None:
    settings = RuleSettings(extra_shorteners=("sho.rt",))
    assert flagged("look at sho.rt/abc please", "spam.link_shortener", settings) == ["sho.rt/abc"]


def test_suspicious_tld() -> None:
    text = "cheap stuff at www.best-deals.xyz/today"
    assert flagged(text, "spam.suspicious_tld") == ["www.best-deals.xyz/today"]


def test_blocked_domain_rejects_subdomains_too() -> None:
    settings = RuleSettings(blocked_domains=("spamhub.com",))
    text = "visit https://promo.spamhub.com/x now"
    assert flagged(text, "spam.blocked_domain", settings) == ["https://promo.spamhub.com/x"]
    assert action(text, "spam.blocked_domain", settings) == "reject"


def test_allowed_domains_never_trigger_link_rules() -> None:
    settings = RuleSettings(allowed_domains=("news.example", "bit.ly"), max_links=0)
    text = "https://news.example/a https://news.example/b https://bit.ly/x"
    assert codes(text, settings) & SPAM == set()


def test_fullwidth_link_is_still_a_link() -> None:
    text = "go to ｈｔｔｐｓ://ｂｉｔ．ｌｙ/abc"
    assert flagged(text, "spam.link_shortener") == ["ｈｔｔｐｓ://ｂｉｔ．ｌｙ/abc"]


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("go to mysite dot com for details", "mysite dot com"),
        ("see example[.]com", "example[.]com"),
        ("cheap-pills (dot) net", "cheap-pills (dot) net"),
        ("visit best deals . com", "deals . com"),
    ],
)
def test_obfuscated_links(text: str, part: str) -> None:
    assert flagged(text, "spam.obfuscated_link") == [part]


# --- contact, phone, e-mail -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("contact me on whatsapp for more", "contact me on whatsapp"),
        ("Reach him via Telegram today", "Reach him via Telegram"),
        ("WhatsApp: +1 555 123 4567", "WhatsApp: +1 555 123 4567"),
        ("telegram @crypto_mike_fx", "telegram @crypto_mike_fx"),
        ("dm me on insta", "dm me on insta"),
    ],
)
def test_contact_bait(text: str, part: str) -> None:
    assert flagged(text, "spam.contact_bait") == [part]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("call +44 20 7946 0958 now", "+44 20 7946 0958"),
        ("ring (555) 123-4567 today", "(555) 123-4567"),
        ("text 555.123.4567", "555.123.4567"),
        ("my number 07700900123", "07700900123"),
    ],
)
def test_phone_numbers(text: str, number: str) -> None:
    assert flagged(text, "spam.phone_number") == [number]


def test_email_in_body_and_allowed_domain() -> None:
    text = "write to Jane.Doe@gmail.com or letters@paper.example"
    assert flagged(text, "spam.email_in_body") == ["Jane.Doe@gmail.com", "letters@paper.example"]
    settings = RuleSettings(allowed_domains=("paper.example",))
    assert flagged(text, "spam.email_in_body", settings) == ["Jane.Doe@gmail.com"]


def test_spelled_out_email() -> None:
    assert flagged("mail jack at gmail dot com", "spam.email_in_body") == ["jack at gmail dot com"]


# --- offers and scams ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I get paid $95 an hour working from home with two kids.",
        "I earn $8000 a month, check this site www.job77.com",
        "Making 500 dollars per day from my laptop, no experience needed!",
    ],
)
def test_money_offers(text: str) -> None:
    assert "spam.money_offer" in codes(text)


def test_money_offer_span_is_the_amount() -> None:
    text = "I earn $8000 a month"
    assert "$8000 a month" in flagged(text, "spam.money_offer")


@pytest.mark.parametrize(
    "text",
    [
        "Thanks to Mr. James, a recovery expert, I recovered my lost bitcoin.",
        "Contact a legit hacker to recover your stolen funds.",
        "My crypto account manager helped me double your bitcoin in a week.",
        "I invested $500 and got $5,000 in returns in a week.",
    ],
)
def test_crypto_scams_reject(text: str) -> None:
    assert action(text, "spam.crypto_scam") == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "Need cash? Instant loans, bad credit ok!",
        "Hot singles in your area want to meet you",
        "buy cheap viagra online no prescription",
        "Order tramadol without a prescription, fast shipping",
    ],
)
def test_loan_dating_pharma(text: str) -> None:
    assert "spam.loan_dating_pharma" in codes(text)


def test_repeated_sentences() -> None:
    line = "Buy the best watches at low prices"
    text = f"{line}. {line}! {line}."
    spans = flagged(text, "spam.repeated_text")
    assert spans == [line, line, line]
    assert "spam.repeated_text" not in codes(f"{line}. {line}.")


@pytest.mark.parametrize(
    "text",
    [
        "edits from 207.195.244.104 again",
        "1000000000 views!",
        "see https://shop.example/item?id=5575096797&ref=1415297812 for it",
        "mail link: https://lists.example/join?to=someone@example.org",
    ],
)
def test_ip_addresses_round_numbers_and_link_parameters_are_not_phones_or_emails(text: str) -> None:
    assert codes(text) & {"spam.phone_number", "spam.email_in_body"} == set()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "I'm making over $13k a month working part time. This is what I do, check it out by visiting "
            "following link www.Cash44.com",
            "spam.money_offer",
        ),
        ("Start earning money online using your phone. Get paid weekly.", "spam.money_offer"),
        (
            "All thanks to Dr. Ogun the great spell caster who brought back my ex lover",
            "spam.loan_dating_pharma",
        ),
        ("Need a loan? We offer loans at 2% interest rate.", "spam.loan_dating_pharma"),
        (
            "Mrs Sandra, a licensed forex trader: my $1000 turned into $12,500 in two weeks",
            "spam.crypto_scam",
        ),
    ],
)
def test_comment_section_spam_classics(text: str, code: str) -> None:
    assert code in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "My brother is a forex trader in London and he thinks the pound will fall.",
        "I started working part time after the baby and the money online from my blog is small.",
        "She got a loan at 5% from her bank.",
        "I work from home on Fridays and honestly it's better.",
    ],
)
def test_ordinary_talk_about_money_is_not_spam(text: str) -> None:
    assert codes(text) & SPAM == set()


def test_weak_crypto_wording_with_a_contact_only_holds() -> None:
    assert action("forex expert, whatsapp +1 555 123 4567", "spam.crypto_scam") == "review"


def test_money_span_has_no_trailing_punctuation() -> None:
    text = "my $1000 turned into $12,500. Amazing"
    assert flagged(text, "spam.crypto_scam") == ["my $1000 turned into $12,500"]


def test_spelled_out_blocked_domain_is_still_blocked() -> None:
    settings = RuleSettings(blocked_domains=("spamhub.com",))
    text = "visit spamhub dot com today"
    assert flagged(text, "spam.blocked_domain", settings) == ["spamhub dot com"]
    assert action(text, "spam.blocked_domain", settings) == "reject"
    assert "spam.obfuscated_link" in codes("read ournews [.] com")
    allowed = RuleSettings(allowed_domains=("ournews.com",))
    assert "spam.obfuscated_link" not in codes("read ournews [.] com", allowed)
