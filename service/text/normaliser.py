"""Map submitted text to a canonical form while keeping an exact offset map back to the original.

What the canonical form does (NORMALISER_VERSION 3), in this order:

1. Per character: NFKC then casefold (full-width, mathematical alphabets, circled and superscript letters
   become plain letters), plus a small table for look-alikes NFKC leaves alone (small capitals, negative
   squared/circled letters, regional indicators, dotless i). Invisible characters (zero-width spaces and
   joiners, bidi controls, soft hyphens, tag characters, Hangul fillers, control characters) are dropped.
2. Combining marks: a mark that composes with the letter before it under NFC is composed, so "José" typed
   with a combining acute becomes the same "josé" as the precomposed form; a mark that does not compose
   (strike-through, zalgo stacks, variation selectors) is dropped. Accents therefore SURVIVE in `text`
   ("biólogos" stays "biólogos"); the accent-stripped spelling is the secondary form `folded`, which has
   the same length and the same offsets, so a matcher can search both and map spans identically.
3. Whitespace runs collapse to one space; leading and trailing whitespace is removed.
4. Links, e-mail addresses and bare domains ("example.com/a1b2") are protected: they are only case-folded.
5. Cyrillic/Greek look-alikes become Latin inside words that mix scripts, or in all-look-alike words of a
   mostly Latin comment (so a Russian or Greek comment is left alone).
6. Letters split by a consistent separator ("f u c k", "f.u.c.k", "i-d-i-o-t") are joined, only for runs of
   at least three single letters. A joined run that is not a word but splits into words of the lexicon
   (`service/text/lexicon.py`) is split: "Y O U A R E" -> "you are", "a n i d i o t" -> "an idiot" (an
   article spaced like the word after it). Version 2 kept these as one word ("youare", "anidiot").
7. Leetspeak inside words ("1d10t", "sh!t", "@ss", "$tupid") becomes letters; tokens without letters
   ("$95", "2026", "10:30") and number-with-unit tokens ("3rd", "10am", "mp3") are left alone.
8. Masked words keep `*` as a one-letter wildcard ("f***", "c*nt"); "#" and "%" inside a word become `*`.
   The rule layer's term matcher treats `*` as "any one letter".
9. Stretched letters: runs of three or more of the same vowel collapse to ONE ("stuuuupid" -> "stupid",
   "idiooooot" -> "idiot", "fuuuuck" -> "fuck"), of the same consonant to TWO ("asssss" -> "ass",
   "killlll" -> "kill"). People stretch vowels, and a word the models know reads as that word again (a
   stretched double vowel reads short: "cooool" -> "col"); two consonants keep real doubles intact. The rules
   allow each letter of a term to repeat and, in a stretched word, a single vowel for a double one.
   Version 1 kept two of every letter, so "idiooooot" read "idioot", which the models did not know.

Known limits, to fix in a later version (a new version means retraining the models):
a currency written with letters before the sign is read as leet ("US$95" -> "uss9s"); "9" is not read as
"g"; a spaced-out run whose words are not all in the lexicon stays one word; single capital letters in a
row join ("grades A B C D" -> "abcd"); a leading digit before letters is leet ("4ever" -> "aever").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from service.moderation.types import Span
from service.text.lexicon import split_joined

# Bump on any change of behaviour: the shipped models were trained on this exact canonical form.
NORMALISER_VERSION = 3


@dataclass(frozen=True)
class NormalisedText:
    """Canonical text plus, for every canonical character, the index of the original character it came from."""

    original: str
    text: str
    # offsets[i] is the index in `original` where canonical character i starts;
    # offsets[len(text)] == len(original), so slices map with one lookup at each end.
    offsets: tuple[int, ...]
    # ends[i] is where the original characters behind canonical character i end (exclusive). It differs
    # from offsets[i] + 1 when letters were collapsed or marks composed; empty when built by hand.
    ends: tuple[int, ...] = ()

    def to_original(self, start: int, end: int) -> Span:
        """Map a half-open range of the canonical text to the original text."""
        if start >= end:
            return Span(self.offsets[start], self.offsets[start])
        if self.ends:
            return Span(self.offsets[start], self.ends[end - 1])
        # Hand-built instances without `ends`: the end is where the next canonical character starts.
        last = self.offsets[end - 1]
        stop = self.offsets[end] if self.offsets[end] > last else last + 1
        return Span(self.offsets[start], max(stop, last + 1))

    @cached_property
    def stretched(self) -> frozenset[int]:
        """Canonical positions of letters that were typed three or more times in a row (step 9).

        A matcher may read a single vowel there as the double one of a listed word ("cooooon" -> "con").
        """
        if not self.ends or not _TRIPLE.search(self.original.casefold()):
            return frozenset()
        return frozenset(
            index
            for index, (start, end) in enumerate(zip(self.offsets, self.ends, strict=False))
            if end - start >= 2
            and self.text[index].isalpha()
            and len(set(self.original[start:end].casefold())) == 1
        )

    @cached_property
    def folded(self) -> str:
        """`text` with accents stripped letter by letter; same length and offsets as `text`."""
        if self.text.isascii():
            return self.text
        cache = _FOLD_CACHE
        out = []
        for char in self.text:
            folded = cache.get(char)
            if folded is None:
                folded = _strip_accent(char)
                cache[char] = folded
            out.append(folded)
        return "".join(out)


# --- per-character mapping -------------------------------------------------------------------------

# Format characters people use to hide words from filters; everything in category Cf is dropped too.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
# Look-alikes NFKC does not fold; applied unconditionally because no language writes words with them.
_ALWAYS_MAP: dict[str, str] = {
    **dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True)),
    "ı": "i",
    "ɑ": "a",
    "ɡ": "g",
    "ʏ": "y",
}
for _base in (0x1F150, 0x1F170, 0x1F1E6):  # negative circled, negative squared letters, regional indicators
    for _i in range(26):
        _ALWAYS_MAP[chr(_base + _i)] = chr(ord("a") + _i)

_MARK_PREFIX = "\x00"  # cache tag for combining marks; "\x00" itself is a control character and dropped
_CHAR_CACHE: dict[str, str] = {}
_FOLD_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 20000


def _map_char(char: str) -> str:
    """Canonical string for one original character ("" = drop, tagged = combining mark)."""
    if char in _ALWAYS_MAP:
        return _ALWAYS_MAP[char]
    category = unicodedata.category(char)
    if char.isspace():
        return " "
    if category in ("Cf", "Cc", "Cs", "Co", "Cn") or char in _INVISIBLE_EXTRA:
        return ""
    if category in ("Mn", "Me"):
        return _MARK_PREFIX + char
    mapped = unicodedata.normalize("NFKC", char).casefold()
    if mapped != char:
        mapped = unicodedata.normalize("NFC", mapped)
        # Casefolding can leave a stray mark ("İ" -> "i" + dot above); drop marks that did not compose.
        mapped = "".join(c for c in mapped if not unicodedata.combining(c))
        mapped = "".join(_ALWAYS_MAP.get(c, c) for c in mapped)
        if any(c.isspace() for c in mapped):
            mapped = re.sub(r"\s", " ", mapped)
    return mapped


def _strip_accent(char: str) -> str:
    """The base letter of an accented letter, or the character itself (always one character)."""
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    if len(decomposed) > 1 and base.isalpha():
        return base
    return char


# Everything but printable ASCII goes through the per-character table; printable ASCII only needs lower().
_SPECIAL = re.compile(r"[^\x20-\x7e]+")


def _fold_chars(text: str) -> tuple[str, list[int], list[int]]:
    """Step 1 and 2: per-character folding, invisible removal and mark composition."""
    specials = list(_SPECIAL.finditer(text))
    if not specials:
        # Fast path: for printable ASCII, NFKC is the identity and casefold is lower().
        return text.lower(), list(range(len(text))), list(range(1, len(text) + 1))
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for run in specials:
        begin, stop = run.span()
        if begin > pos:
            chars.extend(text[pos:begin].lower())
            starts.extend(range(pos, begin))
            ends.extend(range(pos + 1, begin + 1))
        _fold_special(text, begin, stop, chars, starts, ends)
        pos = stop
    if pos < len(text):
        chars.extend(text[pos:].lower())
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    return "".join(chars), starts, ends


def _fold_special(
    text: str, begin: int, stop: int, chars: list[str], starts: list[int], ends: list[int]
) -> None:
    """Fold text[begin:stop] character by character through the cached table, appending to the lists."""
    cache = _CHAR_CACHE
    for index in range(begin, stop):
        char = text[index]
        mapped = cache.get(char)
        if mapped is None:
            mapped = _map_char(char)
            if len(cache) < _CACHE_LIMIT:
                cache[char] = mapped
        if len(mapped) == 1:
            chars.append(mapped)
            starts.append(index)
            ends.append(index + 1)
        elif not mapped:
            continue
        elif mapped[0] == _MARK_PREFIX:
            if chars:
                composed = unicodedata.normalize("NFC", chars[-1] + mapped[1:])
                if len(composed) == 1:
                    chars[-1] = composed
                # Composed or dropped, the mark belongs to the letter before it for span purposes.
                ends[-1] = index + 1
        else:
            for piece in mapped:
                chars.append(piece)
                starts.append(index)
                ends.append(index + 1)


# --- splicing helper ---------------------------------------------------------------------------------

Edit = tuple[int, int, str, list[int], list[int]]


def _splice(
    s: str, starts: list[int], ends: list[int], edits: list[Edit]
) -> tuple[str, list[int], list[int]]:
    """Apply sorted, non-overlapping replacements (start, end, text, starts, ends) in one pass."""
    if not edits:
        return s, starts, ends
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for a, b, repl, rstarts, rends in edits:
        out.append(s[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        out.append(repl)
        new_starts.extend(rstarts)
        new_ends.extend(rends)
        pos = b
    out.append(s[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


# --- whitespace ---------------------------------------------------------------------------------------

# Only runs that are not already a single plain space need an edit.
_WS_FIX = re.compile(r" \s+|[^\S ]\s*")


def _collapse_whitespace(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 3: one space per whitespace run, none at either end."""
    # Cheap test first: after step 1 most comments hold no whitespace but single spaces.
    if "  " in s or not s.isprintable():
        edits: list[Edit] = [
            (m.start(), m.end(), " ", [starts[m.start()]], [ends[m.end() - 1]]) for m in _WS_FIX.finditer(s)
        ]
        s, starts, ends = _splice(s, starts, ends, edits)
    if s.startswith(" "):
        s, starts, ends = s[1:], starts[1:], ends[1:]
    if s.endswith(" "):
        s, starts, ends = s[:-1], starts[:-1], ends[:-1]
    return s, starts, ends


# --- protected spans: links, e-mail addresses, bare domains -----------------------------------------------

_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|ca|au|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|"
    "ru|ua|cn|jp|kr|in|br|mx|ar|za|nz|eu|me|tv|ly|gl|gd|be|to|cc|ws|xyz|top|site|online|club|shop|store|"
    "app|dev|ai|news|blog|live|link|click|win|bid|loan|vip|work|tk|ml|ga|cf|gq|pw|su|fun|icu|buzz|cam|"
    "rest|bar|casino|bet|porn|xxx|sex|cloud|tech|pro|page|ink|fyi|wtf|lol|one|life|world|today|email"
)
_PROTECTED = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?<![\w.@-])(?:[\w-]+\.)+(?:{_TLDS})(?![\w-])(?:[/?#]\S*)?"
)
# A dot followed by a word character (not a sentence's full stop) or an "@".
_LINK_HINT = re.compile(r"\.\w|@")


def _protected_spans(s: str) -> list[tuple[int, int]]:
    """Where links, e-mail addresses and bare domains sit; found token by token around each "." and "@"."""
    spans: list[tuple[int, int]] = []
    token_end = -1
    for hint in _LINK_HINT.finditer(s):
        at = hint.start()
        if at < token_end:
            continue
        # Scanning only the whitespace-delimited token around the hint keeps this off the hot path.
        token_start = s.rfind(" ", 0, at) + 1
        token_end = s.find(" ", at)
        if token_end < 0:
            token_end = len(s)
        spans.extend(m.span() for m in _PROTECTED.finditer(s, token_start, token_end))
    return spans


# --- confusables ---------------------------------------------------------------------------------------

# Cyrillic and Greek letters that look like Latin ones once case-folded (upper-case shapes included,
# because casefold turns "В" into "в" which an obfuscator meant as "B").
_CONFUSABLES: dict[str, str] = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ѕ": "s",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ӏ": "l",
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "γ": "y",
    "ω": "w",
    "μ": "u",
}
_CONF_CHAR = re.compile(rf"[{''.join(_CONFUSABLES)}]")
_LATIN_LETTER = re.compile(r"[a-z]")
_CYR_GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")


def _unconfuse(s: str) -> str:
    """Step 5: Latin letters for Cyrillic/Greek look-alikes, only where the word is meant to be Latin."""
    if s.isascii():
        return s
    hints = list(_CONF_CHAR.finditer(s))
    if not hints:
        return s
    latin_majority = len(_LATIN_LETTER.findall(s)) > len(_CYR_GREEK_LETTER.findall(s))
    chars = list(s)
    word_end = -1
    n = len(s)
    for hint in hints:
        start = hint.start()
        if start < word_end:
            continue
        while start > 0 and s[start - 1].isalnum():
            start -= 1
        word_end = hint.end()
        while word_end < n and s[word_end].isalnum():
            word_end += 1
        word = s[start:word_end]
        mixed = _LATIN_LETTER.search(word) is not None
        all_lookalike = all(c in _CONFUSABLES or not c.isalpha() for c in word)
        if mixed or (latin_majority and all_lookalike):
            for i in range(start, word_end):
                chars[i] = _CONFUSABLES.get(chars[i], chars[i])
    return "".join(chars)


# --- letters split by separators ---------------------------------------------------------------------------

# A single letter (or leet symbol), then the same separator before each further single letter.
_SPACED = re.compile(
    r"(?<![^\W_])([^\W_]|[@$])([ .\-_*/|+~·•]{1,3})(?:[^\W_]|[@$])(?:\2(?:[^\W_]|[@$]))+(?![^\W_])"
)
_SPACED_HINT_SPACE = re.compile(r" [\w@$] [\w@$] ")
_SPACED_HINT_SYMBOL = re.compile(r"[.\-_*/|+~·•] ?[\w@$] ?[.\-_*/|+~·•]")
# Chat abbreviations whose letters must stay apart so "u r a idiot" still reads as "u r a".
_SPACED_KEEP = frozenset({"ura", "rua", "icu", "ur", "abc", "xyz"})


def _join_spaced(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 6: join runs of three or more single letters split by one consistent separator."""
    # Two cheap necessary conditions before the full pattern: " x y " or a letter between separators.
    padded = f" {s} "
    if not (_SPACED_HINT_SPACE.search(padded) or _SPACED_HINT_SYMBOL.search(s)):
        return s, starts, ends
    edits: list[Edit] = []
    for m in _SPACED.finditer(s):
        sep_len = len(m.group(2))
        a, b = m.start(), m.end()
        idx = list(range(a, b, sep_len + 1))
        joined = "".join(s[i] for i in idx)
        if sum(c.isalpha() for c in joined) < 2 or joined in _SPACED_KEEP:
            continue
        words = split_joined(joined)
        if words is None:
            edits.append((a, b, joined, [starts[i] for i in idx], [ends[i] for i in idx]))
            continue
        # Several words: a space between them, mapped to the separator it stands for.
        text, new_starts, new_ends = [], [], []
        letter = 0
        for number, word in enumerate(words):
            if number:
                gap = idx[letter - 1] + 1
                text.append(" ")
                new_starts.append(starts[gap])
                new_ends.append(ends[gap + sep_len - 1])
            text.append(word)
            new_starts.extend(starts[i] for i in idx[letter : letter + len(word)])
            new_ends.extend(ends[i] for i in idx[letter : letter + len(word)])
            letter += len(word)
        edits.append((a, b, "".join(text), new_starts, new_ends))
    return _splice(s, starts, ends, edits)


# --- leetspeak and masks ----------------------------------------------------------------------------------

_LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t"}
_LEET_CHAR = re.compile(r"[0134567@$!|€#%]")
_TOKEN_SYMBOLS = frozenset("@$!|€*#%_")
_UNITS = (
    "st|nd|rd|th|s|am|pm|k|m|bn|b|h|hr|hrs|x|d|mm|cm|km|kg|g|gb|mb|tb|mph|kph|yo|y|yr|yrs|min|mins|"
    "sec|secs|ms|ml|l|lb|lbs|ft|in|px|p|c|f|v|w|kw|kwh|hz|ghz|mhz|fps|t|mg|oz|gw|mw|e|a|ish|s"
)
# Numbers, prices and number-with-unit tokens; also letters-then-digits names such as "mp3", "covid19".
_NOT_LEET = re.compile(rf"[$€£]?\d[\d.,]*(?:{_UNITS})?|\d+x\d+|[^\W\d_]+\d+")


def _deleet_token(tok: str) -> str:
    """Leet and mask symbols inside one token replaced by letters or `*`; unchanged when not a word."""
    if not any(c.isalpha() for c in tok) or _NOT_LEET.fullmatch(tok):
        return tok
    chars = list(tok)
    n = len(chars)
    for i, c in enumerate(tok):
        if c.isalpha():
            continue
        # "Inside" a word: a letter or digit somewhere on both sides, so "wow!!!" keeps its "!".
        inner = any(ch.isalnum() for ch in tok[:i]) and any(ch.isalnum() for ch in tok[i + 1 :])
        if c in _LEET_DIGITS:
            chars[i] = _LEET_DIGITS[c]
        elif c == "$" or c == "€":
            chars[i] = "s" if c == "$" else "e"
        elif c == "@":
            # A leading "@" is a mention ("@sam") unless the word is as short as "@ss".
            if i > 0 or n <= 3:
                chars[i] = "a"
        elif c in "!|":
            if inner:
                chars[i] = "i"
        elif c in "#%" and inner:
            chars[i] = "*"
    return "".join(chars)


def _deleet(s: str) -> str:
    """Steps 7 and 8: same-length rewrite of leet and mask symbols inside word tokens."""
    if not any(c in s for c in "0134567@$!|€#%"):
        return s
    out: list[str] = []
    pos = 0
    token_end = -1
    n = len(s)
    for hint in _LEET_CHAR.finditer(s):
        start = hint.start()
        if start < token_end:
            continue
        # Only a leet character touching a letter can be inside a word: "2026" and "$95" stop here.
        if not ((start > 0 and s[start - 1].isalpha()) or (start + 1 < n and s[start + 1].isalpha())):
            continue
        # Grow the token around the leet character; tokens are short, so a plain loop is cheapest.
        while start > 0 and (s[start - 1].isalnum() or s[start - 1] in _TOKEN_SYMBOLS):
            start -= 1
        token_end = hint.end()
        while token_end < n and (s[token_end].isalnum() or s[token_end] in _TOKEN_SYMBOLS):
            token_end += 1
        tok = s[start:token_end]
        fixed = _deleet_token(tok)
        if fixed != tok:
            out.append(s[pos:start])
            out.append(fixed)
            pos = token_end
    if not out:
        return s
    out.append(s[pos:])
    return "".join(out)


# --- stretched letters --------------------------------------------------------------------------------------

_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
_TRIPLE = re.compile(r"(.)\1\1")  # much cheaper than _STRETCH, so it guards it
# Vowels after casefolding and accent composition: "é" stretched is a vowel too.
_VOWELS = frozenset("aeiouyàáâãäåèéêëìíîïòóôõöøùúûüýÿæœ")


def _collapse_stretch(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 9: three or more of the same vowel become one, of a consonant two; the last covers the run."""
    if not _TRIPLE.search(s):
        return s, starts, ends
    edits: list[Edit] = []
    for m in _STRETCH.finditer(s):
        letter, first, last = m.group(1), m.start(), m.end() - 1
        if letter in _VOWELS:
            edits.append((first, m.end(), letter, [starts[first]], [ends[last]]))
        else:
            edits.append(
                (first, m.end(), letter * 2, [starts[first], starts[first + 1]], [ends[first], ends[last]])
            )
    return _splice(s, starts, ends, edits)


# --- the pipeline -------------------------------------------------------------------------------------------


def _normalise_free(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Steps 5 to 9 on a stretch of text that holds no link."""
    s = _unconfuse(s)
    s, starts, ends = _join_spaced(s, starts, ends)
    s = _deleet(s)
    return _collapse_stretch(s, starts, ends)


def normalise(text: str) -> NormalisedText:
    """Return the canonical form of `text` with its offset map."""
    s, starts, ends = _fold_chars(text)
    s, starts, ends = _collapse_whitespace(s, starts, ends)
    protected = _protected_spans(s)
    if not protected:
        s, starts, ends = _normalise_free(s, starts, ends)
    else:
        parts: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        for a, b in protected:
            piece = _normalise_free(s[pos:a], starts[pos:a], ends[pos:a])
            parts.append(piece[0])
            new_starts.extend(piece[1])
            new_ends.extend(piece[2])
            parts.append(s[a:b])
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
            pos = b
        piece = _normalise_free(s[pos:], starts[pos:], ends[pos:])
        parts.append(piece[0])
        new_starts.extend(piece[1])
        new_ends.extend(piece[2])
        s, starts, ends = "".join(parts), new_starts, new_ends
    starts.append(len(text))
    return NormalisedText(original=text, text=s, offsets=tuple(starts), ends=tuple(ends))
