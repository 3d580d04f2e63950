"""Property-based fuzzing of the normaliser and the whole pipeline: random Unicode, control characters, huge inputs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.moderation.pipeline import moderate
from service.moderation.policy import Policy
from service.moderation.types import CATEGORIES, Comment
from service.text import normalise
from tests.conftest import KeywordScorer

# Any code point a JSON body can carry once decoded (surrogates are refused at the HTTP edge).
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=400)
# Characters the normaliser has special cases for, mixed densely so their interactions get exercised.
TRICKY = st.sampled_from(
    [*"iI1!|l0oO@4a3e$5s7t", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u0301", "\u0336", "\u202e", "\u2028",
     "Ⅰ", "ｉ", "ıi̇", "ß", "ﬁ", "𝐢𝐝𝐢𝐨𝐭", "👩‍💻", "🇺🇦", " ", "\t", "\n", ".", "-", "_", "*", "http://", "www.", "@", "ǅ"]
)  # fmt: skip
TRICKY_TEXT = st.lists(TRICKY, max_size=120).map("".join)
CONTROL_TEXT = st.text(
    alphabet=st.characters(max_codepoint=0x9F, categories=["Cc", "Zs", "Ll", "Nd"]), max_size=300
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


def assert_offsets_cover(text: str) -> None:
    """Every canonical range maps back to a range inside the original text."""
    norm = normalise(text)
    assert norm.original == text
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[len(norm.text)] == len(text)
    assert all(0 <= offset <= len(text) for offset in norm.offsets)
    assert list(norm.offsets) == sorted(norm.offsets)
    step = max(1, len(norm.text) // 25)
    for start in range(0, len(norm.text), step):
        for end in (start + 1, min(len(norm.text), start + 7), len(norm.text)):
            if end <= start:
                continue
            span = norm.to_original(start, end)
            assert 0 <= span.start < span.end <= len(text), (start, end, span)


@FUZZ
@given(text=ANY_TEXT)
def test_normaliser_maps_any_unicode_back_into_the_text(text: str) -> None:
    assert_offsets_cover(text)


@FUZZ
@given(text=TRICKY_TEXT)
def test_normaliser_handles_dense_tricky_characters(text: str) -> None:
    assert_offsets_cover(text)


@FUZZ
@given(text=CONTROL_TEXT)
def test_normaliser_handles_control_characters(text: str) -> None:
    assert_offsets_cover(text)


@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(unit=st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12))
def test_huge_repetitive_input_is_handled(unit: str) -> None:
    """20 000 characters of one repeated unit: the worst case for runs, stretches and regexes."""
    text = (unit * (20_000 // len(unit) + 1))[:20_000]
    assert_offsets_cover(text)
    verdict = moderate(Comment(id="huge", text=text), Policy(), KeywordScorer())
    assert verdict.decision in ("approve", "review", "reject")


@FUZZ
@given(text=st.one_of(ANY_TEXT, TRICKY_TEXT, CONTROL_TEXT).filter(str.strip))
def test_pipeline_verdict_is_well_formed_for_any_text(text: str) -> None:
    for scorer in (KeywordScorer(), None):
        verdict = moderate(Comment(id="x", text=text + " idiot buy"), Policy(), scorer)
        full = text + " idiot buy"
        assert verdict.decision in ("approve", "review", "reject")
        assert set(verdict.scores) == set(CATEGORIES)
        assert all(0.0 <= value <= 1.0 for value in verdict.scores.values())
        for reason in verdict.reasons:
            for span in reason.spans:
                assert 0 <= span.start < span.end <= len(full), (reason.code, span, len(full))
        if scorer is None:
            assert verdict.decision != "approve"
