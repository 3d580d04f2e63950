"""Map submitted text to a canonical form while keeping an exact offset map back to the original.

PLACEHOLDER CONTRACT (to be completed by the normaliser work): NFKC + casefold only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from service.moderation.types import Span

NORMALISER_VERSION = 0


@dataclass(frozen=True)
class NormalisedText:
    """Canonical text plus, for every canonical character, the index of the original character it came from."""

    original: str
    text: str
    # offsets[i] is the index in `original` where canonical character i starts;
    # offsets[len(text)] == len(original), so slices map with one lookup at each end.
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> Span:
        """Map a half-open range of the canonical text to the original text."""
        if start >= end:
            return Span(self.offsets[start], self.offsets[start])
        # The end maps to the end of the original character that produced canonical char end-1.
        last = self.offsets[end - 1]
        stop = self.offsets[end] if self.offsets[end] > last else last + 1
        return Span(self.offsets[start], max(stop, last + 1))


def normalise(text: str) -> NormalisedText:
    """Return the canonical form of `text` with its offset map."""
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).casefold()
        out.append(folded)
        offsets.extend([index] * len(folded))
    offsets.append(len(text))
    return NormalisedText(original=text, text="".join(out), offsets=tuple(offsets))
