"""End-to-end checks on the artifact shipped in models/ (it is part of the repository, so these never skip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.ml.scorer import CARD_NAME, Scorer, load_scorer
from service.text import normalise

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def shipped() -> Scorer:
    """The shipped scorer."""
    assert (MODELS / CARD_NAME).exists(), "models/ must ship a trained model"
    return load_scorer(MODELS)


def _score(scorer: Scorer, text: str) -> dict[str, float]:
    return scorer.score([normalise(text)])[0]


def test_obvious_insult_scores_high(shipped: Scorer) -> None:
    scores = _score(shipped, "You are a complete idiot and a pathetic moron.")
    assert scores["insult"] > 0.8
    assert scores["toxicity"] > 0.8


def test_polite_comment_scores_low(shipped: Scorer) -> None:
    scores = _score(
        shipped, "Thank you for this thoughtful article, I learned a lot about the council budget."
    )
    assert max(scores.values()) < 0.2


def test_whatsapp_money_spam_scores_high(shipped: Scorer) -> None:
    text = (
        "I earn $7,500 a month working from home thanks to Mrs. Sandra Collins, the best crypto trader. "
        "Message her on WhatsApp +1 (305) 555-0172 to start today!"
    )
    assert _score(shipped, text)["spam"] > 0.8


def test_news_comment_citing_bbc_link_is_not_spam(shipped: Scorer) -> None:
    text = (
        "The figures in this piece don't match the BBC's report from Tuesday "
        "(https://www.bbc.co.uk/news/business) - which one is right?"
    )
    assert _score(shipped, text)["spam"] < 0.3


def test_explain_highlights_the_insult(shipped: Scorer) -> None:
    original = "I read the whole thing and honestly, you are an IDIOT."
    spans = shipped.explain(normalise(original), "insult", limit=2)
    assert any("IDIOT" in original[s.start : s.end] for s in spans)


@pytest.mark.parametrize(
    ("original", "words"),
    [
        ("Because he's a moron and a bigot. It's not any more complicated than that.", ["moron", "bigot"]),
        ("Only an idiot would believe this.", ["idiot"]),
    ],
)
def test_explanations_highlight_the_abusive_words_not_their_neighbours(
    shipped: Scorer, original: str, words: list[str]
) -> None:
    # Word bigrams ("a moron", "an idiot would") push too; their push belongs to the word that carries it.
    spans = shipped.explain(normalise(original), "toxicity")
    assert [original[s.start : s.end] for s in spans] == words
