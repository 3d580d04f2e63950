"""Content spam rules: contact bait, phone numbers, e-mail addresses, money offers, scams, repeated text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from service.moderation.types import Reason, Span
from service.rules.catalogue import reason
from service.rules.links import Link, domain_in
from service.rules.settings import RuleSettings
from service.text.normaliser import NormalisedText

_APPS = r"(?:whats\s?app|wa\.me|telegram|tg|signal|wechat|viber|kik|snapchat|snap|instagram|insta|ig|line|skype|icq|discord)"
_CONTACT_BAIT = re.compile(
    # "contact me on whatsapp", "reach him via telegram", "dm me on insta", "add me on snap"
    r"\b(?:contact|message|text|reach|dm|add|call|chat|write|inbox|hit)\b(?:\s+(?:me|us|him|her|them|up))?"
    rf"(?:\s+(?:up|directly|now|today))?\s+(?:on|via|at|through|with|over|using)\s+(?:my\s+|his\s+|her\s+)?{_APPS}\b"
    # "whatsapp: +1 555 ...", "telegram @handle", "whatsapp him on +44..."
    rf"|\b{_APPS}\b\s*(?:(?:me|him|her|us|number|no|handle|id|username|contact)\s*)?(?:on|at|is)?\s*[:\-=]?\s*(?:\+?\d[\d\s().-]{{6,}}\d|@[a-z0-9_]{{3,}})"
)
_PHONE = re.compile(r"(?<![\w$€£.,/-])(\+\s?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s().-]{6,18}\d(?![\w%/-])")
_DATE = re.compile(r"(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])")
_IPV4 = re.compile(r"(?<!\d)\d{1,3}(?:\.\d{1,3}){3}(?!\d)")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24})\b")
# "name at gmail dot com"
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.+-])[\w.+-]{2,}\s*(?:\(at\)|\[at\]|\{at\}|\sat\s)\s*(?:gmail|yahoo|hotmail|outlook|proton(?:mail)?|aol|icloud|mail|gmx)"
    r"\s*(?:\(dot\)|\[dot\]|\sdot\s|\.)\s*(?:com|net|org|me)\b"
)

_MONEY = r"(?:[$€£]\s?\d(?:[\d,.]*\d)?k?|(?<![\d,.])\d(?:[\d,.]*\d)?\s?k?\s?(?:\$|€|£|usd|dollars|euros?|pounds|bucks))"
_PERIOD = r"(?:an?|per|each|every|/)\s?(?:hour|hr|day|week|wk|month|mo|year)|(?:hourly|daily|weekly|monthly)"
_MONEY_PER_PERIOD = re.compile(rf"{_MONEY}\s*(?:\+\s*)?(?:{_PERIOD})")
_WORK_FROM_HOME = re.compile(
    r"\b(?:work(?:ing)?|earn(?:ing)?|job)s?\s+(?:from|at)\s+(?:home|my\s+(?:laptop|phone|house))"
    r"|\bonline\s+(?:job|work|business)|\bpart[\s-]time\s+(?:job|work)\b|\bno\s+experience\s+(?:needed|required)"
    r"|\bextra\s+(?:income|cash)|\beasy\s+money|\bmy\s+(?:last|first)\s+(?:pay\s?check|check)\b|\bi\s+(?:earn|make|made|got\s+paid|received)\b"
    r"|\b(?:copy|open|check|visit|go\s+to)\s+(?:this|the|my)\s+(?:site|website|link|page|url)"
    r"|\b(?:visiting|visit|open|click)\s+(?:the\s+)?following\s+(?:link|site|page)|\bmoney\s+online\b"
    r"|\bworking\s+part[\s-]time\b|\bget\s+paid\s+(?:weekly|daily|every\s+day)|\b(?:i'?m|i\s+am)\s+making\s+over\b"
    r"|\busing\s+(?:your|my)\s+(?:phone|laptop|computer)\b|\bwork\s+from\s+home\b"
)
_CRYPTO_SCAM = re.compile(
    r"\brecovery\s+(?:expert|specialist|agent|hacker|company|firm|team)"
    r"|\brecover(?:ed|ing)?\s+(?:all\s+)?(?:my|your|our|her|his|the)\s+(?:lost|stolen|scammed)?\s*(?:funds|crypto|bitcoin|btc|money|coins|wallet|usdt)"
    r"|\b(?:hire|contact)\s+(?:a|the)\s+(?:legit\s+|genuine\s+|real\s+)?hacker"
    r"|\bdouble\s+your\s+(?:bitcoin|btc|crypto|money|investment)"
    r"|\bmy\s+"
    + _MONEY
    + r"\s+(?:turned|grew)\s+into\s+"
    + _MONEY
    + r"|\b(?:crypto|bitcoin|btc|forex|binary(?:\s+options)?|usdt)\s+investment\s+(?:platform|manager|plan)"
    r"|\b(?:invested|investing)\s+"
    + _MONEY
    + r".{0,40}?\b(?:returns?|profits?|got|received|earned)\s+"
    + _MONEY
)
_CONTACT_CODES = frozenset({"spam.contact_bait", "spam.phone_number", "spam.email_in_body"})
# Wording that also describes real jobs and products: holds, but does not reject on its own.
_CRYPTO_WEAK = re.compile(
    r"\b(?:crypto|bitcoin|btc|forex|binary(?:\s+options)?|usdt)\s+(?:account\s+)?(?:expert|manager|mentor|trader)"
    r"|\b(?:guaranteed|daily|weekly)\s+(?:returns?|profits?)\b"
)
_LOAN_DATING_PHARMA = re.compile(
    r"\b(?:instant|quick|fast|easy|payday|personal|guaranteed)\s+(?:cash\s+)?loans?\b|\bloan\s+(?:offer|lender|company)\b"
    r"|\b(?:bad|no)\s+credit\s+(?:check\s+)?(?:ok|okay|loans?|accepted|needed)\b"
    r"|\b(?:hot|sexy|lonely|horny)\s+(?:singles|girls|women|moms|milfs|ladies|babes)\b|\bdating\s+(?:site|app)\b"
    r"|\b(?:hook\s?up|sex)\s+(?:tonight|near\s+you|in\s+your\s+area)|\bin\s+your\s+area\b.{0,30}\b(?:singles|girls|women|date)"
    r"|\b(?:buy|order|cheap|discount|generic)\s+(?:\w+\s+)?(?:viagra|cialis|levitra|tramadol|xanax|oxycodone|oxycontin|adderall|valium|phentermine|pills|meds)\b"
    r"|\b(?:viagra|cialis|levitra|tramadol|xanax|oxycodone|adderall|valium|phentermine)\b.{0,40}\b(?:online|no\s+prescription|without\s+(?:a\s+)?prescription|cheap|discount|order|shipping)\b"
    r"|\bwithout\s+(?:a\s+)?prescription\b"
    r"|\b(?:we|i)\s+(?:offer|give|provide|grant)\s+(?:\w+\s+){0,2}loans?\b"
    # Spell casters are the other classic of comment-section scams.
    r"|\bspell\s?caster\b|\blove\s+spells?\b|\b(?:brought|bring)\s+back\s+(?:my|your|her|his)\s+(?:ex|lover|husband|wife)"
)
_SENTENCE = re.compile(r"[^.!?\n]+")
# Cheap keyword tests that every match of the expensive patterns above must pass.
_APP_HINT = re.compile(
    r"whats|wa\.me|telegram|tg|signal|wechat|viber|kik|snap|insta|ig|line|skype|icq|discord"
)
_CRYPTO_HINT = re.compile(
    r"recover|hacker|crypto|bitcoin|btc|forex|binary|usdt|eth|double|guaranteed|invest|into"
)
_LDP_HINT = re.compile(
    r"loan|credit|singles|girls|women|moms|milfs|ladies|babes|dating|hook|sex|area|viagra|cialis|levitra|"
    r"tramadol|xanax|oxy|adderall|valium|phentermine|pills|meds|prescription|offer|give|provide|grant|spell|back"
)


def _spans(norm: NormalisedText, pattern: re.Pattern[str], text: str | None = None) -> list[Span]:
    """Original-text spans of every match of `pattern` in the canonical text."""
    return [
        norm.to_original(m.start(), m.end()) for m in pattern.finditer(norm.text if text is None else text)
    ]


def check_spam(norm: NormalisedText, settings: RuleSettings, links: Sequence[Link] = ()) -> list[Reason]:
    """The content spam rules over one comment; digits and addresses inside `links` are not looked at."""
    text = norm.text
    reasons: list[Reason] = []

    def outside_links(match: re.Match[str]) -> bool:
        """True when the match does not overlap a link (query strings are full of digits)."""
        return not any(link.start < match.end() and match.start() < link.end for link in links)

    found = _spans(norm, _CONTACT_BAIT) if _APP_HINT.search(text) else []
    if found:
        reasons.append(reason("spam.contact_bait", found))
    if any(map(str.isdigit, text)):
        phones = [
            norm.to_original(m.start(), m.end())
            for m in _PHONE.finditer(text)
            if _looks_like_phone(m.group(), bool(m.group(1))) and outside_links(m)
        ]
        if phones:
            reasons.append(reason("spam.phone_number", phones))
    emails = [
        norm.to_original(m.start(), m.end())
        for m in _EMAIL.finditer(text)
        if not domain_in(m.group(1), settings.allowed_domains) and outside_links(m)
    ]
    emails += _spans(norm, _EMAIL_SPELLED)
    if emails:
        reasons.append(reason("spam.email_in_body", emails))
    offers = _spans(norm, _MONEY_PER_PERIOD)
    cues = list(_WORK_FROM_HOME.finditer(text))
    # An amount per hour/month with one earning cue, or three different earning cues without an amount.
    if (offers and cues) or len({m.group() for m in cues}) >= 3:
        reasons.append(
            reason("spam.money_offer", offers + [norm.to_original(m.start(), m.end()) for m in cues])
        )
    if _CRYPTO_HINT.search(text):
        found = _spans(norm, _CRYPTO_SCAM)
        weak = _spans(norm, _CRYPTO_WEAK)
        if found:
            reasons.append(reason("spam.crypto_scam", found + weak))
        elif weak and (links or any(r.code in _CONTACT_CODES for r in reasons)):
            # "my brother is a forex trader" is news; with a handle, number or link it is an advert.
            reasons.append(reason("spam.crypto_scam", weak, action="review"))
    found = _spans(norm, _LOAN_DATING_PHARMA) if _LDP_HINT.search(text) else []
    if found:
        reasons.append(reason("spam.loan_dating_pharma", found))
    repeated = _repeated_sentences(norm, settings)
    if repeated:
        reasons.append(reason("spam.repeated_text", repeated))
    return reasons


def _looks_like_phone(candidate: str, plus: bool) -> bool:
    """A digit run is a phone number when it has 9-15 digits and is written like one, not like a year span."""
    digits = sum(char.isdigit() for char in candidate)
    if not 9 <= digits <= 15:
        return False
    groups = [group for group in re.split(r"[\s().-]+", candidate.strip("+ ()")) if group]
    if plus:
        return True
    if _IPV4.search(candidate) or _DATE.search(candidate):
        return False
    # Years ("2019 2020 2021"), counted lists ("1 2 3 4 5 6 7 8 9") and thousands ("1.000.000") are not phones.
    if all(_YEAR.fullmatch(group) for group in groups):
        return False
    if any(len(group) < 2 for group in groups[1:]):
        return False
    if (
        len(groups) > 2
        and all(len(group) == 3 for group in groups[1:])
        and len(groups[0]) <= 3
        and "-" not in candidate
    ):
        return False
    if len(groups) > 1:
        return True
    # One unbroken run: a national number ("07700900123") or ten or eleven digits that are not a round
    # figure ("1000000000 views").
    run = groups[0]
    return run.startswith("0") or (10 <= digits <= 11 and max(Counter(run).values()) < 6)


def _repeated_sentences(norm: NormalisedText, settings: RuleSettings) -> list[Span]:
    """Spans of a sentence that appears at least `repeated_min_count` times in one comment."""
    sentences = [
        (m.group().strip(), m)
        for m in _SENTENCE.finditer(norm.text)
        if len(m.group().strip()) >= settings.repeated_min_chars
    ]
    if len(sentences) < settings.repeated_min_count or settings.repeated_min_count < 2:
        return []
    counts = Counter(sentence for sentence, _ in sentences)
    spans = []
    for sentence, match in sentences:
        if counts[sentence] >= settings.repeated_min_count:
            offset = match.group().index(sentence)
            spans.append(norm.to_original(match.start() + offset, match.start() + offset + len(sentence)))
    return spans
