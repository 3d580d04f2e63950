"""Tests for the text normaliser: canonical forms, what must survive, and the offset map."""

from __future__ import annotations

import random

import pytest

from service.text.normaliser import NORMALISER_VERSION, NormalisedText, normalise


def canon(text: str) -> str:
    """The canonical text only."""
    return normalise(text).text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # case folding and whitespace
        ("Hello   World", "hello world"),
        ("  padded \n\n text\t ", "padded text"),
        ("Straße", "strasse"),
        # full-width, mathematical alphabets, circled, small capitals, negative squared
        ("ｆｕｃｋ", "fuck"),
        ("𝐟𝐮𝐜𝐤 𝓎𝑜𝓊", "fuck you"),
        ("ⓘⓓⓘⓞⓣ", "idiot"),
        ("ɪᴅɪᴏᴛ", "idiot"),
        ("🅸🅳🅸🅾🆃", "idiot"),
        # Cyrillic/Greek look-alikes inside Latin words
        ("іdіот", "idiot"),
        ("уоu аrе аn іdіоt", "you are an idiot"),
        ("ѕtupіd", "stupid"),
        ("ιdιοt", "idiot"),
        # zero-width and invisible characters
        ("id\u200biot", "idiot"),
        ("f\u200du\u2060c\ufeffk", "fuck"),
        ("s\u00adh\u00adi\u00adt", "shit"),
        ("\u202eidiot\u202c", "idiot"),
        # combining marks used to obfuscate are dropped
        ("z̶a̶l̶g̶o̶", "zalgo"),
        ("i̴͇d̷̠i̸o̵t̶", "idiot"),
        # leetspeak inside words
        ("1d10t", "idiot"),
        ("sh!t", "shit"),
        ("@ss", "ass"),
        ("$tupid", "stupid"),
        ("b@stard", "bastard"),
        ("k1ll y0ur$elf", "kill yourself"),
        ("h4te", "hate"),
        # letters split by spaces, dots or symbols
        ("f u c k you", "fuck you"),
        ("f.u.c.k", "fuck"),
        ("i-d-i-o-t", "idiot"),
        ("s_h_i_t", "shit"),
        ("k y s", "kys"),
        ("$ h 1 t", "shit"),
        # a joined run that is no word but splits into lexicon words is split
        ("you are a i d i o t", "you are a idiot"),
        ("what a c h i l d i s h b u f f o o n", "what a childish buffoon"),
        ("Y O U A R E", "you are"),
        ("f.u.c.k.y.o.u", "fuck you"),
        # ... and a run that is a word, or splits into nothing, stays whole
        ("a b n o r m a l", "abnormal"),
        ("you a s s", "you ass"),
        ("grades A B C D", "grades abcd"),
        # stretched vowels collapse to one, stretched consonants to two
        ("stuuuupid", "stupid"),
        ("fuuuuuck", "fuck"),
        ("idiooooot", "idiot"),
        ("cooool", "col"),
        ("asssss", "ass"),
        ("killllll", "kill"),
        ("shiiiiiit", "shit"),
        ("éééé", "é"),
        # real doubles and pairs are left alone
        ("good cool see", "good cool see"),
        ("stuupid", "stuupid"),
        # masked words keep * as a wildcard
        ("f*** off", "f*** off"),
        ("c*nt", "c*nt"),
        ("s**t", "s**t"),
        ("f#ck", "f*ck"),
        ("sh%t", "sh*t"),
    ],
)
def test_canonical_forms(raw: str, expected: str) -> None:
    assert canon(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "$95 an hour",
        "in 2026 at 10:30",
        "see example.com/a1b2 for details",
        "https://bit.ly/3AbC1x7",
        "write to jo.b1@example.org",
        "the 3rd time at 10am, 4x4 and mp3 files, covid19",
        "@sam I agree",
        "wow!!! really?",
        "a b",
        "plan b or c",
        "u r a idiot",
        "1,000.50 and 3.14",
        "*sigh*",
    ],
)
def test_things_that_must_survive(raw: str) -> None:
    assert canon(raw) == raw.lower()


def test_russian_comment_is_left_alone() -> None:
    assert canon("Привет, как дела у вас?") == "привет, как дела у вас?"


def test_greek_comment_is_left_alone() -> None:
    # casefold turns the final sigma into σ; nothing else changes
    assert canon("Καλημέρα σε όλους") == "καλημέρα σε όλουσ"


def test_accents_survive_in_text_and_are_stripped_in_folded() -> None:
    norm = normalise("Los biólogos y José")
    assert norm.text == "los biólogos y josé"
    assert norm.folded == "los biologos y jose"
    assert len(norm.folded) == len(norm.text)


def test_decomposed_accents_compose_like_precomposed() -> None:
    assert canon("Jose\u0301") == canon("José") == "josé"


def test_folded_strips_accents_used_as_obfuscation() -> None:
    assert normalise("fück ïdiot").folded == "fuck idiot"


def test_version_is_set() -> None:
    assert NORMALISER_VERSION >= 1


def _span_text(norm: NormalisedText, word: str) -> str:
    start = norm.text.index(word)
    span = norm.to_original(start, start + len(word))
    return norm.original[span.start : span.end]


@pytest.mark.parametrize(
    ("raw", "word", "original"),
    [
        ("you are a 1d10t!", "idiot", "1d10t"),
        ("what a f.u.c.k.i.n.g mess", "fucking", "f.u.c.k.i.n.g"),
        ("so stuuuupid, honestly", "stupid", "stuuuupid"),
        ("an idiooooot, honestly", "idiot", "idiooooot"),
        ("asssss hat", "ass", "asssss"),
        ("an іdіот indeed", "idiot", "іdіот"),
        ("id\u200biot\u200b here", "idiot", "id\u200biot"),
        ("\u200bidiot", "idiot", "idiot"),
        ("ｆｕｃｋ off", "fuck", "ｆｕｃｋ"),
        ("hey z̶a̶l̶g̶o̶ there", "zalgo", "z̶a̶l̶g̶o̶"),
        ("Jose\u0301 said", "josé", "Jose\u0301"),
        ("what  a   f u c k   up", "fuck", "f u c k"),
        ("the Straße here", "strasse", "Straße"),
        ("call him a $tupid @ss", "ass", "@ss"),
        ("you are a i d i o t", "idiot", "i d i o t"),
        ("you are a.i.d.i.o.t", "a idiot", "a.i.d.i.o.t"),
    ],
)
def test_spans_map_back_to_the_obfuscated_word(raw: str, word: str, original: str) -> None:
    assert _span_text(normalise(raw), word) == original


def test_empty_and_blank() -> None:
    for raw in ("", "   ", "\u200b\u200b", "\n"):
        norm = normalise(raw)
        assert norm.text == ""
        assert norm.offsets == (len(raw),)
        assert norm.to_original(0, 0).start == len(raw)


def _check_invariants(norm: NormalisedText) -> None:
    n, m = len(norm.original), len(norm.text)
    assert len(norm.offsets) == m + 1
    assert len(norm.ends) == m
    assert norm.offsets[-1] == n
    assert all(0 <= o <= n for o in norm.offsets)
    assert all(a <= b for a, b in zip(norm.offsets, norm.offsets[1:], strict=False))
    assert all(a <= b for a, b in zip(norm.ends, norm.ends[1:], strict=False))
    assert all(norm.offsets[i] < norm.ends[i] <= n for i in range(m))
    assert len(norm.folded) == m


_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFXYZ 0123456789 .,;:!?*@$#%|-_/+~'\"()\n\t"
    "éèüñçßİı José ａｂｃ 𝐚𝐛𝐜 ⓐⓑ ᴀʙ 🅰🅱 іаеосрух αονρ ё "
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u0301\u0308\u0336\u0489\ufe0f\u3164 "
    "ﬁﬂ ½ ㎏ Ⅻ ǅ 한국어 中文 😀👍🏽 \ud7ff\ue000"
)


def test_random_unicode_keeps_offset_invariants() -> None:
    rng = random.Random(20261125)
    pool = list(_ALPHABET) + [chr(rng.randrange(0x20, 0x30000)) for _ in range(400)]
    for _ in range(3000):
        raw = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 60)))
        norm = normalise(raw)
        _check_invariants(norm)
        # Any canonical range maps to a valid original range.
        if norm.text:
            a = rng.randrange(len(norm.text))
            b = rng.randrange(a, len(norm.text)) + 1
            span = norm.to_original(a, b)
            assert 0 <= span.start < span.end <= len(raw)


def test_random_obfuscations_map_back() -> None:
    rng = random.Random(7)
    words = ["idiot", "stupid", "moron", "loser", "trash"]
    leet = {"i": "1", "o": "0", "e": "3", "a": "@", "s": "$", "t": "7"}
    for _ in range(500):
        word = rng.choice(words)
        style = rng.randrange(4)
        if style == 0:
            # The last letter stays: "covid19"-style trailing digits are names, not leet.
            obf = "".join(leet.get(c, c) if rng.random() < 0.5 else c for c in word[:-1]) + word[-1]
        elif style == 1:
            obf = rng.choice([" ", ".", "-"]).join(word)
        elif style == 2:
            obf = "".join(c + "\u200b" * rng.randrange(2) for c in word).rstrip("\u200b")
        else:
            obf = word.upper()
        if obf[0] in "@$" and style == 0:
            obf = word[0] + obf[1:]  # a leading symbol is a mention or a price, not a word
        raw = f"well you are {obf} and everyone knows"
        norm = normalise(raw)
        assert word in norm.text, (raw, norm.text)
        assert _span_text(norm, word) == obf
