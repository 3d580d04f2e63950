"""Word lists (shipped seeds plus a site's own) and the term matcher that finds them in canonical text."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service.text.normaliser import NormalisedText, normalise

log = logging.getLogger(__name__)

# Resolved from the checkout, not the package, so an installed editable checkout finds the seeds.
SEED_DIR = Path(__file__).resolve().parents[2] / "seeds" / "wordlists"

_SQUEEZE = re.compile(r"(.)\1+")
# A word as the term matcher sees it: letters and digits, with `*` allowed as a masked letter.
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|\*)*")
# Between the words of a phrase: a little punctuation or space, but never a letter or digit.
_PHRASE_GAP = r"[\W_]{1,3}"


_MISSING: tuple[str, str | None] = ("", None)  # cache sentinel, distinct by identity
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class TermHit:
    """One occurrence of a listed term in the canonical text."""

    start: int
    end: int
    term: str
    category: str | None
    masked: bool


def _squeeze(word: str) -> str:
    """Collapse repeated letters to one, the key under which stretched spellings meet their term."""
    return _SQUEEZE.sub(r"\1", word)


def _letters_pattern(word: str) -> str:
    """A pattern where every letter of `word` may repeat (the normaliser keeps up to two)."""
    return "".join(re.escape(char) + "+" for char in word)


def canonical_term(term: str) -> str:
    """A list entry in the form the matcher compares: normalised, accent-folded, without a trailing `*`."""
    return normalise(term.strip().rstrip("*")).folded


def parse_wordlist(lines: Iterable[str]) -> list[tuple[str, str | None]]:
    """(term, category) pairs from word-list lines: `term` or `term | category`; `#` starts a comment."""
    out: list[tuple[str, str | None]] = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        term, _, category = line.partition("|")
        out.append((term.strip(), category.strip() or None))
    return out


SHIPPED_LISTS = ("banned", "suspect", "insults")


def missing_seed_lists() -> list[str]:
    """The shipped word lists that cannot be read (readiness reports them; rules run without them)."""
    return [name for name in SHIPPED_LISTS if not (SEED_DIR / f"{name}.txt").is_file()]


@lru_cache(maxsize=8)
def load_seed(name: str) -> tuple[tuple[str, str | None], ...]:
    """A shipped word list from seeds/wordlists/<name>.txt, read once per process."""
    path = SEED_DIR / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        # Moderation keeps working on the site's own lists and the models; the log says what is missing.
        log.error("word list %s cannot be read (%s); the shipped %s terms are not applied", path, error, name)
        return ()
    return tuple(parse_wordlist(text.splitlines()))


class TermMatcher:
    """Finds listed terms at alphanumeric word boundaries, tolerant of stretching, plurals and masks."""

    def __init__(self, terms: Iterable[tuple[str, str | None]]) -> None:
        """Index the terms: single words by squeezed spelling, prefixes and phrases separately."""
        self._words: dict[str, list[tuple[re.Pattern[str], str, str | None]]] = {}
        # The same words with each run of a letter as one or more of it ("c+o+n+" for "coon"), for tokens
        # typed stretched: the normaliser leaves one of a stretched vowel, so "cooooon" reads "con".
        self._stretched_words: dict[str, list[tuple[re.Pattern[str], str, str | None]]] = {}
        # Keyed by first letter: a token is only tried against prefixes it could start with.
        self._prefixes: dict[str, list[tuple[str, re.Pattern[str], str, str | None]]] = {}
        self._by_length: dict[int, list[tuple[str, str | None]]] = {}
        phrases: list[tuple[str, str, str | None]] = []
        for raw, category in terms:
            term = canonical_term(raw)
            if not term or "*" in term:
                continue
            if " " in term:
                words = term.split(" ")
                phrases.append((_PHRASE_GAP.join(_letters_pattern(w) for w in words), term, category))
            elif raw.strip().endswith("*"):
                pattern = re.compile(_letters_pattern(term))
                squeezed = _squeeze(term)
                self._prefixes.setdefault(squeezed[:1], []).append((squeezed, pattern, term, category))
            else:
                # Optional plural: "slurs" should match "slur" without listing both.
                pattern = re.compile(_letters_pattern(term) + "(?:e?s)?")
                self._words.setdefault(_squeeze(term), []).append((pattern, term, category))
                loose = re.compile(_letters_pattern(_squeeze(term)) + "(?:e?s)?")
                self._stretched_words.setdefault(_squeeze(term), []).append((loose, term, category))
                self._by_length.setdefault(len(term), []).append((term, category))
        # Token -> result; comments reuse the same few thousand words, so most lookups end here.
        self._cache: dict[str, tuple[str, str | None] | None] = {}
        self._stretched_cache: dict[str, tuple[str, str | None] | None] = {}
        self._phrase_terms = [(term, category) for _, term, category in phrases]
        self._phrases = (
            re.compile(
                r"(?<![^\W_])(?:"
                + "|".join(f"(?P<p{i}>{p})" for i, (p, _, _) in enumerate(phrases))
                + r")(?![^\W_])"
            )
            if phrases
            else None
        )

    def find(self, norm: NormalisedText) -> list[TermHit]:
        """Every listed term in the accent-folded canonical text (same offsets as `norm.text`)."""
        text = norm.folded
        hits: list[TermHit] = []
        words = self._words
        # Most comments hold no listed term: decide that from the distinct tokens alone, and only walk
        # the matches (for their positions) when something is there, or when letters were stretched.
        stretched = norm.stretched
        if stretched or any(
            "*" in token or self._lookup(token, words, self._cache) is not None
            for token in set(_TOKEN.findall(text))
        ):
            hits.extend(self._positions(text, words, stretched))
        if self._phrases is not None:
            for match in self._phrases.finditer(text):
                index = int((match.lastgroup or "p0")[1:])
                term, category = self._phrase_terms[index]
                hits.append(TermHit(match.start(), match.end(), term, category, False))
        return hits

    def _lookup(
        self,
        token: str,
        words: dict[str, list[tuple[re.Pattern[str], str, str | None]]],
        cache: dict[str, tuple[str, str | None] | None],
    ) -> tuple[str, str | None] | None:
        """The term a plain token spells, cached per token."""
        found = cache.get(token, _MISSING)
        if found is _MISSING:
            found = self._word(token, words)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[token] = found
        return found

    def _positions(
        self,
        text: str,
        words: dict[str, list[tuple[re.Pattern[str], str, str | None]]],
        stretched: frozenset[int] = frozenset(),
    ) -> list[TermHit]:
        """Every single-word hit (plain, stretched or masked) with its position."""
        hits: list[TermHit] = []
        for match in _TOKEN.finditer(text):
            token = match.group()
            if "*" in token:
                hit = self._masked(token)
                if hit is not None:
                    hits.append(TermHit(match.start(), match.end(), hit[0], hit[1], True))
                continue
            found = self._lookup(token, words, self._cache)
            if found is None and stretched and not stretched.isdisjoint(range(match.start(), match.end())):
                found = self._lookup(token, self._stretched_words, self._stretched_cache)
            if found is not None:
                hits.append(TermHit(match.start(), match.end(), found[0], found[1], False))
        return hits

    def _word(
        self, token: str, words: dict[str, list[tuple[re.Pattern[str], str, str | None]]]
    ) -> tuple[str, str | None] | None:
        """The term a plain token spells, allowing stretched letters and a plural ending."""
        squeezed = _squeeze(token)
        keys = [squeezed]
        if squeezed.endswith("s"):
            keys.append(squeezed[:-1])
            if squeezed.endswith("es"):
                keys.append(squeezed[:-2])
        for key in keys:
            for pattern, term, category in words.get(key, ()):
                if pattern.fullmatch(token):
                    return term, category
        for prefix, pattern, term, category in self._prefixes.get(squeezed[:1], ()):
            if squeezed.startswith(prefix) and pattern.match(token):
                return term, category
        return None

    def _masked(self, token: str) -> tuple[str, str | None] | None:
        """The term a masked token ("c*nt", "f***") stands for: same length, every shown letter agrees."""
        shown = sum(1 for char in token if char != "*")
        # One shown letter ("f***") says too little to name a term.
        if shown < 2 or token[0] == "*":
            return None
        for term, category in self._by_length.get(len(token), ()):
            if all(t == "*" or t == c for t, c in zip(token, term, strict=True)):
                return term, category
        return None


@lru_cache(maxsize=64)
def matcher_for(terms: tuple[tuple[str, str | None], ...]) -> TermMatcher:
    """A TermMatcher for a list of terms, built once per distinct list (site lists change rarely)."""
    return TermMatcher(terms)


def default_matcher(name: str) -> TermMatcher:
    """The matcher for a shipped list."""
    return matcher_for(load_seed(name))


def site_matcher(terms: tuple[str, ...]) -> TermMatcher | None:
    """The matcher for a site's own terms, or None when the site has none."""
    if not terms:
        return None
    return matcher_for(tuple(parse_wordlist(terms)))


def seed_terms(name: str) -> frozenset[str]:
    """The canonical spellings of a shipped list, for rules that need plain membership tests."""
    return frozenset(canonical_term(term) for term, _ in load_seed(name))
