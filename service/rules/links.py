"""Link rules: how many links, shorteners, suspicious endings, blocked and allowed domains, spelled-out links."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.moderation.types import Reason
from service.rules.catalogue import reason
from service.rules.settings import RuleSettings
from service.text.normaliser import NormalisedText

SHORTENERS = frozenset(
    {
        "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "v.gd", "buff.ly",
        "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "s.id", "bl.ink", "lnkd.in",
        "soo.gd", "shorte.st", "adf.ly", "bc.vc", "ouo.io", "tr.im", "x.co", "qr.ae", "db.tt", "snip.ly",
        "shorturl.com", "clck.ru", "u.to", "tiny.one", "linktr.ee", "han.gl", "urlz.fr", "lnk.to",
    }
)  # fmt: skip

# Endings that are cheap to register and dominate spam link feeds; ordinary sites rarely use them.
SUSPICIOUS_TLDS = frozenset(
    {
        "xyz", "top", "click", "loan", "win", "bid", "icu", "buzz", "tk", "ml", "ga", "cf", "gq", "work",
        "rest", "cam", "monster", "cyou", "sbs", "cfd", "quest", "zip", "mov", "country", "stream",
        "download", "racing", "review", "party", "trade", "date", "faith", "science", "men", "kim",
        "accountant", "cricket", "webcam", "gdn", "lol", "pw", "su", "casino", "bet", "xxx", "porn", "sex",
    }
)  # fmt: skip

_TLD_WORDS = (
    "com|org|net|edu|gov|info|biz|io|co|uk|us|ca|au|de|fr|es|it|nl|ru|cn|in|br|eu|me|tv|ly|gl|xyz|top|"
    "site|online|club|shop|store|app|dev|ai|news|live|link|click|win|loan|vip|tk|ml|ga|cf|gq|pw|icu|buzz"
)
_LINK = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"']+"
    rf"|(?<![\w.@-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLD_WORDS})(?![\w-])(?:[/?#][^\s<>\"']*)?"
    # Any ending followed by a path ("sho.rt/abc") is a link even when the ending is unusual.
    r"|(?<![\w.@-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}/[^\s<>\"']*"
)
_TRAILING = ".,;:!?)]}'\"»”’"
# "site dot com", "example[.]com", "example (dot) com", "example . com".
_OBFUSCATED = re.compile(
    r"(?<![\w.])([a-z0-9][a-z0-9-]{1,62})"
    r"(?:\s*[\[({<]\s*(?:\.|dot)\s*[\])}>]\s*|\s+dot\s+)"
    rf"(?:(?:[a-z0-9-]{{1,63}})(?:\s*[\[({{<]\s*(?:\.|dot)\s*[\])}}>]\s*|\s+dot\s+)){{0,4}}({_TLD_WORDS})\b"
    # A spaced full stop ("deals . com") only before the big endings; ". in", ". it" end sentences.
    r"|(?<![\w.])([a-z0-9][a-z0-9-]{1,62})\s\.\s(?:com|net|org|info|biz|xyz|ru)\b"
)
# Words that precede "dot com" in ordinary prose ("the dot com bubble").
_OBFUSCATION_STOPWORDS = frozenset(
    {"the", "a", "an", "this", "that", "of", "and", "or", "old", "early", "big"}
)


@dataclass(frozen=True)
class Link:
    """One link found in the canonical text: where it is and which host it points at."""

    start: int
    end: int
    host: str


def _host_of(url: str) -> str:
    """The lower-case host of a link, without scheme, user info, port or a leading www."""
    host = url.split("://", 1)[1] if "://" in url else url
    host = re.split(r"[/?#]", host, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    return host[4:] if host.startswith("www.") else host


def find_links(norm: NormalisedText) -> list[Link]:
    """Every link in the canonical text, trailing punctuation excluded."""
    text = norm.text
    if "." not in text:
        return []
    links = []
    for match in _LINK.finditer(text):
        url = match.group().rstrip(_TRAILING)
        if url:
            links.append(Link(match.start(), match.start() + len(url), _host_of(url)))
    return links


def domain_in(host: str, domains: frozenset[str] | tuple[str, ...]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


def check_links(norm: NormalisedText, settings: RuleSettings, links: list[Link]) -> list[Reason]:
    """The link rules over the links found in one comment (allowed domains never count)."""
    reasons: list[Reason] = []
    counted = [link for link in links if not domain_in(link.host, settings.allowed_domains)]
    if counted:
        spans = lambda group: [norm.to_original(link.start, link.end) for link in group]  # noqa: E731
        blocked = [link for link in counted if domain_in(link.host, settings.blocked_domains)]
        if blocked:
            reasons.append(
                reason(
                    "spam.blocked_domain", spans(blocked), detail=", ".join(sorted({b.host for b in blocked}))
                )
            )
        shorteners = SHORTENERS | set(settings.extra_shorteners)
        short = [link for link in counted if domain_in(link.host, frozenset(shorteners))]
        if short:
            reasons.append(reason("spam.link_shortener", spans(short)))
        tlds = SUSPICIOUS_TLDS | set(settings.extra_suspicious_tlds)
        odd = [link for link in counted if link.host.rsplit(".", 1)[-1] in tlds]
        if odd:
            reasons.append(reason("spam.suspicious_tld", spans(odd)))
        if len(counted) > settings.max_links:
            reasons.append(reason("spam.link_count", spans(counted), detail=f"{len(counted)} links"))
        words = _words_outside(norm.text, links)
        ratio = len(counted) / (len(counted) + words)
        if ratio > settings.max_link_ratio:
            reasons.append(reason("spam.link_ratio", spans(counted)))
    reasons.extend(_obfuscated(norm, settings))
    return reasons


def _words_outside(text: str, links: list[Link]) -> int:
    """How many words the comment has besides its links."""
    pieces = []
    pos = 0
    for link in links:
        pieces.append(text[pos : link.start])
        pos = link.end
    pieces.append(text[pos:])
    return sum(1 for word in " ".join(pieces).split() if any(char.isalnum() for char in word))


def _obfuscated(norm: NormalisedText, settings: RuleSettings) -> list[Reason]:
    """Links spelled out to dodge link detection ("example dot com", "example[.]com")."""
    text = norm.text
    if "dot" not in text and "." not in text:
        return []
    spans = []
    blocked = []
    for match in _OBFUSCATED.finditer(text):
        if (match.group(1) or match.group(3)) in _OBFUSCATION_STOPWORDS:
            continue
        host = re.sub(r"[\s\[\](){}<>]+|\bdot\b", ".", match.group())
        host = re.sub(r"\.+", ".", host).strip(".")
        if domain_in(host, settings.allowed_domains):
            continue
        span = norm.to_original(match.start(), match.end())
        spans.append(span)
        # Spelling a blocked domain out does not unblock it.
        if domain_in(host, settings.blocked_domains):
            blocked.append(span)
    reasons = [reason("spam.obfuscated_link", spans)] if spans else []
    if blocked:
        reasons.append(reason("spam.blocked_domain", blocked))
    return reasons
