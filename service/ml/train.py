"""`moderation train`: fit the shared vectorisation and one calibrated head per category, reproducibly."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from tqdm import tqdm

from service.ml import datasets
from service.ml.features import (
    CHAR_NGRAMS,
    HASH_BITS,
    MASKABLE_MIN_ROWS,
    MASKABLE_MIN_TOXIC_SHARE,
    WORD_NGRAMS,
    WORD_TOKEN_PATTERN,
    FeatureSpace,
    Unmasker,
    fit_feature_space,
    identity_columns,
    maskable_words,
)
from service.ml.runtime import ARTIFACT_FORMAT
from service.ml.scorer import ARTIFACT_NAME, CARD_NAME, library_versions, sha256_file
from service.moderation.types import CATEGORIES
from service.text.lexicon import lexicon_sha256
from service.text.normaliser import NORMALISER_VERSION, normalise

REPO_ROOT = Path(__file__).resolve().parents[2]
# Targets for the default operating points, measured on out-of-fold predictions of the training data
# reweighted to the deployment prevalence below: hold when at least half of what is held is bad,
# reject when at least 90% of what is rejected is bad.
REVIEW_PRECISION = 0.50
REJECT_PRECISION = 0.90
# ... and never hold a comment on a score whose calibrated probability (at the deployment prevalence) is
# below this. Why: precision is measured over everything above a threshold, so for a rare category the
# comments right at the threshold can be almost all clean. On training CV folds (stratified, before they
# were grouped by text) the severe_toxicity point sat at 0.022, where 11% of the comments were severe, and
# spam at 0.024, where 5% were spam; each held about 1-2% of all clean comments, while 97% of severe
# positives are held by the toxicity head anyway.
# 0.2 is about where the toxicity head's own point lay in the model before the floor (0.205, 33% toxic
# just above it); in later models the floor sets it.
REVIEW_PROBABILITY_FLOOR = 0.20
# The share of comments assumed to fall in each category on a site that runs us. Why: the training mix
# is enriched with toxic examples (39% toxic, against about 10% in a comment stream), so scores
# calibrated on it overstate every risk and thresholds picked on it hold ordinary comments. The values
# are the label rates of the full Jigsaw 2018 training set (159,571 Wikipedia comments: 15,294 toxic,
# 1,595 severe, 8,449 obscene, 478 threat, 7,877 insult, 1,405 identity hate). Spam has no public
# comment-stream rate, so its training prevalence is kept (None). Sites tune thresholds in their policy.
DEPLOYMENT_PREVALENCE: dict[str, float | None] = {
    "toxicity": 0.0958,
    "severe_toxicity": 0.0100,
    "insult": 0.0494,
    "threat": 0.0030,
    "obscene": 0.0529,
    "identity_attack": 0.0088,
    "spam": None,
}
# Per-head source weights (multiplying the source's own row weights), chosen by out-of-fold ROC AUC on
# the training data only (proxies: the Wikipedia-sourced rows for toxicity, the Kaggle insults rows for
# insult). Why toxicity halves the tweet sources: their "offensive" (casual slurs, profanity) is not a
# comment section's toxicity; at 0.5 the Wikipedia proxy rose and identity-term false positives fell,
# while OLID's own AUC barely moved. (HatEval and Stormfront give toxicity no labels at all: see
# datasets.LABEL_MAPPING.) Why insult triples Kaggle: it is the only source of news-comment insults;
# OLID's TIN (tweets) dominated the head otherwise. Why both halve Civil Comments: nearly all its rows are
# toxic, so it mostly teaches its own topics. At 0.5 the out-of-fold ROC AUC (folds grouped by text) of
# every other source rose (toxicity: Jigsaw extras 0.957 -> 0.960, wiki_cat 0.791 -> 0.799, OLID, Ruddit
# and the seeds too, and Civil Comments' own 0.643 -> 0.646; insult: Kaggle 0.896 -> 0.900, Jigsaw extras
# 0.953 -> 0.958, Civil Comments' own 0.715 -> 0.710). Not the other heads: there, with the stratified
# folds of the time, Civil Comments' own AUC fell by 0.005-0.027.
HEAD_SOURCE_WEIGHTS: dict[str, dict[str, float]] = {
    "toxicity": {
        "davidson_hate_offensive": 0.5,
        "olid_offenseval2019": 0.5,
        "civil_comments_toxic_spans": 0.5,
    },
    "insult": {"kaggle_insults_impermium": 3.0, "civil_comments_toxic_spans": 0.5},
}
# Heads fitted on NB-SVM style features (Wang & Manning 2012): each column scaled by |log-count ratio|^power
# measured on the head's own training rows, folded into the coefficients afterwards (so scoring is
# unchanged). Chosen by CV: +0.005 out-of-fold AUC on toxicity and insult; power 0.5 beat 1.0.
NB_HEADS = ("toxicity", "insult")
NB_POWER = 0.5
# Heads whose identity-term columns are damped without NB scaling (every other column keeps scale 1).
# Naming a group is no more evidence of obscenity than of toxicity. Chosen by CV (stratified folds, before
# they were grouped by text): out-of-fold ROC AUC unchanged (obscene 0.9417, severe 0.9968); non-toxic
# training rows naming a group held by obscene fell from 4.1% to 3.7%, by severe_toxicity from 0.40% to
# 0.33%. Not threat: its AUC fell by 0.0005.
DAMPED_HEADS = ("severe_toxicity", "obscene")
# Identity terms whose n-grams get their NB scale multiplied by IDENTITY_DAMPING in the NB heads. Why: a
# group's name co-occurs with abuse in the training sets, so neutral sentences that name the group were
# scored toxic. Damping (not removing) keeps what the context words say. Chosen by CV: the mean out-of-fold
# toxicity of non-toxic training rows naming a group fell by a quarter (0.25: 0.157 -> 0.122; 0.1: 0.112),
# Wikipedia-rows ROC AUC fell by < 0.001.
IDENTITY_TERMS = frozenset(
    {
        "gay", "gays", "lesbian", "lesbians", "queer", "homosexual", "homosexuals", "transgender",
        "bisexual", "lgbt", "black", "blacks", "white", "whites", "african", "muslim", "muslims",
        "islam", "jewish", "jew", "jews", "christian", "christians", "asian", "mexican", "mexicans",
        "hispanic", "latino", "sikh", "buddhist", "catholic", "arab", "arabs",
    }
)  # fmt: skip
IDENTITY_DAMPING = 0.1
# A threshold must rest on at least this many out-of-fold predictions above it.
MIN_SUPPORT = 20
# ... and on at least this share of the head's positives.
MIN_SUPPORT_SHARE = 0.01


@dataclass
class TrainConfig:
    """Knobs for one training run; the defaults are what the shipped model uses."""

    seed: int = 0
    word_budget: int = 60_000
    char_budget: int = 120_000
    min_df: int = 3
    c_grid: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 16.0)
    folds: int = 3
    n_jobs: int = 2
    # Only for the tiny test models: cap rows per source so a fit takes a second.
    max_rows_per_source: int | None = None
    hash_bits: int = HASH_BITS
    head_source_weights: dict[str, dict[str, float]] = field(
        default_factory=lambda: dict(HEAD_SOURCE_WEIGHTS)
    )
    nb_heads: tuple[str, ...] = NB_HEADS
    damped_heads: tuple[str, ...] = DAMPED_HEADS
    nb_power: float = NB_POWER
    identity_damping: float = IDENTITY_DAMPING
    sources: list[str] = field(default_factory=list)
    # Exports of `moderation labels export`: the sites' own human decisions, added as one more source.
    label_files: list[Path] = field(default_factory=list)


@dataclass
class TrainingData:
    """Every training row after normalisation and the eval-overlap guard."""

    canonical: list[str]
    labels: np.ndarray
    weights: np.ndarray
    source: np.ndarray  # index into `sets`
    sets: list[datasets.LabelledSet]
    dropped_eval_overlap: dict[str, int]

    def subset(self, keep: np.ndarray) -> TrainingData:
        """The rows where `keep` is true (sources and their indices unchanged)."""
        return TrainingData(
            canonical=[t for t, k in zip(self.canonical, keep, strict=True) if k],
            labels=self.labels[keep],
            weights=self.weights[keep],
            source=self.source[keep],
            sets=self.sets,
            dropped_eval_overlap=self.dropped_eval_overlap,
        )


def _canonical(texts: Sequence[str], desc: str) -> list[str]:
    """Normalise texts with a progress bar."""
    return [normalise(t).text for t in tqdm(texts, desc=desc, unit="text", leave=False, mininterval=1.0)]


# Letters and digits only: the same comment reaches different datasets with different markup
# (Wikipedia Talk Labels write a heading as "== title ==" and quotes as backticks, Jigsaw 2018 does not).
_WORD_RUN = re.compile(r"[^\W_]+")


def overlap_key(canonical: str) -> str:
    """The words of a canonical text, lower-cased and space-joined: what the eval-overlap guard compares."""
    return " ".join(_WORD_RUN.findall(canonical.lower()))


def eval_overlap_keys(data_dir: Path) -> set[str]:
    """Overlap keys of every eval-only text, used ONLY to drop training rows that duplicate them."""
    out: set[str] = set()
    for reader in tqdm(datasets.EVAL_READERS, desc="eval-only texts (overlap guard)", leave=False):
        try:
            eval_set = reader(data_dir)
        except FileNotFoundError:
            continue
        if eval_set.name == "bias_madlibs":
            continue  # synthetic templates; no real comment can leak from there
        out.update(overlap_key(normalise(t).text) for t in eval_set.texts)
    out.discard("")
    return out


def load_training_data(
    data_dir: Path, config: TrainConfig, seeds_dir: Path = datasets.SEEDS_DIR
) -> TrainingData:
    """Read every training source, normalise it, and drop rows whose words are those of an eval-only text."""
    sets = []
    readers = {**datasets.TRAIN_READERS_BY_NAME, "seeds_labelled": lambda _: datasets.read_seeds(seeds_dir)}
    chosen = [name for name in readers if not config.sources or name in config.sources]
    for name in tqdm(chosen, desc="reading training sets"):
        labelled = readers[name](data_dir)
        if config.max_rows_per_source and len(labelled) > config.max_rows_per_source:
            rng = np.random.default_rng(config.seed)
            keep = np.sort(rng.choice(len(labelled), config.max_rows_per_source, replace=False))
            labelled = datasets.LabelledSet(
                labelled.name,
                [labelled.texts[i] for i in keep],
                labelled.labels[keep],
                labelled.weights[keep],
                labelled.files,
            )
        sets.append(labelled)
    if config.label_files:
        sets.append(datasets.read_site_labels(config.label_files))
    guard = eval_overlap_keys(data_dir)
    canonical: list[str] = []
    labels, weights, source = [], [], []
    dropped: dict[str, int] = {}
    for index, labelled in enumerate(sets):
        texts = _canonical(labelled.texts, f"normalising {labelled.name}")
        keep = np.asarray([bool(t) and overlap_key(t) not in guard for t in texts], dtype=bool)
        dropped[labelled.name] = int((~keep).sum())
        canonical.extend(t for t, k in zip(texts, keep, strict=True) if k)
        labels.append(labelled.labels[keep])
        weights.append(labelled.weights[keep])
        source.append(np.full(int(keep.sum()), index))
    return TrainingData(
        canonical=canonical,
        labels=np.vstack(labels),
        weights=np.concatenate(weights),
        source=np.concatenate(source),
        sets=sets,
        dropped_eval_overlap=dropped,
    )


def logistic(c: float, seed: int) -> LogisticRegression:
    """One L2 logistic-regression head.

    Dual coordinate descent: with fewer rows than columns it reaches the same optimum about 7x faster
    than liblinear's primal solver on this data (measured: 3.4 s vs 23.6 s for the toxicity head).
    """
    return LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000, random_state=seed)


@dataclass
class NBScaling:
    """How a head scales its columns: |log-count ratio|^power, times `damping` on the `damped` columns.

    Power 0 is damping alone: every other column keeps scale 1.
    """

    power: float
    damped: np.ndarray
    damping: float

    def scale(self, x: sp.csr_matrix, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Per-column scale from the (weighted) presence of each column in positive vs negative rows."""
        if self.power == 0:
            scale = np.ones(x.shape[1])
            scale[self.damped] *= self.damping
            return scale.astype(np.float32)
        present = x.copy()
        present.data[:] = 1.0
        positive = 1.0 + np.asarray(present[y == 1].T @ w[y == 1]).ravel()
        negative = 1.0 + np.asarray(present[y == 0].T @ w[y == 0]).ravel()
        ratio = np.log(positive / positive.sum()) - np.log(negative / negative.sum())
        scale = np.abs(ratio) ** self.power
        scale[self.damped] *= self.damping
        return scale.astype(np.float32)


def fit_scaled(
    x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, c: float, seed: int, nb: NBScaling | None
) -> tuple[np.ndarray, float]:
    """Fit one head and return (coefficients over the unscaled columns, intercept)."""
    model = logistic(c, seed)
    if nb is None:
        model.fit(x, y, sample_weight=w)
        return model.coef_[0], float(model.intercept_[0])
    scale = nb.scale(x, y, w)
    model.fit(x @ sp.diags(scale), y, sample_weight=w)
    # (x * scale) . coef == x . (scale * coef): the scale folds into the coefficients.
    return model.coef_[0] * scale, float(model.intercept_[0])


def _fit_fold(
    x: sp.csr_matrix,
    y: np.ndarray,
    w: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    c: float,
    seed: int,
    nb: NBScaling | None,
) -> np.ndarray:
    """Decision scores on one held-out fold (the NB scale is measured on the fold's training rows only)."""
    coef, intercept = fit_scaled(x[train], y[train], w[train], c, seed, nb)
    return np.asarray(x[test] @ coef) + intercept


def deployment_weights(y: np.ndarray, w: np.ndarray, prevalence: float | None) -> np.ndarray:
    """Row weights under which the weighted share of positives equals `prevalence` (None: unchanged)."""
    positive = float(w[y == 1].sum())
    negative = float(w[y == 0].sum())
    if prevalence is None or positive == 0 or negative == 0:
        return w
    scale = (positive / negative) * (1 - prevalence) / prevalence
    return np.where(y == 1, w, w * scale)


def prior_shift(y: np.ndarray, w: np.ndarray, prevalence: float | None) -> float:
    """Log-odds to add to a calibrated score so it is calibrated for `prevalence` instead of the training mix."""
    if prevalence is None:
        return 0.0
    trained = float(w[y == 1].sum() / w.sum())
    return float(np.log(prevalence / (1 - prevalence)) - np.log(trained / (1 - trained)))


def precision_threshold(y: np.ndarray, p: np.ndarray, v: np.ndarray, target: float) -> float:
    """Lowest threshold above which (v-weighted) out-of-fold precision stays at least `target`.

    1.0 means no threshold with enough rows above it (MIN_SUPPORT, MIN_SUPPORT_SHARE) reaches the target:
    never act on this score alone.
    """
    precision, _, thresholds = precision_recall_curve(y, p, sample_weight=v)
    order = np.sort(p)
    support = len(p) - np.searchsorted(order, thresholds, side="left")
    # Why relative: the top few rows of a large head are mostly label noise; judging precision on
    # them alone would forbid any threshold at all.
    needed = max(MIN_SUPPORT, int(MIN_SUPPORT_SHARE * (y == 1).sum()))
    bad = np.flatnonzero((precision[:-1] < target) & (support >= needed))
    start = bad[-1] + 1 if len(bad) else 0
    usable = np.flatnonzero(support[start:] >= needed)
    if len(usable) == 0:
        return 1.0
    return float(thresholds[start + usable[0]])


def review_threshold(y: np.ndarray, p: np.ndarray, v: np.ndarray, reject: float) -> float:
    """The hold threshold: REVIEW_PRECISION over what is held, never below the floor, never above reject."""
    return min(max(precision_threshold(y, p, v, REVIEW_PRECISION), REVIEW_PROBABILITY_FLOOR), reject)


def weighted_recall(y: np.ndarray, p: np.ndarray, w: np.ndarray, threshold: float) -> float:
    """Share of (weighted) positives scored at or above `threshold`."""
    positives = y == 1
    return float(w[positives & (p >= threshold)].sum() / max(w[positives].sum(), 1e-12))


def _precision_at(y: np.ndarray, p: np.ndarray, v: np.ndarray, threshold: float) -> float | None:
    """(v-weighted) precision of the rows at or above `threshold`, or None when there are none."""
    above = p >= threshold
    return float(v[above & (y == 1)].sum() / v[above].sum()) if above.any() else None


def _platt(z: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int) -> tuple[float, float]:
    """Platt scaling (slope, offset) fitted on out-of-fold decision scores."""
    model = LogisticRegression(C=1e4, solver="lbfgs", random_state=seed)
    model.fit(z.reshape(-1, 1), y, sample_weight=w)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def cv_folds(y: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (train, test) index pairs that never split a group.

    Why groups: a comment that two sources (or one source twice) hold must not be scored by a fold that
    trained on it, or CV rewards memorising (a higher C) and flatters the operating points.
    """
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y, groups))


def fit_head(
    x: sp.csr_matrix,
    y: np.ndarray,
    w: np.ndarray,
    source: np.ndarray,
    config: TrainConfig,
    name: str,
    nb: NBScaling | None = None,
    groups: np.ndarray | None = None,
) -> dict[str, Any]:
    """Pick C by stratified CV, calibrate on out-of-fold scores, choose operating points, refit on all rows."""
    if min(int(y.sum()), int(len(y) - y.sum())) < config.folds:
        return _fit_without_cv(x, y, w, config)
    folds = cv_folds(y, groups if groups is not None else np.arange(len(y)), config.folds, config.seed)
    tasks = [(c, k) for c in config.c_grid for k in range(len(folds))]
    # Threads, not processes: liblinear releases the GIL and the big matrix is then shared, not copied.
    results = Parallel(n_jobs=config.n_jobs, backend="threading")(
        delayed(_fit_fold)(x, y, w, folds[k][0], folds[k][1], c, config.seed, nb)
        for c, k in tqdm(tasks, desc=f"CV {name}", leave=False)
    )
    oof_by_c: dict[float, np.ndarray] = {c: np.zeros(len(y)) for c in config.c_grid}
    for (c, k), scores in zip(tasks, results, strict=True):
        oof_by_c[c][folds[k][1]] = scores
    grid = {str(c): float(roc_auc_score(y, oof, sample_weight=w)) for c, oof in oof_by_c.items()}
    best_c = max(config.c_grid, key=lambda c: grid[str(c)])
    oof = oof_by_c[best_c]
    slope, offset = _platt(oof, y, w, config.seed)
    prevalence = DEPLOYMENT_PREVALENCE.get(name)
    offset += prior_shift(y, w, prevalence)
    calibrated = 1.0 / (1.0 + np.exp(-(slope * oof + offset)))
    v = deployment_weights(y, w, prevalence)
    reject = precision_threshold(y, calibrated, v, REJECT_PRECISION)
    review = review_threshold(y, calibrated, v, reject)
    coef, intercept = fit_scaled(x, y, w, best_c, config.seed, nb)
    per_source = {}
    for index in np.unique(source):
        rows = source == index
        if 0 < y[rows].sum() < rows.sum():
            per_source[int(index)] = float(roc_auc_score(y[rows], oof[rows]))
    return {
        "coef": coef.astype(np.float32),
        "intercept": intercept,
        "platt": (slope, offset),
        "operating_points": (review, reject),
        "metrics": {
            "rows": len(y),
            "positives": int(y.sum()),
            "C": best_c,
            "nb_scaled": nb is not None and nb.power > 0,
            "identity_damped": nb is not None and nb.damping != 1.0,
            "cv_roc_auc_weighted_by_C": grid,
            "cv_roc_auc": float(roc_auc_score(y, oof)),
            "cv_average_precision": float(average_precision_score(y, oof)),
            "deployment_prevalence": prevalence,
            "review_threshold_cv_recall": weighted_recall(y, calibrated, w, review),
            "review_threshold_cv_precision": _precision_at(y, calibrated, v, review),
            "reject_threshold_cv_recall": weighted_recall(y, calibrated, w, reject),
            "reject_threshold_cv_precision": _precision_at(y, calibrated, v, reject),
            "per_source_roc_auc": per_source,
        },
    }


def _fit_without_cv(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, config: TrainConfig) -> dict[str, Any]:
    """Too few examples of a class to cross-validate (tiny test models): plain fit, never auto-reject."""
    c = config.c_grid[0]
    if 0 < y.sum() < len(y):
        model = logistic(c, config.seed)
        model.fit(x, y, sample_weight=w)
        coef, intercept = model.coef_[0].astype(np.float32), float(model.intercept_[0])
    else:
        # One class only (or no rows at all: every source weighted out): a constant the policy never acts on.
        coef, intercept = np.zeros(x.shape[1], dtype=np.float32), (8.0 if len(y) and y.mean() > 0.5 else -8.0)
    return {
        "coef": coef,
        "intercept": intercept,
        "platt": (1.0, 0.0),
        "operating_points": (0.5, 1.0),
        "metrics": {
            "rows": len(y),
            "positives": int(y.sum()),
            "C": c,
            "cv_roc_auc": None,
            "cv_average_precision": None,
            "note": "too few examples to cross-validate",
            "per_source_roc_auc": {},
        },
    }


def head_source_multipliers(data: TrainingData, config: TrainConfig, category: str) -> np.ndarray:
    """One weight multiplier per source (indexed like `data.sets`) for the `category` head."""
    chosen = config.head_source_weights.get(category, {})
    return np.asarray([chosen.get(labelled.name, 1.0) for labelled in data.sets], dtype=np.float64)


def fit_training_features(data: TrainingData, config: TrainConfig) -> tuple[FeatureSpace, sp.csr_matrix]:
    """The shared vectorisation (with its masked-word reader) fitted on every training row, and their features."""
    unmask = Unmasker(maskable_words(data.canonical, data.labels[:, CATEGORIES.index("toxicity")].tolist()))
    return fit_feature_space(
        data.canonical,
        config.word_budget,
        config.char_budget,
        config.min_df,
        hash_bits=config.hash_bits,
        unmask=unmask,
    )


def head_rows(
    data: TrainingData, config: TrainConfig, category: str, damped: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, NBScaling | None]:
    """What one head is fitted on: its rows (labelled, weight > 0), their labels and weights, and its scaling."""
    column = CATEGORIES.index(category)
    rows = np.flatnonzero(data.labels[:, column] != datasets.MISSING)
    w = data.weights[rows] * head_source_multipliers(data, config, category)[data.source[rows]]
    rows, w = rows[w > 0], w[w > 0]  # a source weighted 0 leaves the head
    y = data.labels[rows, column].astype(np.int64)
    nb = None
    if category in config.nb_heads:
        nb = NBScaling(config.nb_power, damped, config.identity_damping)
    elif category in config.damped_heads:  # power 0: every scale is 1 but the damped columns'
        nb = NBScaling(0.0, damped, config.identity_damping)
    return rows, y, w, nb


def _source_entries(data: TrainingData, data_dir: Path, licenses: dict[str, str]) -> list[dict[str, Any]]:
    """Card entries: every training source with license, row count and file sha256."""
    entries = []
    for index, labelled in enumerate(data.sets):
        files = []
        for path in labelled.files:
            try:
                relative = str(path.relative_to(data_dir))
            except ValueError:
                relative = str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else path.name
            files.append(
                {
                    "file": relative,
                    "sha256": sha256_file(path),
                    "license": licenses.get(relative, "see source"),
                }
            )
        is_seed = labelled.name == "seeds_labelled"
        is_site = labelled.name == "site_labels"
        entries.append(
            {
                "name": labelled.name,
                "rows_used": int((data.source == index).sum()),
                "rows_dropped_as_eval_duplicates": data.dropped_eval_overlap.get(labelled.name, 0),
                "label_mapping": datasets.LABEL_MAPPING.get(labelled.name, ""),
                "license": "Apache-2.0 (this project; HAND-WRITTEN by the project's engineers)"
                if is_seed
                else "the operator's own moderation decisions"
                if is_site
                else "; ".join(sorted({f["license"] for f in files})),
                "files": files,
            }
        )
    return entries


def train(
    data_dir: Path,
    out_dir: Path,
    seed: int = 0,
    config: TrainConfig | None = None,
    label_files: Sequence[Path] = (),
) -> dict[str, Any]:
    """Fit every head from `data_dir`, write the joblib artifact and model card to `out_dir`; returns the card."""
    started = time.monotonic()
    config = config or TrainConfig(seed=seed)
    config.seed = seed
    config.label_files = [*config.label_files, *label_files]
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"no data sets at {data_dir} (pass --data DIR)")
    data = load_training_data(data_dir, config)
    print(f"{len(data.canonical)} training rows from {len(data.sets)} sources", file=sys.stderr)
    space, x = fit_training_features(data, config)
    print(f"features: {space.word.width} word + {space.char.width} char columns", file=sys.stderr)
    damped = identity_columns(space, data.canonical, IDENTITY_TERMS)
    text_groups = np.unique(np.asarray(data.canonical, dtype=object), return_inverse=True)[1].ravel()
    heads = {}
    for category in tqdm(CATEGORIES, desc="heads"):
        rows, y, w, nb = head_rows(data, config, category, damped)
        heads[category] = fit_head(x[rows], y, w, data.source[rows], config, category, nb, text_groups[rows])
    payload = {
        "format": ARTIFACT_FORMAT,
        "categories": list(CATEGORIES),
        "features": space.to_payload(),
        "coef": np.stack([heads[c]["coef"] for c in CATEGORIES], axis=1),
        "intercept": np.asarray([heads[c]["intercept"] for c in CATEGORIES]),
        "platt": np.asarray([heads[c]["platt"] for c in CATEGORIES]),
        "operating_points": {c: heads[c]["operating_points"] for c in CATEGORIES},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / ARTIFACT_NAME
    joblib.dump(payload, artifact, compress=("xz", 9))
    digest = sha256_file(artifact)
    source_names = [s.name for s in data.sets]
    metrics = {}
    for category in CATEGORIES:
        m = dict(heads[category]["metrics"])
        m["per_source_roc_auc"] = {source_names[k]: v for k, v in m["per_source_roc_auc"].items()}
        metrics[category] = m
    card: dict[str, Any] = {
        "name": "moderation-classifier",
        "version": f"{dt.datetime.now(dt.UTC):%Y.%m.%d}-{digest[:8]}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "artifact": {"file": ARTIFACT_NAME, "sha256": digest, "bytes": artifact.stat().st_size},
        "libraries": library_versions(),
        "normaliser_version": NORMALISER_VERSION,
        "normaliser_lexicon_sha256": lexicon_sha256(),
        "categories": list(CATEGORIES),
        "model": {
            "features": {
                "input": "service.text.normalise(text).text (canonical form)",
                "word": {
                    "ngram_range": list(WORD_NGRAMS),
                    "token_pattern": WORD_TOKEN_PATTERN,
                    "kept_columns": space.word.width,
                },
                "char_wb": {"ngram_range": list(CHAR_NGRAMS), "kept_columns": space.char.width},
                "masked_words": {
                    "meaning": "a masked word ('id*ot') is read as the first of these training words with its length "
                    "and its shown letters: words in >= "
                    f"{MASKABLE_MIN_ROWS} labelled rows, toxic in >= {MASKABLE_MIN_TOXIC_SHARE:.0%} of them, most "
                    "often toxic first",
                    "words": len(space.unmask.words),
                },
                "hashing": f"HashingVectorizer 2^{config.hash_bits} buckets per block, alternate_sign=False; "
                f"the most frequent columns (df >= {config.min_df}) kept; sublinear TF x smooth IDF; "
                "each block L2-normalised",
            },
            "heads": "LogisticRegression (liblinear, L2) per category on rows that source labels, "
            "C picked by out-of-fold ROC AUC, Platt-calibrated on out-of-fold scores",
            "nb_scaling": {
                "heads": list(config.nb_heads),
                "damping_only_heads": list(config.damped_heads),
                "meaning": "columns scaled by |NB log-count ratio|^power on the head's own training rows "
                "(per fold in CV), folded into the coefficients; identity-term n-grams scaled by damping",
                "power": config.nb_power,
                "identity_damping": config.identity_damping,
                "identity_terms": sorted(IDENTITY_TERMS),
                "damped_columns": len(damped),
            },
            "head_source_weights": config.head_source_weights,
            "c_grid": list(config.c_grid),
            "cv_folds": config.folds,
            "seed": config.seed,
        },
        "operating_points": {
            "meaning": "(review, reject) on scores calibrated for the deployment prevalence in cv_metrics: "
            f"review = lowest threshold above which out-of-fold precision >= {REVIEW_PRECISION} and no lower than "
            f"{REVIEW_PROBABILITY_FLOOR}, "
            f"reject = the same for precision >= {REJECT_PRECISION}, precision weighted to the deployment "
            f"prevalence and resting on >= max({MIN_SUPPORT}, {MIN_SUPPORT_SHARE:.0%} of positives) rows; 1.0 means 'never act on this score alone'",
            **{c: list(heads[c]["operating_points"]) for c in CATEGORIES},
        },
        "cv_metrics": metrics,
        "training": {
            "rows": len(data.canonical),
            "seconds": round(time.monotonic() - started, 1),
            "eval_overlap_guard": "training rows whose words (letters and digits of the canonical text, "
            "lower-cased) equal those of an eval-only text are dropped",
            "hand_written_seeds": "seeds/labelled/*.jsonl are HAND-WRITTEN by this project (not real comments)",
        },
        "training_sources": _source_entries(data, data_dir, datasets.licenses(data_dir)),
        "label_mapping": datasets.LABEL_MAPPING,
        "eval_only": {"note": "filled in by `moderation evaluate` (python -m service.ml.evaluate)"},
    }
    write_card(out_dir, card)
    print(
        f"wrote {artifact} ({artifact.stat().st_size / 1e6:.2f} MB) in {card['training']['seconds']} s",
        file=sys.stderr,
    )
    return card


def write_card(out_dir: Path, card: dict[str, Any]) -> None:
    """Write the model card as stable, diff-friendly JSON."""
    (out_dir / CARD_NAME).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: python -m service.ml.train --data DIR --out models."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=datasets.DEFAULT_DATA_DIR, help="the shared datasets folder"
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models", help="where to write the artifacts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--labels",
        type=Path,
        action="append",
        default=[],
        help="a `moderation labels export` file (repeatable)",
    )
    args = parser.parse_args(argv)
    train(args.data, args.out, seed=args.seed, label_files=args.labels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
