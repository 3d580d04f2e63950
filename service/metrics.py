"""Prometheus metrics: counters per process (aggregated across workers in multiprocess mode), state from the store."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

log = logging.getLogger(__name__)

VERDICTS = Counter("moderation_verdicts_total", "Verdicts on newly stored comments", ["decision", "source"])
FLAGS = Counter(
    "moderation_flags_total",
    "Newly stored comments held or rejected, by the category that flagged them",
    ["category", "source"],
)
DECISIONS = Counter("moderation_decisions_total", "Moderator decisions", ["action"])
REQUESTS = Histogram(
    "moderation_http_request_seconds",
    "HTTP request latency",
    ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SIGNATURE_REJECTIONS = Counter(
    "moderation_signature_rejections_total", "Signed requests refused", ["surface", "reason"]
)
DELIVERIES = Counter("moderation_callback_deliveries_total", "Callback delivery attempts", ["outcome"])


class StateCollector:
    """Gauges read from the database at scrape time, so every worker reports the same, whole-system values."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        """Queue depth per site, outbox events per status, the loaded model version, and database reachability."""
        from service.store.tables import CommentRow, OutboxEvent, Site

        scorer = self.service.scorer
        model = GaugeMetricFamily(
            "moderation_model_info", "The loaded model version (0 when none)", labels=["version"]
        )
        model.add_metric(
            [scorer.version if scorer is not None else "unavailable"], 1.0 if scorer is not None else 0.0
        )
        yield model
        up = GaugeMetricFamily("moderation_database_up", "1 when the database answered this scrape")
        try:
            with self.service.db.read() as session:
                pending = session.execute(
                    select(Site.name, func.count(CommentRow.id))
                    .join(
                        CommentRow,
                        (CommentRow.site_id == Site.id) & (CommentRow.status == "pending"),
                        isouter=True,
                    )
                    .group_by(Site.name)
                ).all()
                outbox = session.execute(
                    select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)
                ).all()
        except Exception as error:  # why broad: metrics must answer, and say the database is down
            log.warning("metrics: database unavailable: %s", error.__class__.__name__)
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        queue = GaugeMetricFamily("moderation_queue_depth", "Comments pending review", labels=["site"])
        for site, count in pending:
            queue.add_metric([site], float(count))
        yield queue
        backlog = GaugeMetricFamily(
            "moderation_outbox_events", "Callback events in the outbox", labels=["status"]
        )
        for status, count in outbox:
            backlog.add_metric([status], float(count))
        yield backlog


def exposition(service: Any) -> bytes:
    """The /metrics body: this process's (or, with PROMETHEUS_MULTIPROC_DIR, all workers') metrics, then state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        counters = generate_latest(registry)
    else:
        counters = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(StateCollector(service))
    return counters + generate_latest(state)


def count_verdict(document: dict[str, Any], source: str) -> None:
    """Count a newly stored verdict, and each category that asked to hold or reject it."""
    VERDICTS.labels(document["decision"], source).inc()
    flagged = {r["category"] for r in document["reasons"] if r.get("action") in ("review", "reject")}
    for category in flagged:
        FLAGS.labels(category, source).inc()
