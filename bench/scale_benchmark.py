"""Queue and comment lookups at a small and a large number of stored comments, printed as a ratio.

For each size (default 10 000 and 100 000; the issue's goal is stated for 1 000 000: `--sizes 10000,1000000`)
and each backend (SQLite file, throwaway PostgreSQL database), rows are bulk-inserted straight through
SQLAlchemy, then the app (in-process, through its real HTTP layer: authentication, schemas, serialisation)
answers GET /v1/queue pages at random cursor depths, in both orders, and GET /v1/comments/{id} for random ids,
the sizes taking turns request by request. Prints p50/p99 per size and the large/small ratio. Never asserts.

    python -m bench.scale_benchmark
    python -m bench.scale_benchmark --backend sqlite --sizes 10000,1000000 --requests 300
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import insert, select

from bench.databases import PG_ADMIN_URL, database, postgres_available
from service.app import create_app
from service.moderation.types import CATEGORIES
from service.store.comments import encode_cursor
from service.store.db import Database
from service.store.tables import CommentRow, Site

GOAL_RATIO = 1.5  # issue 6: p99 at the large size within 1.5x of the small size
BATCH = 5_000


class NullScorer:
    """The lookups measured here never score; a stand-in keeps model loading out of the measurement."""

    version = "bench-null"
    card: ClassVar[dict[str, Any]] = {"version": "bench-null"}

    def score(self, texts: Sequence[Any]) -> list[dict[str, float]]:
        """All zeros."""
        return [dict.fromkeys(CATEGORIES, 0.0) for _ in texts]

    def explain(self, text: Any, category: str, limit: int = 3) -> tuple[Any, ...]:
        """No spans."""
        return ()

    def operating_points(self) -> dict[str, tuple[float, float]]:
        """Default thresholds."""
        return dict.fromkeys(CATEGORIES, (0.5, 0.9))


def fill(url: str, site_id: int, other_site_id: int, size: int, rng: random.Random) -> None:
    """Bulk-insert `size` comments: a third pending, a tenth on another site, realistic verdict columns."""
    db = Database(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        for offset in range(0, size, BATCH):
            rows = []
            for n in range(offset, min(size, offset + BATCH)):
                pending = n % 3 == 0
                score = rng.random()
                flagged = sorted(rng.sample(CATEGORIES, 2)) if pending else []
                rows.append(
                    {
                        "site_id": other_site_id if n % 10 == 9 else site_id,
                        "external_id": f"c-{n}",
                        "text": f"comment number {n}: " + "lorem ipsum dolor sit amet " * rng.randint(1, 8),
                        "author_id": f"u-{n % 5000}",
                        "author_ip": f"10.0.{n % 250}.{n % 200}",
                        "thread_id": f"t-{n % 800}",
                        "received_at": start + timedelta(seconds=n),
                        "decision": "review" if pending else "approve",
                        "status": "pending" if pending else "approved",
                        "scores": {c: round(score if c in flagged else score / 10, 4) for c in CATEGORIES},
                        "reasons": [],
                        "max_score": score,
                        "flagged": "," + ",".join(flagged) + ",",
                        "model_version": "bench",
                        "policy_version": "bench@1",
                        "fingerprint": rng.getrandbits(63),
                        "source": "api",
                    }
                )
            with db.write() as session:
                session.execute(insert(CommentRow), rows)
        with db.engine.connect() as conn:
            # Fresh planner statistics, as autovacuum / ANALYZE would have after a real fill.
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        db.dispose()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..1) of already sorted values, in milliseconds."""
    return values[min(len(values) - 1, int(p * len(values)))] * 1000


def own_comment(rng: random.Random, size: int) -> int:
    """A random comment number on the measured site (every tenth row belongs to the other site)."""
    n = rng.randrange(size)
    return n - 1 if n % 10 == 9 else n


class Target:
    """One filled database and the requests measured against it, through the app in-process."""

    def __init__(self, url: str, size: int, rng: random.Random) -> None:
        self.app = create_app(
            {"DATABASE_URL": url, "SCORER": NullScorer(), "LOG_JSON": False, "RATELIMIT_ENABLED": False}
        )
        self.service = self.app.extensions["moderation"]
        with self.service.db.read() as session:
            site_id = session.scalar(select(Site.id).where(Site.name == "bench"))
            pending = session.execute(
                select(CommentRow.id, CommentRow.max_score).where(
                    CommentRow.site_id == site_id, CommentRow.status == "pending"
                )
            ).all()
        key = self.service.accounts.create_key("bench", "moderator")
        headers = {"Authorization": f"Bearer {key}"}
        client = self.app.test_client()
        self.cases = {
            "queue oldest": lambda: client.get(
                "/v1/queue",
                query_string={"limit": 50, "cursor": encode_cursor([rng.choice(pending)[0]])},
                headers=headers,
            ),
            "queue by score": lambda: client.get(
                "/v1/queue",
                query_string={
                    "limit": 50,
                    "order": "score",
                    "cursor": encode_cursor(list(rng.choice(pending))[::-1]),
                },
                headers=headers,
            ),
            "queue category": lambda: client.get(
                "/v1/queue",
                query_string={
                    "limit": 50,
                    "category": rng.choice(CATEGORIES),
                    "cursor": encode_cursor([rng.choice(pending)[0]]),
                },
                headers=headers,
            ),
            "comment by id": lambda: client.get(f"/v1/comments/c-{own_comment(rng, size)}", headers=headers),
        }

    def timed(self, case: str) -> float:
        """Seconds one request of `case` took; raises on anything but 200."""
        started = time.perf_counter()
        response = self.cases[case]()
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{case}: {response.status_code} {response.get_data(as_text=True)[:200]}")
        return elapsed

    def close(self) -> None:
        """Release the connections."""
        self.service.db.dispose()


def measure(targets: dict[int, Target], requests: int) -> dict[int, dict[str, tuple[float, float]]]:
    """p50/p99 (ms) per size and case; the sizes take turns request by request, so load on the machine that
    comes and goes during the run affects every size alike."""
    results: dict[int, dict[str, tuple[float, float]]] = {size: {} for size in targets}
    for case in next(iter(targets.values())).cases:
        timings: dict[int, list[float]] = {size: [] for size in targets}
        for _ in range(20):  # warm caches and the connection pools
            for target in targets.values():
                target.timed(case)
        for _ in range(requests):
            for size, target in targets.items():
                timings[size].append(target.timed(case))
        for size, values in timings.items():
            values.sort()
            results[size][case] = (percentile(values, 0.5), percentile(values, 0.99))
    return results


def run_backend(backend: str, sizes: list[int], requests: int, seed: int) -> list[str]:
    """Fill one database per size, measure them side by side, and format the comparison."""
    fill_seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, ExitStack() as stack:
        targets: dict[int, Target] = {}
        for size in sizes:
            rng = random.Random(seed)
            url = stack.enter_context(database(backend, Path(tmp), f"scale_n{size}", migrate=True))
            db = Database(url)
            with db.write() as session:
                now = datetime.now(UTC)
                bench, other = (
                    Site(name="bench", policy={}, created_at=now),
                    Site(name="other", policy={}, created_at=now),
                )
                session.add_all([bench, other])
                session.flush()
                site_ids = (bench.id, other.id)
            db.dispose()
            started = time.perf_counter()
            fill(url, site_ids[0], site_ids[1], size, rng)
            fill_seconds[size] = time.perf_counter() - started
            targets[size] = Target(url, size, rng)
            stack.callback(targets[size].close)
        measured = measure(targets, requests)
    small, large = min(sizes), max(sizes)
    lines = [
        f"\n## {backend}: {requests} requests per case, pages of 50, "
        + ", ".join(f"{size:,} rows filled in {fill_seconds[size]:.0f} s" for size in sizes)
        + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        f"{'case':<17}"
        + "".join(f"{f'p50@{s:,}':>15}{f'p99@{s:,}':>15}" for s in sizes)
        + f"{'p50 ratio':>11}{'p99 ratio':>11}",
    ]
    for case in measured[small]:
        cells = "".join(f"{measured[s][case][0]:>13.2f}ms{measured[s][case][1]:>13.2f}ms" for s in sizes)
        p50_ratio = measured[large][case][0] / measured[small][case][0]
        ratio = measured[large][case][1] / measured[small][case][1]
        verdict = "met" if ratio <= GOAL_RATIO else "MISSED"
        lines.append(
            f"{case:<17}{cells}{p50_ratio:>10.2f}x{ratio:>10.2f}x  p99 goal <= {GOAL_RATIO}x {verdict}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; returns 0 whatever the numbers are."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--sizes", default="10000,100000", help="comma-separated row counts (smallest is the baseline)"
    )
    parser.add_argument("--requests", type=int, default=300, help="timed requests per case and size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgres" and not postgres_available():
            print(
                f"\n## postgres: skipped, {PG_ADMIN_URL} is unreachable (set MODERATION_BENCH_POSTGRES_URL)"
            )
            continue
        print("\n".join(run_backend(backend, sizes, args.requests, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
