"""The one shared vectorisation: hashed word 1-2 grams and char_wb 2-5 grams, pruned columns, sublinear TF-IDF."""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils import murmurhash3_32

# Words keep apostrophes and the normaliser's `*` wildcard ("f***"), and single letters count as words.
WORD_TOKEN_PATTERN = r"(?u)[\w*][\w*']*"  # noqa: S105 (a regex, not a password)
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
HASH_BITS = 20
# Texts hashed per step when counting: bounds the memory of a training run's n-grams.
HASH_CHUNK = 4096
# Distinct words whose char n-gram columns a worker remembers (about 20 MB at most).
WORDS_REMEMBERED = 65_536
# Distinct word 1-2 grams whose kept column a worker remembers (about 10 MB at most).
GRAMS_REMEMBERED = 65_536
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


# A masked word: letters and at least one `*` (the normaliser's wildcard), nothing else.
MASKED_WORD_RE = re.compile(r"(?:[^\W\d_]|\*)*\*(?:[^\W\d_]|\*)*")
# Words a masked word may stand for: seen in at least this many labelled training rows ...
MASKABLE_MIN_ROWS = 10
# ... and in toxic rows at least this share of the time (people mask the words they know are offensive).
MASKABLE_MIN_TOXIC_SHARE = 0.5
_MASKABLE_WORD_RE = re.compile(r"[^\W\d_]{3,}")


def maskable_words(texts: Sequence[str], toxic: Sequence[int]) -> tuple[str, ...]:
    """The training words a masked word may stand for, the most often toxic first (`toxic`: 1, 0, or -1 unknown)."""
    rows: collections.Counter[str] = collections.Counter()
    toxic_rows: collections.Counter[str] = collections.Counter()
    for text, label in zip(texts, toxic, strict=True):
        if label < 0:
            continue
        words = set(_MASKABLE_WORD_RE.findall(text))
        rows.update(words)
        if label == 1:
            toxic_rows.update(words)
    kept = [
        word
        for word, count in rows.items()
        if count >= MASKABLE_MIN_ROWS and toxic_rows[word] >= MASKABLE_MIN_TOXIC_SHARE * count
    ]
    return tuple(sorted(kept, key=lambda word: (-toxic_rows[word], word)))


class Unmasker:
    """Reads a masked word as the word it most likely hides: "id*ot" -> "idiot", "f**k" -> "fuck".

    Why: the normaliser keeps `*` so the rules know a word was masked, but to the models "id*ot" is an
    unknown token and masked abuse scored as clean. The candidates are `maskable_words` of the training
    data, in their order; the first of the same length whose letters agree with every shown letter wins, and
    a word nothing fits stays masked. Same length, so offsets (and explanations) stay exact.
    """

    def __init__(self, words: Sequence[str] = ()) -> None:
        self.words = tuple(words)
        self._by_length: dict[int, list[str]] = {}
        for word in self.words:
            self._by_length.setdefault(len(word), []).append(word)
        self._word = functools.lru_cache(maxsize=4096)(self._unmask_word)

    def __call__(self, text: str) -> str:
        """`text` with every masked word read as the word it hides, where one fits."""
        if "*" not in text or not self.words:
            return text
        return MASKED_WORD_RE.sub(lambda match: self._word(match.group()), text)

    def _unmask_word(self, token: str) -> str:
        shown = [(index, char) for index, char in enumerate(token) if char != "*"]
        if not shown:  # "***": nothing to go on
            return token
        for word in self._by_length.get(len(token), ()):
            if all(word[index] == char for index, char in shown):
                return word
        return token


def ngram_analyzer(kind: str) -> Callable[[str], list[str]]:
    """The n-grams of one block, exactly as scikit-learn's vectorisers form them (text already case-folded)."""
    if kind == "word":
        settings: dict[str, Any] = {
            "analyzer": "word",
            "token_pattern": WORD_TOKEN_PATTERN,
            "ngram_range": WORD_NGRAMS,
        }
    else:
        settings = {"analyzer": "char_wb", "ngram_range": CHAR_NGRAMS}
    analyzer: Callable[[str], list[str]] = CountVectorizer(lowercase=False, **settings).build_analyzer()
    return analyzer


def hash_column(gram: str, n_features: int) -> int:
    """The hashed column of an n-gram: scikit-learn's feature hashing (signed MurmurHash3 of the UTF-8
    bytes, seed 0, absolute value modulo the width), so artifacts stay compatible with HashingVectorizer."""
    return abs(murmurhash3_32(gram, 0)) % n_features


@dataclass(frozen=True)
class Entries:
    """Non-zero features as plain arrays (row, column, value), row-major with sorted columns per row.

    Why not scipy matrices between the steps: for the one-comment batches of the HTTP path, building and
    checking a sparse matrix per step costs more than the features themselves; one is built at the end.
    """

    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray


class NgramHasher:
    """The hashed columns of a text's n-grams for one block, as scikit-learn's HashingVectorizer hashes them.

    Why per word for the char block: char_wb n-grams never cross whitespace, so a text's are the
    concatenation of its words', and comments reuse the same words; each word is hashed once and remembered.
    """

    def __init__(self, kind: str, n_features: int, remember: int = WORDS_REMEMBERED) -> None:
        self.kind = kind
        self.n_features = n_features
        self.analyzer = ngram_analyzer(kind)
        self._word_columns = functools.lru_cache(maxsize=remember)(self._columns)

    def _columns(self, text: str) -> np.ndarray:
        grams = self.analyzer(text)
        return np.fromiter(
            (hash_column(gram, self.n_features) for gram in grams), dtype=np.int64, count=len(grams)
        )

    def columns(self, text: str) -> np.ndarray:
        """Hashed column of every n-gram of `text`, repeats included."""
        if self.kind != "char":
            return self._columns(text)
        words = text.split()
        return (
            np.concatenate([self._word_columns(word) for word in words]) if words else np.zeros(0, np.int64)
        )


def hashed_counts(hasher: NgramHasher, texts: Sequence[str]) -> Entries:
    """Count each text's n-grams per hashed column (one entry per row and column)."""
    n_features = hasher.n_features
    keys: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for begin in range(0, len(texts), HASH_CHUNK):
        columns = [hasher.columns(text) for text in texts[begin : begin + HASH_CHUNK]]
        if not columns:
            continue
        rows = np.repeat(np.arange(begin, begin + len(columns), dtype=np.int64), [len(c) for c in columns])
        unique, count = np.unique(rows * n_features + np.concatenate(columns), return_counts=True)
        keys.append(unique)  # sorted: row-major, columns ascending
        counts.append(count)
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    value = np.concatenate(counts).astype(np.float32) if counts else np.zeros(0, dtype=np.float32)
    return Entries(key // n_features, key % n_features, value)


@dataclass
class Block:
    """One feature block: which hashed columns survived pruning, their IDF, and a lookup from hash to column."""

    kind: str
    n_features: int
    columns: np.ndarray  # sorted hashed column ids kept, int32
    idf: np.ndarray  # float32, one per kept column

    def __post_init__(self) -> None:
        """Build the hash → kept-column lookup once (why: remapping a batch is then one vectorised take)."""
        self.hasher_ = NgramHasher(self.kind, self.n_features)
        self.lookup_ = np.full(self.n_features, -1, dtype=np.int32)
        self.lookup_[self.columns] = np.arange(len(self.columns), dtype=np.int32)
        # Hashing a string costs more than the rest of scoring it; comments reuse the same n-grams.
        self.gram_column = functools.lru_cache(maxsize=GRAMS_REMEMBERED)(self._gram_column)

    def _gram_column(self, gram: str) -> int:
        """Kept column (or -1) of one n-gram string; see `gram_column`, its remembering wrapper."""
        return int(self.lookup_[hash_column(gram, self.n_features)])

    @property
    def width(self) -> int:
        """Number of kept columns."""
        return len(self.columns)

    def hashed(self, texts: Sequence[str]) -> Entries:
        """Raw n-gram counts over every hashed column."""
        return hashed_counts(self.hasher_, texts)

    def weigh(self, hashed: Entries) -> Entries:
        """Keep the pruned columns, take sublinear TF × IDF, then L2-normalise each row within this block."""
        columns = self.lookup_[hashed.columns]
        keep = columns >= 0
        rows, columns = hashed.rows[keep], columns[keep]
        values = np.log1p(hashed.values[keep]) * self.idf[columns]
        n_rows = int(rows[-1]) + 1 if len(rows) else 0
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows)).astype(np.float32)
        norms[norms == 0] = 1.0
        return Entries(rows, columns, values / norms[rows])

    def hashes(self, grams: Sequence[str]) -> np.ndarray:
        """Kept column (or -1) for each n-gram string, hashed exactly as the vectoriser hashes it."""
        hashed = np.fromiter(
            (hash_column(gram, self.n_features) for gram in grams), dtype=np.int64, count=len(grams)
        )
        return self.lookup_[hashed]

    def to_payload(self) -> dict[str, Any]:
        """Plain arrays for the artifact (no pickled classes of ours)."""
        return {"kind": self.kind, "n_features": self.n_features, "columns": self.columns, "idf": self.idf}


def assemble(n_rows: int, blocks: Sequence[tuple[Entries, int]]) -> sp.csr_matrix:
    """One CSR matrix with the blocks side by side; `blocks` pairs each block's entries with its width."""
    offsets = np.cumsum([0] + [width for _, width in blocks])
    rows = np.concatenate([entries.rows for entries, _ in blocks])
    columns = np.concatenate(
        [entries.columns + offset for (entries, _), offset in zip(blocks, offsets, strict=False)]
    )
    values = np.concatenate([entries.values for entries, _ in blocks]).astype(np.float32, copy=False)
    # A stable sort by row keeps each block's sorted columns, and the blocks in order, within a row.
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    shape = (n_rows, int(offsets[-1]))
    return sp.csr_matrix((values[order], columns[order].astype(np.int32), indptr), shape=shape)


@dataclass(frozen=True)
class TextFeatures:
    """One text's non-zero features and the n-gram occurrences behind them (`FeatureSpace.text_features`).

    `columns` and `values` are the text's row of `transform` (sorted columns); occurrence i is a kept n-gram
    with column `columns[occurrence[i]]`: word 1-2 grams in text order, then each whitespace-delimited
    word's char n-grams. Each piece (a word 1-2 gram, or a word for its char n-grams) holds `piece_sizes`
    consecutive occurrences and one canonical range.
    """

    columns: np.ndarray  # int64
    values: np.ndarray  # float32
    occurrence: np.ndarray
    piece_starts: list[int]
    piece_ends: list[int]
    piece_sizes: list[int]

    @functools.cached_property
    def ranges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end) of each distinct range holding kept n-grams, in the order of their first n-gram, and
        the index of each occurrence's range. Built on first use: only explanations need ranges."""
        sizes = np.asarray(self.piece_sizes, dtype=np.int64)
        held = sizes > 0
        starts = np.asarray(self.piece_starts, dtype=np.int64)[held]
        ends = np.asarray(self.piece_ends, dtype=np.int64)[held]
        keys = starts * (int(ends.max(initial=0)) + 1) + ends
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        out = starts[first[order]], ends[first[order]], np.repeat(rank[inverse], sizes[held])
        for array in out:
            array.setflags(write=False)  # cached: shared by every explanation of the text
        return out


@dataclass
class FeatureSpace:
    """Word and char blocks side by side; `transform` gives the matrix every head reads."""

    word: Block
    char: Block
    unmask: Unmasker = dataclasses.field(default_factory=Unmasker)

    def __post_init__(self) -> None:
        """Per-column IDF and block in `transform` numbering, and the per-word char cache of `text_features`."""
        self.idf_ = np.concatenate([self.word.idf, self.char.idf]).astype(np.float32)
        self.block_ = np.repeat(np.arange(2), [self.word.width, self.char.width])
        self.char_word_ = functools.lru_cache(maxsize=WORDS_REMEMBERED)(self._char_word)

    @property
    def width(self) -> int:
        """Total number of columns."""
        return self.word.width + self.char.width

    def _char_word(self, word: str) -> tuple[np.ndarray, int, int]:
        """Kept char columns (`transform` numbering) of one whitespace-free word's n-grams, repeats included,
        and the range of its word characters within it.

        Why explanations report the word: a character n-gram is meaningless to a moderator; the word it sits
        in is what pushed the score, and word ranges merge cleanly. Surrounding punctuation is left out.
        """
        kept = self.char.hashes(self.char.hasher_.analyzer(word))
        columns = (kept[kept >= 0] + self.word.width).astype(np.int64)
        columns.setflags(write=False)  # shared by every text holding the word
        inner = WORD_CHARS_RE.search(word)
        return columns, (inner.start() if inner else 0), (inner.end() if inner else len(word))

    def text_features(self, canonical: str) -> TextFeatures:
        """`transform([canonical])`'s one row as plain arrays, plus its n-gram occurrences (for explanations).

        Why: for one comment, a scipy matrix costs more than the features; this path builds none. The
        weighting is `Block.weigh`'s, operation for operation, so values are bit-identical.
        """
        prepared = self.prepare(canonical)
        grams = word_ngrams_with_spans(prepared)
        word = [
            (column, start, end) for gram, start, end in grams if (column := self.word.gram_column(gram)) >= 0
        ]
        columns: list[np.ndarray] = [np.fromiter((c for c, _, _ in word), np.int64, len(word))]
        starts = [start for _, start, _ in word]
        ends = [end for _, _, end in word]
        sizes = [1] * len(word)
        # Char n-grams never cross whitespace: a text's are its words' (str.split and \S+ split alike).
        for match in NON_SPACE_RE.finditer(prepared):
            kept, inner_start, inner_end = self.char_word_(match.group())
            columns.append(kept)
            starts.append(match.start() + inner_start)
            ends.append(match.start() + inner_end)
            sizes.append(len(kept))
        column_ids = np.concatenate(columns)
        # Counting per kept column equals counting per hashed column: kept columns are distinct hashes.
        unique, occurrence, counts = np.unique(column_ids, return_inverse=True, return_counts=True)
        values = np.log1p(counts.astype(np.float32)) * self.idf_[unique]
        # L2 norm within each block, as `Block.weigh` (same float64 sums in the same column order).
        block = self.block_[unique]
        norms = np.sqrt(np.bincount(block, weights=values * values, minlength=2)).astype(np.float32)
        norms[norms == 0] = 1.0
        return TextFeatures(unique, values / norms[block], occurrence, starts, ends, sizes)

    def prepare(self, canonical: str) -> str:
        """What the n-grams are read from: links as one placeholder, masked words spelled out (same length)."""
        return self.unmask(mask_links(canonical))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF features for canonical texts."""
        texts = [self.prepare(text) for text in texts]
        blocks = [(block.weigh(block.hashed(texts)), block.width) for block in (self.word, self.char)]
        return assemble(len(texts), blocks)

    def to_payload(self) -> dict[str, Any]:
        """Plain arrays for the artifact."""
        return {
            "word": self.word.to_payload(),
            "char": self.char.to_payload(),
            "unmask": list(self.unmask.words),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FeatureSpace:
        """Rebuild from `to_payload` output."""
        return cls(
            word=Block(**payload["word"]),
            char=Block(**payload["char"]),
            unmask=Unmasker(payload["unmask"]),
        )


def _select(hashed: Entries, n_docs: int, budget: int, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """The `budget` most frequent columns (by document frequency, at least `min_df`) and their smooth IDF."""
    df = np.bincount(hashed.columns)
    candidates = np.flatnonzero(df >= min_df)
    if len(candidates) > budget:
        # Stable sort so ties break by column id and the selection is reproducible.
        order = np.argsort(-df[candidates], kind="stable")[:budget]
        candidates = np.sort(candidates[order])
    idf = np.log((1 + n_docs) / (1 + df[candidates])) + 1.0
    return candidates.astype(np.int32), idf.astype(np.float32)


def fit_feature_space(
    texts: Sequence[str],
    word_budget: int,
    char_budget: int,
    min_df: int = 3,
    hash_bits: int = HASH_BITS,
    unmask: Unmasker | None = None,
) -> tuple[FeatureSpace, sp.csr_matrix]:
    """Choose the kept columns on the training texts and return the space plus the training matrix."""
    n_features = 2**hash_bits
    unmask = unmask or Unmasker()
    texts = [unmask(mask_links(text)) for text in texts]
    blocks = []
    parts = []
    for kind, budget in (("word", word_budget), ("char", char_budget)):
        hashed = hashed_counts(NgramHasher(kind, n_features), texts)
        columns, idf = _select(hashed, len(texts), budget, min_df)
        block = Block(kind=kind, n_features=n_features, columns=columns, idf=idf)
        blocks.append(block)
        parts.append((block.weigh(hashed), block.width))
        del hashed
    space = FeatureSpace(word=blocks[0], char=blocks[1], unmask=unmask)
    return space, assemble(len(texts), parts)


def identity_columns(space: FeatureSpace, texts: Sequence[str], terms: frozenset[str]) -> np.ndarray:
    """Kept columns (in `transform` numbering) of n-grams that name an identity group, for debiasing a head.

    Word block: every 1-2 gram of `texts` with an identity term as one of its words. Char block: the
    n-grams of at least 3 letters inside a padded identity term (" gay", "gay ", "whit", ...); shorter
    ones ("ga", "ay") are shared with too many unrelated words to count as naming a group.
    """
    grams: set[str] = set()
    for text in texts:
        if not terms.intersection(WORD_RE.findall(text)):
            continue
        grams.update(g for g, _, _ in word_ngrams_with_spans(text) if terms.intersection(g.split(" ")))
    word = space.word.hashes(sorted(grams))
    low, high = CHAR_NGRAMS
    pieces = {
        padded[offset : offset + n]
        for padded in (f" {term} " for term in terms)
        for n in range(max(low, 3), high + 1)
        for offset in range(len(padded) - n + 1)
        if len(padded[offset : offset + n].strip()) >= 3
    }
    char = space.char.hashes(sorted(pieces))
    return np.unique(np.concatenate([word[word >= 0], char[char >= 0] + space.word.width])).astype(np.int64)


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
