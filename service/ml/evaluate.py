"""`moderation evaluate`: score every eval-only set, write reports/evaluation.md with plots, update the card."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve
from tqdm import tqdm

from service.ml import datasets, verdicts
from service.ml.obfuscation import OBFUSCATIONS, obfuscate
from service.ml.runtime import LinearScorer
from service.ml.scorer import CARD_NAME, ModelUnavailable, load_scorer
from service.moderation.types import CATEGORIES
from service.text.normaliser import NormalisedText, normalise

REPO_ROOT = Path(__file__).resolve().parents[2]
BATCH = 1000


def score_set(
    scorer: LinearScorer, texts: Sequence[str], desc: str
) -> tuple[np.ndarray, list[NormalisedText]]:
    """Probabilities (n, 7) for raw texts through the same normaliser the service uses."""
    norms = [normalise(t) for t in tqdm(texts, desc=f"normalising {desc}", leave=False, mininterval=1.0)]
    parts = [
        scorer.probabilities([n.text for n in norms[i : i + BATCH]])
        for i in tqdm(range(0, len(norms), BATCH), desc=f"scoring {desc}", leave=False)
    ]
    return (np.vstack(parts) if parts else np.zeros((0, len(CATEGORIES)))), norms


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present."""
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def span_f1(gold: Sequence[int], predicted: set[int]) -> float:
    """SemEval-2021 toxic spans per-text F1 over character offsets (both empty counts as 1)."""
    gold_set = set(gold)
    if not gold_set and not predicted:
        return 1.0
    if not gold_set or not predicted:
        return 0.0
    overlap = len(gold_set & predicted)
    precision, recall = overlap / len(predicted), overlap / len(gold_set)
    return 0.0 if overlap == 0 else 2 * precision * recall / (precision + recall)


def obfuscated_catch_rates(
    scorer: LinearScorer, texts: Sequence[str], spans: Sequence[Sequence[int]]
) -> dict[str, Any]:
    """How much of the span-marked abuse the pipeline catches as written and with its toxic words obfuscated."""
    marked = [i for i, offsets in enumerate(spans) if offsets]
    variants = {"as written": [texts[i] for i in marked]}
    for kind in OBFUSCATIONS:
        variants[kind] = [obfuscate(texts[i], spans[i], kind) for i in marked]
    out: dict[str, Any] = {"rows": len(marked)}
    for kind, variant in variants.items():
        probs, norms = score_set(scorer, variant, f"obfuscated: {kind}")
        decisions = verdicts.decide(scorer, norms, desc=kind).decisions
        out[kind] = {
            "caught": round(float((decisions != "approve").mean()), 4),
            "rejected": round(float((decisions == "reject").mean()), 4),
            "mean_toxicity": round(float(probs[:, CATEGORIES.index("toxicity")].mean()), 4),
        }
    return out


def _threshold_rows(y: np.ndarray, p: np.ndarray, points: tuple[float, float]) -> dict[str, Any]:
    """Precision and recall on one set at the card's review and reject thresholds."""
    out: dict[str, Any] = {}
    for name, threshold in zip(("review", "reject"), points, strict=True):
        flagged = p >= threshold
        out[name] = {
            "threshold": round(threshold, 4),
            "flagged_share": round(float(flagged.mean()), 4),
            "precision": round(float(y[flagged].mean()), 4) if flagged.any() else None,
            "recall": round(float(flagged[y == 1].mean()), 4) if y.any() else None,
        }
    return out


def _plot_category(category: str, curves: list[tuple[str, np.ndarray, np.ndarray]], path: Path) -> None:
    """ROC and PR curves of every eval-only set measured on one category (small PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(9, 4), dpi=70)
    for name, y, p in curves:
        fpr, tpr, _ = roc_curve(y, p)
        roc_ax.plot(fpr, tpr, label=f"{name} ({roc_auc_score(y, p):.3f})", linewidth=1)
        precision, recall, _ = precision_recall_curve(y, p)
        pr_ax.plot(recall, precision, label=f"{name} ({average_precision_score(y, p):.3f})", linewidth=1)
    roc_ax.plot([0, 1], [0, 1], color="grey", linewidth=0.5, linestyle="--")
    roc_ax.set(title=f"{category}: ROC (AUC)", xlabel="false positive rate", ylabel="true positive rate")
    pr_ax.set(title=f"{category}: precision-recall (AP)", xlabel="recall", ylabel="precision")
    roc_ax.legend(fontsize=7, loc="lower right")
    pr_ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_bias(groups: dict[str, float], path: Path) -> None:
    """Subgroup AUC per identity term on the madlibs set (small PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(groups, key=groups.__getitem__)
    fig, ax = plt.subplots(figsize=(9, 4), dpi=70)
    ax.bar(range(len(names)), [groups[n] for n in names], color="tab:blue")
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
    ax.set(
        title="bias madlibs: toxicity subgroup ROC AUC per identity term", ylabel="ROC AUC", ylim=(0.5, 1.0)
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_held(held_per_term: dict[str, float], wiki_held: dict[str, float], path: Path) -> None:
    """What the full pipeline holds of neutral text naming a group, per madlibs term and on the Wikipedia
    pair (as written vs identity terms swapped), as percentages (small PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(held_per_term, key=lambda n: -held_per_term[n])
    fig, (terms_ax, wiki_ax) = plt.subplots(
        1, 2, figsize=(11, 4), dpi=70, gridspec_kw={"width_ratios": [5, 1]}
    )
    terms_ax.bar(range(len(names)), [100 * held_per_term[n] for n in names], color="tab:orange")
    terms_ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
    terms_ax.set(title="neutral madlibs sentences held or rejected, per identity term", ylabel="% held")
    labels = ["as written", "swapped"]
    values = [100 * wiki_held.get(k, 0.0) for k in ("wiki_nonfuzzed", "wiki_fuzzed")]
    wiki_ax.bar(labels, values, color=["tab:blue", "tab:green"])
    wiki_ax.set(title="clean Wikipedia\ncomments held", ylabel="% held")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def evaluate(model_dir: Path, data_dir: Path, report_dir: Path) -> dict[str, Any]:
    """Score every eval-only set, write the report and plots, and record the results in the model card."""
    model_dir, data_dir, report_dir = Path(model_dir), Path(data_dir), Path(report_dir)
    scorer = load_scorer(model_dir)
    if not isinstance(scorer, LinearScorer):
        raise ModelUnavailable("evaluate needs the linear runtime")
    report_dir.mkdir(parents=True, exist_ok=True)
    points = scorer.operating_points()
    results: dict[str, Any] = {}
    curves: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {c: [] for c in CATEGORIES}
    extras: dict[str, Any] = {}
    obfuscated: dict[str, Any] = {}
    for reader in tqdm(datasets.EVAL_READERS, desc="eval-only sets"):
        eval_set = reader(data_dir)
        probs, norms = score_set(scorer, eval_set.texts, eval_set.name)
        column = CATEGORIES.index(eval_set.category)
        p = probs[:, column]
        entry: dict[str, Any] = {
            "description": eval_set.description,
            "rows": len(eval_set.texts),
            "positives": int(eval_set.y.sum()),
            "category": eval_set.category,
            "roc_auc": _auc(eval_set.y, p),
            "average_precision": float(average_precision_score(eval_set.y, p)) if eval_set.y.any() else None,
            "roc_auc_of_toxicity_score": _auc(eval_set.y, probs[:, 0]),
            "at_operating_points": _threshold_rows(eval_set.y, p, points[eval_set.category]),
        }
        outcomes = verdicts.decide(scorer, norms, desc=eval_set.name)
        entry["verdicts"] = verdicts.summarise(eval_set.y, outcomes)
        if entry["roc_auc"] is not None and eval_set.name != "semeval_tsd_test":
            curves[eval_set.category].append((eval_set.name, eval_set.y, p))
        if eval_set.groups is not None:
            groups = np.asarray(eval_set.groups)
            subgroup = {}
            for term in sorted(set(eval_set.groups) - {"other"}):
                rows = groups == term
                auc = _auc(eval_set.y[rows], p[rows])
                if auc is not None:
                    subgroup[term] = round(auc, 4)
            extras["madlibs_subgroup_auc"] = subgroup
            extras["madlibs_min_subgroup"] = min(subgroup.items(), key=lambda kv: kv[1])
            extras["madlibs_mean_not_bad_score_per_term"] = {
                term: round(float(p[(groups == term) & (eval_set.y == 0)].mean()), 4) for term in subgroup
            }
            extras["madlibs_not_bad_held_per_term"] = {
                term: share
                for term, share in verdicts.held_share_per_group(
                    eval_set.groups, eval_set.y, outcomes
                ).items()
                if term in subgroup
            }
            _plot_bias(subgroup, report_dir / "bias_madlibs_subgroup_auc.png")
        if eval_set.spans is not None:
            review = points["toxicity"][0]
            f1s = []
            for norm, gold, score in zip(norms, eval_set.spans, p, strict=True):
                predicted: set[int] = set()
                if score >= review:
                    for span in scorer.explain(norm, "toxicity", limit=3):
                        predicted.update(range(span.start, span.end))
                f1s.append(span_f1(gold, predicted))
            entry["span_f1"] = round(float(np.mean(f1s)), 4)
            obfuscated = obfuscated_catch_rates(scorer, eval_set.texts, eval_set.spans)
        results[eval_set.name] = entry
    if "wiki_nonfuzzed" in results and "wiki_fuzzed" in results:
        extras["wiki_fuzzed_auc_difference"] = round(
            results["wiki_nonfuzzed"]["roc_auc"] - results["wiki_fuzzed"]["roc_auc"], 4
        )
        extras["wiki_negatives_held"] = {
            name: results[name]["verdicts"]["negatives_held"] for name in ("wiki_nonfuzzed", "wiki_fuzzed")
        }
    if "madlibs_not_bad_held_per_term" in extras and "wiki_negatives_held" in extras:
        _plot_held(
            extras["madlibs_not_bad_held_per_term"],
            extras["wiki_negatives_held"],
            report_dir / "bias_held_share.png",
        )
    plots = []
    for category, sets in curves.items():
        if sets:
            _plot_category(category, sets, report_dir / f"curves_{category}.png")
            plots.append(f"curves_{category}.png")
    card = json.loads((model_dir / CARD_NAME).read_text(encoding="utf-8"))
    card["eval_only"] = {
        "evaluated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model_version": scorer.version,
        "note": "eval-only sets: never trained on, never used to pick thresholds or hyper-parameters",
        "sets": results,
        "identity_bias": extras,
        "obfuscated_abuse": obfuscated,
        "plots": plots,
    }
    (model_dir / CARD_NAME).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (report_dir / "evaluation.md").write_text(render_report(card), encoding="utf-8")
    (model_dir / "README.md").write_text(render_readme(card), encoding="utf-8")
    return card


def _fmt(value: Any) -> str:
    """Numbers to 3 decimals, None as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _eval_table(card: dict[str, Any]) -> list[str]:
    """Markdown table of the eval-only results."""
    lines = [
        "| eval-only set | rows | positives | category | ROC AUC | AP | AUC of toxicity score | span F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in card["eval_only"].get("sets", {}).items():
        lines.append(
            f"| {name} | {r['rows']} | {r['positives']} | {r['category']} | {_fmt(r['roc_auc'])} | "
            f"{_fmt(r['average_precision'])} | {_fmt(r['roc_auc_of_toxicity_score'])} | {_fmt(r.get('span_f1'))} |"
        )
    return lines


def _percent(value: float | None) -> str:
    """A share as a percentage with one decimal, None as an em dash."""
    return "—" if value is None else f"{100 * value:.1f}%"


def _verdict_table(card: dict[str, Any]) -> list[str]:
    """Markdown table: what the whole pipeline decides on each eval-only set under the default policy."""
    lines = [
        "| eval-only set | positives caught (held or rejected) | positives rejected | negatives held | "
        "negatives rejected | reject precision | negatives held most often by |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in card["eval_only"].get("sets", {}).items():
        v = r.get("verdicts")
        if v is None:
            continue
        by = ", ".join(f"{code} {count}" for code, count in v["negatives_held_by"].items()) or "—"
        lines.append(
            f"| {name} | {_percent(v['positives_caught'])} | {_percent(v['positives']['reject'])} | "
            f"{_percent(v['negatives_held'])} | {_percent(v['negatives']['reject'])} | "
            f"{_percent(v['reject_precision'])} | {by} |"
        )
    return lines


VERDICTS_MEANING = (
    "Every text goes through the same pipeline as `POST /v1/score` (normaliser, rules, models, default "
    "policy) as a first comment with no author history, so the stateful spam rules (velocity, duplicates, "
    "new accounts) do not fire. 'Caught' is held for review or rejected; 'held' is the same for a comment "
    "labelled clean: the moderators' extra work. The decision counts every category and rule, so a set "
    "labelled for one category (insults, say) is caught by any reason, whatever its category."
)


def _threshold_table(card: dict[str, Any]) -> list[str]:
    """Markdown table: precision/recall on each eval-only set at the card's operating points."""
    lines = [
        "| eval-only set | category | review thr | flagged | precision | recall | reject thr | flagged | "
        "precision | recall |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in card["eval_only"].get("sets", {}).items():
        rv, rj = r["at_operating_points"]["review"], r["at_operating_points"]["reject"]
        lines.append(
            f"| {name} | {r['category']} | {_fmt(rv['threshold'])} | {_fmt(rv['flagged_share'])} | "
            f"{_fmt(rv['precision'])} | {_fmt(rv['recall'])} | {_fmt(rj['threshold'])} | {_fmt(rj['flagged_share'])} | "
            f"{_fmt(rj['precision'])} | {_fmt(rj['recall'])} |"
        )
    return lines


def _cv_table(card: dict[str, Any]) -> list[str]:
    """Markdown table of the cross-validation metrics and operating points."""
    lines = [
        "| category | rows | positives | C | CV ROC AUC | CV AP | review | reject |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in card["categories"]:
        m, (review, reject) = card["cv_metrics"][c], card["operating_points"][c]
        lines.append(
            f"| {c} | {m['rows']} | {m['positives']} | {m['C']} | {_fmt(m['cv_roc_auc'])} | "
            f"{_fmt(m['cv_average_precision'])} | {review:.3f} | {reject:.3f} |"
        )
    return lines


def _bias_lines(card: dict[str, Any]) -> list[str]:
    """Identity-bias summary lines."""
    bias = card["eval_only"].get("identity_bias", {})
    lines = []
    if "wiki_fuzzed_auc_difference" in bias:
        lines.append(
            f"- Wikipedia toxicity: ROC AUC nonfuzzed minus fuzzed (identity terms swapped) = "
            f"{bias['wiki_fuzzed_auc_difference']:+.4f} (0 means the swap changes nothing)."
        )
    if "madlibs_subgroup_auc" in bias:
        sub = bias["madlibs_subgroup_auc"]
        worst = sorted(sub.items(), key=lambda kv: kv[1])[:8]
        lines.append(
            f"- Bias madlibs (synthetic): toxicity subgroup ROC AUC per identity term, min {min(sub.values()):.3f}, "
            f"median {float(np.median(list(sub.values()))):.3f}, max {max(sub.values()):.3f}. Lowest: "
            + ", ".join(f"{k} {v:.3f}" for k, v in worst)
            + "."
        )
        scores = bias.get("madlibs_mean_not_bad_score_per_term", {})
        if scores:
            top = sorted(scores.items(), key=lambda kv: -kv[1])[:8]
            lines.append(
                "- Mean toxicity score of the NOT_BAD madlibs sentences, highest terms: "
                + ", ".join(f"{k} {v:.3f}" for k, v in top)
                + " (a term the model treats as toxic on its own)."
            )
    held = bias.get("madlibs_not_bad_held_per_term", {})
    if held:
        top = sorted(held.items(), key=lambda kv: -kv[1])[:8]
        overall = card["eval_only"]["sets"].get("bias_madlibs", {}).get("verdicts", {}).get("negatives_held")
        lines.append(
            f"- Neutral (NOT_BAD) madlibs sentences held or rejected by the full pipeline: {_percent(overall)} "
            "overall; highest terms: " + ", ".join(f"{k} {_percent(v)}" for k, v in top) + "."
        )
    wiki_held = bias.get("wiki_negatives_held")
    if wiki_held:
        lines.append(
            "- Non-toxic Wikipedia comments held or rejected by the full pipeline: "
            f"{_percent(wiki_held['wiki_nonfuzzed'])} as written, {_percent(wiki_held['wiki_fuzzed'])} with "
            "identity terms swapped."
        )
    return lines


def _obfuscation_lines(card: dict[str, Any]) -> list[str]:
    """How much obfuscated abuse is still caught, per kind of obfuscation."""
    obfuscated = card["eval_only"].get("obfuscated_abuse")
    if not obfuscated:
        return []
    written = obfuscated["as written"]
    return [
        f"Obfuscated abuse: the {obfuscated['rows']} comments of the SemEval-2021 toxic-spans test set that have "
        "marked toxic spans, with every marked word rewritten one way at a time (`service/ml/obfuscation.py`), "
        "through the full pipeline as above. Share caught (held or rejected), and the mean toxicity score:",
        "",
        "| spelling | caught | rejected | mean toxicity |",
        "|---|---|---|---|",
        f"| as written | {_percent(written['caught'])} | {_percent(written['rejected'])} | {written['mean_toxicity']:.3f} |",
        *(
            f"| {kind} | {_percent(row['caught'])} | {_percent(row['rejected'])} | {row['mean_toxicity']:.3f} |"
            for kind, row in obfuscated.items()
            if kind not in ("rows", "as written")
        ),
    ]


def render_report(card: dict[str, Any]) -> str:
    """reports/evaluation.md."""
    lines = [
        f"# Evaluation of {card['name']} {card['version']}",
        "",
        f"Generated by `python -m service.ml.evaluate` on {card['eval_only']['evaluated']}. Every set below is "
        "eval-only: never trained on, never used to choose hyper-parameters or thresholds.",
        "",
        "## ROC AUC per eval-only set (on its comparable category)",
        "",
        *_eval_table(card),
        "",
        "## Precision and recall at the card's operating points (chosen on training CV folds)",
        "",
        *_threshold_table(card),
        "",
        "## What the service decides on them (full pipeline, default policy)",
        "",
        VERDICTS_MEANING,
        "",
        *_verdict_table(card),
        "",
        "## Identity bias",
        "",
        *_bias_lines(card),
        "",
        "![madlibs](bias_madlibs_subgroup_auc.png)",
        "",
        "![held](bias_held_share.png)",
        "",
        "## Obfuscated abuse",
        "",
        *_obfuscation_lines(card),
        "",
        "## Curves",
        "",
        *[f"![{name}]({name})" for name in card["eval_only"].get("plots", [])],
        "",
        "Categories without any eval-only set (severe_toxicity, threat, obscene) have no curve; "
        "their only evidence is the cross-validation on training data below.",
        "",
        "## Cross-validation on training data",
        "",
        *_cv_table(card),
        "",
    ]
    return "\n".join(lines)


def _head_notes(card: dict[str, Any]) -> str:
    """How some heads were fitted differently (NB scaling, identity damping, source weights), as prose."""
    notes = []
    nb = card["model"].get("nb_scaling")
    if nb:
        notes.append(
            f"The {' and '.join(nb['heads'])} heads are fitted on NB-SVM-style features (each column scaled by "
            f"|naive-Bayes log-count ratio|^{nb['power']}, folded back into the coefficients), and the "
            f"{nb['damped_columns']} columns of {len(nb['identity_terms'])} identity terms are damped "
            f"×{nb['identity_damping']} in them"
            + (
                f" and in the {' and '.join(nb['damping_only_heads'])} heads"
                if nb.get("damping_only_heads")
                else ""
            )
            + ", so that naming a group is not evidence of abuse."
        )
    weights = card["model"].get("head_source_weights")
    if weights:
        parts = [
            f"{head}: " + ", ".join(f"{source} ×{w}" for source, w in sorted(sources.items()))
            for head, sources in sorted(weights.items())
        ]
        notes.append(f"Some heads weigh sources differently ({'; '.join(parts)}).")
    return " ".join(notes) + " " if notes else ""


def _identity_review(card: dict[str, Any]) -> str:
    """The identity_attack head's review threshold as the limitations text quotes it."""
    review = float(card["operating_points"]["identity_attack"][0])
    return "1.0, which means it never holds on its own" if review >= 1.0 else f"{review:.3f}"


def render_readme(card: dict[str, Any]) -> str:
    """models/README.md: the model card in prose, generated from model_card.json."""
    libs = card["libraries"]
    source_lines = []
    for s in card["training_sources"]:
        files = ", ".join(f"`{f['file']}`" for f in s["files"])
        source_lines.append(
            f"- **{s['name']}** ({s['rows_used']} rows used; {s['rows_dropped_as_eval_duplicates']} dropped as "
            f"duplicates of eval-only texts). License: {s['license']}. Files: {files}. Mapping: {s['label_mapping']}"
        )
    lines = [
        f"# Model card: {card['name']} {card['version']}",
        "",
        "Generated from `model_card.json` by `python -m service.ml.evaluate`; do not edit by hand.",
        "",
        "## What it is",
        "",
        f"One joblib file (`{card['artifact']['file']}`, {card['artifact']['bytes'] / 1e6:.2f} MB, sha256 "
        f"`{card['artifact']['sha256']}`) holding one shared vectorisation of the normalised text "
        f"(normaliser version {card['normaliser_version']}): hashed word 1-2 grams and char_wb 2-5 grams, pruned to "
        "the most frequent columns, sublinear TF-IDF; and one L2 logistic-regression head per category "
        f"({', '.join(card['categories'])}), Platt-calibrated on out-of-fold scores. {_head_notes(card)}Fitted with Python "
        f"{libs['python']}, scikit-learn {libs['scikit_learn']}, joblib {libs['joblib']}, numpy {libs['numpy']}. "
        "The loader (`service.ml.scorer.load_scorer`) refuses the artifact if its sha256 differs from the card, "
        "if scikit-learn or joblib differ, if numpy's major version differs, or if the normaliser version or its lexicon (`service/text/lexicon.txt`, by sha256) differs.",
        "",
        "## Retrain and evaluate",
        "",
        "```",
        "python -m service.ml.train --data ../shared/datasets --out models     # or: moderation train",
        "python -m service.ml.evaluate --data ../shared/datasets --models models --reports reports",
        "python -m bench.peer_benchmark                                        # vs alt-profanity-check",
        "```",
        "",
        f"Training is seeded (seed {card['model']['seed']}) and took {card['training']['seconds']} s on 2 cores "
        f"for {card['training']['rows']} rows; the sha256 of every input file is in the card. Eval-overlap guard: "
        f"{card['training']['eval_overlap_guard']}.",
        "",
        "## Training data",
        "",
        *source_lines,
        "",
        "The `seeds_labelled` rows are HAND-WRITTEN by this project's engineers (news comment-section spam and "
        "ham, and a few toxic lines); they are not real user comments.",
        "",
        "## Cross-validation (training data only) and operating points",
        "",
        card["operating_points"]["meaning"] + ".",
        "",
        *_cv_table(card),
        "",
        "## Eval-only results",
        "",
        *(_eval_table(card) if card["eval_only"].get("sets") else ["Not evaluated yet."]),
        "",
        "What the service decides on the same sets: " + VERDICTS_MEANING,
        "",
        *_verdict_table(card),
        "",
        *_bias_lines(card),
        "",
        *_obfuscation_lines(card),
        "",
        "## Known limitations",
        "",
        "- A bag of n-grams: no context, sarcasm or quotation awareness; quoting an insult to condemn it scores as "
        "the insult.",
        "- Most training text is tweets and Wikipedia talk pages, not news comment sections; the only "
        "comment-section spam is the project's small hand-written seed set, so link/SEO spam coverage is thin "
        "and the rules layer must carry it.",
        "- severe_toxicity (69 positives) and threat (~100 positives) have very little data and no eval-only set; "
        "treat their scores as weak signals.",
        "- Identity terms that co-occur with abuse in the training data raise scores on neutral sentences "
        "(see the madlibs numbers above); the toxicity and insult heads damp them, so an attack on a group "
        "that uses no abusive word (a conspiracy trope, say) leans on the identity_attack head, whose review "
        f"threshold is high ({_identity_review(card)} in the table above): such comments are often "
        "held rather than rejected, and some pass. The rules hold the commonest shapes (a group called vermin "
        "or criminals: civility.dehumanising; a group said to control the banks or media, or to be replacing "
        "others: civility.group_conspiracy), not the rest.",
        '- A violent verb used as a figure of speech in political argument ("stop killing the economy") scores as '
        "toxic; the civility.figure_of_speech note lets a weak toxicity score pass when the verb's object is one "
        "of the things it lists (the economy, businesses, the high street, a bill), and about anything else such "
        "a comment can still be held.",
        "- No head holds a comment below a calibrated probability of 0.2 (the review floor in the operating "
        "points above): far fewer clean comments are held, but an abusive comment that only the obscene, "
        "severe_toxicity or spam head noticed, weakly, now passes; the verdict table shows both sides.",
        "- English only.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: python -m service.ml.evaluate --data DIR --models models --reports reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR)
    parser.add_argument("--models", type=Path, default=REPO_ROOT / "models")
    parser.add_argument("--reports", type=Path, default=REPO_ROOT / "reports")
    args = parser.parse_args(argv)
    card = evaluate(args.models, args.data, args.reports)
    for name, r in card["eval_only"]["sets"].items():
        print(f"{name:28s} {r['category']:16s} ROC AUC {_fmt(r['roc_auc'])}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
