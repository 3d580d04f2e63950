"""64-bit SimHash over character shingles: near-identical texts get fingerprints a few bits apart."""

from __future__ import annotations

import hashlib
import re

# Three-character shingles: one typo changes only three of them, so small edits move few bits.
SHINGLE = 3
_MASK = (1 << 64) - 1
_NOT_ALNUM = re.compile(r"[\W_]+")


def _hash64(piece: str) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process, so it cannot go into a database)."""
    return int.from_bytes(hashlib.blake2b(piece.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """Unsigned 64-bit SimHash of `text` over overlapping character shingles of its words."""
    # Punctuation and spacing differences should not move the fingerprint.
    compact = " ".join(_NOT_ALNUM.sub(" ", text).split())
    if not compact:
        return 0
    if len(compact) <= SHINGLE:
        shingles = [compact]
    else:
        shingles = [compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)]
    weights = [0] * 64
    for piece in set(shingles):
        value = _hash64(piece)
        for bit in range(64):
            if value >> bit & 1:
                weights[bit] += 1
            else:
                weights[bit] -= 1
    result = 0
    for bit, weight in enumerate(weights):
        if weight > 0:
            result |= 1 << bit
    return result


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed integer a BIGINT column can hold."""
    value &= _MASK
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits that differ between two 64-bit fingerprints, signed or unsigned."""
    return ((a ^ b) & _MASK).bit_count()
