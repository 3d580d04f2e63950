"""Build `service/text/lexicon.txt`: the words the normaliser may split a spaced-out run into.

Every word (letters only, two or more) that appears in at least MIN_ROWS rows of the training sets, ordered
by the number of rows it appears in (ties alphabetically). Only the texts are read, never a label, and never
an eval-only file. Rebuilding changes the canonical form of spaced-out text, so retrain when the file changes:
the model card records the file's sha256 and the loader refuses a model fitted with another lexicon.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from service.ml import datasets
from service.text.lexicon import LEXICON_PATH

MIN_ROWS = 5
_WORD = re.compile(r"[^\W\d_]{2,}")


def lexicon_words(texts_by_source: dict[str, Sequence[str]], min_rows: int = MIN_ROWS) -> list[str]:
    """Words in at least `min_rows` rows, the most widespread first."""
    rows: collections.Counter[str] = collections.Counter()
    for texts in texts_by_source.values():
        for text in texts:
            rows.update(set(_WORD.findall(text.casefold())))
    kept = [word for word, count in rows.items() if count >= min_rows]
    return sorted(kept, key=lambda word: (-rows[word], word))


def main(argv: Sequence[str] | None = None) -> int:
    """Read every training source's texts and write the lexicon file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=LEXICON_PATH)
    args = parser.parse_args(argv)
    texts = {
        name: reader(args.data).texts
        for name, reader in tqdm(datasets.TRAIN_READERS_BY_NAME.items(), desc="training texts")
    }
    texts["seeds_labelled"] = datasets.read_seeds().texts
    words = lexicon_words(texts)
    header = [
        "# Words the normaliser may split a spaced-out run into (service/text/lexicon.py).",
        f"# Built by `python -m service.ml.build_lexicon`: words in >= {MIN_ROWS} rows of the training sets "
        f"({', '.join(sorted(texts))}), most widespread first. Labels are not read.",
    ]
    args.out.write_text("\n".join([*header, *words]) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
