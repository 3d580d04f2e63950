"""Operations: liveness, readiness, model cards, metrics and the per-site policy."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST

from service.api.http import Blueprint, bearer_token, moderation, principal, requires
from service.errors import BEARER_CHALLENGE, Unauthorized, Unavailable
from service.metrics import exposition
from service.moderation.service import policy_version
from service.rules.wordlists import missing_seed_lists
from service.schemas import PolicyIn, PolicyOut

blp = Blueprint("ops", __name__, description="Health, models, metrics and policy")


@blp.route("/healthz", methods=["GET"])
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
def readyz() -> dict[str, Any]:
    """Ready when the database answers and the models are loaded; 503 otherwise."""
    service = moderation()
    problems = []
    try:
        service.db.ping()
    except Exception as error:  # any failure to reach the database means "not ready"
        problems.append(f"database: {error.__class__.__name__}")
    if service.scorer is None:
        problems.append(f"models: {current_app.extensions.get('model_error', 'not loaded')}")
    missing = missing_seed_lists()
    if missing:
        problems.append(f"word lists not found in seeds/wordlists: {', '.join(missing)}")
    if problems:
        raise Unavailable("not ready: " + "; ".join(problems), headers={"Retry-After": "5"})
    return {"status": "ready", "model_version": service.scorer.version if service.scorer else None}


@blp.route("/v1/models", methods=["GET"])
def models() -> dict[str, Any]:
    """The loaded models' cards: version, sha256, training sources, metrics and operating points."""
    scorer = moderation().scorer
    if scorer is None:
        raise Unavailable(f"no models loaded: {current_app.extensions.get('model_error', 'unknown')}")
    return {"models": [scorer.card]}


@blp.route("/metrics", methods=["GET"])
def metrics() -> Response:
    """Prometheus metrics: requests, latencies and verdicts, plus queue depth, outbox backlog and model version.

    Open by default, as Prometheus endpoints usually are; with METRICS_TOKEN set, the scraper must send it
    as a bearer token (the figures name sites and show their queue depth).
    """
    expected = current_app.config.get("METRICS_TOKEN")
    if expected and not hmac.compare_digest((bearer_token() or "").encode(), str(expected).encode()):
        raise Unauthorized(
            "this server's metrics need its metrics token: send 'Authorization: Bearer <token>'",
            headers=BEARER_CHALLENGE,
        )
    return Response(exposition(moderation()), mimetype=CONTENT_TYPE_LATEST)


@blp.route("/v1/policy", methods=["GET"])
@requires("moderator")
@blp.response(200, PolicyOut)
def get_policy() -> dict[str, Any]:
    """The caller's site policy."""
    site = moderation().accounts.get_site(principal().site_name)
    return {"site": site.name, "policy_version": policy_version(site), "policy": site.policy}


@blp.route("/v1/policy", methods=["PATCH"])
@requires("admin")
@blp.arguments(PolicyIn)
@blp.response(200, PolicyOut)
def patch_policy(changes: dict[str, Any]) -> dict[str, Any]:
    """Change thresholds, rule actions, rule settings or shadow mode; versioned and audited."""
    caller = principal()
    site = moderation().update_policy(caller.site_name, changes, actor=f"key:{caller.key_prefix}")
    return {"site": site.name, "policy_version": policy_version(site), "policy": site.policy}
