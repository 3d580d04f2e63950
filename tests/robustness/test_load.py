"""Load without loss: concurrent posts, every id sent twice, each comment stored exactly once with its verdict."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from service.store.tables import CommentRow
from tests.conftest import bearer

TEXTS = ["a calm remark about the article", "you moron", "buy now", "thanks for this", "I hate mondays"]


def test_concurrent_posts_store_each_comment_exactly_once(
    app: Any, site: dict[str, str], service: Any
) -> None:
    ids = [f"load-{n}" for n in range(120)]
    sends = ids * 2  # every comment is delivered twice, as a retrying client would
    random.Random(6).shuffle(sends)
    answers: dict[str, list[tuple[int, dict[str, Any]]]] = {i: [] for i in ids}
    lock = threading.Lock()

    def send(comment_id: str) -> None:
        body = {"id": comment_id, "text": TEXTS[int(comment_id.split("-")[1]) % len(TEXTS)]}
        with app.test_client() as client:
            response = client.post("/v1/comments", json=body, headers=bearer(site["ingest"]))
        with lock:
            answers[comment_id].append((response.status_code, response.get_json()))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, sends))

    for comment_id, got in answers.items():
        assert sorted(status for status, _ in got) == [200, 201], (comment_id, got)
        first, second = (body for _, body in got)
        assert first["decision"] == second["decision"] and first["scores"] == second["scores"]
    with service.db.read() as session:
        rows = session.execute(
            select(CommentRow.external_id, func.count(), func.min(CommentRow.decision)).group_by(
                CommentRow.external_id
            )
        ).all()
    assert {external_id: count for external_id, count, _ in rows} == dict.fromkeys(ids, 1)
    stored = {external_id: decision for external_id, _, decision in rows}
    assert all(stored[i] == answers[i][0][1]["decision"] for i in ids)
    pending = sum(1 for i in ids if answers[i][0][1]["status"] == "pending")
    page = service.queue("demo", category=None, order="oldest", limit=200, cursor=None)
    assert len(page["items"]) == pending
