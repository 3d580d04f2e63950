"""Offline scoring of a JSONL file through the same pipeline as the API, storing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from service.errors import ValidationFailed
from service.moderation.documents import score_document
from service.moderation.service import ModerationService
from service.moderation.types import Comment
from service.schemas import CommentIn

_SCHEMA = CommentIn()
# The contract's output lines: {"id", "decision", "scores", "reasons"}.
_OFFLINE_FIELDS = ("id", "decision", "scores", "reasons")


def _offline_line(comment_id: str, verdict: Any) -> dict[str, Any]:
    document = score_document(comment_id, verdict)
    return {key: document[key] for key in _OFFLINE_FIELDS}


def _read(path: Path) -> Iterator[Comment]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValidationError("each line must be a JSON object")
                record["id"] = str(record.get("id", number))
                comment: Comment = _SCHEMA.load(record)
            except (json.JSONDecodeError, ValidationError) as error:
                detail = error.messages if isinstance(error, ValidationError) else str(error)
                raise ValidationFailed(f"{path}:{number}: {detail}") from error
            yield comment


def score_file(
    service: ModerationService, input_path: Path, output_path: Path, site_name: str | None, batch_size: int
) -> int:
    """Score every line of `input_path` into `output_path` in the same order; returns the count."""
    count = 0
    batch: list[Comment] = []
    with output_path.open("w", encoding="utf-8") as out:

        def flush() -> None:
            for comment, verdict in zip(batch, service.score(batch, site_name), strict=True):
                out.write(json.dumps(_offline_line(comment.id, verdict), ensure_ascii=False) + "\n")
            batch.clear()

        for comment in _read(input_path):
            batch.append(comment)
            count += 1
            if len(batch) >= batch_size:
                flush()
        flush()
    return count
