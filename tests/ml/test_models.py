"""Loader refusals, score shape, explain spans and training on a tiny model built in tmp_path."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from service.ml import datasets
from service.ml.scorer import ARTIFACT_NAME, CARD_NAME, ModelUnavailable, load_scorer
from service.ml.train import (
    NBScaling,
    TrainConfig,
    fit_scaled,
    load_training_data,
    logistic,
    overlap_key,
    train,
)
from service.moderation.types import CATEGORIES
from service.text import normalise

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = REPO_ROOT.parent / "shared" / "datasets"
REQUIRE_DATASETS = os.environ.get("MODERATION_TEST_REQUIRE_DATASETS") == "1"


def needs_datasets() -> None:
    """Skip without the shared data sets, unless the environment says they are required."""
    if not DATASETS.is_dir():
        if REQUIRE_DATASETS:
            pytest.fail(f"MODERATION_TEST_REQUIRE_DATASETS=1 but {DATASETS} is missing")
        pytest.skip(f"{DATASETS} is missing")


TINY = TrainConfig(
    word_budget=3000, char_budget=6000, min_df=1, c_grid=(4.0,), folds=3, n_jobs=1, hash_bits=16
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model fitted on the project's hand-written seeds only (no shared data needed)."""
    out = tmp_path_factory.mktemp("model")
    empty_data = tmp_path_factory.mktemp("no-datasets")
    config = TrainConfig(**{**TINY.__dict__, "sources": ["seeds_labelled"]})
    train(empty_data, out, seed=0, config=config)
    return out


@pytest.fixture
def model_copy(tiny_model: Path, tmp_path: Path) -> Path:
    """A private copy a test may damage."""
    target = tmp_path / "model"
    shutil.copytree(tiny_model, target)
    return target


def test_tiny_model_scores_seven_probabilities(tiny_model: Path) -> None:
    scorer = load_scorer(tiny_model)
    scores = scorer.score(
        [normalise("You are an idiot."), normalise("Thanks for the article."), normalise("")]
    )
    assert len(scores) == 3
    for row in scores:
        assert set(row) == set(CATEGORIES)
        assert all(0.0 <= value <= 1.0 for value in row.values())
    assert scorer.score([]) == []
    review, reject = scorer.operating_points()["spam"]
    assert 0.0 <= review <= reject <= 1.0


def test_card_records_versions_and_sources(tiny_model: Path) -> None:
    card = json.loads((tiny_model / CARD_NAME).read_text())
    assert card["normaliser_version"] == normalise.__globals__["NORMALISER_VERSION"]
    assert {"scikit_learn", "joblib", "numpy", "python"} <= set(card["libraries"])
    assert card["training_sources"][0]["name"] == "seeds_labelled"
    assert all(len(f["sha256"]) == 64 for f in card["training_sources"][0]["files"])


def test_explain_spans_point_into_the_original_text(tiny_model: Path) -> None:
    scorer = load_scorer(tiny_model)
    original = "Great  article.\u200b   You are a pathetic IDIOT and a m0ron!!"
    norm = normalise(original)
    spans = scorer.explain(norm, "insult", limit=3)
    assert spans, "an insult should be explained by at least one span"
    assert len(spans) <= 3
    for span in spans:
        assert 0 <= span.start < span.end <= len(original)
        assert original[span.start : span.end].strip()
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans)), "spans are merged and sorted"
    assert scorer.explain(normalise(""), "insult") == ()


def test_sha256_mismatch_is_refused(model_copy: Path) -> None:
    artifact = model_copy / ARTIFACT_NAME
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    with pytest.raises(ModelUnavailable, match="sha256"):
        load_scorer(model_copy)


def test_library_version_mismatch_is_refused(model_copy: Path) -> None:
    card = json.loads((model_copy / CARD_NAME).read_text())
    card["libraries"]["scikit_learn"] = "0.0.1"
    (model_copy / CARD_NAME).write_text(json.dumps(card))
    with pytest.raises(ModelUnavailable, match="scikit_learn"):
        load_scorer(model_copy)


def test_normaliser_version_mismatch_is_refused(model_copy: Path) -> None:
    card = json.loads((model_copy / CARD_NAME).read_text())
    card["normaliser_version"] = -1
    (model_copy / CARD_NAME).write_text(json.dumps(card))
    with pytest.raises(ModelUnavailable, match="normaliser"):
        load_scorer(model_copy)


def test_another_normaliser_lexicon_is_refused(model_copy: Path) -> None:
    card = json.loads((model_copy / CARD_NAME).read_text())
    card["normaliser_lexicon_sha256"] = "0" * 64
    (model_copy / CARD_NAME).write_text(json.dumps(card))
    with pytest.raises(ModelUnavailable, match="lexicon"):
        load_scorer(model_copy)


@pytest.mark.parametrize("missing", [ARTIFACT_NAME, CARD_NAME])
def test_missing_file_is_refused(model_copy: Path, missing: str) -> None:
    (model_copy / missing).unlink()
    with pytest.raises(ModelUnavailable):
        load_scorer(model_copy)


def test_unreadable_card_is_refused(model_copy: Path) -> None:
    (model_copy / CARD_NAME).write_text("{not json")
    with pytest.raises(ModelUnavailable, match="unreadable"):
        load_scorer(model_copy)


def test_kaggle_escapes_are_decoded() -> None:
    raw = r'"A\xc2\xa0b\nc don\\' + "'t\""  # as the CSV holds it: literal escapes, doubled before quotes
    assert datasets.decode_kaggle(raw) == "A\xa0b\nc don't"


def test_kaggle_lone_backslashes_stay_as_typed() -> None:
    # A backslash that starts no escape stays as typed (the codec warned, and pytest makes warnings errors).
    assert datasets.decode_kaggle(r'"C:\path and \\p"') == "C:\\path and \\p"


def test_seed_files_are_fully_labelled() -> None:
    seeds = datasets.read_seeds()
    assert len(seeds) >= 150
    assert (seeds.labels != datasets.MISSING).all()
    assert seeds.labels[:, CATEGORIES.index("spam")].sum() >= 60


@pytest.mark.datasets
def test_readers_map_every_training_source() -> None:
    needs_datasets()
    civil = datasets.read_civil_comments(DATASETS)
    test_texts = set(datasets.read_semeval_tsd_test(DATASETS).texts)
    assert not test_texts.intersection(civil.texts), "SemEval test texts must never reach training"
    youtube = datasets.read_youtube_train(DATASETS)
    assert (youtube.labels[:, : CATEGORIES.index("spam")] == datasets.MISSING).all()
    assert "Youtube05-Shakira.csv" not in {p.name for p in youtube.files}


@pytest.mark.datasets
def test_jaythibs_repeats_under_other_ids_are_dropped() -> None:
    needs_datasets()
    texts = datasets.read_jaythibs(DATASETS).texts
    assert len(texts) == len(set(texts)) == 3893


def test_eval_readers_load() -> None:
    needs_datasets()
    jigsaw = datasets.read_jigsaw_test(DATASETS)
    assert len(jigsaw.texts) == 12180 and jigsaw.y.sum() == 6090
    olid = datasets.read_olid_test_a(DATASETS)
    assert len(olid.texts) == 860 and olid.y.sum() == 240


def test_site_labels_map_decisions_onto_categories(tmp_path: Path) -> None:
    export = tmp_path / "labels.jsonl"
    lines = [
        {
            "site": "demo",
            "text": "a fine comment",
            "label": "approve",
            "categories": [],
            "source": "moderator",
        },
        {
            "site": "demo",
            "text": "you absolute clown",
            "label": "reject",
            "categories": ["insult", "toxicity"],
        },
        {"site": "demo", "text": "rejected for no stated reason", "label": "reject", "categories": []},
        {
            "site": "demo",
            "text": "buy followers now",
            "label": "reject",
            "categories": ["spam"],
            "source": "akismet",
        },
    ]
    export.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    labelled = datasets.read_site_labels([export])
    assert labelled.texts == ["a fine comment", "you absolute clown", "buy followers now"]
    rows = {
        text: dict(zip(CATEGORIES, row.tolist(), strict=True))
        for text, row in zip(labelled.texts, labelled.labels, strict=True)
    }
    assert set(rows["a fine comment"].values()) == {0}
    assert rows["you absolute clown"]["insult"] == 1 and rows["you absolute clown"]["toxicity"] == 1
    assert rows["you absolute clown"]["spam"] == datasets.MISSING
    assert rows["buy followers now"]["spam"] == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "label": "maybe", "categories": []}) + "\n")
    with pytest.raises(ValueError, match="approve or reject"):
        datasets.read_site_labels([bad])


def test_training_takes_moderator_labels_as_a_source(tmp_path: Path) -> None:
    export = tmp_path / "labels.jsonl"
    export.write_text(
        "\n".join(
            json.dumps(
                {
                    "text": f"thoughtful comment number {n} about the budget",
                    "label": "approve",
                    "categories": [],
                }
            )
            for n in range(5)
        )
        + "\n"
    )
    config = TrainConfig(**{**TINY.__dict__, "sources": ["seeds_labelled"]})
    (tmp_path / "no-datasets").mkdir()
    card = train(tmp_path / "no-datasets", tmp_path / "model", seed=0, config=config, label_files=[export])
    site = next(source for source in card["training_sources"] if source["name"] == "site_labels")
    assert site["rows_used"] == 5
    assert site["license"] == "the operator's own moderation decisions"
    assert load_scorer(tmp_path / "model").version == card["version"]


def test_eval_overlap_guard_sees_through_markup(tmp_path: Path) -> None:
    """The same Wikipedia comment, written as Jigsaw 2018 and as Wikipedia Talk Labels write it, is one comment."""
    jigsaw = tmp_path / "jigsaw2018_subset"
    jigsaw.mkdir()
    (jigsaw / "toxic_comments.csv").write_text(
        "id,comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate\n"
        '1,"States thingy \n\nHowdy,\n\nIt\'s inaccurate to call England a state...",0,0,0,0,0,0\n'
        "2,Thanks for fixing the infobox.,0,0,0,0,0,0\n"
    )
    wiki = tmp_path / "wiki_toxicity_testsets"
    wiki.mkdir()
    (wiki / "toxicity_nonfuzzed_testset.csv").write_text(
        "rev_id,comment,toxic\n"
        '598296,"  == States thingy ==  Howdy,  It\'s inaccurate to call England a state...  ",False\n'
    )
    config = TrainConfig(**{**TINY.__dict__, "sources": ["jigsaw2018_subset"]})
    data = load_training_data(tmp_path, config)
    assert data.dropped_eval_overlap == {"jigsaw2018_subset": 1}
    assert data.canonical == [normalise("Thanks for fixing the infobox.").text]


def test_overlap_key_keeps_words_and_nothing_else() -> None:
    assert overlap_key("`== On the Creator == :The demiurge") == "on the creator the demiurge"
    assert overlap_key("IDIOT!!!!") == overlap_key("idiot") == "idiot"
    assert overlap_key("🙂 …") == ""


def test_nb_scaling_folds_into_the_coefficients() -> None:
    rng = np.random.default_rng(0)
    x = sp.random(300, 40, density=0.2, format="csr", random_state=1, dtype=np.float64)
    y = (np.asarray(x[:, :5].sum(axis=1)).ravel() > 0.4).astype(np.int64)
    w = rng.uniform(0.5, 2.0, size=300)
    nb = NBScaling(power=0.5, damped=np.array([0, 1]), damping=0.1)
    coef, intercept = fit_scaled(x, y, w, c=1.0, seed=0, nb=nb)
    # Scoring uses the raw columns: folded coefficients must give what the scaled model gives.
    scale = nb.scale(x, y, w)
    model = logistic(1.0, 0).fit(x @ sp.diags(scale), y, sample_weight=w)
    assert np.allclose(x @ coef + intercept, model.decision_function(x @ sp.diags(scale)))
    undamped = NBScaling(power=0.5, damped=np.zeros(0, dtype=np.int64), damping=0.1).scale(x, y, w)
    assert np.allclose(scale[:2], undamped[:2] * 0.1) and np.allclose(scale[2:], undamped[2:])


def test_power_zero_is_damping_alone() -> None:
    x = sp.random(50, 6, density=0.5, format="csr", random_state=2, dtype=np.float64)
    y = np.arange(50) % 2
    scale = NBScaling(power=0.0, damped=np.array([1, 4]), damping=0.1).scale(x, y, np.ones(50))
    assert scale.tolist() == pytest.approx([1.0, 0.1, 1.0, 1.0, 0.1, 1.0])


def test_a_source_weighted_zero_leaves_the_head(tmp_path: Path) -> None:
    config = TrainConfig(
        **{
            **TINY.__dict__,
            "sources": ["seeds_labelled"],
            "head_source_weights": {"spam": {"seeds_labelled": 0.0}},
        }
    )
    (tmp_path / "no-datasets").mkdir()
    card = train(tmp_path / "no-datasets", tmp_path / "model", seed=0, config=config)
    # The only source is out of the spam head, so it has no rows and never acts; the others still train.
    assert card["cv_metrics"]["spam"]["rows"] == 0
    assert card["cv_metrics"]["toxicity"]["rows"] > 0
    (scores,) = load_scorer(tmp_path / "model").score([normalise("Buy cheap watches now, best prices!")])
    assert scores["spam"] < 0.01
