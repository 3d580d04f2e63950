"""Civility rules on realistic comments: what fires, with which action, and where the spans point."""

from __future__ import annotations

import pytest

from service.rules import RuleSettings
from tests.rules.helpers import action, codes, flagged

CIVILITY = {
    "civility.banned_term",
    "civility.suspect_term",
    "civility.threat",
    "civility.self_harm_incitement",
    "civility.targeted_insult",
    "civility.dehumanising",
    "civility.group_conspiracy",
    "civility.shouting",
    "civility.flooding",
}


# --- what a newspaper's comment section allows --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "This policy is idiotic and the minister should resign.",
        "What a shitty day. The trains were late again.",
        "This is bullshit and everyone knows it.",
        "Fuck me, that's expensive.",
        "Calling refugees vermin is disgusting.",
        "As a gay muslim woman I disagree with this article.",
        "The Jewish community centre opened a new library.",
        "Los biólogos José y María estudian el río.",
        "I will find you a better source than that blog.",
        "You are not an idiot, you are just wrong about the numbers.",
        "I read it in the NYT and on the BBC this morning.",
        "Please don't kill yourself, call a helpline, people care.",
        "The raccoon got into the bins again.",
        "Murderers should be executed, said nobody sensible.",
        "The scunthorpe United match was great.",
        "He took a class in Essex on the assessment of cocktails.",
        "Please pass the pen; I need to sign the document.",
        "I would never hurt you, you know that.",
        "I will cut you off if you keep interrupting.",
        "I will finish you a report by Monday.",
        "I'm ill, you should see a doctor.",
        "You will die of old age before this road is finished.",
        "Thank you, that was a really useful explanation.",
        "The kill switch in the software saved us.",
        "Your argument is stupid, but I respect the effort.",
    ],
)
def test_allowed_comments_raise_no_civility_hit(text: str) -> None:
    assert codes(text) & CIVILITY == set()


def test_reported_self_harm_is_not_rejected() -> None:
    text = "he said 'kill yourself' to her and was banned"
    assert action(text, "civility.self_harm_incitement") in (None, "review")


def test_condemned_threat_is_not_rejected() -> None:
    text = "Writing 'I know where you live' to a journalist is vile."
    assert action(text, "civility.threat") in (None, "review")


# --- listed terms ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("you are a n1gg3r", "n1gg3r"),
        ("go home you f a g g o t", "f a g g o t"),
        ("what a f.a.g.g.o.t.", "f.a.g.g.o.t"),
        ("get out, wetbacks", "wetbacks"),
        ("typical k\u200bike", "k\u200bike"),
        ("stupid sp\u0456c", "sp\u0456c"),
        ("ＫＩＫＥ", "ＫＩＫＥ"),
        ("faaaaaggot", "faaaaaggot"),
        ("Faggots everywhere", "Faggots"),
    ],
)
def test_banned_terms_reject_and_point_at_the_typed_word(text: str, word: str) -> None:
    assert flagged(text, "civility.banned_term") == [word]
    assert action(text, "civility.banned_term") == "reject"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("shut up you c*nt", "c*nt"),
        ("the n****r word", "n****r"),
        ("what a twat", "twat"),
        ("she is a wh0re", "wh0re"),
        ("that's retarded", "retarded"),
        ("a total motherfucker", "motherfucker"),
    ],
)
def test_suspect_and_masked_terms_hold(text: str, word: str) -> None:
    assert flagged(text, "civility.suspect_term") == [word]
    assert action(text, "civility.suspect_term") == "review"
    assert "civility.banned_term" not in codes(text)


def test_word_boundaries_respect_accented_letters() -> None:
    settings = RuleSettings(banned_terms=("pute",), use_default_wordlists=False)
    assert flagged("c'est une pute", "civility.banned_term", settings) == ["pute"]
    assert flagged("députée élue", "civility.banned_term", settings) == []
    assert flagged("putéa", "civility.banned_term", settings) == []


def test_site_terms_extend_the_defaults() -> None:
    settings = RuleSettings(banned_terms=("snake oil",), suspect_terms=("shill",))
    text = "This snake oil seller is a shill and a f4ggot"
    assert flagged(text, "civility.banned_term", settings) == ["snake oil", "f4ggot"]
    assert flagged(text, "civility.suspect_term", settings) == ["shill"]


def test_site_terms_alone_when_defaults_are_off() -> None:
    settings = RuleSettings(use_default_wordlists=False, banned_terms=("durian",))
    assert codes("a faggot ate durian", settings) & CIVILITY == {"civility.banned_term"}
    assert flagged("a faggot ate durian", "civility.banned_term", settings) == ["durian"]


def test_site_terms_with_accents_match_with_and_without() -> None:
    settings = RuleSettings(suspect_terms=("pédé",))
    assert flagged("quel pédé", "civility.suspect_term", settings) == ["pédé"]
    assert flagged("quel pede", "civility.suspect_term", settings) == ["pede"]


def test_site_term_category_annotation() -> None:
    from tests.rules.helpers import run

    settings = RuleSettings(banned_terms=("frobnicator | insult",), use_default_wordlists=False)
    (hit,) = run("you frobnicator", settings)
    assert hit.category == "insult"


# --- threats ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I know where you live.", "I know where you live"),
        ("I will find you. Count on it.", "I will find you"),
        ("I'm going to kill you", "I'm going to kill you"),
        ("im gonna hurt you badly", "im gonna hurt you"),
        ("You deserve to die", "You deserve to die"),
        ("I hope you die in a fire", "I hope you die"),
        ("i'll break your legs", "i'll break your legs"),
        ("I'm going to k1ll you", "I'm going to k1ll you"),
        ("you're a dead man", "you're a dead man"),
        ("Someone should shoot him.", "Someone should shoot him"),
        ("Someone should kill the mayor.", "Someone should kill the mayor"),
        ("somebody needs to shoot that corrupt judge", "somebody needs to shoot that corrupt judge"),
        ("Somebody should shoot this guy.", "Somebody should shoot this guy"),
        ("someone should kill that bitch", "someone should kill that bitch"),
        ("I will hunt you down", "I will hunt you down"),
        ("Do it and I will cut you", "I will cut you"),
        ("why don't you die?", "why don't you die"),
        ("You should die.", "You should die"),
        ("got me a gun ill shoot u", "ill shoot u"),
        ("I hope someone puts a bullet in your head.", "puts a bullet in your head"),
        # Stretched or masked verbs: the normaliser leaves "kiill" and "k*ll" for the rules to read.
        ("I will kiiiiill you", "I will kiiiiill you"),
        ("I will k*ll you", "I will k*ll you"),
        ("im gonna huuuurt you", "im gonna huuuurt you"),
        ("I will kill the mayor", "I will kill the mayor"),
        # Calls to kill a whole group.
        ("kill the jews", "kill the jews"),
        ("we should gas all the muslims", "we should gas all the muslims"),
        ("Honestly, kill the gays.", "kill the gays"),
    ],
)
def test_direct_threats_reject(text: str, phrase: str) -> None:
    assert flagged(text, "civility.threat") == [phrase]
    assert action(text, "civility.threat") == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "Traitors like him should be hanged.",
        "They deserve to die for this.",
        "I hope he gets cancer.",
        "I'm coming for you and your family.",
        "Women like her deserve a beating.",
    ],
)
def test_third_person_wishes_of_harm_hold(text: str) -> None:
    assert action(text, "civility.threat") == "review"


@pytest.mark.parametrize(
    "text",
    [
        "Someone should kill the bill before it reaches the Lords.",
        "Somebody needs to kill the myth that rent controls build houses.",
        "Someone should kill this bill before the recess.",
        "Somebody has to kill that idea for good.",
        "I will kill the bill in committee.",
        "I'll kill that guy's argument in the debate.",
        # Violence described, not called for.
        "They kill the women in that film before the credits.",
        "Killing refugees is a war crime.",
        "The film shows soldiers who kill the jews of the village.",
    ],
)
def test_killing_a_bill_or_an_idea_is_not_a_threat(text: str) -> None:
    assert "civility.threat" not in codes(text)


# --- self-harm incitement ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("just kill yourself", "just kill yourself"),
        ("kys loser", "kys"),
        ("k y s", "k y s"),
        ("go die", "go die"),
        ("Go hang yourself.", "Go hang yourself"),
        ("do the world a favour and die", "do the world a favour and die"),
        ("kill urself", "kill urself"),
        ("k!ll y0urs3lf", "k!ll y0urs3lf"),
        ("drink bleach", "drink bleach"),
    ],
)
def test_self_harm_incitement_rejects(text: str, phrase: str) -> None:
    assert flagged(text, "civility.self_harm_incitement") == [phrase]
    assert action(text, "civility.self_harm_incitement") == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "Please don't kill yourself over a football match.",
        "Never tell anyone to kill yourself, it's cruel.",
    ],
)
def test_negated_self_harm_passes(text: str) -> None:
    assert "civility.self_harm_incitement" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "He said 'kill yourself' to her and was banned.",
        'Someone replied "kys" under my post.',
        "Telling people to kys is disgusting.",
    ],
)
def test_reported_self_harm_holds_at_most(text: str) -> None:
    assert action(text, "civility.self_harm_incitement") in (None, "review")


# --- targeted insults ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("you are an idiot", "idiot"),
        ("You're such a moron.", "moron"),
        ("u r an 1d10t", "1d10t"),
        ("ur a loser lol", "loser"),
        ("you are a complete and utter fool", "fool"),
        ("Shut up, you clown", "clown"),
        ("what an idiot you are", "idiot"),
        ("you stupid idiot", "idiot"),
        ("you people are pathetic", "pathetic"),
        ("Are you stupid?", "stupid"),
        ("you're a waste of space", "waste of space"),
        ("you are a m.o.r.o.n", "m.o.r.o.n"),
        ("You're a f*cking moron", "moron"),
        ("you are an id*ot", "id*ot"),
        ("you are a st*pid m*ron", "st*pid"),
        ("you are an idiooooot", "idiooooot"),
        ("you are a foooool", "foooool"),
    ],
)
def test_targeted_insults_hold(text: str, word: str) -> None:
    assert flagged(text, "civility.targeted_insult") == [word]
    assert action(text, "civility.targeted_insult") == "review"


def test_site_insult_terms() -> None:
    settings = RuleSettings(insult_terms=("gammon",))
    assert flagged("you absolute gammon", "civility.targeted_insult", settings) == ["gammon"]


# --- dehumanising ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("jews are assholes", "jews are assholes"),
        ("Muslims are terrorists, all of them", "Muslims are terrorists"),
        ("black people are inferior", "black people are inferior"),
        (
            "Migrants should be deported? No: migrants should be exterminated",
            "migrants should be exterminated",
        ),
    ],
)
def test_generalised_attacks_on_groups_hold(text: str, part: str) -> None:
    assert flagged(text, "civility.dehumanising") == [part]


@pytest.mark.parametrize(
    "text",
    ["Immigrants are an asset to this town.", "Women are not stupid, minister.", "Refugees are people."],
)
def test_statements_about_groups_that_are_not_attacks(text: str) -> None:
    assert "civility.dehumanising" not in codes(text)


def test_dehumanising_language_about_groups_holds() -> None:
    assert flagged("Refugees are vermin.", "civility.dehumanising") == ["Refugees are vermin"]
    assert action("Migrants are nothing but parasites", "civility.dehumanising") == "review"
    assert "civility.dehumanising" not in codes("Calling refugees vermin is disgusting.")


# --- figures of speech ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Stop killing the economy with these taxes.", "killing the economy"),
        ("This bill is strangling small businesses.", "strangling small businesses"),
        ("They are murdering the high street with parking fees.", "murdering the high street"),
    ],
)
def test_a_violent_verb_about_a_thing_is_a_note(text: str, part: str) -> None:
    assert flagged(text, "civility.figure_of_speech") == [part]
    assert action(text, "civility.figure_of_speech") == "approve"


@pytest.mark.parametrize(
    "text",
    ["Stop killing people.", "Immigrants are killing our country.", "I will kill you, then the economy."],
)
def test_violence_against_people_is_not_a_figure_of_speech(text: str) -> None:
    assert "civility.figure_of_speech" not in codes(text)


# --- conspiracy tropes about groups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Jews control the banks", "Jews control the banks"),
        ("The Jews control the media and Hollywood.", "Jews control the media"),
        ("Zionists run the government", "Zionists run the government"),
        ("Muslims are trying to replace us.", "Muslims are trying to replace us"),
        ("jews are behind 9/11", "jews are behind 9/11"),
        ("The Holocaust never happened.", "The Holocaust never happened"),
    ],
)
def test_conspiracy_tropes_about_groups_hold(text: str, part: str) -> None:
    assert flagged(text, "civility.group_conspiracy") == [part]
    assert action(text, "civility.group_conspiracy") == "review"


@pytest.mark.parametrize(
    "text",
    [
        "The myth that Jews control the banks is antisemitic nonsense.",
        "The idea that Jews control the media is an antisemitic lie.",
        "It is not true that Jews control the banks.",
        "Immigrants run most of the corner shops on my street.",
        "Christians run the food bank in our town.",
        "Refugees own the restaurant on the corner.",
    ],
)
def test_debunking_a_trope_or_describing_a_group_is_not_one(text: str) -> None:
    assert "civility.group_conspiracy" not in codes(text)


# --- shouting and flooding ------------------------------------------------------------------------------------------


def test_shouting_is_a_note() -> None:
    text = "Honestly. THIS IS THE WORST GOVERNMENT WE HAVE EVER HAD. Sad."
    assert flagged(text, "civility.shouting") == ["THIS IS THE WORST GOVERNMENT WE HAVE EVER HAD"]
    assert action(text, "civility.shouting") == "approve"


@pytest.mark.parametrize(
    "text",
    [
        "The NHS and the BBC and NATO agree with the EU and the UN on this.",
        "SHORT CAPS HERE",
        "I like it. OK?",
    ],
)
def test_acronyms_and_short_caps_are_not_shouting(text: str) -> None:
    assert "civility.shouting" not in codes(text)


def test_shouting_thresholds_come_from_settings() -> None:
    settings = RuleSettings(shouting_min_letters=10, shouting_min_words=3)
    assert "civility.shouting" in codes("SHORT CAPS HERE", settings)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("noooooooooooooo way!!!!!!!!!!!!", "!!!!!!!!!!!!"),
        ("spam spam spam spam spam spam", "spam spam spam spam spam spam"),
        ("buy now buy now buy now buy now buy now", "buy now buy now buy now buy now buy now"),
    ],
)
def test_flooding(text: str, part: str) -> None:
    assert part in flagged(text, "civility.flooding")


def test_ordinary_repetition_is_not_flooding() -> None:
    assert "civility.flooding" not in codes("no, no, no. That is not what he said... Really!!")


def test_character_runs_alone_are_only_noted() -> None:
    assert action("2 billion views!!!!!!!!!!!!!!!", "civility.flooding") == "approve"
    assert action("buy now buy now buy now buy now buy now!!!!!!!!!!!!", "civility.flooding") == "review"


@pytest.mark.parametrize(
    "text",
    [
        "This song makes me want to drink bleach",
        "I hope you get better soon.",
        "I hope you die happy and old, surrounded by grandchildren.",
        "I hope you choke on it, that was my sandwich.",
    ],
)
def test_idioms_and_self_directed_hyperbole_are_not_rejected(text: str) -> None:
    assert action(text, "civility.self_harm_incitement") is None
    assert action(text, "civility.threat") in (None, "review")


def test_reported_slur_is_held_not_rejected() -> None:
    text = "He said he was called a faggot at school and nobody helped."
    assert flagged(text, "civility.banned_term") == ["faggot"]
    assert action(text, "civility.banned_term") == "review"
    assert action("you look like a faggot", "civility.banned_term") == "reject"


def test_discussing_pornography_is_not_flagged() -> None:
    assert codes("The article on pornographic film law is well sourced.") & CIVILITY == set()


def test_negation_in_an_earlier_clause_does_not_excuse_a_threat() -> None:
    assert action("I'm not joking, I will kill you", "civility.threat") == "reject"
    assert action("I would not ever hurt you", "civility.threat") is None


@pytest.mark.parametrize(
    "text",
    [
        "I will not hurt you.",
        "I'm not going to kill you, relax.",
        "I'm going to kill you at chess tonight.",
        "You'll kill yourself running that marathon in this heat.",
        "Cutting the budget again, they'd shoot yourself in the foot.",
        "Be careful or you might hurt yourself.",
    ],
)
def test_negated_idiomatic_and_predictive_wording_passes(text: str) -> None:
    assert codes(text) & {"civility.threat", "civility.self_harm_incitement"} == set()


def test_go_shoot_yourself() -> None:
    assert action("go shoot yourself", "civility.self_harm_incitement") == "reject"


def test_your_is_an_insult_only_when_it_means_you_are() -> None:
    assert flagged("your a moron", "civility.targeted_insult") == ["moron"]
    assert "civility.targeted_insult" not in codes("Your stupid argument ignores the budget.")
    assert "civility.targeted_insult" not in codes("your idiot friend posted it again")


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Calling refugees vermin is disgusting.", "Calling refugees vermin is disgusting"),
        (
            'Good piece. He said "kill yourself" to her and was banned.',
            'He said "kill yourself" to her and was banned',
        ),
        (
            "Saying that gays are sick is hate speech, full stop",
            "Saying that gays are sick is hate speech, full stop",
        ),
    ],
)
def test_counter_speech_is_noted_with_its_sentence(text: str, sentence: str) -> None:
    assert action(text, "civility.counter_speech") == "approve"
    assert flagged(text, "civility.counter_speech") == [sentence]


@pytest.mark.parametrize(
    "text",
    ["You are vermin, which is disgusting.", "This decision is disgusting.", "The referee was awful today."],
)
def test_plain_condemnation_or_abuse_is_not_counter_speech(text: str) -> None:
    assert "civility.counter_speech" not in codes(text)
