"""Obfuscated copies of labelled abuse: the annotated toxic words rewritten the way people dodge filters.

Issue 3 asks that leetspeak, spacing, symbols and homoglyphs do not get abuse past the service. The
SemEval-2021 toxic-spans test set marks which characters of each comment annotators found toxic, so those
words (and only those) can be rewritten while the rest of the comment stays as written. `moderation
evaluate` runs every rewritten copy through the pipeline and reports how much of the abuse is still caught;
`bench.peer_benchmark` does the same for alt-profanity-check. The rewrites are deterministic: one spelling
per word and kind, no randomness, so the figures are reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "A": "4", "E": "3", "I": "1",
                       "O": "0", "S": "5", "T": "7"})  # fmt: skip
# Latin letters and the Cyrillic letters drawn the same way.
_HOMOGLYPHS = str.maketrans({"a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "x": "х", "y": "у",
                             "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
                             "P": "Р", "T": "Т", "X": "Х"})  # fmt: skip
_VOWEL = re.compile(r"[aeiouAEIOU]")
_WORD = re.compile(r"[^\W\d_]+")


def _masked(word: str) -> str:
    """The first vowel after the first letter starred: "fuck" -> "f*ck", "idiot" -> "id*ot"."""
    match = _VOWEL.search(word, 1)
    return word if match is None else word[: match.start()] + "*" + word[match.end() :]


def _stretched(word: str) -> str:
    """The last vowel (else the last letter) written five times: "idiot" -> "idiooooot"."""
    matches = list(_VOWEL.finditer(word))
    at = matches[-1].start() if matches else len(word) - 1
    return word[:at] + word[at] * 5 + word[at + 1 :]


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "leetspeak": lambda word: word.translate(_LEET),
    "spaced": " ".join,
    "dotted": ".".join,
    "masked": _masked,
    "homoglyphs": lambda word: word.translate(_HOMOGLYPHS),
    "stretched": _stretched,
}


def obfuscate(text: str, offsets: Sequence[int], kind: str) -> str:
    """`text` with every word that overlaps the toxic character `offsets` rewritten by obfuscation `kind`."""
    rewrite = OBFUSCATIONS[kind]
    toxic = set(offsets)
    pieces: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        if toxic.isdisjoint(range(match.start(), match.end())):
            continue
        pieces += [text[last : match.start()], rewrite(match.group())]
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)
