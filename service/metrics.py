"""Prometheus metrics: one registry per process, exported at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

VERDICTS = Counter("moderation_verdicts_total", "Verdicts on newly stored comments", ["decision", "source"])
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
