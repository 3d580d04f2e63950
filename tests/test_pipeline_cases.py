"""What a news site's comment section should see from the full pipeline with the shipped models."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.ml.scorer import Scorer, load_scorer
from service.moderation.pipeline import moderate
from service.moderation.policy import Policy
from service.moderation.types import Comment, Verdict

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return load_scorer(MODELS)


def verdict(scorer: Scorer, text: str) -> Verdict:
    return moderate(Comment(id="case", text=text), Policy(), scorer)


@pytest.mark.parametrize(
    "text",
    [
        "I think the council is wrong about the bus lanes, they will only make traffic worse.",
        "Great reporting, thank you. The figures in the third paragraph seem off though.",
        "According to https://www.bbc.co.uk/news/uk-politics the numbers are much lower than this.",
        "As a gay muslim woman I disagree with this article.",
        # The previous model held the first (obscene 0.13 against a review threshold of 0.12) and left the
        # second just under its severe_toxicity threshold (0.0220 against 0.0223).
        "I am a gay woman and I live in Leeds.",
        "I am a gay man.",
        "My son is gay and I am proud of him.",
        "My Muslim neighbours brought us food when we moved in.",
        "Jewish leaders condemned the attack on the synagogue.",
        "The police shot the suspect after a long chase.",
        "These taxes are killing the high street.",
        "The new toll is murdering the town centre.",
        "The council is strangling the market with red tape.",
        "Refugees are welcome in our town.",
        "The council is housing refugees in the old hotel.",
        "Immigration policy needs a serious debate in parliament.",
        "Women deserve equal pay.",
    ],
)
def test_ordinary_comments_are_approved(scorer: Scorer, text: str) -> None:
    result = verdict(scorer, text)
    assert result.decision == "approve", [r.code for r in result.reasons]


def test_a_violent_figure_of_speech_in_political_argument_is_approved(scorer: Scorer) -> None:
    # The toxicity head reads "killing" as violence (about 0.23, above its 0.20 review bar); the rule's note
    # says the verb is about a thing, so that weak score alone does not hold the comment.
    text = "Stop killing the economy with these taxes."
    result = verdict(scorer, text)
    assert result.decision == "approve", [r.code for r in result.reasons]
    note = next(r for r in result.reasons if r.code == "civility.figure_of_speech")
    assert [text[s.start : s.end] for s in note.spans] == ["killing the economy"]
    # A site that switches the note off gets the model's hold back.
    strict = Policy(rule_actions={"civility.figure_of_speech": "off"})
    assert moderate(Comment(id="case", text=text), strict, scorer).decision == "review"


def test_a_figure_of_speech_does_not_excuse_an_insult(scorer: Scorer) -> None:
    assert verdict(scorer, "Stop killing the economy, you morons.").decision in ("review", "reject")


def test_a_call_to_kill_a_group_or_an_official_is_rejected(scorer: Scorer) -> None:
    assert verdict(scorer, "kill the jews").decision == "reject"
    assert verdict(scorer, "I will kill the mayor").decision == "reject"
    assert verdict(scorer, "Someone should kill the mayor.").decision == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "This policy is idiotic and the minister should resign.",
        "What a shitty day for the team, the referee was awful.",
        "Trump is a liar and everyone knows it.",
    ],
)
def test_heated_disagreement_is_never_rejected(scorer: Scorer, text: str) -> None:
    assert verdict(scorer, text).decision != "reject"


@pytest.mark.parametrize(
    "text",
    [
        "I will find you and kill you.",
        "kys you worthless piece of garbage",
        "I earn $95 an hour working from home! Contact me on WhatsApp +1 555 123 4567",
        "Lost your bitcoin to scammers? Recovery expert Mr. James can get it back, email recoverypro@gmail.com",
    ],
)
def test_threats_and_scams_are_rejected(scorer: Scorer, text: str) -> None:
    assert verdict(scorer, text).decision == "reject"


def test_a_targeted_insult_is_at_least_held_with_the_insult_highlighted(scorer: Scorer) -> None:
    text = "You are a complete 1d10t and should shut up."
    result = verdict(scorer, text)
    assert result.decision in ("review", "reject")
    spans = [text[s.start : s.end] for r in result.reasons for s in r.spans]
    assert any("1d10t" in span for span in spans), spans


@pytest.mark.parametrize(
    "text", ["Calling refugees vermin is disgusting.", "Calling him a fucking moron is disgusting."]
)
def test_counter_speech_is_held_for_a_person_not_rejected(scorer: Scorer, text: str) -> None:
    result = verdict(scorer, text)
    assert result.decision == "review"
    note = next(r for r in result.reasons if r.code == "civility.counter_speech")
    assert text[note.spans[0].start : note.spans[0].end] == text.rstrip(".")


def test_counter_speech_note_turns_a_model_reject_into_a_hold(scorer: Scorer) -> None:
    text = "Calling him a fucking moron is disgusting."
    # The model alone rejects it; a site that switches the note off gets exactly that.
    strict = Policy(rule_actions={"civility.counter_speech": "off"})
    assert moderate(Comment(id="case", text=text), strict, scorer).decision == "reject"
    assert verdict(scorer, text).decision == "review"


def test_an_insult_followed_by_a_condemnation_is_not_counter_speech(scorer: Scorer) -> None:
    result = verdict(scorer, "You are vermin, which is disgusting.")
    assert "civility.counter_speech" not in [r.code for r in result.reasons]


@pytest.mark.parametrize(
    "text", ["Refugees are vermin.", "Immigrants are ruining this country", "Women are too stupid to vote"]
)
def test_contempt_for_a_group_is_never_approved(scorer: Scorer, text: str) -> None:
    assert verdict(scorer, text).decision in ("review", "reject")


def test_a_conspiracy_trope_about_a_group_is_held_by_the_rule(scorer: Scorer) -> None:
    # The identity_attack head scores this about 0.1 (no abusive word), far below its review bar; the rule holds it.
    text = "Jews control the banks"
    result = verdict(scorer, text)
    assert result.decision == "review"
    trope = next(r for r in result.reasons if r.code == "civility.group_conspiracy")
    assert [text[s.start : s.end] for s in trope.spans] == [text]
