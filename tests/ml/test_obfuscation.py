"""The obfuscated copies `moderation evaluate` measures: only the marked words change, one spelling per kind."""

from __future__ import annotations

import pytest

from service.ml.obfuscation import OBFUSCATIONS, obfuscate

TEXT = "Honestly, you are an idiot and everyone here knows it."
IDIOT = list(range(TEXT.index("idiot"), TEXT.index("idiot") + len("idiot")))


@pytest.mark.parametrize(
    ("kind", "spelling"),
    [
        ("leetspeak", "1d107"),
        ("spaced", "i d i o t"),
        ("dotted", "i.d.i.o.t"),
        ("masked", "id*ot"),
        ("homoglyphs", "\u0456d\u0456\u043et"),  # Cyrillic і and о
        ("stretched", "idiooooot"),
    ],
)
def test_each_kind_rewrites_only_the_marked_word(kind: str, spelling: str) -> None:
    assert obfuscate(TEXT, IDIOT, kind) == TEXT.replace("idiot", spelling)


def test_a_span_touching_part_of_a_word_rewrites_the_whole_word() -> None:
    # Annotators often mark part of a word; the rewrite takes the word it belongs to.
    partial = IDIOT[1:3]
    assert obfuscate(TEXT, partial, "spaced") == TEXT.replace("idiot", "i d i o t")


def test_several_marked_words_and_no_marked_word() -> None:
    text = "shut up you moron"
    offsets = [*range(4), *range(12, 17)]
    assert obfuscate(text, offsets, "dotted") == "s.h.u.t up you m.o.r.o.n"
    assert obfuscate(text, [], "leetspeak") == text


def test_every_kind_changes_a_word_that_can_be_changed() -> None:
    for kind in OBFUSCATIONS:
        assert obfuscate("moron", range(5), kind) != "moron", kind
