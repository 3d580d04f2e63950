"""Readers for the shared labelled data sets, each mapped onto our seven categories (train vs eval-only is strict)."""

from __future__ import annotations

import ast
import contextlib
import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from service.moderation.types import CATEGORIES

# Some Wikipedia comments are longer than csv's default 128 kB field limit.
csv.field_size_limit(sys.maxsize)

MISSING = -1
CAT_INDEX = {name: i for i, name in enumerate(CATEGORIES)}
TOXIC_CATEGORIES = tuple(c for c in CATEGORIES if c != "spam")
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds" / "labelled"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"

# How every source's own labels become ours. A category a source does not annotate stays MISSING (-1),
# so that head simply does not see those rows. Written out here so the card and a reader can check it.
LABEL_MAPPING: dict[str, str] = {
    "site_labels": "a site's own moderator decisions and Akismet/Perspective submissions "
    "(`moderation labels export`): approve→every category 0; reject→each category the verdict flagged "
    "(or Akismet's spam) 1, the rest missing; a reject that names no category is skipped",
    "jigsaw2018_subset": "toxic→toxicity, severe_toxic→severe_toxicity, obscene→obscene, threat→threat, "
    "insult→insult, identity_hate→identity_attack; spam=0 (Wikipedia talk pages are not spam)",
    "jigsaw2018_subset_jaythibs": "label→toxicity (deduplicated on id and on text); label=0 also sets the five toxic "
    "sub-categories to 0 (a non-toxic comment is not an insult/threat/...); spam=0",
    "kaggle_insults_impermium": "Insult=1→insult=1, toxicity=1; Insult=0→insult=0, toxicity missing "
    "(non-insults there include untargeted profanity); literal escapes decoded; spam=0",
    "davidson_hate_offensive": "class 0 hate→identity_attack=1, toxicity=1; class 1 offensive→toxicity=1, "
    "identity_attack=0, weight 0.3 and a fixed random subset of 4,000 rows (casual slang/profanity, not the "
    "toxicity of a news comment section); class 2 neither→all toxic categories 0; spam=0",
    "civil_comments_toxic_spans": "per comment, majority of its annotators: toxicity = not marked 'not toxic'; "
    "a typed span Insult→insult, Identity based Attack→identity_attack, Profane/Obscene→obscene, "
    "Threat→threat when a majority of annotators marked that type; comments whose text is in "
    "semeval2021_tsd_test.csv (eval-only) are removed; spam=0",
    "wiki_cat_large_context": "gn.csv and gc.csv label→toxicity (comment text only, the parent is not used); "
    "label=0 sets the toxic sub-categories to 0; spam=0",
    "olid_offenseval2019": "training file only: subtask_a OFF→toxicity=1, NOT→all toxic categories 0; "
    "subtask_b TIN→insult=1, UNT→insult=0; spam=0",
    "tweeteval_hate": "HatEval train+val: hate→identity_attack=1; not-hate→identity_attack=0; toxicity "
    "missing for both (non-hate tweets can still be offensive, and a source that labels only positives "
    "teaches the toxicity head that its style and topics are toxic); spam=0",
    "stormfront_hate_degibert": "hate→identity_attack=1; noHate→identity_attack=0; toxicity missing for both "
    "(as for HatEval: positives only); relation and idk/skip dropped; spam=0",
    "ruddit_offensiveness": "offensiveness_score >= 0.5→toxicity=1; score < 0.2→all toxic categories 0; "
    "0.2..0.5 dropped as ambiguous; [deleted]/[removed] dropped; spam=0",
    "youtube_spam": "Youtube01-04 label→spam (1 spam, 0 ham); toxic categories missing (not annotated); "
    "Youtube05-Shakira is eval-only",
    "sms_spam": "Label spam→spam=1, ham→spam=0; toxic categories missing",
    "janitr_crypto_scam_x": "WEAK labels, weight 0.5: any of scam/spam/phishing/recovery_scam/promo/"
    "affiliate/lead_gen/giveaway/reply_spam/follow_train/impersonation→spam=1, otherwise spam=0; "
    "toxic categories missing; deduplicated on text",
    "seeds_labelled": "the project's own HAND-WRITTEN news-comment examples (seeds/labelled/*.jsonl): every "
    "category labelled explicitly; weight 2",
}


@dataclass
class LabelledSet:
    """One training source: texts, a label matrix over CATEGORIES (-1 = missing) and per-row weights."""

    name: str
    texts: list[str]
    labels: np.ndarray  # shape (n, len(CATEGORIES)), int8, MISSING where the source says nothing
    weights: np.ndarray  # shape (n,), float
    files: list[Path]

    def __len__(self) -> int:
        """Number of rows."""
        return len(self.texts)


@dataclass
class EvalSet:
    """One eval-only set: texts, a binary label and the category of ours it is comparable with."""

    name: str
    texts: list[str]
    y: np.ndarray
    category: str
    files: list[Path]
    description: str
    # Optional extras: gold toxic character offsets (SemEval TSD) or a group per row (madlibs term).
    spans: list[list[int]] | None = None
    groups: list[str] | None = field(default=None)


def _row(default: int = MISSING, **values: int) -> list[int]:
    """A label row with `default` everywhere except the named categories."""
    row = [default] * len(CATEGORIES)
    for name, value in values.items():
        row[CAT_INDEX[name]] = value
    return row


def _non_toxic(spam: int = 0) -> list[int]:
    """A row for a text a source says is not toxic at all: every toxic category 0."""
    return _row(0, spam=spam)


def _make(name: str, rows: Iterable[tuple[str, list[int], float]], files: list[Path]) -> LabelledSet:
    """Build a LabelledSet, dropping empty texts."""
    texts: list[str] = []
    labels: list[list[int]] = []
    weights: list[float] = []
    for text, label, weight in rows:
        if text and text.strip():
            texts.append(text)
            labels.append(label)
            weights.append(weight)
    return LabelledSet(
        name=name,
        texts=texts,
        labels=np.asarray(labels, dtype=np.int8).reshape(-1, len(CATEGORIES)),
        weights=np.asarray(weights, dtype=np.float64),
        files=files,
    )


def _dict_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """Read a CSV file with a header into dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


_ESCAPE = re.compile(r"\\(.?)", re.DOTALL)
_ESCAPE_CHARS = frozenset("\n\\'\"abfnrtvxuUN01234567")


def _keep_lone_backslash(match: re.Match[str]) -> str:
    """A backslash that starts no escape ("\\p") stays as typed: doubled, so the codec neither warns about
    it now nor fails on it in a future Python. Escape pairs ("\\\\", "\\n") are consumed whole."""
    return match.group(0) if match.group(1) in _ESCAPE_CHARS else "\\\\" + match.group(1)


def decode_kaggle(raw: str) -> str:
    """Decode the Kaggle insults text: outer quotes, literal \\xNN / \\uNNNN / \\n escapes, UTF-8 mojibake."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    try:
        text = (
            _ESCAPE.sub(_keep_lone_backslash, text)
            .encode("latin-1", "backslashreplace")
            .decode("unicode_escape")
        )
    except UnicodeDecodeError:
        return text
    text = text.replace("\\'", "'").replace('\\"', '"')
    # Escaped UTF-8 byte pairs (\xc2\xa0) come out as latin-1 mojibake; repair them when they are valid UTF-8.
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("latin-1").decode("utf-8")
    return text


# --------------------------------------------------------------------------------------------- train sets


def read_jigsaw(data_dir: Path) -> LabelledSet:
    """Jigsaw 2018 subset with all six labels."""
    path = data_dir / "jigsaw2018_subset" / "toxic_comments.csv"
    rows = []
    for r in _dict_rows(path):
        label = _row(
            toxicity=int(r["toxic"]),
            severe_toxicity=int(r["severe_toxic"]),
            obscene=int(r["obscene"]),
            threat=int(r["threat"]),
            insult=int(r["insult"]),
            identity_attack=int(r["identity_hate"]),
            spam=0,
        )
        rows.append((r["comment_text"], label, 1.0))
    return _make("jigsaw2018_subset", rows, [path])


def read_jaythibs(data_dir: Path) -> LabelledSet:
    """More Jigsaw 2018 comments with a binary toxic label, deduplicated on id and on text.

    Why text too: the files repeat comments under other ids (5746 rows held only 3893 distinct texts).
    """
    folder = data_dir / "jigsaw2018_subset_jaythibs"
    files = sorted(folder.glob("*.csv"))
    seen: set[str] = set()
    rows = []
    for path in files:
        for r in _dict_rows(path):
            keys = {f"id:{r['id']}"} if r.get("id") else set()
            keys.add(f"text:{r['text']}")
            if keys & seen:
                continue
            seen |= keys
            toxic = int(float(r["label"]))
            rows.append((r["text"], _row(toxicity=1, spam=0) if toxic else _non_toxic(), 1.0))
    return _make("jigsaw2018_subset_jaythibs", rows, files)


def read_kaggle_train(data_dir: Path) -> LabelledSet:
    """Kaggle 'Detecting Insults in Social Commentary' training file."""
    path = data_dir / "kaggle_insults_impermium" / "train.csv"
    rows = []
    for r in _dict_rows(path):
        insult = int(r["Insult"])
        label = _row(insult=1, toxicity=1, spam=0) if insult else _row(insult=0, spam=0)
        rows.append((decode_kaggle(r["Comment"]), label, 1.0))
    return _make("kaggle_insults_impermium", rows, [path])


DAVIDSON_OFFENSIVE_SUBSET = 4000
DAVIDSON_OFFENSIVE_WEIGHT = 0.3


def read_davidson(data_dir: Path) -> LabelledSet:
    """Davidson hate/offensive tweets; the huge 'offensive' class is subsampled and down-weighted."""
    path = data_dir / "davidson_hate_offensive" / "labeled_data.csv"
    records = _dict_rows(path)
    offensive = [i for i, r in enumerate(records) if r["class"] == "1"]
    # A fixed seed so the subset (and so the model) is reproducible.
    keep = set(
        np.random.default_rng(1234).choice(offensive, DAVIDSON_OFFENSIVE_SUBSET, replace=False).tolist()
    )
    rows = []
    for i, r in enumerate(records):
        cls = r["class"]
        if cls == "0":
            rows.append((r["tweet"], _row(identity_attack=1, toxicity=1, spam=0), 1.0))
        elif cls == "1" and i in keep:
            rows.append((r["tweet"], _row(toxicity=1, identity_attack=0, spam=0), DAVIDSON_OFFENSIVE_WEIGHT))
        elif cls == "2":
            rows.append((r["tweet"], _non_toxic(), 1.0))
    return _make("davidson_hate_offensive", rows, [path])


CIVIL_SPAN_TYPES = {
    "Insult": "insult",
    "Identity based Attack": "identity_attack",
    "Profane/Obscene": "obscene",
    "Threat": "threat",
}


def read_civil_comments(data_dir: Path) -> LabelledSet:
    """Civil Comments toxic-span annotations aggregated per comment; the SemEval test texts are excluded."""
    folder = data_dir / "civil_comments_toxic_spans"
    files = [folder / "comments.csv", folder / "annotations.csv", folder / "spans.csv"]
    test_texts = {r["text"] for r in _dict_rows(folder / "semeval2021_tsd_test.csv")}
    comments = {r["comment_id"]: r["comment_text"] for r in _dict_rows(files[0])}
    annotators: dict[str, list[str]] = {}
    toxic_votes: dict[str, int] = {}
    annotation_comment: dict[str, str] = {}
    for r in _dict_rows(files[1]):
        cid = r["comment_id"]
        annotators.setdefault(cid, []).append(r["annotation"])
        annotation_comment[r["annotation"]] = cid
        toxic_votes[cid] = toxic_votes.get(cid, 0) + (r["not toxic"] != "True")
    type_votes: dict[tuple[str, str], set[str]] = {}
    for r in _dict_rows(files[2]):
        category = CIVIL_SPAN_TYPES.get(r["type"])
        span_comment = annotation_comment.get(r["annotation"])
        if category and span_comment:
            type_votes.setdefault((span_comment, category), set()).add(r["annotation"])
    rows = []
    for cid, anns in annotators.items():
        text = comments.get(cid, "")
        if not text or text in test_texts:
            continue
        half = len(anns) / 2
        toxic = int(toxic_votes[cid] > half)
        if not toxic:
            rows.append((text, _non_toxic(), 1.0))
            continue
        values = {cat: int(len(type_votes.get((cid, cat), ())) > half) for cat in CIVIL_SPAN_TYPES.values()}
        rows.append((text, _row(toxicity=1, spam=0, **values), 1.0))
    return _make("civil_comments_toxic_spans", rows, [*files, folder / "semeval2021_tsd_test.csv"])


def read_wiki_context(data_dir: Path) -> LabelledSet:
    """Wikipedia talk comments rated without (gn) and with (gc) their parent; only the comment text is used."""
    folder = data_dir / "wiki_cat_large_context"
    files = [folder / "gn.csv", folder / "gc.csv"]
    rows = []
    for path in files:
        for r in _dict_rows(path):
            toxic = int(float(r["label"]))
            rows.append((r["text"], _row(toxicity=1, spam=0) if toxic else _non_toxic(), 1.0))
    return _make("wiki_cat_large_context", rows, files)


def read_olid_train(data_dir: Path) -> LabelledSet:
    """OLID (OffensEval 2019) training tweets: subtask a and b."""
    path = data_dir / "olid_offenseval2019" / "olid-training-v1.0.tsv"
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["subtask_a"] == "OFF":
                label = _row(toxicity=1, spam=0)
                if r["subtask_b"] in ("TIN", "UNT"):
                    label[CAT_INDEX["insult"]] = int(r["subtask_b"] == "TIN")
            else:
                label = _non_toxic()
            rows.append((r["tweet"], label, 1.0))
    return _make("olid_offenseval2019", rows, [path])


def _lines(path: Path) -> list[str]:
    """Lines of a text file without their line ends."""
    return path.read_text(encoding="utf-8").splitlines()


def read_hateval_train(data_dir: Path) -> LabelledSet:
    """HatEval 2019 (TweetEval copy) train and validation splits."""
    folder = data_dir / "tweeteval_offensive_hate" / "hate"
    files = []
    rows = []
    for split in ("train", "val"):
        text_path, label_path = folder / f"{split}_text.txt", folder / f"{split}_labels.txt"
        files += [text_path, label_path]
        for text, label in zip(_lines(text_path), _lines(label_path), strict=True):
            hate = int(label)
            # Toxicity stays missing: only the positives would carry it (see LABEL_MAPPING).
            mapped = _row(identity_attack=int(hate), spam=0)
            rows.append((text, mapped, 1.0))
    return _make("tweeteval_hate", rows, files)


def read_stormfront(data_dir: Path) -> LabelledSet:
    """Stormfront forum sentences labelled hate / noHate."""
    path = data_dir / "stormfront_hate_degibert" / "stormfront_sentences.csv"
    rows = []
    for r in _dict_rows(path):
        # Toxicity stays missing: only the positives would carry it (see LABEL_MAPPING).
        if r["label"] == "hate":
            rows.append((r["text"], _row(identity_attack=1, spam=0), 1.0))
        elif r["label"] == "noHate":
            rows.append((r["text"], _row(identity_attack=0, spam=0), 1.0))
    return _make("stormfront_hate_degibert", rows, [path])


def read_ruddit(data_dir: Path) -> LabelledSet:
    """Ruddit Reddit comments with a real-valued offensiveness score."""
    path = data_dir / "ruddit_offensiveness" / "ruddit_with_text.csv"
    rows = []
    for r in _dict_rows(path):
        text = r["txt"]
        if text.strip() in ("[deleted]", "[removed]"):
            continue
        score = float(r["offensiveness_score"])
        if score >= 0.5:
            rows.append((text, _row(toxicity=1, spam=0), 1.0))
        elif score < 0.2:
            rows.append((text, _non_toxic(), 1.0))
    return _make("ruddit_offensiveness", rows, [path])


YOUTUBE_TRAIN = (
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
)


def read_youtube_train(data_dir: Path) -> LabelledSet:
    """YouTube spam collection, videos 1-4 (video 5 is eval-only)."""
    files = [data_dir / "youtube_spam" / name for name in YOUTUBE_TRAIN]
    rows = [(r["CONTENT"], _row(spam=int(r["label"])), 1.0) for path in files for r in _dict_rows(path)]
    return _make("youtube_spam", rows, files)


def read_sms(data_dir: Path) -> LabelledSet:
    """UCI SMS spam collection."""
    path = data_dir / "sms_spam" / "SMSSpamCollection.tsv"
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows.append((r["SMS"], _row(spam=int(r["Label"] == "spam")), 1.0))
    return _make("sms_spam", rows, [path])


JANITR_SPAM_LABELS = frozenset(
    {
        "scam",
        "spam",
        "phishing",
        "recovery_scam",
        "promo",
        "affiliate",
        "lead_gen",
        "giveaway",
        "reply_spam",
        "follow_train",
        "impersonation",
    }
)
JANITR_WEIGHT = 0.5


def read_janitr(data_dir: Path) -> LabelledSet:
    """Janitr crypto scam/spam X posts: weak labels, so down-weighted and deduplicated on text."""
    path = data_dir / "janitr_crypto_scam_x" / "sample.jsonl"
    seen: set[str] = set()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text = record.get("text", "")
        if text in seen:
            continue
        seen.add(text)
        spam = int(bool(JANITR_SPAM_LABELS.intersection(record.get("labels", []))))
        rows.append((text, _row(spam=spam), JANITR_WEIGHT))
    return _make("janitr_crypto_scam_x", rows, [path])


SEED_WEIGHT = 2.0


def read_seeds(seeds_dir: Path = SEEDS_DIR) -> LabelledSet:
    """The project's own hand-written labelled news comments (`{"text", "labels": {category: 0|1}}` lines)."""
    files = sorted(seeds_dir.glob("*.jsonl"))
    rows = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            labels = record["labels"]
            unknown = set(labels) - set(CATEGORIES)
            if unknown:
                raise ValueError(f"{path}:{number}: unknown categories {sorted(unknown)}")
            rows.append((record["text"], _row(MISSING, **labels), SEED_WEIGHT))
    return _make("seeds_labelled", rows, files)


SITE_LABEL_WEIGHT = 2.0


def read_site_labels(paths: Sequence[Path]) -> LabelledSet:
    """Human labels exported by `moderation labels export`, so moderators' decisions feed retraining."""
    rows = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            text, label, categories = record["text"], record["label"], record.get("categories") or []
            unknown = set(categories) - set(CATEGORIES)
            if unknown:
                raise ValueError(f"{path}:{number}: unknown categories {sorted(unknown)}")
            if label == "approve":
                rows.append((text, _row(0), SITE_LABEL_WEIGHT))
            elif label == "reject" and categories:
                rows.append((text, _row(MISSING, **dict.fromkeys(categories, 1)), SITE_LABEL_WEIGHT))
            elif label != "reject":
                raise ValueError(f"{path}:{number}: label must be approve or reject, not {label!r}")
    return _make("site_labels", rows, list(paths))


TRAIN_READERS_BY_NAME: dict[str, Callable[[Path], LabelledSet]] = {
    "jigsaw2018_subset": read_jigsaw,
    "jigsaw2018_subset_jaythibs": read_jaythibs,
    "kaggle_insults_impermium": read_kaggle_train,
    "davidson_hate_offensive": read_davidson,
    "civil_comments_toxic_spans": read_civil_comments,
    "wiki_cat_large_context": read_wiki_context,
    "olid_offenseval2019": read_olid_train,
    "tweeteval_hate": read_hateval_train,
    "stormfront_hate_degibert": read_stormfront,
    "ruddit_offensiveness": read_ruddit,
    "youtube_spam": read_youtube_train,
    "sms_spam": read_sms,
    "janitr_crypto_scam_x": read_janitr,
}
TRAIN_READERS: tuple[Callable[[Path], LabelledSet], ...] = tuple(TRAIN_READERS_BY_NAME.values())


def read_training_sets(data_dir: Path, seeds_dir: Path = SEEDS_DIR) -> list[LabelledSet]:
    """Every training source, plus the hand-written seeds."""
    return [reader(data_dir) for reader in TRAIN_READERS] + [read_seeds(seeds_dir)]


# ----------------------------------------------------------------------------------------- eval-only sets


def read_jigsaw_test(data_dir: Path) -> EvalSet:
    """Jigsaw 2018 test split (balanced), no header: text,label."""
    path = data_dir / "jigsaw2018_subset_robtest" / "test.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        records = [r for r in csv.reader(handle) if len(r) == 2]
    return EvalSet(
        "jigsaw2018_test",
        [r[0] for r in records],
        np.asarray([int(r[1]) for r in records]),
        "toxicity",
        [path],
        "Jigsaw 2018 test split, toxic vs not",
    )


def _read_kaggle_eval(path: Path, name: str) -> EvalSet:
    """One of the Kaggle insults eval files."""
    records = _dict_rows(path)
    return EvalSet(
        name,
        [decode_kaggle(r["Comment"]) for r in records],
        np.asarray([int(r["Insult"]) for r in records]),
        "insult",
        [path],
        "Kaggle insults (Impermium) news/forum comments, insult vs not",
    )


def read_kaggle_test(data_dir: Path) -> EvalSet:
    """Kaggle insults labelled test set."""
    return _read_kaggle_eval(
        data_dir / "kaggle_insults_impermium" / "test_with_solutions.csv", "kaggle_insults_test"
    )


def read_kaggle_verification(data_dir: Path) -> EvalSet:
    """Kaggle insults verification set."""
    path = data_dir / "kaggle_insults_impermium" / "impermium_verification_labels.csv"
    return _read_kaggle_eval(path, "kaggle_insults_verification")


def _read_olid_level(data_dir: Path, level: str) -> tuple[list[str], list[str], list[Path]]:
    """Join an OLID test level's tweets with its labels on id."""
    folder = data_dir / "olid_offenseval2019"
    text_path, label_path = folder / f"testset-level{level}.tsv", folder / f"labels-level{level}.csv"
    with text_path.open(newline="", encoding="utf-8") as handle:
        tweets = {r["id"]: r["tweet"] for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}
    with label_path.open(newline="", encoding="utf-8") as handle:
        labels = {r[0]: r[1] for r in csv.reader(handle) if len(r) == 2}
    ids = [i for i in tweets if i in labels]
    return [tweets[i] for i in ids], [labels[i] for i in ids], [text_path, label_path]


def read_olid_test_a(data_dir: Path) -> EvalSet:
    """OLID test, level a: offensive vs not."""
    texts, labels, files = _read_olid_level(data_dir, "a")
    y = np.asarray([int(x == "OFF") for x in labels])
    return EvalSet("olid_test_a", texts, y, "toxicity", files, "OLID test level a, OFF vs NOT")


def read_olid_test_b(data_dir: Path) -> EvalSet:
    """OLID test, level b (offensive tweets only): targeted insult/threat vs untargeted."""
    texts, labels, files = _read_olid_level(data_dir, "b")
    y = np.asarray([int(x == "TIN") for x in labels])
    return EvalSet("olid_test_b", texts, y, "insult", files, "OLID test level b, TIN vs UNT")


def read_hateval_test(data_dir: Path) -> EvalSet:
    """HatEval 2019 test split."""
    folder = data_dir / "tweeteval_offensive_hate" / "hate"
    files = [folder / "test_text.txt", folder / "test_labels.txt"]
    texts, labels = _lines(files[0]), _lines(files[1])
    y = np.asarray([int(x) for x in labels])
    return EvalSet("hateval_test", texts, y, "identity_attack", files, "HatEval 2019 test, hate vs not")


def read_ethos(data_dir: Path) -> EvalSet:
    """Ethos binary hate speech (eval-only: GPL-3.0)."""
    path = data_dir / "ethos" / "Ethos_Dataset_Binary.csv"
    records = _dict_rows(path, delimiter=";")
    y = np.asarray([int(float(r["isHate"]) >= 0.5) for r in records])
    return EvalSet(
        "ethos_binary", [r["comment"] for r in records], y, "identity_attack", [path], "Ethos, isHate>=0.5"
    )


MADLIBS_TERMS = (
    "lesbian", "gay", "bisexual", "transgender", "trans", "queer", "lgbt", "lgbtq", "homosexual", "straight",
    "heterosexual", "male", "female", "nonbinary", "african", "african american", "black", "white", "european",
    "hispanic", "latino", "latina", "latinx", "mexican", "canadian", "american", "asian", "indian",
    "middle eastern", "chinese", "japanese", "christian", "muslim", "jewish", "buddhist", "catholic",
    "protestant", "sikh", "taoist", "old", "older", "young", "younger", "teenage", "millenial", "middle aged",
    "elderly", "blind", "deaf", "paralyzed",
)  # fmt: skip


def _madlibs_term(text: str) -> str:
    """The identity term a madlibs sentence names (longest match wins: 'african american' over 'american')."""
    words = f" {text.lower()} "
    found = [term for term in MADLIBS_TERMS if f" {term} " in words]
    return max(found, key=len) if found else "other"


def read_madlibs(data_dir: Path) -> EvalSet:
    """Synthetic bias madlibs sentences naming identity groups (bias measurement only)."""
    path = data_dir / "synthetic_bias_madlibs" / "bias_madlibs_77k.csv"
    records = _dict_rows(path)
    texts = [r["Text"] for r in records]
    return EvalSet(
        "bias_madlibs",
        texts,
        np.asarray([int(r["Label"] == "BAD") for r in records]),
        "toxicity",
        [path],
        "synthetic identity-term templates, BAD vs NOT_BAD",
        groups=[_madlibs_term(t) for t in texts],
    )


def _read_wiki_test(data_dir: Path, kind: str) -> EvalSet:
    """Wikipedia Talk Labels toxicity test sample, original or identity-fuzzed."""
    path = data_dir / "wiki_toxicity_testsets" / f"toxicity_{kind}_testset.csv"
    records = _dict_rows(path)
    y = np.asarray([int(r["toxic"] == "True") for r in records])
    return EvalSet(
        f"wiki_{kind}", [r["comment"] for r in records], y, "toxicity", [path], f"Wikipedia toxicity, {kind}"
    )


def read_wiki_nonfuzzed(data_dir: Path) -> EvalSet:
    """Wikipedia toxicity test sample as written."""
    return _read_wiki_test(data_dir, "nonfuzzed")


def read_wiki_fuzzed(data_dir: Path) -> EvalSet:
    """Wikipedia toxicity test sample with identity terms swapped."""
    return _read_wiki_test(data_dir, "fuzzed")


def read_youtube_shakira(data_dir: Path) -> EvalSet:
    """YouTube spam collection, video 5 (held out whole)."""
    path = data_dir / "youtube_spam" / "Youtube05-Shakira.csv"
    records = _dict_rows(path)
    y = np.asarray([int(r["label"]) for r in records])
    return EvalSet(
        "youtube05_shakira", [r["CONTENT"] for r in records], y, "spam", [path], "YouTube spam, unseen video"
    )


def read_semeval_tsd_test(data_dir: Path) -> EvalSet:
    """SemEval-2021 toxic spans test: gold toxic character offsets (y = has any toxic span)."""
    path = data_dir / "civil_comments_toxic_spans" / "semeval2021_tsd_test.csv"
    records = _dict_rows(path)
    spans = [list(ast.literal_eval(r["spans"])) for r in records]
    return EvalSet(
        "semeval_tsd_test",
        [r["text"] for r in records],
        np.asarray([int(bool(s)) for s in spans]),
        "toxicity",
        [path],
        "SemEval-2021 toxic spans test (span F1)",
        spans=spans,
    )


EVAL_READERS: tuple[Callable[[Path], EvalSet], ...] = (
    read_jigsaw_test,
    read_kaggle_test,
    read_kaggle_verification,
    read_olid_test_a,
    read_olid_test_b,
    read_hateval_test,
    read_ethos,
    read_madlibs,
    read_wiki_nonfuzzed,
    read_wiki_fuzzed,
    read_youtube_shakira,
    read_semeval_tsd_test,
)


def read_eval_sets(data_dir: Path) -> list[EvalSet]:
    """Every eval-only set."""
    return [reader(data_dir) for reader in EVAL_READERS]


def licenses(data_dir: Path) -> dict[str, str]:
    """File path (relative to data_dir) → license, from the shared manifest."""
    manifest = data_dir / "manifest.json"
    if not manifest.exists():
        return {}
    return {entry["file"]: entry.get("license", "unknown") for entry in json.loads(manifest.read_text())}
