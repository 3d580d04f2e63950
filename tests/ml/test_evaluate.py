"""`moderation evaluate` end to end on every eval-only set (a stratified slice of each, to fit in CI)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from service.ml import datasets, evaluate
from service.ml.obfuscation import OBFUSCATIONS
from service.ml.scorer import CARD_NAME

MODELS = Path(__file__).resolve().parents[2] / "models"
PER_CLASS = 60


def _sliced(reader: Callable[[Path], datasets.EvalSet]) -> Callable[[Path], datasets.EvalSet]:
    """The reader's set cut to at most PER_CLASS rows of each label, every per-row field kept aligned."""

    def read(data_dir: Path) -> datasets.EvalSet:
        full = reader(data_dir)
        keep = np.sort(np.concatenate([np.flatnonzero(full.y == label)[:PER_CLASS] for label in (0, 1)]))
        return dataclasses.replace(
            full,
            texts=[full.texts[i] for i in keep],
            y=full.y[keep],
            spans=None if full.spans is None else [full.spans[i] for i in keep],
            groups=None if full.groups is None else [full.groups[i] for i in keep],
        )

    return read


@pytest.fixture
def evaluated(datasets_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, Path]:
    model_dir = tmp_path / "models"
    shutil.copytree(MODELS, model_dir)
    monkeypatch.setattr(datasets, "EVAL_READERS", tuple(_sliced(r) for r in datasets.EVAL_READERS))
    card = evaluate.evaluate(model_dir, datasets_dir, tmp_path / "reports")
    return card, tmp_path


def test_every_eval_only_set_gets_scores_and_verdicts(evaluated: tuple[dict, Path]) -> None:
    card, root = evaluated
    sets = card["eval_only"]["sets"]
    assert len(sets) == len(datasets.EVAL_READERS)
    for name, entry in sets.items():
        assert 0.0 <= entry["roc_auc"] <= 1.0, name
        verdicts = entry["verdicts"]
        for side in ("positives", "negatives"):
            assert sum(verdicts[side].values()) == pytest.approx(1.0, abs=2e-4), (name, side)
        assert verdicts["positives_caught"] == pytest.approx(
            verdicts["positives"]["review"] + verdicts["positives"]["reject"], abs=2e-4
        )
    # The card on disk is the one returned, and the prose card is regenerated from it.
    on_disk = json.loads((root / "models" / CARD_NAME).read_text(encoding="utf-8"))
    assert on_disk["eval_only"] == json.loads(json.dumps(card["eval_only"]))
    assert "What the service decides on the same sets" in (root / "models" / "README.md").read_text()


def test_the_report_holds_the_tables_and_the_plots(evaluated: tuple[dict, Path]) -> None:
    card, root = evaluated
    reports = root / "reports"
    report = (reports / "evaluation.md").read_text(encoding="utf-8")
    assert "## What the service decides on them (full pipeline, default policy)" in report
    assert "Neutral (NOT_BAD) madlibs sentences held or rejected by the full pipeline" in report
    for png in ["bias_madlibs_subgroup_auc.png", "bias_held_share.png", *card["eval_only"]["plots"]]:
        assert (reports / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert f"]({png})" in report


def test_identity_bias_is_measured_on_decisions(evaluated: tuple[dict, Path]) -> None:
    card, _ = evaluated
    bias = card["eval_only"]["identity_bias"]
    held = bias["madlibs_not_bad_held_per_term"]
    assert held and all(0.0 <= share <= 1.0 for share in held.values())
    assert set(held) <= set(bias["madlibs_subgroup_auc"])
    assert set(bias["wiki_negatives_held"]) == {"wiki_nonfuzzed", "wiki_fuzzed"}


def test_obfuscated_abuse_is_measured_for_every_kind(evaluated: tuple[dict, Path]) -> None:
    card, root = evaluated
    obfuscated = card["eval_only"]["obfuscated_abuse"]
    # The slice keeps PER_CLASS comments with marked spans; each kind rewrites all of them.
    assert obfuscated["rows"] == PER_CLASS
    assert set(obfuscated) == {"rows", "as written", *OBFUSCATIONS}
    for kind, row in obfuscated.items():
        if kind != "rows":
            assert 0.0 <= row["rejected"] <= row["caught"] <= 1.0, kind
            assert 0.0 <= row["mean_toxicity"] <= 1.0, kind
    # Rewriting the toxic words changes what the model sees: not every kind can score the same as written.
    assert len({row["mean_toxicity"] for kind, row in obfuscated.items() if kind != "rows"}) > 1
    for document in (root / "reports" / "evaluation.md", root / "models" / "README.md"):
        text = document.read_text(encoding="utf-8")
        assert "| spelling | caught | rejected | mean toxicity |" in text
        assert all(f"| {kind} |" in text for kind in OBFUSCATIONS)
