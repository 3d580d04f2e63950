"""RuleSettings: every per-site knob of the rule layer, with JSON round-tripping and validation."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RuleSettings:
    """Per-site knobs of the rule layer; every field has a sensible default."""

    # Word lists: the site's own terms extend the shipped defaults unless use_default_wordlists is off.
    banned_terms: tuple[str, ...] = ()
    suspect_terms: tuple[str, ...] = ()
    insult_terms: tuple[str, ...] = ()
    use_default_wordlists: bool = True
    # Domains: allowed ones never trigger a link rule; blocked ones reject.
    allowed_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    extra_shorteners: tuple[str, ...] = ()
    extra_suspicious_tlds: tuple[str, ...] = ()
    # Links: more than max_links links, or links making up more than max_link_ratio of the words.
    max_links: int = 2
    max_link_ratio: float = 0.5
    # Shouting: a run of at least shouting_min_words all-caps words with shouting_min_letters letters,
    # or a whole comment of that size whose letters are more than shouting_caps_ratio capitals.
    shouting_min_letters: int = 20
    shouting_min_words: int = 4
    shouting_caps_ratio: float = 0.7
    # Flooding: one character repeated flood_char_run times, or one word/phrase flood_word_repeats times.
    flood_char_run: int = 10
    flood_word_repeats: int = 5
    # Repeated text: one sentence of at least repeated_min_chars characters appearing this many times.
    repeated_min_count: int = 3
    repeated_min_chars: int = 20
    # Near duplicates: SimHash within duplicate_max_distance bits, from at least duplicate_min_accounts
    # distinct accounts (this one included) or duplicate_min_threads threads, within the window.
    near_duplicate: bool = True
    duplicate_window_seconds: int = 3600
    # One typo in a 80-character comment moves about 5 of 64 bits; unrelated texts sit 20-35 bits apart.
    duplicate_max_distance: int = 7
    duplicate_min_accounts: int = 3
    duplicate_min_threads: int = 3
    duplicate_min_chars: int = 40
    duplicate_scan_limit: int = 1000
    # Velocity: more than velocity_limit comments from one author id or IP within the window.
    velocity: bool = True
    velocity_window_seconds: int = 60
    velocity_limit: int = 5
    # A new account's first comment carrying a link.
    new_account_link: bool = True
    # Free-form notes a site keeps with its rules; the rules themselves do not read them.
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSettings:
        """Build settings from a JSON object; raise ValueError naming any unknown key or bad value."""
        if not isinstance(data, Mapping):
            raise ValueError("rules: must be an object")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"rules: unknown key(s) {', '.join(map(repr, unknown))}")
        values: dict[str, Any] = {}
        defaults = cls()
        for name, value in data.items():
            values[name] = _check(name, value, getattr(defaults, name))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that from_dict turns back into equal settings."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = (
                list(value)
                if isinstance(value, tuple)
                else (dict(value) if isinstance(value, dict) else value)
            )
        return out


_DOMAIN_FIELDS = frozenset({"allowed_domains", "blocked_domains", "extra_shorteners"})


def _check(name: str, value: Any, default: Any) -> Any:
    """Validate one setting against the type of its default and return it in canonical form."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"rules.{name}: must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"rules.{name}: must be a whole number >= 0")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"rules.{name}: must be a number between 0 and 1")
        return float(value)
    if isinstance(default, tuple):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ValueError(f"rules.{name}: must be a list of strings")
        items: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise ValueError(f"rules.{name}: every entry must be a non-empty string")
            try:
                items.append(_canonical_domain(item) if name in _DOMAIN_FIELDS else item.strip())
            except ValueError as error:
                raise ValueError(f"rules.{name}: {error}") from None
        if name == "extra_suspicious_tlds":
            items = [item.lower().lstrip(".") for item in items]
        return tuple(dict.fromkeys(items))
    if isinstance(default, dict):
        if not isinstance(value, Mapping):
            raise ValueError(f"rules.{name}: must be an object")
        return dict(value)
    raise ValueError(f"rules.{name}: unsupported value")  # pragma: no cover - every field is covered above


def _canonical_domain(value: str) -> str:
    """'https://WWW.Example.com/path' -> 'example.com', the form the link rules compare against."""
    host = value.strip().lower()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].split("?", 1)[0].split("@")[-1].split(":", 1)[0].strip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or " " in host:
        raise ValueError(f"not a domain: {value!r}")
    return host
