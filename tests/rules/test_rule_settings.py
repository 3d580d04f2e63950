"""RuleSettings round-trips through JSON and rejects unknown keys and bad values by name."""

from __future__ import annotations

import dataclasses
import json

import pytest

from service.rules import RuleSettings


def test_defaults_round_trip_through_json() -> None:
    settings = RuleSettings()
    assert RuleSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


def test_custom_settings_round_trip() -> None:
    settings = RuleSettings.from_dict(
        {
            "banned_terms": ["snake oil"],
            "allowed_domains": ["https://WWW.News.Example/path", "bbc.co.uk"],
            "blocked_domains": ["spam.example"],
            "max_links": 4,
            "max_link_ratio": 1,
            "velocity_limit": 10,
            "new_account_link": False,
            "extra_suspicious_tlds": [".Biz"],
        }
    )
    assert settings.allowed_domains == ("news.example", "bbc.co.uk")
    assert settings.extra_suspicious_tlds == ("biz",)
    assert settings.max_link_ratio == 1.0
    assert RuleSettings.from_dict(settings.to_dict()) == settings


def test_every_field_is_in_to_dict() -> None:
    assert set(RuleSettings().to_dict()) == {f.name for f in dataclasses.fields(RuleSettings)}


def test_empty_dict_gives_defaults() -> None:
    assert RuleSettings.from_dict({}) == RuleSettings()


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"banned_words": ["x"]}, "banned_words"),
        ({"max_links": -1}, "max_links"),
        ({"max_links": "3"}, "max_links"),
        ({"max_links": True}, "max_links"),
        ({"max_link_ratio": 1.5}, "max_link_ratio"),
        ({"new_account_link": "yes"}, "new_account_link"),
        ({"banned_terms": "word"}, "banned_terms"),
        ({"banned_terms": ["ok", 3]}, "banned_terms"),
        ({"banned_terms": ["  "]}, "banned_terms"),
        ({"blocked_domains": ["not a domain"]}, "blocked_domains"),
        ({"extra": []}, "extra"),
    ],
)
def test_bad_documents_name_the_key(document: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        RuleSettings.from_dict(document)


def test_not_an_object() -> None:
    with pytest.raises(ValueError):
        RuleSettings.from_dict(["max_links"])  # type: ignore[arg-type]
