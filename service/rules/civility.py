"""Civility rules: listed terms, threats, self-harm incitement, targeted insults, shouting and flooding."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from service.moderation.types import Reason, Span
from service.rules.catalogue import reason
from service.rules.settings import RuleSettings
from service.rules.wordlists import (
    TermHit,
    TermMatcher,
    canonical_term,
    default_matcher,
    load_seed,
    site_matcher,
)
from service.text.normaliser import NormalisedText

# --- listed terms ---------------------------------------------------------------------------------------------


def check_terms(norm: NormalisedText, settings: RuleSettings) -> list[Reason]:
    """Banned terms reject and suspect terms hold.

    A masked banned term ("n****r") or one in quoted or reported speech only holds: people who censor
    a slur themselves, or quote it, are usually reporting it.
    """
    banned: list[TermHit] = []
    suspect: list[TermHit] = []
    for name, site_terms, bucket in (
        ("banned", settings.banned_terms, banned),
        ("suspect", settings.suspect_terms, suspect),
    ):
        matchers: list[TermMatcher] = []
        if settings.use_default_wordlists:
            matchers.append(default_matcher(name))
        site = site_matcher(site_terms)
        if site is not None:
            matchers.append(site)
        for matcher in matchers:
            bucket.extend(matcher.find(norm))
    suspect.extend(hit for hit in banned if hit.masked)
    banned = [hit for hit in banned if not hit.masked]
    banned_ranges = {(hit.start, hit.end) for hit in banned}
    suspect = [hit for hit in suspect if (hit.start, hit.end) not in banned_ranges]
    # A banned term in reported or quoted speech ("he was called a ... and ...") is held, not rejected.
    reported = [hit for hit in banned if guard(norm.folded, hit.start, hit.end) == "reported"]
    banned = [hit for hit in banned if hit not in reported]
    reasons = []
    for code, hits, held in (
        ("civility.banned_term", banned, False),
        ("civility.banned_term", reported, True),
        ("civility.suspect_term", suspect, False),
    ):
        if hits:
            categories = [hit.category for hit in hits if hit.category]
            reasons.append(
                reason(
                    code,
                    [norm.to_original(hit.start, hit.end) for hit in hits],
                    category=categories[0] if categories else None,
                    action="review" if held else None,
                )
            )
    return reasons


# --- guards: negation, quotation and reported speech ------------------------------------------------------------

# A negation up to three words before the match, in the same clause: "I'm not joking, I will ..." is
# not negated, because the comma ends the clause.
_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:not|never|no\s+one|nobody|don'?t|do\s+not|doesn'?t|didn'?t|wouldn'?t|won'?t|shouldn'?t|can'?t|cannot|"
    r"wasn'?t|isn'?t|aren'?t|nor|stop|quit)\b|n't)[^\w,;:]+(?:\w+[^\w,;:]+){0,3}$"
)
_REPORTING = re.compile(
    r"\b(?:said|says|saying|say|told|tells|telling|tell|wrote|writes|writing|tweeted|posted|called|calling|"
    r"shouted|shouting|yelled|screamed|accused|claimed|quoted?|quoting|repeating|chanting|chanted|"
    r"heard|reported|replied|messaged|texted)\b"
)
_CONDEMNATION_AFTER = re.compile(
    r"\b(?:is|was|are|were)\s+(?:\w+\s+)?(?:disgusting|vile|unacceptable|abhorrent|horrible|awful|appalling|"
    r"sickening|shameful|wrong|not\s+ok(?:ay)?|never\s+ok(?:ay)?|hate\s+speech|a\s+crime|illegal|banned)"
    r"|\b(?:got|was|were|been|be)\s+(?:\w+\s+)?(?:banned|suspended|arrested|charged|reported|convicted|fired|sacked)"
)
_QUOTES = '"“”«»„'
_SENTENCE_BREAK = re.compile(r"[.!?\n]")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end): from after the previous full stop to the next one."""
    left = max(text.rfind(char, 0, start) for char in ".!?\n") + 1
    right_match = _SENTENCE_BREAK.search(text, end)
    return left, right_match.start() if right_match else len(text)


def _quoted(text: str, left: int, start: int) -> bool:
    """True when the match sits after an unclosed quotation mark in its sentence."""
    before = text[left:start]
    doubles = sum(before.count(char) for char in _QUOTES)
    # Single quotes count only when they open a quotation, not as apostrophes ("don't", "I'm").
    singles = len(re.findall(r"(?:^|(?<=[\s(]))['‘’]", before)) - len(
        re.findall(r"['‘’](?=[\s.,!?)]|$)", before)
    )
    return doubles % 2 == 1 or singles > 0


def guard(text: str, start: int, end: int) -> str:
    """'negated', 'reported' (quoted, reported or condemned speech) or 'direct' for a match in `text`."""
    left, right = _sentence_bounds(text, start, end)
    if _NEGATION_BEFORE.search(text[max(left, start - 40) : start]):
        return "negated"
    if _quoted(text, left, start) or _REPORTING.search(text[left:start]):
        return "reported"
    if _CONDEMNATION_AFTER.search(text[end:right]):
        return "reported"
    return "direct"


def _guarded_hits(
    norm: NormalisedText, code: str, matches: list[re.Match[str]], weak: set[int]
) -> list[Reason]:
    """One Reason for the direct matches (default action) and one at 'review' for reported ones.

    `weak` holds indexes of matches whose wording is strong enough to hold but not to reject by itself.
    """
    direct: list[Span] = []
    held: list[Span] = []
    for index, match in enumerate(matches):
        kind = guard(norm.folded, match.start(), match.end())
        if kind == "negated":
            continue
        span = norm.to_original(match.start(), match.end())
        (held if kind == "reported" or index in weak else direct).append(span)
    reasons = []
    if direct:
        reasons.append(reason(code, direct))
    if held:
        reasons.append(reason(code, held, action="review"))
    return reasons


# Groups of people, as the threat, dehumanising and conspiracy rules name them.
_GROUPS = (
    r"(?:immigrants|migrants|refugees|asylum\s+seekers|muslims|jews|christians|hindus|sikhs|blacks|whites|"
    r"gays|lesbians|homosexuals|trans(?:\s+people|gender\s+people)?|transgenders|women|feminists|mexicans|"
    r"africans|arabs|asians|chinese|gypsies|roma|travellers|foreigners|arabs|palestinians|israelis|"
    r"ukrainians|russians|poles|romanians|indians|pakistanis|somalis|nigerians|latinos|hispanics|"
    r"(?:black|white|brown|gay|trans|jewish|muslim)\s+(?:people|men|women|folks)|"
    r"(?:these|those|all)\s+(?:people|immigrants|migrants|refugees|muslims|jews|foreigners))"
)

# --- threats ---------------------------------------------------------------------------------------------------

_YOU = r"(?:you|u|ya|yo|ye|you\s+all|y'?all)"
_TARGET = rf"(?:{_YOU}|him|her|them|your\s+(?:family|kids|children|wife|husband|mother|mom|mum|dad|father))"
# "I will", "I'll", "ill" (typed without the apostrophe), "I'm going to", "gonna", "wanna".
_I_WILL = (
    r"(?:i|we)\s*(?:'m|m|'re|\s+am|\s+are)?\s*(?:going\s+to|gonna|about\s+to|gon)"
    r"|(?:i|we)\s*(?:'ll|ll|\s+will|\s+shall|'d\s+love\s+to|\s+would\s+love\s+to|\s+want\s+to|\s+wanna|\s+intend\s+to)"
)


_SAME_LETTER_RUN = re.compile(r"(.)\1*")


def _spelled(word: str) -> str:
    """`word` as a pattern that also takes it stretched ("kiill", "fol" for "foooool") or masked ("k*ll").

    The normaliser leaves one of a stretched vowel and two of a stretched consonant, and keeps `*` as a
    masked letter, so these are the spellings of a listed word that reach the rules. A run of one vowel
    ("oo" in "fool") may stand for one or more of it, or of `*`.
    """
    return "".join(
        f"[{run[0]}*]+" if run[0] in "aeiou" else (re.escape(run[0]) + "+") * len(run)
        for run in (match.group() for match in _SAME_LETTER_RUN.finditer(word))
    )


_HARM_WORDS = (
    "kill", "murder", "shoot", "stab", "strangle", "choke", "hang", "lynch", "behead", "decapitate", "hurt",
    "rape", "slit", "slaughter", "execute", "torture", "burn", "bury", "gut", "knife",
)  # fmt: skip
_HARM_VERB = (
    "(?:"
    + "|".join(_spelled(word) for word in _HARM_WORDS)
    + r"|beat\s+the\s+(?:shit|crap|hell|life)\s+out\s+of|bash\s+(?:in\s+)?)"
)
# A person by role: "someone should kill the mayor" is a call to violence; "kill the bill" is politics.
_OFFICIAL = (
    r"(?:the|our|your|their|this|that)\s+(?:\w+\s+)?(?:mayor|president|prime\s+minister|minister|senator|governor|"
    r"premier|chancellor|judge|jury|journalist|reporter|author|writer|editor|columnist|councillor|councilor|mp|"
    r"congressman|congresswoman|politician|candidate|sheriff|officer|cop|teacher|principal|doctor|nurse|priest|"
    r"imam|rabbi|pastor|ceo|boss|guy|man|woman|bastard|bitch|idiot|moron|clown|traitor|scumbag|pig|creep|loser|"
    r"thug|asshole|prick|dickhead|fool|jerk|freak|dude|kid|child|lady|girl|boy|person|family)"
)
_THREATS_STRONG = [
    # One free word ("really", "fucking") may sit between, but not a negation; trash talk about games passes.
    rf"\b(?:{_I_WILL})\s+(?:(?!not\b|never\b)\w+\s+)?{_HARM_VERB}\s+(?:{_TARGET}|{_OFFICIAL})\b"
    # Not their possessions ("I'll kill that guy's argument"), nor games, polls or kindness.
    r"(?!['’]s\b|\s+(?:at\s+(?:chess|poker|cards|tennis|golf|this|that)|in\s+(?:the\s+)?(?:debate|game|polls|election|match|race)|with\s+kindness))",
    rf"\b(?:{_I_WILL})\s+(?:(?!not\b|never\b)\w+\s+)?(?:beat|punch|smash|break)\s+{_YOU}\s+(?:up|to\s+death|senseless)",
    rf"\b(?:{_I_WILL})\s+(?:(?!not\b|never\b)\w+\s+)?(?:break|smash|slit|cut)\s+your\s+(?:neck|legs|arms|face|jaw|skull|bones|throat|head)",
    rf"\b(?:{_I_WILL})\s+(?:find|hunt)\s+{_YOU}(?:\s+down)?(?=\s*(?:$|[.!,;]|and\b|soon|eventually|one\s+day|wherever))",
    rf"\b(?:{_I_WILL})\s+(?:cut|finish)\s+{_YOU}(?=\s*(?:$|[.!,;]|and\b|up\b|open\b|to\s+pieces))",
    r"\b(?:please|pls|plz|just|why\s+don'?t\s+you|why\s+not)\s+(?:go\s+)?die\b(?!\s+(?:of|from|laughing|happy|hard))",
    r"\b(?:puts?|putting)\s+a\s+bullet\s+(?:in|through)\s+(?:your|ur|his|her|their)\s+(?:head|brain|skull|face)",
    r"\bi\s+know\s+where\s+(?:you|u)\s+(?:live|work|sleep|park|go\s+to\s+school)",
    rf"\b{_YOU}\s*(?:'re|\s+are|\s+r)?\s*(?:going\s+to|gonna|will)\s+(?:die|get\s+(?:killed|shot|stabbed|hurt|what'?s\s+coming))\b(?!\s+(?:of|from|in\s+a|one\s+day))",
    rf"\b{_YOU}\s*(?:'re|\s+are|\s+r)\s+(?:a\s+)?dead\s+(?:man|woman|meat)\b",
    r"\bwatch\s+your\s+back\b",
    rf"\b{_YOU}\s+(?:deserve\s+to|should|ought\s+to|need\s+to|must)\s+(?:just\s+)?(?:die|be\s+(?:killed|shot|hanged|hung|raped|executed|beaten|burned|lynched|murdered))\b",
    rf"\b(?:i\s+)?(?:hope|wish|pray)\s+(?:that\s+)?{_TARGET}\s+(?:die|dies)"
    r"(?!\s+(?:of\s+(?:old|natural)|laughing|happy|peacefully|in\s+(?:your|their|his|her)\s+sleep))\b"
    rf"|\b(?:i\s+)?(?:hope|wish|pray)\s+(?:that\s+)?{_TARGET}\s+(?:gets?|is|are)\s+(?:cancer|killed|shot|raped|murdered|"
    r"run\s+over|hit\s+by\s+a\s+(?:bus|car|truck|train))\b",
    # A call to kill a whole group ("kill the jews", "we should gas all muslims"): an order or a proposal,
    # so "they kill the women in that film" and "killing refugees is a war crime" are not.
    r"(?:^|(?<=[.!?,;:]\s)|(?<=[.!?,;:])|\b(?:we\s+(?:should|must|need\s+to|have\s+to|gotta)|let'?s|just|go|time\s+to|"
    r"some(?:one|body)\s+should|i\s+(?:want|wanna|would\s+love)\s+to?)\s+)"
    rf"(?:kill|murder|shoot|gas|exterminate|slaughter|hang|lynch|burn|nuke)\s+(?:(?:all|every|the|of|these|those)\s+)*"
    rf"{_GROUPS}\b",
    rf"\bsome(?:one|body)\s+(?:should|needs\s+to|ought\s+to|has\s+to)\s+(?:kill|shoot|stab|hang|murder|lynch)\s+"
    rf"(?:{_OFFICIAL}|{_TARGET})\b",
]
# Wishes of harm about people in the third person: held for a moderator rather than rejected, because
# "murderers should be executed" in a death-penalty debate reads the same way.
_THREATS_WEAK = [
    r"\b(?:he|she|they|them|these\s+\w+|those\s+\w+)\s+(?:deserves?|should|ought)\s+to\s+(?:die|be\s+(?:killed|shot|hanged|hung|raped|lynched|murdered))\b",
    r"\b(?:should|needs?\s+to|ought\s+to)\s+be\s+(?:shot|hanged|hung|lynched|put\s+against\s+a\s+wall|strung\s+up|burned\s+alive)\b",
    r"\b(?:i\s+)?(?:hope|wish|pray)\s+(?:that\s+)?(?:he|she|they)\s+(?:dies?|gets?\s+(?:cancer|killed|shot|raped))\b",
    r"\b(?:i|we)\s*(?:'m|m|\s+am|'re|\s+are)\s+coming\s+(?:for|after)\s+(?:you|u)\b",
    r"\bdeserves?\s+(?:a\s+)?(?:beating|bullet|good\s+(?:beating|slap)|to\s+be\s+beaten)\b",
    # Curses rather than threats ("rot in hell", "choke on it"): a person decides.
    r"\b(?:i\s+)?(?:hope|wish)\s+(?:that\s+)?(?:you|u|he|she|they)\s+(?:rots?|burns?|chokes?)\s+(?:in\s+hell|to\s+death|alive)\b",
]
_THREAT = re.compile("|".join(f"(?:{p})" for p in _THREATS_STRONG))
# Every threat pattern holds one of these stems; searching for them first is several times cheaper. They are
# searched in the text with repeated letters squeezed to one ("kiill" -> "kil"), so they are written squeezed
# too, and any masked letter (`*`) sends the comment on to the full patterns.
_THREAT_HINT = re.compile(
    r"kil|murder|shot|stab|strangl|chok|hang|hung|lynch|behead|decapitat|hurt|rape|slit|slaughter|execut|gas|"
    r"exterminat|nuke|"
    r"tortur|burn|bury|gut|knife|beat|punch|smash|break|cut|find|hunt|finish|die|dead|know\s+where|watch\s+your|"
    r"rot|bash|coming|cancer|run\s+over|hit\s+by|against\s+a\s+wal|strung|bulet|beating|slap|\*"
)
_REPEATS = re.compile(r"([^\W\d_])\1+")
_THREAT_WEAK = re.compile("|".join(f"(?:{p})" for p in _THREATS_WEAK))


def check_threats(norm: NormalisedText) -> list[Reason]:
    """Direct threats and wishes of death or harm; quoted or reported ones only hold, negated ones pass."""
    text = norm.folded
    if not _THREAT_HINT.search(_REPEATS.sub(r"\1", text)):
        return []
    strong = list(_THREAT.finditer(text))
    covered = [(m.start(), m.end()) for m in strong]
    weak = [
        m for m in _THREAT_WEAK.finditer(text) if not any(a < m.end() and m.start() < b for a, b in covered)
    ]
    matches = strong + weak
    return _guarded_hits(norm, "civility.threat", matches, set(range(len(strong), len(matches))))


# --- self-harm incitement --------------------------------------------------------------------------------------

_SELF_HARM = re.compile(
    r"\b(?:go\s+|just\s+|please\s+|pls\s+|plz\s+|should\s+|you\s+should\s+|u\s+should\s+)?"
    # Predictions are not incitement: "you'll kill yourself running that marathon".
    r"(?<!'ll\s)(?<!will\s)(?<!might\s)(?<!could\s)(?<!would\s)(?<!'d\s)(?<!may\s)(?<!gonna\s)"
    r"(?:kill|hang|off|neck|end|unalive|kil|shoot)\s+"
    r"(?:yourself|yourselves|urself|ur\s+self|your\s+self|youself|yoself)\b(?!\s+(?:laughing|in\s+the\s+foot))"
    r"|\bkys\b|\bkms\s+(?:pls|please)\b"
    r"|\bgo\s+(?:and\s+)?(?:die|croak|jump\s+off)\b"
    # Without "yourself", only an order or advice to the reader counts: "makes me want to drink bleach" is not.
    r"|(?:^|[.!?,;:]\s*|\b(?:go|just|please|pls|plz|now|so|and)\s+|\b(?:you|u)\s+(?:should|need\s+to|could|can|must|better|ought\s+to)\s+)"
    r"(?:(?:drink|swallow|eat)\s+(?:some\s+)?(?:bleach|poison|a\s+bullet)"
    r"|jump\s+(?:off|from)\s+(?:a|the)\s+(?:bridge|cliff|roof|building|window))\b"
    r"|\bdo\s+(?:us|the\s+world|everyone|everybody|society)\s+a\s+favou?r\s+and\s+(?:die|disappear|kill\s+yourself|end\s+it)\b"
    r"|\b(?:the\s+)?world\s+(?:would\s+be|is)\s+better\s+(?:off\s+)?without\s+(?:you|u)\b"
)


_SELF_HARM_HINT = re.compile(r"self|kys|kms|die|croak|jump|bleach|poison|bullet|favou?r|without")


def check_self_harm(norm: NormalisedText) -> list[Reason]:
    """Telling someone to kill or harm themselves; "don't kill yourself" and quoted reports do not reject."""
    if not _SELF_HARM_HINT.search(norm.folded):
        return []
    return _guarded_hits(norm, "civility.self_harm_incitement", list(_SELF_HARM.finditer(norm.folded)), set())


# --- targeted insults -------------------------------------------------------------------------------------------

_MODIFIERS = (
    r"(?:such|so|a|an|and|the|total|complete|absolute|utter|real|f[u*#@]*c?k+(?:ing|in'?|en)|fk?n|f\*+ing|effing|"
    r"freaking|frigging|flipping|bloody|damn|goddamn|"
    r"stupid|little|big|fat|pathetic|ignorant|dumb|sad|typical|massive|huge|brainless|worthless|useless|"
    r"disgusting|lying|ugly|old|silly)"
)


_LETTERS_OR_OTHER = re.compile(r"[^\W\d_]+|.")


@lru_cache(maxsize=32)
def _insult_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """The targeted-insult pattern for one insult vocabulary (shipped plus a site's own)."""
    words = sorted({canonical_term(t) for t in terms if canonical_term(t)}, key=len, reverse=True)
    alternatives = "|".join(
        "".join(
            _spelled(part) if part.isalpha() else re.escape(part) for part in _LETTERS_OR_OTHER.findall(w)
        )
        for w in words
    )
    insult = rf"(?:{alternatives})(?:e?s)?"
    # "your" only as the common misspelling of "you're a": "your stupid argument" attacks the argument.
    addressed = r"(?:you|u|ya|youre|your(?=\s+(?:an?|such|so|such\s+an?)\s)|ur|you\s+guys|you\s+people|you\s+lot|you\s+all|y'?all)"
    be = r"(?:\s*'re|\s+are|\s+r|\s+is|\s+are\s+just|\s+are\s+all|\s*'re\s+just|\s+r\s+just)?"
    mods = rf"(?:{_MODIFIERS}\s+){{0,4}}"
    return re.compile(
        rf"\b{addressed}{be}\s+{mods}(?P<word>{insult})(?![^\W_])"
        rf"|\b(?:what|such)\s+(?:an?\s+)?{mods}(?P<word2>{insult})\s+(?:you|u)\s*(?:'re|\s+are|\s+r)\b"
        rf"|\bshut\s+up,?\s+(?:you\s+)?{mods}(?P<word3>{insult})(?![^\W_])"
        rf"|\bare\s+(?:you|u)\s+(?:an?\s+)?{mods}(?P<word4>{insult})\s*\?"
    )


@lru_cache(maxsize=1)
def _default_insults() -> tuple[str, ...]:
    """The shipped insult terms (built once: this runs for every comment)."""
    return tuple(term for term, _ in load_seed("insults"))


def check_insults(norm: NormalisedText, settings: RuleSettings) -> list[Reason]:
    """Insults aimed at the person addressed ("you are an idiot", "u r a m0ron", "shut up you clown")."""
    terms = _default_insults() if settings.use_default_wordlists else ()
    terms += settings.insult_terms
    if not terms:
        return []
    text = norm.folded
    if "you" not in text and "u" not in text:
        return []
    direct: list[Span] = []
    held: list[Span] = []
    for match in _insult_pattern(terms).finditer(text):
        kind = guard(text, match.start(), match.end())
        if kind == "negated":
            continue
        # The span is the insult itself, the part a moderator needs to see highlighted.
        group = next(name for name in ("word", "word2", "word3", "word4") if match.group(name))
        span = norm.to_original(match.start(group), match.end(group))
        (held if kind == "reported" else direct).append(span)
    reasons = [reason("civility.targeted_insult", direct)] if direct else []
    if held:
        reasons.append(reason("civility.targeted_insult", held, action="review"))
    return reasons


# --- dehumanising language about groups ---------------------------------------------------------------------------

_DEHUMANISING = re.compile(
    rf"\b(?:all\s+)?{_GROUPS}\s+(?:are|r|is)\s+(?:(?:nothing\s+but|just|all|such|like|literally|filthy|dirty|disgusting|"
    r"a\s+bunch\s+of|a\s+pack\s+of)\s+)*(?:vermin|animals|rats|cockroaches|roaches|parasites|subhuman|"
    r"(?:a\s+)?(?:disease|cancer|plague|virus|infestation)|savages|filth|scum|apes|monkeys|insects|locusts|"
    r"leeches|maggots|pigs|dogs|not\s+human|terrorists|rapists|criminals|thieves|paedophiles|pedophiles|"
    r"idiots|morons|assholes|arseholes|shit\s?heads|trash|garbage|retards|inferior|stupid|dirty|evil)\b"
    rf"|\b{_GROUPS}\s+(?:should|must|need\s+to)\s+be\s+(?:exterminated|gassed|eradicated|wiped\s+out|culled|"
    r"sterilised|sterilized|burned|shot)\b"
)


_GROUP_HINT = re.compile(_GROUPS)


def check_dehumanising(norm: NormalisedText) -> list[Reason]:
    """A group of people described as vermin or disease, or as something to exterminate."""
    if not _GROUP_HINT.search(norm.folded):
        return []
    return _guarded_hits(norm, "civility.dehumanising", list(_DEHUMANISING.finditer(norm.folded)), set())


# --- conspiracy tropes about groups ------------------------------------------------------------------------------

# Hate without an abusive word: a group said to secretly rule, plot or replace. The bag-of-words models score
# these low (no insult, no slur), so a rule holds them for a person; it never rejects, since the same words
# turn up when people discuss or debunk the trope.
_TROPE_GROUPS = (
    rf"(?:{_GROUPS}|(?:the\s+)?(?:zionists|zionist\s+lobby|jewish\s+lobby|jewish\s+bankers|rothschilds))"
)
_TROPE = re.compile(
    rf"\b{_TROPE_GROUPS}\s+(?:(?:secretly|really|basically|already|still|all|now|totally|quietly)\s+)?"
    r"(?:control|controls|controlling|run|runs|running|own|owns|rule|rules|dominate|dominates|pull\s+the\s+strings\s+(?:of|in)|"
    r"are\s+(?:controlling|running|in\s+control\s+of|taking\s+over)|(?:want|plan|plot|are\s+plotting|are\s+trying)\s+to\s+"
    r"(?:control|take\s+over|rule|destroy|replace))\s+"
    r"(?:(?:the|our|all\s+the|all|most\s+of\s+the|this|every)\s+)?"
    r"(?:banks|banking|media|press|news|world|government|governments|hollywood|money|finance|economy|wall\s+street|"
    r"congress|parliament|politicians|country|america|europe|the\s+west|west|un|elections|white\s+race|us)\b"
    rf"|\b{_TROPE_GROUPS}\s+(?:are|r)\s+(?:(?:secretly|really|all)\s+)?(?:behind|responsible\s+for)\s+"
    r"(?:9/11|911|(?:all|every|the)\s+(?:wars?|pandemic|crisis|financial\s+crisis|plague)|covid|communism|white\s+genocide)\b"
    rf"|\b{_TROPE_GROUPS}\s+(?:are\s+)?(?:(?:trying|want|wanting|plan|planning|plotting)\s+to\s+)?"
    r"(?:replace|replacing|outbreed|outbreeding)\s+(?:us|white\s+people|whites|europeans|americans|christians|the\s+natives)\b"
    r"|\bthe\s+holocaust\s+(?:never\s+happened|(?:is|was)\s+(?:a\s+)?(?:hoax|lie|myth|fake|faked|made\s+up|exaggerated))\b"
)
_TROPE_HINT = re.compile(
    r"control|run|own|rule|domin|string|taking|behind|responsible|replac|outbreed|holocaust"
)
# Discussing the trope is not repeating it: "the myth that Jews control the banks", "... is an antisemitic lie".
_DEBUNKED_BEFORE = re.compile(
    r"(?:myth|lie|lies|trope|canard|conspiracy\s+theor\w*|smear|libel|hoax|claim|claims|idea|notion|nonsense)\s+that\s+$"
)
_DEBUNKED_AFTER = re.compile(
    r"^\W*(?:is|was|are|were)\s+(?:just\s+|simply\s+)?(?:an?\s+)?(?:\w+\s+)?(?:myth|lie|trope|canard|"
    r"conspiracy\s+theory|smear|libel|nonsense|false|untrue|antisemitic|racist|bigoted|hateful)\b"
)


def check_group_conspiracy(norm: NormalisedText) -> list[Reason]:
    """A group said to control the banks or media, to be behind wars, or to be replacing others; holds."""
    text = norm.folded
    if not _TROPE_HINT.search(text):
        return []
    matches = [match for match in _TROPE.finditer(text) if not _debunked(text, match)]
    return _guarded_hits(norm, "civility.group_conspiracy", matches, set())


def _debunked(text: str, match: re.Match[str]) -> bool:
    """True when the sentence calls the claim a myth or a lie, before or after it."""
    left, right = _sentence_bounds(text, match.start(), match.end())
    before, after = text[left : match.start()], text[match.end() : right]
    return bool(_DEBUNKED_BEFORE.search(before) or _DEBUNKED_AFTER.search(after))


# --- figures of speech ------------------------------------------------------------------------------------------------

# A violent verb whose object is a thing, not a person: "stop killing the economy", "strangling small
# businesses with red tape". Heated but civil; a bag-of-words model reads the verb as violence.
_FIGURE_OF_SPEECH = re.compile(
    r"\b(?:kill|kills|killing|killed|murder|murders|murdering|murdered|strangle|strangles|strangling|strangled|"
    r"slaughter|slaughters|slaughtering|slaughtered|butcher|butchers|butchering|butchered|gut|guts|gutting|gutted|"
    r"suffocate|suffocates|suffocating|suffocated|choke|chokes|choking|choked|bleed|bleeds|bleeding)\s+"
    r"(?:(?:off|off\s+the|the|our|this|that|their|its|his|her|any|every|local|small|british|american|national|"
    r"whole|entire)\s+){0,2}(?:\w+\s+)?"
    r"(?:economy|economies|jobs?|high\s+streets?|town\s+cent(?:re|er)s?|markets?|industry|industries|"
    r"business(?:es)?|democracy|growth|investment|tourism|farming|farms?|pubs?|shops?|sector|budget|nhs|"
    r"trade|innovation|competition|bill|motion|amendment|proposal|plan|deal|idea|debate|conversation|joke|"
    r"mood|vibe|momentum|league|game|sport|club|brand|franchise|series|show|film|album|book|language|"
    r"grammar|planet|environment|climate|countryside|wildlife|rivers?|oceans?|coral\s+reefs?)\b"
)
_FIGURE_HINT = re.compile(r"kill|murder|strangl|slaughter|butcher|gut|suffocat|chok|bleed")


def check_figure_of_speech(norm: NormalisedText) -> list[Reason]:
    """A note for a violent verb about a thing ("killing the economy"): a weak toxicity score alone won't hold it.

    Negated or not, quoted or not, the wording is the same figure of speech; the models' strong scores and
    every other rule still act, and the pipeline ignores only a toxicity score below its ceiling. Not when the
    sentence blames a group of people ("immigrants are killing our country"): that is a claim about people.
    """
    text = norm.folded
    if not _FIGURE_HINT.search(text):
        return []
    spans = [
        norm.to_original(m.start(), m.end())
        for m in _FIGURE_OF_SPEECH.finditer(text)
        if not _GROUP_HINT.search(text, _sentence_bounds(text, m.start(), m.end())[0], m.start())
    ]
    return [reason("civility.figure_of_speech", spans)] if spans else []


# --- counter-speech ---------------------------------------------------------------------------------------------------


def check_counter_speech(norm: NormalisedText) -> list[Reason]:
    """Sentences that report or quote something and condemn it ("calling refugees vermin is disgusting").

    A note, not a verdict: the pipeline holds such a comment for a person rather than letting a bag-of-words
    model reject it for the words it condemns. The sentence must both report or quote and condemn, so an
    insult followed by "which is disgusting" is not counter-speech.
    """
    text = norm.folded
    spans = []
    for condemnation in _CONDEMNATION_AFTER.finditer(text):
        left, right = _sentence_bounds(text, condemnation.start(), condemnation.end())
        before = text[left : condemnation.start()]
        if (
            _REPORTING.search(before)
            or _quoted(text, left, condemnation.start())
            or any(q in before for q in _QUOTES)
        ):
            spans.append(norm.to_original(left + len(before) - len(before.lstrip()), right))
    return [reason("civility.counter_speech", spans)] if spans else []


# --- shouting and flooding -------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def check_shouting(norm: NormalisedText, settings: RuleSettings) -> list[Reason]:
    """A long run of all-caps words, or a comment written almost entirely in capitals."""
    original = norm.original
    if sum(map(str.isupper, original)) < settings.shouting_min_letters:
        return []
    words = list(_WORD.finditer(original))
    spans: list[Span] = []
    run: list[re.Match[str]] = []

    def close_run() -> None:
        """Keep the current run of capitalised words if it is long enough to count as shouting."""
        letters = sum(len(m.group()) for m in run)
        if len(run) >= settings.shouting_min_words and letters >= settings.shouting_min_letters:
            spans.append(Span(run[0].start(), run[-1].end()))

    for match in words:
        word = match.group()
        if word.isupper() and sum(char.isalpha() for char in word) >= 1:
            # A lone "I" or "A" inside a shouted run keeps the run going but cannot start one.
            if len(word) > 1 or run:
                run.append(match)
            continue
        close_run()
        run = []
    close_run()
    if not spans:
        letters = [char for char in original if char.isalpha()]
        caps = sum(1 for char in letters if char.isupper())
        if (
            len(words) >= settings.shouting_min_words
            and len(letters) >= settings.shouting_min_letters
            and caps / len(letters) > settings.shouting_caps_ratio
        ):
            spans.append(Span(words[0].start(), words[-1].end()))
    return [reason("civility.shouting", spans)] if spans else []


_ALNUM_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8)
def _char_run_pattern(run: int) -> re.Pattern[str]:
    """One non-space character repeated at least `run` times."""
    return re.compile(rf"(\S)\1{{{run - 1},}}")


def _repeated_phrases(norm: NormalisedText, repeats: int) -> list[Span]:
    """Spans where a phrase of one to four words is repeated back to back at least `repeats` times."""
    matches = list(_ALNUM_WORD.finditer(norm.text))
    words = [m.group() for m in matches]
    n = len(words)
    # A phrase repeated N times means some word occurs N times; counting is far cheaper than scanning.
    if repeats < 2 or n < repeats or max(Counter(words).values()) < repeats:
        return []
    regions: list[tuple[int, int]] = []
    for k in range(1, 5):
        # words[i] == words[i - k] over (repeats - 1) * k positions in a row = a k-word phrase repeated.
        need = (repeats - 1) * k
        run = first = 0
        for i in range(k, n + 1):
            if i < n and words[i] == words[i - k]:
                if run == 0:
                    first = i
                run += 1
                continue
            if run >= need:
                regions.append((first - k, i - 1))
            run = 0
    merged: list[list[int]] = []
    for a, b in sorted(regions):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [norm.to_original(matches[a].start(), matches[b].end()) for a, b in merged]


def check_flooding(norm: NormalisedText, settings: RuleSettings) -> list[Reason]:
    """One character repeated many times in a row, or one word or phrase repeated many times."""
    run = max(settings.flood_char_run, 2)
    original = norm.original
    # Checked on the original: the normaliser has already collapsed stretched letters.
    char_runs = [Span(m.start(), m.end()) for m in _char_run_pattern(run).finditer(original)]
    phrases = _repeated_phrases(norm, settings.flood_word_repeats)
    if phrases:
        return [reason("civility.flooding", phrases + char_runs)]
    # "views!!!!!!!!!!!!" or a row of dashes is noise, not abuse: noted, never held on its own.
    return [reason("civility.flooding", char_runs, action="approve")] if char_runs else []
