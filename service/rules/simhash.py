"""64-bit SimHash over character shingles: near-identical texts get fingerprints a few bits apart."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np

# Three-character shingles: one typo changes only three of them, so small edits move few bits.
SHINGLE = 3
_MASK = (1 << 64) - 1
_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=65_536)
def _hash64(piece: str) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process, so it cannot go into a database).

    Cached: comments are made of the same few tens of thousands of shingles (about 10 MB at most).
    """
    return int.from_bytes(hashlib.blake2b(piece.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """Unsigned 64-bit SimHash of `text` over its distinct overlapping character shingles."""
    # Punctuation and spacing differences should not move the fingerprint.
    compact = " ".join(_NOT_ALNUM.sub(" ", text).split())
    if not compact:
        return 0
    if len(compact) <= SHINGLE:
        shingles = {compact}
    else:
        shingles = {compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)}
    hashes = np.fromiter((_hash64(piece) for piece in shingles), dtype=np.uint64, count=len(shingles))
    # Each shingle votes +1 for the bits it has set and -1 for the others; a bit is set when + wins.
    # Big-endian bytes unpack most significant bit first, so column j counts bit 63 - j.
    ones = np.unpackbits(hashes.astype(">u8").view(np.uint8)).reshape(-1, 64).sum(axis=0)
    result = 0
    for column in np.flatnonzero(ones * 2 > len(shingles)):
        result |= 1 << (63 - int(column))
    return result


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed integer a BIGINT column can hold."""
    value &= _MASK
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Bits that differ between two 64-bit fingerprints, signed or unsigned."""
    return ((a ^ b) & _MASK).bit_count()
