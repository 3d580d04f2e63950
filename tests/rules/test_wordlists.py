"""The term matcher: boundaries, stretching, plurals, prefixes, phrases and masks."""

from __future__ import annotations

import pytest

from service.rules.wordlists import TermMatcher, canonical_term, parse_wordlist
from service.text import normalise


def found(terms: list[str], text: str) -> list[tuple[str, str, bool]]:
    """(term, original slice, masked) for every hit of `terms` in `text`."""
    norm = normalise(text)
    out = []
    for hit in TermMatcher(parse_wordlist(terms)).find(norm):
        span = norm.to_original(hit.start, hit.end)
        out.append((hit.term, text[span.start : span.end], hit.masked))
    return out


def test_parse_wordlist_reads_categories_and_comments() -> None:
    lines = ["# header", "", "  Slur  ", "other | insult  # why", "phrase here|obscene"]
    assert parse_wordlist(lines) == [("Slur", None), ("other", "insult"), ("phrase here", "obscene")]


def test_canonical_term_normalises_like_the_text() -> None:
    assert canonical_term("Fück*") == "fuck"
    assert canonical_term("ＢＡＤ") == "bad"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a gronk here", [("gronk", "gronk", False)]),
        ("GRONKS!", [("gronk", "GRONKS", False)]),
        ("gronkes", [("gronk", "gronkes", False)]),
        ("grooonk", [("gronk", "grooonk", False)]),
        ("gr0nk", [("gronk", "gr0nk", False)]),
        ("g r o n k", [("gronk", "g r o n k", False)]),
        ("gr*nk", [("gronk", "gr*nk", True)]),
        ("g****", []),
        ("agronk gronkish", []),
        ("grönk", [("gronk", "grönk", False)]),
    ],
)
def test_single_word_terms(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert found(["gronk"], text) == expected


def test_a_stretched_word_may_spell_a_double_vowel_with_one() -> None:
    # The normaliser reads "cooooon" as "con" (a stretched vowel is one letter): still the listed "coon",
    # while "con" typed as such is an ordinary word.
    assert found(["coon"], "what a cooooon") == [("coon", "cooooon", False)]
    assert found(["coon"], "pros and con") == []
    assert found(["fool"], "you foooool") == [("fool", "foooool", False)]


def test_prefix_terms_match_longer_words() -> None:
    assert found(["blarg*"], "blargity blarg xblarg") == [
        ("blarg", "blargity", False),
        ("blarg", "blarg", False),
    ]


def test_phrases_match_across_spaces_and_punctuation() -> None:
    assert found(["snake oil"], "pure Snake-Oil, and snake  oil") == [
        ("snake oil", "Snake-Oil", False),
        ("snake oil", "snake  oil", False),
    ]
    assert found(["snake oil"], "snakeoil") == []


def test_accented_letters_are_word_characters() -> None:
    assert found(["pute"], "députée") == []
    assert found(["pute"], "éputeé") == []
