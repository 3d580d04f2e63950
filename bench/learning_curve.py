"""How eval-only ROC AUC grows with in-domain training data: is a goal out of reach for want of data?

For each curve, the rows of the named in-domain sources are cut to a seeded fraction while every other source
stays whole; the shared vectorisation and the head are refitted on what is left, exactly as `moderation train`
fits them, with the C the shipped model's cross-validation chose. Eval-only sets are only scored, never used to
choose anything. The full-data row should land near the shipped model's own figure (which also had CV folds and
calibration, neither of which moves ROC AUC much).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from service.ml import datasets
from service.ml.features import identity_columns
from service.ml.train import (
    IDENTITY_TERMS,
    TrainConfig,
    fit_scaled,
    fit_training_features,
    head_rows,
    load_training_data,
)
from service.text.normaliser import normalise

REPO_ROOT = Path(__file__).resolve().parents[1]
FRACTIONS = (0.125, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Curve:
    """One learning curve: a head, the training sources cut down, and the eval-only sets it is read on."""

    category: str
    sources: tuple[str, ...]
    eval_sets: tuple[Callable[[Path], datasets.EvalSet], ...]


CURVES = (
    Curve(
        "toxicity",
        ("jigsaw2018_subset", "jigsaw2018_subset_jaythibs", "wiki_cat_large_context"),
        (datasets.read_jigsaw_test, datasets.read_wiki_nonfuzzed),
    ),
    Curve(
        "insult",
        ("kaggle_insults_impermium",),
        (datasets.read_kaggle_test, datasets.read_kaggle_verification),
    ),
)


def _shipped_c(models: Path, category: str) -> float:
    """The C the shipped model's cross-validation picked for this head."""
    card = json.loads((models / "model_card.json").read_text(encoding="utf-8"))
    return float(card["cv_metrics"][category]["C"])


def main(argv: Sequence[str] | None = None) -> int:
    """Print one table per curve: in-domain rows kept, total rows, and ROC AUC on each eval-only set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR)
    parser.add_argument("--models", type=Path, default=REPO_ROOT / "models")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    config = TrainConfig(seed=args.seed)
    data = load_training_data(args.data, config)
    names = [labelled.name for labelled in data.sets]
    rng = np.random.default_rng(args.seed)
    draw = rng.random(len(data.canonical))  # one draw per row: each smaller cut is inside every larger one
    for curve in CURVES:
        evals = {e.name: e for e in (reader(args.data) for reader in curve.eval_sets)}
        canonical = {name: [normalise(t).text for t in e.texts] for name, e in evals.items()}
        in_domain = np.isin(data.source, [names.index(s) for s in curve.sources])
        c = _shipped_c(args.models, curve.category)
        print(f"{curve.category} head, C={c}; in-domain sources cut: {', '.join(curve.sources)}")
        print(f"{'fraction':>8s} {'in-domain':>10s} {'all rows':>9s} " + " ".join(f"{n:>28s}" for n in evals))
        for fraction in tqdm(FRACTIONS, desc=curve.category, leave=False):
            part = data.subset(~in_domain | (draw < fraction))
            space, x = fit_training_features(part, config)
            damped = identity_columns(space, part.canonical, IDENTITY_TERMS)
            rows, y, w, nb = head_rows(part, config, curve.category, damped)
            coef, intercept = fit_scaled(x[rows], y, w, c, config.seed, nb)
            aucs = []
            for name, eval_set in evals.items():
                scores = np.asarray(space.transform(canonical[name]) @ coef) + intercept
                aucs.append(float(roc_auc_score(eval_set.y, scores)))
            kept = int((in_domain & (draw < fraction)).sum())
            print(
                f"{fraction:8.3f} {kept:10d} {len(part.canonical):9d} " + " ".join(f"{a:28.4f}" for a in aucs)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
