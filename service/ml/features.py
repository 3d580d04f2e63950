"""The one shared vectorisation: hashed word 1-2 grams and char_wb 2-5 grams, pruned columns, sublinear TF-IDF."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer

# Words keep apostrophes and the normaliser's `*` wildcard ("f***"), and single letters count as words.
WORD_TOKEN_PATTERN = r"(?u)[\w*][\w*']*"  # noqa: S105 (a regex, not a password)
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
HASH_BITS = 20
# Links become one placeholder word of the same length, so offsets (and explanations) stay exact.
# Why: in the training sets nearly every link is spam (YouTube, SMS), so the characters of a URL taught
# the spam head that citing a source is spam. Link spam is the rule layer's job (shorteners, TLDs,
# domains, counts); the model judges the words around a link.
LINK_RE = re.compile(r"(?:https?://|www\.)\S+")
LINK_WORD = "weblink"


def mask_links(text: str) -> str:
    """Replace every http(s)/www link by the placeholder word padded with spaces to the same length."""
    if "http" not in text and "www." not in text:
        return text
    return LINK_RE.sub(lambda m: (LINK_WORD + " " * len(m.group()))[: len(m.group())], text)


def _vectorizer(kind: str, n_features: int) -> HashingVectorizer:
    """A stateless hashing vectoriser for one block; the canonical text is already case-folded."""
    if kind == "word":
        return HashingVectorizer(
            analyzer="word",
            token_pattern=WORD_TOKEN_PATTERN,
            ngram_range=WORD_NGRAMS,
            n_features=n_features,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            dtype=np.float32,
        )
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        n_features=n_features,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )


@dataclass
class Block:
    """One feature block: which hashed columns survived pruning, their IDF, and a lookup from hash to column."""

    kind: str
    n_features: int
    columns: np.ndarray  # sorted hashed column ids kept, int32
    idf: np.ndarray  # float32, one per kept column

    def __post_init__(self) -> None:
        """Build the hash → kept-column lookup once (why: remapping a batch is then one vectorised take)."""
        self.vectorizer_ = _vectorizer(self.kind, self.n_features)
        self.lookup_ = np.full(self.n_features, -1, dtype=np.int32)
        self.lookup_[self.columns] = np.arange(len(self.columns), dtype=np.int32)

    @property
    def width(self) -> int:
        """Number of kept columns."""
        return len(self.columns)

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Raw n-gram counts of the kept columns."""
        hashed = self.vectorizer_.transform(texts).tocsr()
        return remap_columns(hashed, self.lookup_, self.width)

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF × IDF, then L2-normalise each row within this block."""
        out = counts.astype(np.float32, copy=True)
        np.log1p(out.data, out=out.data)
        out.data *= self.idf[out.indices]
        norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        out.data /= np.repeat(norms, np.diff(out.indptr)).astype(np.float32)
        return out

    def hashes(self, grams: Sequence[str]) -> np.ndarray:
        """Kept column (or -1) for each n-gram string, hashed exactly as the vectoriser hashes it."""
        if not grams:
            return np.zeros(0, dtype=np.int32)
        hasher = FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)
        matrix = hasher.transform([[g] for g in grams]).tocsr()
        return self.lookup_[matrix.indices]

    def to_payload(self) -> dict[str, Any]:
        """Plain arrays for the artifact (no pickled classes of ours)."""
        return {"kind": self.kind, "n_features": self.n_features, "columns": self.columns, "idf": self.idf}


def remap_columns(matrix: sp.csr_matrix, lookup: np.ndarray, width: int) -> sp.csr_matrix:
    """Keep only columns with a lookup entry, renumbered; O(nnz) rather than scipy's fancy column indexing."""
    mapped = lookup[matrix.indices]
    keep = mapped >= 0
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=matrix.shape[0]), out=indptr[1:])
    return sp.csr_matrix((matrix.data[keep], mapped[keep], indptr), shape=(matrix.shape[0], width))


@dataclass
class FeatureSpace:
    """Word and char blocks side by side; `transform` gives the matrix every head reads."""

    word: Block
    char: Block

    @property
    def width(self) -> int:
        """Total number of columns."""
        return self.word.width + self.char.width

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF features for canonical texts."""
        texts = [mask_links(text) for text in texts]
        word = self.word.weigh(self.word.counts(texts))
        char = self.char.weigh(self.char.counts(texts))
        return sp.hstack([word, char], format="csr", dtype=np.float32)

    def to_payload(self) -> dict[str, Any]:
        """Plain arrays for the artifact."""
        return {"word": self.word.to_payload(), "char": self.char.to_payload()}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FeatureSpace:
        """Rebuild from `to_payload` output."""
        return cls(
            word=Block(**payload["word"]),
            char=Block(**payload["char"]),
        )


def _select(counts: sp.csr_matrix, budget: int, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """The `budget` most frequent columns (by document frequency, at least `min_df`) and their smooth IDF."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    candidates = np.flatnonzero(df >= min_df)
    if len(candidates) > budget:
        # Stable sort so ties break by column id and the selection is reproducible.
        order = np.argsort(-df[candidates], kind="stable")[:budget]
        candidates = np.sort(candidates[order])
    n_docs = counts.shape[0]
    idf = np.log((1 + n_docs) / (1 + df[candidates])) + 1.0
    return candidates.astype(np.int32), idf.astype(np.float32)


def fit_feature_space(
    texts: Sequence[str], word_budget: int, char_budget: int, min_df: int = 3, hash_bits: int = HASH_BITS
) -> tuple[FeatureSpace, sp.csr_matrix]:
    """Choose the kept columns on the training texts and return the space plus the training matrix."""
    n_features = 2**hash_bits
    texts = [mask_links(text) for text in texts]
    blocks = []
    matrices = []
    for kind, budget in (("word", word_budget), ("char", char_budget)):
        hashed = _vectorizer(kind, n_features).transform(texts).tocsr()
        columns, idf = _select(hashed, budget, min_df)
        block = Block(kind=kind, n_features=n_features, columns=columns, idf=idf)
        blocks.append(block)
        matrices.append(block.weigh(remap_columns(hashed, block.lookup_, block.width)))
        del hashed
    space = FeatureSpace(word=blocks[0], char=blocks[1])
    return space, sp.hstack(matrices, format="csr", dtype=np.float32)


WORD_RE = re.compile(WORD_TOKEN_PATTERN)
NON_SPACE_RE = re.compile(r"\S+")
WORD_CHARS_RE = re.compile(r"[\w*'][\w*'.@/:-]*[\w*]|[\w*]", re.UNICODE)


def word_ngrams_with_spans(text: str) -> list[tuple[str, int, int]]:
    """Every word 1-2 gram of `text` (as the vectoriser forms it) with its canonical character range."""
    text = mask_links(text)
    tokens = [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]
    grams = [(tok, start, end) for tok, start, end in tokens]
    for (a, start, _), (b, _, end) in itertools.pairwise(tokens):
        grams.append((f"{a} {b}", start, end))
    return grams


def char_ngrams_with_spans(text: str) -> list[tuple[str, int, int]]:
    """Every char_wb 2-5 gram of `text` with the range of the whitespace-delimited word that holds it.

    Why the whole word: a character n-gram is meaningless to a moderator; the word it sits in is what
    pushed the score, and word-level spans merge cleanly.
    """
    text = mask_links(text)
    out: list[tuple[str, int, int]] = []
    low, high = CHAR_NGRAMS
    for match in NON_SPACE_RE.finditer(text):
        padded = f" {match.group()} "
        # Trim surrounding punctuation from the highlighted range, but hash the padded word as sklearn does.
        inner = WORD_CHARS_RE.search(match.group())
        start = match.start() + (inner.start() if inner else 0)
        end = match.start() + (inner.end() if inner else len(match.group()))
        for n in range(low, high + 1):
            if len(padded) <= n:
                # sklearn counts a word shorter than n once and stops growing n for it.
                out.append((padded, start, end))
                break
            for offset in range(len(padded) - n + 1):
                out.append((padded[offset : offset + n], start, end))
    return out
